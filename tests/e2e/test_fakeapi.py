"""The fake links API (tests/fakeapi/PROTOCOL.md) behaves as its protocol says.

The other end-to-end tests trust the fake; these tests check it over plain
HTTP, as a client would, with the standard library only.
"""

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from conftest import wait_until

BIN_DIR = Path(os.environ.get("RELINKD_BIN_DIR", "/work/build-fakeapi"))
FAKE_BINARY = BIN_DIR / "relinkd-fakeapi"
EMAIL = "relinkd@example.com"
TOKEN = "fake-token"
GOOD_BODY = {
    "product": "jira",
    "productURL": "https://example.atlassian.net",
    "destinationURL": "https://example.atlassian.net",
    "migratedFrom": "https://jira.example.com",
    "recreateAsRemote": True,
    "createBackup": False,
}
# No proxy from the environment may stand between the tests and the fake.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def basic_auth(email=EMAIL, token=TOKEN):
    return "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode()


class Fake:
    """A running relinkd-fakeapi and a small client for it."""

    def __init__(self, proc, port):
        self.proc = proc
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method, path, body=None, auth=None, content_type=None, timeout=10):
        """Returns (status, headers, body text); raises on connection errors."""
        data = None
        if body is not None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if auth:
            request.add_header("Authorization", auth)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with OPENER.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def api(self, method, path, body=None, auth=basic_auth()):
        content_type = "application/json" if body is not None else None
        status, _, text = self.call(method, path, body, auth, content_type)
        return status, json.loads(text)

    def submit(self, site="site-1", body=GOOD_BODY):
        status, answer = self.api("POST", f"/links/v1/{site}/jobs/cma", body)
        assert status == 200, answer
        return answer["uuid"]

    def poll(self, job_id, site="site-1"):
        return self.api("GET", f"/links/v1/{site}/jobs/status/{job_id}")

    def control(self, method, path, body=None):
        status, _, text = self.call(method, path, body)
        assert status == 200, f"{method} {path} {body!r} -> {status} {text}"
        return json.loads(text)

    def requests(self):
        return self.control("GET", "/_fake/requests")


def raw_exchange(port, request_bytes):
    """Sends request_bytes on a new connection; returns what was read until EOF."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request_bytes)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk


def start_fake(tmp_path, *args):
    assert FAKE_BINARY.exists(), (
        f"{FAKE_BINARY} not found: build the relinkd-fakeapi target or set RELINKD_BIN_DIR")
    port_file = tmp_path / "fake.port"
    proc = subprocess.Popen(
        [str(FAKE_BINARY), "--listen=127.0.0.1:0", f"--port-file={port_file}", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    def written():
        if proc.poll() is not None:
            pytest.fail(f"relinkd-fakeapi exited with {proc.returncode}: {proc.stderr.read()}")
        return port_file.exists()

    wait_until(written, 10, lambda: "relinkd-fakeapi to write its port file")
    text = port_file.read_text()
    assert text.endswith("\n") and text.strip().isdigit(), f"port file holds {text!r}"
    port = int(text)
    line = proc.stdout.readline()
    assert line == f"relinkd-fakeapi listening on http://127.0.0.1:{port}\n"
    return Fake(proc, port)


def stop_fake(fake):
    if fake.proc.poll() is None:
        fake.proc.terminate()
        fake.proc.wait(timeout=5)


@pytest.fixture(scope="module")
def fake_server(tmp_path_factory):
    fake = start_fake(tmp_path_factory.mktemp("fakeapi"))
    yield fake
    stop_fake(fake)
    assert fake.proc.returncode == 0


@pytest.fixture
def fake(fake_server):
    fake_server.control("POST", "/_fake/reset")
    return fake_server


def test_tenant_info_answers_the_cloud_id_without_auth(fake):
    assert fake.api("GET", "/_edge/tenant_info", auth=None) == (200, {"cloudId": "fake-cloud-id"})
    fake.control("POST", "/_fake/config", {"cloudId": "cloud-42"})
    assert fake.api("GET", "/_edge/tenant_info", auth=None) == (200, {"cloudId": "cloud-42"})


def test_tenants_answer_by_host_or_path_prefix(fake):
    fake.control("POST", "/_fake/config", {"tenants": {"s1.sites.test": "cid-1", "/s2": "cid-2"}})
    assert fake.api("GET", "/s2/_edge/tenant_info", auth=None) == (200, {"cloudId": "cid-2"})
    assert fake.api("GET", "/s3/_edge/tenant_info", auth=None)[0] == 404
    assert fake.api("GET", "/_edge/tenant_info", auth=None) == (200, {"cloudId": "fake-cloud-id"})
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
    connection.request("GET", "/_edge/tenant_info", headers={"Host": f"s1.sites.test:{fake.port}"})
    response = connection.getresponse()
    assert (response.status, json.loads(response.read())) == (200, {"cloudId": "cid-1"})
    connection.close()
    status, _, text = fake.call("POST", "/_fake/config", {"tenants": {"/s4": ""}})
    assert status == 400 and "tenants" in text


def test_date_header_is_shifted_by_date_offset(fake):
    def offset_s():
        _, headers, _ = fake.call("GET", "/_edge/tenant_info")
        from email.utils import parsedate_to_datetime
        return parsedate_to_datetime(headers["Date"]).timestamp() - time.time()

    assert abs(offset_s()) < 5
    fake.control("POST", "/_fake/config", {"dateOffsetMs": -2 * 3600 * 1000})
    assert abs(offset_s() + 7200) < 5
    status, _, text = fake.call("POST", "/_fake/config", {"dateOffsetMs": "soon"})
    assert status == 400 and "dateOffsetMs" in text


@pytest.mark.parametrize("auth", [None, basic_auth(token="wrong"), basic_auth(email="x@y"),
                                  "Bearer " + TOKEN])
def test_bad_credentials_get_401(fake, auth):
    status, answer = fake.api("POST", "/links/v1/site-1/jobs/cma", GOOD_BODY, auth=auth)
    assert status == 401, answer
    assert answer["errorMessage"] == "Unauthorized; scope does not match"
    assert answer["id"]
    status, _ = fake.api("GET", "/links/v1/site-1/jobs/status/whatever", auth=auth)
    assert status == 401
    assert fake.control("GET", "/_fake/jobs") == []


def test_changed_credentials_are_checked(fake):
    fake.control("POST", "/_fake/config", {"email": "ops@example.com", "token": "t2"})
    assert fake.api("POST", "/links/v1/s/jobs/cma", GOOD_BODY)[0] == 401
    assert fake.api("POST", "/links/v1/s/jobs/cma", GOOD_BODY,
                    auth=basic_auth("ops@example.com", "t2"))[0] == 200


@pytest.mark.parametrize("change, problem", [
    ({"product": "JIRA"}, "product"),
    ({"product": "bitbucket"}, "product"),
    ({"recreateAsRemote": "true"}, "recreateAsRemote"),
    ({"createBackup": 1}, "createBackup"),
    ({"migratedFromOverride": None}, "migratedFromOverride"),
    ({"productURL": None}, "productURL"),
    ({"extra": "x"}, "extra"),
])
def test_bad_body_gets_400_naming_the_field(fake, change, problem):
    body = {**GOOD_BODY, **change}
    status, answer = fake.api("POST", "/links/v1/site-1/jobs/cma", body)
    assert status == 400, answer
    assert answer["errorMessage"] == "Validation failed"
    assert any(problem in error for error in answer["errors"]), answer
    assert fake.control("GET", "/_fake/jobs") == []


def test_missing_field_and_non_object_get_400(fake):
    body = dict(GOOD_BODY)
    del body["destinationURL"]
    status, answer = fake.api("POST", "/links/v1/s/jobs/cma", body)
    assert status == 400 and "destinationURL is required" in answer["errors"]
    assert fake.api("POST", "/links/v1/s/jobs/cma", [1, 2])[0] == 400
    status, _, _ = fake.call("POST", "/links/v1/s/jobs/cma", "{not json", basic_auth(),
                             "application/json")
    assert status == 400


def test_wrong_content_type_gets_415(fake):
    status, _, _ = fake.call("POST", "/links/v1/s/jobs/cma", GOOD_BODY, basic_auth(), "text/plain")
    assert status == 415


def test_any_product_case_accepts_upper_case(fake):
    fake.control("POST", "/_fake/config", {"acceptProductCase": "any"})
    fake.submit(body={**GOOD_BODY, "product": "CONFLUENCE"})


def test_job_progresses_to_complete(fake):
    job_id = fake.submit("site-1")
    assert uuid.UUID(job_id).version == 4
    assert fake.submit("site-1") != job_id
    seen = [fake.poll(job_id) for _ in range(4)]
    assert seen == [(200, {"status": s}) for s in ["PENDING", "IN_PROGRESS", "COMPLETE", "COMPLETE"]]
    status, answer = fake.poll(job_id, site="site-2")
    assert status == 404 and answer["errorMessage"] == f"Job not found with ID: {job_id}"
    assert fake.poll("no-such-job")[0] == 404
    jobs = fake.control("GET", "/_fake/jobs")
    assert [(j["uuid"], j["siteId"], j["polls"], j["status"]) for j in jobs[:1]] == [
        (job_id, "site-1", 4, "COMPLETE")]
    assert jobs[0]["body"] == GOOD_BODY


def test_status_case_field_and_statuses_are_configurable(fake):
    fake.control("POST", "/_fake/config", {"statusCase": "title", "statusField": "state",
                                           "statuses": ["PENDING", "Backup", "Error"]})
    job_id = fake.submit()
    assert [fake.poll(job_id)[1] for _ in range(4)] == [
        {"state": "Pending"}, {"state": "Backup"}, {"state": "Error"}, {"state": "Error"}]


def test_site_scripts_give_each_submission_its_progression(fake):
    fake.control("POST", "/_fake/config",
                 {"siteScripts": {"site-x": [["Pending", "Error"], ["In_progress", "Complete"]]}})
    first, second, third = (fake.submit("site-x") for _ in range(3))
    assert [fake.poll(first, "site-x")[1]["status"] for _ in range(3)] == [
        "PENDING", "ERROR", "ERROR"]
    for later in (second, third):
        assert [fake.poll(later, "site-x")[1]["status"] for _ in range(2)] == [
            "IN_PROGRESS", "COMPLETE"]
    other = fake.submit("site-y")
    assert fake.poll(other, "site-y")[1] == {"status": "PENDING"}


def test_bad_control_bodies_get_400(fake):
    for path, body in [("/_fake/config", {"statusCase": "lower"}),
                       ("/_fake/config", {"statuses": []}),
                       ("/_fake/config", {"unknown": 1}),
                       ("/_fake/faults", [{"action": "explode"}]),
                       ("/_fake/faults", {"action": "reset"})]:
        status, _, text = fake.call("POST", path, body)
        assert status == 400 and json.loads(text)["ok"] is False, (path, body, text)


def test_status_fault_answers_with_its_headers_then_is_used_up(fake):
    fake.control("POST", "/_fake/faults", [{"method": "POST", "pathContains": "/jobs/cma",
                                            "action": "status", "status": 429,
                                            "headers": {"Retry-After": "7"}}])
    # A GET does not match; it is answered normally.
    assert fake.api("GET", "/_edge/tenant_info")[0] == 200
    status, headers, text = fake.call("POST", "/links/v1/s/jobs/cma", GOOD_BODY, None,
                                      "application/json")
    assert (status, headers["Retry-After"]) == (429, "7")
    assert json.loads(text) == {"status": 429, "errorMessage": "fake fault 429"}
    fake.submit("s")
    assert [(r["status"], r["fault"]) for r in fake.requests()] == [
        (200, None), (429, "status"), (200, None)]


def test_fault_for_ever_until_deleted(fake):
    fake.control("POST", "/_fake/faults", [{"action": "status", "status": 503, "times": -1,
                                            "body": "down"}])
    for _ in range(3):
        assert fake.call("GET", "/_edge/tenant_info")[0::2] == (503, "down")
    fake.control("DELETE", "/_fake/faults")
    assert fake.call("GET", "/_edge/tenant_info")[0] == 200


REQUEST = b"GET /_edge/tenant_info HTTP/1.1\r\nHost: fake\r\n\r\n"


def test_reset_fault_resets_the_connection(fake):
    fake.control("POST", "/_fake/faults", [{"action": "reset", "times": 2}])
    with pytest.raises(ConnectionResetError):
        raw_exchange(fake.port, REQUEST)
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        fake.call("GET", "/_edge/tenant_info")
    assert [(r["status"], r["fault"]) for r in fake.requests()] == [(0, "reset"), (0, "reset")]


def test_close_fault_closes_without_answering(fake):
    fake.control("POST", "/_fake/faults", [{"action": "close", "times": 2}])
    assert raw_exchange(fake.port, REQUEST) == b""
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        fake.call("GET", "/_edge/tenant_info")
    assert fake.call("GET", "/_edge/tenant_info")[0] == 200


def test_truncate_fault_sends_less_than_announced(fake):
    fake.control("POST", "/_fake/faults", [{"action": "truncate", "body": '{"status":"COMPLETE"}'}])
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
    connection.request("GET", "/_edge/tenant_info")
    response = connection.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert caught.value.partial == b'{"status":"COMPLETE"}'


def test_stall_holds_one_request_while_others_are_served(fake):
    fake.control("POST", "/_fake/faults", [{"pathContains": "jobs/cma", "action": "stall",
                                            "stallMs": 1500}])
    outcome = {}

    def stalled():
        started = time.monotonic()
        try:
            outcome["result"] = fake.call("POST", "/links/v1/s/jobs/cma", GOOD_BODY, basic_auth(),
                                          "application/json")
        except (urllib.error.URLError, ConnectionError) as error:
            outcome["result"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=stalled)
    thread.start()
    wait_until(lambda: any(r["path"].endswith("/jobs/cma") for r in fake.requests()), 5,
               lambda: f"the stalled POST in the fake's request log: {fake.requests()}")
    assert fake.api("GET", "/_edge/tenant_info")[0] == 200
    assert "result" not in outcome
    thread.join(10)
    assert isinstance(outcome["result"], (urllib.error.URLError, ConnectionError))
    assert 1.2 < outcome["seconds"] < 5


def test_request_log_keeps_credentials_body_and_answer(fake):
    job_id = fake.submit("site-1")
    fake.poll(job_id, "site-1")
    fake.call("POST", "/links/v1/site-1/jobs/cma", '{"product":1}', "Basic Zm9vOmJhcg==",
              "application/json; charset=utf-8")
    log = fake.requests()
    assert [r["seq"] for r in log] == [1, 2, 3]
    assert all(r["at"] > 1_600_000_000_000 for r in log)
    first, second, third = log
    assert (first["method"], first["path"], first["status"], first["fault"]) == (
        "POST", "/links/v1/site-1/jobs/cma", 200, None)
    assert first["authorization"] == basic_auth()
    assert first["contentType"] == "application/json"
    assert json.loads(first["body"]) == GOOD_BODY
    assert (second["method"], second["path"], second["status"]) == (
        "GET", f"/links/v1/site-1/jobs/status/{job_id}", 200)
    assert (second["contentType"], second["body"]) == (None, "")
    assert (third["authorization"], third["body"], third["status"]) == (
        "Basic Zm9vOmJhcg==", '{"product":1}', 401)
    fake.control("POST", "/_fake/reset")
    assert fake.requests() == [] and fake.control("GET", "/_fake/jobs") == []


def test_sigterm_ends_a_stalled_request_and_exits(tmp_path):
    fake = start_fake(tmp_path)
    try:
        fake.control("POST", "/_fake/faults", [{"action": "stall"}])
        sock = socket.create_connection(("127.0.0.1", fake.port), timeout=10)
        sock.sendall(REQUEST)
        wait_until(fake.requests, 5, lambda: "the stalled request to be recorded")
        started = time.monotonic()
        fake.proc.send_signal(signal.SIGTERM)
        assert fake.proc.wait(timeout=5) == 0
        assert time.monotonic() - started < 1.5
        assert sock.recv(100) == b""
        sock.close()
    finally:
        stop_fake(fake)
