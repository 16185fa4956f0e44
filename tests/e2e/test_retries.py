"""Transient failures are retried, permanent ones fail the job, and nothing
is sent once the job's window (or deadline) has closed."""

import datetime

from conftest import now_utc, rfc3339, write_job


def test_transient_failures_are_retried_until_success(fake, daemon):
    fake.faults([
        {"method": "POST", "times": 1, "action": "status", "status": 503},
        {"method": "POST", "times": 1, "action": "close"},
        {"method": "POST", "times": 1, "action": "reset"},
        {"method": "GET", "times": 1, "action": "status", "status": 500},
        {"method": "GET", "times": 1, "action": "truncate"},
    ])
    d = daemon()
    write_job(d.jobs_dir, "flaky")
    job = d.wait_state("flaky", "succeeded", timeout=30)
    assert [p["status"] for p in fake.posts("site-a")] == [503, 0, 0, 200]
    assert len(fake.jobs()) == 1
    gets = fake.status_gets("site-a", job["remoteJobId"])
    assert [g["fault"] for g in gets] == ["status", "truncate", None, None, None]
    assert gets[0]["status"] == 500
    assert fake.job(job["remoteJobId"])["polls"] == 3


def test_retry_after_is_honoured(fake, daemon):
    fake.faults([{"method": "POST", "times": 1, "action": "status", "status": 429,
                  "headers": {"Retry-After": "1"}}])
    d = daemon(overrides={"relinkd.retry.initialDelay": "100ms"})
    write_job(d.jobs_dir, "limited")
    d.wait_state("limited", "succeeded")
    first, second = fake.posts("site-a")
    assert (first["status"], second["status"]) == (429, 200)
    assert second["at"] - first["at"] >= 950, "retried before Retry-After elapsed"


def test_max_attempts_fails_the_job(fake, daemon):
    fake.faults([{"method": "POST", "times": -1, "action": "status", "status": 503}])
    d = daemon(overrides={"relinkd.retry.maxAttempts": "2"})
    write_job(d.jobs_dir, "doomed")
    job = d.wait_state("doomed", "failed")
    assert job["lastError"]
    assert job["attempts"] == 2
    assert len(fake.posts("site-a")) == 2


def test_404_on_status_fails_the_job(fake, daemon):
    fake.config({"statuses": ["Pending"]})
    d = daemon()
    write_job(d.jobs_dir, "lost")
    running = d.wait_state("lost", "running")
    fake.faults([{"method": "GET", "times": -1, "action": "status", "status": 404,
                  "pathContains": running["remoteJobId"]}])
    job = d.wait_state("lost", "failed")
    assert job["lastError"]


def test_closed_window_means_no_request(fake, daemon):
    d = daemon()
    write_job(d.jobs_dir, "too-late",
              migratedAt=rfc3339(now_utc() - datetime.timedelta(days=15)))
    write_job(d.jobs_dir, "sentinel", siteId="site-s")
    d.wait_state("sentinel", "succeeded")
    d.wait_state("too-late", "expired")
    assert fake.posts("site-a") == []


def test_nothing_is_sent_after_the_deadline(fake, daemon):
    fake.faults([{"method": "POST", "times": -1, "action": "status", "status": 503}])
    d = daemon()
    deadline = now_utc() + datetime.timedelta(seconds=3)
    write_job(d.jobs_dir, "hurry", deadline=rfc3339(deadline))
    job = d.wait_state("hurry", "expired", timeout=15)
    assert job["deadline"] is not None
    posts = fake.posts("site-a")
    assert posts, "no attempt was made before the deadline"
    # rfc3339() drops sub-seconds, so the deadline is at most 1 s earlier than asked.
    limit_ms = int(deadline.replace(microsecond=0).timestamp() * 1000)
    assert all(p["at"] <= limit_ms for p in posts), "a request was sent after the deadline"
