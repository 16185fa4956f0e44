"""The wall clock stepped forward and back by days while jobs run, on the
real relinkd under libfaketime (its offset read from a file, so the test
steps it; the monotonic clock is left alone, as a real step leaves it).

What must hold: deadlines are wall-clock instants (a step past one expires
the job, with no request after it); waits are durations (a step forward
fires no retry or poll early, a step back stalls none).

The fake API is not under faketime; its certificate is made valid from five
days ago to five days ahead, so that TLS still verifies either way.
"""

import datetime
import glob
import shutil
import time

import pytest

from conftest import FakeApi, _make_ca, _make_server_cert, now_utc, rfc3339, write_job

LIBFAKETIME = next(iter(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")), None)

pytestmark = pytest.mark.skipif(LIBFAKETIME is None or shutil.which("faketime") is None,
                                reason="libfaketime (package faketime) not installed")


@pytest.fixture(scope="module")
def wide_tls(tmp_path_factory):
    directory = tmp_path_factory.mktemp("wide-tls")
    backdated = ("faketime", "-f", "-5d")
    ca, _ = _make_ca(directory, "ca", days=10, wrap=backdated)
    cert, key = _make_server_cert(directory, "ca", "server", "IP:127.0.0.1,DNS:localhost", days=10,
                                  wrap=backdated)
    return ca, cert, key


class SteppedDaemon:
    def __init__(self, fake, daemon, offset_file):
        self.fake, self.d, self.offset_file = fake, daemon, offset_file

    def step(self, offset):
        """Sets relinkd's wall clock to real time + offset ("+2d", "-2d");
        returns the real time (ms) by which relinkd has surely seen it."""
        tmp = self.offset_file.with_name(self.offset_file.name + ".tmp")
        tmp.write_text(offset + "\n")
        tmp.replace(self.offset_file)  # FAKETIME_NO_CACHE: read at every clock call
        return int(time.time() * 1000)

    def requests_for(self, site, since_ms):
        return [r for r in self.fake.requests() if f"/links/v1/{site}/" in r["path"] and r["at"] >= since_ms]


@pytest.fixture
def stepped(tmp_path, wide_tls, secrets, daemon):
    ca, cert, key = wide_tls
    fake = FakeApi(tmp_path / "fake", cert, key, ca, secrets.token_file)
    offset_file = tmp_path / "faketime-offset"
    offset_file.write_text("+0\n")
    d = daemon(fake=fake, overrides={"relinkd.api.caFile": str(ca)}, start=False)
    d.env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": str(offset_file),
             "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    d.start()
    yield SteppedDaemon(fake, d, offset_file)
    fake.stop()


def polls_in_two_seconds(stepped, site):
    start = int(time.time() * 1000)
    time.sleep(2)
    end = int(time.time() * 1000)
    return len([r for r in stepped.requests_for(site, start) if r["at"] <= end])


def assert_clock_moved(d, offset):
    """relinkd's last log line is stamped offset away from real time."""
    stamp = d.log().strip().splitlines()[-1].split(" ", 1)[0]
    logged = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    drift = logged - (now_utc() + offset)
    assert abs(drift) < datetime.timedelta(minutes=5), f"relinkd's clock reads {stamp}: the offset was not applied"


def migrated_ago(delta):
    return rfc3339(now_utc() - delta)


def test_a_clock_stepped_forward_by_days_expires_what_closed_and_fires_nothing_early(stepped):
    fake, d = stepped.fake, stepped.d
    fake.config({"siteScripts": {"site-closing": [["Pending"]], "site-far": [["Pending"]]}})
    # Window of 14 days: one closes in an hour, one in 13 days.
    write_job(d.jobs_dir, "closing", siteId="site-closing",
              migratedAt=migrated_ago(datetime.timedelta(days=14) - datetime.timedelta(hours=1)))
    write_job(d.jobs_dir, "far", siteId="site-far", migratedAt=migrated_ago(datetime.timedelta(days=1)))
    fake.faults([{"method": "POST", "pathContains": "site-limited", "times": 1, "action": "status",
                  "status": 429, "headers": {"Retry-After": "3600"}}])
    write_job(d.jobs_dir, "limited", siteId="site-limited",
              migratedAt=migrated_ago(datetime.timedelta(days=1)))
    d.wait_state("closing", "running")
    d.wait_state("far", "running")
    d.wait_state("limited", "retrying")

    seen = stepped.step("+2d")
    closing = d.wait_state("closing", "expired")
    assert_clock_moved(d, datetime.timedelta(days=2))
    assert "window closed" in closing["lastError"], closing["lastError"]
    polls = polls_in_two_seconds(stepped, "site-far")
    assert stepped.requests_for("site-closing", seen + 200) == [], "a request went out after the window closed"
    # The hour the API asked for is an hour of real time, not of the clock.
    assert stepped.requests_for("site-limited", 0)[1:] == [], "the rate-limited job was sent again early"
    assert d.job("limited")["state"] == "retrying"
    # Polls go on at their interval (100 ms), no faster and no slower.
    assert 5 <= polls <= 60, f"{polls} polls of far in 2 s"
    assert d.job("far")["state"] == "running"


def test_a_clock_stepped_back_by_days_stalls_nothing_and_closes_nothing(stepped):
    fake, d = stepped.fake, stepped.d
    fake.config({"siteScripts": {"site-far": [["Pending"]]}})
    write_job(d.jobs_dir, "far", siteId="site-far", migratedAt=migrated_ago(datetime.timedelta(days=1)))
    d.wait_state("far", "running")

    stepped.step("-2d")
    polls = polls_in_two_seconds(stepped, "site-far")
    assert 5 <= polls <= 60, f"{polls} polls of far in 2 s after the step back"
    # Written after the step, by a clock that is right: 3 days ago is 1 day
    # ago for relinkd (1 day ago would be ahead of its clock, and invalid).
    write_job(d.jobs_dir, "noted", siteId="site-a", migratedAt=migrated_ago(datetime.timedelta(days=3)))
    d.wait_state("noted", "succeeded")
    assert_clock_moved(d, -datetime.timedelta(days=2))
    write_job(d.jobs_dir, "after", siteId="site-a", migratedAt=migrated_ago(datetime.timedelta(days=3)))
    d.wait_state("after", "succeeded")
    assert d.job("far")["state"] == "running"
    assert all(j["state"] not in ("expired", "failed", "cancelled") for j in d.jobs())
