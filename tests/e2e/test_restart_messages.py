"""What an operator reads after a changed job file or plan restarted a job:
`relinkctl show NAME --json` history and relinkd's log name the fields that
changed, and a job restarted while its remote job ran says that the old
remote job keeps running at Atlassian (the API cannot cancel it)."""

import json

from conftest import write_bytes, write_job
from test_plans import EU, US, APAC, plan_jobs, plan_spec

STILL_RUNNING = (" keeps running at Atlassian (the API cannot cancel it) and may still update links as the old "
                 "content asked; relinkd no longer polls it and submits the new content as a new remote job")


def entries(d, name, action):
    return [e for e in d.show(name)["history"] if e["action"] == action]


def test_an_edited_job_file_names_its_changed_fields_and_the_remote_job_left_running(fake, daemon):
    fake.config({"statuses": ["Pending"]})  # the remote job runs for as long as the test
    d = daemon()
    write_job(d.jobs_dir, "moving")
    first = d.wait_state("moving", "running")

    write_job(d.jobs_dir, "moving", destinationURL="https://acme-apac.atlassian.net", createBackup=True)
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
              siteId="site-b")
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
