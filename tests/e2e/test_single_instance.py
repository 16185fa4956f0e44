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


def test_a_second_daemon_on_the_same_job_dir_with_another_state_dir_refuses_to_start(daemon, fake, tmp_path):
    """Its own database would know none of the jobs: it would submit every
    one again, succeeded ones included."""
    d = daemon(fake)
    write_job(d.jobs_dir, "eu", siteId="site-eu")
    d.wait_state("eu", "succeeded", timeout=30)
    posts_before = len(fake.posts())

    other_state = tmp_path / "other-state"
    other_state.mkdir()
    config = tmp_path / "second.properties"
    config.write_text("".join(f"{key} = {value}\n" for key, value in
                              {**d.settings, "relinkd.state.dir": str(other_state)}.items()))
    second = subprocess.run([str(RELINKD), "-c", str(config)], env=clean_env(),
                            capture_output=True, text=True, timeout=20)
    assert second.returncode == 70, second.stderr
    assert "another relinkd is already watching the job directory" in second.stderr
    assert str(d.jobs_dir) in second.stderr
    assert len(fake.posts()) == posts_before, "the second daemon sent something"
    assert not (other_state / "relinkd.db").exists(), "the second daemon opened a database"

    d.assert_alive()
    write_job(d.jobs_dir, "us", siteId="site-us")
    d.wait_state("us", "succeeded", timeout=30)
    assert len(fake.posts()) == posts_before + 1
