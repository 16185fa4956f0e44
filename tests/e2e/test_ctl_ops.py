"""relinkctl as the operator's view and lever on many jobs (issue 18),
through the real binaries: list --wide and the PLAN column, show that cuts
nothing, retry and cancel on several jobs or a plan, a job file that a
plan's job name shadows, wait PLAN once the plan file is gone, read-only
commands that survive a configuration problem, and the warning for a
token file others may read."""

import fcntl
import json
import os
import pty
import re
import sqlite3
import struct
import subprocess
import termios

import pytest

from conftest import RELINKCTL, RELINKD, clean_env, now_utc, rfc3339, write_bytes, write_job

EU, US, APAC = (f"https://acme-{s}.atlassian.net" for s in ("eu", "us", "apac"))
SITE_IDS = {EU: "id-acme-eu", US: "id-acme-us", APAC: "id-acme-apac"}
# An error message of the API well over a list's 60 characters.
LONG_ERROR = ("destinationURL https://acme-us.atlassian.net is not linked from this site: "
              "authorize the application link first, then retry")


MIGRATED_AT = rfc3339(now_utc())


def write_plan(d, name, sites):
    spec = {"sites": list(sites), "siteIds": {s: SITE_IDS[s] for s in sites},
            "migratedFrom": "https://jira.acme.example", "migratedAt": MIGRATED_AT}
    write_bytes(d.jobs_dir, f"{name}.plan.json", json.dumps(spec).encode())


def pair_names(sites, plan="acme"):
    label = {s: s.split("//")[1].split(".")[0] for s in sites}
    return sorted(f"{plan}.{label[a]}.{label[b]}" for a in sites for b in sites if a != b)


def reject_site(fake, site_id, times=-1):
    """Every submission for site_id is refused for good (400) with LONG_ERROR."""
    fake.faults([{"method": "POST", "pathContains": f"/{site_id}/", "times": times, "action": "status",
                  "status": 400, "body": json.dumps({"status": 400, "errorMessage": "Validation failed",
                                                     "errors": [LONG_ERROR], "id": "req-1"})}])


def ctl_in_terminal(d, *args, columns=200):
    """relinkctl -c CONFIG ARGS with standard output on a terminal `columns` wide."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen([str(RELINKCTL), "-c", str(d.config_path), *args], stdout=follower,
                            stderr=subprocess.PIPE, env=clean_env())
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=30) == 0, proc.stderr.read()
    return b"".join(chunks).decode().replace("\r\n", "\n")


def table(text):
    """The rows of a relinkctl table as {column: cell}, split at the header's column starts."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+", header)]
    names = header.split()
    rows = []
    for line in lines[1:]:
        if line.startswith("warning:"):
            continue
        cells = [line[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
        rows.append(dict(zip(names, cells)))
    return rows


def test_list_wide_shows_the_whole_error_and_every_job_its_plan(fake, daemon):
    reject_site(fake, "site-long")
    d = daemon()
    write_job(d.jobs_dir, "long", siteId="site-long")
    write_plan(d, "acme", [EU, US])
    failed = d.wait_state("long", "failed")
    assert LONG_ERROR in failed["lastError"] and len(failed["lastError"]) > 100, failed
    for name in pair_names([EU, US]):
        d.wait_state(name, "succeeded")

    wide = ctl_in_terminal(d, "list", "--wide")
    rows = {row["NAME"]: row for row in table(wide)}
    assert rows["long"]["LAST-ERROR"] == failed["lastError"], wide
    assert rows["long"]["PLAN"] == "-", wide
    for name in pair_names([EU, US]):
        assert rows[name]["PLAN"] == "acme", wide
    # Without --wide the error fits the terminal: more than 60 characters in 200 columns.
    narrow = ctl_in_terminal(d, "list")
    assert all(len(line) <= 200 for line in narrow.splitlines()), narrow
    shown = {row["NAME"]: row for row in table(narrow)}["long"]["LAST-ERROR"]
    assert len(shown) > 100 and failed["lastError"].startswith(shown.rstrip(".")), narrow

    # Into a pipe, list keeps to 60 characters; --wide cuts nothing there either.
    code, piped, _ = d.ctl("list")
    assert code == 0
    cut = {row["NAME"]: row for row in table(piped)}["long"]["LAST-ERROR"]
    assert len(cut) == 60 and cut.endswith("..."), piped
    code, piped_wide, _ = d.ctl("list", "--wide")
    assert code == 0 and failed["lastError"] in piped_wide, piped_wide


def test_show_cuts_neither_the_notification_error_nor_the_job_error(fake, daemon, tmp_path):
    reject_site(fake, "site-long")
    # The notification's error names the command, here a path of over 100 characters.
    deep = tmp_path / ("a-directory-with-a-name-long-enough-to-push-the-error-past-sixty-characters-" * 2)
    deep.mkdir()
    command = deep / "notify-fails"
    command.write_text("#!/bin/sh\ncat >/dev/null\nexit 3\n")
    command.chmod(0o755)
    d = daemon(overrides={"relinkd.notify.command": str(command)})
    write_job(d.jobs_dir, "long", siteId="site-long")
    d.wait_state("long", "failed")

    def tried():
        notes = d.show("long")["notifications"]
        return notes if notes and notes[0]["lastError"] else None

    error = d.wait_for(tried, what="a failed run of the notification command")[0]["lastError"]
    assert error == f"{command} exited with status 3"
    code, out, err = d.ctl("show", "long")
    assert code == 0, err
    assert error in out, out
    assert LONG_ERROR in out, out


def test_retry_plan_state_failed_rearms_only_the_failed_jobs_of_the_plan(fake, daemon):
    reject_site(fake, "id-acme-eu")
    d = daemon()
    write_plan(d, "acme", [EU, US, APAC])
    write_job(d.jobs_dir, "other", siteId="id-acme-eu")  # failed too, but of no plan
    from_eu = [n for n in pair_names([EU, US, APAC]) if n.startswith("acme.acme-eu.")]
    for name in pair_names([EU, US, APAC]):
        d.wait_state(name, "failed" if name in from_eu else "succeeded")
    d.wait_state("other", "failed")
    posts = len(fake.posts())
    fake.clear_faults()

    code, out, err = d.ctl("retry", "--plan=acme", "--state=failed")
    assert code == 0, out + err
    assert sorted(line.split(":")[0] for line in out.splitlines()) == sorted(from_eu), out
    for name in from_eu:
        d.wait_state(name, "succeeded")
    assert len(fake.posts()) == posts + len(from_eu), "only the failed jobs of the plan were submitted again"
    assert d.job("other")["state"] == "failed"

    # A job name that is a plan says to use --plan; --state alone is a usage error.
    code, _, err = d.ctl("retry", "acme")
    assert code == 1 and "--plan=acme" in err, err
    assert d.ctl("retry", "--state=failed")[0] == 2
    code, _, err = d.ctl("retry", "--plan=nope")
    assert code == 1 and "nope" in err


def test_cancel_two_names_one_final_cancels_the_other_and_exits_1(fake, daemon):
    fake.config({"siteScripts": {"site-slow": [["Pending"]]}})
    d = daemon()
    write_job(d.jobs_dir, "done", siteId="site-done")
    write_job(d.jobs_dir, "slow", siteId="site-slow")
    d.wait_state("done", "succeeded")
    d.wait_state("slow", "running")

    code, out, err = d.ctl("cancel", "done", "slow")
    assert code == 1, out + err
    assert re.search(r"^slow: .*\(state cancelled\)$", out, re.M), out
    assert "cannot cancel done" in err, err
    assert d.job("slow")["state"] == "cancelled"
    assert d.job("done")["state"] == "succeeded"


def test_cancel_plan_stops_every_unfinished_job_of_the_plan(fake, daemon):
    fake.config({"siteScripts": {"id-acme-eu": [["Pending"]], "id-acme-us": [["Pending"]]}})
    d = daemon()
    write_plan(d, "acme", [EU, US])
    write_job(d.jobs_dir, "bystander", siteId="id-acme-eu")
    for name in [*pair_names([EU, US]), "bystander"]:
        d.wait_state(name, "running")
    code, out, err = d.ctl("cancel", "--plan=acme")
    assert code == 0, out + err
    assert len(out.splitlines()) == 2, out
    for name in pair_names([EU, US]):
        assert d.job(name)["state"] == "cancelled"
    assert d.job("bystander")["state"] == "running"


def test_cancel_and_retry_plan_leave_finished_jobs_and_the_stand_in_alone_and_exit_0(fake, daemon):
    fake.config({"siteScripts": {"id-acme-us": [["Pending"]]}})
    d = daemon()
    write_plan(d, "acme", [EU, US])
    d.wait_state("acme.acme-eu.acme-us", "succeeded")
    d.wait_state("acme.acme-us.acme-eu", "running")

    code, out, err = d.ctl("cancel", "--plan=acme")
    assert code == 0, out + err
    assert err == "", err
    cancelled, left = out.splitlines()
    assert re.fullmatch(r"acme\.acme-us\.acme-eu: cancelled by the operator.*\(state cancelled\)", cancelled), out
    assert left == "1 job of plan acme left as it is: 1 already final (1 succeeded)", out
    assert d.job("acme.acme-eu.acme-us")["state"] == "succeeded"

    # Nothing of the plan may be retried: said in one line, and not an error.
    code, out, err = d.ctl("retry", "--plan=acme")
    assert (code, err) == (0, ""), out + err
    assert out == ("2 jobs of plan acme left as they are: "
                   "2 neither failed, paused nor retrying (1 succeeded, 1 cancelled)\n"), out

    # An invalid plan's stand-in is not one of the jobs to cancel.
    write_bytes(d.jobs_dir, "acme.plan.json", b"{ not json")
    d.wait_state("acme", "invalid")
    code, out, err = d.ctl("cancel", "--plan=acme")
    assert (code, err) == (0, ""), out + err
    assert out == ("3 jobs of plan acme left as they are: 1 the invalid plan's stand-in "
                   "(1 invalid); 2 already final (1 succeeded, 1 cancelled)\n"), out


def test_a_job_file_named_like_a_plans_job_is_invalid_in_list_show_validate_and_wait(fake, daemon):
    d = daemon()
    write_plan(d, "acme", [EU, US])
    taken = "acme.acme-eu.acme-us"
    d.wait_state(taken, "succeeded")
    write_job(d.jobs_dir, taken, siteId="site-x")
    plan_file = str(d.jobs_dir / "acme.plan.json")
    path = str(d.jobs_dir / f"{taken}.json")
    reason = (f"the name {taken} is already a job of the plan acme ({plan_file}); "
              f"relinkd ignores this file: rename it")
    d.wait_for(lambda: "rename it" in d.log(), what="relinkd to log the ignored file")

    entries = [j for j in d.jobs() if j["name"] == taken]
    assert [(j["file"], j["state"], j["lastError"]) for j in entries] == [
        (plan_file, "succeeded", None), (path, "invalid", reason)], entries
    code, out, _ = d.ctl("list", "--wide")
    assert any(line.startswith(taken) and "invalid" in line and line.endswith(reason)
               for line in out.splitlines()), out

    code, out, _ = d.ctl("show", taken)
    assert code == 0 and f"{path}: invalid: {reason}" in out, out
    assert d.show(taken)["ignoredFile"] == {"file": path, "state": "invalid", "lastError": reason}

    code, out, _ = d.ctl("validate", path)
    assert code == 1 and out.strip() == f"{path}: file: {reason}", out

    code, out, _ = d.ctl("wait", taken, "--timeout=10s")
    assert code == 1, out
    assert f"{taken}: invalid: {reason}" in out, out
    assert d.ctl("wait", "acme", "--timeout=10s")[0] == 0, "the plan itself is done"


def test_validate_knows_the_names_of_plans_relinkd_has_not_taken_up(daemon, tmp_path):
    d = daemon(fake=False, start=False)  # no database: the plan files alone say which names are taken
    write_job(tmp_path, "acme.acme-us.acme-eu")
    job = str(tmp_path / "acme.acme-us.acme-eu.json")
    assert d.ctl("validate", job)[0] == 0
    problem = f"{job}: file: the name acme.acme-us.acme-eu is already a job of the plan acme ("

    write_plan(d, "acme", [EU, US])  # in the job directory
    code, out, _ = d.ctl("validate", job)
    assert code == 1 and out.startswith(problem + str(d.jobs_dir / "acme.plan.json") + ")"), out

    os.replace(d.jobs_dir / "acme.plan.json", tmp_path / "acme.plan.json")  # given with the job
    assert d.ctl("validate", job)[0] == 0
    code, out, _ = d.ctl("validate", str(tmp_path / "acme.plan.json"), job)
    assert code == 1 and problem + str(tmp_path / "acme.plan.json") + ")" in out, out
    assert f"{tmp_path / 'acme.plan.json'}: ok" in out, out


@pytest.mark.parametrize("damage", ["newer-schema", "not-a-database"])
def test_validate_judges_the_files_when_the_database_cannot_be_read(daemon, tmp_path, damage):
    d = daemon(fake=False, start=False)
    db = d.state_dir / "relinkd.db"
    if damage == "newer-schema":
        with sqlite3.connect(db) as conn:
            conn.execute("create table x(a)")
            conn.execute("pragma user_version=99")
    else:
        db.write_bytes(b"this is not an SQLite database\n" * 100)
    write_plan(d, "acme", [EU, US])
    write_job(tmp_path, "fine")
    write_job(tmp_path, "acme.acme-us.acme-eu")
    fine, taken = str(tmp_path / "fine.json"), str(tmp_path / "acme.acme-us.acme-eu.json")

    code, out, err = d.ctl("validate", fine)
    assert code == 0 and out == f"{fine}: ok\n", out + err
    assert re.fullmatch(rf"relinkctl: warning: the database could not be read \({re.escape(str(db))}: .+\); "
                        r"collisions with plans checked from the plan files only\n", err), err
    # The names the plan file derives are still known.
    code, out, err = d.ctl("validate", fine, taken)
    assert code == 1, out + err
    assert f"{taken}: file: the name acme.acme-us.acme-eu is already a job of the plan acme (" in out, out
    assert f"{fine}: ok" in out, out


def test_wait_plan_works_after_the_plan_file_is_removed(fake, daemon):
    d = daemon()
    write_plan(d, "acme", [EU, US])
    for name in pair_names([EU, US]):
        d.wait_state(name, "succeeded")
    d.stop()
    (d.jobs_dir / "acme.plan.json").unlink()
    d.start()  # READY=1 comes after the scan that takes up the removal
    code, out, err = d.ctl("wait", "acme", "--timeout=10s")
    assert code == 0, out + err
    assert "all 2 jobs succeeded" in out, out
    code, _, err = d.ctl("wait", "nothing-of-the-kind", "--timeout=10s")
    assert code == 1 and "no job or plan named" in err


def test_an_unknown_key_leaves_read_only_commands_working_with_a_warning_and_refuses_the_rest(fake, daemon):
    d = daemon()
    write_job(d.jobs_dir, "one", siteId="site-one")
    d.wait_state("one", "succeeded")
    d.configure({"relinkd.notify.comand": "/bin/true"})

    for args in (["list"], ["show", "one"], ["wait", "one", "--timeout=10s"],
                 ["validate", str(d.jobs_dir / "one.json")]):
        code, out, err = d.ctl(*args)
        assert code == 0, (args, out, err)
        assert "warning" in err and "relinkd.notify.comand: unknown key" in err, (args, err)
    code, out, _ = d.ctl("list")
    assert "one" in out and "succeeded" in out
    for args in (["retry", "one"], ["cancel", "one"]):
        code, _, err = d.ctl(*args)
        assert code == 78, (args, err)
        assert "relinkd.notify.comand" in err
    # A problem with what the read-only commands need is still an error.
    d.configure({"relinkd.window": "soon"})
    assert d.ctl("list")[0] == 78
    # relinkd itself refuses any problem.
    result = subprocess.run([str(RELINKD), "-c", str(d.config_path), "--check-config"], capture_output=True,
                            text=True, env=clean_env(), timeout=30)
    assert result.returncode == 78, result


def check_config(d, **env):
    return subprocess.run([str(RELINKD), "-c", str(d.config_path), "--check-config"], capture_output=True,
                          text=True, env=clean_env(**env), timeout=30)


def test_a_token_file_others_may_read_is_warned_of_unless_it_is_a_systemd_credential(fake, daemon, secrets):
    d = daemon(start=False)
    token = secrets.token_file
    result = check_config(d)
    assert result.returncode == 0 and "warning" not in result.stderr, result

    token.chmod(0o644)
    result = check_config(d)
    assert result.returncode == 0, result
    assert f"the token file {token} can be read by everyone (mode 0644); chmod 600 {token}" \
        in result.stderr, result
    assert "configuration OK" in result.stdout
    secrets.assert_absent(result.stdout + result.stderr, "relinkd --check-config")

    # Under $CREDENTIALS_DIRECTORY (LoadCredential=) systemd decides the mode.
    result = check_config(d, CREDENTIALS_DIRECTORY=str(token.parent))
    assert result.returncode == 0 and "warning" not in result.stderr, result

    d.start()
    d.wait_for(lambda: "chmod 600" in d.log(), what="the warning in relinkd's log")
    assert re.search(r"(?i)warn.*can be read by everyone \(mode 0644\)", d.log()), d.log()


def test_the_token_warning_comes_again_on_sighup_and_a_new_token_file_once_per_mode(fake, daemon, secrets):
    d = daemon()
    token = secrets.token_file
    warning = re.compile(r"(?i)warn.*the token file .* can be read by (its group|everyone) \(mode (\d+)\)")
    reloads = lambda: d.log().count("configuration reloaded")
    warnings = lambda: [m.groups() for m in warning.finditer(d.log())]
    assert warnings() == []

    token.chmod(0o640)
    d.hup()
    d.wait_for(lambda: reloads() == 1, what="the first reload")
    assert warnings() == [("its group", "0640")], d.log()
    d.hup()  # the same mode: said already
    d.wait_for(lambda: reloads() == 2, what="the second reload")
    assert warnings() == [("its group", "0640")], d.log()

    # A new token file, written with a mode everyone may read: seen by the watch, no SIGHUP.
    secrets.write_token(secrets.token)
    token.chmod(0o644)
    os.utime(token, ns=(0, 12345))  # a stamp of its own, however fast the file was rewritten
    d.wait_for(lambda: len(warnings()) == 2, what="the warning for the new token file")
    assert warnings()[1] == ("everyone", "0644"), d.log()
    secrets.assert_absent(d.log(), "relinkd's log")


def help_of(*args):
    result = subprocess.run([str(RELINKCTL), *args], capture_output=True, text=True, env=clean_env(), timeout=30)
    assert result.returncode == 0, result
    return result.stdout


def test_every_column_of_the_help_is_aligned():
    general = help_of("--help")
    commands = general.split("Commands:\n")[1].split("\n\n")[0].splitlines()
    summaries = {re.match(r"  \S.*?\S  +(?=\S)", line).end() for line in commands}
    assert len(summaries) == 1, "the command summaries start in different columns:\n" + "\n".join(commands)
    names = [line.split()[0] for line in commands if line.split()[0] != "help"]
    assert {"list", "retry", "cancel", "wait"} <= set(names)
    for text in [general] + [help_of("help", name) for name in names]:
        # An option's description, and the lines that continue it, start in one column per block.
        for block in text.split("\n\n"):
            lines = block.splitlines()
            columns = set()
            for i, line in enumerate(lines):
                option = re.match(r"  +-\S*(?:, --\S+)?  +(?=\S)", line)
                if option:
                    columns.add(option.end())
                elif columns and re.match(r"  +\S", line) and re.match(r"  +-|  +\S", lines[i - 1]):
                    columns.add(len(line) - len(line.lstrip()))
            assert len(columns) <= 1, f"misaligned options:\n{block}"
