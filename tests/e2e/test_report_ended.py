"""The record after the window: once the plan file is removed (the usual
tidy-up), `relinkctl report PLAN` still shows the plan as its jobs ended:
the matrix, the window, every job, none of them "former"."""

import json
import os

from test_plans import EU, US, APAC, plan_spec, write_plan


def test_report_of_a_plan_whose_file_was_removed_keeps_its_matrix_and_window(fake, daemon):
    d = daemon()
    write_plan(d, "acme", plan_spec([EU, US, APAC]))
    d.wait_for(lambda: len(d.jobs()) == 6 and all(j["state"] == "succeeded" for j in d.jobs()),
               timeout=60, what="the plan's 6 jobs succeeded")
    code, before, err = d.ctl("report", "acme", "--format=json")
    assert code == 0, err
    os.remove(os.path.join(d.jobs_dir, "acme.plan.json"))
    d.wait_for(lambda: d.ctl("show", "acme", "--json")[0] == 0 and
               len(json.loads(d.ctl("show", "acme", "--json")[1])["formerJobs"]) == 6,
               timeout=30, what="relinkd to see the plan file gone")

    code, out, err = d.ctl("report", "acme", "--format=json")
    assert code == 0, err
    after = json.loads(out)
    plan, was = after["plans"][0], json.loads(before)["plans"][0]
    assert plan["fileRemoved"] is True and was["fileRemoved"] is False
    assert plan["matrix"] == was["matrix"], "the matrix is of the jobs as they ended"
    assert [s["label"] for s in plan["sites"]] and {s["label"] for s in plan["sites"]} == \
        {s["label"] for s in was["sites"]}
    assert plan["window"]["closes"] == was["window"]["closes"] and plan["window"]["opened"] == was["window"]["opened"]
    assert len(after["jobs"]) == 6 and not any(j["former"] for j in after["jobs"])
    assert all(j["state"] == "succeeded" and j["finishedAt"] for j in after["jobs"])

    code, text, err = d.ctl("report", "acme")
    assert code == 0, err
    assert "(removed: the matrix is of the jobs as they ended)" in text
    assert "(former)" not in text and "unknown (no job has a window)" not in text
    assert text.count("succeeded") >= 12  # 6 matrix cells and 6 job rows
