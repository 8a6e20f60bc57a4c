// Snapshot fixtures are taken at a fixed time; tests against a running exporter (which judges
// them by the wall clock) move every ISO 8601 UTC time in them by the same amount.
#pragma once

#include <cstdint>
#include <string>

namespace exdm::testing {

// `text` with every "YYYY-MM-DDTHH:MM:SSZ" moved so that one taken at `fixture_taken` was taken
// at `taken`; the other times keep their distance to it.
std::string MoveFixtureTimes(const std::string& text, int64_t fixture_taken, int64_t taken);

}  // namespace exdm::testing
