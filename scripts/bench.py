#!/usr/bin/env python3
"""relinkd performance benchmark (run through scripts/bench.sh, never by CI).

Drives the real relinkd binary against the project's C++ fake
(relinkd-fakeapi) over HTTPS, with a CA and server certificate made by
openssl in a temporary directory. Everything listens on 127.0.0.1 only.

Parts (select with --only=a,b,...):
  throughput  N jobs to `succeeded`: wall time, jobs/s, relinkd CPU ms/job,
              peak RSS, and the fake's CPU.
  ready       time from exec to READY=1 with R finished jobs already in the
              database (and their files unchanged in the job directory).
  idle        relinkd's CPU per second over an idle period with 50 finished jobs.
  curl        the shell loop an admin would write (one curl POST and one curl
              status GET per job), wall time per job, and the ratio to relinkd.
  preflight   `relinkctl preflight` of a plan of 64 sites (distinct host names,
              through tests/e2e/connect_proxy.py): its wall time.
  report      `relinkctl report` (html, csv, json, to a file) of a 64-site plan
              (4,032 jobs run to succeeded by relinkd), against `relinkctl list
              --json` of the same database.

It reports; it does not gate: exit 0 whether or not the targets are met,
1 when the benchmark itself failed (a process died, a job ended other than
succeeded, a check failed), 130 when interrupted.

Only python3's standard library; curl and openssl are external programs.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "bench@example.com"
CLK_TCK = os.sysconf("SC_CLK_TCK")
WINDOW_MS = 14 * 86400 * 1000  # relinkd.window's default; the benchmark does not change it
SITES = 8                       # jobs are spread over this many site ids
STOP_TIMEOUT_S = 10


class BenchError(Exception):
    """The benchmark itself failed (not a missed target)."""


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def clean_env(**extra):
    scrubbed = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY",
                "all_proxy", "ALL_PROXY", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                "JOURNAL_STREAM", "STATE_DIRECTORY", "CREDENTIALS_DIRECTORY", "LISTEN_FDS",
                "LISTEN_PID", "INVOCATION_ID", "CURL_HOME")
    env = {k: v for k, v in os.environ.items() if k not in scrubbed}
    env.update(extra)
    return env


def rfc3339_s(epoch_s):
    return datetime.datetime.fromtimestamp(epoch_s, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def loadavg():
    return Path("/proc/loadavg").read_text().split()[:3]


# --------------------------------------------------------------------------
# /proc readings


def proc_cpu_ms(pid):
    """utime + stime of the whole process (all threads, dead ones included), ms.
    Resolution: one clock tick (10 ms at CLK_TCK=100)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / CLK_TCK


def proc_sched_ns(pid):
    """Sum of the live threads' on-CPU time (first field of each task's
    schedstat), ns. Precise, but misses threads that have exited: used for
    the deltas of short idle windows only."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            pass
    return total


def proc_status_kib(pid, key):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise BenchError(f"/proc/{pid}/status has no {key}")


# --------------------------------------------------------------------------
# Processes: everything started is registered here and killed on exit.


class Processes:
    def __init__(self):
        self.procs = []

    def start(self, argv, **kwargs):
        proc = subprocess.Popen(argv, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self, proc, timeout=STOP_TIMEOUT_S):
        """SIGTERM, then SIGKILL after timeout; returns the exit status and
        how long the stop took."""
        started = time.monotonic()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)
        return proc.returncode, time.monotonic() - started

    def stop_all(self):
        for proc in reversed(list(self.procs)):
            try:
                self.stop(proc, timeout=5)
            except Exception:  # noqa: BLE001 - best effort while cleaning up
                pass


class NotifySocket:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET; every
    datagram is kept with the monotonic time it arrived."""

    def __init__(self, directory):
        # A fresh name per daemon start (sun_path is at most 108 bytes: the
        # temporary directory is short).
        self.path = os.path.join(directory, f"notify-{secrets.token_hex(4)}")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.lock = threading.Lock()
        self.messages = []  # (monotonic s, text)
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            at = time.monotonic()
            with self.lock:
                self.messages.append((at, data.decode("utf-8", "replace")))

    def fields(self, since=0):
        """(time, line) for every line of every datagram from index since."""
        return self.fields_and_count(since)[0]

    def fields_and_count(self, since=0):
        """fields(since) and the number of datagrams they were read from."""
        with self.lock:
            messages = self.messages[since:]
            count = len(self.messages)
        return [(at, line) for at, text in messages for line in text.split("\n") if line], count

    def close(self):
        self.stopping = True
        self.thread.join()
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


STATUS_PART = re.compile(r"(\d+) (invalid|queued|running|retrying|paused|succeeded|failed|expired|cancelled)")
BAD_STATES = ("invalid", "failed", "expired", "cancelled", "paused")


def parse_status(line):
    """STATUS=12 jobs: 2 queued, 10 succeeded -> {"queued": 2, "succeeded": 10}."""
    return {state: int(n) for n, state in STATUS_PART.findall(line)}


# --------------------------------------------------------------------------
# The environment of one benchmark run


class Bench:
    def __init__(self, args, tmp):
        self.args = args
        self.tmp = Path(tmp)
        self.procs = Processes()
        self.bin = Path(args.bin_dir)
        self.relinkd = self.bin / "relinkd"
        self.relinkctl = self.bin / "relinkctl"
        self.fakeapi = self.bin / "relinkd-fakeapi"
        for program in (self.relinkd, self.relinkctl, self.fakeapi):
            if not os.access(program, os.X_OK):
                raise BenchError(f"{program} is missing; build first (scripts/build.sh)")
        self.token = "bench-" + secrets.token_hex(16)
        self.token_file = self.tmp / "api-token"
        self.token_file.write_text(self.token + "\n")
        self.token_file.chmod(0o600)
        self.make_certificates()
        self.runs = 0

    # ---- certificates (as tests/e2e/conftest.py makes them)

    def openssl(self, *argv):
        result = subprocess.run(["openssl", *argv], cwd=self.tmp, capture_output=True, text=True,
                                timeout=60)
        if result.returncode != 0:
            raise BenchError(f"openssl {' '.join(argv)} failed: {result.stderr}")

    def make_certificates(self):
        self.openssl("req", "-x509", "-new", "-nodes", "-newkey", "ec",
                     "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", "ca.key",
                     "-out", "ca.pem", "-days", "2", "-subj", "/CN=relinkd bench CA",
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.openssl("req", "-new", "-nodes", "-newkey", "ec",
                     "-pkeyopt", "ec_paramgen_curve:prime256v1", "-keyout", "server.key",
                     "-out", "server.csr", "-subj", "/CN=relinkd bench server")
        (self.tmp / "server.ext").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.sites.test\n")
        self.openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.pem")
        self.ca = self.tmp / "ca.pem"

    # ---- the fake

    def start_fake(self, name):
        directory = self.tmp / name
        directory.mkdir()
        port_file = directory / "port"
        out = open(directory / "fakeapi.log", "wb")
        proc = self.procs.start(
            [str(self.fakeapi), "--listen=127.0.0.1:0", f"--tls-cert={self.tmp / 'server.pem'}",
             f"--tls-key={self.tmp / 'server.key'}", f"--email={EMAIL}",
             f"--token-file={self.token_file}", f"--port-file={port_file}",
             f"--statuses={self.args.statuses}"],
            stdout=out, stderr=subprocess.STDOUT, env=clean_env())
        out.close()
        deadline = time.monotonic() + 10
        while True:
            if proc.poll() is not None:
                raise BenchError(f"relinkd-fakeapi exited with {proc.returncode}: "
                                 f"{(directory / 'fakeapi.log').read_text(errors='replace')}")
            text = port_file.read_text() if port_file.exists() else ""
            if text.endswith("\n"):
                break
            if time.monotonic() > deadline:
                raise BenchError("relinkd-fakeapi did not write its port file within 10 s")
            time.sleep(0.05)
        proc.url = f"https://127.0.0.1:{int(text)}"
        return proc

    def fake_get(self, fake, path):
        """GET a /_fake control endpoint with curl (the same TLS trust as relinkd)."""
        result = subprocess.run(
            ["curl", "-sS", "--fail", "--noproxy", "*", "--max-time", "60", "--cacert", str(self.ca),
             fake.url + path], capture_output=True, timeout=90, env=clean_env())
        if result.returncode != 0:
            raise BenchError(f"GET {path} on the fake failed: {result.stderr.decode(errors='replace')}")
        return json.loads(result.stdout)

    # ---- relinkd

    def new_daemon_dir(self, name):
        directory = self.tmp / name
        (directory / "jobs.d").mkdir(parents=True)
        (directory / "state").mkdir()
        return directory

    def write_config(self, directory, fake_url):
        settings = {
            "relinkd.jobs.dir": str(directory / "jobs.d"),
            "relinkd.state.dir": str(directory / "state"),
            "relinkd.api.baseUrl": fake_url,
            "relinkd.api.email": EMAIL,
            "relinkd.api.tokenFile": str(self.token_file),
            "relinkd.api.caFile": str(self.ca),
            "relinkd.api.timeout": "10s",
            "relinkd.api.concurrency": str(self.args.concurrency),
            "relinkd.poll.interval": self.args.poll_interval,
            "relinkd.retry.initialDelay": "200ms",
            "relinkd.retry.maxDelay": "2s",
            "relinkd.log.level": "warning",
        }
        path = directory / "relinkd.properties"
        path.write_text("".join(f"{k} = {v}\n" for k, v in settings.items()))
        return path

    def start_daemon(self, directory, fake_url):
        """Starts relinkd; returns (proc, notify socket, monotonic time just before exec)."""
        config = self.write_config(directory, fake_url)
        notify = NotifySocket(str(directory))
        err = open(directory / "relinkd.stderr.log", "ab")
        t0 = time.monotonic()
        limit = self.args.mem_limit_mib * 1024 * 1024

        def guard():  # the machine is shared: a runaway relinkd fails instead of swapping it out
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        wrap = self.args.wrap.split()
        proc = self.procs.start(wrap + [str(self.relinkd), "-c", str(config)], stdout=err, stderr=err,
                                env=clean_env(NOTIFY_SOCKET=notify.path), preexec_fn=guard)
        err.close()
        proc.directory = directory
        proc.config = config
        return proc, notify, t0

    def daemon_log(self, proc, tail=3000):
        path = proc.directory / "relinkd.stderr.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def wait_ready(self, proc, notify, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for at, line in notify.fields():
                if line == "READY=1":
                    return at
            if proc.poll() is not None:
                raise BenchError(f"relinkd exited with {proc.returncode} before READY=1:\n"
                                 f"{self.daemon_log(proc)}")
            if time.monotonic() > deadline:
                raise BenchError(f"no READY=1 within {timeout:.0f} s:\n{self.daemon_log(proc)}")
            time.sleep(0.01)

    def wait_all_succeeded(self, proc, notify, n, timeout, progress_every=30):
        """Waits for a STATUS= line saying all n jobs succeeded. The daemon's
        own STATUS= datagrams carry the counts, so waiting costs it nothing.
        Returns (monotonic time of that datagram, None) or (None, last counts)
        on timeout."""
        deadline = time.monotonic() + timeout
        next_progress = time.monotonic() + progress_every
        seen = 0
        counts = {}
        while True:
            fields, seen_now = notify.fields_and_count(seen)
            for at, line in fields:
                if not line.startswith("STATUS="):
                    continue
                counts = parse_status(line)
                bad = {s: counts[s] for s in BAD_STATES if counts.get(s)}
                if bad:
                    raise BenchError(f"jobs ended badly: {line}\n{self.daemon_log(proc)}")
                if counts.get("succeeded", 0) >= n:
                    return at, counts
            seen = seen_now
            if proc.poll() is not None:
                raise BenchError(f"relinkd exited with {proc.returncode}:\n{self.daemon_log(proc)}")
            now = time.monotonic()
            if now > deadline:
                return None, counts
            if now >= next_progress:
                log(f"  ... {counts.get('succeeded', 0)}/{n} succeeded "
                    f"(relinkd CPU so far {proc_cpu_ms(proc.pid) / 1000:.1f} s)")
                next_progress = now + progress_every
            time.sleep(0.1)

    def relinkctl_list(self, proc, timeout=300):
        result = subprocess.run([str(self.relinkctl), "-c", str(proc.config), "list", "--json"],
                                capture_output=True, timeout=timeout, env=clean_env())
        if result.returncode != 0:
            raise BenchError(f"relinkctl list --json exited with {result.returncode}: "
                             f"{result.stderr.decode(errors='replace')}")
        return json.loads(result.stdout)

    def stop_daemon(self, proc, notify):
        code, took = self.procs.stop(proc)
        notify.close()
        if code != 0:
            raise BenchError(f"relinkd exited with {code} after SIGTERM (took {took:.1f} s):\n"
                             f"{self.daemon_log(proc)}")
        return took


# --------------------------------------------------------------------------
# Job files and the spec relinkd stores for them


def job_spec(i, migrated_at):
    """The job file's content (a dict) for job number i: a federated Jira job."""
    return {
        "siteId": f"bench-site-{i % SITES}",
        "product": "jira",
        "productURL": f"https://bench-{i % SITES}.atlassian.net",
        "destinationURL": f"https://bench-{(i + 1) % SITES}.atlassian.net",
        "migratedFrom": f"https://jira-{i}.bench.example",
        "recreateAsRemote": True,
        "migratedAt": migrated_at,
    }


def job_bytes(spec):
    return (json.dumps(spec, indent=2) + "\n").encode()


def job_name(i):
    return f"bench-{i:06d}"


def stored_spec_json(spec):
    """What relinkd stores in jobs.spec_json (src/domain/JobSpec.cpp specToJson):
    compact JSON, keys in the order siteId, product, productURL, destinationURL,
    migratedFrom, [migratedFromOverride], recreateAsRemote, createBackup,
    migratedAt, [deadline]; booleans as JSON booleans, product lower case. The
    file's migratedAt is already in formatTime's form (whole seconds, Z)."""
    ordered = {"siteId": spec["siteId"], "product": spec["product"].lower(),
               "productURL": spec["productURL"], "destinationURL": spec["destinationURL"],
               "migratedFrom": spec["migratedFrom"]}
    if "migratedFromOverride" in spec:
        ordered["migratedFromOverride"] = spec["migratedFromOverride"]
    ordered["recreateAsRemote"] = bool(spec.get("recreateAsRemote", False))
    ordered["createBackup"] = bool(spec.get("createBackup", False))
    ordered["migratedAt"] = spec["migratedAt"]
    if "deadline" in spec:
        ordered["deadline"] = spec["deadline"]
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def write_jobs(jobs_dir, indexes, migrated_at):
    for i in indexes:
        (jobs_dir / f"{job_name(i)}.json").write_bytes(job_bytes(job_spec(i, migrated_at)))


# --------------------------------------------------------------------------
# Part 1: throughput


def epoch_of(rfc3339):
    """Seconds since the epoch of relinkd's "2026-12-02T08:10:11.123Z"."""
    text = rfc3339.rstrip("Z")
    whole, _, fraction = text.partition(".")
    seconds = datetime.datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    return seconds + (float("0." + fraction) if fraction else 0.0)


def run_throughput(bench, n):
    log(f"throughput: N={n} (load average {' '.join(loadavg())})")
    fake = bench.start_fake(f"fake-throughput-{n}")
    directory = bench.new_daemon_dir(f"throughput-{n}")
    migrated_at = rfc3339_s(time.time() - 86400)
    write_jobs(directory / "jobs.d", range(1, n + 1), migrated_at)
    fake_cpu0 = proc_cpu_ms(fake.pid)
    timeout = bench.args.run_timeout or min(3600, 120 + n * 0.15)
    t0_wall = time.time()
    proc, notify, t0 = bench.start_daemon(directory, fake.url)
    try:
        t_ready = bench.wait_ready(proc, notify, timeout)
        cpu_at_ready = proc_cpu_ms(proc.pid)
        t_done, counts = bench.wait_all_succeeded(proc, notify, n, timeout - (t_ready - t0))
        # Read just before stopping (the relinkctl check below is another
        # process reading the database; it costs relinkd nothing).
        t_read = time.monotonic()
        cpu_ms = proc_cpu_ms(proc.pid)
        hwm_kib = proc_status_kib(proc.pid, "VmHWM")
        fake_cpu_ms = proc_cpu_ms(fake.pid) - fake_cpu0
        fake_hwm_kib = proc_status_kib(fake.pid, "VmHWM")
        result = {
            "n": n, "timeout_s": timeout, "ready_s": t_ready - t0,
            "cpu_ms": cpu_ms, "cpu_ms_per_job": cpu_ms / n, "cpu_at_ready_ms": cpu_at_ready,
            "peak_rss_mib": hwm_kib / 1024.0,
            "fake_cpu_ms": fake_cpu_ms, "fake_cpu_ms_per_job": fake_cpu_ms / n,
            "fake_peak_rss_mib": fake_hwm_kib / 1024.0,
        }
        if t_done is None:
            done = counts.get("succeeded", 0)
            result.update(timed_out=True, succeeded=done, wall_s=t_read - t0,
                          relinkd_util=cpu_ms / 1000 / (t_read - t0),
                          fake_util=fake_cpu_ms / 1000 / (t_read - t0))
            log(f"  TIMEOUT after {t_read - t0:.0f} s: {done}/{n} succeeded")
        else:
            jobs = bench.relinkctl_list(proc)
            # STATUS= comes at most once a second, so the end is read from
            # the jobs themselves: when the last one was recorded succeeded.
            wall = max(epoch_of(job["updatedAt"]) for job in jobs) - t0_wall
            result.update(timed_out=False, succeeded=n, wall_s=wall, jobs_per_s=n / wall,
                          wall_ms_per_job=wall * 1000 / n,
                          relinkd_util=cpu_ms / 1000 / (t_read - t0),
                          fake_util=fake_cpu_ms / 1000 / (t_read - t0))
            states = {}
            for job in jobs:
                states[job["state"]] = states.get(job["state"], 0) + 1
            if len(jobs) != n or states.get("succeeded") != n:
                raise BenchError(f"relinkctl list --json disagrees: {len(jobs)} jobs, {states}")
            remote = bench.fake_get(fake, "/_fake/jobs")
            result["fake_jobs"] = len(remote)
            result["fake_complete"] = sum(1 for j in remote if j["status"].lower() == "complete")
            log(f"  {n} jobs in {wall:.2f} s ({n / wall:.1f} jobs/s), relinkd CPU "
                f"{cpu_ms / n:.2f} ms/job, peak RSS {hwm_kib / 1024:.1f} MiB; fake CPU "
                f"{fake_cpu_ms / n:.2f} ms/job; fake saw {len(remote)} submissions")
        result["stop_s"] = bench.stop_daemon(proc, notify)
        return result
    finally:
        if proc.poll() is None:
            bench.procs.stop(proc)
            notify.close()
        bench.procs.stop(fake)


# --------------------------------------------------------------------------
# Part 2: READY=1 with many finished jobs already in the database


CALIBRATION_JOBS = 3


def run_ready(bench, total):
    log(f"ready: {total} finished jobs in the database (load average {' '.join(loadavg())})")
    fake = bench.start_fake("fake-ready")
    directory = bench.new_daemon_dir("ready")
    jobs_dir = directory / "jobs.d"
    db_path = directory / "state" / "relinkd.db"
    migrated_at = rfc3339_s(time.time() - 86400)
    try:
        # 1. A real run: relinkd creates the schema and takes a few jobs to
        #    succeeded; their rows and history are the model for the others.
        write_jobs(jobs_dir, range(1, CALIBRATION_JOBS + 1), migrated_at)
        proc, notify, _ = bench.start_daemon(directory, fake.url)
        bench.wait_ready(proc, notify, 60)
        t_done, _ = bench.wait_all_succeeded(proc, notify, CALIBRATION_JOBS, 60)
        if t_done is None:
            raise BenchError("the calibration jobs did not succeed within 60 s")
        bench.stop_daemon(proc, notify)

        # 2. Check that this script computes spec_json and file_hash exactly
        #    as relinkd does, then fill the database the same way.
        t_fill = time.monotonic()
        inserted, history_total, max_revision = fill_database(db_path, jobs_dir, total,
                                                              migrated_at)
        fill_s = time.monotonic() - t_fill
        log(f"  inserted {inserted} rows and wrote their files in {fill_s:.1f} s")
        fake_requests_before = len(bench.fake_get(fake, "/_fake/requests"))

        # 3. Exec to READY=1.
        proc, notify, t0 = bench.start_daemon(directory, fake.url)
        try:
            t_ready = bench.wait_ready(proc, notify, bench.args.run_timeout or 600)
            ready_s = t_ready - t0
            cpu_ready = proc_cpu_ms(proc.pid)
            log(f"  READY=1 after {ready_s:.3f} s (relinkd CPU {cpu_ready:.0f} ms)")
            # 4. Leave it running a moment, then check nothing was redone.
            settle = 3.0
            cpu_a = proc_cpu_ms(proc.pid)
            time.sleep(settle)
            cpu_after = (proc_cpu_ms(proc.pid) - cpu_a) / settle
            hwm_kib = proc_status_kib(proc.pid, "VmHWM")
            if proc.poll() is not None:
                raise BenchError(f"relinkd exited with {proc.returncode}:\n{bench.daemon_log(proc)}")
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
                history_now = db.execute("SELECT COUNT(*) FROM history").fetchone()[0]
                revision_now = db.execute("SELECT MAX(revision) FROM jobs").fetchone()[0]
                states = dict(db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state"))
            statuses = [line for _, line in notify.fields() if line.startswith("STATUS=")]
            fake_requests = len(bench.fake_get(fake, "/_fake/requests")) - fake_requests_before
            listed = bench.relinkctl_list(proc)
            listed_succeeded = sum(1 for j in listed if j["state"] == "succeeded")
            unchanged = (history_now == history_total and revision_now == max_revision
                         and states == {"succeeded": total} and fake_requests == 0
                         and listed_succeeded == total == len(listed))
            log(f"  after READY: history {history_total} -> {history_now}, max revision "
                f"{max_revision} -> {revision_now}, states {states}, {fake_requests} API "
                f"requests, relinkctl lists {listed_succeeded}/{len(listed)} succeeded, "
                f"last {statuses[-1] if statuses else 'no STATUS='}")
            if not unchanged:
                raise BenchError("relinkd did not treat the stored jobs as unchanged (see above)")
            bench.stop_daemon(proc, notify)
        finally:
            if proc.poll() is None:
                bench.procs.stop(proc)
                notify.close()
        return {"rows": total, "ready_s": ready_s, "cpu_to_ready_ms": cpu_ready,
                "cpu_ms_per_s_after_ready": cpu_after, "peak_rss_mib": hwm_kib / 1024.0,
                "fill_s": fill_s, "unchanged": unchanged}
    finally:
        bench.procs.stop(fake)


def file_stamp(path):
    """The stamp relinkd keeps for a job file (src/io/JobFile.cpp fileStamp):
    device, inode, size, mtime and ctime hashed to 64 bits, in base 32."""
    mask = (1 << 64) - 1

    def mix(x):
        x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & mask
        x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & mask
        return x ^ (x >> 31)

    st = path.lstat()
    fields = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns // 10**9, st.st_mtime_ns % 10**9,
              st.st_ctime_ns // 10**9, st.st_ctime_ns % 10**9)
    value = 0
    for field in fields:
        value = (mix(value ^ (field & mask)) + 0x9e3779b97f4a7c15) & mask
    digits = "0123456789abcdefghijklmnopqrstuv"
    return "".join(digits[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def fill_database(db_path, jobs_dir, total, migrated_at):
    """Adds jobs CALIBRATION_JOBS+1 .. total as finished (succeeded) rows that
    look exactly like the calibration jobs relinkd wrote itself, with their
    files. Returns (rows inserted, history rows, max revision)."""
    db = sqlite3.connect(str(db_path))
    try:
        db.row_factory = sqlite3.Row
        columns = [r[1] for r in db.execute("PRAGMA table_info(jobs)")]
        models = [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY name")]
        if len(models) != CALIBRATION_JOBS or any(m["state"] != "succeeded" for m in models):
            raise BenchError(f"calibration rows are not {CALIBRATION_JOBS} succeeded jobs: {models}")
        # The generator must reproduce what relinkd stored, byte for byte.
        for i, model in enumerate(models, start=1):
            spec = job_spec(i, migrated_at)
            path = jobs_dir / f"{job_name(i)}.json"
            expected = {
                "name": job_name(i), "file": str(path),
                "file_hash": hashlib.sha256(path.read_bytes()).hexdigest(),
                "spec_json": stored_spec_json(spec), "site_id": spec["siteId"],
            }
            for key, value in expected.items():
                if model[key] != value:
                    raise BenchError(f"the generator disagrees with relinkd on {key}: "
                                     f"{value!r} != {model[key]!r}")
        model = models[0]
        history_model = [dict(r) for r in db.execute(
            "SELECT at, action, http_status, outcome, detail FROM history WHERE job = ? ORDER BY id",
            (model["name"],))]
        revision = db.execute("SELECT MAX(revision) FROM jobs").fetchone()[0]
        deadline = model["deadline"]
        if deadline != int(datetime.datetime.strptime(migrated_at, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc).timestamp() * 1000) + WINDOW_MS:
            raise BenchError(f"unexpected deadline {deadline} in the calibration row")

        insert_job = (f"INSERT INTO jobs ({', '.join(columns)}) "
                      f"VALUES ({', '.join('?' for _ in columns)})")
        insert_history = ("INSERT INTO history (job, at, action, http_status, outcome, detail) "
                          "VALUES (?, ?, ?, ?, ?, ?)")
        old_name, old_file, old_remote = model["name"], model["file"], model["remote_job_id"]
        t_base = model["updated_at"]
        rows, history = [], []
        newest_change = 0
        for i in range(CALIBRATION_JOBS + 1, total + 1):
            spec = job_spec(i, migrated_at)
            data = job_bytes(spec)
            name = job_name(i)
            path = jobs_dir / f"{name}.json"
            path.write_bytes(data)
            newest_change = max(newest_change, path.stat().st_ctime_ns)
            remote = str(uuid.uuid4())
            revision += 1
            row = dict(model)
            row.update(name=name, file=str(path), file_hash=hashlib.sha256(data).hexdigest(),
                       spec_json=stored_spec_json(spec), site_id=spec["siteId"],
                       file_stamp=file_stamp(path),
                       remote_job_id=remote, version=1, revision=revision,
                       created_at=model["created_at"] + i, accepted_at=model["accepted_at"] + i,
                       updated_at=t_base + i)
            rows.append(tuple(row[c] for c in columns))
            for h in history_model:
                detail = (h["detail"].replace(old_file, str(path)).replace(old_remote, remote)
                          .replace(old_name, name))
                history.append((name, h["at"] + i, h["action"], h["http_status"], h["outcome"],
                                detail))
        with db:
            db.executemany(insert_job, rows)
            db.executemany(insert_history, history)
            # As a daemon that ran before stores them: the stamps of settled files.
            for m in models:
                db.execute("UPDATE jobs SET file_stamp = ? WHERE name = ?",
                           (file_stamp(Path(m["file"])), m["name"]))
        # relinkd trusts a stamp only for a file unchanged for 2 s (a change
        # within the same timestamp tick could hide behind it).
        settle = newest_change / 1e9 + 2.2 - time.time()
        if settle > 0:
            time.sleep(settle)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        history_total = db.execute("SELECT COUNT(*) FROM history").fetchone()[0]
        return len(rows), history_total, revision
    finally:
        db.close()


# --------------------------------------------------------------------------
# Part 3: idle cost


def run_idle(bench, n, seconds):
    log(f"idle: {n} finished jobs, {seconds:.0f} s (load average {' '.join(loadavg())})")
    fake = bench.start_fake("fake-idle")
    directory = bench.new_daemon_dir("idle")
    write_jobs(directory / "jobs.d", range(1, n + 1), rfc3339_s(time.time() - 86400))
    proc, notify, _ = bench.start_daemon(directory, fake.url)
    try:
        bench.wait_ready(proc, notify, 60)
        t_done, _ = bench.wait_all_succeeded(proc, notify, n, 120)
        if t_done is None:
            raise BenchError(f"the {n} idle-test jobs did not succeed within 120 s")
        time.sleep(2)  # let the last answers and writes settle
        fake_requests0 = len(bench.fake_get(fake, "/_fake/requests"))
        t_a, stat_a, sched_a = time.monotonic(), proc_cpu_ms(proc.pid), proc_sched_ns(proc.pid)
        time.sleep(seconds)
        t_b, stat_b, sched_b = time.monotonic(), proc_cpu_ms(proc.pid), proc_sched_ns(proc.pid)
        span = t_b - t_a
        fake_requests = len(bench.fake_get(fake, "/_fake/requests")) - fake_requests0
        wakeups = voluntary_switches(proc.pid)
        result = {"jobs": n, "seconds": span, "ms_per_s": (sched_b - sched_a) / 1e6 / span,
                  "ms_per_s_ticks": (stat_b - stat_a) / span, "api_requests": fake_requests,
                  "threads": len(list(Path(f"/proc/{proc.pid}/task").iterdir())),
                  "context_switches": wakeups}
        log(f"  idle CPU {result['ms_per_s']:.3f} ms/s (schedstat), "
            f"{result['ms_per_s_ticks']:.1f} ms/s (stat ticks), {fake_requests} API requests, "
            f"{result['threads']} threads")
        bench.stop_daemon(proc, notify)
        return result
    finally:
        if proc.poll() is None:
            bench.procs.stop(proc)
            notify.close()
        bench.procs.stop(fake)


def voluntary_switches(pid):
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


# --------------------------------------------------------------------------
# Part 4: the curl loop an admin would write

CURL_LOOP = r"""#!/usr/bin/env bash
# One curl POST and one curl status GET per job, sequentially.
set -euo pipefail
: "${URL:?}" "${CA:?}" "${BODIES:?}" "${TOKEN_FILE:?}" "${EMAIL:?}"
auth="$EMAIL:$(head -n1 "$TOKEN_FILE")"
done=0
for body in "$BODIES"/*.json; do
  site=$(basename "$body" .json); site=${site#*@}
  uuid=$(curl -sS --fail --noproxy '*' --max-time 30 --cacert "$CA" -u "$auth" \
           -H 'Content-Type: application/json' --data-binary @"$body" \
           "$URL/links/v1/$site/jobs/cma" | sed -n 's/.*"uuid" *: *"\([^"]*\)".*/\1/p')
  status=$(curl -sS --fail --noproxy '*' --max-time 30 --cacert "$CA" -u "$auth" \
           "$URL/links/v1/$site/jobs/status/$uuid")
  case "$status" in *COMPLETE*|*Complete*) done=$((done + 1)) ;; esac
done
echo "$done"
"""


def run_curl(bench, n):
    log(f"curl loop: {n} jobs (load average {' '.join(loadavg())})")
    if shutil.which("curl") is None:
        raise BenchError("curl is not installed")
    fake = bench.start_fake("fake-curl")
    try:
        bodies = bench.tmp / "curl-bodies"
        bodies.mkdir()
        migrated_at = rfc3339_s(time.time() - 86400)
        for i in range(1, n + 1):
            spec = job_spec(i, migrated_at)
            # The body relinkd sends (tests/e2e/conftest.py expected_body).
            body = {"product": spec["product"].lower(), "productURL": spec["productURL"],
                    "destinationURL": spec["destinationURL"], "migratedFrom": spec["migratedFrom"],
                    "recreateAsRemote": spec["recreateAsRemote"], "createBackup": False}
            (bodies / f"{job_name(i)}@{spec['siteId']}.json").write_text(json.dumps(body))
        script = bench.tmp / "curl-loop.sh"
        script.write_text(CURL_LOOP)
        env = clean_env(URL=fake.url, CA=str(bench.ca), BODIES=str(bodies),
                        TOKEN_FILE=str(bench.token_file), EMAIL=EMAIL)
        fake_cpu0 = proc_cpu_ms(fake.pid)
        t0 = time.monotonic()
        loop = bench.procs.start(["bash", str(script)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=env)
        try:
            out, err = loop.communicate(timeout=max(120, n * 2))
        except subprocess.TimeoutExpired:
            raise BenchError(f"the curl loop did not finish within {max(120, n * 2)} s")
        finally:
            bench.procs.stop(loop)
        wall = time.monotonic() - t0
        if loop.returncode != 0 or out.decode().strip() != str(n):
            raise BenchError(f"the curl loop failed ({loop.returncode}): "
                             f"{out.decode(errors='replace')}{err.decode(errors='replace')}")
        fake_cpu = proc_cpu_ms(fake.pid) - fake_cpu0
        result = {"n": n, "wall_s": wall, "wall_ms_per_job": wall * 1000 / n,
                  "fake_cpu_ms_per_job": fake_cpu / n}
        log(f"  {n} jobs in {wall:.2f} s: {wall * 1000 / n:.1f} ms per job "
            f"(fake CPU {fake_cpu / n:.2f} ms/job)")
        return result
    finally:
        bench.procs.stop(fake)


PREFLIGHT_SITES = 64


def run_preflight(bench):
    """relinkctl preflight of a 64-site plan, each site its own host name
    (sN.sites.test, through a CONNECT proxy to the fake), relinkd not running."""
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from connect_proxy import ConnectProxy

    log(f"preflight: a plan of {PREFLIGHT_SITES} sites (load average {' '.join(loadavg())})")
    fake = bench.start_fake("fake-preflight")
    proxy = ConnectProxy()
    try:
        port = fake.url.rsplit(":", 1)[1]
        sites = [f"https://s{n}.sites.test:{port}" for n in range(1, PREFLIGHT_SITES + 1)]
        tenants = {f"s{n}.sites.test": f"cid-{n}" for n in range(1, PREFLIGHT_SITES + 1)}
        subprocess.run(["curl", "-sS", "--fail", "--noproxy", "*", "--max-time", "60", "--cacert", str(bench.ca),
                        "-H", "Content-Type: application/json", "--data", json.dumps({"tenants": tenants}),
                        fake.url + "/_fake/config"], check=True, capture_output=True, timeout=90, env=clean_env())
        directory = bench.new_daemon_dir("preflight")
        (directory / "jobs.d" / "big.plan.json").write_text(json.dumps({
            "sites": sites, "migratedFrom": "https://jira.acme.example",
            "migratedAt": rfc3339_s(time.time() - 86400)}))
        config = bench.write_config(directory, fake.url)
        with open(config, "a") as out:
            out.write(f"relinkd.api.proxy = {proxy.url}\nrelinkd.api.timeout = 30s\n")
        t0 = time.monotonic()
        result = subprocess.run([str(bench.relinkctl), "-c", str(config), "preflight", "--json"],
                                capture_output=True, timeout=600, env=clean_env())
        wall = time.monotonic() - t0
        lines = json.loads(result.stdout or b"[]")
        bad = [x for x in lines if x["result"] not in ("ok", "manual")]
        if result.returncode != 0 or bad or len(lines) != 4 * PREFLIGHT_SITES + 1:
            raise BenchError(f"preflight exited {result.returncode}, {len(bad)} lines not ok: {bad[:3]}")
        log(f"  {PREFLIGHT_SITES} sites in {wall:.2f} s")
        return {"sites": PREFLIGHT_SITES, "wall_s": wall}
    finally:
        proxy.close()
        bench.procs.stop(fake)


# --------------------------------------------------------------------------
# Part 6: relinkctl report

REPORT_SITES = 64
REPORT_RUNS = 3  # each command's best of 3: the machine is shared


def timed_ctl(bench, config, *argv):
    """The best wall time of REPORT_RUNS runs of relinkctl ARGV; fails on a non-zero exit."""
    best = None
    for _ in range(REPORT_RUNS):
        t0 = time.monotonic()
        result = subprocess.run([str(bench.relinkctl), "-c", str(config), *argv],
                                capture_output=True, timeout=600, env=clean_env())
        took = time.monotonic() - t0
        if result.returncode != 0:
            raise BenchError(f"relinkctl {' '.join(argv)} exited {result.returncode}: "
                             f"{result.stderr.decode(errors='replace')}")
        best = took if best is None else min(best, took)
    return best


def run_report(bench):
    """relinkd runs a 64-site plan to the end (every job submitted, polled,
    succeeded, with its result and history); then, relinkd stopped, the
    report of every job is timed against list --json of the same database."""
    jobs = REPORT_SITES * (REPORT_SITES - 1)
    log(f"report: a plan of {REPORT_SITES} sites, {jobs} jobs (load average {' '.join(loadavg())})")
    fake = bench.start_fake("fake-report")
    directory = bench.new_daemon_dir("report")
    try:
        sites = [f"https://s{n}.example.net" for n in range(1, REPORT_SITES + 1)]
        (directory / "jobs.d" / "big.plan.json").write_text(json.dumps({
            "sites": sites, "siteIds": {url: f"cid-{n}" for n, url in enumerate(sites, start=1)},
            "migratedFrom": "https://jira.acme.example", "migratedAt": rfc3339_s(time.time() - 86400)}))
        proc, notify, _ = bench.start_daemon(directory, fake.url)
        bench.wait_ready(proc, notify, 60)
        t_done, counts = bench.wait_all_succeeded(proc, notify, jobs, bench.args.run_timeout or 900)
        if t_done is None:
            raise BenchError(f"the plan's jobs did not all succeed: {counts}")
        bench.stop_daemon(proc, notify)
        config = proc.config
        out = directory / "out"
        out.mkdir()
        baseline = timed_ctl(bench, config, "list", "--json")
        times = {fmt: timed_ctl(bench, config, "report", f"--format={fmt}", f"--output={out / ('r.' + fmt)}")
                 for fmt in ("html", "csv", "json")}
        rows = (out / "r.csv").read_bytes().count(b"\r\n") - 1
        if rows != jobs:
            raise BenchError(f"the CSV report holds {rows} jobs, not {jobs}")
        sizes = {fmt: (out / f"r.{fmt}").stat().st_size for fmt in times}
        log(f"  list --json {baseline:.3f} s; report " +
            ", ".join(f"{fmt} {t:.3f} s ({sizes[fmt] // 1024} KiB)" for fmt, t in times.items()))
        return {"sites": REPORT_SITES, "jobs": jobs, "list_json_s": baseline, "report_s": times,
                "bytes": sizes}
    finally:
        bench.procs.stop(fake)


# --------------------------------------------------------------------------
# The report


def verdict(ok):
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def report(args, results):
    rows = []  # (target, measured, verdict)
    thr = results.get("throughput", [])
    finished = [r for r in thr if not r["timed_out"]]
    for r in thr:
        if r["timed_out"]:
            rows.append((f"N={r['n']}: all succeeded", f"TIMEOUT after {r['wall_s']:.0f} s, "
                         f"{r['succeeded']}/{r['n']} succeeded", verdict(False)))
    for r in finished:
        rows.append((f"CPU per job <= 1 ms (N={r['n']})", f"{r['cpu_ms_per_job']:.2f} ms",
                     verdict(r["cpu_ms_per_job"] <= 1.0)))
    if len(thr) >= 2:
        small, large = thr[0], thr[-1]
        if not small["timed_out"] and not large["timed_out"]:
            growth = large["cpu_ms_per_job"] / small["cpu_ms_per_job"] - 1
            rows.append((f"CPU/job N={large['n']} within 30 % of N={small['n']}",
                         f"{growth * 100:+.0f} %", verdict(abs(growth) <= 0.30)))
        else:
            rows.append((f"CPU/job N={large['n']} within 30 % of N={small['n']}",
                         "not measured (timeout)", verdict(False)))
    if thr:
        largest = thr[-1]
        rows.append((f"peak RSS <= 30 MiB (N={largest['n']})",
                     f"{largest['peak_rss_mib']:.1f} MiB", verdict(largest["peak_rss_mib"] <= 30)))
    ready = results.get("ready")
    if ready:
        rows.append((f"READY=1 <= 2 s with {ready['rows']} jobs", f"{ready['ready_s']:.3f} s",
                     verdict(ready["ready_s"] <= 2.0)))
    curl = results.get("curl")
    base = next((r for r in finished if r["n"] == 1000), finished[0] if finished else None)
    if curl:
        if base:
            ratio = curl["wall_ms_per_job"] / base["wall_ms_per_job"]
            results["curl"]["ratio"] = ratio
            results["curl"]["ratio_against_n"] = base["n"]
            rows.append((f">= 30x less wall/job than curl (N={base['n']})",
                         f"{ratio:.1f}x ({curl['wall_ms_per_job']:.1f} vs "
                         f"{base['wall_ms_per_job']:.2f} ms)", verdict(ratio >= 30)))
        else:
            rows.append((">= 30x less wall/job than curl", "no relinkd throughput run", "n/a"))
    idle = results.get("idle")
    if idle:
        rows.append((f"idle <= 2 ms CPU per second ({idle['jobs']} jobs)",
                     f"{idle['ms_per_s']:.2f} ms/s", verdict(idle["ms_per_s"] <= 2.0)))

    out = []
    out.append("")
    out.append(f"relinkd benchmark{' (--quick)' if args.quick else ''}: "
               f"{os.cpu_count()} CPUs, load average at end {' '.join(loadavg())}, "
               f"fake --statuses={args.statuses}, relinkd.poll.interval={args.poll_interval}, "
               f"relinkd.api.concurrency={args.concurrency}")
    if thr:
        out.append("")
        out.append(f"{'N':>7} {'wall s':>8} {'jobs/s':>8} {'wall ms/job':>11} {'CPU ms/job':>10} "
                   f"{'RSS MiB':>8} {'READY s':>8} {'relinkd %CPU':>12} {'fake CPU ms/job':>15} "
                   f"{'fake %CPU':>9}")
        for r in thr:
            out.append(f"{r['n']:>7} {r['wall_s']:>8.2f} "
                       f"{(r.get('jobs_per_s') or 0):>8.1f} {(r.get('wall_ms_per_job') or 0):>11.2f} "
                       f"{r['cpu_ms_per_job']:>10.2f} {r['peak_rss_mib']:>8.1f} {r['ready_s']:>8.2f} "
                       f"{r['relinkd_util'] * 100:>12.0f} {r['fake_cpu_ms_per_job']:>15.3f} "
                       f"{r['fake_util'] * 100:>9.0f}"
                       + ("  (TIMEOUT)" if r["timed_out"] else ""))
    if ready:
        out.append("")
        out.append(f"READY=1 with {ready['rows']} finished jobs: {ready['ready_s']:.3f} s "
                   f"(CPU {ready['cpu_to_ready_ms']:.0f} ms, peak RSS {ready['peak_rss_mib']:.1f} MiB, "
                   f"{ready['cpu_ms_per_s_after_ready']:.1f} ms CPU/s in the 3 s after; "
                   f"unchanged: {'yes' if ready['unchanged'] else 'NO'})")
    if idle:
        out.append(f"idle, {idle['jobs']} finished jobs, {idle['seconds']:.1f} s: "
                   f"{idle['ms_per_s']:.3f} ms CPU/s (tick-based: {idle['ms_per_s_ticks']:.1f}), "
                   f"{idle['api_requests']} API requests, {idle['threads']} threads")
    if curl:
        out.append(f"curl loop, {curl['n']} jobs: {curl['wall_ms_per_job']:.1f} ms wall per job "
                   f"(1 POST + 1 GET, one curl process each)")
    preflight = results.get("preflight")
    if preflight:
        out.append(f"preflight, a plan of {preflight['sites']} sites through a proxy: "
                   f"{preflight['wall_s']:.2f} s wall")
        rows.append((f"preflight of {preflight['sites']} sites in seconds (<= 2 s)",
                     f"{preflight['wall_s']:.2f} s", verdict(preflight["wall_s"] <= 2)))
    record = results.get("report")
    if record:
        base = record["list_json_s"]
        out.append(f"report of a {record['sites']}-site plan ({record['jobs']} jobs), best of {REPORT_RUNS}: "
                   + ", ".join(f"{fmt} {t:.3f} s ({t / base:.1f}x list --json)"
                               for fmt, t in record["report_s"].items())
                   + f"; list --json {base:.3f} s")
        slowest = max(record["report_s"].values())
        rows.append((f"report of {record['jobs']} jobs, any format (< 1 s)", f"{slowest:.3f} s",
                     verdict(slowest < 1)))
    out.append("")
    width = max(len(r[0]) for r in rows) if rows else 10
    mwidth = max(len(r[1]) for r in rows) if rows else 10
    out.append(f"{'target':<{width}}  {'measured':<{mwidth}}  result")
    out.append(f"{'-' * width}  {'-' * mwidth}  ------")
    for target, measured, ok in rows:
        out.append(f"{target:<{width}}  {measured:<{mwidth}}  {ok}")
    print("\n".join(out), flush=True)


# --------------------------------------------------------------------------


PARTS = ("throughput", "ready", "idle", "curl", "preflight", "report")


def parse_args(argv):
    p = argparse.ArgumentParser(description="relinkd benchmark (see scripts/bench.sh --help)")
    p.add_argument("--quick", action="store_true",
                   help="small sizes for a smoke run: N=200,1000; 10000 rows for READY; "
                        "5 s idle; 50 curl jobs")
    p.add_argument("--only", default=",".join(PARTS),
                   help=f"comma-separated parts to run: {','.join(PARTS)} (default all)")
    p.add_argument("--sizes", help="comma-separated job counts for throughput (default 1000,10000)")
    p.add_argument("--ready-jobs", type=int, help="finished jobs in the database (default 100000)")
    p.add_argument("--idle-jobs", type=int, default=50)
    p.add_argument("--idle-seconds", type=float, help="idle measurement window (default 10)")
    p.add_argument("--curl-jobs", type=int, help="jobs in the curl loop (default 100)")
    p.add_argument("--concurrency", type=int, default=32,
                   help="relinkd.api.concurrency (default 32)")
    p.add_argument("--poll-interval", default="100ms", help="relinkd.poll.interval (default 100ms)")
    p.add_argument("--statuses", default="Complete",
                   help="the fake's --statuses (default Complete: one POST and one GET per job)")
    p.add_argument("--run-timeout", type=float,
                   help="seconds one relinkd run may take (default 120 + 0.15 s per job, at most 1 h)")
    p.add_argument("--mem-limit-mib", type=int,
                   help="address-space limit (RLIMIT_AS) for relinkd, a guard for the shared "
                        "machine (default: 3/4 of MemAvailable, at most 16384)")
    p.add_argument("--bin-dir", default=str(ROOT / "build"))
    p.add_argument("--results", help="also write the results as JSON to this file")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    p.add_argument("--wrap", default="", metavar="CMD",
                   help="run relinkd under CMD (split on spaces), e.g. --wrap='heaptrack -o /tmp/ht' "
                        "to see where the memory goes; the timings then measure CMD too")
    args = p.parse_args(argv)
    parts = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = [x for x in parts if x not in PARTS]
    if unknown:
        p.error(f"unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    args.parts = parts
    if args.mem_limit_mib is None:
        available = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemAvailable:"))
        args.mem_limit_mib = min(16384, available * 3 // 4 // 1024)
    sizes = args.sizes or ("200,1000" if args.quick else "1000,10000")
    args.size_list = sorted(int(x) for x in sizes.split(","))
    args.ready_jobs = args.ready_jobs or (10000 if args.quick else 100000)
    args.idle_seconds = args.idle_seconds or (5.0 if args.quick else 10.0)
    args.curl_jobs = args.curl_jobs or (50 if args.quick else 100)
    if not 1 <= args.concurrency <= 64:
        p.error("--concurrency must be from 1 to 64 (relinkd's limit)")
    if any(n < 1 for n in args.size_list) or args.ready_jobs <= CALIBRATION_JOBS:
        p.error("sizes must be positive and --ready-jobs larger than 3")
    return args


def main(argv):
    args = parse_args(argv)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    tmp = tempfile.mkdtemp(prefix="relinkd-bench-")
    bench = None
    results = {}
    code = 0
    try:
        bench = Bench(args, tmp)
        log(f"working in {tmp}")
        if "throughput" in args.parts:
            results["throughput"] = [run_throughput(bench, n) for n in args.size_list]
        if "ready" in args.parts:
            results["ready"] = run_ready(bench, args.ready_jobs)
        if "idle" in args.parts:
            results["idle"] = run_idle(bench, args.idle_jobs, args.idle_seconds)
        if "curl" in args.parts:
            results["curl"] = run_curl(bench, args.curl_jobs)
        if "preflight" in args.parts:
            results["preflight"] = run_preflight(bench)
        if "report" in args.parts:
            results["report"] = run_report(bench)
    except BenchError as error:
        log(f"FAILED: {error}")
        code = 1
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    except Exception as error:  # noqa: BLE001 - a bug here is a failed benchmark too
        import traceback
        traceback.print_exc()
        log(f"FAILED: {type(error).__name__}: {error}")
        code = 1
    finally:
        if bench is not None:
            bench.procs.stop_all()
        if args.keep or code == 1:
            log(f"kept {tmp} for inspection" + ("" if args.keep else " (the run failed)"))
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if results and code != 130:
        report(args, results)
        if args.results:
            Path(args.results).write_text(json.dumps({"quick": args.quick, "results": results},
                                                     indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
