# ctest fixture `package.deb`: the build tree's Debian package, built once per ctest run into
# BINARY_DIR/package-test (what `cpack -G DEB` in the build tree makes) for the package.* tests,
# which unpack or install it themselves.
#   cmake -DCPACK=... -DBINARY_DIR=... -P build_package.cmake
file(REMOVE_RECURSE ${BINARY_DIR}/package-test)
execute_process(COMMAND ${CPACK} -G DEB -B ${BINARY_DIR}/package-test
                        --config ${BINARY_DIR}/CPackConfig.cmake
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cpack -G DEB failed (exit ${rc})")
endif()
file(GLOB debs ${BINARY_DIR}/package-test/*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one .deb in ${BINARY_DIR}/package-test, found: ${debs}")
endif()
