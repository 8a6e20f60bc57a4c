#include "snapshot.h"

#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>

#include <ostream>
#include <streambuf>
#include <utility>

#include "families.h"
#include "gzip.h"

namespace exdm::exporter {
namespace {

// A one-shot Collectable over a finished set of families: whatever the collector did not emit
// this time is simply absent. Collect() hands the families over instead of copying them (a
// Collectable's Collect() is const and returns by value): at 10,000 stores a copy of the audit's
// families was some 20 MB more at the refresh's peak.
class FamiliesCollectable : public prometheus::Collectable {
 public:
  explicit FamiliesCollectable(std::vector<prometheus::MetricFamily> families)
      : families_(std::move(families)) {}
  std::vector<prometheus::MetricFamily> Collect() const override { return std::move(families_); }

 private:
  mutable std::vector<prometheus::MetricFamily> families_;
};

// An ostream sink appending to a string: std::ostringstream::str() returns a copy in C++17, so
// the serialized text would exist twice.
class AppendToString : public std::streambuf {
 public:
  explicit AppendToString(std::string& out) : out_(out) {}

 protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) out_ += traits_type::to_char_type(c);
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<size_t>(n));
    return n;
  }

 private:
  std::string& out_;
};

}  // namespace

std::string RenderFamilies(std::vector<prometheus::MetricFamily> families) {
  const FamiliesCollectable collectable(std::move(families));
  std::vector<prometheus::MetricFamily> collected = collectable.Collect();
  std::string text;
  AppendToString sink(text);
  std::ostream out(&sink);
  const prometheus::TextSerializer serializer;
  // One family at a time, each freed once written: the samples and their text never both exist
  // in full.
  for (prometheus::MetricFamily& family : collected) {
    std::vector<prometheus::MetricFamily> one;
    one.push_back(std::move(family));
    serializer.Serialize(out, one);
  }
  return text;
}

SnapshotStore::SnapshotStore(std::string version, std::string revision)
    : version_(std::move(version)), revision_(std::move(revision)) {
  Render();
}

void SnapshotStore::Register(const std::string& collector) {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    entries_.try_emplace(collector, Entry{std::make_shared<const std::string>(), {}});
  }
  Render();
}

void SnapshotStore::Unregister(const std::string& collector) {
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    entries_.erase(collector);
  }
  Render();
}

void SnapshotStore::Publish(const std::string& collector,
                            std::vector<prometheus::MetricFamily> families,
                            const CollectorHealth& health) {
  // Serialize outside every lock: it is the expensive part and touches only this collector's data.
  auto text = std::make_shared<const std::string>(RenderFamilies(std::move(families)));
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    entries_[collector] = Entry{std::move(text), health};
  }
  Render();
}

std::shared_ptr<const RenderedSnapshot> SnapshotStore::Current() const {
  std::lock_guard<std::mutex> lock(current_mutex_);
  return current_;
}

void SnapshotStore::Render() {
  std::lock_guard<std::mutex> render_lock(render_mutex_);
  std::map<std::string, Entry> entries;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    entries = entries_;  // copies shared_ptrs, not texts
  }
  std::vector<prometheus::MetricFamily> own;
  auto info = Gauge("exchange_delivery_exporter_build_info",
                    "Build information of exchange_delivery_exporter (always 1).");
  AddSample(info, {{"version", version_}, {"revision", revision_}}, 1);
  own.push_back(std::move(info));
  auto success = Gauge("exchange_collector_success",
                       "1 if the collector's latest refresh succeeded, else 0 (its values stay at "
                       "their last good state).");
  auto duration = Gauge("exchange_collector_duration_seconds",
                        "Duration of the collector's latest refresh in seconds.");
  auto last = Gauge("exchange_collector_last_success_timestamp_seconds",
                    "Unix time of the collector's latest successful refresh (0 if none yet).");
  for (const auto& [name, entry] : entries) {
    AddSample(success, {{"collector", name}}, entry.health.success ? 1 : 0);
    AddSample(duration, {{"collector", name}}, entry.health.duration_seconds);
    AddSample(last, {{"collector", name}}, entry.health.last_success_unix);
  }
  own.push_back(std::move(success));
  own.push_back(std::move(duration));
  own.push_back(std::move(last));

  auto rendered = std::make_shared<RenderedSnapshot>();
  rendered->text = RenderFamilies(std::move(own));
  size_t total = rendered->text.size();
  for (const auto& [name, entry] : entries)
    total += entry.text->size();
  rendered->text.reserve(total);
  for (const auto& [name, entry] : entries)
    rendered->text += *entry.text;
  rendered->gzip = GzipCompressPrefix(rendered->text);
  std::lock_guard<std::mutex> lock(current_mutex_);
  current_ = std::move(rendered);
}

}  // namespace exdm::exporter
