"""Notifications that reach people, through the real daemon and the fake
API (issue 18): a failing command retried until it succeeds, with what is
owed in /metrics; one `paused` notification for a rejected token, not one
per job; one plan-final for a removed plan, not one per job; and the
bundled webhook command's message for it."""

import http.server
import json
import subprocess
import threading
from pathlib import Path

from conftest import clean_env, write_job
from test_http import free_port, http_request
from test_notify_command import Recorder, notify_daemon
from test_plans import APAC, EU, US, names, plan_spec, site_id, write_plan

NOTIFY = Path(__file__).resolve().parents[2] / "etc" / "notify"

FAILING = """#!/bin/sh
# Fails while {out}/failures holds a number above 0 (counting it down), then records.
out={out}
n=$(cat "$out/failures" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$out/failures"; echo "webhook down" >&2; exit 1; fi
cat > "$out/$(date +%s%N).json"
"""


def events(received):
    return [env.get("RELINKD_EVENT") for _, env, _ in received]


def owed_metric(port):
    for line in http_request(port, "/metrics").text.splitlines():
        if line.startswith("relinkd_notifications_owed "):
            return int(line.split()[1])
    raise AssertionError("/metrics has no relinkd_notifications_owed")


def test_a_failing_command_is_retried_until_it_succeeds_and_metrics_show_it_owed(fake, daemon, tmp_path):
    out = tmp_path / "notified"
    out.mkdir()
    command = out / "notify"
    command.write_text(FAILING.format(out=out))
    command.chmod(0o755)
    (out / "failures").write_text("2")
    port = free_port()
    d = daemon(overrides={"relinkd.notify.command": str(command), "relinkd.http.listen": f"127.0.0.1:{port}"})
    assert owed_metric(port) == 0
    write_job(d.jobs_dir, "eu", siteId="site-a")
    d.wait_state("eu", "succeeded")
    d.wait_for(lambda: d.show("eu")["notifications"][0]["attempts"] >= 1, what="the first run, failed")
    d.wait_for(lambda: owed_metric(port) == 1, what="relinkd_notifications_owed 1")
    assert "webhook down" in d.show("eu")["notifications"][0]["lastError"]
    d.wait_for(lambda: "trying again in 10s" in d.log(), what="the warning with the backoff")
    warning = next(line for line in d.log().splitlines() if "trying again in 10s" in line)
    assert "job eu: notification (final, succeeded) not sent" in warning
    assert "retried until it succeeds" in warning
    # 10 s, then 20 s later: delivered at the third run; nothing is given up.
    d.wait_for(lambda: d.show("eu")["notificationOwed"] is False, timeout=60, what="the third run, delivered")
    assert d.show("eu")["notifications"][0]["attempts"] == 3
    assert len(list(out.glob("*.json"))) == 1
    assert "gave up" not in d.log()
    d.wait_for(lambda: owed_metric(port) == 0, what="relinkd_notifications_owed 0")


def test_a_rejected_token_sends_one_paused_notification_naming_every_paused_job(fake, daemon, tmp_path, secrets):
    recorder = Recorder(tmp_path / "notified")
    new_token = "tok2-" + secrets.token[5:]
    secrets.all.append(new_token)
    fake.config({"token": new_token})  # the current token is rejected: 401
    d = notify_daemon(daemon, recorder, **{"relinkd.api.concurrency": "1"})
    for name in ("a", "b", "c"):
        write_job(d.jobs_dir, name, siteId="site-a")
    for name in ("a", "b", "c"):
        d.wait_state(name, "paused")
    d.wait_for(lambda: "paused" in events(recorder.received()), what="the paused notification")
    notice, env, path = next(r for r in recorder.received() if r[1].get("RELINKD_EVENT") == "paused")
    assert "RELINKD_JOB" not in env and "RELINKD_PLAN" not in env
    assert env["RELINKD_STATE"] == "paused"
    assert notice["event"] == "paused"
    assert notice["jobs"] == ["a", "b", "c"]
    assert "the API rejected the credentials" in notice["reason"]
    secrets.assert_absent(path.read_bytes(), "the paused notification's input")

    # Resumed with the new token: the three final notifications come after
    # any other paused one would have (they are delivered in the order owed).
    secrets.write_token(new_token)
    for name in ("a", "b", "c"):
        d.wait_state(name, "succeeded")
    d.wait_for(lambda: events(recorder.received()).count("final") == 3, what="three final notifications")
    assert events(recorder.received()).count("paused") == 1, events(recorder.received())


class Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - http.server's name
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def webhook_text(notice, env):
    """What the bundled webhook command posts for this input and environment."""
    Hook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        done = subprocess.run([str(NOTIFY / "webhook"), f"http://127.0.0.1:{server.server_address[1]}/hook"],
                              input=json.dumps(notice).encode(), env=clean_env(**env), capture_output=True,
                              timeout=30)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert len(Hook.received) == 1
    return Hook.received[0]["text"]


def test_removing_a_three_site_plan_sends_one_plan_final_and_the_webhook_says_it_in_one_message(
        fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    fake.config({"siteScripts": {site_id(US): [["Pending"]]}})  # acme-us's jobs keep running
    fake.faults([{"method": "POST", "pathContains": f"/{site_id(APAC)}/", "times": -1, "action": "status",
                  "status": 403, "body": '{"status":403,"errorMessage":"You are not an organization admin"}'}])
    d = notify_daemon(daemon, recorder, **{"relinkd.api.concurrency": "8"})
    write_plan(d, "acme", plan_spec([EU, US, APAC]))
    for name in ("acme.acme-eu.acme-us", "acme.acme-eu.acme-apac"):
        d.wait_state(name, "succeeded")
    for name in ("acme.acme-apac.acme-eu", "acme.acme-apac.acme-us"):
        d.wait_state(name, "failed")
    for name in ("acme.acme-us.acme-eu", "acme.acme-us.acme-apac"):
        d.wait_state(name, "running")
    assert recorder.received() == []  # no job of the plan is announced on its own
    (d.jobs_dir / "acme.plan.json").unlink()
    d.wait_state("acme.acme-us.acme-eu", "cancelled")
    d.wait_for(lambda: "plan-final" in events(recorder.received()), what="the plan-final notification")
    plan, env, _ = next(r for r in recorder.received() if r[1].get("RELINKD_EVENT") == "plan-final")
    assert env["RELINKD_PLAN"] == "acme" and env["RELINKD_STATE"] == "" and "RELINKD_JOB" not in env
    assert plan == d.show("acme")  # the relinkctl show PLAN --json object
    assert sorted(j["state"] for j in plan["formerJobs"]) == ["cancelled"] * 2 + ["failed"] * 2 + ["succeeded"] * 2

    write_job(d.jobs_dir, "probe", siteId="site-a")  # delivered after anything owed before it
    d.wait_for(lambda: "final" in events(recorder.received()), what="the probe's notification")
    assert events(recorder.received()) == ["plan-final", "final"], events(recorder.received())

    text = webhook_text(plan, {k: v for k, v in env.items() if k.startswith("RELINKD_")})
    lines = text.splitlines()
    assert lines[0] == "relinkd: plan acme finished: 2 succeeded, 2 failed, 2 cancelled"
    assert "Window closes: " in text
    assert "acme.acme-apac.acme-eu: failed: " in text and "You are not an organization admin" in text
    assert "relinkctl retry --plan=acme --state=failed" in text
    assert "acme.acme-eu.acme-us: succeeded" not in text  # only those that did not succeed are listed


def test_the_bundled_commands_say_what_a_pause_means_and_what_to_do(tmp_path):
    notice = {"event": "paused", "reason": "the API rejected the credentials (HTTP 401: Unauthorized); check "
              "relinkd.api.email and the token file", "jobs": ["acme.eu.us", "acme.us.eu", "solo"]}
    text = webhook_text(notice, {"RELINKD_EVENT": "paused", "RELINKD_STATE": "paused"})
    assert text.splitlines()[0] == "relinkd: the API rejected the credentials; 3 jobs paused"
    assert "HTTP 401: Unauthorized" in text
    assert "token file" in text and "relinkd.api.tokenFile" in text
    assert "acme.eu.us, acme.us.eu, solo" in text

    captured = tmp_path / "mail.txt"
    sendmail = tmp_path / "sendmail"
    sendmail.write_text(f"#!/bin/sh\ncat > {captured}\n")
    sendmail.chmod(0o755)
    done = subprocess.run([str(NOTIFY / "mail"), f"--sendmail={sendmail}", "ops@example.com"],
                          input=json.dumps(notice).encode(),
                          env=clean_env(RELINKD_EVENT="paused", RELINKD_STATE="paused"), capture_output=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert "Subject: relinkd: the API rejected the credentials; 3 jobs paused" in captured.read_text()


def delivered_before_a_probe(d, recorder):
    """Every event owed so far, once a job written now has been announced
    (notifications are delivered in the order owed)."""
    write_job(d.jobs_dir, "probe", siteId="site-a")
    d.wait_for(lambda: events(recorder.received())[-1:] == ["final"] and
               any(env.get("RELINKD_JOB") == "probe" for _, env, _ in recorder.received()),
               what="the probe's notification")
    ev = events(recorder.received())
    assert ev[-1] == "final"
    return ev[:-1]


def test_relinkctl_cancel_plan_sends_one_plan_final_not_one_final_per_job(fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    fake.config({"siteScripts": {site_id(s): [["Pending"]] for s in (EU, US, APAC)}})
    d = notify_daemon(daemon, recorder, **{"relinkd.api.concurrency": "8"})
    write_plan(d, "acme", plan_spec([EU, US, APAC]))
    for name in names([EU, US, APAC]):
        d.wait_state(name, "running")
    code, out, err = d.ctl("cancel", "--plan=acme")
    assert code == 0, out + err
    d.wait_for(lambda: "plan-final" in events(recorder.received()), what="the plan-final notification")
    assert delivered_before_a_probe(d, recorder) == ["plan-final"]
    plan, env, _ = recorder.received()[0]
    assert env["RELINKD_PLAN"] == "acme" and "RELINKD_JOB" not in env
    assert sorted(j["state"] for j in plan["jobs"]) == ["cancelled"] * 6


def test_cancelling_a_plans_last_unfinished_job_by_name_sends_the_plan_final(fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    fake.config({"siteScripts": {site_id(US): [["Pending"]]}})  # acme-us's job keeps running
    d = notify_daemon(daemon, recorder)
    write_plan(d, "acme", plan_spec([EU, US]))
    d.wait_state("acme.acme-eu.acme-us", "succeeded")
    d.wait_state("acme.acme-us.acme-eu", "running")
    code, out, err = d.ctl("cancel", "acme.acme-us.acme-eu")
    assert code == 0, out + err
    d.wait_for(lambda: "plan-final" in events(recorder.received()), what="the plan-final notification")
    assert delivered_before_a_probe(d, recorder) == ["plan-final"]


def test_with_plan_jobs_each_relinkctl_cancel_plan_announces_every_job_and_no_plan_final(fake, daemon, tmp_path):
    recorder = Recorder(tmp_path / "notified")
    fake.config({"siteScripts": {site_id(s): [["Pending"]] for s in (EU, US)}})
    d = notify_daemon(daemon, recorder, **{"relinkd.notify.planJobs": "each"})
    write_plan(d, "acme", plan_spec([EU, US]))
    for name in names([EU, US]):
        d.wait_state(name, "running")
    code, out, err = d.ctl("cancel", "--plan=acme")
    assert code == 0, out + err
    d.wait_for(lambda: events(recorder.received()).count("final") == 2, what="two final notifications")
    assert delivered_before_a_probe(d, recorder) == ["final", "final"]
    assert sorted(env["RELINKD_JOB"] for _, env, _ in recorder.received()[:2]) == sorted(names([EU, US]))
