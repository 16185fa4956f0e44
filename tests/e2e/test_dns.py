"""DNS trouble on the real relinkd: it runs in a mount namespace of its own
whose /etc/resolv.conf names a loopback address where the test's own DNS
server listens.

A server that never answers: each request is cut at its time limit and
retried, one lookup runs at a time for the host however many requests wait
for it, and relinkd still stops within 5 s.

A server that answers NXDOMAIN for one site's host and SERVFAIL for
another's, with relinkd under libfaketime (its wall clock stepped by the
test; the monotonic clock, which times the backoff, left alone): the site
that does not exist is retried, naming the host and when relinkd gives up,
and its jobs fail once the wall clock is 10 minutes on; the SERVFAIL site
keeps retrying. relinkd measures the 10 minutes on the wall clock, so the
step stands for 10 minutes of NXDOMAIN answers (the test cannot prove that
relinkd waits 10 real minutes, only that it fails at the wall-clock moment
it named, not before, and not for SERVFAIL).
"""

import glob
import json
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import RELINKCTL, clean_env, job_spec, write_job

HOST = "api.hang.example"
SILENT_DNS = "127.0.0.77"


def _can_unshare():
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not _can_unshare(), reason="needs root and unshare -m")


class SilentDns:
    """Reads DNS queries on SILENT_DNS:53 (UDP) and never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((SILENT_DNS, 53))
        self.sock.settimeout(0.2)
        self.queries = 0
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.running:
            try:
                self.sock.recvfrom(4096)
                self.queries += 1
            except socket.timeout:
                pass

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def silent_dns():
    dns = SilentDns()
    yield dns
    dns.stop()


class AnsweringDns:
    """Answers DNS queries on SILENT_DNS:53 (UDP) with an empty response of
    the rcode given for the name (3 NXDOMAIN, 2 SERVFAIL), echoing the
    question; counts the queries by name."""

    def __init__(self, rcodes):
        self.rcodes = rcodes
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((SILENT_DNS, 53))
        self.sock.settimeout(0.2)
        self.lock = threading.Lock()
        self.counts = {}
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def queries(self, name):
        with self.lock:
            return self.counts.get(name, 0)

    def _run(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if len(data) < 17:
                continue
            tid, flags = struct.unpack(">HH", data[:4])
            at, labels = 12, []
            while at < len(data) and data[at]:
                labels.append(data[at + 1:at + 1 + data[at]].decode("ascii", "replace"))
                at += 1 + data[at]
            name = ".".join(labels).lower()
            with self.lock:
                self.counts[name] = self.counts.get(name, 0) + 1
            rcode = self.rcodes.get(name, 3)
            # QR, the query's RD, RA; one question, no answers.
            header = struct.pack(">HHHHHH", tid, 0x8000 | (flags & 0x0100) | 0x0080 | rcode, 1, 0, 0, 0)
            self.sock.sendto(header + data[12:at + 5], peer)

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def in_namespace(d, resolv):
    """relinkd, keeping its PID, in a mount namespace where resolv is /etc/resolv.conf."""
    d.wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
              f'mount --bind "{resolv}" /etc/resolv.conf && exec "$0" "$@"']


def threads_of(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def test_a_dns_server_that_never_answers_holds_up_nothing(fake, daemon, silent_dns, tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {SILENT_DNS}\noptions timeout:30 attempts:5\n")
    d = daemon(overrides={"relinkd.api.baseUrl": f"https://{HOST}:{fake.port}",
                          "relinkd.api.timeout": "1s", "relinkd.api.concurrency": "8"}, start=False)
    in_namespace(d, resolv)
    d.start()
    for i in range(8):
        write_job(d.jobs_dir, f"job{i}", siteId=f"site-{i}")
    job = d.wait_state("job0", "retrying")
    assert HOST in job["lastError"], job["lastError"]
    assert "1000 ms" in job["lastError"], job["lastError"]
    d.wait_for(lambda: silent_dns.queries > 0, what="a query at the silent DNS server")
    base = threads_of(d.proc.pid)
    # Every job retries (about one attempt a second), each waiting for the
    # name; the lookup that hangs is the only one running.
    attempts = lambda: sum(j["attempts"] for j in d.jobs())
    first = attempts()
    d.wait_for(lambda: attempts() >= first + 16, timeout=60, what="the jobs to retry")
    assert threads_of(d.proc.pid) <= base + 1, "a thread was left behind for each lookup"
    assert fake.requests() == [], "a request reached the API without its name resolving"
    assert all(j["state"] == "retrying" for j in d.jobs())
    assert d.stop() < 5


LIBFAKETIME = next(iter(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")), None)
TYPO = "typo.relinkd.test"
BROKEN = "broken.relinkd.test"


@pytest.mark.skipif(LIBFAKETIME is None, reason="libfaketime (package faketime) not installed")
def test_a_site_whose_host_does_not_exist_fails_after_ten_minutes_and_servfail_keeps_retrying(
        fake, daemon, tmp_path):
    dns = AnsweringDns({TYPO: 3, BROKEN: 2})
    try:
        resolv = tmp_path / "resolv.conf"
        resolv.write_text(f"nameserver {SILENT_DNS}\noptions timeout:1 attempts:1\n")
        offset = tmp_path / "faketime-offset"
        offset.write_text("+0\n")
        d = daemon(overrides={"relinkd.retry.initialDelay": "200ms", "relinkd.retry.maxDelay": "1s"},
                   start=False)
        in_namespace(d, resolv)
        d.env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": str(offset),
                 "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
        d.start()
        # Two jobs of the site that does not exist (one asks, one waits), one of the SERVFAIL site.
        write_job(d.jobs_dir, "typo-us", job_spec(siteId=None, productURL=f"https://{TYPO}"))
        write_job(d.jobs_dir, "typo-apac", job_spec(siteId=None, productURL=f"https://{TYPO}",
                                                    destinationURL="https://acme-apac.atlassian.net"))
        write_job(d.jobs_dir, "broken", job_spec(siteId=None, productURL=f"https://{BROKEN}"))

        typo = d.wait_state("typo-us", "retrying")
        assert f"no such host {TYPO}" in typo["lastError"], typo["lastError"]
        assert "relinkd gives up on it if it still does not exist at" in typo["lastError"], typo["lastError"]
        broken = d.wait_state("broken", "retrying")
        assert BROKEN in broken["lastError"] and "gives up" not in broken["lastError"], broken["lastError"]
        # Retried as any transient failure for a while, and still not failed.
        d.wait_for(lambda: dns.queries(TYPO) >= 6, what="NXDOMAIN answers to be retried")
        assert d.job("typo-us")["state"] == "retrying"
        assert d.job("typo-apac")["state"] in ("queued", "retrying")

        step = offset.with_name(offset.name + ".tmp")
        step.write_text("+11m\n")
        step.replace(offset)  # FAKETIME_NO_CACHE: read at every clock call
        for name in ("typo-us", "typo-apac"):
            failed = d.wait_state(name, "failed")
            assert f"no such host {TYPO}" in failed["lastError"], failed["lastError"]
            assert "check the URL" in failed["lastError"] and '"siteId"' in failed["lastError"], failed["lastError"]
        code, out, err = d.ctl("show", "typo-apac")
        assert code == 0 and TYPO in out, out + err

        after = dns.queries(TYPO)
        servfails = dns.queries(BROKEN)
        d.wait_for(lambda: dns.queries(BROKEN) >= servfails + 4, what="the SERVFAIL site to be asked again")
        assert d.job("broken")["state"] == "retrying"
        assert dns.queries(TYPO) == after, "the failed site's host was looked up again"
        assert fake.requests() == [], "a request reached the API for a site without an id"
    finally:
        dns.stop()


def test_through_a_proxy_the_sites_names_are_never_looked_up_here(daemon, fake, connect_proxy, tmp_path):
    """Behind a proxy the proxy resolves the sites; here their names need not
    resolve at all. relinkctl preflight in a namespace whose DNS server counts
    the queries: none for the sites (Poco's own host-name check used to look
    each one up during the TLS handshake, blocking and outside the time limit)."""
    dns = AnsweringDns({})
    try:
        resolv = tmp_path / "resolv.conf"
        resolv.write_text(f"nameserver {SILENT_DNS}\noptions timeout:5 attempts:1\n")
        fake.config({"tenants": {"s1.sites.test": "cid-1", "s2.sites.test": "cid-2"}})
        d = daemon(fake=fake, start=False, overrides={"relinkd.api.proxy": connect_proxy.url})
        for a, b in ((1, 2), (2, 1)):
            write_job(d.jobs_dir, f"j{a}", productURL=f"https://s{a}.sites.test:{fake.port}",
                      destinationURL=f"https://s{b}.sites.test:{fake.port}", siteId=None)
        wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                f'mount --bind "{resolv}" /etc/resolv.conf && exec "$0" "$@"']
        result = subprocess.run([*wrap, str(RELINKCTL), "-c", str(d.config_path), "preflight", "--json"],
                                capture_output=True, timeout=60, env=clean_env())
        lines = json.loads(result.stdout)
        sites = {line["site"]: line for line in lines if line["check"] == "site"}
        assert all(line["result"] == "ok" for line in sites.values()), lines
        assert len(sites) == 2, lines
        assert dns.queries("s1.sites.test") == 0 and dns.queries("s2.sites.test") == 0, dns.counts
    finally:
        dns.stop()
