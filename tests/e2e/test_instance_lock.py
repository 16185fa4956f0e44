"""The instance lock as operators meet it (issue 18 review): relinkctl in
another pid namespace, a relinkd from before the POSIX lock (flock only),
the lock file's mode under systemd's UMask=0077 and for a non-root
relinkctl, and notifications owed while relinkd.notify.command is off."""

import fcntl
import json
import os
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import RELINKCTL, RELINKD, clean_env, write_job
from test_http import free_port
from test_notify_summaries import FAILING, owed_metric

NOBODY = 65534


def can_unshare_pid():
    try:
        return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                              capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def can_run_as_nobody():
    try:
        return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "true"],
                              capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ctl_with(wrap, config, *args):
    result = subprocess.run([*wrap, str(RELINKCTL), "-c", str(config), *args],
                            capture_output=True, text=True, timeout=60, env=clean_env())
    return result.returncode, result.stdout, result.stderr


@pytest.mark.skipif(not can_unshare_pid(), reason="unshare --pid is not permitted here")
def test_relinkctl_in_another_pid_namespace_sees_relinkd_running(fake, daemon):
    """The kernel reports the holder's pid as 0 there: running, pid unknown."""
    d = daemon(fake)
    write_job(d.jobs_dir, "eu", siteId="site-eu")
    d.wait_state("eu", "succeeded", timeout=30)
    code, out, err = ctl_with(["unshare", "--pid", "--fork", "--mount-proc"], d.config_path, "status", "--json")
    assert code == 0, f"{code} {out} {err}"
    report = json.loads(out)
    assert report["running"] is True and report["pid"] is None, report
    code, out, err = ctl_with(["unshare", "--pid", "--fork", "--mount-proc"], d.config_path, "list")
    assert code == 0 and "not running" not in err, err
    code, out, _ = ctl_with(["unshare", "--pid", "--fork", "--mount-proc"], d.config_path, "status")
    assert out.splitlines()[0].split(None, 1)[1].startswith("running, pid unknown"), out


def hold_flock(path):
    """What a relinkd from before the POSIX lock holds: flock only."""
    fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_an_old_relinkd_holding_only_a_flock_keeps_a_new_one_out_and_counts_as_running(daemon, fake):
    d = daemon(fake, start=False)
    fd = hold_flock(d.state_dir / "relinkd.lock")
    try:
        second = subprocess.run([str(RELINKD), "-c", str(d.config_path)], env=clean_env(),
                                capture_output=True, text=True, timeout=20)
        assert second.returncode == 70, second.stderr
        assert "another relinkd is already running" in second.stderr
        assert str(d.state_dir) in second.stderr
        assert fake.posts() == []
        code, out, err = d.ctl("status", "--json")
        assert code != 3, f"{code} {out} {err}"
        report = json.loads(out)
        assert report["running"] is True and report["pid"] is None, report
        code, _, err = d.ctl("list")
        assert "not running" not in err, err
    finally:
        os.close(fd)


def test_a_running_relinkd_holds_the_flock_too(daemon, fake):
    """So that an old relinkd (flock only) started next to it refuses."""
    d = daemon(fake)
    fd = os.open(str(d.state_dir / "relinkd.lock"), os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    code, out, _ = d.ctl("status", "--json")
    assert code == 0 and json.loads(out)["pid"] == d.proc.pid, out


def test_the_lock_file_is_0644_under_umask_0077_and_when_an_older_one_was_0600(daemon, fake):
    d = daemon(fake, start=False)
    lock = d.state_dir / "relinkd.lock"
    lock.write_text("")
    lock.chmod(0o600)
    d.wrap = ["sh", "-c", 'umask 077; exec "$@"', "sh"]  # as systemd's UMask=0077
    d.start()
    assert stat.S_IMODE(lock.stat().st_mode) == 0o644
    d.stop()
    lock.unlink()
    d.start()
    assert stat.S_IMODE(lock.stat().st_mode) == 0o644


@pytest.mark.skipif(os.geteuid() != 0 or not can_run_as_nobody(), reason="needs root and setpriv")
def test_status_as_a_user_who_cannot_read_the_lock_file_cannot_tell_and_says_so():
    top = Path(tempfile.mkdtemp(prefix="relinkd-eacces-"))
    try:
        top.chmod(0o755)
        (top / "jobs").mkdir(mode=0o755)
        (top / "state").mkdir(mode=0o755)
        lock = top / "state" / "relinkd.lock"
        lock.write_text("")
        lock.chmod(0o600)
        config = top / "relinkd.properties"
        config.write_text(f"relinkd.jobs.dir = {top / 'jobs'}\nrelinkd.state.dir = {top / 'state'}\n")
        config.chmod(0o644)
        nobody = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        code, out, err = ctl_with(nobody, config, "status")
        assert code == 1, f"{code} {out} {err}"
        assert out.startswith("relinkd:        cannot tell"), out
        assert "jobs:           none" in out
        assert "run relinkctl as root" in out
        code, out, err = ctl_with(nobody, config, "status", "--json")
        assert code == 1, f"{code} {out} {err}"
        report = json.loads(out)
        assert report["running"] is None and report["pid"] is None, report
        assert any("cannot tell whether relinkd runs" in text for text in report["attention"]), report
    finally:
        subprocess.run(["rm", "-rf", str(top)], check=False)


def test_owed_notifications_with_the_command_off_agree_in_status_and_metrics(fake, daemon, tmp_path):
    out = tmp_path / "notified"
    out.mkdir()
    command = out / "notify"
    command.write_text(FAILING.format(out=out))
    command.chmod(0o755)
    (out / "failures").write_text("1000")
    port = free_port()
    d = daemon(fake, overrides={"relinkd.notify.command": str(command), "relinkd.http.listen": f"127.0.0.1:{port}"})
    write_job(d.jobs_dir, "eu", siteId="site-a")
    d.wait_state("eu", "succeeded")
    d.wait_for(lambda: owed_metric(port) == 1, what="relinkd_notifications_owed 1")
    d.stop()
    d.configure({"relinkd.notify.command": None})
    d.start()
    assert owed_metric(port) == 1
    code, text, _ = d.ctl("status", "--json")
    report = json.loads(text)
    assert code == 1 and report["notificationsOwed"] == 1, text
    owed = [t for t in report["attention"] if "owed" in t]
    assert len(owed) == 1, report
    assert "notifications are off" in owed[0]
    assert "set relinkd.notify.command and restart relinkd" in owed[0]
    assert "retries it with backoff" not in owed[0]
