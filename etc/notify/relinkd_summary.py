"""What relinkd's notification commands say: a summary line, then details.

The input is what relinkd passes on standard input: a job's `relinkctl show
--json` object (events final and deadline-near), a plan's `relinkctl show
PLAN --json` object (plan-final and plan-deadline-near), or
{"event": "paused", "reason", "jobs"} when the API rejected the credentials."""

import json
import os

# The order relinkd lists states in (interface.md, "Job states").
STATES = ["invalid", "queued", "running", "retrying", "paused", "succeeded", "failed", "expired", "cancelled"]
FINAL = {"succeeded", "failed", "expired", "cancelled"}
ERRORS_SHOWN = 10


def summary(obj, event):
    """One line, then details: shared by the mail and webhook commands."""
    if event == "paused":
        return paused_summary(obj)
    if event in ("plan-final", "plan-deadline-near"):
        return plan_summary(obj, event)
    return job_summary(obj, event)


def job_summary(job, event):
    name = job.get("name") or os.environ.get("RELINKD_JOB", "?")
    state = job.get("state") or os.environ.get("RELINKD_STATE", "?")
    plan = f" (plan {job['plan']})" if job.get("plan") else ""
    if event == "deadline-near":
        head = (f"relinkd: job {name}{plan} is not done and its window closes at {job.get('deadline')}"
                f" (state {state}); act now: check `relinkctl show {name}`")
    elif state == "succeeded":
        head = f"relinkd: job {name}{plan} succeeded (remote job {job.get('remoteJobId')})"
    else:
        head = f"relinkd: job {name}{plan} ended {state}"
    lines = [head]
    if job.get("lastError") and state != "succeeded":
        lines.append(f"Last error: {job['lastError']}")
    if state == "failed":
        lines.append(f"To try again: relinkctl retry {name}")
    spec = job.get("spec") or {}
    if spec.get("productURL"):
        lines.append(f"Links of {spec['productURL']} pointing to {spec.get('destinationURL')}")
    if job.get("result") is not None:
        lines.append("Remote result: " + json.dumps(job["result"])[:500])
    lines.append(f"Attempts: {job.get('attempts')}; updated {job.get('updatedAt')}")
    return lines


def counts_text(jobs):
    counts = {}
    for job in jobs:
        counts[job.get("state")] = counts.get(job.get("state"), 0) + 1
    parts = [f"{counts[s]} {s}" for s in STATES if s in counts]
    return ", ".join(parts) or "no jobs"


def plan_summary(plan, event):
    name = plan.get("plan") or os.environ.get("RELINKD_PLAN", "?")
    jobs = (plan.get("jobs") or []) + (plan.get("formerJobs") or [])
    counts = counts_text(jobs)
    deadlines = sorted(j["deadline"] for j in jobs if j.get("deadline"))
    unfinished = [j for j in jobs if j.get("state") not in FINAL]
    if event == "plan-deadline-near":
        head = (f"relinkd: plan {name} is not done and its window closes at "
                f"{deadlines[0] if deadlines else '?'}: {len(unfinished)} of {len(jobs)} jobs unfinished ({counts})")
    else:
        failed = sum(1 for j in jobs if j.get("state") != "succeeded")
        head = (f"relinkd: plan {name}: all {len(jobs)} jobs succeeded" if jobs and not failed else
                f"relinkd: plan {name} finished: {counts}")
    lines = [head, f"Jobs: {counts}"]
    if deadlines:
        lines.append(f"Window closes: {deadlines[0]}")
    sites = [s.get("url") or s.get("label") for s in plan.get("sites") or []]
    if sites:
        lines.append("Sites: " + ", ".join(sites))
    if plan.get("problem"):
        lines.append(f"The plan file has a problem: {plan['problem']}")
    bad = [j for j in jobs if j.get("state") in ("failed", "expired")]
    if bad:
        lines.append("Jobs that did not succeed:")
        lines += [f"  {j.get('name')}: {j.get('state')}: {j.get('lastError') or '-'}" for j in bad[:ERRORS_SHOWN]]
        if len(bad) > ERRORS_SHOWN:
            lines.append(f"  ... and {len(bad) - ERRORS_SHOWN} more (relinkctl list --plan={name})")
    if any(j.get("state") == "failed" for j in jobs):
        lines.append(f"To try the failed ones again: relinkctl retry --plan={name} --state=failed")
    if unfinished:
        lines.append(f"Unfinished: " + ", ".join(j.get("name", "?") for j in unfinished[:ERRORS_SHOWN]) +
                     (" ..." if len(unfinished) > ERRORS_SHOWN else ""))
    lines.append(f"Details: relinkctl show {name}")
    return lines


def paused_summary(notice):
    jobs = notice.get("jobs") or []
    lines = [f"relinkd: the API rejected the credentials; {len(jobs)} job{'s' if len(jobs) != 1 else ''} paused",
             f"Reason: {notice.get('reason') or '-'}",
             "What to do: put a valid API token into the token file (relinkd.api.tokenFile) and check "
             "relinkd.api.email; relinkd resumes the jobs when the token file changes (or on SIGHUP). "
             "Nothing is sent until then.",
             "Paused: " + (", ".join(jobs[:20]) + (f" ... and {len(jobs) - 20} more" if len(jobs) > 20 else "")
                           if jobs else "-"),
             "Details: relinkctl status; relinkctl list --state=paused"]
    return lines
