"""relinkd.notify.command through the real daemon: final states and
deadline-near owed once each, the command's input and environment, a
hanging command killed and retried while the scheduler goes on, a kill -9
before delivery, and a clean restart that repeats nothing."""

import datetime
import json
import subprocess
from pathlib import Path

from conftest import RELINKD, clean_env, now_utc, rfc3339, write_job

RECORDER = """#!/bin/sh
# Records what relinkd passed: standard input and the environment.
out={out}
touch "$out/started.$$"
if [ -e "$out/hang" ]; then sleep 60; exit 1; fi
n=$(date +%s%N)-$$
cat > "$out/$n.tmp"
env > "$out/$n.env"
mv "$out/$n.tmp" "$out/$n.json"
# Delivered; a webhook may still take a while to exit.
if [ -e "$out/linger" ]; then touch "$out/lingering.$$"; sleep 2; fi
"""


class Recorder:
    def __init__(self, directory):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.command = self.dir / "notify"
        self.command.write_text(RECORDER.format(out=self.dir))
        self.command.chmod(0o755)

    def hang(self, on):
        flag = self.dir / "hang"
        if on:
            flag.touch()
        elif flag.exists():
            flag.unlink()

    def linger(self, on):
        """While on, the command takes 2 s to exit after it recorded."""
        flag = self.dir / "linger"
        if on:
            flag.touch()
        elif flag.exists():
            flag.unlink()

    def lingering(self):
        return len(list(self.dir.glob("lingering.*")))

    def runs(self):
        return len(list(self.dir.glob("started.*")))

    def received(self):
        """[(job JSON, environment dict)], oldest first."""
        out = []
        for path in sorted(self.dir.glob("*.json")):
            env = dict(line.split("=", 1) for line in path.with_suffix(".env").read_text().splitlines()
                       if "=" in line)
            out.append((json.loads(path.read_text()), env, path))
        return out


def jobs_notified(received):
    return [env["RELINKD_JOB"] for _, env, _ in received]


def probe_deliveries(d, recorder, name="probe"):
    """Proof that delivery has looked at what is owed, for a "nothing more
    was delivered" check: a job written now and its notification
    delivered. Owed notifications run one at a time in the order they fell
    due, so one owed before the probe's has run by then. Returns the jobs
    notified, oldest first, the probe last."""
    write_job(d.jobs_dir, name, siteId="site-a")
    d.wait_for(lambda: name in jobs_notified(recorder.received()), what=f"the notification of {name}")
    notified = jobs_notified(recorder.received())
    assert notified[-1] == name, notified
    return notified


def wait_sent(d, name):
    """relinkctl show NAME --json, once its notifications are recorded as sent."""
    def sent():
        shown = d.show(name)
        return shown if shown["notificationOwed"] is False else None

    return d.wait_for(sent, what=f"the notification of {name} recorded as sent")


def notify_daemon(daemon, recorder, **settings):
    overrides = {"relinkd.notify.command": str(recorder.command), "relinkd.notify.timeout": "5s"}
    overrides.update(settings)
    return daemon(overrides=overrides)


def test_a_success_and_a_permanent_failure_make_exactly_two_notifications(fake, daemon, tmp_path, secrets):
    recorder = Recorder(tmp_path / "notified")
    fake.faults([{"method": "POST", "pathContains": "/site-b/", "times": -1, "action": "status", "status": 400,
                  "body": '{"status":400,"errorMessage":"Validation failed"}'}])
    d = notify_daemon(daemon, recorder)
    write_job(d.jobs_dir, "good", siteId="site-a")
    write_job(d.jobs_dir, "bad", siteId="site-b")
    d.wait_state("good", "succeeded")
    d.wait_state("bad", "failed")
    d.wait_for(lambda: len(recorder.received()) == 2, what="two notifications")
    received = recorder.received()
    by_job = {env["RELINKD_JOB"]: (job, env, path) for job, env, path in received}
    assert set(by_job) == {"good", "bad"}
    for name, state in (("good", "succeeded"), ("bad", "failed")):
        job, env, path = by_job[name]
        assert env["RELINKD_STATE"] == state and env["RELINKD_EVENT"] == "final"
        assert env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        assert set(env) <= {"PATH", "LC_ALL", "RELINKD_JOB", "RELINKD_STATE", "RELINKD_EVENT", "PWD", "SHLVL", "_"}, env
        assert job["name"] == name and job["state"] == state
        assert job["history"] and job["spec"]["productURL"]
        secrets.assert_absent(path.read_bytes(), f"the notification input of {name}")
        secrets.assert_absent(path.with_suffix(".env").read_bytes(), f"the notification environment of {name}")
    assert by_job["good"][0]["result"] == {"status": "COMPLETE"}
    assert "Validation failed" in by_job["bad"][0]["lastError"]

    shown = wait_sent(d, "good")  # the command wrote its files; it is recorded once it exited
    assert shown["result"] == {"status": "COMPLETE"}
    assert shown["notificationOwed"] is False and shown["lastNotifiedAt"]
    assert [n["event"] for n in shown["notifications"]] == ["final"]
    code, text, _ = d.ctl("show", "good")
    assert code == 0 and "notifications:" in text and "result:" in text

    d.stop()
    d.start()
    assert sorted(probe_deliveries(d, recorder)[:-1]) == ["bad", "good"], "a clean restart delivered again"


def test_a_job_near_its_deadline_notifies_once(fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    d = notify_daemon(daemon, recorder)
    deadline = rfc3339(now_utc() + datetime.timedelta(hours=2))
    write_job(d.jobs_dir, "slow", siteId="site-slow", deadline=deadline)
    d.wait_for(lambda: len(recorder.received()) == 1, what="the deadline-near notification")
    job, env, _ = recorder.received()[0]
    assert env["RELINKD_EVENT"] == "deadline-near" and env["RELINKD_JOB"] == "slow"
    assert job["deadlineNear"] is True
    assert "window closes" in d.log()
    d.restart()
    assert probe_deliveries(d, recorder) == ["slow", "probe"], "the deadline was warned of again"
    assert d.job("slow")["state"] == "running"


def test_a_hanging_command_is_killed_and_retried_while_polling_goes_on(fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    recorder.hang(True)
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    d = notify_daemon(daemon, recorder, **{"relinkd.notify.timeout": "1s"})
    running = write_job(d.jobs_dir, "slow", siteId="site-slow")
    slow = d.wait_state("slow", "running")
    write_job(d.jobs_dir, "quick", siteId="site-a")
    d.wait_state("quick", "succeeded")
    polls_before = len(fake.status_gets("site-slow", slow["remoteJobId"]))
    d.wait_for(lambda: d.show("quick")["notifications"][0]["attempts"] >= 1, what="the first run killed")
    first = d.show("quick")["notifications"][0]
    assert "relinkd.notify.timeout" in first["lastError"]
    assert "killed" in d.log()
    d.wait_for(lambda: d.show("quick")["notifications"][0]["attempts"] >= 2, timeout=30,
               what="a second run after the backoff")
    polls_after = len(fake.status_gets("site-slow", slow["remoteJobId"]))
    assert polls_after > polls_before + 10, "the scheduler stopped polling while the command hung"
    assert recorder.received() == []
    assert running["siteId"] == "site-slow"


def test_a_notification_owed_at_kill_9_is_delivered_after_the_restart(fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    recorder.hang(True)
    d = notify_daemon(daemon, recorder, **{"relinkd.notify.timeout": "30s"})
    write_job(d.jobs_dir, "done", siteId="site-a")
    d.wait_state("done", "succeeded")
    d.wait_for(lambda: recorder.runs() == 1, what="the command running")
    d.kill()
    recorder.hang(False)
    assert d.show("done")["notificationOwed"] is True
    d.start()
    d.wait_for(lambda: len(recorder.received()) == 1, what="the owed notification after the restart")
    assert probe_deliveries(d, recorder) == ["done", "probe"]
    assert recorder.received()[0][1]["RELINKD_STATE"] == "succeeded"
    assert d.show("done")["notificationOwed"] is False


def test_a_command_still_exiting_at_sigterm_is_waited_for_and_not_run_again(fake, daemon, tmp_path):
    """Finding 8: the command delivered, then takes 2 s to exit; SIGTERM
    comes meanwhile. relinkd waits for it (within its 5 s to stop), records
    the notification as sent, and does not run it again after the start."""
    recorder = Recorder(tmp_path / "notified")
    recorder.linger(True)
    d = notify_daemon(daemon, recorder)
    write_job(d.jobs_dir, "first", siteId="site-a")
    d.wait_for(lambda: recorder.lingering() == 1, what="the command delivered and still running")
    d.stop()  # exit 0 within 5 s
    recorder.linger(False)
    first = d.show("first")
    assert first["notificationOwed"] is False, first["notifications"]
    assert [n["attempts"] for n in first["notifications"]] == [1]

    d.start()
    assert probe_deliveries(d, recorder, "second") == ["first", "second"]
    assert d.show("first")["notificationOwed"] is False
    assert recorder.runs() == 2


def test_a_command_still_running_when_the_stop_grace_ends_is_killed_and_run_after_the_start(
        fake, daemon, tmp_path):
    """The other side of the stop rule: 4 s after SIGTERM a command that has
    not ended is killed (relinkd still stops within 5 s); it did not finish,
    so its notification stays owed, not counted as a failed try, and is
    delivered after the next start."""
    recorder = Recorder(tmp_path / "notified")
    recorder.hang(True)
    d = notify_daemon(daemon, recorder, **{"relinkd.notify.timeout": "30s"})
    write_job(d.jobs_dir, "done", siteId="site-a")
    d.wait_for(lambda: recorder.runs() == 1, what="the command running")
    d.stop()  # exit 0 within 5 s
    recorder.hang(False)
    shown = d.show("done")
    assert shown["notificationOwed"] is True
    assert [n["attempts"] for n in shown["notifications"]] == [0]
    d.start()
    wait_sent(d, "done")
    assert jobs_notified(recorder.received()) == ["done"]
    assert [n["attempts"] for n in d.show("done")["notifications"]] == [1]


def test_a_notify_command_that_cannot_run_is_a_configuration_error(daemon, tmp_path):
    d = daemon(fake=False, start=False)
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")
    for command, words in ((str(script), "is not an executable file"), ("notify-send", "not an absolute path")):
        d.configure({"relinkd.notify.command": command})
        result = subprocess.run([str(RELINKD), "-c", str(d.config_path), "--check-config"],
                                capture_output=True, env=clean_env(), timeout=30)
        assert result.returncode == 78, result.stderr
        assert b"relinkd.notify.command" in result.stderr and words.encode() in result.stderr
