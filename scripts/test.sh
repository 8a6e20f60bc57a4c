#!/usr/bin/env bash
# The whole unit + integration suite (benchmarks excluded: `ctest -L bench` runs those).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cd "${EXDM_BUILD_DIR:-build}"
ctest --output-on-failure -LE bench -j"$(nproc)" --timeout 900
cd - >/dev/null
# CI also fuzzes every parser for a short fixed time (EXDM_CI_FUZZ_SECONDS each, 0 skips), from
# a fresh corpus with a fixed seed: the same inputs every run, so CI cannot fail on an input it
# happened to draw this time. Finding new inputs is the job of long runs (scripts/fuzz.sh).
if [[ -n "${CI:-}" && ${EXDM_CI_FUZZ_SECONDS:-20} -gt 0 ]]; then
  rm -rf "${EXDM_FUZZ_BUILD_DIR:-build-fuzz}/fuzz/corpus"
  EXDM_FUZZ_SEED=${EXDM_FUZZ_SEED:-1} scripts/fuzz.sh "${EXDM_CI_FUZZ_SECONDS:-20}"
fi
# The suite under ASan + UBSan: a second full build, so opt-in (EXDM_CI_SANITIZE=1).
if [[ -n "${CI:-}" && ${EXDM_CI_SANITIZE:-0} == 1 ]]; then
  scripts/sanitize.sh
fi
