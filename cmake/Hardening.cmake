# Debian's hardening build flags for optimized builds (Release, RelWithDebInfo, MinSizeRel): what
# `dpkg-buildflags` adds with DEB_BUILD_MAINT_OPTIONS=hardening=+all over hardening=-all, so the
# package is built as Debian builds its own (on Debian 12: -D_FORTIFY_SOURCE=2,
# -fstack-protector-strong, -Wformat -Werror=format-security, -Wl,-z,relro -Wl,-z,now) plus
# position-independent executables (gcc's default there; CMake asks for it explicitly).
# The flags come from dpkg-buildflags itself, never copied here, so a newer dpkg's additions follow.
# Debug builds stay without them (_FORTIFY_SOURCE needs optimization), as do sanitizer and fuzzing
# builds (ASan replaces the checked functions).
option(EXDM_HARDENING "Build optimized builds with Debian's hardening flags (dpkg-buildflags)" ON)

if(NOT EXDM_HARDENING OR EXDM_SANITIZE OR EXDM_FUZZ)
  return()
endif()

find_program(DPKG_BUILDFLAGS dpkg-buildflags)
if(NOT DPKG_BUILDFLAGS)
  message(FATAL_ERROR "EXDM_HARDENING needs dpkg-buildflags (Debian package dpkg-dev); "
                      "or configure with -DEXDM_HARDENING=OFF")
endif()

# The flags of `variable` (CPPFLAGS, CXXFLAGS, LDFLAGS) that hardening=+all adds.
function(exdm_hardening_flags variable out)
  foreach(setting on off)
    if(setting STREQUAL "on")
      set(maint hardening=+all)
    else()
      set(maint hardening=-all)
    endif()
    # Only the hardening setting decides: the caller's DEB_* overrides are not ours to inherit.
    execute_process(
      COMMAND ${CMAKE_COMMAND} -E env DEB_BUILD_MAINT_OPTIONS=${maint} --unset=DEB_BUILD_OPTIONS
              --unset=DEB_${variable}_APPEND --unset=DEB_${variable}_SET
              --unset=DEB_${variable}_MAINT_APPEND --unset=DEB_${variable}_MAINT_SET
              ${DPKG_BUILDFLAGS} --get ${variable}
      OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
    separate_arguments(flags_${setting} UNIX_COMMAND "${flags}")
  endforeach()
  if(flags_off)
    list(REMOVE_ITEM flags_on ${flags_off})
  endif()
  set(${out} ${flags_on} PARENT_SCOPE)
endfunction()

exdm_hardening_flags(CPPFLAGS EXDM_HARDENING_CPPFLAGS)
exdm_hardening_flags(CXXFLAGS EXDM_HARDENING_CXXFLAGS)
exdm_hardening_flags(LDFLAGS EXDM_HARDENING_LDFLAGS)
list(JOIN EXDM_HARDENING_CPPFLAGS " " _cpp)
list(JOIN EXDM_HARDENING_CXXFLAGS " " _cxx)
list(JOIN EXDM_HARDENING_LDFLAGS " " _ld)
message(STATUS "Hardening flags (optimized builds): ${_cpp} ${_cxx} ${_ld}; PIE")

set(_optimized "$<CONFIG:Release,RelWithDebInfo,MinSizeRel>")
add_compile_options("$<${_optimized}:${EXDM_HARDENING_CPPFLAGS};${EXDM_HARDENING_CXXFLAGS}>")
add_link_options("$<${_optimized}:${EXDM_HARDENING_LDFLAGS}>")

include(CheckPIESupported)
check_pie_supported(LANGUAGES CXX)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
