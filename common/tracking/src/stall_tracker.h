// The stall state machine of docs/DOMAIN.md "Stall model", fed one tracking-log row at a time by
// the log parser (log_parser.h): each (message id, recipient) pair is queued, tentatively
// delivered, stalled (its latest event is a retry) or gone. An attempt becomes a delivery only once
// log time has moved past it by the grace period without a retry; a pair silent for longer than
// the vanish interval is dropped. Private to the tracking module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "delivery_table.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm {

class StallTracker {
 public:
  // Counters kept across incremental runs (saved in the state payload).
  struct Counters {
    uint64_t retries = 0, deliveries = 0, ended = 0, vanished = 0, overflow = 0;
  };

  explicit StallTracker(const LocalDeliveryConfig& config) : cfg_(config) {}

  // One row with a stall-model role, at log time t (rcpt as logged: empty for "every recipient
  // of the message").
  void Apply(DeliveryRole role, int64_t t, std::string_view msgid, std::string_view rcpt_raw);
  // Log time moved on to t: attempts older than the grace period are deliveries.
  void AdvanceTime(int64_t t);
  // Drops pairs silent for longer than the vanish interval as of `now`.
  void Sweep(int64_t now);
  // Fills the stall part of the report (stalled deliveries, their recipients, in-flight, counters)
  // as of `now`; call Sweep first.
  void Report(int64_t now, LocalDeliveryReport& r) const;

  const Counters& counters() const { return counters_; }
  Counters& counters() { return counters_; }
  int64_t stream_time() const { return stream_time_; }
  void set_stream_time(int64_t t) { stream_time_ = t; }

  // The state payload's view of the table (stall_payload.cc).
  template <typename F>
  void ForEachPair(F f) const {
    const_cast<DeliveryTable&>(table_).ForEachLive([&](uint32_t i) { f(table_, table_.at(i)); });
  }
  size_t LiveKeyBytes() const { return table_.LiveKeyBytes(); }
  void Reserve(size_t pairs, size_t key_bytes, size_t live) {
    table_.Reserve(pairs, key_bytes, live);
  }
  // Restores one saved pair (recipient already lower case); a pair already present is skipped.
  void Restore(std::string_view msgid, std::string_view rcpt, int64_t first_seen,
               int64_t last_event, int64_t attempt_time, uint32_t retries, PairState state);
  // Orders the restored tentative attempts by time, as AdvanceTime expects them.
  void FinishRestore();

  size_t InFlight() const { return table_.size(); }
  size_t MemoryBytes() const { return table_.MemoryBytes(); }
  const std::vector<DeliveredRecipient>& delivered_recipients() const { return delivered_; }

  static constexpr size_t kMaxRecipient = 512;

 private:
  struct Tentative {
    uint32_t idx;
    uint32_t generation;
    int64_t at;
  };

  void Delivered(const DeliveryPair& p);
  uint32_t FindOrInsert(uint64_t h, uint64_t mh, std::string_view msgid, std::string_view rcpt,
                        int64_t t);
  void MarkStalled(uint32_t idx, int64_t t);
  template <typename F>
  void ForEachOfMessage(uint64_t mh, std::string_view msgid, F f);

  const LocalDeliveryConfig& cfg_;
  DeliveryTable table_;
  // Tentative attempts in log-time order, confirmed as deliveries once past the grace period.
  std::vector<Tentative> fifo_;
  size_t fifo_head_ = 0;
  Counters counters_;
  int64_t stream_time_ = INT64_MIN;
  int64_t last_full_sweep_ = INT64_MIN;
  // Recipients delivered to this run (bounded), for the scope of a stall: a store that still
  // receives mail is not the store the fault took down.
  std::unordered_map<uint64_t, size_t> delivered_index_;  // recipient hash -> delivered_ index
  std::vector<DeliveredRecipient> delivered_;
  char lower_[kMaxRecipient];
};

}  // namespace exdm
