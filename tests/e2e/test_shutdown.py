"""SIGTERM ends relinkd by itself, within 5 s, whatever its requests are doing.

Every request to the fake stalls (far longer than the test), so requests are
in flight when relinkd is told to stop: on the transport it started with and,
after a SIGHUP that builds a new transport, on that one too. relinkd must
interrupt them all, join its threads and end with its own last line,
"stopped", and exit code 0. An emergency exit (the process cut short by
_Exit after a timer) leaves a different last line and fails these tests.
"""

import time

from conftest import notify_fields, write_job

STALL_FOR_EVER = [{"times": -1, "action": "stall", "stallMs": 120000}]


def _stalled_requests(fake, count):
    return lambda: len(fake.requests()) >= count


def _reload(d, overrides):
    readies = notify_fields(d.notifications()).count("READY=1")
    d.configure(overrides)
    d.hup()
    d.wait_for(lambda: notify_fields(d.notifications()).count("READY=1") > readies
               and "configuration reloaded" in d.log(),
               what="READY=1 after the reload")


def _assert_ended_by_itself(d, took):
    # relinkd's own lines (Poco's debug lines about its subsystems follow).
    lines = [line for line in d.log().splitlines() if " relinkd: " in line]
    assert lines, "relinkd logged nothing"
    assert lines[-1].endswith("stopped"), \
        f"relinkd's last log line is not 'stopped': {lines[-1]!r}\nits log:\n{d.log()[-4000:]}"
    assert "did not end in time" not in d.log()
    assert took < 4, f"relinkd took {took:.1f}s to stop"


def test_sigterm_interrupts_stalled_requests_on_every_transport(fake, daemon, tls):
    fake.faults(STALL_FOR_EVER)
    d = daemon(overrides={"relinkd.api.timeout": "60s", "relinkd.api.concurrency": "4"})
    write_job(d.jobs_dir, "old-1")
    write_job(d.jobs_dir, "old-2", siteId="site-b")
    d.wait_for(_stalled_requests(fake, 2), what="two requests stalled on the first transport")

    # A changed timeout and CA path: the reload builds a new transport while
    # the first one still carries the two stalled requests.
    ca_copy = d.dir / "ca-copy.pem"
    ca_copy.write_bytes(tls.ca.read_bytes())
    _reload(d, {"relinkd.api.timeout": "59s", "relinkd.api.caFile": str(ca_copy)})
    write_job(d.jobs_dir, "new-1", siteId="site-c")
    write_job(d.jobs_dir, "new-2", siteId="site-d")
    d.wait_for(_stalled_requests(fake, 4), what="two more requests stalled on the new transport")

    took = d.stop()  # asserts exit code 0 within 5 s
    _assert_ended_by_itself(d, took)


def test_sigterm_interrupts_stalled_requests_without_a_reload(fake, daemon):
    fake.faults(STALL_FOR_EVER)
    d = daemon(overrides={"relinkd.api.timeout": "60s"})
    write_job(d.jobs_dir, "stalled")
    d.wait_for(_stalled_requests(fake, 1), what="a request stalled on the fake")
    took = d.stop()
    _assert_ended_by_itself(d, took)


def test_stalled_requests_end_at_the_timeout_and_are_retried(fake, daemon):
    """The whole exchange is bounded: a stalled submission ends at
    relinkd.api.timeout (not at the fake's 2-minute stall) and is retried."""
    fake.faults(STALL_FOR_EVER)
    d = daemon(overrides={"relinkd.api.timeout": "1500ms"})
    started = time.monotonic()
    write_job(d.jobs_dir, "slow")
    d.wait_for(_stalled_requests(fake, 2), timeout=15, what="the stalled submission to be retried")
    assert time.monotonic() - started < 12
    job = d.job("slow")
    assert job["state"] in ("retrying", "queued")
    took = d.stop()
    _assert_ended_by_itself(d, took)
