#!/usr/bin/env bash
# The layering rule of README "Development", checked on the sources: each
# layer includes only the headers it is allowed to. Exits 1 and names every
# offending line.
set -euo pipefail
root=${1:-$(dirname "$0")/../..}
cd "$root"

failed=0
# forbid LAYER PATTERN WHY: no source of src/LAYER may include PATTERN.
forbid() {
  local layer=$1 pattern=$2 why=$3 hits
  hits=$(grep -nE "^#include [<\"]($pattern)" -r "src/$layer" || true)
  if [[ -n "$hits" ]]; then
    printf 'layers: src/%s must not include %s (%s):\n%s\n' "$layer" "$pattern" "$why" "$hits"
    failed=1
  fi
}

pure='Poco/Net/|Poco/Util/|sqlite3\.h|systemd/'
for layer in domain policy engine; do forbid "$layer" "$pure" "a pure layer"; done
# Upward includes: the contracts of higher layers.
forbid domain 'relinkd/(Outcome|RetryPolicy|LinksApi|Http|Engine|JobStore|JobSource|SqliteJobStore|JobDirectory|JobFile|PocoTransport|RequestPool|Metrics|Config)\.h' "domain is the bottom layer"
forbid policy 'relinkd/(Engine|JobStore|JobSource|SqliteJobStore|JobDirectory|JobFile|PocoTransport|RequestPool|Metrics|Config)\.h' "policy sits below the engine"
forbid engine 'relinkd/(SqliteJobStore|JobDirectory|JobFile|PocoTransport|RequestPool|Metrics|Config)\.h' "the engine sees the store and the directory only through JobStore and JobSource"
for layer in store io config; do forbid "$layer" 'Poco/Net/|systemd/' "only net and daemon reach the network and systemd"; done
for layer in io net config; do forbid "$layer" 'sqlite3\.h' "only store touches SQLite"; done
forbid ctl 'relinkd/(Engine|PocoTransport|RequestPool)\.h|Poco/Net/|systemd/' "relinkctl needs no engine and no network"
# The core reads the time through a Clock (tests inject one); only the real
# clock and the adapters' socket timers (net, daemon) ask std::chrono.
hits=$(grep -nE '(steady_clock|system_clock)::now\(\)' -r src/domain src/policy src/engine src/store src/io src/config | grep -v '^src/domain/Clock\.cpp' || true)
if [[ -n "$hits" ]]; then
  printf 'layers: read the time through a Clock, not std::chrono directly:\n%s\n' "$hits"
  failed=1
fi
[[ $failed -eq 0 ]] && echo "layers: 1 passed, 0 failed"
exit $failed
