"""What an operator reads after a changed job file or plan restarted a job:
`relinkctl show NAME --json` history and relinkd's log name the fields that
changed, and a job restarted while its remote job ran says that the old
remote job keeps running at Atlassian (the API cannot cancel it). A plan edit
restarts only the jobs whose request it alters: failed and cancelled jobs it
leaves alone stay as they are."""

import datetime
import json

from conftest import stamp_of, now_utc, rfc3339, write_bytes, write_job
from test_plans import EU, US, APAC, LATAM, names, plan_jobs, plan_spec

STILL_RUNNING = (" keeps running at Atlassian (the API cannot cancel it) and may still update links as the old "
                 "content asked; relinkd no longer polls it and submits the new content as a new remote job")


def entries(d, name, action):
    return [e for e in d.show(name)["history"] if e["action"] == action]


def test_an_edited_job_file_names_its_changed_fields_and_the_remote_job_left_running(fake, daemon):
    fake.config({"statuses": ["Pending"]})  # the remote job runs for as long as the test
    d = daemon()
    migrated_at = rfc3339(now_utc() - datetime.timedelta(days=1))  # the same in every version of the file
    write_job(d.jobs_dir, "moving", migratedAt=migrated_at)
    first = d.wait_state("moving", "running")

    write_job(d.jobs_dir, "moving", destinationURL="https://acme-apac.atlassian.net", createBackup=True,
              migratedAt=migrated_at)
    d.wait_for(lambda: entries(d, "moving", "file-changed"), what="the restart in the history")
    path = d.jobs_dir / "moving.json"
    expected = (f"restarted: destinationURL and createBackup changed in {path}; "
                f"its old remote job {first['remoteJobId']}" + STILL_RUNNING)
    assert [e["detail"] for e in entries(d, "moving", "file-changed")] == [expected]
    d.wait_for(lambda: f"job moving: running -> queued: {expected}" in d.log(), what="the restart in the log")
    second = d.wait_state("moving", "running")
    assert second["remoteJobId"] != first["remoteJobId"]
    code, text, _ = d.ctl("show", "moving")
    assert code == 0 and "destinationURL and createBackup changed" in text

    # Edited again: the one field, and the remote job that ran since.
    write_job(d.jobs_dir, "moving", destinationURL="https://acme-apac.atlassian.net", createBackup=True,
              siteId="site-b", migratedAt=migrated_at)
    d.wait_for(lambda: len(entries(d, "moving", "file-changed")) == 2, what="the second restart")
    again = entries(d, "moving", "file-changed")[-1]["detail"]
    assert again == f"restarted: siteId changed in {path}; its old remote job {second['remoteJobId']}" + STILL_RUNNING


def test_an_edited_plan_names_the_plans_changed_fields_on_each_job_it_restarts(fake, daemon):
    fake.config({"statuses": ["Pending"]})
    d = daemon()
    plan = d.jobs_dir / "acme.plan.json"
    spec = plan_spec([EU, US, APAC])
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps(spec).encode())
    d.wait_for(lambda: len(plan_jobs(d)) == 6 and all(j["state"] == "running" for j in plan_jobs(d).values()),
               what="six running jobs")
    before = plan_jobs(d)

    spec["createBackup"] = True
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps(spec).encode())
    d.wait_for(lambda: all(entries(d, name, "plan-changed") for name in before), what="six restarts")
    for name, job in before.items():
        src, dst = (next(s for s in (EU, US, APAC) if s.split("//")[1].startswith(label + "."))
                    for label in name.split(".")[1:])
        expected = (f"restarted: createBackup changed in plan acme ({plan}) ({src} -> {dst}); "
                    f"its old remote job {job['remoteJobId']}" + STILL_RUNNING)
        assert [e["detail"] for e in entries(d, name, "plan-changed")] == [expected], name
        assert f"job {name}: running -> queued: {expected}" in d.log()

    d.wait_for(lambda: all(j["state"] == "running" for j in plan_jobs(d).values()), what="six running again")
    spec["siteIds"][EU] = "id-acme-eu2"
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps(spec).encode())
    d.wait_for(lambda: len(entries(d, "acme.acme-eu.acme-us", "plan-changed")) == 2, what="acme-eu's restart")
    detail = entries(d, "acme.acme-eu.acme-us", "plan-changed")[-1]["detail"]
    assert detail.startswith(f"restarted: siteIds changed in plan acme ({plan}) ({EU} -> {US}); its old remote job ")
    assert len(entries(d, "acme.acme-us.acme-eu", "plan-changed")) == 1, "a job of another site restarted"


def test_a_site_added_to_a_plan_leaves_its_failed_and_cancelled_jobs_alone(fake, daemon):
    fake.config({"siteScripts": {"id-acme-apac": [["Pending"]]}})  # acme-apac's jobs run until cancelled
    fake.faults([{"method": "POST", "pathContains": "/id-acme-eu/", "times": -1, "action": "status", "status": 400,
                  "body": '{"errorMessage":"the application link is missing"}'}])
    d = daemon()
    spec = plan_spec([EU, US, APAC])
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps(spec).encode())
    failed = {"acme.acme-eu.acme-us", "acme.acme-eu.acme-apac"}
    for name in failed:
        d.wait_state(name, "failed")
    d.wait_state("acme.acme-apac.acme-eu", "running")
    code, out, err = d.ctl("cancel", "acme.acme-apac.acme-eu")
    assert code == 0, out + err
    d.wait_state("acme.acme-apac.acme-eu", "cancelled")
    fake.clear_faults()  # a restart of the failed jobs would now show as a new submission
    before = plan_jobs(d)
    final = failed | {"acme.acme-apac.acme-eu"}
    history = {name: d.show(name)["history"] for name in final}
    posts = len(fake.posts())

    spec["sites"].append(LATAM)
    spec["siteIds"][LATAM] = "id-acme-latam"
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps(spec).encode())
    created = names([EU, US, APAC, LATAM]) - names([EU, US, APAC])
    d.wait_for(lambda: set(plan_jobs(d)) == names([EU, US, APAC, LATAM])
               and all(plan_jobs(d)[n]["state"] != "queued" for n in created), what="the six new jobs submitted")
    after = plan_jobs(d)
    for name, job in before.items():  # the others go on as they were (running ones may finish meanwhile)
        assert after[name]["remoteJobId"] == job["remoteJobId"], name
        actions = [e["action"] for e in d.show(name)["history"]]
        assert not {"plan-changed", "file-recreated", "window-moved"} & set(actions), f"{name}: {actions}"
    for name in final:
        assert after[name]["state"] == before[name]["state"], f"{name}: {after[name]['state']}"
        assert d.show(name)["history"] == history[name], name  # not even a note
    assert after["acme.acme-apac.acme-eu"]["state"] == "cancelled"
    assert all(after[name]["state"] == "failed" for name in failed)
    new_posts = [json.loads(p["body"]) for p in fake.posts()[posts:]]
    assert sorted((b["productURL"], b["destinationURL"]) for b in new_posts) == sorted(
        (a, b) for a in (EU, US, APAC, LATAM) for b in (EU, US, APAC, LATAM) if a != b and LATAM in (a, b))
    assert "no field of this job changed" not in d.log()

    # What re-arms a failed job is relinkctl retry; the same plan written again starts the cancelled one,
    # once relinkd has trusted the edited plan's stamp (2 s after the write) and its jobs remember it.
    code, out, err = d.ctl("retry", *sorted(failed))
    assert code == 0, out + err
    for name in failed:
        d.wait_state(name, "succeeded")
    d.wait_for(lambda: stamp_of(d, "acme.acme-apac.acme-eu"), what="the edited plan's stamp remembered")
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps(spec).encode())
    d.wait_state("acme.acme-apac.acme-eu", "running")
    assert entries(d, "acme.acme-apac.acme-eu", "file-recreated")
