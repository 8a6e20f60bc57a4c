// The stall state machine of docs/DOMAIN.md "Stall model", fed one tracking-log row at a time by
// the log parser (log_parser.h): each (message id, recipient) pair is queued, tentatively
// delivered, stalled (its latest event is a retry) or gone. An attempt becomes a delivery only once
// log time has moved past it by the grace period without a retry; a pair silent for longer than
// the vanish interval is dropped. Private to the tracking module.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "delivery_table.h"
#include "exdm/tracking/local_delivery.h"

namespace exdm {

constexpr uint64_t kMessageHashSeed = 0x6a09e667f3bcc908ULL;
constexpr uint64_t kPairHashSalt = 0xbb67ae8584caa73bULL;

inline uint64_t MessageHash(std::string_view msgid) {
  return HashBytes(msgid.data(), msgid.size(), kMessageHashSeed);
}
// lower_rcpt: the recipient in lower case (empty: every recipient of the message).
inline uint64_t PairHash(uint64_t message_hash, std::string_view lower_rcpt) {
  return HashBytes(lower_rcpt.data(), lower_rcpt.size(), message_hash ^ kPairHashSalt);
}

// One parsed tracking-log row for the tracker (log_parser.h makes them, on any thread): a row with
// a stall-model role, hashed, or with role kNone only a move of log time.
struct ParsedRow {
  uint64_t pair_hash = 0, msg_hash = 0;
  int64_t t = 0;        // the row's time
  int64_t advance = 0;  // log time once read: the latest of t and the role-less rows before it
  const char* msgid = nullptr;  // into the parsed bytes, without <>
  uint32_t msgid_len = 0;
  uint32_t rcpt_at = 0;   // lower case, in the chunk's recipient bytes (ParsedChunk::recipients)
  uint16_t rcpt_len = 0;  // at most StallTracker::kMaxRecipient
  DeliveryRole role = DeliveryRole::kNone;
};

// 64-bit hashes to indexes (open addressing): looked up once per delivery, so no node per entry.
class HashIndex64 {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  // The index stored for h, or kNone.
  size_t Find(uint64_t h) const;
  // Stores `index` for h, which must not be there yet.
  void Insert(uint64_t h, size_t index);

 private:
  struct Slot {
    uint64_t hash = 0;  // 0 = empty
    size_t index = 0;
  };
  std::vector<Slot> slots_ = std::vector<Slot>(64);
  size_t size_ = 0;
};

class StallTracker {
 public:
  // Counters kept across incremental runs (saved in the state payload).
  struct Counters {
    uint64_t retries = 0, deliveries = 0, ended = 0, vanished = 0, overflow = 0;
  };

  explicit StallTracker(const LocalDeliveryConfig& config) : cfg_(config) {}

  // One row: log time moves to row.advance, then the row's role applies at row.t (rcpt in lower
  // case: empty for "every recipient of the message").
  void Apply(const ParsedRow& row, std::string_view rcpt);
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
  HashIndex64 delivered_index_;  // recipient hash -> index in delivered_
  std::vector<DeliveredRecipient> delivered_;
};

}  // namespace exdm
