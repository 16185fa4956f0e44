"""What relinkd's notification commands say about a job: a summary line,
then details (the job is the `relinkctl show --json` object on stdin)."""

import json
import os


def summary(job, event):
    """One line, then details: shared by the mail command."""
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
