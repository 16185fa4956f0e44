"""The bash completion of relinkctl (packaging/bash-completion/relinkctl),
sourced into a non-interactive bash and called as readline would call it.
Bash splits "--state=" into "--state" "=" (= is in COMP_WORDBREAKS), so
the words below are split that way. The expected commands and states come
from relinkctl's own help, the job names from a real daemon's database."""

import re
import subprocess
import time
from pathlib import Path

from conftest import BIN_DIR, RELINKCTL, clean_env, write_job

SOURCE_DIR = Path(__file__).resolve().parents[2]
COMPLETION = SOURCE_DIR / "packaging" / "bash-completion" / "relinkctl"
TIMEOUT_S = 10


def complete(*words, cwd=None):
    """The candidates _relinkctl offers for the command line `words`, whose
    last word is the one being completed; and how long that took."""
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              '_relinkctl; printf "%s\\n" "${COMPREPLY[@]}"')
    started = time.monotonic()
    result = subprocess.run(["bash", "-c", script, "bash", str(COMPLETION), *words],
                            capture_output=True, text=True, timeout=TIMEOUT_S, cwd=cwd,
                            env=clean_env(PATH=f"{BIN_DIR}:/usr/bin:/bin"))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", f"the completion of {words} wrote to stderr: {result.stderr}"
    return sorted(filter(None, result.stdout.split("\n"))), elapsed


def help_text(*args):
    return subprocess.run([str(RELINKCTL), *args], capture_output=True, text=True,
                          check=True, env=clean_env()).stdout


def commands_in_help():
    section = help_text("--help").split("Commands:\n")[1].split("\n\n")[0]
    return sorted(line.split()[0] for line in section.splitlines())


def states_in_help():
    text = " ".join(help_text("help", "list").split())
    return sorted(re.search(r"--state=S only jobs in state S \(([^)]*)\)", text)[1].split(", "))


def test_first_word_is_every_command():
    assert complete("relinkctl", "")[0] == commands_in_help()
    assert complete("relinkctl", "sh")[0] == ["show"]


def test_state_values_are_every_state():
    assert complete("relinkctl", "list", "--state", "=")[0] == states_in_help()
    assert complete("relinkctl", "list", "--state", "=", "fa")[0] == ["failed"]


def test_options_of_a_command_are_those_of_its_synopsis():
    for command in commands_in_help():
        if command == "help":
            continue
        synopsis = help_text("help", command).splitlines()[0]
        own = set(re.findall(r"--[a-z-]+=?", synopsis))
        offered = set(complete("relinkctl", command, "--")[0])
        assert own <= offered, f"{command}: {synopsis!r}, completion offers {sorted(offered)}"
        assert {"--config=", "--help"} <= offered


def test_job_names_come_from_the_database_of_the_config_given(daemon):
    d = daemon(fake=False)
    names = ["acme-eu", "acme-us", "globex.x"]
    for name in names:
        write_job(d.jobs_dir, name)
    d.wait_for(lambda: {j["name"] for j in d.jobs()} >= set(names), what="the jobs to be listed")
    d.stop()  # relinkctl reads the database whether the daemon runs or not

    assert complete("relinkctl", "-c", str(d.config_path), "show", "")[0] == names
    assert complete("relinkctl", "--config", "=", str(d.config_path), "retry", "acme-")[0] == \
        ["acme-eu", "acme-us"]


def test_no_database_means_no_candidates_quietly(tmp_path):
    config = tmp_path / "relinkd.properties"
    config.write_text(f"relinkd.state.dir = {tmp_path / 'missing'}\n")
    candidates, elapsed = complete("relinkctl", "-c", str(config), "show", "")
    assert candidates == []
    assert elapsed < 2, f"completing took {elapsed:.1f}s"
