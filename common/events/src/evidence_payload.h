// The event collector's state payload (format version 1): each server's evidence in the window
// (with timestamps, so it expires when it leaves the window) and counters, plus one mark per file
// so a file rewritten from its start is not counted twice. Private to the events module.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "exdm/events/evidence.h"

namespace exdm {

class PayloadWriter;

// The newest event time read from a file and how many of its rows carried that time, so a file
// rewritten from the start can skip what was already counted.
struct FileMark {
  int64_t time = INT64_MIN;
  uint64_t count = 0;
};

void SaveEvidencePayload(const std::vector<ServerEventEvidence>& servers,
                         const std::map<std::string, FileMark>& marks, PayloadWriter& w);
// False when the payload is not one of ours (other version, corrupt): start afresh.
bool LoadEvidencePayload(std::string_view payload, std::vector<ServerEventEvidence>& servers,
                         std::map<std::string, FileMark>& marks);

}  // namespace exdm
