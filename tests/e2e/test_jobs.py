"""Job files in, API requests out: the life of jobs driven through the real
daemon, checked through `relinkctl --json` and the fake API's records."""

import json
import os
import re

from conftest import basic_auth, expected_body, job_spec, write_job

JOB_KEYS = ("name", "file", "state", "remoteJobId", "remoteStatus", "attempts",
            "nextAttemptAt", "deadline", "lastError", "createdAt", "updatedAt")
HISTORY_KEYS = ("at", "action", "httpStatus", "outcome", "detail")
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def assert_api_requests_authorised(fake, token):
    """Every links API request carries Basic base64(email:token); every POST
    is application/json."""
    requests = [r for r in fake.requests() if r["path"].startswith("/links/v1/")]
    assert requests, "the fake received no API request"
    for r in requests:
        what = f"request {r['seq']} {r['method']} {r['path']}"
        assert r["authorization"] == basic_auth(token), f"{what}: wrong Authorization"
        if r["method"] == "POST":
            media_type = (r["contentType"] or "").split(";")[0].strip()
            assert media_type == "application/json", f"{what}: Content-Type {r['contentType']!r}"


def history_actions(d, name):
    return [entry["action"] for entry in d.show(name)["history"]]


def test_several_jobs_succeed_with_exact_requests(fake, daemon, secrets):
    d = daemon()
    specs = {
        "eu-to-us": write_job(d.jobs_dir, "eu-to-us"),
        "eu-to-apac": write_job(d.jobs_dir, "eu-to-apac", siteId="site-b",
                                destinationURL="https://acme-apac.atlassian.net"),
        "wiki": write_job(d.jobs_dir, "wiki", siteId="site-c", product="confluence",
                          productURL="https://acme-eu.atlassian.net/wiki",
                          destinationURL="https://acme-us.atlassian.net/wiki",
                          migratedFrom="https://wiki.acme.example", recreateAsRemote=None),
    }
    for name in specs:
        d.wait_state(name, "succeeded")

    jobs = {j["name"]: j for j in d.jobs()}
    assert set(jobs) == set(specs)
    remote_jobs = {j["uuid"]: j for j in fake.jobs()}
    assert len(fake.posts()) == len(specs), "one submission per job"
    for name, spec in specs.items():
        job = jobs[name]
        for key in JOB_KEYS:
            assert key in job, f"{name}: key {key} missing from relinkctl list --json"
        assert job["file"] == str(d.jobs_dir / f"{name}.json")
        assert job["remoteStatus"] == "COMPLETE", "remoteStatus is as the API spelled it"
        assert job["lastError"] is None
        assert job["attempts"] == 1
        for key in ("createdAt", "updatedAt"):
            assert RFC3339_UTC.match(job[key]), f"{name}.{key} = {job[key]!r}"

        posts = fake.posts(spec["siteId"])
        assert len(posts) == 1, f"{name}: POSTs to its site"
        assert json.loads(posts[0]["body"]) == expected_body(spec), f"{name}: POST body"
        assert posts[0]["status"] == 200

        remote = remote_jobs[job["remoteJobId"]]
        assert remote["siteId"] == spec["siteId"]
        assert remote["status"] == "COMPLETE"
        gets = fake.status_gets(spec["siteId"], job["remoteJobId"])
        # Pending, In_progress, Complete: three polls, none after Complete.
        assert len(gets) == remote["polls"] == 3, f"{name}: status polls"
        assert all(g["status"] == 200 for g in gets)
        assert all(g["seq"] > posts[0]["seq"] for g in gets)

        shown = d.show(name)
        assert shown["name"] == name and shown["state"] == "succeeded"
        assert shown["spec"]["siteId"] == spec["siteId"]
        assert shown["spec"]["productURL"] == spec["productURL"]
        assert shown["history"], f"{name}: empty history"
        for entry in shown["history"]:
            for key in HISTORY_KEYS:
                assert key in entry, f"{name}: history entry without {key}: {entry}"
        assert any(e["httpStatus"] == 200 for e in shown["history"])

    assert_api_requests_authorised(fake, secrets.token)
    d.stop()
    for job in jobs.values():
        assert fake.job(job["remoteJobId"])["polls"] == 3, "polled after Complete"


def test_request_body_uses_json_booleans_and_lower_case_product(fake, daemon, secrets):
    d = daemon()
    specs = {
        "strings": write_job(d.jobs_dir, "strings", product="JIRA", recreateAsRemote="true",
                             createBackup="false",
                             migratedFromOverride="https://jira-prod.acme.example"),
        "backup": write_job(d.jobs_dir, "backup", siteId="site-b", product="Jira",
                            recreateAsRemote=False, createBackup=True, migratedAt=None),
        "wiki": write_job(d.jobs_dir, "wiki", siteId="site-c", product="Confluence",
                          recreateAsRemote=None, migratedAt=None),
    }
    for name in specs:
        d.wait_state(name, "succeeded")
    for name, spec in specs.items():
        (post,) = fake.posts(spec["siteId"])
        body = json.loads(post["body"])
        assert body == expected_body(spec), f"{name}: POST body"
        assert body["product"] in ("jira", "confluence")
        assert isinstance(body["recreateAsRemote"], bool)
        assert isinstance(body["createBackup"], bool)
    assert_api_requests_authorised(fake, secrets.token)


def test_status_is_polled_until_complete(fake, daemon):
    fake.config({"statuses": ["Pending", "Pending", "In_progress", "Backup", "In_progress",
                              "Complete"], "statusCase": "title"})
    d = daemon()
    write_job(d.jobs_dir, "slow")
    running = d.wait_state("slow", "running")
    assert running["remoteJobId"], "a running job has its remoteJobId"
    done = d.wait_state("slow", "succeeded")
    assert done["remoteJobId"] == running["remoteJobId"]
    assert done["remoteStatus"] == "Complete"
    assert len(fake.status_gets("site-a", done["remoteJobId"])) == 6
    assert len(fake.posts()) == 1


def test_edited_file_restarts_the_job_and_keeps_history(fake, daemon, secrets):
    d = daemon()
    spec = write_job(d.jobs_dir, "edit-me")
    first = d.wait_state("edit-me", "succeeded")
    old_history = d.show("edit-me")["history"]

    # Same bytes again, and a touch: not a change.
    path = d.jobs_dir / "edit-me.json"
    write_job(d.jobs_dir, "edit-me", spec=spec)
    os.utime(path)
    write_job(d.jobs_dir, "sentinel", siteId="site-s")
    d.wait_state("sentinel", "succeeded")
    assert len(fake.posts("site-a")) == 1, "identical content restarted the job"
    assert d.job("edit-me")["remoteJobId"] == first["remoteJobId"]

    edited = write_job(d.jobs_dir, "edit-me", destinationURL="https://acme-apac.atlassian.net")
    second = d.wait_for(
        lambda: (lambda j: j if j["state"] == "succeeded"
                 and j["remoteJobId"] != first["remoteJobId"] else None)(d.job("edit-me")),
        what="edit-me to succeed again with a new remote job")

    posts = fake.posts("site-a")
    assert [json.loads(p["body"]) for p in posts] == [expected_body(spec), expected_body(edited)]
    assert fake.job(second["remoteJobId"]) is not None
    history = d.show("edit-me")["history"]
    assert history[:len(old_history)] == old_history, "history before the edit was rewritten"
    assert "file-changed" in [e["action"] for e in history[len(old_history):]]
    assert d.show("edit-me")["spec"]["destinationURL"] == "https://acme-apac.atlassian.net"
    assert_api_requests_authorised(fake, secrets.token)


def test_file_edited_while_running_is_resubmitted(fake, daemon):
    # First submission to site-a never finishes; the second one does.
    fake.config({"siteScripts": {"site-a": [["Pending"], ["Pending", "Complete"]]}})
    d = daemon()
    spec = write_job(d.jobs_dir, "moving")
    first = d.wait_state("moving", "running")
    d.wait_for(lambda: len(fake.status_gets("site-a", first["remoteJobId"])) >= 2,
               what="the first remote job to be polled")

    edited = write_job(d.jobs_dir, "moving", destinationURL="https://acme-apac.atlassian.net")
    done = d.wait_state("moving", "succeeded")
    assert done["remoteJobId"] != first["remoteJobId"]
    posts = fake.posts("site-a")
    assert [json.loads(p["body"]) for p in posts] == [expected_body(spec), expected_body(edited)]
    # The abandoned remote job is no longer polled (one poll may have been in flight).
    late_polls = [g for g in fake.status_gets("site-a", first["remoteJobId"])
                  if g["seq"] > posts[1]["seq"]]
    assert len(late_polls) <= 1, "the replaced remote job is still being polled"
    assert "file-changed" in history_actions(d, "moving")


def test_removed_file_cancels_an_unfinished_job_only(fake, daemon):
    fake.config({"siteScripts": {"site-a": [["Pending"]]}})  # never finishes
    d = daemon()
    write_job(d.jobs_dir, "endless")
    write_job(d.jobs_dir, "finished", siteId="site-b")
    endless = d.wait_state("endless", "running")
    d.wait_state("finished", "succeeded")

    (d.jobs_dir / "endless.json").unlink()
    (d.jobs_dir / "finished.json").unlink()
    cancelled = d.wait_state("endless", "cancelled")
    polls_at_cancel = len(fake.status_gets("site-a", endless["remoteJobId"]))

    write_job(d.jobs_dir, "sentinel", siteId="site-s")
    d.wait_state("sentinel", "succeeded")
    assert d.job("finished")["state"] == "succeeded", "a finished job was changed by removal"
    assert d.job("endless")["state"] == "cancelled"
    assert cancelled["remoteJobId"] == endless["remoteJobId"]
    polls = len(fake.status_gets("site-a", endless["remoteJobId"]))
    assert polls <= polls_at_cancel + 1, "the cancelled remote job is still being polled"
    assert len(fake.posts("site-a")) == 1


def test_changes_made_while_stopped_are_reconciled_at_start(fake, daemon):
    fake.config({"siteScripts": {"site-long": [["Pending"]]}})
    d = daemon()
    write_job(d.jobs_dir, "unfinished", siteId="site-long")
    edited_before = write_job(d.jobs_dir, "edited", siteId="site-e")
    write_job(d.jobs_dir, "removed-done", siteId="site-r")
    write_job(d.jobs_dir, "untouched", siteId="site-u")
    d.wait_state("unfinished", "running")
    for name in ("edited", "removed-done", "untouched"):
        d.wait_state(name, "succeeded")
    d.stop()

    (d.jobs_dir / "unfinished.json").unlink()
    (d.jobs_dir / "removed-done.json").unlink()
    edited_after = write_job(d.jobs_dir, "edited", siteId="site-e",
                             destinationURL="https://acme-apac.atlassian.net")
    write_job(d.jobs_dir, "added", siteId="site-n")
    posts_before = len(fake.posts())

    d.start()
    d.wait_state("unfinished", "cancelled")
    d.wait_state("added", "succeeded")
    d.wait_for(lambda: len(fake.posts("site-e")) == 2 and d.job("edited")["state"] == "succeeded",
               what="the edited job to be submitted again and succeed")
    assert json.loads(fake.posts("site-e")[1]["body"]) == expected_body(edited_after)
    assert json.loads(fake.posts("site-e")[0]["body"]) == expected_body(edited_before)
    assert "file-changed" in history_actions(d, "edited")
    assert d.job("removed-done")["state"] == "succeeded"
    assert d.job("untouched")["state"] == "succeeded"
    # Only the edited and the added job were submitted after the start.
    assert len(fake.posts()) == posts_before + 2
    assert len(fake.posts("site-u")) == 1


def test_restart_after_kill_continues_a_running_job(fake, daemon):
    fake.config({"siteScripts": {"site-a": [["Pending"] * 20 + ["Complete"]]}})
    d = daemon()
    write_job(d.jobs_dir, "survivor")
    running = d.wait_state("survivor", "running")
    d.wait_for(lambda: len(fake.status_gets("site-a", running["remoteJobId"])) >= 2,
               what="the remote job to be polled")
    d.kill()

    d.start()
    done = d.wait_state("survivor", "succeeded")
    assert done["remoteJobId"] == running["remoteJobId"]
    assert len(fake.posts("site-a")) == 1, "a running job was submitted again after a restart"
    assert fake.job(running["remoteJobId"])["status"] == "COMPLETE"


def test_written_in_place_file_is_submitted_once(fake, daemon):
    d = daemon()
    spec = write_job(d.jobs_dir, "in-place", atomic=False)
    d.wait_state("in-place", "succeeded")
    (post,) = fake.posts("site-a")
    assert json.loads(post["body"]) == expected_body(spec)


def test_invalid_file_is_fixed_by_changing_it(fake, daemon):
    d = daemon()
    write_job(d.jobs_dir, "typo", spec=dict(job_spec(), productUrl="https://x.example"))
    job = d.wait_state("typo", "invalid")
    assert "productUrl" in job["lastError"]
    assert fake.posts() == []
    write_job(d.jobs_dir, "typo")
    d.wait_state("typo", "succeeded")
    assert len(fake.posts("site-a")) == 1
