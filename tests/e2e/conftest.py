"""End-to-end harness: the real relinkd, relinkctl and relinkd-fakeapi.

Fixtures:
  tls       (session) a trusted test CA with a server certificate for
            127.0.0.1/localhost, a second, untrusted CA with its own server
            certificate, and a certificate of the trusted CA for another name.
  secrets   (function) the API token (and any other secret a test adds);
            teardown asserts none of them leaks anywhere we can see.
  make_fake (function) starts relinkd-fakeapi over HTTPS; `fake` is one
            started with the trusted certificate.
  connect_proxy (function) an HTTPS proxy tunnelling any host to the fake's
            port on 127.0.0.1, recording the CONNECT targets.
  daemon    (function) factory: writes a configuration, starts relinkd with a
            NOTIFY_SOCKET and waits for READY=1.
  browser   (session) headless Chromium driven over WebDriver (browser.py);
            skipped when chromedriver is missing, a failure instead when
            RELINKD_REQUIRE_BROWSER=1 (scripts/test.sh sets it).

Everything is polled (every 50 ms) rather than slept for.
"""

import base64
import datetime
import json
import os
import secrets as pysecrets
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

BIN_DIR = Path(os.environ.get("RELINKD_BIN_DIR", "/work/main/build"))
RELINKD = BIN_DIR / "relinkd"
RELINKCTL = BIN_DIR / "relinkctl"
FAKEAPI = BIN_DIR / "relinkd-fakeapi"

EMAIL = "e2e@example.com"
POLL_S = 0.05
READY_TIMEOUT_S = 20
STOP_TIMEOUT_S = 5
EX_CONFIG = 78

# Environment that must not reach the programs under test: proxies would
# route loopback traffic elsewhere, systemd variables change defaults.
_SCRUBBED_ENV = (
    "https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY",
    "all_proxy", "ALL_PROXY", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
    "JOURNAL_STREAM", "STATE_DIRECTORY", "CREDENTIALS_DIRECTORY", "LISTEN_FDS",
    "LISTEN_PID", "INVOCATION_ID",
)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED_ENV}
    env.update(extra)
    return env


def rfc3339(when):
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def wait_until(predicate, timeout, describe):
    """Calls predicate every 50 ms until it returns a truthy value (returned).
    On timeout fails with describe() (a callable, so it is only built then)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {describe()}")
        time.sleep(POLL_S)


# --------------------------------------------------------------------------
# Certificates


def _openssl(*args, cwd, wrap=()):
    result = subprocess.run([*wrap, "openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {result.stderr}")


def _make_ca(directory, name, days=2, wrap=()):
    """wrap: a command the openssl runs under (faketime, to start validity earlier)."""
    _openssl("req", "-x509", "-new", "-nodes", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", str(days),
             "-subj", f"/CN=relinkd e2e {name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=directory, wrap=wrap)
    return directory / f"{name}.pem", directory / f"{name}.key"


def _make_server_cert(directory, ca_name, name, san, days=2, wrap=()):
    _openssl("req", "-new", "-nodes", "-newkey", "ec",
             "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", "/CN=relinkd e2e server",
             cwd=directory, wrap=wrap)
    (directory / f"{name}.ext").write_text(
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName={san}\n")
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca_name}.pem",
             "-CAkey", f"{ca_name}.key", "-CAcreateserial", "-days", str(days),
             "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=directory, wrap=wrap)
    return directory / f"{name}.pem", directory / f"{name}.key"


class Tls:
    def __init__(self, directory):
        self.ca, _ = _make_ca(directory, "ca")
        # *.sites.test: many sites on one fake, reached through connect_proxy.
        self.cert, self.key = _make_server_cert(
            directory, "ca", "server", "IP:127.0.0.1,DNS:localhost,DNS:*.sites.test")
        # Signed by the trusted CA, but for another name than the one dialled.
        self.wrong_name_cert, self.wrong_name_key = _make_server_cert(
            directory, "ca", "other-name", "DNS:api.other.example")
        self.untrusted_ca, _ = _make_ca(directory, "untrusted-ca")
        self.untrusted_cert, self.untrusted_key = _make_server_cert(
            directory, "untrusted-ca", "untrusted-server", "IP:127.0.0.1,DNS:localhost")


@pytest.fixture(scope="session")
def tls(tmp_path_factory):
    return Tls(tmp_path_factory.mktemp("tls"))


# --------------------------------------------------------------------------
# Secrets


class Secrets:
    """The token (and any other secret a test introduces), with the token
    file both the fake and relinkd read."""

    def __init__(self, directory):
        self.token = "tok-" + pysecrets.token_hex(20)
        self.token_file = directory / "api-token"
        self.all = [self.token]
        self.write_token(self.token)

    def write_token(self, token):
        if token not in self.all:
            self.all.append(token)
        tmp = self.token_file.with_name(self.token_file.name + ".new")
        tmp.write_text(token + "\n")
        tmp.chmod(0o600)
        os.replace(tmp, self.token_file)

    def needles(self):
        """Byte strings that must never show up: each secret, and the Basic
        credentials built from it."""
        out = []
        for token in self.all:
            out.append(token.encode())
            out.append(base64.b64encode(f"{EMAIL}:{token}".encode()))
        return out

    def assert_absent(self, data, where):
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        for needle in self.needles():
            assert needle not in data, f"a secret appears in {where}"


@pytest.fixture
def secrets(tmp_path):
    return Secrets(tmp_path)


def basic_auth(token):
    return "Basic " + base64.b64encode(f"{EMAIL}:{token}".encode()).decode()


# --------------------------------------------------------------------------
# The fake API


class FakeApi:
    def __init__(self, directory, cert, key, ca, token_file, args=(), check_hostname=True):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        port_file = self.directory / "port"
        self.log_path = self.directory / "fakeapi.log"
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(FAKEAPI), f"--tls-cert={cert}", f"--tls-key={key}", f"--email={EMAIL}",
             f"--token-file={token_file}", f"--port-file={port_file}", *args],
            stdout=self._log, stderr=subprocess.STDOUT, env=clean_env())

        def port():
            if self.proc.poll() is not None:
                pytest.fail(f"relinkd-fakeapi exited with {self.proc.returncode}: "
                            f"{self.log_path.read_text(errors='replace')}")
            text = port_file.read_text() if port_file.exists() else ""
            return text.strip() if text.endswith("\n") else None

        self.port = int(wait_until(port, 10, lambda: "relinkd-fakeapi's port file"))
        self.url = f"https://127.0.0.1:{self.port}"
        context = ssl.create_default_context(cafile=str(ca))
        context.check_hostname = check_hostname  # the chain is verified regardless
        self._opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with self._opener.open(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def requests(self):
        """Every API request the fake received, oldest first."""
        return self._call("GET", "/_fake/requests")

    def jobs(self):
        return self._call("GET", "/_fake/jobs")

    def faults(self, faults):
        return self._call("POST", "/_fake/faults", faults)

    def clear_faults(self):
        return self._call("DELETE", "/_fake/faults")

    def config(self, settings):
        return self._call("POST", "/_fake/config", settings)

    def reset(self):
        return self._call("POST", "/_fake/reset")

    # Convenience views of requests().
    def posts(self, site=None):
        return [r for r in self.requests() if r["method"] == "POST"
                and (site is None or r["path"] == f"/links/v1/{site}/jobs/cma")]

    def status_gets(self, site, uuid):
        return [r for r in self.requests() if r["method"] == "GET"
                and r["path"] == f"/links/v1/{site}/jobs/status/{uuid}"]

    def job(self, uuid):
        matches = [j for j in self.jobs() if j["uuid"] == uuid]
        return matches[0] if matches else None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def make_fake(tmp_path, tls, secrets):
    """make_fake(cert="trusted"|"untrusted"|"wrong-name", args=[...])."""
    started = []

    def start(cert="trusted", args=()):
        cert_key_ca = {
            "trusted": (tls.cert, tls.key, tls.ca),
            "untrusted": (tls.untrusted_cert, tls.untrusted_key, tls.untrusted_ca),
            "wrong-name": (tls.wrong_name_cert, tls.wrong_name_key, tls.ca),
        }[cert]
        fake = FakeApi(tmp_path / f"fake{len(started)}", *cert_key_ca,
                       secrets.token_file, args, check_hostname=(cert != "wrong-name"))
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.stop()


@pytest.fixture
def fake(make_fake):
    return make_fake()


@pytest.fixture
def connect_proxy():
    """An HTTPS (CONNECT) proxy that tunnels any host:PORT to 127.0.0.1:PORT
    and records the targets (connect_proxy.py); its url is for
    relinkd.api.proxy."""
    from connect_proxy import ConnectProxy

    proxy = ConnectProxy()
    yield proxy
    proxy.close()


# --------------------------------------------------------------------------
# Job files


def job_spec(**changes):
    """A valid federated job; keyword arguments replace fields, None removes one."""
    spec = {
        "siteId": "site-a",
        "product": "jira",
        "productURL": "https://acme-eu.atlassian.net",
        "destinationURL": "https://acme-us.atlassian.net",
        "migratedFrom": "https://jira.acme.example",
        "recreateAsRemote": True,
        "migratedAt": rfc3339(now_utc() - datetime.timedelta(days=1)),
    }
    for key, value in changes.items():
        if value is None:
            spec.pop(key, None)
        else:
            spec[key] = value
    return spec


def expected_body(spec):
    """The POST body relinkd must send for spec (JobSpec.h requestBody):
    JSON booleans, product lower case, migratedFromOverride only when set,
    no siteId, migratedAt or deadline."""
    def boolean(value):
        return value is True or value == "true"

    body = {
        "product": spec.get("product", "jira").lower(),
        "productURL": spec["productURL"],
        "destinationURL": spec["destinationURL"],
        "migratedFrom": spec["migratedFrom"],
        "recreateAsRemote": boolean(spec.get("recreateAsRemote", False)),
        "createBackup": boolean(spec.get("createBackup", False)),
    }
    if "migratedFromOverride" in spec:
        body["migratedFromOverride"] = spec["migratedFromOverride"]
    return body


def write_bytes(directory, filename, data, atomic=True):
    """Writes a file into the job directory; atomically (a .tmp file renamed
    into place, as droppers should) or in place, in two chunks."""
    path = Path(directory) / filename
    if atomic:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    else:
        with open(path, "wb") as f:
            half = len(data) // 2
            f.write(data[:half])
            f.flush()
            f.write(data[half:])
    return path


def stamp_of(d, name):
    """The file stamp relinkd keeps for the job name, read from its database."""
    db = sqlite3.connect(d.state_dir / "relinkd.db")
    try:
        return db.execute("SELECT file_stamp FROM jobs WHERE name = ?", (name,)).fetchone()[0]
    finally:
        db.close()


def write_job(directory, name, spec=None, atomic=True, **changes):
    """Writes NAME.json with job_spec(**changes) (or spec) as JSON."""
    spec = job_spec(**changes) if spec is None else spec
    write_bytes(directory, f"{name}.json", json.dumps(spec, indent=2).encode(), atomic)
    return spec


# --------------------------------------------------------------------------
# The daemon


class NotifySocket:
    """A unix datagram socket standing in for systemd's notify socket.

    receive_buffer sets SO_RCVBUF; with read_until (a field such as
    "READY=1") nothing more is read once a datagram carried it, as when
    systemd is busy or hung: the socket's queue then fills up."""

    def __init__(self, receive_buffer=None, read_until=None):
        # A short path: pytest's tmp paths can exceed sun_path's 108 bytes.
        self._dir = tempfile.mkdtemp(prefix="relinkd-e2e-")
        self.path = os.path.join(self._dir, "notify")
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if receive_buffer is not None:
            self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self._read_until = read_until
        self._sock.bind(self.path)
        self._sock.settimeout(0.1)
        self._lock = threading.Lock()
        self._messages = []
        self._stop = False
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self):
        while not self._stop:
            try:
                data = self._sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            message = data.decode("utf-8", "replace")
            with self._lock:
                self._messages.append(message)
            if self._read_until is not None and self._read_until in message.split("\n"):
                return

    def messages(self):
        with self._lock:
            return list(self._messages)

    def close(self):
        self._stop = True
        self._thread.join()
        self._sock.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def notify_fields(messages):
    """Each datagram's lines ("READY=1", "STATUS=...") in order."""
    return [line for message in messages for line in message.split("\n") if line]


class Daemon:
    def __init__(self, directory, fake_url, secrets, tls, overrides):
        self.dir = Path(directory)
        self.jobs_dir = self.dir / "jobs.d"
        self.state_dir = self.dir / "state"
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        self.config_path = self.dir / "relinkd.properties"
        self.stderr_path = self.dir / "relinkd.stderr.log"
        self.stdout_path = self.dir / "relinkd.stdout.log"
        self.secrets = secrets
        self.ctl_outputs = []
        self.proc = None
        self.env = {}  # more environment for relinkd (LD_PRELOAD=libfaketime, ...)
        self.wrap = []  # a command relinkd is exec'd by, keeping its PID (unshare ...)
        self.expect_running = False
        self.notify = NotifySocket()
        self.settings = {
            "relinkd.jobs.dir": str(self.jobs_dir),
            "relinkd.state.dir": str(self.state_dir),
            "relinkd.api.baseUrl": fake_url,
            "relinkd.api.email": EMAIL,
            "relinkd.api.tokenFile": str(secrets.token_file),
            "relinkd.api.caFile": str(tls.ca),
            "relinkd.api.timeout": "2s",
            "relinkd.poll.interval": "100ms",
            "relinkd.retry.initialDelay": "200ms",
            "relinkd.retry.maxDelay": "1s",
            "relinkd.log.level": "debug",
        }
        self.configure(overrides)

    def configure(self, overrides):
        """Changes settings (None removes a key) and rewrites the file."""
        for key, value in overrides.items():
            if value is None:
                self.settings.pop(key, None)
            else:
                self.settings[key] = value
        self.config_path.write_text(
            "".join(f"{key} = {value}\n" for key, value in self.settings.items()))

    # ---- process control

    def start(self, wait_ready=True):
        assert self.proc is None or self.proc.poll() is not None, "relinkd is already running"
        self._ready_seen = len(self._ready_indexes())
        with open(self.stderr_path, "ab") as err, open(self.stdout_path, "ab") as out:
            self.proc = subprocess.Popen(
                [*self.wrap, str(RELINKD), "-c", str(self.config_path)], stdout=out, stderr=err,
                env=clean_env(NOTIFY_SOCKET=self.notify.path, **self.env))
        self.expect_running = True
        if wait_ready:
            self.wait_ready()
        return self

    def _ready_indexes(self):
        return [i for i, f in enumerate(notify_fields(self.notify.messages())) if f == "READY=1"]

    def wait_ready(self, timeout=READY_TIMEOUT_S):
        def ready():
            self.assert_alive()
            return len(self._ready_indexes()) > self._ready_seen

        self.wait_for(ready, timeout, "READY=1 from relinkd")
        self._ready_seen = len(self._ready_indexes())

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def assert_alive(self):
        """Fails the test when relinkd died while it was meant to run."""
        if self.expect_running and self.proc.poll() is not None:
            pytest.fail(f"relinkd exited with {self.proc.returncode}; its log:\n{self.log()}")

    def stop(self):
        """SIGTERM; relinkd must exit within 5 s with status 0."""
        assert self.running(), "relinkd is not running"
        self.expect_running = False
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"relinkd did not stop within {STOP_TIMEOUT_S}s of SIGTERM; "
                        f"its log:\n{self.log()}")
        assert code == 0, f"relinkd exited with {code} after SIGTERM; its log:\n{self.log()}"
        return time.monotonic() - started

    def kill(self):
        assert self.running(), "relinkd is not running"
        self.expect_running = False
        self.proc.kill()
        self.proc.wait()

    def restart(self):
        self.stop()
        return self.start()

    def hup(self):
        assert self.running(), "relinkd is not running"
        self.proc.send_signal(signal.SIGHUP)

    def notifications(self):
        return self.notify.messages()

    def log(self):
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    # ---- relinkctl

    def ctl(self, *args, timeout=60):
        """Runs relinkctl -c CONFIG ARGS; returns (exit code, stdout, stderr)."""
        result = subprocess.run([str(RELINKCTL), "-c", str(self.config_path), *args],
                                capture_output=True, timeout=timeout, env=clean_env())
        out = result.stdout.decode("utf-8", "replace")
        err = result.stderr.decode("utf-8", "replace")
        self.ctl_outputs.append((args, result.stdout + result.stderr))
        return result.returncode, out, err

    def jobs(self):
        code, out, err = self.ctl("list", "--json")
        assert code == 0, f"relinkctl list --json exited with {code}: {err}"
        return json.loads(out)

    def job(self, name):
        matches = [j for j in self.jobs() if j["name"] == name]
        return matches[0] if matches else None

    def show(self, name):
        code, out, err = self.ctl("show", name, "--json")
        assert code == 0, f"relinkctl show {name} --json exited with {code}: {err}"
        return json.loads(out)

    # ---- waiting

    def wait_for(self, predicate, timeout=20, what="a condition"):
        def describe():
            try:
                jobs = json.dumps(self.jobs(), indent=1)
            except BaseException as e:  # noqa: BLE001 - only for the message
                jobs = f"(relinkctl list failed: {e})"
            return f"{what}\njobs: {jobs}\nrelinkd log (tail):\n{self.log()[-4000:]}"

        return wait_until(predicate, timeout, describe)

    def wait_state(self, name, state, timeout=20):
        def reached():
            self.assert_alive()
            job = self.job(name)
            return job if job is not None and job["state"] == state else None

        return self.wait_for(reached, timeout, f"job {name} to be {state}")

    # ---- teardown

    def close(self):
        if self.running():
            self.proc.kill()
            self.proc.wait()
        self.notify.close()

    def assert_no_secret_leaked(self):
        self.secrets.assert_absent(self.log(), "relinkd's standard error")
        if self.stdout_path.exists():
            self.secrets.assert_absent(self.stdout_path.read_bytes(), "relinkd's standard output")
        for path in sorted(self.state_dir.rglob("*")):
            if path.is_file():
                self.secrets.assert_absent(path.read_bytes(), f"the state file {path.name}")
        for args, output in self.ctl_outputs:
            self.secrets.assert_absent(output, f"the output of relinkctl {' '.join(args)}")
        for message in self.notifications():
            self.secrets.assert_absent(message, "an sd_notify message")


@pytest.fixture
def daemon(request, tmp_path, tls, secrets):
    """daemon(fake=..., overrides={...}, start=True) -> Daemon.

    fake defaults to the `fake` fixture; pass fake=False for a daemon whose
    API is unreachable (relinkctl-only tests)."""
    created = []

    def make(fake=None, overrides=None, start=True):
        if fake is None:
            fake = request.getfixturevalue("fake")
        url = fake.url if fake else "https://127.0.0.1:9"
        d = Daemon(tmp_path / f"relinkd{len(created)}", url, secrets, tls, overrides or {})
        created.append(d)
        if start:
            d.start()
        return d

    yield make
    for d in created:
        d.close()
    for d in created:
        d.assert_no_secret_leaked()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Chromium (browser.py). scripts/install-deps.sh installs it, so
    where RELINKD_REQUIRE_BROWSER=1 (scripts/test.sh, CI) its absence fails
    the test instead of skipping it."""
    from browser import CHROMEDRIVER, CHROMIUM, Browser

    missing = [str(p) for p in (CHROMEDRIVER, CHROMIUM) if not p.exists()]
    if missing:
        reason = (f"headless Chromium is not installed ({', '.join(missing)} missing): "
                  "scripts/install-deps.sh installs chromium and chromium-driver")
        if os.environ.get("RELINKD_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + "; RELINKD_REQUIRE_BROWSER=1 requires it")
        pytest.skip(reason)
    b = Browser(tmp_path_factory.mktemp("browser") / "chromedriver.log")
    yield b
    b.close()
