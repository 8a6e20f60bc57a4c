#include "exdm/base/csv_record.h"

#include <utility>

namespace exdm {

bool NextCsvRecord(std::string_view data, size_t& pos, bool final, std::vector<std::string>& fields,
                   bool& malformed) {
  fields.clear();
  malformed = false;
  std::string field;
  size_t i = pos;
  while (true) {
    if (i >= data.size()) {
      if (!final || (fields.empty() && field.empty() && i == pos)) return false;
      fields.push_back(std::move(field));
      pos = i;
      return true;
    }
    if (data[i] == '"' && field.empty()) {
      // Quoted field: "" is a quote, anything else (newlines, commas) is literal.
      ++i;
      bool closed = false;
      while (i < data.size()) {
        if (data[i] == '"') {
          if (i + 1 < data.size() && data[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          if (i + 1 >= data.size() && !final) return false;  // may be the first half of ""
          ++i;
          closed = true;
          break;
        }
        field.push_back(data[i++]);
      }
      if (!closed) {
        if (!final) return false;
        malformed = true;
      }
      // After the closing quote: separator, line end, or garbage (tolerated, flagged).
      while (i < data.size() && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
        malformed = true;
        field.push_back(data[i++]);
      }
    }
    if (i >= data.size()) continue;  // handled at the top
    const char c = data[i];
    if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
      ++i;
      // A separator at the very end of the data still needs the last (empty) field's line end.
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r') {
        if (i + 1 >= data.size() && !final) return false;
        if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
      }
      ++i;
      fields.push_back(std::move(field));
      pos = i;
      return true;
    }
    if (c == '"') malformed = true;
    field.push_back(c);
    ++i;
  }
}

}  // namespace exdm
