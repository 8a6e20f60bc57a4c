#include "stall_tracker.h"

#include <algorithm>
#include <unordered_map>

#include "exdm/base/text_util.h"

namespace exdm {

size_t HashIndex64::Find(uint64_t h) const {
  if (h == 0) h = 1;  // 0 marks an empty slot
  const size_t mask = slots_.size() - 1;
  for (size_t s = h & mask;; s = (s + 1) & mask) {
    if (slots_[s].hash == h) return slots_[s].index;
    if (slots_[s].hash == 0) return kNone;
  }
}

void HashIndex64::Insert(uint64_t h, size_t index) {
  if (h == 0) h = 1;
  if ((size_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_ = 0;
    for (const Slot& v : old) {
      if (v.hash) Insert(v.hash, v.index);
    }
  }
  const size_t mask = slots_.size() - 1;
  size_t s = h & mask;
  while (slots_[s].hash != 0)
    s = (s + 1) & mask;
  slots_[s] = {h, index};
  ++size_;
}

void StallTracker::AdvanceTime(int64_t t) {
  if (t <= stream_time_) return;
  stream_time_ = t;
  while (fifo_head_ < fifo_.size() && fifo_[fifo_head_].at + cfg_.grace_seconds < stream_time_) {
    const Tentative& x = fifo_[fifo_head_++];
    if (x.idx < table_.capacity_slots()) {
      DeliveryPair& p = table_.at(x.idx);
      if (p.state == PairState::kTentative && p.generation == x.generation &&
          p.attempt_time == x.at) {
        Delivered(p);
        table_.Erase(x.idx);
      }
    }
  }
  if (fifo_head_ > 4096 && fifo_head_ * 2 > fifo_.size()) {
    fifo_.erase(fifo_.begin(), fifo_.begin() + static_cast<ptrdiff_t>(fifo_head_));
    fifo_head_ = 0;
  }
}

void StallTracker::Delivered(const DeliveryPair& p) {
  ++counters_.deliveries;
  const std::string_view rcpt = table_.Recipient(p);
  const uint64_t h = HashBytes(rcpt.data(), rcpt.size(), kMessageHashSeed);
  size_t i = delivered_index_.Find(h);
  if (i == HashIndex64::kNone) {
    if (delivered_.size() >= cfg_.max_delivered_recipients) return;  // bounded
    i = delivered_.size();
    delivered_index_.Insert(h, i);
    delivered_.push_back(DeliveredRecipient{std::string(rcpt), 0, p.attempt_time, p.attempt_time});
  }
  DeliveredRecipient& d = delivered_[i];
  ++d.deliveries;
  d.first_delivered = std::min(d.first_delivered, p.attempt_time);
  d.last_delivered = std::max(d.last_delivered, p.attempt_time);
}

void StallTracker::Sweep(int64_t now) {
  std::vector<uint32_t> drop;
  table_.ForEachLive([&](uint32_t i) {
    const DeliveryPair& p = table_.at(i);
    if (now - p.last_event > cfg_.vanish_seconds) drop.push_back(i);
  });
  for (uint32_t i : drop) {
    const PairState s = table_.at(i).state;
    if (s == PairState::kStalled) ++counters_.vanished;
    if (s == PairState::kTentative) Delivered(table_.at(i));  // no retry ever followed
    table_.Erase(i);
  }
}

uint32_t StallTracker::FindOrInsert(uint64_t h, uint64_t mh, std::string_view msgid,
                                    std::string_view rcpt, int64_t t) {
  uint32_t idx = table_.Find(h, msgid, rcpt);
  if (idx != DeliveryTable::kNone) {
    // Lines normally come in time order; an older file read again later (a truncated share
    // showing the whole file again) must still move the start back, or the age shrinks.
    DeliveryPair& p = table_.at(idx);
    if (t < p.first_seen) p.first_seen = t;
    return idx;
  }
  if (table_.size() >= cfg_.max_in_flight) {
    // INT64_MIN: never swept yet (subtracting it would overflow; UBSan found it).
    if (stream_time_ != INT64_MIN &&
        (last_full_sweep_ == INT64_MIN || stream_time_ - last_full_sweep_ > 60)) {
      last_full_sweep_ = stream_time_;
      Sweep(stream_time_);
    }
    if (table_.size() >= cfg_.max_in_flight) {
      ++counters_.overflow;
      return DeliveryTable::kNone;
    }
  }
  idx = table_.Insert(h, mh, msgid, rcpt);
  DeliveryPair& p = table_.at(idx);
  p.first_seen = t;
  p.last_event = t;
  return idx;
}

void StallTracker::MarkStalled(uint32_t idx, int64_t t) {
  DeliveryPair& p = table_.at(idx);
  p.state = PairState::kStalled;
  ++p.retries;
  p.last_event = std::max(p.last_event, t);
}

template <typename F>
void StallTracker::ForEachOfMessage(uint64_t mh, std::string_view msgid, F f) {
  for (uint32_t i = table_.FindMessage(mh, msgid); i != DeliveryTable::kNone;) {
    const uint32_t next = table_.at(i).next_in_message;
    f(i);
    i = next ? next - 1 : DeliveryTable::kNone;
  }
}

void StallTracker::Apply(const ParsedRow& row, std::string_view rcpt) {
  AdvanceTime(row.advance);
  const int64_t t = row.t;
  const uint64_t mh = row.msg_hash;
  const uint64_t h = row.pair_hash;
  const std::string_view msgid(row.msgid, row.msgid_len);
  switch (row.role) {
    case DeliveryRole::kNone:
      return;
    case DeliveryRole::kQueued: {
      const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
      if (idx == DeliveryTable::kNone) return;
      DeliveryPair& p = table_.at(idx);
      p.state = PairState::kQueued;
      p.last_event = std::max(p.last_event, t);
      return;
    }
    case DeliveryRole::kAttempt: {
      auto attempt = [&](uint32_t idx) {
        DeliveryPair& p = table_.at(idx);
        p.state = PairState::kTentative;
        p.attempt_time = t;
        p.last_event = std::max(p.last_event, t);
        fifo_.push_back(Tentative{idx, p.generation, t});
      };
      if (rcpt.empty()) {
        ForEachOfMessage(mh, msgid, attempt);
        return;
      }
      const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
      if (idx != DeliveryTable::kNone) attempt(idx);
      return;
    }
    case DeliveryRole::kRetry: {
      ++counters_.retries;
      if (rcpt.empty()) {
        // A retry without recipient applies to every open recipient of the message.
        if (table_.FindMessage(mh, msgid) == DeliveryTable::kNone) {
          const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
          if (idx != DeliveryTable::kNone) MarkStalled(idx, t);
          return;
        }
        ForEachOfMessage(mh, msgid, [&](uint32_t idx) { MarkStalled(idx, t); });
        return;
      }
      const uint32_t idx = FindOrInsert(h, mh, msgid, rcpt, t);
      if (idx != DeliveryTable::kNone) MarkStalled(idx, t);
      return;
    }
    case DeliveryRole::kEnd: {
      if (rcpt.empty()) {
        std::vector<uint32_t> all;
        ForEachOfMessage(mh, msgid, [&](uint32_t idx) { all.push_back(idx); });
        for (uint32_t idx : all)
          table_.Erase(idx);
        counters_.ended += all.size();
        return;
      }
      const uint32_t idx = table_.Find(h, msgid, rcpt);
      if (idx != DeliveryTable::kNone) {
        table_.Erase(idx);
        ++counters_.ended;
      }
      return;
    }
  }
}

void StallTracker::Report(int64_t now, LocalDeliveryReport& r) const {
  std::unordered_map<std::string_view, size_t> by_rcpt;
  std::vector<StalledRecipient> rcpts;
  ForEachPair([&](const DeliveryTable& table, const DeliveryPair& p) {
    if (p.state != PairState::kStalled) return;
    ++r.stalled_deliveries;
    if (!r.oldest_stalled_first_seen || p.first_seen < *r.oldest_stalled_first_seen) {
      r.oldest_stalled_first_seen = p.first_seen;
    }
    const std::string_view addr = table.Recipient(p);
    auto [it, inserted] = by_rcpt.emplace(addr, rcpts.size());
    if (inserted) {
      rcpts.push_back(
          StalledRecipient{std::string(addr), 0, p.first_seen, std::string(table.MessageId(p))});
    }
    StalledRecipient& s = rcpts[it->second];
    ++s.deliveries;
    if (p.first_seen < s.oldest_first_seen) {
      s.oldest_first_seen = p.first_seen;
      s.example_message_id = std::string(table.MessageId(p));
    }
  });
  std::sort(rcpts.begin(), rcpts.end(), [](const StalledRecipient& a, const StalledRecipient& b) {
    if (a.oldest_first_seen != b.oldest_first_seen)
      return a.oldest_first_seen < b.oldest_first_seen;
    return a.address < b.address;
  });
  if (rcpts.size() > cfg_.max_stalled_recipients) {
    r.stalled_recipients_omitted = rcpts.size() - cfg_.max_stalled_recipients;
    rcpts.resize(cfg_.max_stalled_recipients);
  }
  r.stalled_recipients = std::move(rcpts);
  if (r.oldest_stalled_first_seen) {
    r.oldest_stalled_age_seconds = std::max<int64_t>(0, now - *r.oldest_stalled_first_seen);
  }
  r.in_flight = table_.size();
  r.retries_total = counters_.retries;
  r.deliveries_total = counters_.deliveries;
  r.ended_total = counters_.ended;
  r.vanished_total = counters_.vanished;
  r.overflow_total = counters_.overflow;
  r.delivered_recipients = delivered_;
}

void StallTracker::Restore(std::string_view msgid, std::string_view rcpt, int64_t first_seen,
                           int64_t last_event, int64_t attempt_time, uint32_t retries,
                           PairState state) {
  const uint64_t mh = MessageHash(msgid);
  const uint64_t h = PairHash(mh, rcpt);
  if (table_.Find(h, msgid, rcpt) != DeliveryTable::kNone) return;
  const uint32_t idx = table_.Insert(h, mh, msgid, rcpt);
  DeliveryPair& p = table_.at(idx);
  p.first_seen = first_seen;
  p.last_event = last_event;
  p.attempt_time = attempt_time;
  p.retries = retries;
  p.state = state;
  if (state == PairState::kTentative) fifo_.push_back(Tentative{idx, p.generation, attempt_time});
}

void StallTracker::FinishRestore() {
  std::sort(fifo_.begin(), fifo_.end(),
            [](const Tentative& a, const Tentative& b) { return a.at < b.at; });
  fifo_head_ = 0;
}

}  // namespace exdm
