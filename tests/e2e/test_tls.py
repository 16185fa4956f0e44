"""relinkd verifies the API's certificate against relinkd.api.caFile: a
server it cannot trust gets no request, and the job waits and says why."""

import pytest

from conftest import write_job


@pytest.mark.parametrize("cert", ["untrusted", "wrong-name"])
def test_rejected_certificate_keeps_the_job_retrying(make_fake, daemon, cert):
    fake = make_fake(cert=cert)
    d = daemon(fake=fake)
    write_job(d.jobs_dir, "guarded")

    def retrying_with_reason():
        job = d.job("guarded")
        if job is None or job["state"] != "retrying":
            return None
        return job if "certificate" in (job["lastError"] or "").lower() else None

    first = d.wait_for(retrying_with_reason,
                       what="the job to be retrying with a certificate error")
    assert first["nextAttemptAt"] is not None, "a retrying job says when it tries again"
    # It keeps trying (relinkd.retry.maxDelay is 1s) and keeps failing the same way.
    def another_attempt():
        job = retrying_with_reason()
        return job if job and job["nextAttemptAt"] != first["nextAttemptAt"] else None

    d.wait_for(another_attempt, what="another attempt failing the same way")
    assert d.job("guarded")["state"] == "retrying"
    assert fake.requests() == [], "an HTTP request reached a server whose certificate was rejected"
