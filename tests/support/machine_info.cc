#include "machine_info.h"

#include <fstream>
#include <sstream>
#include <thread>

namespace exdm::testing {

std::string CpuDescription() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  bool avx2 = false;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_first_of(" \t"));
    if (key == "model" && line.rfind("model name", 0) == 0 && model == "unknown CPU") {
      model = line.substr(colon + 2);
    } else if (key == "flags") {
      avx2 = line.find(" avx2") != std::string::npos;
    }
  }
  return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " hardware threads" +
         (avx2 ? ", AVX2" : ", no AVX2");
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

}  // namespace exdm::testing
