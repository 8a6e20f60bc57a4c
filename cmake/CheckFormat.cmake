# ctest `format`: every C++ source and header is formatted as .clang-format says (cmake -P, with
# SOURCE_DIR and CLANG_FORMAT set). Lists the files that are not and fails, so drift shows in CI
# instead of in the next engineer's unrelated diff. Fix: clang-format -i <files>.
file(GLOB_RECURSE sources
  ${SOURCE_DIR}/common/*.cc ${SOURCE_DIR}/common/*.h
  ${SOURCE_DIR}/checks/*.cc ${SOURCE_DIR}/checks/*.h
  ${SOURCE_DIR}/exporter/*.cc ${SOURCE_DIR}/exporter/*.h
  ${SOURCE_DIR}/tests/*.cc ${SOURCE_DIR}/tests/*.h)
set(unformatted "")
foreach(file ${sources})
  execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror ${file}
                  RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    file(RELATIVE_PATH relative ${SOURCE_DIR} ${file})
    list(APPEND unformatted ${relative})
  endif()
endforeach()
list(LENGTH sources count)
if(unformatted)
  list(JOIN unformatted "\n  " listed)
  message(FATAL_ERROR "not formatted by .clang-format (clang-format -i them):\n  ${listed}")
endif()
message(STATUS "${count} files formatted")
