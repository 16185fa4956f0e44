#!/usr/bin/env bash
# The sanitizer half of the tests (scripts/test.sh runs it after the rest):
#   build-asan/  clang, AddressSanitizer + UndefinedBehaviorSanitizer: every
#                unit test, and every fuzz target over its corpus
#                (tests/fuzz/corpus, crashes found once included);
#   build-tsan/  clang, ThreadSanitizer: the unit tests of the layers that
#                run threads (engine inputs, request pool, deadline reaper
#                and the transport over TLS, directory watcher and process
#                runner, status server and notifier).
# The end-to-end tests run on the normal build only. Exits non-zero when a
# sanitizer reports anything.
set -euo pipefail
cd "$(dirname "$0")/.."

RELINKD_EXTRA_PACKAGES="clang libclang-rt-14-dev" scripts/install-deps.sh
jobs=$(nproc)
units=(unit_domain unit_policy unit_engine unit_engine_store unit_store unit_io unit_net unit_config unit_daemon)
fuzzers=(fuzz_job_file fuzz_plan_file fuzz_api_answer fuzz_durations fuzz_config fuzz_status_request fuzz_http_response)

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRELINKD_SANITIZE=address,undefined -DRELINKD_FUZZ=ON >/dev/null
cmake --build build-asan -j"$jobs" --target "${units[@]}" "${fuzzers[@]}"
ASAN_OPTIONS=$ASAN_OPTIONS ctest --test-dir build-asan --output-on-failure -E '^(e2e|layers.*)$'

export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/sanitizers/tsan.supp"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DRELINKD_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$jobs" --target unit_engine unit_net unit_io unit_daemon
ctest --test-dir build-tsan --output-on-failure -R '^unit_(engine|io|daemon|net)$'
