#!/usr/bin/env bash
# relinkd performance benchmark. NOT a test: CI must never run it (it takes
# minutes, loads the machine and reports numbers rather than pass/fail).
#
#   scripts/bench.sh                 the full run (N=1,000 and 10,000 jobs, READY with
#                                    100,000 jobs in the database, idle cost, curl loop)
#   scripts/bench.sh --quick         a smoke run (N=200 and 1,000, 10,000 rows, ...)
#   scripts/bench.sh --only=ready    one part (throughput, ready, idle, curl, preflight, report;
#                                    comma-separated)
#   scripts/bench.sh --no-build      skip scripts/build.sh (binaries already in build/)
#   scripts/bench.sh --help          every option (scripts/bench.py)
#
# It builds the project with scripts/build.sh, then runs scripts/bench.py:
# the real relinkd against relinkd-fakeapi over HTTPS on 127.0.0.1, with a
# CA and certificate made in a temporary directory that is removed at the end.
# Exit status: 0 when the benchmark ran (targets met or not), 1 when the
# benchmark itself failed, 130 when interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
args=()
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) exec python3 scripts/bench.py --help ;;
    *) args+=("$arg") ;;
  esac
done

if ! command -v curl >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: curl is missing; run as root or install it (apt-get install curl)" >&2
    exit 1
  fi
  echo "bench: installing curl" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 install -y \
    --no-install-recommends curl >/dev/null \
    || { apt-get -q update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -q \
           -o DPkg::Lock::Timeout=300 install -y --no-install-recommends curl >/dev/null; }
fi

if [[ $build -eq 1 ]]; then
  echo "bench: building (scripts/build.sh)" >&2
  scripts/build.sh >&2
fi

# exec: Ctrl-C and SIGTERM reach bench.py directly, which stops what it started.
exec python3 scripts/bench.py "${args[@]+"${args[@]}"}"
