"""relinkctl report through the real binaries: a plan of 3 sites run by
relinkd against the fake API (one pair refused, one remote Error retried,
the rest Complete), a standalone job and an invalid job file; the record as
CSV (interface.md's header, RFC 4180, a formula from the API disarmed), JSON
(against list --json and show PLAN --json), text, written to a file atomically
and safely (no predictable temporary name, modes kept, symlinks written through)."""

import csv
import io
import json
import os
import re
import stat
import subprocess
import time
from pathlib import Path

from conftest import RELINKCTL, clean_env, write_bytes, write_job
from test_plans import EU, US, APAC, plan_spec, write_plan

HEADER = ["name", "plan", "productURL", "destinationURL", "state", "attempts", "remoteJobId",
          "firstSubmittedAt", "finishedAt", "lastError"]
RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
REFUSAL = 'Site link missing, "acme-apac" is not linked'


def finished_migration(fake, daemon):
    """The daemon after the plan, the standalone job and the invalid file are settled."""
    fake.config({"siteScripts": {"id-acme-us": [["Pending", "Error"], ["Complete"]]}})
    fake.faults([{"method": "POST", "pathContains": "/id-acme-apac/", "times": 1, "action": "status",
                  "status": 400, "body": json.dumps({"status": 400, "errorMessage": REFUSAL})}])
    d = daemon()
    write_plan(d, "acme", plan_spec([EU, US, APAC]))
    write_job(d.jobs_dir, "solo")
    write_bytes(d.jobs_dir, "broken.json", b'{"siteId": 1}')
    final = ("succeeded", "failed")
    d.wait_for(lambda: len(d.jobs()) == 8 and all(
        j["state"] in final for j in d.jobs() if j["name"] != "broken"), timeout=60, what="every job final")
    assert d.job("broken")["state"] == "invalid"
    return d


def report(d, *args):
    code, out, err = d.ctl("report", *args)
    assert code == 0, f"relinkctl report {args}: {err}"
    return out


def test_report_csv_and_json_hold_every_job_as_the_store_does(fake, daemon):
    d = finished_migration(fake, daemon)
    listed = {j["name"]: j for j in d.jobs()}
    out = report(d, "--format=csv")
    assert out.startswith(",".join(HEADER) + "\r\n")
    assert all(line.endswith("\r") for line in out.split("\n")[:-1]), "every record ends in CRLF"
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == HEADER
    records = {row[0]: dict(zip(HEADER, row)) for row in rows[1:]}
    assert len(rows) - 1 == len(records) == 8 and set(records) == set(listed)
    for name, row in records.items():
        job = listed[name]
        assert row["state"] == job["state"] and row["attempts"] == str(job["attempts"])
        assert row["remoteJobId"] == (job["remoteJobId"] or "")
        assert row["lastError"] == (job["lastError"] or "")
        assert row["plan"] == (job["plan"] or "")
        for key in ("firstSubmittedAt", "finishedAt"):
            assert row[key] == "" or RFC3339_Z.match(row[key]), row
        if row["firstSubmittedAt"] and row["finishedAt"]:
            assert row["firstSubmittedAt"] <= row["finishedAt"]
    failed = [r for r in records.values() if r["state"] == "failed"]
    assert len(failed) == 1 and REFUSAL in failed[0]["lastError"], "the comma and quotes survive"
    assert ',' in failed[0]["lastError"] and '"' in failed[0]["lastError"]
    assert records["broken"]["state"] == "invalid" and records["broken"]["firstSubmittedAt"] == ""
    assert records["broken"]["finishedAt"] == "" and records["broken"]["productURL"] == ""
    assert records["solo"]["productURL"] == "https://acme-eu.atlassian.net" and records["solo"]["plan"] == ""
    retried = [r for r in records.values() if r["attempts"] == "2"]
    assert len(retried) == 1 and retried[0]["state"] == "succeeded", "the remote Error was submitted again"
    assert all(r["finishedAt"] for r in records.values() if r["state"] in ("succeeded", "failed"))

    data = json.loads(report(d, "--format=json"))
    assert set(data) == {"generatedAt", "selection", "totals", "plans", "jobs"}
    assert data["selection"] == [] and data["totals"]["jobs"] == 8
    assert data["totals"]["succeeded"] == 6 and data["totals"]["failed"] == 1 and data["totals"]["invalid"] == 1
    [plan] = data["plans"]
    shown = d.show("acme")
    assert plan["plan"] == "acme" and plan["matrix"] == shown["matrix"] and plan["sites"] == shown["sites"]
    assert plan["file"] == shown["file"] and plan["problem"] is None
    assert set(plan["window"]) == {"opened", "closes", "closed", "timeLeftSeconds"}
    assert plan["window"]["closed"] is False and plan["window"]["timeLeftSeconds"] > 0
    jobs = {j["name"]: j for j in data["jobs"]}
    assert set(jobs) == set(listed)
    for name, job in jobs.items():
        for key in ("state", "attempts", "remoteJobId", "lastError", "plan"):
            assert job[key] == listed[name][key], (name, key)
        assert job["firstSubmittedAt"] == (records[name]["firstSubmittedAt"] or None)
        assert job["finishedAt"] == (records[name]["finishedAt"] or None)
    assert jobs["acme.acme-eu.acme-us"]["from"] == "acme-eu" and jobs["acme.acme-eu.acme-us"]["to"] == "acme-us"
    assert all(j["result"] is not None for j in jobs.values() if j["state"] == "succeeded")
    assert jobs["solo"]["from"] is None and jobs["solo"]["destinationURL"] == "https://acme-us.atlassian.net"


def test_report_of_names_text_and_files(fake, daemon, tmp_path):
    d = finished_migration(fake, daemon)
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    rows = list(csv.reader(io.StringIO(report(d, "--format=csv", "acme"), newline="")))
    assert sorted(r[0] for r in rows[1:]) == sorted(j["name"] for j in d.jobs() if j["plan"] == "acme")
    assert [r[0] for r in csv.reader(io.StringIO(report(d, "solo", "--format=csv"), newline=""))][1:] == ["solo"]

    code, out, err = d.ctl("report", "acme", "nobody", "--output=" + str(tmp_path / "x.csv"))
    assert code == 1 and out == ""
    assert 'relinkctl: no job or plan named "nobody"' in err
    assert not list(tmp_path.iterdir()), "nothing is written for an unknown name"
    assert d.ctl("report", "--format=pdf")[0] == 2

    target = tmp_path / "record.json"
    target.write_text("old")
    code, out, err = d.ctl("report", "--output=" + str(target))
    assert (code, out, err) == (0, "", "")
    assert json.loads(target.read_text())["totals"]["jobs"] == 8, "the extension chose JSON"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["record.json"], "no temporary file left"
    code, out, err = d.ctl("report", "--format=csv", "--output=" + str(tmp_path / "record.txt"))
    assert code == 0 and (tmp_path / "record.txt").read_text().startswith("name,plan,")
    code, _, err = d.ctl("report", "--output=" + str(tmp_path / "missing" / "r.csv"))
    assert code == 1 and str(tmp_path / "missing" / "r.csv") in err and "No such file or directory" in err

    text = report(d)
    assert "FROM \\ TO" in text and "plan acme" in text
    assert re.search(r"window: +opened \S+Z, closes \S+Z \(in \d+d", text), text
    assert re.search(r"^acme\.acme-eu\.acme-us +acme-eu -> acme-us +succeeded", text, re.M), text
    assert re.search(r"^solo +https://acme-eu\.atlassian\.net -> https://acme-us\.atlassian\.net", text, re.M)
    assert "broken: last error: " in text and ": result: " in text
    assert "jobs:      8 (1 invalid, 6 succeeded, 1 failed)" in text


def solo_settled(daemon):
    """A daemon whose one standalone job has succeeded: a database to report on."""
    d = daemon()
    write_job(d.jobs_dir, "solo")
    d.wait_for(lambda: [j["state"] for j in d.jobs()] == ["succeeded"], timeout=60, what="solo succeeded")
    return d


def test_report_output_temporary_file_is_not_at_a_predictable_name(daemon, tmp_path):
    """relinkctl runs as root and may write into /tmp: a symlink planted at the
    temporary name must not be followed (the old name was FILE.tmp-PID)."""
    d = solo_settled(daemon)
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    last = int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    planted = {f"record.csv.tmp-{pid}" for pid in range(last + 1, last + 3001)}
    for name in planted:
        os.symlink(victim, out / name)
    code, stdout, err = d.ctl("report", "--output=" + str(out / "record.csv"))
    assert (code, stdout, err) == (0, "", "")
    assert victim.read_text() == "precious\n", "a planted symlink was followed"
    assert not (out / "record.csv").is_symlink()
    assert (out / "record.csv").read_text().startswith("name,plan,")
    assert {p.name for p in out.iterdir()} == planted | {"record.csv"}, "no temporary file left"


def ctl_with_umask(d, mask, *args, cwd=None):
    result = subprocess.run([str(RELINKCTL), "-c", str(d.config_path), *args], capture_output=True,
                            timeout=60, env=clean_env(), umask=mask, cwd=cwd)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def test_report_output_keeps_the_mode_follows_symlinks_and_cleans_up(daemon, tmp_path):
    d = solo_settled(daemon)
    out = tmp_path / "out"
    out.mkdir()
    private = out / "private.csv"
    private.write_text("old")
    private.chmod(0o600)
    assert ctl_with_umask(d, 0o022, "report", "--output=" + str(private)) == (0, "", "")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600, "the existing file's mode is kept"
    assert private.read_text().startswith("name,plan,")

    fresh = out / "fresh.csv"
    assert ctl_with_umask(d, 0o027, "report", "--output=" + str(fresh)) == (0, "", "")
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640, "a new file gets 0666 & ~umask"

    real = tmp_path / "elsewhere"
    real.mkdir()
    (real / "record.csv").write_text("old")
    (real / "record.csv").chmod(0o640)
    link = out / "link.csv"
    os.symlink("../elsewhere/record.csv", link)
    assert d.ctl("report", "--output=" + str(link)) == (0, "", "")
    assert link.is_symlink() and os.readlink(link) == "../elsewhere/record.csv", "the symlink stays"
    assert (real / "record.csv").read_text().startswith("name,plan,"), "written to what it points to"
    assert stat.S_IMODE((real / "record.csv").stat().st_mode) == 0o640
    assert sorted(p.name for p in real.iterdir()) == ["record.csv"]

    dangling = out / "dangling.csv"
    os.symlink(tmp_path / "nowhere" / "r.csv", dangling)
    code, stdout, err = d.ctl("report", "--output=" + str(dangling))
    assert code == 1 and stdout == ""
    assert str(dangling) in err and "symbolic link" in err and str(tmp_path / "nowhere" / "r.csv") in err, err
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()

    (out / "adir.csv").mkdir()
    code, _, err = d.ctl("report", "--output=" + str(out / "adir.csv"))
    assert code == 1 and str(out / "adir.csv") in err, err
    assert sorted(p.name for p in out.iterdir()) == ["adir.csv", "dangling.csv", "fresh.csv", "link.csv",
                                                     "private.csv"], "no temporary file left on an error"


NOT_A_FILE = "is not a regular file (a device, a FIFO or a directory)"


def test_report_output_refuses_what_is_not_a_regular_file_and_replaces_nothing(daemon, tmp_path):
    d = solo_settled(daemon)
    out = tmp_path / "out"
    out.mkdir()
    fifo = out / "fifo.csv"
    os.mkfifo(fifo)
    null_link = out / "null.csv"
    os.symlink("/dev/null", null_link)
    for target in (fifo, null_link, out):
        code, stdout, err = d.ctl("report", "--output=" + str(target))
        assert code == 1 and stdout == "" and str(target) in err and NOT_A_FILE in err, (target, err)
    assert stat.S_ISFIFO(fifo.lstat().st_mode) and os.readlink(null_link) == "/dev/null"
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode), "/dev/null is still the device"
    assert sorted(p.name for p in out.iterdir()) == ["fifo.csv", "null.csv"], "no temporary file left"
    # /dev/stdout of a pipe resolves to no path at all: said as not a file, not as a dangling link.
    code, stdout, err = d.ctl("report", "--output=/dev/stdout")
    assert code == 1 and NOT_A_FILE in err and "does not exist" not in err, err


def test_report_output_extension_chooses_in_any_case(daemon, tmp_path):
    d = solo_settled(daemon)
    out = tmp_path / "out"
    out.mkdir()
    assert d.ctl("report", "--output=" + str(out / "R.CSV"))[0] == 0
    assert (out / "R.CSV").read_text().startswith("name,plan,")
    assert d.ctl("report", "--output=" + str(out / "R.Json"))[0] == 0
    assert json.loads((out / "R.Json").read_text())["totals"]["jobs"] == 1
    assert d.ctl("report", "--output=" + str(out / "R.HTM"))[0] == 0
    assert (out / "R.HTM").read_text().lstrip().lower().startswith("<!doctype html")
    assert ctl_with_umask(d, 0o022, "report", "--output=rel.csv", cwd=out) == (0, "", ""), "a bare name"
    assert (out / "rel.csv").read_text().startswith("name,plan,")
    os.symlink("rel.csv", out / "rel-link.csv")
    assert ctl_with_umask(d, 0o022, "report", "--output=rel-link.csv", cwd=out) == (0, "", "")
    assert (out / "rel-link.csv").is_symlink()
    assert sorted(p.name for p in out.iterdir()) == ["R.CSV", "R.HTM", "R.Json", "rel-link.csv", "rel.csv"]


def test_report_help_spells_out_the_csv_header():
    result = subprocess.run([str(RELINKCTL), "report", "--help"], capture_output=True, timeout=30, env=clean_env())
    text = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "interface.md" not in text, "operators do not have interface.md"
    flat = re.sub(r"\s+", "", text)
    assert ",".join(HEADER) in flat, text


def test_report_csv_disarms_a_formula_the_api_sent(fake, daemon):
    """The API's text reaches the CSV: a remote job id of "=HYPERLINK(...)" must
    not run as a formula in a spreadsheet (a leading ', inside the quoting)."""
    hostile = '=HYPERLINK("http://evil.example","x")'
    fake.faults([{"method": "POST", "pathContains": "/jobs/cma", "times": 1, "action": "status",
                  "status": 200, "body": json.dumps({"uuid": hostile})}])
    d = daemon()
    write_job(d.jobs_dir, "solo")
    d.wait_for(lambda: d.job("solo")["remoteJobId"] == hostile, timeout=60, what="the hostile remote job id")
    out = report(d, "--format=csv")
    [row] = [r for r in csv.reader(io.StringIO(out, newline=""))][1:]
    assert dict(zip(HEADER, row))["remoteJobId"] == "'" + hostile
    assert '"\'=HYPERLINK(""http://evil.example"",""x"")"' in out
