"""Federation plans (NAME.plan.json) through the real daemon over HTTPS: the
jobs a plan derives, the plan's changes applied to them, and relinkctl's
view of a plan."""

import datetime
import json
import os
import subprocess

from conftest import RELINKCTL, clean_env, now_utc, rfc3339, write_bytes, write_job

EU, US, APAC, LATAM = (f"https://acme-{s}.atlassian.net" for s in ("eu", "us", "apac", "latam"))
LABEL = {EU: "acme-eu", US: "acme-us", APAC: "acme-apac", LATAM: "acme-latam"}


def site_id(site):
    return "id-" + LABEL[site]


MIGRATED_AT = rfc3339(now_utc())  # the same in every version of a plan: a new one would restart every job


def plan_spec(sites, discovered=(), **extra):
    spec = {
        "sites": list(sites),
        "siteIds": {s: site_id(s) for s in sites if s not in discovered},
        "migratedFrom": "https://jira.acme.example",
        "migratedAt": MIGRATED_AT,
    }
    spec.update(extra)
    return spec


def write_plan(d, name, spec):
    write_bytes(d.jobs_dir, f"{name}.plan.json", json.dumps(spec, indent=2).encode())
    return spec


def names(sites, plan="acme", label=LABEL):
    return {f"{plan}.{label[a]}.{label[b]}" for a in sites for b in sites if a != b}


def plan_jobs(d, plan="acme"):
    code, out, err = d.ctl("list", "--json", f"--plan={plan}")
    assert code == 0, err
    return {job["name"]: job for job in json.loads(out)}


def posts_by_pair(fake):
    pairs = {}
    for post in fake.posts():
        body = json.loads(post["body"])
        pairs.setdefault((body["productURL"], body["destinationURL"]), []).append((post, body))
    return pairs


def start_wait(d, *args):
    return subprocess.Popen([str(RELINKCTL), "-c", str(d.config_path), "wait", *args, "--timeout=60s"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())


def test_a_three_site_plan_ends_with_six_succeeded_jobs_one_per_ordered_pair(fake, daemon):
    fake.config({"cloudId": "cloud-discovered"})
    d = daemon()
    local = fake.url  # a site without a known id: discovered from its own /_edge/tenant_info
    sites = [EU, US, local]
    label = {**LABEL, local: "127"}
    spec = write_plan(d, "acme", plan_spec(sites, discovered=[local]))
    waiter = start_wait(d, "acme")  # at once: the daemon may not have read the plan yet
    out, err = waiter.communicate(timeout=90)
    assert waiter.returncode == 0, f"relinkctl wait acme: {out.decode()} {err.decode()}"
    assert "all 6 jobs succeeded" in out.decode()

    jobs = plan_jobs(d)
    assert set(jobs) == names(sites, label=label)
    assert all(job["state"] == "succeeded" and job["plan"] == "acme" for job in jobs.values())
    assert all(job["file"] == str(d.jobs_dir / "acme.plan.json") for job in jobs.values())
    pairs = posts_by_pair(fake)
    assert set(pairs) == {(a, b) for a in sites for b in sites if a != b}
    for (source, destination), posts in pairs.items():
        assert len(posts) == 1, f"{source} -> {destination} was submitted {len(posts)} times"
        post, body = posts[0]
        expected_id = "cloud-discovered" if source == local else site_id(source)
        assert post["path"] == f"/links/v1/{expected_id}/jobs/cma"
        assert body["recreateAsRemote"] is True
        assert body["migratedFrom"] == spec["migratedFrom"]
        assert body["product"] == "jira"
    tenant = [r for r in fake.requests() if r["path"] == "/_edge/tenant_info"]
    assert len(tenant) == 1, "the discovered site's id is read once for both of its jobs"
    assert not tenant[0]["authorization"]

    shown = d.show("acme")
    assert shown["plan"] == "acme" and shown["problem"] is None
    assert [(s["label"], s["url"], s["siteId"]) for s in shown["sites"]] == [
        ("acme-eu", EU, "id-acme-eu"), ("acme-us", US, "id-acme-us"), ("127", local, "cloud-discovered")]
    assert shown["matrix"]["acme-eu"] == {"acme-us": "succeeded", "127": "succeeded"}
    code, text, _ = d.ctl("show", "acme")
    assert code == 0 and "FROM \\ TO" in text and "cloud-discovered" in text
    code, text, _ = d.ctl("list", "--plan=other")
    assert code == 0 and text.strip() == "no jobs of plan other"


def test_a_site_added_submits_exactly_its_jobs_and_a_site_removed_cancels_only_its_own(fake, daemon):
    fake.config({"siteScripts": {site_id(APAC): [["Pending"]]}})  # acme-apac's jobs never finish
    d = daemon()
    write_plan(d, "acme", plan_spec([EU, US, APAC]))
    d.wait_for(lambda: len([j for j in plan_jobs(d).values() if j["state"] in ("succeeded", "running")]) == 6
               and all(j["state"] != "queued" for j in plan_jobs(d).values()), what="six jobs submitted")
    d.wait_for(lambda: sum(j["state"] == "succeeded" for j in plan_jobs(d).values()) == 4,
               what="the four jobs not from acme-apac succeeded")
    assert len(fake.posts()) == 6

    write_plan(d, "acme", plan_spec([EU, US, APAC, LATAM]))
    d.wait_for(lambda: len(fake.posts()) >= 12 and len(plan_jobs(d)) == 12, what="six more submissions")
    d.wait_for(lambda: sum(j["state"] == "succeeded" for j in plan_jobs(d).values()) == 4 + 6 - 1,
               what="the new jobs not from acme-apac succeeded")
    pairs = posts_by_pair(fake)
    twice = {pair: len(posts) for pair, posts in pairs.items() if len(posts) > 1}
    assert len(pairs) == 12 and not twice, f"submitted more than once: {twice}"
    new = {(a, b) for a in (EU, US, APAC, LATAM) for b in (EU, US, APAC, LATAM) if a != b and LATAM in (a, b)}
    assert {pair for pair in pairs} - {(a, b) for a in (EU, US, APAC) for b in (EU, US, APAC) if a != b} == new

    # acme-apac leaves while its three jobs still run: those stop, the others stay as they are.
    write_plan(d, "acme", plan_spec([EU, US, LATAM]))
    d.wait_for(lambda: all(j["state"] == "cancelled" for n, j in plan_jobs(d).items() if n.startswith("acme.acme-apac.")),
               what="acme-apac's running jobs cancelled")
    jobs = plan_jobs(d)
    for name, job in jobs.items():
        if "acme-apac" in name.split(".")[1]:
            assert job["state"] == "cancelled", name
            assert "no longer derives this job" in job["lastError"]
        else:
            assert job["state"] == "succeeded", f"{name}: {job['state']}"
    assert len(fake.posts()) == 12
    shown = d.show("acme")
    assert [s["label"] for s in shown["sites"]] == ["acme-eu", "acme-us", "acme-latam"]
    assert {j["name"] for j in shown["formerJobs"]} == {n for n in jobs if "acme-apac" in n}


def test_a_plan_edited_while_relinkd_is_stopped_is_reconciled_at_start(fake, daemon):
    d = daemon()
    write_plan(d, "acme", plan_spec([EU, US, APAC]))
    code, out, err = d.ctl("wait", "acme", "--timeout=60s")
    assert code == 0, out + err
    d.stop()
    write_plan(d, "acme", plan_spec([EU, US, LATAM]))
    d.start()
    code, out, err = d.ctl("wait", "acme", "--timeout=60s")
    assert code == 0, out + err
    jobs = plan_jobs(d)
    assert {n for n, j in jobs.items() if j["state"] == "succeeded" and "acme-apac" not in n} == names([EU, US, LATAM])
    # The jobs it no longer derives had finished: they stay succeeded, and nothing was sent twice.
    assert all(jobs[n]["state"] == "succeeded" for n in names([EU, US, APAC]))
    pairs = posts_by_pair(fake)
    assert len(pairs) == 10 and all(len(p) == 1 for p in pairs.values())


def test_a_broken_plan_is_invalid_naming_the_field_while_a_good_plan_beside_it_succeeds(fake, daemon):
    d = daemon()
    write_plan(d, "broken", plan_spec([EU], migratedFrom="ftp://jira.acme.example"))
    # A job file already has one of good's names: read first (else the plan,
    # read first, would hold the name and the file would give way).
    write_job(d.jobs_dir, "good.acme-eu.acme-us", siteId="taken")
    d.wait_for(lambda: d.job("good.acme-eu.acme-us"), what="the job file good.acme-eu.acme-us read")
    write_plan(d, "good", plan_spec([EU, US]))
    write_plan(d, "fine", plan_spec([US, APAC]))
    code, out, err = d.ctl("wait", "fine", "--timeout=60s")
    assert code == 0, out + err

    broken = d.wait_state("broken", "invalid")
    assert broken["plan"] == "broken"
    assert "sites: must list 2 to 64 sites (it lists 1)" in broken["lastError"]
    assert "migratedFrom: must be an absolute http or https URL" in broken["lastError"]
    good = d.wait_state("good", "invalid")
    assert "good.acme-eu.acme-us that this plan derives is already used by" in good["lastError"]
    assert d.job("good.acme-eu.acme-us")["plan"] is None
    assert d.show("good")["problem"] == good["lastError"]
    code, out, _ = d.ctl("wait", "broken", "--timeout=10s")
    assert code == 1 and "broken: invalid" in out
    code, out, _ = d.ctl("validate", str(d.jobs_dir / "broken.plan.json"), str(d.jobs_dir / "fine.plan.json"))
    assert code == 1
    assert "broken.plan.json: sites: must list 2 to 64 sites" in out
    assert "fine.plan.json: ok" in out

    # Fixed: the stand-in goes and the plan's jobs run.
    write_plan(d, "broken", plan_spec([EU, APAC]))
    code, out, err = d.ctl("wait", "broken", "--timeout=60s")
    assert code == 0, out + err
    assert d.job("broken") is None
    assert set(plan_jobs(d, "broken")) == names([EU, APAC], plan="broken")


def test_removing_a_plan_cancels_its_unfinished_jobs(fake, daemon):
    fake.config({"siteScripts": {site_id(US): [["Pending"]]}})
    d = daemon()
    write_plan(d, "acme", plan_spec([EU, US]))
    d.wait_state("acme.acme-eu.acme-us", "succeeded")
    d.wait_state("acme.acme-us.acme-eu", "running")
    (d.jobs_dir / "acme.plan.json").unlink()
    d.wait_state("acme.acme-us.acme-eu", "cancelled")
    assert d.job("acme.acme-eu.acme-us")["state"] == "succeeded"
    assert "acme.plan.json was removed" in d.job("acme.acme-us.acme-eu")["lastError"]


def test_eight_sites_in_one_file_make_56_jobs_that_all_finish(fake, daemon):
    d = daemon(overrides={"relinkd.api.concurrency": "16"})
    sites = [f"https://globex-{i}.atlassian.net" for i in range(8)]
    spec = {"sites": sites, "siteIds": {s: f"id-{i}" for i, s in enumerate(sites)},
            "migratedFrom": "https://jira.globex.example", "migratedAt": MIGRATED_AT}
    write_bytes(d.jobs_dir, "globex.plan.json", json.dumps(spec, indent=2).encode())
    code, out, err = d.ctl("wait", "globex", "--timeout=120s")
    assert code == 0, out + err
    assert "all 56 jobs succeeded" in out
    assert len(fake.posts()) == 56
    assert len({(json.loads(p["body"])["productURL"], json.loads(p["body"])["destinationURL"])
                for p in fake.posts()}) == 56


def test_hostile_plan_files_become_invalid_and_a_good_plan_beside_them_runs(fake, daemon, tmp_path):
    d = daemon(start=False)
    jobs_dir = d.jobs_dir
    os.mkfifo(jobs_dir / "fifo.plan.json")
    (tmp_path / "outside.plan.json").write_text(json.dumps(plan_spec([EU, US])))
    (jobs_dir / "link.plan.json").symlink_to(tmp_path / "outside.plan.json")
    write_bytes(jobs_dir, "big.plan.json", b'{"sites": [' + b" " * (70 * 1024) + b"]}")
    write_bytes(jobs_dir, "deep.plan.json", b'{"sites": ' + b"[" * 60000 + b"]" * 5000)
    write_bytes(jobs_dir, "binary.plan.json", bytes(range(256)) * 16)
    write_plan(d, "good", plan_spec([EU, US]))
    d.start()
    code, out, err = d.ctl("wait", "good", "--timeout=60s")
    assert code == 0, out + err
    expected = {"fifo": "fifo", "link": "symbolic link", "big": "64 kib", "deep": "deeper", "binary": "utf-8"}
    for name, word in expected.items():
        job = d.wait_state(name, "invalid")
        assert job["plan"] == name
        assert word in job["lastError"].lower(), f"{name}: {job['lastError']}"
    assert not [j for j in d.jobs() if j["plan"] in expected and j["name"] != j["plan"]]


def test_a_site_label_names_its_jobs_and_a_shared_first_label_asks_for_one(fake, daemon):
    d = daemon()
    spec = write_plan(d, "acme", plan_spec([EU, US]))
    code, out, err = d.ctl("wait", "acme", "--timeout=60s")
    assert code == 0, out + err
    eu_com = "https://acme-eu.example.com"  # its first host label is acme-eu's too
    spec["sites"].append(eu_com)
    spec["siteIds"][eu_com] = "id-eu-com"
    write_plan(d, "acme", spec)
    clash = d.wait_state("acme", "invalid")
    assert EU in clash["lastError"] and eu_com in clash["lastError"] and "label" in clash["lastError"]
    code, out, _ = d.ctl("validate", str(d.jobs_dir / "acme.plan.json"))
    assert code == 1 and EU in out and eu_com in out
    jobs = plan_jobs(d)
    del jobs["acme"]
    assert set(jobs) == names([EU, US]) and all(j["state"] == "succeeded" for j in jobs.values())

    spec["sites"][2] = {"url": eu_com, "label": "eu-com"}
    write_plan(d, "acme", spec)
    d.wait_for(lambda: d.job("acme") is None, what="the plan valid again")
    code, out, err = d.ctl("wait", "acme", "--timeout=60s")
    assert code == 0, out + err
    label = {**LABEL, eu_com: "eu-com"}
    assert set(plan_jobs(d)) == names([EU, US, eu_com], label=label)
    pairs = posts_by_pair(fake)
    assert len(pairs) == 6 and all(len(p) == 1 for p in pairs.values()), "the first two jobs were not submitted again"
    assert [s["label"] for s in d.show("acme")["sites"]] == ["acme-eu", "acme-us", "eu-com"]


def test_a_new_migrated_at_moves_the_window_of_the_plans_jobs_and_submits_none_again(fake, daemon):
    d = daemon()
    spec = write_plan(d, "acme", plan_spec([EU, US]))
    code, out, err = d.ctl("wait", "acme", "--timeout=60s")
    assert code == 0, out + err
    before = {name: job["deadline"] for name, job in plan_jobs(d).items()}
    write_plan(d, "acme", {**spec, "migratedAt": rfc3339(now_utc() - datetime.timedelta(hours=1))})
    d.wait_for(lambda: all(job["deadline"] != before[name] for name, job in plan_jobs(d).items()),
               what="every job's window moved")
    for name, job in plan_jobs(d).items():
        assert job["state"] == "succeeded", name
        moved = [e for e in d.show(name)["history"] if e["action"] == "window-moved"]
        assert len(moved) == 1 and "migratedAt changed" in moved[0]["detail"], moved
    assert len(fake.posts()) == 2, "a change of the window alone submits nothing again"
