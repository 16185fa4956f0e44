"""The plan's HTML report as a person sees it, in headless Chromium: reached
from the status page's link, through the real relinkd and the fake API. The
matrix, the legend and the job rows are read as rendered (element text,
computed colours), compared with `relinkctl list --json`; the page loads
nothing from anywhere and prints. The file `relinkctl report --format=html`
writes shows the same when opened from disk."""

import json
import urllib.error
import urllib.request

from test_http import http_daemon
from test_plans import APAC, EU, LABEL, US, plan_jobs, plan_spec, write_plan

FINAL = {"succeeded", "failed", "expired", "cancelled"}
SITES = [EU, US, APAC]
DIAGONAL = "\u2014"


def finished_plan(fake, daemon):
    """Plan acme of 3 sites: the first job sent for acme-eu's links ends
    failed (the API answers Error and one attempt is all a job has), the 5
    others succeed."""
    fake.config({"siteScripts": {"id-acme-eu": [["Pending", "Error"], ["Complete"]]}})
    d, port = http_daemon(daemon, overrides={"relinkd.retry.maxAttempts": "1"})
    write_plan(d, "acme", plan_spec(SITES))

    def all_final():
        jobs = plan_jobs(d)
        return jobs if len(jobs) == 6 and all(j["state"] in FINAL for j in jobs.values()) else None

    jobs = d.wait_for(all_final, 60, "the 6 jobs of plan acme to be final")
    assert sorted(j["state"] for j in jobs.values()) == ["failed"] + ["succeeded"] * 5, jobs
    return d, port, jobs


def check_matrix(browser, jobs):
    """The 3x3 matrix as rendered; returns the states it shows."""
    labels = [LABEL[s] for s in SITES]
    matrix = browser.find("table.matrix[data-plan='acme']")
    assert [th.text for th in matrix.find_all("thead th")][1:] == labels
    rows = matrix.find_all("tbody tr")
    assert len(rows) == 3
    colours, shown = {}, set()
    for row, source in zip(rows, labels):
        assert row.find_all("th")[0].text == source
        cells = row.find_all("td")
        assert len(cells) == 3
        for cell, target in zip(cells, labels):
            assert (cell.attribute("data-from"), cell.attribute("data-to")) == (source, target)
            if source == target:
                assert cell.text == DIAGONAL
                continue
            state = jobs[f"acme.{source}.{target}"]["state"]
            assert cell.text == state, f"{source} -> {target}"
            assert cell.attribute("data-state") == state
            colours.setdefault(state, set()).add(cell.css("background-color"))
            shown.add(state)
    assert len(colours["failed"]) == 1 and len(colours["succeeded"]) == 1
    assert colours["failed"] != colours["succeeded"], colours
    legend = browser.find("ul.legend[data-plan='acme']")
    assert legend.displayed()
    items = [li.text for li in legend.find_all("li") if li.displayed()]
    for state in shown:
        assert state in items, f"the legend {items} does not name {state}"
    return shown


def check_job_rows(browser, jobs):
    rows = browser.find_all("tr.job")
    assert sorted(r.attribute("data-name") for r in rows) == sorted(jobs)
    for row in rows:
        job = jobs[row.attribute("data-name")]
        assert row.find_all("td.state")[0].text == job["state"]
        assert row.find_all("td.remote")[0].text == job["remoteJobId"]
        assert row.find_all("td.attempts")[0].text == str(job["attempts"])


def test_the_status_page_links_each_plan_to_its_report_which_renders_matrix_legend_and_jobs(
        fake, daemon, browser, tmp_path):
    d, port, jobs = finished_plan(fake, daemon)
    origin = f"http://127.0.0.1:{port}"

    browser.get(origin + "/")
    shown = {td.text for td in browser.find_all("td")}
    assert set(jobs) <= shown, "the status page lists every job of the plan"
    link = browser.find("h2 a")
    assert link.text == "acme"
    assert link.attribute("href") == "report?plan=acme"  # relative: it works behind a proxy's path too
    assert link.property("href") == f"{origin}/report?plan=acme"
    link.click()
    d.wait_for(lambda: browser.url == f"{origin}/report?plan=acme", 20, "the report to open from the link")
    browser.find("table.matrix")  # the page is there
    assert browser.title == "relinkd report"
    browser.screenshot(tmp_path / "report.png")

    check_matrix(browser, jobs)
    check_job_rows(browser, jobs)
    # Nothing loaded besides the page itself: no font, style sheet, image or script.
    assert browser.resources() == []
    pdf = browser.print_pdf(tmp_path / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_relinkctl_report_html_opened_offline_from_its_file_shows_the_same_matrix_and_jobs(
        fake, daemon, browser, tmp_path):
    d, _, jobs = finished_plan(fake, daemon)
    report = tmp_path / "acme-report.html"
    code, out, err = d.ctl("report", "acme", "--format=html", f"--output={report}")
    assert code == 0, err
    assert out == ""

    browser.get(report.as_uri())
    assert browser.title == "relinkd report"
    check_matrix(browser, jobs)
    check_job_rows(browser, jobs)
    assert browser.resources() == []  # a file that is mailed: it loads nothing
    browser.screenshot(tmp_path / "file-report.png")


def test_report_of_an_unknown_plan_is_404_naming_it_and_without_a_plan_400(fake, daemon):
    d, port = http_daemon(daemon)
    for path, status, body in [("/report?plan=nosuch%20plan", 404, "not found: no plan named nosuch plan\n"),
                               ("/report", 400, "bad request: ask for /report?plan=PLAN\n")]:
        try:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"http://127.0.0.1:{port}{path}", timeout=10)
            raise AssertionError(f"{path} answered 200")
        except urllib.error.HTTPError as e:
            assert (e.code, e.read().decode()) == (status, body), path
