"""Faults of the host, tried on the real relinkd: the state file system full
or read-only, the database locked by another process or damaged, the job
directory replaced by a file or gone for longer than a rescan. Each must be
survived with a log line that names the cause, nothing lost, and recovery
without a restart once the cause is gone.

The file-system faults mount a small tmpfs over the daemon's state
directory (root only: CI runs as root); they are skipped where mounting is
not allowed.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import threading
import uuid
from pathlib import Path

import pytest

from conftest import clean_env, RELINKD, write_job
from test_http import get_metrics, http_request, http_daemon

# The daemon's periodic rescan (EngineSettings::rescanIntervalMs).
RESCAN_INTERVAL_S = 30
BUSY_TIMEOUT_S = 10  # src/store/Sqlite.cpp kBusyTimeoutMs
EX_DATAERR = 65


def _mount_works():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(f"/tmp/relinkd-mount-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                          capture_output=True).returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


needs_mount = pytest.mark.skipif(not _mount_works(), reason="needs root and mount (tmpfs)")


@pytest.fixture
def tmpfs():
    """tmpfs(path, size) mounts a tmpfs of that size on path; each is
    unmounted (lazily: relinkd may still hold it) at the end."""
    mounted = []

    def mount(path, size):
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                       check=True)
        mounted.append(Path(path))
        return Path(path)

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def healthz(port):
    return http_request(port, "/healthz").status


def posts_for(fake, site):
    return len(fake.posts(site))


def store_write_failures(port):
    return get_metrics(port).value("relinkd_store_write_failures_total")


def wait_for_store_retries(d, port, retries=2):
    """Returns once relinkd has failed to write the database `retries` more
    times than now: proof that it tried again (the log repeats the error
    only once a minute), after which "nothing was sent" means something."""
    seen = store_write_failures(port)
    d.wait_for(lambda: store_write_failures(port) >= seen + retries,
               what=f"relinkd_store_write_failures_total to grow by {retries} beyond {seen:g}")


def slow_running(fake, d):
    """A job whose remote job stays Pending: polled every 100 ms until told."""
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    write_job(d.jobs_dir, "slow", siteId="site-slow")
    return d.wait_state("slow", "running")


def polls_of(fake, job):
    return len(fake.status_gets("site-slow", job["remoteJobId"]))


# --------------------------------------------------------------------------
# The state file system


@needs_mount
def test_a_full_state_file_system_sends_nothing_new_and_everything_resumes(fake, daemon, tmpfs):
    d, port = http_daemon(daemon, start=False)
    tmpfs(d.state_dir, "2m")
    d.start()
    write_job(d.jobs_dir, "before", siteId="site-a")
    d.wait_state("before", "succeeded")
    filler = d.state_dir / "filler"
    subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True)
    write_job(d.jobs_dir, "during", siteId="site-b")
    d.wait_for(lambda: healthz(port) == 503, what="/healthz to answer 503 while the disk is full")
    assert "cannot be written" in http_request(port, "/healthz").text
    d.wait_for(lambda: "is full" in d.log(), what="a log line saying the file system is full")
    code, out, err = d.ctl("status", "--json")
    assert code == 1 and json.loads(out)["storeWritable"] is False, out + err
    assert any("cannot be written" in text for text in json.loads(out)["attention"]), out
    assert get_metrics(port).value("relinkd_store_writable") == 0
    wait_for_store_retries(d, port)
    assert posts_for(fake, "site-b") == 0, "a job was submitted that the database could not record"
    assert d.job("during") is None or d.job("during")["state"] == "queued"

    filler.unlink()
    d.wait_state("during", "succeeded")
    assert posts_for(fake, "site-b") == 1
    d.wait_for(lambda: healthz(port) == 200, what="/healthz to answer 200 again")
    assert get_metrics(port).value("relinkd_store_writable") == 1
    code, out, err = d.ctl("status", "--json")
    assert code == 0 and json.loads(out)["storeWritable"] is True, out + err
    assert "can be written again" in d.log()
    assert d.job("before")["state"] == "succeeded"


@needs_mount
def test_a_database_file_made_read_only_is_written_again_once_it_is_writable(fake, daemon):
    """As after a chmod, a change of owner or a restored backup: the file
    cannot be opened for writing (a read-only bind mount of it, since root
    ignores file modes). relinkd starts, writes nothing, sends nothing, and
    goes on without a restart once the file is writable."""
    d, port = http_daemon(daemon)
    write_job(d.jobs_dir, "before", siteId="site-a")
    d.wait_state("before", "succeeded")
    d.stop()
    db = d.state_dir / "relinkd.db"
    subprocess.run(["mount", "--bind", str(db), str(db)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(db)], check=True)
        write_job(d.jobs_dir, "during", siteId="site-b")
        d.start()
        d.wait_for(lambda: "read-only" in d.log(), what="a log line saying the database is read-only")
        assert healthz(port) == 503
        wait_for_store_retries(d, port)
        assert posts_for(fake, "site-b") == 0, "a job was submitted that the database could not record"
    finally:
        subprocess.run(["umount", "-l", str(db)], check=True)
    d.wait_state("during", "succeeded")
    assert posts_for(fake, "site-b") == 1
    assert posts_for(fake, "site-a") == 1
    d.wait_for(lambda: healthz(port) == 200, what="/healthz to answer 200 again")
    assert "can be written again" in d.log()


def test_a_database_locked_past_the_busy_timeout_is_waited_out(fake, daemon):
    d, port = http_daemon(daemon)
    write_job(d.jobs_dir, "before", siteId="site-a")
    d.wait_state("before", "succeeded")
    db = sqlite3.connect(str(d.state_dir / "relinkd.db"), timeout=30, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    try:
        write_job(d.jobs_dir, "during", siteId="site-b")
        d.wait_for(lambda: "another process has held a lock" in d.log(), timeout=BUSY_TIMEOUT_S + 15,
                   what="a log line saying another process holds the database's lock")
        assert posts_for(fake, "site-b") == 0
    finally:
        db.execute("ROLLBACK")
        db.close()
    d.wait_state("during", "succeeded", timeout=BUSY_TIMEOUT_S + 15)
    assert posts_for(fake, "site-b") == 1
    d.wait_for(lambda: "can be written again" in d.log(), what="the recovery in the log")


def test_a_damaged_database_stops_relinkd_with_65_and_says_how_to_recover(fake, daemon):
    d = daemon()
    write_job(d.jobs_dir, "done", siteId="site-a")
    d.wait_state("done", "succeeded")
    d.stop()
    db = d.state_dir / "relinkd.db"
    # Every page of the file and of its write-ahead log: not a database any more.
    for path in (db, Path(str(db) + "-wal")):
        if path.exists():
            path.write_bytes(os.urandom(path.stat().st_size))
    result = subprocess.run([str(RELINKD), "-c", str(d.config_path)], capture_output=True, timeout=20,
                            env=clean_env())
    message = result.stderr.decode(errors="replace")
    assert result.returncode == EX_DATAERR, message
    assert str(db) in message
    for words in ("move", "aside", "start relinkd", "history", "submitted again"):
        assert words in message, f"the message does not say {words!r}: {message}"
    assert len(fake.posts()) == 1, "something was sent with a damaged database"

    # The way out the message gives: move it aside and start again.
    for suffix in ("", "-wal", "-shm"):
        path = Path(str(db) + suffix)
        if path.exists():
            path.rename(str(path) + ".damaged")
    d.start()
    d.wait_state("done", "succeeded")  # made again from its job file, and submitted again
    assert len(fake.posts()) == 2


def test_the_unit_does_not_restart_a_damaged_database_or_a_bad_configuration():
    unit = (Path(__file__).resolve().parents[2] / "systemd" / "relinkd.service").read_text()
    lines = [line.split("=", 1)[1].split() for line in unit.splitlines()
             if line.startswith("RestartPreventExitStatus=")]
    assert lines and {"65", "78"} <= set(lines[-1])


# --------------------------------------------------------------------------
# The job directory


@pytest.mark.parametrize("replacement", ["a file", "nothing"])
def test_a_job_directory_away_cancels_nothing_at_the_rescan_that_finds_it_gone(fake, daemon, replacement):
    d = daemon()
    slow = slow_running(fake, d)
    write_job(d.jobs_dir, "done", siteId="site-a")
    d.wait_state("done", "succeeded")
    away = d.dir / "jobs.d.away"
    d.jobs_dir.rename(away)
    if replacement == "a file":
        d.jobs_dir.write_text("not a directory\n")
    d.wait_for(lambda: "no job is cancelled because of it" in d.log(),
               what="a warning that the job directory is gone and nothing is cancelled")
    # That warning is written by the full scan that found the directory
    # gone (the watcher asks for one when it goes): the rescan under test.
    # Polls answered after it prove that its step ended, cancelling nothing;
    # the scans repeated every few seconds meanwhile do the same.
    before = polls_of(fake, slow)
    d.wait_for(lambda: polls_of(fake, slow) > before + 10, what="polls going on after the rescan")
    assert d.job("slow")["state"] == "running"
    assert d.job("done")["state"] == "succeeded"

    if replacement == "a file":
        d.jobs_dir.unlink()
    away.rename(d.jobs_dir)
    d.wait_for(lambda: "can be read again" in d.log(), what="the directory found again")
    write_job(d.jobs_dir, "after", siteId="site-b")  # seen by the watcher, not by a rescan
    d.wait_state("after", "succeeded", timeout=RESCAN_INTERVAL_S - 10)
    assert d.job("slow")["state"] == "running"
    assert d.job("slow")["remoteJobId"] == slow["remoteJobId"]
    assert posts_for(fake, "site-slow") == 1
    assert all(j["state"] != "cancelled" for j in d.jobs())
