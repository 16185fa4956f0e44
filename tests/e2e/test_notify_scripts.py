"""The ready-made notification commands of etc/notify/, run by the real
daemon (webhook) or as relinkd runs them (mail, with a stand-in sendmail)."""

import http.server
import json
import subprocess
import threading
from pathlib import Path

from conftest import clean_env, write_job

NOTIFY = Path(__file__).resolve().parents[2] / "etc" / "notify"


class Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append((self.headers["Content-Type"], json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_the_webhook_command_posts_one_text_message_per_finished_job(fake, daemon):
    Hook.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        d = daemon(overrides={"relinkd.notify.command": f"{NOTIFY / 'webhook'} {url}"})
        write_job(d.jobs_dir, "eu", siteId="site-a")
        d.wait_state("eu", "succeeded")
        d.wait_for(lambda: len(Hook.received) == 1, what="the webhook's message")
    finally:
        server.shutdown()
    content_type, message = Hook.received[0]
    assert content_type == "application/json"
    assert set(message) == {"text"}
    assert message["text"].startswith("relinkd: job eu succeeded (remote job ")
    assert d.show("eu")["notificationOwed"] is False


def test_the_mail_command_sends_the_summary_and_the_last_error(tmp_path):
    captured = tmp_path / "mail.txt"
    sendmail = tmp_path / "sendmail"
    sendmail.write_text(f"#!/bin/sh\necho \"$@\" > {captured}.args\ncat > {captured}\n")
    sendmail.chmod(0o755)
    job = {"name": "acme.eu.us", "plan": "acme", "state": "failed", "attempts": 3,
           "lastError": "HTTP 403: You are not an organization admin", "updatedAt": "2026-12-02T10:00:00Z",
           "spec": {"productURL": "https://eu.example", "destinationURL": "https://us.example"}}
    env = clean_env(RELINKD_JOB="acme.eu.us", RELINKD_STATE="failed", RELINKD_EVENT="final")
    done = subprocess.run([str(NOTIFY / "mail"), f"--sendmail={sendmail}", "ops@example.com"],
                          input=json.dumps(job).encode(), env=env, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    text = captured.read_text()
    assert "Subject: relinkd: job acme.eu.us (plan acme) ended failed" in text
    assert "To: ops@example.com" in text
    assert "Last error: HTTP 403: You are not an organization admin" in text
    assert "relinkctl retry acme.eu.us" in text
    assert Path(f"{captured}.args").read_text().split() == ["-oi", "--", "ops@example.com"]

    failing = tmp_path / "failing-sendmail"
    failing.write_text("#!/bin/sh\necho 'no relay' >&2\nexit 75\n")
    failing.chmod(0o755)
    done = subprocess.run([str(NOTIFY / "mail"), f"--sendmail={failing}", "ops@example.com"],
                          input=json.dumps(job).encode(), env=env, capture_output=True, timeout=30)
    assert done.returncode == 75 and b"no relay" in done.stderr
    usage = subprocess.run([str(NOTIFY / "mail")], input=b"{}", env=env, capture_output=True, timeout=30)
    assert usage.returncode == 2
