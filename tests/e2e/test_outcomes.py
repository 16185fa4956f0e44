"""Each outcome class of README "Retries, rate limits and the window", driven
through the real daemon against the fake API: transient faults of every kind
are survived, a rate limit holds back the whole site (even across a kill),
permanent refusals fail
at once, a remote Error is submitted again, and the last attempt is moved
before a near deadline rather than given up or sent late.

test_retries.py already has the basics (a few faults, Retry-After on one job,
maxAttempts, 404 on status, a closed window, 503 until a short deadline);
these tests add what it does not check."""

import datetime
import json

import pytest

from conftest import now_utc, rfc3339, write_job

# A job that faces every transient fault, one after the other, before it
# gets through: (name, fault, expected httpStatus in the history or
# "absent" for no HTTP answer, or None when either is acceptable).
# truncate comes first: it leaves no idle connection behind, so the reset and
# the close hit fresh connections. On a reused idle connection the transport
# sends the request once more at once (PocoTransport.cpp perform(): the server
# may have closed it while idle), and that failure would leave no trace.
_HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"
TRANSIENT_FAULTS = [
    ("truncate", {"action": "truncate"}, None),
    ("reset", {"action": "reset"}, "absent"),
    ("close", {"action": "close"}, "absent"),
    ("stall", {"action": "stall", "stallMs": 4000}, "absent"),
    ("500", {"action": "status", "status": 500}, 500),
    ("502", {"action": "status", "status": 502, "body": _HTML,
             "headers": {"Content-Type": "text/html"}}, 502),
    ("503", {"action": "status", "status": 503}, 503),
    ("504", {"action": "status", "status": 504}, 504),
    ("408", {"action": "status", "status": 408}, 408),
    ("429 without a limit header", {"action": "status", "status": 429}, 429),
]
# A 200 whose body is useless: HTML for a submission, JSON without the
# status field for a poll.
GARBLED_POST = ("garbled 200", {"action": "status", "status": 200, "body": _HTML,
                                "headers": {"Content-Type": "text/html"}}, 200)
GARBLED_GET = ("garbled 200", {"action": "status", "status": 200,
                               "body": '{"uuid":"b0476a8b-4cc4-4818-a7b4-2fa08cd7703a"}'}, 200)

# Short delays so a dozen failures take seconds; a stall outlives the timeout.
FAST_RETRY = {"relinkd.api.timeout": "1s", "relinkd.retry.initialDelay": "100ms",
              "relinkd.retry.maxDelay": "300ms"}


def ms_of(text):
    """An RFC 3339 time from relinkctl's JSON as milliseconds since the epoch."""
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def results_of(history, action):
    """History entries of one action that record an answer (not the
    "sending" note written before a submission goes out)."""
    return [e for e in history if e["action"] == action and e["outcome"] != "sending"]


def describe(history):
    return json.dumps(history, indent=1)


def assert_failures_recorded(entries, faults, history):
    assert len(entries) == len(faults) + 1, \
        f"expected one history entry per fault and one success:\n{describe(history)}"
    for (name, _, http_status), entry in zip(faults, entries):
        assert entry["outcome"] == "transient", f"{name}: {entry}"
        assert entry["detail"], f"{name}: the history does not say what went wrong: {entry}"
        if http_status == "absent":
            assert entry["httpStatus"] is None, f"{name}: {entry}"
        elif http_status is not None:
            assert entry["httpStatus"] == http_status, f"{name}: {entry}"
            assert str(http_status) in entry["detail"], f"{name}: {entry}"


def test_a_submission_survives_every_transient_fault(fake, daemon):
    faults = TRANSIENT_FAULTS + [GARBLED_POST]
    fake.faults([dict(fault, method="POST", times=1) for _, fault, _ in faults])
    d = daemon(overrides=FAST_RETRY)
    write_job(d.jobs_dir, "stubborn")
    job = d.wait_state("stubborn", "succeeded", timeout=60)

    posts = fake.posts("site-a")
    assert [p["fault"] for p in posts] == [f["action"] for _, f, _ in faults] + [None]
    assert posts[-1]["status"] == 200
    assert len(fake.jobs()) == 1, "a faulted submission created a remote job"
    assert job["remoteJobId"] == fake.jobs()[0]["uuid"]
    assert job["attempts"] == len(faults) + 1
    assert job["lastError"] is None

    history = d.show("stubborn")["history"]
    entries = results_of(history, "submit")
    assert_failures_recorded(entries, faults, history)
    assert entries[-1]["outcome"] == "ok"


def test_a_status_poll_survives_every_transient_fault_without_resubmitting(fake, daemon):
    faults = TRANSIENT_FAULTS + [GARBLED_GET]
    fake.faults([dict(fault, method="GET", pathContains="/jobs/status/", times=1)
                 for _, fault, _ in faults])
    d = daemon(overrides=FAST_RETRY)
    write_job(d.jobs_dir, "watched")
    job = d.wait_state("watched", "succeeded", timeout=60)

    (post,) = fake.posts("site-a")
    assert post["status"] == 200
    gets = fake.status_gets("site-a", job["remoteJobId"])
    assert [g["fault"] for g in gets] == [f["action"] for _, f, _ in faults] + [None] * 3
    assert fake.job(job["remoteJobId"])["polls"] == 3
    assert job["attempts"] == 1, "a failing poll used a submission attempt"
    assert job["lastError"] is None

    history = d.show("watched")["history"]
    polls = results_of(history, "poll")
    assert_failures_recorded(polls[:len(faults) + 1], faults, history)
    assert polls[len(faults)]["outcome"].lower() == "status pending", describe(history)


def _site_requests(fake, site):
    return [r for r in fake.requests() if r["path"].startswith(f"/links/v1/{site}/")]


@pytest.mark.parametrize("header", ["Retry-After", "X-RateLimit-Reset"])
def test_a_rate_limit_holds_back_every_job_of_the_site(fake, daemon, header):
    """A 429 on one job's POST: no request reaches that site, for any job,
    before the limit; another site's job goes ahead meanwhile."""
    hold_s = 4
    d = daemon(overrides={"relinkd.retry.initialDelay": "100ms"})
    if header == "Retry-After":
        headers = {"Retry-After": str(hold_s)}
    else:
        # Whole seconds, so the reset is 3 to 4 s after the 429 below.
        reset = now_utc() + datetime.timedelta(seconds=hold_s + 1)
        headers = {"X-RateLimit-Reset": rfc3339(reset)}
    fake.faults([{"method": "POST", "pathContains": "/site-a/", "times": 1, "action": "status",
                  "status": 429, "headers": headers,
                  "body": '{"status":429,"errorMessage":"Rate limit exceeded"}'}])
    write_job(d.jobs_dir, "first")
    d.wait_state("first", "retrying")
    (limited,) = fake.posts("site-a")
    assert limited["status"] == 429
    if header == "Retry-After":
        limit_ms = limited["at"] + hold_s * 1000
    else:
        limit_ms = int(reset.replace(microsecond=0).timestamp() * 1000)
        assert limit_ms - limited["at"] >= 2000, "the test was too slow to set up the limit"

    write_job(d.jobs_dir, "second", destinationURL="https://acme-apac.atlassian.net")
    write_job(d.jobs_dir, "elsewhere", siteId="site-b")
    elsewhere = d.wait_state("elsewhere", "succeeded")
    first = d.wait_state("first", "succeeded", timeout=30)
    second = d.wait_state("second", "succeeded", timeout=30)

    held = [r for r in _site_requests(fake, "site-a") if r["seq"] > limited["seq"]]
    early = [r for r in held if r["at"] < limit_ms]
    assert not early, (f"site-a was asked before its limit ({limit_ms}): "
                       f"{[(r['method'], r['path'], r['at']) for r in early]}")
    posts = fake.posts("site-a")
    assert len(posts) == 3 and all(p["status"] == 200 for p in posts[1:]), posts
    (other_post,) = fake.posts("site-b")
    assert other_post["at"] < limit_ms, "the other site's job waited for site-a's limit"
    other_gets = fake.status_gets("site-b", elsewhere["remoteJobId"])
    assert other_gets and other_gets[0]["at"] < limit_ms
    assert first["attempts"] == 1, "a rate-limited answer used an attempt"
    assert second["attempts"] == 1
    limited_entries = [e for e in d.show("first")["history"] if e["httpStatus"] == 429]
    assert [e["outcome"] for e in limited_entries] == ["rate-limited"]


def test_a_rate_limit_outlives_a_kill(fake, daemon):
    fake.faults([{"method": "POST", "times": 1, "action": "status", "status": 429,
                  "headers": {"Retry-After": "5"}}])
    d = daemon(overrides={"relinkd.retry.initialDelay": "100ms"})
    write_job(d.jobs_dir, "first")
    d.wait_state("first", "retrying")
    (limited,) = fake.posts("site-a")
    d.kill()
    d.start()
    write_job(d.jobs_dir, "second", destinationURL="https://acme-apac.atlassian.net")
    d.wait_state("first", "succeeded", timeout=30)
    d.wait_state("second", "succeeded", timeout=30)
    later = [r for r in _site_requests(fake, "site-a") if r["seq"] > limited["seq"]]
    early = [r for r in later if r["at"] < limited["at"] + 5000]
    assert not early, (f"site-a was asked {limited['at'] + 5000 - early[0]['at']} ms before "
                       "its limit after relinkd was restarted")
    assert len(fake.posts("site-a")) == 3


@pytest.mark.parametrize("status,body,message", [
    (400, {"status": 400, "errorMessage": "Validation failed",
           "errors": ["destinationURL is not a site of this organization"], "id": "req-400"},
     "destinationURL is not a site of this organization"),
    (403, {"status": 403, "errorMessage": "You must be a site admin of acme-eu to update links",
           "id": "req-403"},
     "You must be a site admin of acme-eu to update links"),
])
def test_a_refused_submission_fails_at_once_with_the_servers_message(fake, daemon, status, body,
                                                                     message):
    fake.faults([{"method": "POST", "times": 1, "action": "status", "status": status,
                  "body": json.dumps(body)}])
    # The witness's remote job runs for more than a second, longer than any
    # backoff here, so a wrong retry of the refused job would show up.
    fake.config({"siteScripts": {"site-a": [["Pending"] * 12 + ["Complete"]]}})
    d = daemon()
    refused_spec = write_job(d.jobs_dir, "refused")
    job = d.wait_state("refused", "failed")
    assert message in (job["lastError"] or ""), job["lastError"]
    assert str(status) in job["lastError"]
    assert job["nextAttemptAt"] is None

    write_job(d.jobs_dir, "witness", destinationURL="https://acme-apac.atlassian.net")
    d.wait_state("witness", "succeeded", timeout=30)
    refused_posts = [p for p in fake.posts("site-a")
                     if json.loads(p["body"])["destinationURL"] == refused_spec["destinationURL"]]
    assert len(refused_posts) == 1, "a refused job was submitted again"
    assert refused_posts[0]["status"] == status
    job = d.job("refused")
    assert job["state"] == "failed" and job["attempts"] == 1
    entries = results_of(d.show("refused")["history"], "submit")
    assert [(e["httpStatus"], e["outcome"]) for e in entries] == [(status, "permanent")]
    assert message in entries[0]["detail"]


def test_a_remote_error_is_submitted_again_and_succeeds(fake, daemon):
    fake.config({"siteScripts": {"site-a": [["Pending", "Error"], ["Complete"]]}})
    d = daemon()
    write_job(d.jobs_dir, "second-time-lucky")
    job = d.wait_state("second-time-lucky", "succeeded", timeout=30)

    first_post, second_post = fake.posts("site-a")
    assert (first_post["status"], second_post["status"]) == (200, 200)
    assert first_post["body"] == second_post["body"]
    broken, fixed = fake.jobs()
    assert broken["status"] == "ERROR"
    assert job["remoteJobId"] == fixed["uuid"]
    assert job["remoteStatus"] == "COMPLETE"
    assert job["attempts"] == 2
    assert job["lastError"] is None
    late = [g for g in fake.status_gets("site-a", broken["uuid"]) if g["seq"] > second_post["seq"]]
    assert not late, "the failed remote job was polled after it was replaced"
    outcomes = [e["outcome"] for e in d.show("second-time-lucky")["history"]]
    assert "remote-error" in outcomes


@pytest.mark.parametrize("fault", [
    {"action": "status", "status": 503},
    {"action": "stall", "stallMs": 30000},
], ids=["503", "stall"])
def test_the_last_attempt_is_moved_before_a_near_deadline(fake, daemon, fault):
    """The backoff (30 s) would pass the deadline (8 s away): the second and
    last attempt starts api.timeout (2 s) before the deadline; nothing is
    sent after it and the job expires at the deadline, not before."""
    fake.faults([dict(fault, method="POST", times=-1)])
    d = daemon(overrides={"relinkd.api.timeout": "2s", "relinkd.retry.initialDelay": "30s",
                          "relinkd.retry.maxDelay": "1h"})
    deadline = now_utc() + datetime.timedelta(seconds=8)
    write_job(d.jobs_dir, "last-chance", deadline=rfc3339(deadline))
    # rfc3339() drops sub-seconds, as does the daemon's copy of the deadline.
    deadline_ms = int(deadline.replace(microsecond=0).timestamp() * 1000)
    job = d.wait_state("last-chance", "expired", timeout=30)
    assert ms_of(job["deadline"]) == deadline_ms

    posts = fake.posts("site-a")
    assert len(posts) == 2, f"expected the first and a last attempt, got {len(posts)}"
    first, last = posts
    assert first["at"] < deadline_ms - 4000, "the first attempt came late"
    # A few ms of slack for the wall-to-monotonic conversion.
    assert deadline_ms - 2000 - 50 <= last["at"] < deadline_ms, \
        f"the last attempt came {deadline_ms - last['at']} ms before the deadline, not ~2000"
    expiry = [e for e in d.show("last-chance")["history"] if e["action"] == "expire"]
    assert len(expiry) == 1
    assert ms_of(expiry[0]["at"]) >= deadline_ms - 5, "the job gave up before its deadline"
    assert job["lastError"], "an expired job says why"
