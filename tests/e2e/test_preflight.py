"""relinkctl preflight through the real binaries against the fake API
(interface.md, "preflight"): the site, credentials, window, clock and
applinks checks, text and --json, through an HTTPS proxy, a plan of 64
sites; nothing sent but tenant_info and status requests, nothing written.

Without a proxy, many sites share the fake by path: https://127.0.0.1:PORT/sN
(or localhost, for even N) answers the fake's `tenants` entry "/sN". Through connect_proxy they have
names of their own: https://sN.sites.test:PORT.
"""

import datetime
import json
import re

from conftest import now_utc, rfc3339, write_bytes, write_job

MIGRATED_AT = rfc3339(now_utc() - datetime.timedelta(days=1))


def site(fake, n):
    # A job's two sites must be two hosts (recreateAsRemote): odd n on
    # 127.0.0.1, even n on localhost, both the fake's.
    host = "127.0.0.1" if n % 2 else "localhost"
    return f"https://{host}:{fake.port}/s{n}"


def named_site(fake, n):
    return f"https://s{n}.sites.test:{fake.port}"


def tenants(count, prefix="/s"):
    return {f"{prefix}{n}": f"cid-{n}" for n in range(1, count + 1)}


def two_jobs(d, fake, **changes):
    """a: site 1 -> 2 with its id given; b: site 2 -> 1, id discovered."""
    fields = {"productURL": site(fake, 1), "destinationURL": site(fake, 2), "siteId": "cid-1",
              "migratedAt": MIGRATED_AT, **changes}
    write_job(d.jobs_dir, "a", **fields)
    write_job(d.jobs_dir, "b", productURL=site(fake, 2), destinationURL=site(fake, 1), siteId=None,
              migratedAt=MIGRATED_AT)


def preflight(d, *args):
    code, out, err = d.ctl("preflight", "--json", *args)
    lines = json.loads(out)
    for line in lines:
        assert set(line) == {"site", "check", "result", "detail"}, line
        assert line["result"] in ("ok", "warn", "fail", "manual"), line
    return code, lines, err


def by_check(lines):
    """{(site, check): line}."""
    return {(line["site"], line["check"]): line for line in lines}


def test_all_ok_in_text_and_json(daemon, fake):
    fake.config({"tenants": tenants(2)})
    d = daemon(fake=fake, start=False)
    two_jobs(d, fake)

    code, lines, err = preflight(d)
    assert code == 0, (lines, err)
    checks = by_check(lines)
    assert len(lines) == 9, lines  # 4 per site, clock once
    for n in (1, 2):
        for check in ("site", "credentials", "window"):
            assert checks[(site(fake, n), check)]["result"] == "ok", checks[(site(fake, n), check)]
    assert "cloudId cid-1, as given" in checks[(site(fake, 1), "site")]["detail"]
    assert "cloudId cid-2 (not given" in checks[(site(fake, 2), "site")]["detail"]
    assert checks[(site(fake, 1), "applinks")]["result"] == "manual"
    assert site(fake, 2) in checks[(site(fake, 1), "applinks")]["detail"]
    assert checks[("", "clock")]["result"] == "ok"
    # The credentials asked with the given id, else the discovered one.
    paths = [r["path"] for r in fake.requests()]
    assert any(re.fullmatch(r"/links/v1/cid-1/jobs/status/[^/]+", p) for p in paths), paths
    assert any(re.fullmatch(r"/links/v1/cid-2/jobs/status/[^/]+", p) for p in paths), paths
    assert {"/s1/_edge/tenant_info", "/s2/_edge/tenant_info"} <= set(paths)

    code, out, err = d.ctl("preflight")
    assert code == 0, out + err
    header, *rest = out.splitlines()
    assert header.split() == ["SITE", "CHECK", "RESULT", "DETAIL"], out
    rows = rest[:9]
    column = header.index("RESULT")
    for row in rows:  # aligned: each row's result and detail start under the header's
        assert row[column:].split()[0] in ("ok", "manual"), "misaligned:\n" + out
        assert row[header.index("DETAIL") - 1] == " " and row[header.index("DETAIL")] != " ", out
    assert "0 fail" in out


def test_a_given_site_id_that_disagrees_fails_naming_both(daemon, fake):
    fake.config({"tenants": tenants(2)})
    d = daemon(fake=fake, start=False)
    two_jobs(d, fake, siteId="cid-copied-from-elsewhere")

    code, lines, _ = preflight(d)
    assert code == 1
    line = by_check(lines)[(site(fake, 1), "site")]
    assert line["result"] == "fail"
    assert "cid-1" in line["detail"] and "cid-copied-from-elsewhere" in line["detail"], line
    assert by_check(lines)[(site(fake, 2), "site")]["result"] == "ok"


def test_credentials_denied_on_one_site_only(daemon, fake):
    fake.config({"tenants": tenants(2)})
    fake.faults([{"pathContains": "/links/v1/cid-2/jobs/status", "times": -1, "action": "status",
                  "status": 403}])
    d = daemon(fake=fake, start=False)
    two_jobs(d, fake)

    code, lines, _ = preflight(d)
    assert code == 1
    checks = by_check(lines)
    denied = checks[(site(fake, 2), "credentials")]
    assert denied["result"] == "fail"
    assert denied["detail"].startswith(f"the token's account is not an admin of {site(fake, 2)}"), denied
    assert checks[(site(fake, 1), "credentials")]["result"] == "ok"
    assert [line for line in lines if line["result"] == "fail"] == [denied]

    code, out, _ = d.ctl("preflight")
    assert code == 1
    assert "1 fail" in out and "Fix what failed" in out


def test_a_rejected_token_fails_every_site(daemon, fake, secrets):
    fake.config({"tenants": tenants(2), "token": "another-token"})
    d = daemon(fake=fake, start=False)
    two_jobs(d, fake)

    code, lines, _ = preflight(d)
    assert code == 1
    for n in (1, 2):
        line = by_check(lines)[(site(fake, n), "credentials")]
        assert line["result"] == "fail" and line["detail"].startswith("token rejected"), line


def test_a_skewed_api_clock_warns_then_fails(daemon, fake):
    fake.config({"tenants": tenants(2), "dateOffsetMs": 10 * 60 * 1000})
    d = daemon(fake=fake, start=False)
    two_jobs(d, fake)

    code, lines, _ = preflight(d)
    assert code == 0, lines
    clock = by_check(lines)[("", "clock")]
    # The Date header counts whole seconds: 10 min, give or take one.
    assert clock["result"] == "warn", clock
    assert re.search(r"behind the API's Date by (9m 59s|10m|10m 1s) ", clock["detail"]), clock

    fake.config({"dateOffsetMs": -2 * 3600 * 1000})
    code, lines, _ = preflight(d)
    assert code == 1
    clock = by_check(lines)[("", "clock")]
    assert clock["result"] == "fail", clock
    assert re.search(r"ahead of the API's Date by (1h 59m|2h) ", clock["detail"]), clock


def test_a_window_near_its_end_warns_and_a_closed_one_fails(daemon, fake):
    fake.config({"tenants": tenants(2)})
    d = daemon(fake=fake, start=False)
    near = rfc3339(now_utc() - datetime.timedelta(days=14) + datetime.timedelta(hours=5))
    closed = rfc3339(now_utc() - datetime.timedelta(days=15))
    write_job(d.jobs_dir, "near", productURL=site(fake, 1), destinationURL=site(fake, 2), migratedAt=near,
              siteId=None)
    write_job(d.jobs_dir, "far", productURL=site(fake, 1), destinationURL=site(fake, 2), siteId=None)

    code, lines, _ = preflight(d)
    assert code == 0, lines
    window = by_check(lines)[(site(fake, 1), "window")]
    assert window["result"] == "warn" and "job near" in window["detail"], window

    write_job(d.jobs_dir, "late", productURL=site(fake, 2), destinationURL=site(fake, 1), migratedAt=closed,
              siteId=None)
    code, lines, _ = preflight(d)
    assert code == 1
    window = by_check(lines)[(site(fake, 2), "window")]
    assert window["result"] == "fail" and window["detail"].startswith("closed at"), window


def test_an_invalid_file_is_one_fail_line_and_named_files_only(daemon, fake):
    fake.config({"tenants": tenants(4)})
    d = daemon(fake=fake, start=False)
    two_jobs(d, fake)
    broken = write_bytes(d.jobs_dir, "broken.json", b'{"productURL": "http://x"')
    # A plan's sites have hosts of their own: 127.0.0.1 and localhost.
    other_host = f"https://localhost:{fake.port}/s4"
    write_bytes(d.jobs_dir, "acme.plan.json", json.dumps({
        "sites": [{"url": site(fake, 3), "label": "s3"}, {"url": other_host, "label": "s4"}],
        "migratedFrom": "https://jira.acme.example", "migratedAt": MIGRATED_AT}).encode())

    code, lines, _ = preflight(d)
    assert code == 1
    files = [line for line in lines if line["check"] == "file"]
    assert len(files) == 1 and files[0]["result"] == "fail", files
    assert str(broken) in files[0]["detail"]
    everything = {"", site(fake, 1), site(fake, 2), site(fake, 3), other_host}
    assert {line["site"] for line in lines} == everything
    assert [line for line in lines if line["result"] == "fail"] == files

    # A NAME and a PLAN are looked up in relinkd.jobs.dir; only their sites.
    code, lines, _ = preflight(d, "b", "acme")
    assert code == 0, lines
    assert {line["site"] for line in lines} == {"", site(fake, 2), site(fake, 3), other_host}
    code, lines, _ = preflight(d, "acme")
    assert {line["site"] for line in lines} == {"", site(fake, 3), other_host}
    applinks = by_check(lines)[(site(fake, 3), "applinks")]
    assert applinks["result"] == "manual" and applinks["detail"].endswith(": " + other_host), applinks
    code, lines, _ = preflight(d, "nothing-of-that-name")
    assert code == 1 and [line["check"] for line in lines] == ["file"], lines


def test_a_site_that_stalls_is_given_up_at_the_timeout(daemon, fake):
    fake.config({"tenants": tenants(2)})
    fake.faults([{"pathContains": "/s2/_edge/tenant_info", "times": -1, "action": "stall", "stallMs": 60000}])
    d = daemon(fake=fake, start=False, overrides={"relinkd.api.timeout": "1s"})
    two_jobs(d, fake)

    code, lines, _ = preflight(d)  # d.ctl's own 60 s limit: bounded by relinkd.api.timeout
    assert code == 0, lines  # could not tell is a warning
    checks = by_check(lines)
    assert checks[(site(fake, 2), "site")]["result"] == "warn"
    assert "timeout" in checks[(site(fake, 2), "site")]["detail"]
    assert checks[(site(fake, 2), "credentials")]["detail"].startswith("not checked: no site id is known")
    assert checks[(site(fake, 1), "site")]["result"] == "ok"


def test_through_the_proxy(daemon, fake, connect_proxy):
    fake.config({"tenants": {"s1.sites.test": "cid-1", "s2.sites.test": "cid-2"}})
    d = daemon(fake=fake, start=False, overrides={"relinkd.api.proxy": connect_proxy.url})
    write_job(d.jobs_dir, "a", productURL=named_site(fake, 1), destinationURL=named_site(fake, 2), siteId="cid-1")
    write_job(d.jobs_dir, "b", productURL=named_site(fake, 2), destinationURL=named_site(fake, 1), siteId=None)

    code, lines, err = preflight(d)
    assert code == 0, (lines, err)
    for n in (1, 2):
        assert by_check(lines)[(named_site(fake, n), "site")]["result"] == "ok", lines
        assert f"cloudId cid-{n}" in by_check(lines)[(named_site(fake, n), "site")]["detail"]
    assert set(connect_proxy.targets()) == {f"s1.sites.test:{fake.port}", f"s2.sites.test:{fake.port}"}


def test_a_plan_of_64_sites_through_the_proxy(daemon, fake, connect_proxy):
    count = 64
    fake.config({"tenants": {f"s{n}.sites.test": f"cid-{n}" for n in range(1, count + 1)}})
    # A generous timeout: the fake, holding 64 kept-alive TLS connections
    # through the proxy, sometimes answers a new one seconds late.
    d = daemon(fake=fake, start=False, overrides={"relinkd.api.proxy": connect_proxy.url,
                                                  "relinkd.api.concurrency": "8",
                                                  "relinkd.api.timeout": "30s"})
    sites = [named_site(fake, n) for n in range(1, count + 1)]
    write_bytes(d.jobs_dir, "big.plan.json", json.dumps({
        "sites": sites, "siteIds": {sites[0]: "cid-1"}, "migratedFrom": "https://jira.acme.example",
        "migratedAt": MIGRATED_AT}).encode())

    code, lines, err = preflight(d)
    assert code == 0, (err, [line for line in lines if line["result"] not in ("ok", "manual")][:5])
    assert len(lines) == 4 * count + 1
    not_ok = [line for line in lines if line["result"] not in ("ok", "manual")]
    assert not_ok == [], not_ok[:5]
    assert {f"s{n}.sites.test:{fake.port}" for n in range(1, count + 1)} <= set(connect_proxy.targets())


def test_nothing_sent_nothing_written_running_or_not(daemon, fake):
    fake.config({"tenants": tenants(2)})
    d = daemon(fake=fake)
    two_jobs(d, fake)
    d.wait_state("a", "succeeded")
    d.wait_state("b", "succeeded")

    def db():
        return sorted((j["name"], j["state"], j["updatedAt"], j["attempts"]) for j in d.jobs())

    for running in (True, False):
        if not running:
            d.stop()
        before, posts = db(), len(fake.posts())
        code, lines, err = preflight(d)
        assert code == 0, (running, lines, err)
        assert len(fake.posts()) == posts, "preflight submitted a job"
        assert db() == before, "preflight changed the database"
        assert "not running" not in err
    methods = {r["method"] for r in fake.requests()[-4:]}
    assert methods == {"GET"}
