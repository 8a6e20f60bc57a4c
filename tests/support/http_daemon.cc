#include "http_daemon.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http_client.h"

namespace exdm::testing {

std::unique_ptr<BackgroundProcess> StartHttpDaemon(
    const std::function<std::vector<std::string>(int port)>& argv, const std::string& log_file,
    const std::string& ready_path, int* port) {
  std::unique_ptr<BackgroundProcess> process;
  for (int attempt = 0; attempt < 3; ++attempt) {
    *port = FreeLoopbackPort();
    std::string error;
    process = BackgroundProcess::Start(argv(*port), log_file, &error);
    if (!process) {
      ADD_FAILURE() << error;
      return nullptr;
    }
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until && process->Running()) {
      if (HttpGet(*port, ready_path).status == 200) return process;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ADD_FAILURE() << argv(*port).at(0) << " did not become ready; log:\n" << process->Log();
  return nullptr;
}

}  // namespace exdm::testing
