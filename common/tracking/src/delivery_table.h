// The in-flight table of local deliveries: (message id, recipient) pairs with their state, stored
// without per-pair allocation. Keys live in one arena string (compacted when half of it is dead),
// pairs in one vector with a free list, and two open-addressing indexes (linear probing, backward
// shift deletion, so no tombstones) map a pair hash to its pair and a message hash to the head of
// a list of that message's pairs (for retry/end rows without a recipient). Private to the core.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace exdm {

enum class PairState : uint8_t { kFree, kQueued, kTentative, kStalled };

struct DeliveryPair {
  uint64_t hash = 0;      // of (msgid, lower-case recipient)
  uint64_t msg_hash = 0;  // of msgid
  uint64_t key_offset = 0;
  uint32_t msgid_length = 0;
  uint32_t recipient_length = 0;
  uint32_t next_in_message = 0;  // index + 1 of the next pair of the same message, 0 = none
  uint32_t generation = 0;       // bumped when the slot is reused
  int64_t first_seen = 0;
  int64_t last_event = 0;
  int64_t attempt_time = 0;
  uint32_t retries = 0;
  PairState state = PairState::kFree;
};

// 64-bit hash over bytes, 8 at a time (not for security; keys come from our own log files). The
// last 1-7 bytes are read with fixed-size loads (a variable-length memcpy would be a library call
// per key). Hashes are never saved: the state payload keeps the keys.
inline uint64_t HashBytes(const char* p, size_t n, uint64_t h) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  const size_t length = n;
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  if (n >= 4) {
    uint32_t lo, hi;  // overlapping when n < 8: together they cover every byte
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    w = lo | static_cast<uint64_t>(hi) << 32;
  } else if (n > 0) {
    w = static_cast<uint64_t>(static_cast<unsigned char>(p[0])) |
        static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8 |
        static_cast<uint64_t>(static_cast<unsigned char>(p[n - 1])) << 16;
  }
  h = (h ^ w ^ (static_cast<uint64_t>(length) << 56)) * kMul;
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ULL;
  h ^= h >> 32;
  return h;
}

// a == b for keys whose hashes already matched (so almost always equal): 8 bytes at a time, inline.
inline bool SameKey(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  size_t n = a.size();
  if (n < 8) return std::memcmp(p, q, n) == 0;
  for (; n > 8; n -= 8, p += 8, q += 8) {
    uint64_t x, y;
    std::memcpy(&x, p, 8);
    std::memcpy(&y, q, 8);
    if (x != y) return false;
  }
  uint64_t x, y;  // the last 8 bytes, overlapping what was compared
  std::memcpy(&x, p + n - 8, 8);
  std::memcpy(&y, q + n - 8, 8);
  return x == y;
}

class DeliveryTable {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;
  // Dead key bytes that, once they are also half the arena, make it compact: small, so a table of
  // a few thousand pairs keeps its keys in cache (every insert writes one, every find reads one).
  static constexpr size_t kCompactAfter = 128 * 1024;

  DeliveryTable() {
    Rehash(pair_slots_, 1024, /*by_message=*/false), Rehash(msg_slots_, 1024, true);
  }

  size_t size() const { return live_; }
  DeliveryPair& at(uint32_t i) { return pairs_[i]; }
  const DeliveryPair& at(uint32_t i) const { return pairs_[i]; }
  size_t capacity_slots() const { return pairs_.size(); }
  std::string_view MessageId(const DeliveryPair& p) const {
    return std::string_view(arena_.data() + p.key_offset, p.msgid_length);
  }
  std::string_view Recipient(const DeliveryPair& p) const {
    return std::string_view(arena_.data() + p.key_offset + p.msgid_length, p.recipient_length);
  }

  // recipient must already be lower-case.
  uint32_t Find(uint64_t hash, std::string_view msgid, std::string_view recipient) const {
    const size_t mask = pair_slots_.size() - 1;
    for (size_t s = hash & mask;; s = (s + 1) & mask) {
      const uint32_t v = pair_slots_[s];
      if (v == 0) return kNone;
      const DeliveryPair& p = pairs_[v - 1];
      if (p.hash == hash && SameKey(MessageId(p), msgid) && SameKey(Recipient(p), recipient)) {
        return v - 1;
      }
    }
  }

  // Head of the message's pair list, or kNone.
  uint32_t FindMessage(uint64_t msg_hash, std::string_view msgid) const {
    const size_t mask = msg_slots_.size() - 1;
    for (size_t s = msg_hash & mask;; s = (s + 1) & mask) {
      const uint32_t v = msg_slots_[s];
      if (v == 0) return kNone;
      const DeliveryPair& p = pairs_[v - 1];
      if (p.msg_hash == msg_hash && SameKey(MessageId(p), msgid)) return v - 1;
    }
  }

  // Inserts a pair known to be absent; returns its index.
  uint32_t Insert(uint64_t hash, uint64_t msg_hash, std::string_view msgid,
                  std::string_view recipient) {
    if ((live_ + 1) * 2 > pair_slots_.size()) Rehash(pair_slots_, pair_slots_.size() * 2, false);
    if ((messages_ + 1) * 2 > msg_slots_.size()) Rehash(msg_slots_, msg_slots_.size() * 2, true);
    uint32_t idx;
    if (!free_.empty()) {
      idx = free_.back();
      free_.pop_back();
    } else {
      idx = static_cast<uint32_t>(pairs_.size());
      pairs_.emplace_back();
    }
    DeliveryPair& p = pairs_[idx];
    const uint32_t gen = p.generation + 1;
    p = DeliveryPair();
    p.generation = gen;
    p.hash = hash;
    p.msg_hash = msg_hash;
    p.key_offset = arena_.size();
    p.msgid_length = static_cast<uint32_t>(msgid.size());
    p.recipient_length = static_cast<uint32_t>(recipient.size());
    arena_.append(msgid.data(), msgid.size());
    arena_.append(recipient.data(), recipient.size());
    p.state = PairState::kQueued;
    ++live_;
    PutSlot(pair_slots_, hash, idx);
    const uint32_t head = FindMessage(msg_hash, msgid);
    if (head == kNone) {
      PutSlot(msg_slots_, msg_hash, idx);
      ++messages_;
    } else {
      p.next_in_message = head + 1;
      ReplaceSlot(msg_slots_, msg_hash, head, idx);
    }
    return idx;
  }

  void Erase(uint32_t idx) {
    DeliveryPair& p = pairs_[idx];
    RemoveSlot(pair_slots_, p.hash, idx, false);
    // Unlink from the message list.
    const uint32_t head = FindMessage(p.msg_hash, MessageId(p));
    if (head == idx) {
      if (p.next_in_message) {
        ReplaceSlot(msg_slots_, p.msg_hash, idx, p.next_in_message - 1);
      } else {
        RemoveSlot(msg_slots_, p.msg_hash, idx, true);
        --messages_;
      }
    } else {
      for (uint32_t cur = head; cur != kNone;) {
        DeliveryPair& c = pairs_[cur];
        if (c.next_in_message == idx + 1) {
          c.next_in_message = p.next_in_message;
          break;
        }
        cur = c.next_in_message ? c.next_in_message - 1 : kNone;
      }
    }
    garbage_ += p.msgid_length + p.recipient_length;
    p.state = PairState::kFree;
    p.next_in_message = 0;
    free_.push_back(idx);
    --live_;
    if (garbage_ > kCompactAfter && garbage_ * 2 > arena_.size()) Compact();
  }

  template <typename F>
  void ForEachLive(F f) {
    for (uint32_t i = 0; i < pairs_.size(); ++i) {
      if (pairs_[i].state != PairState::kFree) f(i);
    }
  }

  size_t LiveKeyBytes() const { return arena_.size() - garbage_; }
  // Sizes the arrays for `pairs` pairs with `key_bytes` of keys at once (restoring a saved
  // table): no doubling on the way, so no moment holding the old and the new arrays together.
  // Reserved pages are not touched until used.
  // `indexed`: the pairs the indexes are sized for now (they are touched at once, so not for
  // the headroom).
  void Reserve(size_t pairs, size_t key_bytes, size_t indexed) {
    pairs_.reserve(pairs);
    arena_.reserve(key_bytes);
    size_t slots = pair_slots_.size();
    while ((indexed + 1) * 2 > slots)
      slots *= 2;
    if (slots != pair_slots_.size()) Rehash(pair_slots_, slots, false);
    if (slots > msg_slots_.size()) Rehash(msg_slots_, slots, true);
  }
  size_t MemoryBytes() const {
    return pairs_.capacity() * sizeof(DeliveryPair) + arena_.capacity() +
           (pair_slots_.capacity() + msg_slots_.capacity() + free_.capacity()) * 4;
  }

 private:
  void PutSlot(std::vector<uint32_t>& slots, uint64_t hash, uint32_t idx) {
    const size_t mask = slots.size() - 1;
    size_t s = hash & mask;
    while (slots[s] != 0)
      s = (s + 1) & mask;
    slots[s] = idx + 1;
  }
  void ReplaceSlot(std::vector<uint32_t>& slots, uint64_t hash, uint32_t from, uint32_t to) {
    const size_t mask = slots.size() - 1;
    for (size_t s = hash & mask; slots[s] != 0; s = (s + 1) & mask) {
      if (slots[s] == from + 1) {
        slots[s] = to + 1;
        return;
      }
    }
  }
  void RemoveSlot(std::vector<uint32_t>& slots, uint64_t hash, uint32_t idx, bool by_message) {
    const size_t mask = slots.size() - 1;
    size_t s = hash & mask;
    while (slots[s] != idx + 1) {
      if (slots[s] == 0) return;
      s = (s + 1) & mask;
    }
    // Backward shift deletion: pull later entries of the cluster into the hole when their home
    // slot allows it.
    size_t hole = s;
    for (size_t j = (s + 1) & mask; slots[j] != 0; j = (j + 1) & mask) {
      const DeliveryPair& q = pairs_[slots[j] - 1];
      const size_t home = (by_message ? q.msg_hash : q.hash) & mask;
      // Can the entry at j move to hole? Yes when home is not in (hole, j] cyclically.
      const bool in_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!in_between) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole] = 0;
  }
  void Rehash(std::vector<uint32_t>& slots, size_t n, bool by_message) {
    std::vector<uint32_t> old;
    old.swap(slots);
    slots.assign(n, 0);
    for (uint32_t v : old) {
      if (v) PutSlot(slots, by_message ? pairs_[v - 1].msg_hash : pairs_[v - 1].hash, v - 1);
    }
  }
  void Compact() {
    std::string fresh;
    fresh.reserve(arena_.size() - garbage_ + 1024);
    for (DeliveryPair& p : pairs_) {
      if (p.state == PairState::kFree) continue;
      const size_t at = fresh.size();
      fresh.append(arena_, p.key_offset, p.msgid_length + p.recipient_length);
      p.key_offset = at;
    }
    arena_.swap(fresh);
    garbage_ = 0;
  }

  std::vector<DeliveryPair> pairs_;
  std::vector<uint32_t> free_;
  std::vector<uint32_t> pair_slots_;  // index + 1, 0 = empty
  std::vector<uint32_t> msg_slots_;   // index + 1 of the message's list head
  std::string arena_;
  size_t garbage_ = 0;
  size_t live_ = 0;
  size_t messages_ = 0;
};

}  // namespace exdm
