#!/usr/bin/env bash
# The whole unit + integration suite (benchmarks excluded: `ctest -L bench` runs those).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cd "${EXDM_BUILD_DIR:-build}"
ctest --output-on-failure -LE bench -j"$(nproc)" --timeout 900
