"""relinkctl status, and what list, show and wait say when relinkd is not
running (after a kill -9 as after a clean stop): as an operator reads it,
through the real relinkd, relinkctl and the fake API."""

import datetime
import json
import subprocess
import time

from conftest import RELINKCTL, clean_env, write_job

NOT_RUNNING = "relinkd is not running; states are as it left them"
# interface.md: `wait` exits 3 within 5 s when relinkd is not running.
WAIT_NOT_RUNNING_S = 5


def status(d):
    code, out, err = d.ctl("status", "--json")
    return code, json.loads(out), err


def slow_job(fake, d, name="slow"):
    """A job whose remote job stays Pending: running until relinkd is gone."""
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    write_job(d.jobs_dir, name, siteId="site-slow")
    return d.wait_state(name, "running")


def test_after_kill_9_list_and_show_warn_wait_exits_3_and_status_says_not_running(fake, daemon):
    d = daemon()
    slow_job(fake, d)
    code, listed_running, err = d.ctl("list")
    assert code == 0 and err == "", err
    code, shown_running, err = d.ctl("show", "slow", "--json")
    assert code == 0 and err == "", err
    d.kill()

    code, out, err = d.ctl("list")
    assert code == 0
    assert err == f"relinkctl: {NOT_RUNNING}\n"
    assert out == listed_running, "list's output is the same, only the warning is added"
    code, out, err = d.ctl("list", "--json")
    assert code == 0 and NOT_RUNNING in err
    assert [j["state"] for j in json.loads(out)] == ["running"]
    code, out, err = d.ctl("show", "slow")
    assert code == 0 and NOT_RUNNING in err and "running" in out
    code, out, err = d.ctl("show", "slow", "--json")
    assert code == 0 and NOT_RUNNING in err
    assert json.loads(out)["state"] == "running"

    started = time.monotonic()
    code, out, err = d.ctl("wait", "--timeout=60s")
    assert code == 3, f"wait: {code} {out} {err}"
    assert time.monotonic() - started < WAIT_NOT_RUNNING_S
    assert "relinkd is not running" in err and "slow: running" in out

    code, report, _ = status(d)
    assert code == 3
    assert report["running"] is False
    assert report["pid"] is None and report["since"] is None
    assert report["jobs"]["running"] == 1
    assert any(text.startswith("relinkd is not running") for text in report["attention"]), report
    code, out, _ = d.ctl("status")
    assert code == 3 and "not running" in out.splitlines()[0], out


def test_wait_exits_3_when_relinkd_dies_while_it_waits(fake, daemon):
    d = daemon()
    slow_job(fake, d)
    waiter = subprocess.Popen([str(RELINKCTL), "-c", str(d.config_path), "wait", "slow", "--timeout=120s"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    try:
        time.sleep(1)  # let it start waiting; it must not have ended on its own
        assert waiter.poll() is None, "wait ended while relinkd still ran"
        d.kill()
        killed = time.monotonic()
        out, err = waiter.communicate(timeout=60)
    finally:
        if waiter.poll() is None:
            waiter.kill()
            waiter.wait()
    assert waiter.returncode == 3, f"{out!r} {err!r}"
    assert time.monotonic() - killed < WAIT_NOT_RUNNING_S
    assert b"relinkd is not running" in err


def test_wait_on_finished_jobs_answers_as_before_when_relinkd_is_stopped(fake, daemon):
    d = daemon()
    write_job(d.jobs_dir, "done")
    d.wait_state("done", "succeeded")
    d.stop()
    code, out, err = d.ctl("wait", "--timeout=5s")
    assert code == 0 and "all 1 job succeeded" in out, out + err
    code, _, err = d.ctl("list")
    assert code == 0 and NOT_RUNNING in err, "a clean stop is not running either"


def test_status_on_a_healthy_run_is_0_with_the_pid_and_since_when(fake, daemon):
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    d = daemon()
    for name in ("a", "b"):
        write_job(d.jobs_dir, name, siteId=f"site-{name}")
    d.wait_state("a", "succeeded")
    d.wait_state("b", "succeeded")

    code, report, err = status(d)
    assert code == 0, report
    assert list(report) == ["running", "pid", "since", "jobs", "paused", "pausedReason",
                            "notificationsOwed", "storeWritable", "attention"]
    assert report["running"] is True and report["pid"] == d.proc.pid
    since = datetime.datetime.fromisoformat(report["since"].replace("Z", "+00:00"))
    assert before - datetime.timedelta(seconds=1) <= since <= datetime.datetime.now(datetime.timezone.utc)
    assert report["jobs"]["succeeded"] == 2 and sum(report["jobs"].values()) == 2
    assert set(report["jobs"]) == {"invalid", "queued", "running", "retrying", "paused", "succeeded",
                                   "failed", "expired", "cancelled"}
    assert report["paused"] == 0 and report["pausedReason"] is None
    assert report["notificationsOwed"] == 0 and report["storeWritable"] is True
    assert report["attention"] == []

    code, out, err = d.ctl("status")
    assert code == 0, out + err
    assert f"running, pid {d.proc.pid}, since" in out
    assert "2 succeeded" in out and "nothing needs attention" in out


def test_status_is_1_and_says_what_to_do_for_a_failed_job(fake, daemon):
    fake.faults([{"method": "POST", "pathContains": "/site-rejected/", "times": 1, "action": "status", "status": 400,
                  "body": '{"status":400,"errorMessage":"Validation failed","id":"req-1"}'}])
    d = daemon()
    write_job(d.jobs_dir, "ok", siteId="site-ok")
    write_job(d.jobs_dir, "rejected", siteId="site-rejected")
    d.wait_state("rejected", "failed")
    d.wait_state("ok", "succeeded")

    code, report, _ = status(d)
    assert code == 1, report
    assert report["running"] is True and report["jobs"]["failed"] == 1
    [text] = report["attention"]
    assert text.startswith("1 job has failed")
    assert "relinkctl list --state=failed" in text and "relinkctl retry" in text
    code, out, _ = d.ctl("status")
    assert code == 1 and "relinkctl list --state=failed" in out

    assert d.ctl("retry", "rejected")[0] == 0
    d.wait_state("rejected", "succeeded")
    assert status(d)[0] == 0


def test_status_shows_jobs_paused_for_credentials_and_why(fake, daemon, secrets):
    new_token = "tok2-" + secrets.token[5:]
    secrets.all.append(new_token)
    fake.config({"token": new_token})  # the fake answers 401 to the configured token
    d = daemon()
    write_job(d.jobs_dir, "locked")
    job = d.wait_state("locked", "paused")

    code, report, _ = status(d)
    assert code == 1, report
    assert report["paused"] == 1 and report["jobs"]["paused"] == 1
    assert report["pausedReason"] == job["lastError"]
    [text] = report["attention"]
    assert text == "1 job is paused for credentials: " + job["lastError"]
    assert "token file" in text and "SIGHUP" in text, "what to do"
    code, out, _ = d.ctl("status")
    assert code == 1 and "paused:         1 job: " in out, out

    secrets.write_token(new_token)
    d.wait_state("locked", "succeeded")
    code, report, _ = status(d)
    assert code == 0 and report["paused"] == 0 and report["pausedReason"] is None, report
