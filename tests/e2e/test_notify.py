"""What relinkd and relinkctl tell their surroundings beyond test_daemon.py:
the systemd watchdog, STATUS= job counts, journald priority prefixes, and
`relinkctl wait`'s progress on a terminal versus off one."""

import os
import pty
import re
import select
import socket
import statistics
import subprocess
import time

import pytest

from conftest import (RELINKCTL, RELINKD, STOP_TIMEOUT_S, NotifySocket, clean_env,
                      notify_fields, wait_until, write_job)

STATES = ("invalid", "queued", "running", "retrying", "paused", "succeeded", "failed",
          "expired", "cancelled")
WATCHDOG_USEC = 1_000_000
SLOW = ["Pending"] * 25 + ["Complete"]  # 2.5 s and more at one poll per 100 ms


def start_with_env(d, shell_prefix="", **env):
    """Starts relinkd for daemon d (its configuration and notify socket) with
    extra environment; shell_prefix runs before `exec relinkd` in sh, so it
    can use $$ (relinkd's own pid, as systemd's WATCHDOG_PID is)."""
    assert not d.running(), "relinkd is already running"
    ready_before = notify_fields(d.notifications()).count("READY=1")
    command = f'{shell_prefix} exec "$0" -c "$1"'
    with open(d.stderr_path, "ab") as err, open(d.stdout_path, "ab") as out:
        d.proc = subprocess.Popen(
            ["/bin/sh", "-c", command, str(RELINKD), str(d.config_path)], stdout=out,
            stderr=err, env=clean_env(NOTIFY_SOCKET=d.notify.path, **env))
    d.expect_running = True

    def ready():
        d.assert_alive()
        return notify_fields(d.notifications()).count("READY=1") > ready_before

    d.wait_for(ready, 20, "READY=1 from relinkd")
    return d


def watchdog_arrivals(d, seconds):
    """Monotonic times (to about 10 ms) at which WATCHDOG=1 datagrams arrived
    during the next `seconds`."""
    arrivals = []
    seen = notify_fields(d.notifications()).count("WATCHDOG=1")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        count = notify_fields(d.notifications()).count("WATCHDOG=1")
        arrivals.extend([time.monotonic()] * (count - seen))
        seen = count
        time.sleep(0.01)  # the sampling period of a measurement, not a synchronisation
    return arrivals


def status_counts(line):
    """'STATUS=3 jobs: 2 running, 1 succeeded' -> (3, {'running': 2, 'succeeded': 1})."""
    total = re.match(r"STATUS=(\d+) jobs?\b", line)
    assert total, f"a STATUS= line without the number of jobs: {line!r}"
    counts = {state: int(n) for n, state in
              re.findall(rf"(\d+) ({'|'.join(STATES)})\b", line)}
    return int(total.group(1)), counts


def status_lines(d):
    return [f for f in notify_fields(d.notifications()) if f.startswith("STATUS=")]


def wait_status(d, counts, timeout=10):
    """Waits until the latest STATUS= line reports exactly these counts."""
    def reported():
        d.assert_alive()
        lines = status_lines(d)
        return lines and status_counts(lines[-1])[1] == counts

    wait_until(reported, timeout,
               lambda: f"STATUS= to report {counts}; the STATUS= lines: {status_lines(d)}")


def ctl_counts(d):
    counts = {}
    for job in d.jobs():
        counts[job["state"]] = counts.get(job["state"], 0) + 1
    return counts


# --------------------------------------------------------------------------
# The watchdog


def test_watchdog_pings_at_half_the_interval(fake, daemon):
    fake.config({"siteScripts": {"site-slow": [SLOW]}})
    d = daemon(start=False)
    start_with_env(d, shell_prefix="WATCHDOG_PID=$$; export WATCHDOG_PID;",
                   WATCHDOG_USEC=str(WATCHDOG_USEC))
    write_job(d.jobs_dir, "busy", siteId="site-slow")  # pinging while working too
    arrivals = watchdog_arrivals(d, 3.0)
    d.wait_state("busy", "succeeded", timeout=30)

    gaps = [b - a for a, b in zip(arrivals, arrivals[1:])]
    assert 4 <= len(arrivals) <= 9, f"{len(arrivals)} WATCHDOG=1 in 3 s (one due every 0.5 s)"
    assert max(gaps) < WATCHDOG_USEC / 1e6, f"a gap reached the watchdog timeout: {gaps}"
    assert 0.3 <= statistics.median(gaps) <= 0.7, f"gaps between pings: {gaps}"


@pytest.mark.parametrize("case", ["no WATCHDOG_USEC", "WATCHDOG_PID of another process"])
def test_no_watchdog_pings_when_not_asked_for(fake, daemon, case):
    d = daemon(start=False)
    if case == "no WATCHDOG_USEC":
        start_with_env(d)
    else:
        start_with_env(d, WATCHDOG_USEC=str(WATCHDOG_USEC), WATCHDOG_PID=str(os.getpid()))
    # With the watchdog on, a ping is due at once and then every 0.5 s, sent
    # by the loop that sends STATUS=: once STATUS= has followed a job to
    # its end, that loop has turned many times.
    write_job(d.jobs_dir, "probe")
    wait_status(d, {"succeeded": 1})
    assert "WATCHDOG=1" not in notify_fields(d.notifications())


# --------------------------------------------------------------------------
# STATUS=


def test_status_counts_follow_the_jobs(fake, daemon):
    fake.config({"siteScripts": {"site-slow1": [SLOW], "site-slow2": [SLOW]}})
    d = daemon()
    _, counts = status_counts(status_lines(d)[-1])
    assert counts == {}, f"no jobs yet: {status_lines(d)}"
    write_job(d.jobs_dir, "quick")
    write_job(d.jobs_dir, "slow-1", siteId="site-slow1")
    write_job(d.jobs_dir, "slow-2", siteId="site-slow2")

    def reports_running():
        return any(status_counts(line)[1].get("running", 0) >= 2 for line in status_lines(d))

    wait_until(reports_running, 20,
               lambda: f"a STATUS= line with the two slow jobs running: {status_lines(d)}")
    for name in ("quick", "slow-1", "slow-2"):
        d.wait_state(name, "succeeded", timeout=30)
    wait_status(d, {"succeeded": 3})
    total, counts = status_counts(status_lines(d)[-1])
    assert total == 3 and counts == ctl_counts(d)
    for line in status_lines(d):
        total, counts = status_counts(line)
        assert total == sum(counts.values()), f"the parts do not add up: {line!r}"
    lines = status_lines(d)
    assert all(a != b for a, b in zip(lines, lines[1:])), f"repeated STATUS= lines: {lines}"


def test_status_says_paused_while_the_token_is_rejected(fake, daemon, secrets):
    new_token = "tok2-" + secrets.token[5:]
    secrets.all.append(new_token)
    fake.config({"token": new_token})
    d = daemon()
    write_job(d.jobs_dir, "locked")
    d.wait_state("locked", "paused")
    wait_status(d, {"paused": 1})
    line = status_lines(d)[-1].lower()
    assert "credential" in line or "token" in line, f"the STATUS= line does not say why: {line!r}"
    secrets.write_token(new_token)
    d.wait_state("locked", "succeeded")
    wait_status(d, {"succeeded": 1})


# --------------------------------------------------------------------------
# A notify socket nobody reads


def fill_datagram_queue(path):
    """Sends datagrams to the unix socket at path until it takes no more:
    until a fresh sender's first datagram is refused (one sender alone may
    only have used up its own send buffer)."""
    senders = []
    try:
        for _ in range(64):
            sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sender.setblocking(False)
            senders.append(sender)
            sent = 0
            try:
                while sent < 100_000:
                    sender.sendto(b"FILLER=1", path)
                    sent += 1
            except BlockingIOError:
                pass
            if sent == 0:
                return
        pytest.fail(f"the notify socket {path} still takes datagrams")
    finally:
        for sender in senders:
            sender.close()


@pytest.mark.parametrize("watchdog", [False, True], ids=["STATUS only", "with the watchdog"])
def test_a_notify_socket_nobody_reads_holds_no_job_up(fake, daemon, watchdog):
    """systemd can stop draining its notify socket (busy, hung, or a
    supervisor that only waits for READY=1). Its queue then fills; the
    jobs must go on all the same and SIGTERM must still stop relinkd."""
    d = daemon(start=False)
    d.notify.close()
    d.notify = NotifySocket(receive_buffer=1, read_until="READY=1")
    # Without WATCHDOG_PID any process may take WATCHDOG_USEC: a ping every 100 ms.
    start_with_env(d, **({"WATCHDOG_USEC": "200000"} if watchdog else {}))
    fill_datagram_queue(d.notify.path)
    names = [f"stalled-{i}" for i in range(8)]
    for i, name in enumerate(names):
        write_job(d.jobs_dir, name, siteId=f"site-{i}")

    def all_succeeded():
        d.assert_alive()
        return sorted(j["name"] for j in d.jobs() if j["state"] == "succeeded") == names

    d.wait_for(all_succeeded, 30, "every job to succeed while nobody reads the notify socket")
    assert d.stop() < STOP_TIMEOUT_S
    assert "could not tell systemd STOPPING=1" in d.log(), "STOPPING=1 was lost without a word"


# --------------------------------------------------------------------------
# Log lines


def _run_a_success_and_a_refusal(fake, d):
    fake.faults([{"method": "POST", "pathContains": "/site-forbidden/", "times": 1,
                  "action": "status", "status": 403}])
    write_job(d.jobs_dir, "good")
    write_job(d.jobs_dir, "forbidden", siteId="site-forbidden")
    d.wait_state("good", "succeeded")
    d.wait_state("forbidden", "failed")
    d.stop()
    lines = d.log().splitlines()
    assert lines, "relinkd wrote nothing on standard error"
    return lines


def _one_line(lines, *words):
    found = [line for line in lines if all(w in line for w in words)]
    assert found, f"no log line with {words}:\n" + "\n".join(lines)
    return found


def test_journald_lines_carry_syslog_priorities(fake, daemon):
    d = daemon(start=False)
    start_with_env(d, JOURNAL_STREAM="8:123456")
    lines = _run_a_success_and_a_refusal(fake, d)
    for line in lines:
        assert re.match(r"^<[0-7]>\S", line), f"a line without its <N> priority: {line!r}"
    for line in _one_line(lines, "good", "-> succeeded"):
        assert line[:3] in ("<5>", "<6>"), f"success logged at the wrong priority: {line!r}"
    for line in _one_line(lines, "forbidden", "-> failed"):
        assert line.startswith("<3>"), f"a permanent failure is an error: {line!r}"
    assert not any(re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \w+ ", line)
                   for line in lines), "journald adds its own timestamps"


def test_lines_start_with_a_timestamp_off_journald(fake, daemon):
    d = daemon()
    lines = _run_a_success_and_a_refusal(fake, d)
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z (\w+) ")
    for line in lines:
        assert stamp.match(line), f"a line without its timestamp: {line!r}"
    for line in _one_line(lines, "forbidden", "-> failed"):
        assert stamp.match(line).group(1) == "error", line


# --------------------------------------------------------------------------
# relinkctl wait


def _read_all(fd, proc, timeout):
    """Everything written to the pty master fd until proc exits."""
    chunks = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the other side is closed
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    return b"".join(chunks).decode("utf-8", "replace")


def test_wait_shows_progress_on_a_terminal_only(fake, daemon):
    fake.config({"siteScripts": {"site-slow": [SLOW]}})
    d = daemon()
    write_job(d.jobs_dir, "slow", siteId="site-slow")
    d.wait_state("slow", "running")

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([str(RELINKCTL), "-c", str(d.config_path), "wait", "--timeout=60s"],
                                stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=clean_env())
        os.close(slave)
        terminal = _read_all(master, proc, 60)
        out = proc.stdout.read().decode()
        assert proc.wait(timeout=10) == 0, out + terminal
    finally:
        os.close(master)
    assert "1 running" in terminal, f"no progress on the terminal: {terminal!r}"
    assert "\r" in terminal, f"the progress line is not redrawn in place: {terminal!r}"
    assert "succeeded" in out and "\r" not in out and "\x1b" not in out, repr(out)

    write_job(d.jobs_dir, "slow-2", siteId="site-slow")
    d.wait_state("slow-2", "running")
    code, out, err = d.ctl("wait", "--timeout=60s")
    assert code == 0, out + err
    assert err == "", f"progress written off a terminal: {err!r}"
    assert "\r" not in out and "\x1b" not in out, repr(out)
    assert len(out.splitlines()) == 1, f"more than the final summary: {out!r}"
    assert re.search(r"\b2\b.*succeeded", out), f"no final summary: {out!r}"
