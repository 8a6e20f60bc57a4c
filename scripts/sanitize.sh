#!/usr/bin/env bash
# The unit + integration suite under AddressSanitizer + UndefinedBehaviorSanitizer: CMake preset
# "asan" (EXDM_SANITIZE=ON, build-asan/), ctest preset "asan" (leak checks on, UBSan fatal). The
# Samba AD tests are left out unless EXDM_SANITIZE_SAMBA=1: they run the same client code as the
# slapd tests and spend their time provisioning a DC.
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake --preset asan "${launcher[@]}" ${EXDM_CMAKE_ARGS:-} >/dev/null
cmake --build --preset asan -j"$(nproc)"
skip=()
[[ ${EXDM_SANITIZE_SAMBA:-0} == 1 ]] || skip=(-E '^samba\.')
ctest --preset asan -j"$(nproc)" --timeout 900 "${skip[@]}"
