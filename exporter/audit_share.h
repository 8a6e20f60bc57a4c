// The latest good LDAP audit, handed from the audit collector to the tracking collector, which
// ties stalled recipients to the audited stores (exchange_store_stalled_deliveries). The two run
// on their own threads and intervals; a shared_ptr to an immutable report is all they share.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "exdm/ad/mailbox_audit.h"

namespace exdm::exporter {

class AuditShare {
 public:
  // After every audit attempt; `report` is null when no LDAP server answered (the last good
  // report stays).
  void Finished(std::shared_ptr<const AuditReport> report) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      attempted_ = true;
      if (report) latest_ = std::move(report);
    }
    changed_.notify_all();
  }

  // The latest good report, or null. Waits until the first audit attempt has finished, at most
  // `limit`, so the tracking collector's first refresh can already name stores.
  std::shared_ptr<const AuditReport> Latest(std::chrono::milliseconds limit) const {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, limit, [this] { return attempted_; });
    return latest_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool attempted_ = false;
  std::shared_ptr<const AuditReport> latest_;
};

}  // namespace exdm::exporter
