// Counters of API traffic for /metrics: requests by endpoint and outcome
// code, and a latency histogram. Recorded by whoever sends requests.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace relinkd {

class ApiMetrics {
 public:
  static constexpr std::array<double, 10> kBuckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  // code: the HTTP status as text, or a transport error name ("timeout").
  void record(const std::string& endpoint, const std::string& code, double seconds);

  struct Snapshot {
    std::map<std::pair<std::string, std::string>, std::uint64_t> requests;  // (endpoint, code)
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // cumulative counts, le bucket
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  Snapshot data_;
};

}  // namespace relinkd
