#!/usr/bin/env bash
# Fuzzes every parser of outside data (tests/fuzz/*_fuzz.cc) for SECONDS each (default 300),
# built with clang + libFuzzer + ASan/UBSan into build-fuzz (EXDM_FUZZ_BUILD_DIR), NAME targets
# only when given. Targets run side by side, EXDM_FUZZ_JOBS (default: nproc) at a time.
#   scripts/fuzz.sh [SECONDS] [NAME...]      e.g. scripts/fuzz.sh 60 tracking_log event_log
# Corpora grow in build-fuzz/fuzz/corpus/<name> (kept between runs), seeded from the fixtures
# (fuzz_make_seeds) and tests/fuzz/regressions/<name>. A crash, leak, timeout or property
# violation fails the run and leaves the input in build-fuzz/fuzz/artifacts/<name>/: fix the bug,
# then keep the input in tests/fuzz/regressions/<name>/ (ctest fuzz.replay.<name> replays it).
# EXDM_FUZZ_SEED fixes libFuzzer's seed (default: a new one per run). With a fixed seed and a
# fresh corpus the inputs tried are the same every run, so the time limit only cuts that sequence
# shorter or longer: CI uses this, and a long run with the same seed vouches for any shorter one.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
BUILD_DIR=${EXDM_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${EXDM_FUZZ_JOBS:-$(nproc)}
seed_args=()
[[ -n ${EXDM_FUZZ_SEED:-} ]] && seed_args=(-seed="$EXDM_FUZZ_SEED")

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD_DIR" -DCMAKE_CXX_COMPILER=clang++ -DEXDM_FUZZ=ON -DEXDM_BENCHMARKS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" ${EXDM_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target fuzz_targets

bin=$BUILD_DIR/tests/fuzz
work=$BUILD_DIR/fuzz
"$bin/fuzz_make_seeds" "$PWD" "$work/seeds" >/dev/null
if (($# == 0)); then
  set -- $(ls tests/fuzz/*_fuzz.cc | sed 's|.*/||; s|_fuzz\.cc$||')
fi

run_one() {
  local name=$1
  mkdir -p "$work/corpus/$name" "$work/artifacts/$name" "$work/logs"
  local inputs=("$work/corpus/$name" "$work/seeds/$name")
  [[ -d tests/fuzz/regressions/$name ]] && inputs+=("tests/fuzz/regressions/$name")
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: a parser must not balloon.
  if "$bin/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      "${seed_args[@]}" -print_final_stats=1 -artifact_prefix="$work/artifacts/$name/" "${inputs[@]}" \
      >"$work/logs/$name.log" 2>&1; then
    echo "fuzz $name: ok, $(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$work/logs/$name.log" |
      awk '{print $2}') runs in ${seconds}s, corpus $(ls "$work/corpus/$name" | wc -l)"
  else
    echo "fuzz $name: FAILED (input in $work/artifacts/$name/, log $work/logs/$name.log)"
    grep -E -A25 'ERROR: |property violated|runtime error' "$work/logs/$name.log" | head -40
    touch "$work/failed.$name"
  fi
}

rm -f "$work"/failed.*
for name in "$@"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  run_one "$name" &
done
wait
if ls "$work"/failed.* >/dev/null 2>&1; then
  echo "fuzz: failures: $(ls "$work"/failed.* | sed 's|.*/failed\.||' | tr '\n' ' ')" >&2
  exit 1
fi
echo "fuzz: $# targets, ${seconds}s each, no findings"
