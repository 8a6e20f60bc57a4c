#include "paths.h"

namespace exdm::testing {

std::string SourceDir() {
  return EXDM_SOURCE_DIR;
}
std::string BinaryDir() {
  return EXDM_BINARY_DIR;
}
std::string CheckBinary() {
  return EXDM_CHECK_BINARY;
}
std::string ExporterBinary() {
  return EXDM_EXPORTER_BINARY;
}
std::string GeneratorBinary(const std::string& name) {
  return BinaryDir() + "/tests/generators/" + name;
}

}  // namespace exdm::testing
