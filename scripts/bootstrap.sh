#!/usr/bin/env bash
# Installs what the build, tests and demo need from Debian 12 packages (when run as root and
# something is missing), then configures and builds into ./build. Idempotent: a second run only
# rebuilds what changed. Used by scripts/demo.sh, scripts/test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  cmake g++ make pkg-config git
  libldap-dev libboost-program-options-dev prometheus-cpp-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcrypt-dev zlib1g-dev libyaml-dev
  # the exporter's web layer: Boost.Asio/Beast headers, OpenSSL 3
  libboost-dev libssl-dev
  # a hung file share for the tests (tests/support/hung_share.h): FUSE, mounted as root
  libfuse3-dev fuse3
  # real test servers and tools
  slapd ldap-utils prometheus prometheus-alertmanager icinga2-bin nagios4-core
  libmonitoring-plugin-perl
  # Samba AD DC: samba alone cannot provision a DC (its Recommends carry the provisioning data,
  # the DSDB modules and the VFS modules provisioning needs), and bootstrap skips Recommends.
  samba samba-ad-provision samba-dsdb-modules samba-vfs-modules
  # Kerberos (GSSAPI) bind against the Samba DC's KDC: kinit, and libldap's SASL GSSAPI plugin
  krb5-user libsasl2-modules-gssapi-mit
  mawk curl ca-certificates openssl procps tzdata
  # rsyslog: the shipped event receiver (deploy/collect/) is checked and run by the tests
  rsyslog
  # the exporter under its unit's sandbox without systemd as PID 1: the unit's system call filter
  # applied with libseccomp (tests/support/unit_sandbox.py)
  python3-seccomp
  # packaging (cpack -G DEB, dpkg-shlibdeps, dpkg-buildflags for the hardening flags), its
  # checks (lintian; readelf comes with binutils) and manual pages
  dpkg-dev lintian man-db groff-base
  # fuzzing and sanitizers; formatting (ctest `format`)
  clang libclang-rt-14-dev clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: missing packages (run as root to install): ${missing[*]}" >&2
    exit 1
  fi
  echo "bootstrap: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Debian's slapd and samba packages start system daemons where an init system runs; the tests
  # start their own throwaway instances on free ports, so keep the packaged ones from starting.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

BUILD_DIR=${EXDM_BUILD_DIR:-build}
cmake_args=(-S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${EXDM_BUILD_TYPE:-RelWithDebInfo})
[[ -n "${CI:-}" ]] && cmake_args+=(-DEXDM_WARNINGS_AS_ERRORS=ON)
cmake "${cmake_args[@]}" ${EXDM_CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
