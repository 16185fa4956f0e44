"""The HTTP endpoint (relinkd.http.listen): /healthz, /metrics, /jobs and /,
read as an operator's monitoring would, and checked against `relinkctl
list --json` and the fake API's own record of what it answered."""

import contextlib
import datetime
import http.client
import json
import re
import socket
import sqlite3
import threading
import time
from html.parser import HTMLParser

import pytest

from conftest import now_utc, rfc3339, wait_until, write_job

# interface.md's states, in its table order.
STATES = ("invalid", "queued", "running", "retrying", "paused", "succeeded", "failed",
          "expired", "cancelled")
FINAL = {"succeeded", "failed", "expired", "cancelled"}
HTTP_TIMEOUT_S = 5
# A snappy answer: the endpoint is for health checks.
PROMPT_S = 2.0


def free_port():
    """A loopback port nobody listens on (bound to port 0, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.text = body.decode("utf-8")

    def content_type(self):
        return self.headers.get("Content-Type", "")


def http_request(port, path, method="GET", timeout=HTTP_TIMEOUT_S):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def http_daemon(daemon, **kwargs):
    """A daemon serving HTTP on a free loopback port; returns (daemon, port)."""
    port = free_port()
    overrides = dict(kwargs.pop("overrides", {}))
    overrides["relinkd.http.listen"] = f"127.0.0.1:{port}"
    return daemon(overrides=overrides, **kwargs), port


# --------------------------------------------------------------------------
# Prometheus text exposition format 0.0.4, parsed strictly.

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_VALUE = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?Inf|NaN"
_SAMPLE = re.compile(
    rf"^({_NAME})(?:\{{((?:{_LABEL})(?:,{_LABEL})*,?)?\}})? ({_VALUE})(?: -?\d+)?$")
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
_TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def _family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)] if name.endswith(suffix) else None
        if base and types.get(base) in ("histogram", "summary"):
            return base
    return name


def _unescape(value):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


class Metrics:
    """The samples of one /metrics page: {(name, ((label, value), ...)): float}
    and the declared types by family."""

    def __init__(self, text):
        assert text.endswith("\n"), "the exposition does not end with a line feed"
        self.types = {}
        self.samples = {}
        seen_families = []
        for number, line in enumerate(text.split("\n")[:-1], 1):
            where = f"/metrics line {number}: {line!r}"
            if line.startswith("#"):
                self._comment(line, where, seen_families)
                continue
            match = _SAMPLE.match(line)
            assert match, f"{where}: not a Prometheus sample"
            name, labels, value = match.group(1), match.group(2) or "", match.group(3)
            family = _family_of(name, self.types)
            assert family in self.types, f"{where}: sample before its # TYPE line"
            assert seen_families[-1] == family, f"{where}: the family's samples are not together"
            pairs = tuple(sorted((k, _unescape(v)) for k, v in _LABEL_PAIR.findall(labels)))
            key = (name, pairs)
            assert key not in self.samples, f"{where}: the same series twice"
            self.samples[key] = float(value)

    def _comment(self, line, where, seen_families):
        parts = line.split(" ", 3)
        if len(parts) < 3 or parts[1] not in ("HELP", "TYPE"):
            return  # a plain comment
        assert re.fullmatch(_NAME, parts[2]), f"{where}: bad metric name"
        if parts[1] == "TYPE":
            assert len(parts) == 4 and parts[3] in _TYPES, f"{where}: bad type"
            assert parts[2] not in self.types, f"{where}: a second # TYPE for the family"
            self.types[parts[2]] = parts[3]
        if not seen_families or seen_families[-1] != parts[2]:
            assert parts[2] not in seen_families, f"{where}: the family appears twice"
            seen_families.append(parts[2])

    def series(self, name):
        """{labels dict as a sorted tuple: value} for one sample name."""
        return {labels: value for (n, labels), value in self.samples.items() if n == name}

    def by_label(self, name, label):
        """{label value: sample value}; fails if a series lacks the label."""
        out = {}
        for labels, value in self.series(name).items():
            labels = dict(labels)
            assert label in labels, f"{name} has a series without the label {label}: {labels}"
            out[labels[label]] = value
        return out

    def value(self, name, **labels):
        key = (name, tuple(sorted(labels.items())))
        assert key in self.samples, f"no sample {name}{labels} in /metrics"
        return self.samples[key]


def get_metrics(port):
    reply = http_request(port, "/metrics")
    assert reply.status == 200, f"/metrics answered {reply.status}: {reply.text}"
    media_type = reply.content_type().split(";")[0].strip()
    assert media_type == "text/plain", f"/metrics Content-Type {reply.content_type()!r}"
    assert "version=0.0.4" in reply.content_type(), reply.content_type()
    return Metrics(reply.text)


def assert_histogram(metrics, name):
    """A well-formed histogram: ascending le bounds ending with +Inf, cumulative
    counts, +Inf bucket equal to _count."""
    assert metrics.types.get(name) == "histogram", f"{name} is not declared a histogram"
    buckets = sorted((float(dict(labels)["le"]), value)
                     for labels, value in metrics.series(f"{name}_bucket").items())
    assert len(buckets) >= 2 and buckets[-1][0] == float("inf"), f"{name} buckets: {buckets}"
    counts = [count for _, count in buckets]
    assert counts == sorted(counts), f"{name} buckets are not cumulative: {buckets}"
    count = metrics.value(f"{name}_count")
    assert buckets[-1][1] == count, f"{name}: +Inf bucket {buckets[-1][1]} != _count {count}"
    assert metrics.value(f"{name}_sum") >= 0
    return count


# --------------------------------------------------------------------------
# The status page.


class _Rows(HTMLParser):
    """The text of each table row's cells."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self._cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td" and self.rows:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_states(port):
    """{job name: state} read from the table rows of GET /."""
    reply = http_request(port, "/")
    assert reply.status == 200, f"GET / answered {reply.status}"
    assert reply.content_type().split(";")[0].strip() == "text/html", reply.content_type()
    assert reply.text.lstrip().lower().startswith("<!doctype html"), reply.text[:200]
    parser = _Rows()
    parser.feed(reply.text)
    return {cells[0]: cells[1] for cells in parser.rows if len(cells) >= 2}, reply.text


# --------------------------------------------------------------------------
# Comparing with relinkctl.


def states_of(jobs):
    return {j["name"]: j["state"] for j in jobs}


def consistent(d, fetch, attempts=40):
    """(jobs, fetch()) with relinkctl's job states the same just before and
    just after fetch(), so both describe one moment."""
    for _ in range(attempts):
        before = d.jobs()
        value = fetch()
        after = d.jobs()
        if states_of(before) == states_of(after):
            return after, value
    pytest.fail("the job states kept changing while the endpoint was read")


def epoch_seconds(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def assert_metrics_match(d, fake, port):
    jobs, metrics = consistent(d, lambda: get_metrics(port))
    counts = {state: sum(j["state"] == state for j in jobs) for state in STATES}
    assert metrics.types.get("relinkd_jobs") == "gauge"
    assert metrics.by_label("relinkd_jobs", "state") == counts, "relinkd_jobs vs relinkctl list"

    answered = [p["status"] for p in fake.posts()]
    assert metrics.types.get("relinkd_api_requests_total") == "counter"
    submits = {dict(labels)["code"]: value for labels, value
               in metrics.series("relinkd_api_requests_total").items()
               if dict(labels).get("endpoint") == "submit"}
    for code in (200, 403):
        assert submits.get(str(code), 0) == answered.count(code), \
            f"submit counters {submits}; the fake answered the POSTs with {answered}"

    total = sum(metrics.series("relinkd_api_requests_total").values())
    assert assert_histogram(metrics, "relinkd_api_request_duration_seconds") == total, \
        "the duration histogram counts another number of requests than relinkd_api_requests_total"

    expected = {j["name"]: epoch_seconds(j["deadline"]) for j in jobs
                if j["state"] not in FINAL and j["state"] != "invalid" and j["deadline"]}
    deadlines = metrics.by_label("relinkd_job_deadline_timestamp_seconds", "job")
    assert deadlines.keys() == expected.keys(), "jobs with a deadline gauge"
    for name, when in expected.items():
        assert deadlines[name] == pytest.approx(when, abs=0.001), f"deadline of {name}"
    assert metrics.value("relinkd_paused") == 0
    assert metrics.types.get("relinkd_store_write_failures_total") == "counter"
    assert metrics.value("relinkd_store_write_failures_total") == 0, "a healthy database failed a write"
    assert metrics.types.get("relinkd_store_writable") == "gauge"
    assert metrics.value("relinkd_store_writable") == 1
    return jobs, metrics


def assert_jobs_and_page_match(d, port):
    jobs, reply = consistent(d, lambda: http_request(port, "/jobs"))
    assert reply.status == 200 and reply.content_type().startswith("application/json")
    served = json.loads(reply.text)
    assert [j["name"] for j in served] == [j["name"] for j in jobs], "/jobs vs relinkctl: names"
    assert states_of(served) == states_of(jobs), "/jobs vs relinkctl: states"

    jobs, (rows, html) = consistent(d, lambda: page_states(port))
    assert rows == states_of(jobs), f"GET / rows vs relinkctl list:\n{html}"
    return served, jobs


def assert_healthy(port):
    started = time.monotonic()
    reply = http_request(port, "/healthz")
    assert reply.status == 200 and reply.text.strip() == "ok", \
        f"/healthz: {reply.status} {reply.text}"
    assert time.monotonic() - started < PROMPT_S


# --------------------------------------------------------------------------


SLOW = ["Pending"] * 80 + ["Complete"]  # 8 s and more at one poll per 100 ms


def test_endpoints_agree_with_relinkctl_while_jobs_run_and_after(fake, daemon):
    fake.config({"siteScripts": {"site-slow1": [SLOW], "site-slow2": [SLOW]}})
    fake.faults([{"method": "POST", "pathContains": "/site-forbidden/", "times": 1,
                  "action": "status", "status": 403}])
    d, port = http_daemon(daemon)
    deadline = now_utc().replace(microsecond=0) + datetime.timedelta(days=2)
    write_job(d.jobs_dir, "quick")
    write_job(d.jobs_dir, "slow-1", siteId="site-slow1")
    write_job(d.jobs_dir, "slow-2", siteId="site-slow2", deadline=rfc3339(deadline))
    write_job(d.jobs_dir, "refused", siteId="site-forbidden")
    write_job(d.jobs_dir, "broken", productURL=None)
    d.wait_state("quick", "succeeded")
    d.wait_state("refused", "failed")
    d.wait_state("broken", "invalid")
    d.wait_state("slow-1", "running")
    d.wait_state("slow-2", "running")

    assert_healthy(port)
    jobs, metrics = assert_metrics_match(d, fake, port)
    assert "running" in states_of(jobs).values(), "the slow jobs finished too early for this test"
    assert metrics.value("relinkd_job_deadline_timestamp_seconds", job="slow-2") == \
        deadline.timestamp()
    assert_jobs_and_page_match(d, port)

    d.wait_state("slow-1", "succeeded", timeout=60)
    d.wait_state("slow-2", "succeeded", timeout=60)
    assert_healthy(port)
    jobs, metrics = assert_metrics_match(d, fake, port)
    assert states_of(jobs) == {"quick": "succeeded", "slow-1": "succeeded", "slow-2": "succeeded",
                               "refused": "failed", "broken": "invalid"}
    polls = [r for r in fake.requests() if r["method"] == "GET" and "/jobs/status/" in r["path"]]
    assert metrics.value("relinkd_api_requests_total", endpoint="status", code="200") == \
        sum(r["status"] == 200 for r in polls), "status poll counter vs the fake's record"
    served, jobs = assert_jobs_and_page_match(d, port)
    assert served == jobs, "/jobs is not the same as relinkctl list --json"


def test_other_paths_and_methods(fake, daemon):
    d, port = http_daemon(daemon)
    assert http_request(port, "/no-such-page").status == 404
    assert http_request(port, "/healthz?probe=1").status == 200
    assert http_request(port, "/jobs", method="POST").status == 405
    head = http_request(port, "/metrics", method="HEAD")
    assert head.status == 200 and head.body == b""


def test_paused_gauge_follows_a_rejected_token(fake, daemon, secrets):
    new_token = "tok2-" + secrets.token[5:]
    secrets.all.append(new_token)
    fake.config({"token": new_token})
    d, port = http_daemon(daemon)
    write_job(d.jobs_dir, "locked")
    d.wait_state("locked", "paused")

    def paused_gauge():
        return get_metrics(port).value("relinkd_paused")

    d.wait_for(lambda: paused_gauge() == 1, 10, "relinkd_paused 1 after a 401")
    metrics = get_metrics(port)
    assert metrics.value("relinkd_jobs", state="paused") == 1
    assert metrics.value("relinkd_api_requests_total", endpoint="submit", code="401") == 1
    rows, _ = page_states(port)
    assert rows == {"locked": "paused"}
    # Nothing is sent while paused: a monitor must see it (it used to be
    # 200 ok, silent until the deadline warning a day before the window closes).
    health = http_request(port, "/healthz")
    assert health.status == 503, f"/healthz while paused: {health.status} {health.text}"
    assert "paused for credentials" in health.text and "token file" in health.text, health.text
    assert d.job("locked")["lastError"] in health.text, "the reason, as the paused job says it"

    secrets.write_token(new_token)
    d.wait_state("locked", "succeeded")
    d.wait_for(lambda: paused_gauge() == 0, 10, "relinkd_paused 0 once the token works")
    assert_healthy(port)
    for reply in (http_request(port, "/metrics"), http_request(port, "/jobs"),
                  http_request(port, "/")):
        secrets.assert_absent(reply.body, "an HTTP answer")


def test_hostile_clients_do_not_block_healthz(fake, daemon):
    d, port = http_daemon(daemon)
    hostile = []
    try:
        idle = socket.create_connection(("127.0.0.1", port))
        hostile.append(idle)
        half = socket.create_connection(("127.0.0.1", port))
        half.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        hostile.append(half)
        garbage = socket.create_connection(("127.0.0.1", port))
        garbage.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64)
        hostile.append(garbage)
        for _ in range(3):
            assert_healthy(port)
        write_job(d.jobs_dir, "meanwhile")
        d.wait_state("meanwhile", "succeeded")
        assert_healthy(port)
    finally:
        for s in hostile:
            s.close()
    assert_healthy(port)


def healthz_delay(port):
    """Seconds /healthz took to answer 200, or None if it did not within PROMPT_S + 1 s."""
    started = time.monotonic()
    try:
        reply = http_request(port, "/healthz", timeout=PROMPT_S + 1)
    except OSError:
        return None
    assert reply.status == 200, f"/healthz: {reply.status} {reply.text}"
    return time.monotonic() - started


def test_several_idle_connections_do_not_delay_healthz(fake, daemon):
    """Connections that never send a byte (a port scanner, a stuck client)."""
    d, port = http_daemon(daemon)
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    try:
        delay = healthz_delay(port)
    finally:
        for s in idle:
            s.close()
    assert delay is not None and delay < PROMPT_S, \
        f"with 6 idle connections open, /healthz took {delay or 'more than 3'} s"


def unread_bytes(server_port, client):
    """Bytes that the loopback server on server_port has received from the
    client socket but not read yet (Recv-Q in /proc/net/tcp), or None while
    the kernel lists no such connection."""
    client_port = client.getsockname()[1]
    with open("/proc/net/tcp") as table:
        next(table)  # the header
        for line in table:
            fields = line.split()
            local, remote, queues = fields[1], fields[2], fields[4]
            if (int(local.split(":")[1], 16) == server_port
                    and int(remote.split(":")[1], 16) == client_port):
                return int(queues.split(":")[1], 16)
    return None


@contextlib.contextmanager
def dripping_clients(port, count):
    """count clients that send a request a header line every 0.5 s and never
    finish it, for as long as the with-block runs; yields their sockets, each
    with its request line and first header sent."""
    drippers = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    for s in drippers:
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    stop = threading.Event()

    def drip():
        while not stop.wait(0.5):
            for s in drippers:
                try:
                    s.sendall(b"X-Drip: 1\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        yield drippers
    finally:
        stop.set()
        thread.join()
        for s in drippers:
            s.close()


def test_slowly_dripping_requests_do_not_block_healthz(fake, daemon):
    """Clients that send a request a header line at a time and never finish."""
    d, port = http_daemon(daemon)
    with dripping_clients(port, 4) as drippers:
        # Each dripper is held by a server thread once the server has read
        # what it sent: only then does /healthz compete with them.
        wait_until(lambda: all(unread_bytes(port, s) == 0 for s in drippers), 5,
                   lambda: "relinkd's status server to read each dripping client's request line")
        delay = healthz_delay(port)
    assert delay is not None and delay < PROMPT_S, \
        f"with 4 slowly dripping requests open, /healthz took {delay or 'more than 3'} s"


def test_more_drippers_than_threads_are_cut_off_and_healthz_answers(fake, daemon):
    """More dripping clients than the endpoint has threads: each connection has
    a budget for the whole exchange (5 s), so they are cut off and /healthz is
    answered within that budget instead of waiting for ever."""
    d, port = http_daemon(daemon)
    with dripping_clients(port, 24):
        started = time.monotonic()
        reply = http_request(port, "/healthz", timeout=12)
        took = time.monotonic() - started
    assert reply.status == 200
    assert took < 9, f"with 24 dripping clients, /healthz took {took:.1f} s"
    d.assert_alive()


class DatabaseLock:
    """Holds SQLite's write lock on relinkd's database, as a stuck writer
    would: relinkd can read its state but cannot change it."""

    def __init__(self, d):
        self._db = sqlite3.connect(str(d.state_dir / "relinkd.db"), timeout=10,
                                   isolation_level=None)
        self._db.execute("BEGIN IMMEDIATE")

    def release(self):
        if self._db is not None:
            self._db.execute("ROLLBACK")
            self._db.close()
            self._db = None


def test_healthz_is_503_while_the_database_is_not_writable(fake, daemon):
    d, port = http_daemon(daemon)
    assert_healthy(port)
    lock = DatabaseLock(d)
    try:
        write_job(d.jobs_dir, "while-locked")  # relinkd must record it, and cannot

        def unhealthy():
            reply = http_request(port, "/healthz")
            return reply if reply.status == 503 else None

        reply = d.wait_for(unhealthy, 40, "/healthz to answer 503 while the database is locked")
        assert "database" in reply.text, reply.text
        assert http_request(port, "/metrics").status == 200, "/metrics needs no writes"
    finally:
        lock.release()
    d.wait_for(lambda: http_request(port, "/healthz").status == 200, 40,
               "/healthz to answer 200 once the database is writable again")


def test_a_job_file_written_while_the_database_is_locked_is_taken_up_after(fake, daemon):
    """relinkd logs "retrying in a second" when it cannot write; the job file
    that came in meanwhile must not wait for the next full rescan."""
    d, port = http_daemon(daemon)
    lock = DatabaseLock(d)
    try:
        write_job(d.jobs_dir, "while-locked")
        d.wait_for(lambda: http_request(port, "/healthz").status == 503, 40,
                   "relinkd to notice that it cannot write")
    finally:
        lock.release()
    released = time.monotonic()
    d.wait_state("while-locked", "succeeded", timeout=60)
    took = time.monotonic() - released
    assert took < 5, f"the job was taken up {took:.1f} s after the database became writable"


def test_listen_port_is_released_at_stop(fake, daemon):
    d, port = http_daemon(daemon)
    assert_healthy(port)
    d.stop()
    with pytest.raises(OSError):
        http_request(port, "/healthz", timeout=2)
    d.start()  # on the same port: nothing of the old listener is left in the way
    assert_healthy(port)
