// Starting an HTTP server program under test (prometheus, alertmanager) on a free loopback port.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "background_process.h"

namespace exdm::testing {

// Runs argv(port) for a port free a moment ago and waits (30 s at most) until GET `ready_path`
// answers 200; up to three ports, since one found free may be taken before the server binds it.
// Sets *port. nullptr and a non-fatal test failure with the log when it never becomes ready.
std::unique_ptr<BackgroundProcess> StartHttpDaemon(
    const std::function<std::vector<std::string>(int port)>& argv, const std::string& log_file,
    const std::string& ready_path, int* port);

}  // namespace exdm::testing
