// Inputs for an end-to-end exporter run, made by the generators (tests/generators).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace exdm::testing {

// The first of the two whole days before `now` (YYYY-MM-DD): tracking logs generated from it
// hold no line from the future (those are bad lines).
std::string TwoDaysAgo(int64_t now);

// Server EX00001's inputs in `dir`: EX00001.log (two past days of message tracking log, 5 % of
// deliveries to user0000002@contoso.com stalled), EX00001.csv (an application event export from
// two hours ago: three 326 logon failures, one interface and one call failure) and
// EX00001-queue.csv (a WMI queue snapshot taken a minute ago, 7 messages queued).
::testing::AssertionResult WriteEx00001Inputs(const std::string& dir, int64_t now);

}  // namespace exdm::testing
