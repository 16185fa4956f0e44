"""The plan's HTML report as a person sees it, in headless Chromium: reached
from the status page's link, through the real relinkd and the fake API. The
matrix, the legend and the job rows are read as rendered (element text,
computed colours), compared with `relinkctl list --json`; the page loads
nothing from anywhere and prints. The file `relinkctl report --format=html`
writes shows the same when opened from disk. Printed (print media, a
viewport as wide as an A4 page's printable area) the matrix and the job
table fit the page: portrait for a small plan, landscape for a 64-site one,
whose matrix then says each state as a code the legend explains."""

import json
import re
import urllib.error
import urllib.request

from conftest import write_bytes
from test_http import http_daemon
from test_plans import APAC, EU, LABEL, MIGRATED_AT, US, plan_jobs, plan_spec, write_plan

FINAL = {"succeeded", "failed", "expired", "cancelled"}
SITES = [EU, US, APAC]
DIAGONAL = "\u2014"
# The printable area of an A4 page in CSS px (96 per inch), less the
# report's @page margin of 12 mm each side.
PX_PER_MM = 96 / 25.4
MARGIN_MM = 12
PORTRAIT = ((210 - 2 * MARGIN_MM) * PX_PER_MM, (297 - 2 * MARGIN_MM) * PX_PER_MM)
LANDSCAPE = (PORTRAIT[1], PORTRAIT[0])
PAGE_RULES = ("return [...document.styleSheets].flatMap(s => [...s.cssRules])"
              ".filter(r => r instanceof CSSPageRule).map(r => r.style.getPropertyValue('size').toLowerCase());")
A4_PT = (595, 842)  # the paper in PDF points, portrait


def pdf_pages(pdf):
    """The (width, height) in points of each page of a PDF, rounded."""
    boxes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    return [(round(float(w)), round(float(h))) for w, h in boxes]


WIDTHS = ("return {page: document.documentElement.scrollWidth, tables: [...document.querySelectorAll("
          "'table.matrix, table.jobs')].map(t => [t.classList[0], t.getBoundingClientRect().width])};")


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
    assert set(pdf_pages(pdf)) == {A4_PT}


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
    assert browser.execute(PAGE_RULES) == ["a4"]  # a small plan prints portrait
    check_fits_printed(browser, PORTRAIT, tmp_path / "file-report-print.png")


def check_fits_printed(browser, page, screenshot):
    """Laid out as printed on a page of page's printable area (width, height
    in px), neither table nor the page is wider than the paper."""
    with browser.printing(int(page[0]), int(page[1])):
        widths = browser.execute(WIDTHS)
        browser.screenshot(screenshot)
    assert {name for name, _ in widths["tables"]} == {"matrix", "jobs"}, widths
    for name, width in widths["tables"]:
        assert width <= page[0], f"table.{name} is {width:.0f} px wide printed, the page {page[0]:.0f} px"
    assert widths["page"] <= round(page[0]), widths


def wide_plan(fake, daemon, count):
    """Plan globex of count sites, whose jobs relinkd creates but cannot
    finish: the API answers every submission 429 with a day's Retry-After,
    so they stay queued or retrying. relinkd is then stopped, so the
    states the report shows are the ones returned with the daemon."""
    fake.faults([{"method": "POST", "times": -1, "action": "status", "status": 429,
                  "headers": {"Retry-After": "86400"}}])
    d = daemon()
    sites = [f"https://globex-{i:02}.atlassian.net" for i in range(count)]
    spec = {"sites": sites, "siteIds": {s: f"id-{i}" for i, s in enumerate(sites)},
            "migratedFrom": "https://jira.globex.example", "migratedAt": MIGRATED_AT}
    write_bytes(d.jobs_dir, "globex.plan.json", json.dumps(spec, indent=2).encode())
    d.wait_for(lambda: len(plan_jobs(d, "globex")) == count * (count - 1), 60,
               f"the {count * (count - 1)} jobs of plan globex")
    d.stop()
    return d, plan_jobs(d, "globex")


CELLS = ("return [...document.querySelectorAll(\"table.matrix[data-plan='globex'] tbody td\")]"
         ".map(td => [td.dataset.from, td.dataset.to, td.dataset.state, td.textContent, td.title]);")
LEGEND = ("return [...document.querySelectorAll(\"ul.legend[data-plan='globex'] li\")]"
          ".map(li => [li.dataset.state, li.textContent]);")


def test_a_64_site_report_prints_its_matrix_of_state_codes_and_its_jobs_on_a4_landscape(
        fake, daemon, browser, tmp_path):
    count = 64
    d, jobs = wide_plan(fake, daemon, count)
    report = tmp_path / "globex-report.html"
    code, _, err = d.ctl("report", "globex", "--format=html", f"--output={report}")
    assert code == 0, err

    browser.get(report.as_uri())
    assert browser.title == "relinkd report"
    legend = {state: text for state, text in browser.execute(LEGEND) if state}
    codes = {text.split(" ", 1)[0]: state for state, text in legend.items()}
    assert len(codes) == len(legend), f"a code stands for one state: {legend}"
    for state, text in legend.items():
        assert text.split(" ", 1)[1] == state, f"the legend's {text!r} names its state"
    cells = browser.execute(CELLS)
    assert len(cells) == count * count
    for source, target, state, text, title in cells:
        if source == target:
            assert text == DIAGONAL
            continue
        expected = jobs[f"globex.{source}.{target}"]["state"]
        assert (state, codes.get(text)) == (expected, expected), f"{source} -> {target}: {text}"
        assert title == f"{source} \u2192 {target}: {expected}"
    assert browser.execute(PAGE_RULES) == ["a4 landscape"]
    check_fits_printed(browser, LANDSCAPE, tmp_path / "globex-print.png")
    pdf = browser.print_pdf(tmp_path / "globex.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert len(pages) > 10 and set(pages) == {A4_PT[::-1]}, pages  # 4,032 rows, all on A4 landscape


def test_report_of_an_unknown_plan_is_404_naming_it_and_without_a_plan_400(fake, daemon):
    d, port = http_daemon(daemon)
    no_such_name = "not found: no plan has that name (a plan's name has only letters, digits, '.', '_' and '-')\n"
    for path, status, body in [("/report?plan=nosuch%2Dplan", 404, "not found: no plan named nosuch-plan\n"),
                               ("/report?plan=nosuch%20plan", 404, no_such_name),
                               ("/report", 400, "bad request: ask for /report?plan=PLAN\n")]:
        try:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                f"http://127.0.0.1:{port}{path}", timeout=10)
            raise AssertionError(f"{path} answered 200")
        except urllib.error.HTTPError as e:
            assert (e.code, e.read().decode()) == (status, body), path
