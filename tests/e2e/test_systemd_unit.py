"""systemd/relinkd.service: a unit systemd accepts without a warning, and a
sandbox that `systemd-analyze security` rates at an exposure of 1.2 or less.

`systemd-analyze verify` insists that ExecStart= binaries exist, and the unit
names /usr/bin/relinkd, which is there only once the package is installed.
So the test verifies a copy in a temporary directory (same file name, so the
same unit name) whose /usr/bin/relinkd is the freshly built binary; nothing
else changes. (--root=DIR would need a whole systemd tree under DIR:
sysinit.target, /bin/kill, ...) The security review reads the unit file
itself: --offline=true looks at the file, not at a loaded unit.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import RELINKD

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "relinkd.service"
INSTALLED_RELINKD = "/usr/bin/relinkd"
MAX_EXPOSURE = 1.2
TIMEOUT_S = 60

pytestmark = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze not found: install the Debian package systemd")


def analyze(*args, cwd=None):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=TIMEOUT_S, cwd=cwd, stdin=subprocess.DEVNULL)


def unit_settings(text):
    """(key, value) for every setting line of a unit file."""
    settings = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.append((key, value))
    return settings


def test_the_unit_runs_the_installed_daemon_as_the_task_describes():
    settings = unit_settings(UNIT.read_text())
    for expected in [("Type", "notify"),
                     ("ExecStartPre", f"{INSTALLED_RELINKD} --check-config"),
                     ("ExecStart", INSTALLED_RELINKD),
                     ("ExecReload", "/bin/kill -HUP $MAINPID"),
                     ("Restart", "on-failure"),
                     ("WatchdogSec", "60"),
                     # the stop signal for relinkd alone: it ends its notification command itself
                     ("KillMode", "mixed"),
                     ("StateDirectory", "relinkd"),
                     ("ConfigurationDirectory", "relinkd"),
                     ("LoadCredential", "api-token:/etc/relinkd/api-token"),
                     ("DynamicUser", "yes"),
                     ("ProtectSystem", "strict"),
                     ("CapabilityBoundingSet", ""),
                     ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
                     ("WantedBy", "multi-user.target")]:
        assert expected in settings, f"{UNIT} lacks {expected[0]}={expected[1]}"
    assert any(key == "SystemCallFilter" for key, _ in settings), f"{UNIT} has no SystemCallFilter="


def test_systemd_analyze_verify_accepts_the_unit_without_a_warning(tmp_path):
    assert RELINKD.is_file(), f"{RELINKD} is missing: build the relinkd target first"
    text = UNIT.read_text()
    assert INSTALLED_RELINKD in text
    copy = tmp_path / UNIT.name
    copy.write_text(text.replace(INSTALLED_RELINKD, str(RELINKD)))

    result = analyze("verify", str(copy), cwd=tmp_path)

    # verify only warns (exit 0) about unknown keys and bad values: any output
    # at all is a problem.
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or output:
        pytest.fail(f"systemd-analyze verify {UNIT} (with {INSTALLED_RELINKD} -> {RELINKD}) "
                    f"exited {result.returncode}:\n{output}")


def test_systemd_analyze_security_rates_the_sandbox_at_most_1_2():
    result = analyze("security", "--offline=true", str(UNIT))

    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", output)
    assert match, f"no 'Overall exposure level' line (exit {result.returncode}):\n{output}"
    exposure = float(match.group(1))
    assert exposure <= MAX_EXPOSURE, (
        f"{UNIT}: exposure {exposure} is above {MAX_EXPOSURE}; the items marked ✗:\n"
        + "\n".join(line for line in output.splitlines() if "✗" in line))
