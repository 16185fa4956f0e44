"""relinkctl against a running (and a stopped) daemon: list, show, cancel,
retry, wait and their exit statuses."""

import json
import time

from conftest import write_job


def test_list_show_and_state_filter(fake, daemon):
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    d = daemon()
    write_job(d.jobs_dir, "quick")
    write_job(d.jobs_dir, "slow", siteId="site-slow")
    d.wait_state("quick", "succeeded")
    d.wait_state("slow", "running")

    code, out, _ = d.ctl("list")
    assert code == 0
    lines = out.splitlines()
    assert any("quick" in line and "succeeded" in line for line in lines), out
    assert any("slow" in line and "running" in line for line in lines), out

    code, out, _ = d.ctl("list", "--json", "--state=succeeded")
    assert code == 0
    assert [j["name"] for j in json.loads(out)] == ["quick"]

    code, out, _ = d.ctl("show", "quick")
    assert code == 0 and "quick" in out and "succeeded" in out
    code, _, err = d.ctl("show", "no-such-job")
    assert code == 1 and "no-such-job" in err

    d.stop()  # relinkctl works without the daemon too
    assert {j["name"] for j in d.jobs()} == {"quick", "slow"}
    assert d.show("quick")["state"] == "succeeded"


def test_cancel_stops_a_running_job_for_good(fake, daemon):
    fake.config({"siteScripts": {"site-a": [["Pending"]]}})
    d = daemon()
    write_job(d.jobs_dir, "endless")
    running = d.wait_state("endless", "running")

    code, out, err = d.ctl("cancel", "endless")
    assert code == 0, out + err
    assert d.job("endless")["state"] == "cancelled"
    polls = len(fake.status_gets("site-a", running["remoteJobId"]))
    assert d.ctl("cancel", "endless")[0] == 1, "cancelling a cancelled job"
    assert d.ctl("cancel", "no-such-job")[0] == 1

    write_job(d.jobs_dir, "sentinel", siteId="site-s")
    d.wait_state("sentinel", "succeeded")
    assert len(fake.status_gets("site-a", running["remoteJobId"])) <= polls + 1, \
        "the cancelled remote job is still polled"

    # Its file is still there, but a cancelled job is not resurrected.
    d.restart()
    write_job(d.jobs_dir, "sentinel2", siteId="site-s2")
    d.wait_state("sentinel2", "succeeded")
    assert d.job("endless")["state"] == "cancelled"
    assert len(fake.posts("site-a")) == 1
    assert d.ctl("retry", "endless")[0] == 1, "retrying a cancelled job"


def test_failed_job_is_rearmed_by_retry(fake, daemon):
    fake.faults([{"method": "POST", "times": 1, "action": "status", "status": 400,
                  "body": '{"status":400,"errorMessage":"Validation failed",'
                          '"errors":["destinationURL is not linked"],"id":"req-1"}'}])
    d = daemon()
    write_job(d.jobs_dir, "rejected")
    job = d.wait_state("rejected", "failed")
    error = job["lastError"] or ""
    assert any(w in error for w in ("400", "Validation failed", "not linked")), error
    assert d.ctl("wait", "rejected", "--timeout=5s")[0] == 1
    assert d.ctl("cancel", "rejected")[0] == 1, "cancelling a failed job"

    code, out, err = d.ctl("retry", "rejected")
    assert code == 0, out + err
    d.wait_state("rejected", "succeeded")
    assert d.ctl("wait", "rejected", "--timeout=5s")[0] == 0
    assert d.ctl("retry", "rejected")[0] == 1, "retrying a succeeded job"
    assert [p["status"] for p in fake.posts("site-a")] == [400, 200]


def test_wait_exit_statuses(fake, daemon):
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    d = daemon()
    write_job(d.jobs_dir, "a")
    write_job(d.jobs_dir, "b", siteId="site-b")
    # `wait` without names only sees jobs already in the database: before the
    # daemon has taken both files in it may find none and exit 0 at once.
    d.wait_for(lambda: {"a", "b"} <= {j["name"] for j in d.jobs()}, 10,
               "relinkd to take in the job files a and b")
    code, out, err = d.ctl("wait", "--timeout=30s")
    assert code == 0, out + err
    assert all(j["state"] == "succeeded" for j in d.jobs()), out

    write_job(d.jobs_dir, "slow", siteId="site-slow")
    d.wait_state("slow", "running")
    started = time.monotonic()
    code, _, _ = d.ctl("wait", "slow", "--timeout=1s")
    assert code == 124
    assert time.monotonic() - started < 10
    assert d.ctl("wait", "a", "b", "--timeout=5s")[0] == 0
