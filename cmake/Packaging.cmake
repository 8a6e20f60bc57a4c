# Installation layout and the Debian package (CPack DEB): `cpack -G DEB` in the build tree builds
# build/exchange-delivery-monitor_<version>_<arch>.deb.
#
#   /usr/lib/nagios/plugins/check_exchange_delivery      (checks/CMakeLists.txt)
#   /usr/bin/exchange_delivery_exporter                  (exporter/CMakeLists.txt)
#   /etc/exchange-delivery-monitor/*.ini                 conffiles: exporter and --extra-opts examples
#   /usr/lib/systemd/system/exchange-delivery-exporter.{service,socket}
#   /usr/share/exchange-delivery-monitor/{icinga2,nagios,prometheus,grafana}/
#   /usr/share/exchange-delivery-monitor/collect/       CIFS mount units, NXLog, Log Parser, rsyslog
#   /usr/share/man/man1/*.1.gz
#   /usr/share/doc/exchange-delivery-monitor/            README, CHANGELOG, copyright (DEP-5),
#                                                        changelog.gz (Debian format, generated)
#
# Maintainer scripts (deploy/debian/): systemctl daemon-reload on install, upgrade and removal,
# try-restart of a running exporter on upgrade, stop on removal; installing the package enables
# and starts nothing.

# Relative destinations land under the prefix (/usr in the package, CPACK_PACKAGING_INSTALL_PREFIX);
# configuration goes to /etc whatever the build tree's prefix, as Debian wants it. For an install
# elsewhere without root, pass e.g. -DEXDM_SYSCONFDIR=$HOME/.local/etc (or install with DESTDIR).
set(EXDM_SYSCONFDIR /etc CACHE PATH "Where the configuration examples are installed")
include(GNUInstallDirs)
set(EXDM_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/exchange-delivery-monitor)
set(EXDM_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/exchange-delivery-monitor)
set(EXDM_CONF_DIR ${EXDM_SYSCONFDIR}/exchange-delivery-monitor)

# Configuration examples, installed as the live configuration (conffiles below).
set(EXDM_CONFFILES)
macro(exdm_install_conffile source name)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${source})
    install(FILES ${PROJECT_SOURCE_DIR}/${source} DESTINATION ${EXDM_CONF_DIR} RENAME ${name})
    list(APPEND EXDM_CONFFILES ${EXDM_CONF_DIR}/${name})
  endif()
endmacro()
exdm_install_conffile(deploy/systemd/exporter.ini.example exporter.ini)
exdm_install_conffile(deploy/check/check_exchange_delivery.ini check_exchange_delivery.ini)

# The systemd units (the service, and the socket for socket activation) come from deploy/systemd/
# when present; they are not enabled on install.
file(GLOB EXDM_SYSTEMD_UNITS ${PROJECT_SOURCE_DIR}/deploy/systemd/*.service
     ${PROJECT_SOURCE_DIR}/deploy/systemd/*.socket)
if(EXDM_SYSTEMD_UNITS)
  install(FILES ${EXDM_SYSTEMD_UNITS} DESTINATION lib/systemd/system)
endif()

# Monitoring configuration, rules and dashboards for the admin to include or copy.
foreach(dir icinga2 nagios)
  if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/${dir})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/${dir}/ DESTINATION ${EXDM_SHARE_DIR}/${dir})
  endif()
endforeach()
if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/prometheus)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/prometheus/ DESTINATION ${EXDM_SHARE_DIR}/prometheus
          FILES_MATCHING PATTERN "*.yml" PATTERN "tests" EXCLUDE)
endif()
# Collection recipes: per-server examples (mount units cannot be templates, so they are copied to
# /etc/systemd/system/ under each server's name, not installed as live units), Windows-side
# configuration, the rsyslog receiver.
if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/collect)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/collect/ DESTINATION ${EXDM_SHARE_DIR}/collect)
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/deploy/grafana)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/deploy/grafana/ DESTINATION ${EXDM_SHARE_DIR}/grafana
          FILES_MATCHING PATTERN "*.json")
endif()

# Manual pages, compressed as Debian wants them (gzip -n: no timestamp, reproducible).
find_program(GZIP_EXECUTABLE gzip REQUIRED)
file(GLOB EXDM_MAN_PAGES ${PROJECT_SOURCE_DIR}/deploy/man/*.1)
set(EXDM_MAN_GZ)
foreach(page IN LISTS EXDM_MAN_PAGES)
  get_filename_component(name ${page} NAME)
  set(gz ${PROJECT_BINARY_DIR}/man/${name}.gz)
  add_custom_command(OUTPUT ${gz}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
                     COMMAND ${GZIP_EXECUTABLE} -9n -c ${page} > ${gz}
                     DEPENDS ${page} VERBATIM)
  list(APPEND EXDM_MAN_GZ ${gz})
endforeach()
add_custom_target(exdm_man_pages ALL DEPENDS ${EXDM_MAN_GZ})
install(FILES ${EXDM_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/deploy/debian/copyright
        DESTINATION ${EXDM_DOC_DIR})

# Who answers for the package (Maintainer:, and the changelog's trailer line). A site that builds
# its own packages puts its own address here.
set(EXDM_PACKAGE_MAINTAINER
    "exchange-delivery-monitor maintainers <exchange-delivery-monitor@users.noreply.github.com>"
    CACHE STRING "Maintainer field of the Debian package: Name <address>")

# A native package's Debian changelog is /usr/share/doc/<package>/changelog.gz (Policy 12.7): one
# entry for this version pointing at the upstream CHANGELOG.md. Dated by the commit (or
# SOURCE_DATE_EPOCH), so the same tree gives the same package.
set(_epoch "$ENV{SOURCE_DATE_EPOCH}")
if(_epoch STREQUAL "")
  execute_process(COMMAND git log -1 --format=%ct WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
set(_saved_epoch "$ENV{SOURCE_DATE_EPOCH}")
if(NOT _epoch STREQUAL "")
  set(ENV{SOURCE_DATE_EPOCH} ${_epoch})
endif()
string(TIMESTAMP EXDM_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(ENV{SOURCE_DATE_EPOCH} "${_saved_epoch}")
set(EXDM_DEBIAN_CHANGELOG ${PROJECT_BINARY_DIR}/debian-changelog/changelog)
file(WRITE ${EXDM_DEBIAN_CHANGELOG}
     "exchange-delivery-monitor (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
     "  * Upstream release ${PROJECT_VERSION} (revision ${EXDM_REVISION}). What changed is in\n"
     "    /usr/share/doc/exchange-delivery-monitor/CHANGELOG.md.\n\n"
     " -- ${EXDM_PACKAGE_MAINTAINER}  ${EXDM_CHANGELOG_DATE}\n")
add_custom_command(OUTPUT ${EXDM_DEBIAN_CHANGELOG}.gz
                   COMMAND ${GZIP_EXECUTABLE} -9n -c ${EXDM_DEBIAN_CHANGELOG} > ${EXDM_DEBIAN_CHANGELOG}.gz
                   DEPENDS ${EXDM_DEBIAN_CHANGELOG} VERBATIM)
add_custom_target(exdm_debian_changelog ALL DEPENDS ${EXDM_DEBIAN_CHANGELOG}.gz)
install(FILES ${EXDM_DEBIAN_CHANGELOG}.gz DESTINATION ${EXDM_DOC_DIR} RENAME changelog.gz)

# --- CPack: Debian package -------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME exchange-delivery-monitor)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "exchange-delivery-monitor")
set(CPACK_PACKAGE_CONTACT "${EXDM_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${EXDM_PACKAGE_MAINTAINER}")
# Synopsis under 80 characters, description lines under 80 (Policy 3.4, lintian).
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Nagios plugin and Prometheus exporter for Exchange 2000/2003 local delivery")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Detects mail stuck in the local delivery queue of Exchange 2000/2003 servers\n\
because a store's SMTP mailbox (mailGateway object in Active Directory) is\n\
missing, duplicated or wrong: a read-only LDAP audit, message tracking log\n\
analysis and application event correlation. Ships check_exchange_delivery (a\n\
Monitoring Plugin for Nagios and Icinga 2) and exchange_delivery_exporter (a\n\
Prometheus exporter), with Icinga 2 and Nagios definitions, Prometheus alert\n\
rules and a Grafana dashboard.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)
# Runtime dependencies from the binaries' shared libraries (libldap, Boost.Program_options,
# prometheus-cpp, OpenSSL, zlib, libcrypt, libyaml ...), as dpkg-shlibdeps resolves them.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "icinga2 | nagios4, prometheus")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/exchange-delivery-monitor")

# conffiles: dpkg keeps the admin's edits to these across upgrades.
set(EXDM_CONTROL_DIR ${PROJECT_BINARY_DIR}/debian-control)
string(REPLACE ";" "\n" _conffiles "${EXDM_CONFFILES}")
file(WRITE ${EXDM_CONTROL_DIR}/conffiles "${_conffiles}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${EXDM_CONTROL_DIR}/conffiles
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
