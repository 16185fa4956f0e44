#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/, then runs each for SECONDS
# (default 60) starting from its seed corpus in tests/fuzz/corpus/TARGET.
# New inputs go to build-fuzz/corpus/TARGET (the repository's corpus is not
# touched); a crash is written to build-fuzz/crashes/TARGET/ and makes the
# script exit 1 after every target has run. Keep a crash's input in
# tests/fuzz/corpus/TARGET/ once it is fixed: CI runs every corpus file.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 600        # 10 minutes per target
#   scripts/fuzz.sh 30 fuzz_plan_file fuzz_job_file   # some targets only
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=(fuzz_job_file fuzz_plan_file fuzz_api_answer fuzz_durations fuzz_config fuzz_status_request fuzz_http_response)
[[ $# -gt 0 ]] && targets=("$@")
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "usage: scripts/fuzz.sh [SECONDS>0] [TARGET...]" >&2; exit 2; }

RELINKD_EXTRA_PACKAGES="clang libclang-rt-14-dev" scripts/install-deps.sh
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRELINKD_SANITIZE=address,undefined -DRELINKD_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"

failed=()
for target in "${targets[@]}"; do
  work=build-fuzz/corpus/$target crashes=build-fuzz/crashes/$target
  mkdir -p "$work"
  rm -rf "$crashes" && mkdir -p "$crashes"  # this run's only
  echo "== $target: ${seconds}s"
  # 70,000 bytes: past the 64 KiB limit of job and plan files.
  if ! ASAN_OPTIONS=detect_leaks=0 "build-fuzz/tests/$target" -max_total_time="$seconds" -max_len=70000 \
      -timeout=20 -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$target" \
      >"build-fuzz/$target.log" 2>&1; then
    failed+=("$target")
    echo "   CRASH: $(ls "$crashes" | head -3 | tr '\n' ' ') (log: build-fuzz/$target.log)"
  else
    { grep -E "^stat::number_of_executed_units" "build-fuzz/$target.log" || true; } | tail -1 | sed 's/^/   /'
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: crashes in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: every target ran ${seconds}s clean"
