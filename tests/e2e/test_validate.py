"""`relinkctl validate FILE...`: checks job files without the daemon, prints
"FILE: field: problem" for each problem, exits 0 when all are valid, else 1."""

import datetime
import json
import re

import pytest

from conftest import job_spec, now_utc, rfc3339, write_bytes, write_job

IN_20_DAYS = rfc3339(now_utc() + datetime.timedelta(days=20))

# name -> (spec changes, the field the problem must name)
BAD = {
    "unknown-field": (dict(spec=dict(job_spec(), frobnicate=True)), "frobnicate"),
    "bad-product": (dict(product="sharepoint"), "product"),
    "http-product-url": (dict(productURL="http://acme-eu.atlassian.net"), "productURL"),
    "not-a-url": (dict(destinationURL="acme-us"), "destinationURL"),
    "no-destination": (dict(destinationURL=None), "destinationURL"),
    "no-migrated-from": (dict(migratedFrom=None), "migratedFrom"),
    "ftp-migrated-from": (dict(migratedFrom="ftp://jira.acme.example"), "migratedFrom"),
    "confluence-remote": (dict(product="confluence", recreateAsRemote=True), "recreateAsRemote"),
    "confluence-backup": (dict(product="confluence", recreateAsRemote=None, createBackup=True),
                          "createBackup"),
    "remote-without-date": (dict(migratedAt=None), "migratedAt"),
    "bad-date": (dict(migratedAt="last tuesday"), "migratedAt"),
    "bool-as-number": (dict(createBackup=1), "createBackup"),
    "deadline-after-window": (dict(deadline=IN_20_DAYS), "deadline"),
    "empty-site": (dict(siteId=""), "siteId"),
}


def _problem_lines(out, err):
    return [line for line in (out + err).splitlines() if line.strip()]


def _line_re(path, field):
    return re.compile(rf"^{re.escape(str(path))}: {re.escape(field)}: \S")


@pytest.fixture
def ctl_only(daemon):
    return daemon(fake=False, start=False)


def test_valid_files_pass(ctl_only):
    d = ctl_only
    write_job(d.jobs_dir, "a")
    write_job(d.jobs_dir, "b", product="Confluence", recreateAsRemote=None, migratedAt=None)
    write_job(d.jobs_dir, "c", siteId=None, recreateAsRemote="false", createBackup="true")
    paths = [d.jobs_dir / f"{n}.json" for n in ("a", "b", "c")]
    code, out, err = d.ctl("validate", *map(str, paths))
    assert code == 0, f"validate of valid files: exit {code}: {out}{err}"
    for line in _problem_lines(out, err):
        assert not any(re.match(rf"^{re.escape(str(p))}: \w+: ", line) for p in paths), \
            f"a problem reported for a valid file: {line}"


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_problem_names_file_and_field(ctl_only, name):
    d = ctl_only
    changes, field = BAD[name]
    write_job(d.jobs_dir, name, **changes)
    path = d.jobs_dir / f"{name}.json"
    code, out, err = d.ctl("validate", str(path))
    assert code == 1, f"validate {name}: exit {code}: {out}{err}"
    lines = _problem_lines(out, err)
    assert any(_line_re(path, field).match(line) for line in lines), \
        f"no '{path}: {field}: problem' line in:\n{out}{err}"


def test_whole_file_problems_name_the_file(ctl_only):
    d = ctl_only
    write_bytes(d.jobs_dir, "garbage.json", b"\x00\x01not json")
    write_bytes(d.jobs_dir, "array.json", b"[]")
    missing = d.jobs_dir / "missing.json"
    paths = [d.jobs_dir / "garbage.json", d.jobs_dir / "array.json", missing]
    code, out, err = d.ctl("validate", *map(str, paths))
    assert code == 1
    lines = _problem_lines(out, err)
    for path in paths:
        assert any(_line_re(path, "file").match(line) for line in lines), \
            f"no '{path}: file: problem' line in:\n{out}{err}"


def test_mixed_files_report_only_the_bad_ones(ctl_only):
    d = ctl_only
    write_job(d.jobs_dir, "good")
    write_job(d.jobs_dir, "bad1", product="sharepoint")
    write_job(d.jobs_dir, "bad2", spec=dict(job_spec(), extra="x"))
    good, bad1, bad2 = (d.jobs_dir / f"{n}.json" for n in ("good", "bad1", "bad2"))
    code, out, err = d.ctl("validate", str(good), str(bad1), str(bad2))
    assert code == 1
    lines = _problem_lines(out, err)
    assert any(_line_re(bad1, "product").match(line) for line in lines), out + err
    assert any(_line_re(bad2, "extra").match(line) for line in lines), out + err
    assert not any(re.match(rf"^{re.escape(str(good))}: \S+: ", line) for line in lines), \
        f"a problem was reported for the valid file:\n{out}{err}"


def test_validate_does_not_touch_the_state(ctl_only):
    d = ctl_only
    write_job(d.jobs_dir, "a")
    code, _, _ = d.ctl("validate", str(d.jobs_dir / "a.json"))
    assert code == 0
    assert not (d.state_dir / "relinkd.db").exists() or \
        json.loads(d.ctl("list", "--json")[1]) == [], "validate created a job"
