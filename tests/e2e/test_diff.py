"""relinkctl diff FILE: what dropping a job file or a plan into the job
directory would do. Each case runs diff on a file outside the directory,
then drops the same bytes into a running relinkd's job directory and
checks that relinkd did exactly what diff said: the jobs it created,
restarted (with the fields), whose window it moved, cancelled and left
alone, read from their histories."""

import datetime
import hashlib
import itertools
import json
import sqlite3

from conftest import stamp_of, job_spec, now_utc, rfc3339, write_bytes, write_job

EU, US, APAC, LATAM = (f"https://acme-{s}.atlassian.net" for s in ("eu", "us", "apac", "latam"))
MIGRATED_AT = rfc3339(now_utc())
BUCKETS = ("create", "restart", "moved", "cancel", "unchanged")
RESTARTS = {"file-changed", "file-restored", "file-recreated", "plan-changed"}
MARKERS = itertools.count(1)


def plan_spec(sites, **extra):
    spec = {"sites": list(sites), "siteIds": {s: "id-" + s.split("//")[1].split(".")[0] for s in sites},
            "migratedFrom": "https://jira.acme.example", "migratedAt": MIGRATED_AT}
    spec.update(extra)
    return spec


def diff(d, filename, spec=None, raw=None):
    """Writes FILE outside the job directory and runs diff --json on it."""
    outside = d.dir / "outside"
    outside.mkdir(exist_ok=True)
    path = write_bytes(outside, filename, raw if raw is not None else json.dumps(spec, indent=2).encode())
    code, out, err = d.ctl("diff", str(path), "--json")
    assert err == "", err
    return code, json.loads(out), path


def histories(d, names):
    return {name: d.show(name)["history"] for name in names}


def watched(d, plan, name):
    """The jobs diff speaks of: the plan's (not its stand-in), or the one job."""
    if plan is None:
        return [name] if d.job(name) else []
    return [j["name"] for j in d.jobs() if j["plan"] == plan and j["name"] != plan]


def observed(d, before, plan, name):
    """What relinkd did since before (job name -> its history then), in diff's buckets."""
    seen = {bucket: set() for bucket in BUCKETS}
    fields = {}
    for job_name, history in histories(d, watched(d, plan, name)).items():
        new = history[len(before.get(job_name, [])):]
        actions = {entry["action"] for entry in new}
        if job_name not in before:
            seen["create"].add(job_name)
        elif actions & RESTARTS:
            seen["restart"].add(job_name)
            fields[job_name] = " ".join(entry["detail"] for entry in new if entry["action"] in RESTARTS)
        elif "window-moved" in actions:
            seen["moved"].add(job_name)
        elif "file-removed" in actions and d.job(job_name)["state"] == "cancelled":
            seen["cancel"].add(job_name)
        else:
            seen["unchanged"].add(job_name)
    return seen, fields


def said(result, before):
    """diff's answer as buckets; an invalid file (problems only) leaves every job alone."""
    if result["problems"]:
        return {bucket: set(before) if bucket == "unchanged" else set() for bucket in BUCKETS}
    buckets = {bucket: set(result[bucket]) for bucket in BUCKETS if bucket != "restart"}
    buckets["restart"] = {job["name"] for job in result["restart"]}
    # A job of the plan that diff does not name (one already of no file) must stay as it is.
    buckets["unchanged"] |= set(before) - set().union(*buckets.values())
    return buckets


def drop_and_compare(d, path, result, plan=None):
    """Drops path's bytes into the job directory; relinkd must do what diff said."""
    name = result["name"]
    before = histories(d, watched(d, plan, name))
    write_bytes(d.jobs_dir, path.name, path.read_bytes())
    expected = said(result, before)
    d.wait_for(lambda: observed(d, before, plan, name)[0] == expected, timeout=30,
               what=f"relinkd doing what diff said: {expected}")
    # Nothing more comes of it: a file dropped after it is taken up, and still the same.
    marker = f"marker{next(MARKERS)}"
    write_job(d.jobs_dir, marker)
    d.wait_for(lambda: d.job(marker) is not None, what="the marker job")
    seen, fields = observed(d, before, plan, name)
    assert seen == expected
    for job in result["restart"]:
        for field in job["fields"]:
            assert field in fields[job["name"]], f"{job['name']}: {field} not in {fields[job['name']]!r}"


def test_diff_of_a_job_file_says_what_relinkd_then_does(fake, daemon):
    fake.config({"siteScripts": {"site-held": [["Pending"]]}})  # its job runs until cancelled
    d = daemon()
    spec = job_spec()
    code, result, path = diff(d, "eu-us.json", spec)
    assert code == 0
    assert result == {"name": "eu-us", "kind": "job", "create": ["eu-us"], "restart": [], "moved": [],
                      "cancel": [], "unchanged": [], "problems": []}
    drop_and_compare(d, path, result)
    d.wait_state("eu-us", "succeeded")

    # The same content again: nothing to do.
    code, result, path = diff(d, "eu-us.json", spec)
    assert code == 0 and result["unchanged"] == ["eu-us"] and not result["restart"]
    drop_and_compare(d, path, result)

    # Only migratedAt: the window moves, the request is not sent again.
    moved = dict(spec, migratedAt=rfc3339(now_utc() - datetime.timedelta(hours=2)))
    code, result, path = diff(d, "eu-us.json", moved)
    assert code == 0 and result["moved"] == ["eu-us"] and not result["restart"]
    drop_and_compare(d, path, result)

    # Another request: restarted, with the field that changed.
    changed = dict(moved, destinationURL="https://acme-apac.atlassian.net")
    code, result, path = diff(d, "eu-us.json", changed)
    assert code == 0
    assert result["restart"] == [{"name": "eu-us", "fields": ["destinationURL"]}] and not result["unchanged"]
    drop_and_compare(d, path, result)
    d.wait_state("eu-us", "succeeded")

    # Cancelled, then the same content dropped again (a new file): it starts again, once
    # relinkd trusts the stamp of the file it was cancelled with (it was written seconds before).
    held = write_job(d.jobs_dir, "held", siteId="site-held")
    d.wait_state("held", "running")
    code, out, err = d.ctl("cancel", "held")
    assert code == 0, out + err
    d.wait_for(lambda: stamp_of(d, "held"), timeout=60, what="the job file's stamp remembered")
    code, result, path = diff(d, "held.json", held)
    assert code == 0 and result["restart"] == [{"name": "held", "fields": []}]
    code, text, _ = d.ctl("diff", str(path))
    assert "restart      held (submitted anew)\n" in text
    drop_and_compare(d, path, result)


def test_diff_of_an_invalid_job_file_names_its_problems_and_exits_1(daemon):
    d = daemon(fake=False)
    code, result, path = diff(d, "bad.json", job_spec(productURL="http://acme-eu.atlassian.net"))
    assert code == 1
    assert result["name"] == "bad" and result["kind"] == "job"
    assert all(result[bucket] == [] for bucket in BUCKETS)
    assert any(problem.startswith("productURL: ") for problem in result["problems"]), result
    code, out, err = d.ctl("diff", str(path))
    assert code == 1 and f"{path}: productURL: " in out and f"{path} is invalid" in out


def test_diff_of_a_plan_says_what_relinkd_then_does(fake, daemon):
    fake.config({"siteScripts": {"id-acme-apac": [["Pending"]]}})  # acme-apac's jobs never finish
    d = daemon()
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU, US, APAC]))
    assert code == 0 and result["kind"] == "plan" and len(result["create"]) == 6
    drop_and_compare(d, path, result, plan="acme")
    d.wait_for(lambda: sum(j["state"] == "succeeded" for j in d.jobs() if j["plan"] == "acme") == 4
               and sum(j["state"] == "running" for j in d.jobs() if j["plan"] == "acme") == 2,
               what="four jobs succeeded, acme-apac's two running")

    # A site added: its six jobs are created, the others left alone.
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU, US, APAC, LATAM]))
    assert code == 0
    assert len(result["create"]) == 6 and all("acme-latam" in name for name in result["create"])
    assert len(result["unchanged"]) == 6 and not result["restart"] and not result["cancel"]
    code, text, _ = d.ctl("diff", str(path))
    assert code == 0 and "create       acme.acme-eu.acme-latam\n" in text
    assert "unchanged    acme.acme-eu.acme-us\n" in text
    assert "plan acme: 6 to create, 0 to restart, 0 to move (window only), 0 to cancel, 6 unchanged" in text
    drop_and_compare(d, path, result, plan="acme")
    d.wait_for(lambda: sum(j["state"] == "running" for j in d.jobs() if j["plan"] == "acme") == 3
               and sum(j["state"] == "succeeded" for j in d.jobs() if j["plan"] == "acme") == 9,
               what="the new jobs submitted")

    # acme-apac removed: its unfinished jobs are cancelled, the finished ones to it left alone.
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU, US, LATAM]))
    assert code == 0
    assert sorted(result["cancel"]) == ["acme.acme-apac.acme-eu", "acme.acme-apac.acme-latam",
                                        "acme.acme-apac.acme-us"]
    assert {"acme.acme-eu.acme-apac", "acme.acme-us.acme-apac"} <= set(result["unchanged"])
    assert len(result["unchanged"]) == 9 and not result["create"] and not result["restart"]
    code, text, _ = d.ctl("diff", str(path))
    assert "cancel       acme.acme-apac.acme-eu\n" in text and "unchanged    acme.acme-eu.acme-apac\n" in text
    drop_and_compare(d, path, result, plan="acme")

    # migratedFrom changed: every job it derives is submitted again.
    code, result, path = diff(d, "acme.plan.json",
                              plan_spec([EU, US, LATAM], migratedFrom="https://jira2.acme.example"))
    assert code == 0 and len(result["restart"]) == 6
    assert all(job["fields"] == ["migratedFrom"] for job in result["restart"])
    code, text, _ = d.ctl("diff", str(path))
    assert "restart      acme.acme-eu.acme-us (migratedFrom changed)\n" in text
    assert not result["unchanged"]  # acme-apac's jobs are of no file any more: not the plan's to change
    drop_and_compare(d, path, result, plan="acme")

    # Only migratedAt: the windows move.
    code, result, path = diff(d, "acme.plan.json",
                              plan_spec([EU, US, LATAM], migratedFrom="https://jira2.acme.example",
                                        migratedAt=rfc3339(now_utc() - datetime.timedelta(hours=1))))
    assert code == 0 and len(result["moved"]) == 6 and not result["restart"]
    code, text, _ = d.ctl("diff", str(path))
    assert "move window  acme.acme-eu.acme-us\n" in text
    assert "0 to create, 0 to restart, 6 to move (window only), 0 to cancel, 0 unchanged" in text
    drop_and_compare(d, path, result, plan="acme")


def test_diff_of_an_invalid_plan_names_its_problems_and_changes_nothing(daemon):
    d = daemon()
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU, US]))
    drop_and_compare(d, path, result, plan="acme")
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU]))
    assert code == 1
    assert all(result[bucket] == [] for bucket in BUCKETS)
    assert any(problem.startswith("sites: ") for problem in result["problems"]), result
    drop_and_compare(d, path, result, plan="acme")
    d.wait_state("acme", "invalid")
    code, text, _ = d.ctl("diff", str(path))
    assert code == 1 and "the plan's jobs stay as they are" in text


def test_diff_without_a_database_creates_every_job_and_writes_nothing(daemon):
    d = daemon(fake=False, start=False)
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU, US]))
    assert code == 0 and sorted(result["create"]) == ["acme.acme-eu.acme-us", "acme.acme-us.acme-eu"]
    assert list(d.state_dir.iterdir()) == []
    code, out, err = d.ctl("diff")
    assert code == 2 and "diff needs exactly one FILE" in err
    for filename, problem in (("notes.txt", "the name must be NAME.json"),
                              ("acme.json~", "relinkd ignores this file name")):
        code, result, _ = diff(d, filename, raw=b"{}")
        assert code == 1 and result["name"] == filename and problem in result["problems"][0], result


def test_diff_of_a_job_file_whose_name_a_plan_holds_says_relinkd_ignores_it(daemon):
    d = daemon()
    code, result, path = diff(d, "acme.plan.json", plan_spec([EU, US]))
    drop_and_compare(d, path, result, plan="acme")
    code, result, path = diff(d, "acme.acme-eu.acme-us.json", job_spec())
    assert code == 1 and not result["create"]
    assert result["problems"] == [f"file: the name acme.acme-eu.acme-us is already a job of the plan acme "
                                  f"({d.jobs_dir}/acme.plan.json); relinkd ignores this file: rename it"]
    drop_and_compare(d, path, result)  # the plan's job stays as it was
    assert d.job("acme.acme-eu.acme-us")["plan"] == "acme"


def test_diff_of_a_name_relinkd_ignores_says_no_job_comes_of_it(daemon):
    d = daemon(fake=False, start=False)
    outside = d.dir / "elsewhere"
    outside.mkdir()
    path = write_bytes(outside, "acme.json~", b"{}")
    code, out, _ = d.ctl("diff", str(path))
    assert code == 1
    assert out.splitlines()[-1] == (f"{path} is invalid: relinkd would send nothing for it "
                                    "(relinkd would not read it; no job would come of it)"), out


def test_diff_of_the_bytes_of_a_job_accepted_before_a_rule_was_added_says_unchanged(fake, daemon):
    """A job relinkd accepted keeps going when its file is left as it is,
    even if a rule added since would refuse the content (relinkd does not
    judge the same bytes again); diff says so too, instead of invalid."""
    d = daemon()
    write_job(d.jobs_dir, "old", siteId="site-a")
    d.wait_state("old", "succeeded")
    d.stop()
    # The content an older relinkd accepted: destinationURL on productURL's
    # site, which recreateAsRemote now refuses. Its hash stands in the row.
    spec = job_spec(siteId="site-a")
    spec["destinationURL"] = spec["productURL"].rstrip("/").upper() + "/"
    stale = json.dumps(spec).encode()
    db = sqlite3.connect(d.state_dir / "relinkd.db")
    with db:
        db.execute("UPDATE jobs SET file_hash = ? WHERE name = 'old'", (hashlib.sha256(stale).hexdigest(),))
    db.close()
    path = write_bytes(d.dir, "old.json", stale)
    code, out, _ = d.ctl("diff", "--json", str(path))
    result = json.loads(out)
    assert code == 0 and result["unchanged"] == ["old"] and result["problems"] == [], result
    assert result["create"] == result["cancel"] == result["moved"] == result["restart"] == []
