"""The Debian package made by `cpack -G DEB`: what it holds, and, when run as
root on a machine whose dpkg can install packages, what installing it,
removing it and purging it do to the system.

cpack reads the build directory's CPackConfig.cmake and writes the package
(and its scratch files) into a temporary directory, leaving the build
directory as it was. It first builds the `all` target, a no-op after a full
build.

It also has lintian (scripts/install-deps.sh installs it) check the
package, which must find nothing, not even a warning; and man check each
manual page.

The install tests change the real system: they install relinkd with
`dpkg -i`, then remove and purge it. The group relinkd-jobs stays, as
system groups do. They do not run when relinkd is already installed, nor
when /etc/relinkd/relinkd.properties exists without the package (an
install from source): neither is theirs to replace.
"""

import grp
import gzip
import os
import re
import secrets
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from conftest import BIN_DIR

SOURCE_DIR = Path(__file__).resolve().parents[2]
CPACK_TIMEOUT_S = 600
DPKG_TIMEOUT_S = 300

CONFIG = "/etc/relinkd/relinkd.properties"
JOBS_DIR = "/etc/relinkd/jobs.d"
STATE_DIR = Path("/var/lib/relinkd")
UNIT_DIR = "/usr/lib/systemd/system"
EXAMPLES_DIR = "/usr/share/doc/relinkd/examples/jobs.d"
ENABLE_LINK = Path("/etc/systemd/system/multi-user.target.wants/relinkd.service")

# Package path -> source file, for everything with a source counterpart.
SHIPPED = {
    "/usr/lib/systemd/system/relinkd.service": "systemd/relinkd.service",
    "/usr/lib/sysusers.d/relinkd.conf": "systemd/relinkd.sysusers",
    "/usr/lib/tmpfiles.d/relinkd.conf": "systemd/relinkd.tmpfiles",
    CONFIG: "etc/relinkd.properties",
    "/usr/share/doc/relinkd/README.md": "README.md",
    "/usr/share/doc/relinkd/copyright": "packaging/debian/copyright",
    "/usr/share/bash-completion/completions/relinkctl": "packaging/bash-completion/relinkctl",
    "/usr/share/lintian/overrides/relinkd": "packaging/debian/lintian-overrides",
}
SHIPPED.update({f"{EXAMPLES_DIR}/{path.name}": f"etc/jobs.d/{path.name}"
                for path in (SOURCE_DIR / "etc" / "jobs.d").iterdir()})
PROGRAMS = ("/usr/bin/relinkd", "/usr/bin/relinkctl")
MAN_PAGES = {"relinkd": "/usr/share/man/man8/relinkd.8.gz",
             "relinkctl": "/usr/share/man/man8/relinkctl.8.gz",
             "relinkd.properties": "/usr/share/man/man5/relinkd.properties.5.gz"}
CHANGELOG = "/usr/share/doc/relinkd/changelog.Debian.gz"
RUNTIME_LIBRARIES = ("libpocofoundation", "libpoconet", "libpoconetssl", "libpocojson",
                     "libpocoutil", "libsqlite3-0")

pytestmark = pytest.mark.skipif(
    shutil.which("cpack") is None or shutil.which("dpkg-deb") is None,
    reason="cpack (package cmake) or dpkg-deb (package dpkg) not found")


def run(*args, timeout=DPKG_TIMEOUT_S, check=True, **kwargs):
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL, **kwargs)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}:\n"
                    f"{result.stdout}{result.stderr}")
    return result


# --------------------------------------------------------------------------
# The package file


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    config = BIN_DIR / "CPackConfig.cmake"
    assert config.is_file(), f"{config} is missing: configure the build directory with cmake"
    out = tmp_path_factory.mktemp("deb")
    run("cpack", "-G", "DEB", "--config", str(config), "-B", str(out), cwd=BIN_DIR,
        timeout=CPACK_TIMEOUT_S)
    debs = sorted(out.glob("relinkd_*.deb"))
    assert len(debs) == 1, f"cpack made {[d.name for d in debs]} in {out}, not one relinkd_*.deb"
    return debs[0]


@pytest.fixture(scope="module")
def entries(deb):
    """Package path (no trailing slash) -> `ls -l` style mode string."""
    listing = {}
    for line in run("dpkg-deb", "-c", str(deb)).stdout.splitlines():
        fields = line.split(None, 5)
        path = fields[5].split(" -> ")[0].removeprefix(".").rstrip("/")
        listing[path or "/"] = fields[0]
    return listing


@pytest.fixture(scope="module")
def unpacked(deb, tmp_path_factory):
    root = tmp_path_factory.mktemp("unpacked")
    run("dpkg-deb", "-x", str(deb), str(root))
    return root


@pytest.fixture(scope="module")
def control(deb, tmp_path_factory):
    directory = tmp_path_factory.mktemp("control") / "DEBIAN"
    run("dpkg-deb", "-e", str(deb), str(directory))
    return directory


def field(deb, name):
    return run("dpkg-deb", "-f", str(deb), name).stdout.strip()


def test_package_is_relinkd_for_this_architecture(deb):
    assert field(deb, "Package") == "relinkd"
    architecture = run("dpkg", "--print-architecture").stdout.strip()
    assert field(deb, "Architecture") == architecture


def upstream_version(deb):
    """The package's version without its Debian revision: 0.1.0 of 0.1.0-1."""
    return field(deb, "Version").rsplit("-", 1)[0]


def test_lintian_finds_nothing(deb):
    lintian = shutil.which("lintian")
    assert lintian, "lintian is missing: scripts/install-deps.sh installs it"
    result = run(lintian, "--fail-on", "error,warning", str(deb), check=False)
    # As root (CI), lintian says so on stderr; that is about the test, not the package.
    stderr = result.stderr.replace("running with root privileges is not recommended!\n", "")
    assert (result.returncode, result.stdout + stderr) == (0, ""), (
        f"lintian {deb.name} exited {result.returncode}:\n{result.stdout}{result.stderr}")


def test_package_name_and_programs_carry_the_projects_version(deb):
    version = upstream_version(deb)
    assert deb.name.startswith(f"relinkd_{field(deb, 'Version')}_"), deb.name
    for program in ("relinkd", "relinkctl"):
        assert run(BIN_DIR / program, "--version").stdout == f"{program} {version}\n"


def test_changelog_is_an_entry_for_this_version_by_the_maintainer(deb, unpacked):
    text = gzip.decompress((unpacked / CHANGELOG.lstrip("/")).read_bytes()).decode()
    first, trailer = text.splitlines()[0], text.splitlines()[-1]
    assert first == f"relinkd ({field(deb, 'Version')}) unstable; urgency=medium", first
    assert trailer.startswith(f" -- {field(deb, 'Maintainer')}  "), trailer


def test_man_pages_render_without_warnings(entries, unpacked):
    for path in MAN_PAGES.values():
        assert path in entries, f"the package lacks {path}"
        result = run("man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z",
                     str(unpacked / path.lstrip("/")),
                     env=dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80"))
        assert result.stderr == "", f"man -l {path} warns:\n{result.stderr}"


def test_package_holds_both_programs_executable(entries):
    for program in PROGRAMS:
        assert program in entries, f"the package lacks {program}"
        assert entries[program].startswith("-rwxr-xr-x"), f"{program} is {entries[program]}"


def test_package_holds_the_unit_snippets_config_and_docs_as_in_the_source(entries, unpacked):
    for path, source in SHIPPED.items():
        assert path in entries, f"the package lacks {path} (from {source})"
        assert (unpacked / path.lstrip("/")).read_bytes() == (SOURCE_DIR / source).read_bytes(), (
            f"{path} in the package differs from {source}")


def test_package_puts_nothing_into_the_job_directory(entries):
    # Files there would be submitted to Atlassian as soon as relinkd starts.
    inside = [path for path in entries if path == JOBS_DIR or path.startswith(JOBS_DIR + "/")]
    assert inside == [], f"the package installs into {JOBS_DIR}: {inside}"


def test_every_file_under_etc_is_a_conffile(entries, control):
    conffiles = (control / "conffiles").read_text().split()
    assert CONFIG in conffiles
    etc_files = [path for path, mode in entries.items()
                 if path.startswith("/etc/") and mode.startswith("-")]
    assert sorted(etc_files) == sorted(conffiles)


def test_depends_names_the_runtime_libraries(deb):
    depends = field(deb, "Depends")
    names = {re.split(r"[\s(]", alternative.strip())[0]
             for clause in depends.split(",") for alternative in clause.split("|")}
    for library in RUNTIME_LIBRARIES:
        assert any(re.fullmatch(re.escape(library) + r"\d*", name) for name in names), (
            f"Depends does not name {library}: {depends}")


def test_cmake_install_lays_out_the_same_files_as_the_package(entries, tmp_path):
    run("cmake", "--install", str(BIN_DIR), "--prefix", "/usr",
        env=dict(os.environ, DESTDIR=str(tmp_path)))
    installed = {"/" + str(path.relative_to(tmp_path))
                 for path in tmp_path.rglob("*") if not path.is_dir()}
    packaged = {path for path, mode in entries.items() if not mode.startswith("d")}
    assert installed == packaged


def test_maintainer_scripts_are_executable_shell_scripts(control):
    for script in ("postinst", "prerm", "postrm"):
        path = control / script
        assert path.is_file(), f"the package has no {script}"
        assert path.stat().st_mode & 0o111, f"{script} is not executable"
        assert path.read_text().startswith("#!/bin/sh\n")
        run("sh", "-n", str(path))


# --------------------------------------------------------------------------
# Installing it into the real system


def dpkg_status(package="relinkd"):
    """dpkg's status word for the package ('installed', 'config-files', ...)
    or '' when it is not there at all."""
    result = run("dpkg-query", "-W", "-f=${db:Status-Status}", package, check=False)
    status = result.stdout.strip() if result.returncode == 0 else ""
    return "" if status == "not-installed" else status


def install_blocker():
    """Why the install tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "installing a package needs root"
    if shutil.which("dpkg") is None or not os.access("/var/lib/dpkg", os.W_OK):
        return "no writable dpkg database (/var/lib/dpkg) on this machine"
    status = dpkg_status()
    if status in ("installed", "half-installed", "unpacked", "half-configured"):
        return f"relinkd is already {status} here; the test will not replace it"
    if status == "" and os.path.exists(CONFIG):
        return f"{CONFIG} exists and is not the package's (an install from source?)"
    return None


def systemd_running():
    return os.path.isdir("/run/systemd/system")


@pytest.fixture(scope="module")
def installed(deb):
    """Installs the package; afterwards purges it if a test left it behind.
    Yields the sentinel file planted in /var/lib/relinkd before the install,
    with its content, so the tests can see that nothing touched it."""
    blocker = install_blocker()
    if blocker:
        pytest.skip(blocker)
    created_state_dir = not STATE_DIR.exists()
    STATE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    sentinel = STATE_DIR / f"package-test-{secrets.token_hex(4)}"
    content = secrets.token_hex(16)
    sentinel.write_text(content)
    try:
        run("dpkg", "-i", str(deb), env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        yield sentinel, content
    finally:
        if dpkg_status():
            run("dpkg", "--purge", "relinkd", check=False)
        sentinel.unlink(missing_ok=True)
        if created_state_dir:
            STATE_DIR.rmdir()


def assert_state_untouched(installed):
    sentinel, content = installed
    assert sentinel.read_text() == content, f"{sentinel} was changed"


def test_install_puts_the_programs_on_the_path(deb, installed):
    version = upstream_version(deb)
    for program in PROGRAMS:
        result = run(program, "--version")
        assert result.stdout.strip() == f"{Path(program).name} {version}"


def test_install_makes_man_find_every_page(installed):
    for name, path in MAN_PAGES.items():
        assert run("man", "-w", name).stdout.strip() == path
        assert name in run("man", "-P", "cat", name, env=dict(os.environ, MANWIDTH="80")).stdout


def test_install_puts_the_unit_and_the_configuration_in_place(installed):
    for path in ("/usr/lib/systemd/system/relinkd.service", "/usr/lib/sysusers.d/relinkd.conf",
                 "/usr/lib/tmpfiles.d/relinkd.conf", CONFIG):
        assert Path(path).read_bytes() == (SOURCE_DIR / SHIPPED[path]).read_bytes(), path
    assert_state_untouched(installed)


def test_install_makes_the_job_directory_writable_by_relinkd_jobs(installed):
    group = grp.getgrnam("relinkd-jobs")  # KeyError: postinst made no group
    info = os.stat(JOBS_DIR)
    assert stat.S_ISDIR(info.st_mode)
    assert info.st_uid == 0 and info.st_gid == group.gr_gid
    assert stat.S_IMODE(info.st_mode) == 0o2775, f"{JOBS_DIR} has mode {oct(info.st_mode)}"
    assert os.listdir(JOBS_DIR) == []


def test_install_enables_the_unit(installed):
    # deb-systemd-helper enables by symlink, with or without a running systemd.
    assert ENABLE_LINK.is_symlink(), f"{ENABLE_LINK} is missing: the unit is not enabled"
    assert ENABLE_LINK.resolve() == Path(UNIT_DIR, "relinkd.service").resolve()


@pytest.mark.skipif(not systemd_running(),
                    reason="systemd is not the running init here: 'not started' cannot be seen")
def test_installed_unit_is_enabled_but_not_started(installed):
    enabled = run("systemctl", "is-enabled", "relinkd.service", check=False).stdout.strip()
    active = run("systemctl", "is-active", "relinkd.service", check=False).stdout.strip()
    assert (enabled, active) == ("enabled", "inactive")


def test_remove_keeps_the_configuration_and_purge_never_touches_the_state(installed):
    run("dpkg", "--remove", "relinkd")
    assert dpkg_status() == "config-files"
    for path in (*PROGRAMS, f"{UNIT_DIR}/relinkd.service", "/usr/lib/sysusers.d/relinkd.conf",
                 "/usr/lib/tmpfiles.d/relinkd.conf"):
        assert not os.path.lexists(path), f"dpkg -r left {path}"
    assert os.path.isfile(CONFIG), f"dpkg -r removed the conffile {CONFIG}"
    assert_state_untouched(installed)

    run("dpkg", "--purge", "relinkd")
    assert dpkg_status() == ""
    assert not os.path.lexists(CONFIG), f"dpkg -P left {CONFIG}"
    assert not os.path.lexists(ENABLE_LINK), f"dpkg -P left {ENABLE_LINK}"
    assert not os.path.lexists("/etc/systemd/system/relinkd.service"), "dpkg -P left the unit masked"
    assert_state_untouched(installed)
