"""Limits of the job directory, on the real relinkd: thousands of files at
once, a 100 MB file, 100,000 files it ignores, and an inotify queue that
overflows. Each asserts progress (the running job is polled while the files
are taken up; every job is taken up), never a time.
"""

import json
import os
import signal
import sqlite3
from pathlib import Path

from conftest import job_spec, write_job

FILES = 10_000
IGNORED = 100_000


def max_queued_events():
    return int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())


def slow_running(fake, d):
    """A job whose remote job stays Pending: polled every 100 ms."""
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    write_job(d.jobs_dir, "slow", siteId="site-slow")
    return d.wait_state("slow", "running")


def poll_times(fake, job):
    return [r["at"] for r in fake.status_gets("site-slow", job["remoteJobId"])]


def stored_count(d, where="1"):
    with sqlite3.connect(f"file:{d.state_dir / 'relinkd.db'}?mode=ro", uri=True, timeout=30) as db:
        return db.execute(f"SELECT COUNT(*) FROM jobs WHERE {where}").fetchone()[0]


def test_ten_thousand_files_at_once_are_taken_up_while_the_running_job_is_polled(fake, daemon):
    d = daemon(overrides={"relinkd.api.concurrency": "8"})
    slow = slow_running(fake, d)
    body = json.dumps(job_spec(siteId="site-b")).encode()
    # Written while relinkd is stopped: they all arrive at once, more events
    # than inotify queues (two per file), so the watcher overflows and the
    # rescan finds them.
    d.proc.send_signal(signal.SIGSTOP)
    try:
        for i in range(FILES):
            (d.jobs_dir / f"bulk-{i:05}.json").write_bytes(body)
    finally:
        d.proc.send_signal(signal.SIGCONT)
    if 2 * FILES > max_queued_events():
        d.wait_for(lambda: "than inotify could queue; rescanning" in d.log(), what="the overflow in the log")
    d.wait_for(lambda: stored_count(d, "name LIKE 'bulk-%'") == FILES, timeout=300,
               what=f"all {FILES} files taken up")
    d.wait_for(lambda: stored_count(d, "name LIKE 'bulk-%' AND state = 'succeeded'") == FILES,
               timeout=300, what=f"all {FILES} jobs succeeded")

    # The files were taken up over many steps, with answers handled between
    # them: submissions were recorded before the last file was taken up.
    # (One step for all of them would record every answer after it.)
    with sqlite3.connect(f"file:{d.state_dir / 'relinkd.db'}?mode=ro", uri=True) as db:
        last = db.execute("SELECT MAX(created_at) FROM jobs WHERE name LIKE 'bulk-%'").fetchone()[0]
        answered = db.execute(
            "SELECT COUNT(*) FROM history WHERE job LIKE 'bulk-%' AND action = 'submit' AND outcome = 'ok' AND at < ?",
            (last,)).fetchone()[0]
    assert answered >= 50, (
        f"only {answered} submissions were recorded while {FILES} files were taken up: "
        "the scheduler stalled on the files")
    assert d.job("slow")["state"] == "running"
    assert len(fake.posts("site-b")) == FILES


def test_a_100_mb_file_and_100k_ignored_files_neither_stall_nor_hide_a_good_job(fake, daemon):
    d = daemon()
    slow = slow_running(fake, d)
    huge = d.jobs_dir / "huge.json"
    with open(huge, "wb") as f:  # 100 MB, read only as far as the 64 KiB limit
        f.truncate(100 * 1024 * 1024)
    polls_before = len(poll_times(fake, slow))
    for i in range(IGNORED):
        (d.jobs_dir / f"note-{i:06}.txt").write_bytes(b"x")
    assert len(poll_times(fake, slow)) > polls_before + 3, \
        f"the running job was not polled while {IGNORED} other files were written"
    write_job(d.jobs_dir, "good", siteId="site-b")
    d.wait_state("good", "succeeded", timeout=60)
    job = d.wait_state("huge", "invalid")
    assert "larger than 64 KiB" in job["lastError"], job["lastError"]
    # A rescan lists the 100,000 names and still finds nothing new to read.
    d.hup()
    d.wait_for(lambda: len(poll_times(fake, slow)) > polls_before + 10,
               what="polls going on after the rescan")
    assert {j["name"] for j in d.jobs()} == {"slow", "huge", "good"}
    assert os.path.getsize(huge) == 100 * 1024 * 1024
