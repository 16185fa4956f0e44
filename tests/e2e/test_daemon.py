"""The daemon as a process: configuration checks, signals, sd_notify, the
token's whereabouts and the 401 pause."""

import os
import subprocess
import time

import pytest

from conftest import (EX_CONFIG, RELINKD, basic_auth, clean_env, notify_fields,
                      write_job)


def run_relinkd(d, *args, timeout=20):
    result = subprocess.run([str(RELINKD), "-c", str(d.config_path), *args],
                            capture_output=True, timeout=timeout, env=clean_env())
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    d.ctl_outputs.append((("relinkd",) + args, result.stdout + result.stderr))
    return result.returncode, output


@pytest.fixture
def idle(daemon):
    """A configured, not started daemon whose API is unreachable."""
    return daemon(fake=False, start=False)


def test_check_config_accepts_a_good_configuration(idle):
    code, output = run_relinkd(idle, "--check-config")
    assert code == 0, output


@pytest.mark.parametrize("key,value", [
    ("relinkd.retry.multiplier", "abc"),
    ("relinkd.poll.interval", "soon"),
    ("relinkd.api.timeout", "-5s"),
    ("relinkd.api.concurrency", "0"),
    ("relinkd.api.baseUrl", "not a url"),
    ("relinkd.log.level", "chatty"),
    ("relinkd.api.tokenFile", "/nonexistent/relinkd/api-token"),
])
def test_check_config_rejects_a_bad_value_naming_the_key(idle, key, value):
    code, output = run_relinkd(idle, "--check-config", "-D", f"{key}={value}")
    assert code == EX_CONFIG, f"exit {code}: {output}"
    assert key in output, f"the message does not name {key}: {output}"


def test_check_config_requires_an_email(idle):
    idle.configure({"relinkd.api.email": None})
    code, output = run_relinkd(idle, "--check-config")
    assert code == EX_CONFIG, output
    assert "relinkd.api.email" in output


def test_a_bad_value_stops_the_daemon_with_78(idle):
    idle.configure({"relinkd.retry.multiplier": "abc"})
    code, output = run_relinkd(idle)
    assert code == EX_CONFIG, output
    assert "relinkd.retry.multiplier" in output


def test_version_and_help(idle):
    code, output = run_relinkd(idle, "--version")
    assert code == 0 and output.strip(), output
    code, output = run_relinkd(idle, "--help")
    assert code == 0 and "--check-config" in output, output


def test_notify_protocol_and_sigterm(fake, daemon):
    d = daemon()
    fields = notify_fields(d.notifications())
    assert "READY=1" in fields
    assert any(f.startswith("STATUS=") for f in fields), fields
    write_job(d.jobs_dir, "a")
    d.wait_state("a", "succeeded")
    took = d.stop()
    assert took < 5
    fields = notify_fields(d.notifications())
    assert "STOPPING=1" in fields
    assert fields.index("STOPPING=1") > fields.index("READY=1")


def test_sighup_reloads_with_notifications(fake, daemon):
    d = daemon()
    d.hup()

    def reloaded():
        fields = notify_fields(d.notifications())
        if "RELOADING=1" not in fields:
            return False
        return "READY=1" in fields[fields.index("RELOADING=1"):]

    d.wait_for(reloaded, what="RELOADING=1 followed by READY=1 after SIGHUP")
    # Still working after the reload.
    write_job(d.jobs_dir, "after-reload")
    d.wait_state("after-reload", "succeeded")


def test_sighup_applies_a_new_configuration(make_fake, daemon):
    first = make_fake()
    d = daemon(fake=first)
    write_job(d.jobs_dir, "before")
    d.wait_state("before", "succeeded")

    second = make_fake()
    d.configure({"relinkd.api.baseUrl": second.url})
    d.hup()
    d.wait_for(lambda: notify_fields(d.notifications()).count("READY=1") >= 2,
               what="READY=1 after the reload")
    write_job(d.jobs_dir, "after", siteId="site-b")
    d.wait_state("after", "succeeded")
    assert len(second.posts("site-b")) == 1
    assert first.posts("site-b") == []


def test_sigterm_stops_within_5s_during_a_stalled_request(fake, daemon):
    fake.faults([{"method": "POST", "times": 1, "action": "stall", "stallMs": 60000}])
    d = daemon(overrides={"relinkd.api.timeout": "30s"})
    write_job(d.jobs_dir, "stalled")
    d.wait_for(lambda: _connected_to(d.proc.pid, fake.port),
               what="relinkd to connect to the fake")
    d.stop()  # asserts exit 0 within 5 s

    d.start()
    d.wait_state("stalled", "succeeded")
    assert len([p for p in fake.posts("site-a") if p["status"] == 200]) == 1


def _connected_to(pid, port):
    """True when process pid has an established TCP connection to port."""
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                remote_port = int(cols[2].split(":")[1], 16)
                if remote_port == port and cols[3] == "01" and cols[9] in inodes:
                    return True
    return False


def test_token_is_not_in_the_process_arguments(fake, daemon, secrets):
    d = daemon()
    with open(f"/proc/{d.proc.pid}/cmdline", "rb") as f:
        cmdline = f.read()
    secrets.assert_absent(cmdline, "relinkd's arguments")
    write_job(d.jobs_dir, "a")
    d.wait_state("a", "succeeded")
    with open(f"/proc/{d.proc.pid}/cmdline", "rb") as f:
        secrets.assert_absent(f.read(), "relinkd's arguments")


def test_unauthorized_pauses_until_the_token_file_changes(fake, daemon, secrets):
    new_token = "tok2-" + secrets.token[5:]
    secrets.all.append(new_token)
    fake.config({"token": new_token})
    d = daemon()
    write_job(d.jobs_dir, "locked")
    job = d.wait_state("locked", "paused")
    error = (job["lastError"] or "").lower()
    assert any(w in error for w in ("401", "unauthorized", "credential", "token")), error
    assert len(fake.posts()) == 1, "a 401 is not retried while paused"

    secrets.write_token(new_token)
    d.wait_state("locked", "succeeded")
    assert fake.posts()[-1]["authorization"] == basic_auth(new_token)


def test_unauthorized_pauses_until_sighup(fake, daemon, secrets):
    fake.config({"email": "someone-else@example.com"})
    d = daemon()
    write_job(d.jobs_dir, "locked")
    d.wait_state("locked", "paused")
    posts = len(fake.posts())

    fake.config({"email": "e2e@example.com"})  # the account was fixed upstream
    d.hup()
    d.wait_state("locked", "succeeded")
    assert len(fake.posts()) == posts + 1
    assert fake.posts()[-1]["authorization"] == basic_auth(secrets.token)


def test_daemon_survives_a_restart_loop(fake, daemon):
    d = daemon()
    for i in range(3):
        write_job(d.jobs_dir, f"job{i}", siteId=f"site-{i}")
        d.restart()
    for i in range(3):
        d.wait_state(f"job{i}", "succeeded")
    ready = [f for f in notify_fields(d.notifications()) if f == "READY=1"]
    assert len(ready) >= 4


def test_stop_is_prompt_with_many_running_jobs(fake, daemon):
    fake.config({"statuses": ["Pending"]})
    d = daemon()
    for i in range(10):
        write_job(d.jobs_dir, f"j{i}", siteId=f"site-{i}")
    d.wait_for(lambda: sum(j["state"] == "running" for j in d.jobs()) == 10,
               what="ten running jobs")
    started = time.monotonic()
    d.stop()
    assert time.monotonic() - started < 5


def test_a_token_file_removed_or_emptied_pauses_every_job_until_it_holds_a_token(fake, daemon, secrets):
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    d = daemon()
    write_job(d.jobs_dir, "slow", siteId="site-slow")
    d.wait_state("slow", "running")
    for damage in ("remove", "empty"):
        if damage == "remove":
            secrets.token_file.unlink()
        else:
            secrets.token_file.write_text("\n")
        job = d.wait_state("slow", "paused")
        assert "nothing is sent without credentials" in job["lastError"], job["lastError"]
        assert str(secrets.token_file) in job["lastError"]
        requests = len(fake.requests())
        write_job(d.jobs_dir, f"new-{damage}", siteId="site-a")
        # Paused by a step taken after requests were counted: nothing went out since.
        d.wait_state(f"new-{damage}", "paused")
        assert len(fake.requests()) == requests, "a request went out without a token"
        secrets.write_token(secrets.token)
        d.wait_state("slow", "running")
        d.wait_state(f"new-{damage}", "succeeded")
    assert "nothing is sent without credentials" in d.log()
