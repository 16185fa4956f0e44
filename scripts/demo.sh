#!/usr/bin/env bash
# Demo: builds relinkd, then runs the daemon over real HTTPS against the
# bundled fake links API (relinkd-fakeapi) until the jobs of the examples
# in etc/jobs.d/ (a plan of three sites: six jobs) are done. Nothing outside build/ is touched; everything the
# demo starts or writes is stopped and removed when it exits.
# Exit status: that of `relinkctl wait` (0 = every job succeeded).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh

bin="$PWD/build"
mkdir -p build/demo
work=$(mktemp -d "$PWD/build/demo/run.XXXXXX")
fake_pid=""
daemon_pid=""
failed=1

cleanup() {
  for pid in "$daemon_pid" "$fake_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ $failed -ne 0 && -s "$work/relinkd.log" ]]; then
    echo "--- relinkd log (last 40 lines) ---" >&2
    tail -n 40 "$work/relinkd.log" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The daemon must reach the fake on loopback directly, whatever the shell says.
unset https_proxy HTTPS_PROXY http_proxy HTTP_PROXY

# A throwaway CA and a server certificate for 127.0.0.1 and localhost, so the
# demo speaks real, verified HTTPS (relinkd.api.caFile trusts this CA only).
tls="$work/tls"
mkdir -p "$tls"
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" -days 2 -subj "/CN=relinkd demo CA" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=localhost" 2>/dev/null
cat >"$tls/server.ext" <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost
EXT
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
  -CAcreateserial -days 2 -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null

# A random token, known to the fake and to relinkd, never on a command line.
email="demo@example.com"
(umask 077 && openssl rand -hex 24 >"$work/api-token")

"$bin/relinkd-fakeapi" --tls-cert="$tls/server.pem" --tls-key="$tls/server.key" \
  --email="$email" --token-file="$work/api-token" --port-file="$work/port" \
  >"$work/fakeapi.log" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do
  [[ -s "$work/port" ]] && break
  kill -0 "$fake_pid" 2>/dev/null || { cat "$work/fakeapi.log" >&2; echo "demo: the fake API did not start" >&2; exit 1; }
  sleep 0.1
done
port=$(tr -dc 0-9 <"$work/port")
[[ -n "$port" ]] || { echo "demo: the fake API wrote no port" >&2; exit 1; }

# Make the demo show what relinkd is for: the first submission meets a
# rate limit (503 with Retry-After) and one status poll a dropped connection;
# relinkd waits and retries, and every job still succeeds.
python3 - "$port" "$tls/ca.pem" <<'PY'
import json, ssl, sys, urllib.request
port, ca = sys.argv[1], sys.argv[2]
faults = [
    {"method": "POST", "pathContains": "/jobs/cma", "times": 1, "action": "status",
     "status": 503, "headers": {"Retry-After": "2"},
     "body": '{"status":503,"errorMessage":"Service temporarily unavailable"}'},
    {"method": "GET", "pathContains": "/jobs/status/", "times": 1, "action": "reset"},
]
request = urllib.request.Request(f"https://127.0.0.1:{port}/_fake/faults",
                                 data=json.dumps(faults).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
urllib.request.urlopen(request, context=ssl.create_default_context(cafile=ca), timeout=10).read()
PY

mkdir -p "$work/jobs.d" "$work/state"
cat >"$work/relinkd.properties" <<PROPS
relinkd.jobs.dir = $work/jobs.d
relinkd.state.dir = $work/state
relinkd.api.baseUrl = https://127.0.0.1:$port
relinkd.api.email = $email
relinkd.api.tokenFile = $work/api-token
relinkd.api.caFile = $tls/ca.pem
relinkd.poll.interval = 1s
relinkd.retry.initialDelay = 2s
PROPS

# The examples use recreateAsRemote, which the API allows only within 14 days
# (relinkd.window) of the migration: pretend the migration finished just now,
# so their window is open whenever the demo runs.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
shopt -s nullglob
examples=(etc/jobs.d/*.json)
[[ ${#examples[@]} -gt 0 ]] || { echo "demo: no example files in etc/jobs.d/" >&2; exit 1; }
for f in "${examples[@]}"; do
  sed -E 's/("migratedAt"[[:space:]]*:[[:space:]]*)"[^"]*"/\1"'"$now"'"/' "$f" \
    >"$work/jobs.d/$(basename "$f").tmp"
  mv "$work/jobs.d/$(basename "$f").tmp" "$work/jobs.d/$(basename "$f")"
done

config=(-c "$work/relinkd.properties")
"$bin/relinkd" "${config[@]}" 2>"$work/relinkd.log" &
daemon_pid=$!
echo "relinkd (pid $daemon_pid) is working on the examples (${examples[*]##*/}) against the fake API at https://127.0.0.1:$port"
echo "daemon log: $work/relinkd.log (removed when the demo ends)"

# Wait until relinkd has taken up every example (its database exists and the
# directory has been scanned) before asking relinkctl to wait for them (a
# plan file is one example that makes several jobs).
job_count() {
  "$bin/relinkctl" "${config[@]}" list --json 2>/dev/null |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo 0
}
for _ in $(seq 200); do
  [[ $(job_count) -ge ${#examples[@]} ]] && break
  kill -0 "$daemon_pid" 2>/dev/null || { echo "demo: relinkd exited early" >&2; exit 1; }
  sleep 0.1
done

status=0
"$bin/relinkctl" "${config[@]}" wait --timeout=120s || status=$?
echo
"$bin/relinkctl" "${config[@]}" list || true
echo
echo "--- what relinkd logged ---"
cat "$work/relinkd.log"
for plan_file in etc/jobs.d/*.plan.json; do
  plan=$(basename "$plan_file" .plan.json)
  echo
  echo "--- relinkctl show $plan (a plan: one job per ordered pair of its sites) ---"
  "$bin/relinkctl" "${config[@]}" show "$plan" || true
done
first_job=$("$bin/relinkctl" "${config[@]}" list --json |
  python3 -c 'import json, sys; jobs = json.load(sys.stdin); print(jobs[0]["name"] if jobs else "")')
if [[ -n "$first_job" ]]; then
  echo
  echo "--- relinkctl show $first_job (one job, with its history) ---"
  "$bin/relinkctl" "${config[@]}" show "$first_job" || true
fi

kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=""
if [[ $daemon_status -ne 0 ]]; then
  echo "demo: relinkd exited with status $daemon_status" >&2
  [[ $status -ne 0 ]] || status=$daemon_status
fi
kill -TERM "$fake_pid"
wait "$fake_pid" 2>/dev/null || true
fake_pid=""

[[ $status -ne 0 ]] || failed=0
exit "$status"
