// Hand-written Exchange 2003 message tracking log text for tests that need exact rows (the
// generator, exdm_gen_tracking, makes volume): the header as Exchange writes it and rows with the
// fields a test varies; the other fields hold what a real log has (Origination-Time repeats the
// row's time: the product does not read it).
#pragma once

#include <cstdint>
#include <string>

namespace exdm::testing {

// The two comment lines and the "# Date<TAB>Time<TAB>..." column line, each with its '\n'.
extern const char kTrackingLogHeader[];

// date "2026-11-25", time as Exchange writes it ("9:05:01", hours not padded).
std::string TrackingRow(const std::string& date, const std::string& time, const std::string& rcpt,
                        int event, const std::string& msgid);
// The same at a Unix time.
std::string TrackingRowAt(int64_t unix_time, const std::string& rcpt, int event,
                          const std::string& msgid);

}  // namespace exdm::testing
