"""The README's "Running it by hand" section, run as written.

An operator copies those commands into a terminal; if one of them is wrong
(a key renamed, a fake option gone, an example file moved), they meet it
there. So the test takes the section's shell blocks and inline `curl`
commands out of README.md and runs them, changing only what a test must:
the binaries come from RELINKD_BIN_DIR, the ports are free ones, and the
build step is left out (the binaries are built already).
"""

import re
import socket
import subprocess
from pathlib import Path

from conftest import BIN_DIR, clean_env

REPO = Path(__file__).resolve().parents[2]


def section(text, heading):
    start = text.index("\n## " + heading + "\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else len(text)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def adapt(commands, fake_port, http_port):
    commands = "\n".join(line for line in commands.splitlines() if "scripts/build.sh" not in line)
    commands = commands.replace("build/", str(BIN_DIR) + "/")
    return commands.replace("8089", str(fake_port)).replace("8090", str(http_port))


def test_running_it_by_hand_works_as_written(tmp_path):
    text = section((REPO / "README.md").read_text(), "Running it by hand")
    start, follow = re.findall(r"```sh\n(.*?)```", text, re.S)
    inline = [" ".join(c.split()) for c in re.findall(r"`(curl -X POST [^`]*)`", text, re.S)]
    fault, revoke = inline
    restore = revoke.replace('"revoked"', '"fake-token"')
    fake_port, http_port = free_port(), free_port()
    script = f"""
set -euo pipefail
export TMPDIR={tmp_path}
trap 'kill $(jobs -p) 2>/dev/null || true; wait' EXIT
{adapt(start, fake_port, http_port)}
for _ in $(seq 200); do grep -q ' started: ' "$d/relinkd.log" 2>/dev/null && break; sleep 0.05; done
{adapt(follow, fake_port, http_port)}
echo "== faults"
{adapt(fault, fake_port, http_port)}
echo
{adapt(revoke, fake_port, http_port)}
echo
sed "s/\\"migratedAt\\": *\\"[^\\"]*\\"/\\"migratedAt\\": \\"$(date -u +%FT%TZ)\\"/" \\
  etc/jobs.d/acme.plan.json | sed 's/acme-apac/acme-ap/g' >"$d/jobs.d/acme.plan.json"
for _ in $(seq 400); do ctl list --state=paused | grep -q paused && break; sleep 0.05; done
echo "== paused"
ctl list --state=paused
{adapt(restore, fake_port, http_port)}
echo
kill -HUP %2
ctl wait --timeout=60s
echo "== end"
ctl list --json | python3 -c 'import json,sys; print(sorted(j["state"] for j in json.load(sys.stdin)))'
"""
    run = subprocess.run(["bash", "-c", script], cwd=REPO, env=clean_env(), capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "all 6 jobs succeeded" in out
    assert "relinkd_jobs{" in out
    paused = out.split("== paused", 1)[1].split('{"ok":true}', 1)[0]
    assert "paused" in paused, out
    end = out.split("== end", 1)[1]
    # Moving the plan's third site (acme-apac -> acme-ap) derives 4 new
    # jobs, which the revoked token paused and the restored one let succeed;
    # the 4 old ones naming acme-apac had finished and stay as they were.
    assert end.count("'succeeded'") == 10, out
