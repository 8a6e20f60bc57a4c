// Where tests find the source tree, the build tree and the programs under test.
#pragma once

#include <string>

namespace exdm::testing {

std::string SourceDir();       // repository root
std::string BinaryDir();       // CMake build root
std::string CheckBinary();     // check_exchange_delivery
std::string ExporterBinary();  // exchange_delivery_exporter
// A generator or tool built under tests/generators, by target name.
std::string GeneratorBinary(const std::string& name);

}  // namespace exdm::testing
