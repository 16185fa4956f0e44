#include "relinkd/net/Metrics.h"

namespace relinkd {

void ApiMetrics::record(const std::string& endpoint, const std::string& code, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++data_.requests[{endpoint, code}];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++data_.buckets[i];
  ++data_.count;
  data_.sum += seconds;
}

ApiMetrics::Snapshot ApiMetrics::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return data_;
}

}  // namespace relinkd
