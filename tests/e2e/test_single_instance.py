"""One relinkd per state directory: a second one would submit every job again."""

import subprocess

from conftest import RELINKD, clean_env, write_job


def test_a_second_daemon_on_the_same_state_dir_refuses_to_start(daemon, fake):
    d = daemon(fake)
    write_job(d.jobs_dir, "eu", siteId="site-eu")
    d.wait_state("eu", "succeeded", timeout=30)
    posts_before = len(fake.posts())

    second = subprocess.run([str(RELINKD), "-c", str(d.config_path)], env=clean_env(),
                            capture_output=True, text=True, timeout=20)
    assert second.returncode != 0
    assert "another relinkd is already running" in second.stderr
    assert str(d.state_dir) in second.stderr

    d.assert_alive()
    write_job(d.jobs_dir, "us", siteId="site-us")
    d.wait_state("us", "succeeded", timeout=30)
    assert len(fake.posts()) == posts_before + 1


def test_the_lock_is_released_by_a_kill(daemon, fake):
    d = daemon(fake)
    write_job(d.jobs_dir, "eu", siteId="site-eu")
    d.wait_state("eu", "succeeded", timeout=30)
    d.kill()
    d.start()  # waits for READY=1: the lock of the killed process is gone
    d.assert_alive()
