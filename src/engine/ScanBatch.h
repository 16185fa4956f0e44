// The changes a scan finds, stored in groups of kChangesPerTransaction, each
// group one transaction (a scan sends nothing, so no answer waits on them):
// a first start with thousands of files costs thousands of commits less.
// Between groups the scan may stop (relinkd is stopping); what was stored
// stays, and the next start goes on from there.
//
// Thread-safety: none; used by the scheduler thread within one scan.
#pragma once

#include <functional>
#include <optional>
#include <utility>

#include "relinkd/ports/JobStore.h"

namespace relinkd {

class ScanBatch {
 public:
  static constexpr int kChangesPerTransaction = 256;

  // beginWriting is called before each group's transaction begins (inside a
  // step, the groups nest in the step's transaction).
  ScanBatch(JobStore& store, std::function<void()> beginWriting, const std::function<bool()>& stopRequested)
      : store_(store), beginWriting_(std::move(beginWriting)), stopRequested_(stopRequested) {}

  // Applies change in the current group; false when the scan is to stop.
  template <typename Change>
  bool add(Change&& change) {
    if (!group_) {
      beginWriting_();
      group_.emplace(store_);
    }
    change();
    if (++changes_ % kChangesPerTransaction != 0) return true;
    group_->commit();
    group_.reset();
    return !(stopRequested_ && stopRequested_());
  }
  // Commits the last group. True, so that a scan can end with it.
  bool finish() {
    if (group_) group_->commit();
    group_.reset();
    return true;
  }

 private:
  JobStore& store_;
  std::function<void()> beginWriting_;
  const std::function<bool()>& stopRequested_;
  std::optional<JobStore::Transaction> group_;
  int changes_ = 0;
};

}  // namespace relinkd
