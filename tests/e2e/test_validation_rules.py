"""Issue 19's validation rules through the real binaries: a job with
recreateAsRemote whose two URLs name one site, a migratedAt more than 1 h
ahead, a plan that lists one site twice, and a JSON syntax error with its
line and column; seen in `relinkctl validate` and, from a running relinkd,
in the job's lastError (`relinkctl show --json`). And relinkd.properties'
problems, all at once with their lines, from relinkd (exit 78) and relinkctl."""

import datetime
import json
import subprocess

import pytest

from conftest import EX_CONFIG, RELINKD, clean_env, now_utc, rfc3339, write_bytes, write_job

IN_3_HOURS = now_utc() + datetime.timedelta(hours=3)
IN_30_MINUTES = now_utc() + datetime.timedelta(minutes=30)


def plan(sites, **extra):
    return {"sites": sites, "migratedFrom": "https://jira.acme.example",
            "migratedAt": rfc3339(now_utc() - datetime.timedelta(days=1)), **extra}


def future_problem(when):
    # relinkd writes times in UTC, to the millisecond when there are any.
    shown = when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return (f"migratedAt: {shown}", "is more than 1 h in the future; it says when the migration finished, "
            "so the migration must have finished (1 h is allowed for clock skew)")


SAME_SITE = ("destinationURL: names the same site as productURL (acme-eu.atlassian.net:443); with "
             "recreateAsRemote the links would point at the site that holds them: destinationURL must be "
             "another site")
SYNTAX = "file: is not valid JSON: line 3, column 3: expected ',' or '}' after a value"
BAD_JSON = b'{\n  "productURL": "https://acme-eu.atlassian.net"\n  "destinationURL": "https://acme-us.atlassian.net"\n}\n'


def drop_bad_files(jobs_dir):
    write_job(jobs_dir, "same-site", destinationURL="HTTPS://Acme-EU.atlassian.net:443/jira/")
    write_job(jobs_dir, "future", migratedAt=rfc3339(IN_3_HOURS))
    write_bytes(jobs_dir, "syntax.json", BAD_JSON)
    write_bytes(jobs_dir, "twice.plan.json", json.dumps(
        plan(["https://acme-eu.atlassian.net", "https://acme-us.atlassian.net", "https://ACME-EU.atlassian.net/"])
    ).encode())
    write_bytes(jobs_dir, "ahead.plan.json", json.dumps(
        plan(["https://acme-eu.atlassian.net", "https://acme-us.atlassian.net"], migratedAt=rfc3339(IN_3_HOURS))
    ).encode())


PLAN_TWICE = ("sites[2]: https://ACME-EU.atlassian.net/ and https://acme-eu.atlassian.net (sites[0]) are the "
              "same site (host acme-eu.atlassian.net); the jobs between them would link a site to itself: "
              "list each site once")


@pytest.fixture
def ctl_only(daemon):
    return daemon(fake=False, start=False)


def test_validate_names_each_new_problem(ctl_only):
    d = ctl_only
    drop_bad_files(d.jobs_dir)
    for name, expected in [("same-site.json", [SAME_SITE]), ("syntax.json", [SYNTAX]),
                           ("twice.plan.json", [PLAN_TWICE])]:
        path = d.jobs_dir / name
        code, out, err = d.ctl("validate", str(path))
        assert code == 1, (name, out, err)
        assert out.splitlines() == [f"{path}: {line}" for line in expected], (name, out, err)
    for name in ("future.json", "ahead.plan.json"):
        path = d.jobs_dir / name
        code, out, err = d.ctl("validate", str(path))
        start, rest = future_problem(IN_3_HOURS)
        assert code == 1 and out.startswith(f"{path}: {start}") and rest in out, (name, out, err)
        assert len(out.splitlines()) == 1, out


def test_validate_accepts_what_the_rules_allow(ctl_only):
    d = ctl_only
    # 30 min ahead is within the 1 h for skew; another port is another site;
    # without recreateAsRemote the same site on both sides is not refused.
    write_job(d.jobs_dir, "skewed", migratedAt=rfc3339(IN_30_MINUTES))
    write_job(d.jobs_dir, "port", destinationURL="https://acme-eu.atlassian.net:8443")
    write_job(d.jobs_dir, "local", recreateAsRemote=None, migratedAt=None,
              destinationURL="https://acme-eu.atlassian.net/")
    paths = [str(d.jobs_dir / f"{n}.json") for n in ("skewed", "port", "local")]
    code, out, err = d.ctl("validate", *paths)
    assert code == 0, out + err
    assert out.splitlines() == [f"{p}: ok" for p in paths], out


def test_a_running_relinkd_makes_them_invalid_with_the_same_messages(fake, daemon):
    d = daemon()
    drop_bad_files(d.jobs_dir)
    start, rest = future_problem(IN_3_HOURS)
    for name, message in {"same-site": SAME_SITE, "syntax": SYNTAX, "future": start}.items():
        d.wait_state(name, "invalid")
        error = d.show(name)["lastError"]
        assert error.startswith(message) and error.endswith("(fix the file; relinkd reads it again when it changes)"), error
    assert rest in d.show("future")["lastError"]
    # An invalid plan is one invalid job named after it (show PLAN shows the plan).
    assert d.wait_state("twice", "invalid")["lastError"].startswith(PLAN_TWICE)
    error = d.wait_state("ahead", "invalid")["lastError"]
    assert error.startswith(start) and rest in error, error
    assert fake.posts() == [], "a request was sent for an invalid job"


# ---- relinkd.properties: every problem at once, each with its line

def _run_relinkd(d, *args):
    result = subprocess.run([str(RELINKD), "-c", str(d.config_path), *args], capture_output=True, timeout=20,
                            env=clean_env())
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def _bad_config(d):
    good = "".join(f"{key} = {value}\n" for key, value in d.settings.items())
    d.config_path.write_text(good + "relinkd.api.timout = 5s\n"      # +1: a typo
                             "relinkd.Poll.interval = 1s\n"          # +2: the case
                             "relinkd.retry.maxDelay 5s\n"           # +3: no '='
                             "relinkd.api.concurrency = 100\n")      # +4: a bad value
    n = len(d.settings)
    path = str(d.config_path)
    return [f"{path}:{n + 1}: relinkd.api.timout: unknown key; did you mean relinkd.api.timeout?",
            f"{path}:{n + 2}: relinkd.Poll.interval: unknown key; did you mean relinkd.poll.interval? "
            "(keys are case-sensitive)",
            f"{path}:{n + 3}: the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'; did you mean "
            "relinkd.retry.maxDelay = ...?",
            f"{path}:{n + 4}: relinkd.api.concurrency: must be an integer from 1 to 64 (got '100')"]


@pytest.mark.parametrize("args", [("--check-config",), ()], ids=["check-config", "start"])
def test_relinkd_names_every_config_problem_with_its_line_and_exits_78(ctl_only, args):
    expected = _bad_config(ctl_only)
    code, out, err = _run_relinkd(ctl_only, *args)
    assert code == EX_CONFIG, (code, out, err)
    assert err.splitlines() == [f"relinkd: configuration error: {line}" for line in expected], err


def test_read_only_relinkctl_warns_of_the_same_lines_and_goes_on(ctl_only):
    expected = _bad_config(ctl_only)
    code, out, err = ctl_only.ctl("list", "--json")
    assert code == 0 and json.loads(out) == [], (code, out, err)
    for line in expected:
        assert f"warning: configuration: {line} (ignored here" in err, err
    # A command that writes refuses them all, as relinkd does.
    code, out, err = ctl_only.ctl("cancel", "nothing")
    assert code == EX_CONFIG, (code, out, err)
    assert [l for l in err.splitlines() if "configuration error" in l] == \
        [f"relinkctl: configuration error: {line}" for line in expected], err
