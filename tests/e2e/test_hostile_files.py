"""Whatever lands in the job directory, the daemon neither blocks nor dies:
bad entries become invalid jobs that say why, good ones next to them run."""

import json
import os
import random

from conftest import expected_body, job_spec, write_bytes, write_job

# name -> (how to create it in directory d, words of which lastError must contain one)
HOSTILE = {
    "x": (lambda d: os.mkfifo(d / "x.json"), ("fifo", "regular file")),
    "y": (lambda d: (d / "y.json").mkdir(), ("directory", "regular file")),
    "z": (lambda d: (d / "z.json").symlink_to(d.parent / "outside.json"),
          ("symbolic link", "symlink", "regular file")),
    "big": (lambda d: write_bytes(d, "big.json", _padded(job_spec(), 70 * 1024)),
            ("64 kib", "too large", "larger")),
    "garbage": (lambda d: write_bytes(d, "garbage.json", random.Random(7).randbytes(4096)),
                ("utf-8", "json", "nul")),
    # 100000 bytes: over the size limit before its depth matters.
    "nested": (lambda d: write_bytes(d, "nested.json", b"[" * 100000),
               ("64 kib", "too large", "larger")),
    "deep": (lambda d: write_bytes(d, "deep.json", b"[" * 60000 + b"]" * 5000),
             ("nest", "deep")),
    "bad-utf8": (lambda d: write_bytes(
        d, "bad-utf8.json",
        json.dumps(job_spec(siteId="site-PLACEHOLDER")).encode().replace(
            b"PLACEHOLDER", b"\xff\xfe\xc3")),
        ("utf-8",)),
    "not-object": (lambda d: write_bytes(d, "not-object.json", b"[1, 2, 3]\n"), ("object",)),
    "empty": (lambda d: write_bytes(d, "empty.json", b""), ("empty",)),
    "wrong-types": (lambda d: write_job(d, "wrong-types", productURL=42,
                                        recreateAsRemote="yes"),
                    ("productURL",)),
    "unknown": (lambda d: write_job(d, "unknown", spec=dict(job_spec(), frobnicate=1)),
                ("frobnicate",)),
}

IGNORED = (".hidden.json", "editing.json~", "drop.json.tmp", "drop.json.part",
           ".drop.json.swp", "notes.txt", "README")


def _padded(spec, size):
    data = json.dumps(spec).encode()
    return data[:-1] + b" " * (size - len(data)) + b"}"


def _create_hostile(jobs_dir):
    (jobs_dir.parent / "outside.json").write_text(json.dumps(job_spec()))
    for create, _ in HOSTILE.values():
        create(jobs_dir)
    for name in IGNORED:
        write_bytes(jobs_dir, name, json.dumps(job_spec(siteId="site-ignored")).encode())


def _assert_all_invalid(d):
    jobs = {j["name"]: j for j in d.jobs()}
    for name, (_, words) in HOSTILE.items():
        job = jobs.get(name)
        assert job is not None, f"{name}: no job for a hostile file"
        assert job["state"] == "invalid", f"{name}: state {job['state']}"
        error = job["lastError"] or ""
        assert any(w.lower() in error.lower() for w in words), \
            f"{name}: lastError {error!r} names none of {words}"
    assert "productURL" in jobs["wrong-types"]["lastError"]
    assert "recreateAsRemote" in jobs["wrong-types"]["lastError"]
    return jobs


def test_hostile_files_become_invalid_and_a_good_one_succeeds(fake, daemon):
    d = daemon()
    _create_hostile(d.jobs_dir)
    good = write_job(d.jobs_dir, "good", siteId="site-good")
    d.wait_state("good", "succeeded", timeout=30)
    d.wait_for(lambda: all((d.job(n) or {}).get("state") == "invalid" for n in HOSTILE),
               what="every hostile file to be an invalid job")
    jobs = _assert_all_invalid(d)
    assert set(jobs) == set(HOSTILE) | {"good"}, "an ignored name became a job"

    # Still responsive: a later file runs too, and no hostile file was sent.
    late = write_job(d.jobs_dir, "late", siteId="site-late")
    d.wait_state("late", "succeeded")
    posts = fake.posts()
    assert sorted(json.loads(p["body"])["destinationURL"] for p in posts) == \
        sorted([good["destinationURL"], late["destinationURL"]])
    assert [p["path"] for p in posts] == ["/links/v1/site-good/jobs/cma",
                                          "/links/v1/site-late/jobs/cma"]

    # The start-up scan copes with them as well.
    d.restart()
    jobs = _assert_all_invalid(d)
    assert set(jobs) == set(HOSTILE) | {"good", "late"}
    assert len(fake.posts()) == 2


def test_hostile_files_present_at_start(fake, daemon):
    d = daemon(start=False)
    _create_hostile(d.jobs_dir)
    spec = write_job(d.jobs_dir, "good", siteId="site-good")
    d.start()
    d.wait_state("good", "succeeded", timeout=30)
    jobs = _assert_all_invalid(d)
    assert set(jobs) == set(HOSTILE) | {"good"}
    (post,) = fake.posts()
    assert json.loads(post["body"]) == expected_body(spec)

    # A fixed file is taken up.
    write_job(d.jobs_dir, "unknown", siteId="site-fixed")
    d.wait_state("unknown", "succeeded")
    assert len(fake.posts("site-fixed")) == 1
