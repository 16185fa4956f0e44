"""A DNS server that never answers, on the real relinkd: it runs in a mount
namespace of its own whose /etc/resolv.conf names a loopback address where
the test receives queries and drops them. Each request is cut at its time
limit and retried, one lookup runs at a time for the host however many
requests wait for it, and relinkd still stops within 5 s.
"""

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import write_job

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


def threads_of(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def test_a_dns_server_that_never_answers_holds_up_nothing(fake, daemon, silent_dns, tmp_path):
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {SILENT_DNS}\noptions timeout:30 attempts:5\n")
    d = daemon(overrides={"relinkd.api.baseUrl": f"https://{HOST}:{fake.port}",
                          "relinkd.api.timeout": "1s", "relinkd.api.concurrency": "8"}, start=False)
    d.wrap = ["unshare", "-m", "--propagation", "private", "sh", "-c",
              f'mount --bind "{resolv}" /etc/resolv.conf && exec "$0" "$@"']
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
