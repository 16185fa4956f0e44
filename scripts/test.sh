#!/usr/bin/env bash
# Builds, then runs every test (unit and end-to-end) through ctest, then the
# sanitizer builds (scripts/sanitize.sh).
# Exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh
# -V shows each runner's own summary (doctest's counts, pytest's passed/skipped).
# install-deps.sh installs headless Chromium, so here its absence fails the
# browser tests rather than skipping them.
RELINKD_REQUIRE_BROWSER=1 ctest --test-dir build --output-on-failure -V
# Then the unit tests and the fuzz corpora under ASan+UBSan, and the
# threaded unit tests under TSan (builds of their own, with clang).
scripts/sanitize.sh
