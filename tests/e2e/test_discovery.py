"""A job file without siteId: relinkd asks {productURL}/_edge/tenant_info for
the cloudId and submits to /links/v1/<cloudId>/jobs/cma."""

import json

from conftest import expected_body, write_job


def test_site_id_is_discovered_from_the_product_url(fake, daemon):
    fake.config({"cloudId": "cloud-e2e-42"})
    d = daemon()
    spec = write_job(d.jobs_dir, "discover", siteId=None, productURL=fake.url)
    job = d.wait_state("discover", "succeeded")

    requests = fake.requests()
    tenant = [r for r in requests if r["path"] == "/_edge/tenant_info"]
    assert tenant and all(r["method"] == "GET" for r in tenant)
    assert all(not r["authorization"] for r in tenant), \
        "credentials were sent to the product URL; tenant_info needs none"
    (post,) = [r for r in requests if r["method"] == "POST"]
    assert post["path"] == "/links/v1/cloud-e2e-42/jobs/cma"
    assert post["seq"] > tenant[0]["seq"]
    assert json.loads(post["body"]) == expected_body(spec)
    assert fake.job(job["remoteJobId"])["siteId"] == "cloud-e2e-42"
    gets = fake.status_gets("cloud-e2e-42", job["remoteJobId"])
    assert len(gets) == 3


def test_discovered_site_id_survives_a_restart(fake, daemon):
    fake.config({"cloudId": "cloud-e2e-43",
                 "siteScripts": {"cloud-e2e-43": [["Pending"] * 10 + ["Complete"]]}})
    d = daemon()
    write_job(d.jobs_dir, "discover", siteId=None, productURL=fake.url)
    running = d.wait_state("discover", "running")
    d.restart()
    d.wait_state("discover", "succeeded")
    assert len(fake.posts("cloud-e2e-43")) == 1
    assert fake.job(running["remoteJobId"])["status"] == "COMPLETE"
