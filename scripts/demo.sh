#!/usr/bin/env bash
# The demo: builds, then runs what exists against an embedded sample organization.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
B=${EXDM_BUILD_DIR:-build}
"$B/checks/check_exchange_delivery" --version
"$B/exporter/exchange_delivery_exporter" --version
