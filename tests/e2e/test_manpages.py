"""The manual pages (man/*.in, built into BIN_DIR/man) agree with the
programs: every relinkctl command and option, every relinkd option and
every configuration key is documented, and each page shows the programs'
version. The lists come from the programs' --help, the configuration's key
table (src/config/Config.cpp) and the example configuration, and from
interface.md when it is at hand."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import BIN_DIR, RELINKCTL, RELINKD, clean_env

SOURCE_DIR = Path(__file__).resolve().parents[2]
MAN_DIR = BIN_DIR / "man"
INTERFACE = Path(os.environ.get("RELINKD_INTERFACE_MD", SOURCE_DIR.parent / "shared" / "interface.md"))


def page(name):
    """The page's text as man shows it, without the roff escapes that keep
    hyphens and quotes literal."""
    path = MAN_DIR / name
    assert path.is_file(), f"{path} is missing: build the target manpages"
    text = path.read_text()
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace("\\(dq", '"')
    return text


def words(text):
    """The words of text; "--state=S" is the words "--state" and "S"."""
    return set(re.findall(r"[A-Za-z0-9_.-]+", text))


def output(*args):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          check=True, env=clean_env()).stdout


def relinkctl_synopses():
    """Command -> its synopsis, from the command list of relinkctl --help
    ("  show NAME [--json]      one job with ...")."""
    section = output(RELINKCTL, "--help").split("Commands:\n")[1].split("\n\n")[0]
    synopses = [re.split(r"\s{2,}", line.strip())[0] for line in section.splitlines()]
    return {synopsis.split()[0]: synopsis for synopsis in synopses}


def config_keys():
    """Every key relinkd knows (its key table and the example configuration),
    then those interface.md names that relinkd does not know yet: the page
    cannot document what relinkd does not do, so each of those is expected
    to fail (strictly: documenting it before it is built fails too)."""
    table = (SOURCE_DIR / "src" / "config" / "Config.cpp").read_text()
    known = re.search(r"kKnownKeys\[\] = \{(.*?)\};", table, re.S)[1]
    keys = set(re.findall(r'"(relinkd\.[A-Za-z.]+)"', known))
    example = (SOURCE_DIR / "etc" / "relinkd.properties").read_text()
    keys |= set(re.findall(r"^#?(relinkd\.[A-Za-z.]+) =", example, re.M))
    assert len(keys) > 10, keys
    params = sorted(keys)
    if INTERFACE.is_file():
        named = set(re.findall(r"^\| `(relinkd\.[A-Za-z.]+)` \|", INTERFACE.read_text(), re.M))
        params += [pytest.param(key, marks=pytest.mark.xfail(
                       strict=True, reason=f"interface.md names {key}, which relinkd does not know yet"))
                   for key in sorted(named - keys)]
    return params


@pytest.mark.parametrize("command,synopsis", relinkctl_synopses().items())
def test_relinkctl_page_documents_each_command_and_its_options(command, synopsis):
    text = page("relinkctl.8")
    assert re.search(rf"^\.TP\n\.B {re.escape(command)}\b", text, re.M), \
        f"relinkctl.8 has no item for the command {command}"
    for option in re.findall(r"--[a-z-]+", synopsis):
        assert option in words(text), f"relinkctl.8 lacks {option} of {command} ({synopsis})"


def test_relinkctl_page_documents_the_common_options_and_exit_codes():
    text = words(page("relinkctl.8"))
    help_text = output(RELINKCTL, "--help")
    for option in re.findall(r"(?<![\w-])(-[A-Za-z]|--[a-z-]+)", help_text.split("Common options:")[1]):
        assert option in text, f"relinkctl.8 lacks the common option {option}"
    for code in re.findall(r"exits (\d+)|and (\d+) for", help_text):
        assert (code[0] or code[1]) in text


def test_relinkctl_page_documents_the_json_keys_of_interface_md():
    if not INTERFACE.is_file():
        pytest.skip(f"{INTERFACE} is not here")
    section = INTERFACE.read_text().split("## `relinkctl`")[1].split("\n## ")[0]
    keys = set(re.findall(r'`"?([a-z][A-Za-z]+)"?`', section.split("A job in `--json`")[1]))
    missing = sorted(k for k in keys if k not in words(page("relinkctl.8")))
    assert missing == [], f"relinkctl.8 lacks the JSON keys {missing}"


def test_relinkd_page_documents_each_option():
    text = words(page("relinkd.8"))
    for option in re.findall(r"(?<![\w-])(-[A-Za-z]|--[a-z-]+)", output(RELINKD, "--help")):
        assert option in text, f"relinkd.8 lacks the option {option}"


@pytest.mark.parametrize("key", config_keys())
def test_properties_page_documents_each_key(key):
    assert re.search(rf"^\.TP\n\.B {re.escape(key)}\n", page("relinkd.properties.5"), re.M), \
        f"relinkd.properties.5 has no item for {key}"


def test_properties_page_documents_each_state():
    help_text = " ".join(output(RELINKCTL, "help", "list").split())
    states = re.search(r"--state=S only jobs in state S \(([^)]*)\)", help_text)[1].split(", ")
    text = page("relinkd.properties.5").split(".SH STATES")[1]
    for state in states:
        assert re.search(rf"^\.B {state}$", text, re.M), f"relinkd.properties.5 lacks the state {state}"


@pytest.mark.parametrize("name", ["relinkd.8", "relinkctl.8", "relinkd.properties.5"])
def test_each_page_shows_the_programs_version(name):
    version = output(RELINKD, "--version").split()[1]
    assert output(RELINKCTL, "--version").split()[1] == version
    header = next(line for line in page(name).splitlines() if line.startswith(".TH "))
    assert f'"relinkd {version}"' in header, header
