// The time limit of PocoTransport's sends. A Budget is the deadline of one
// send, from which each blocking step takes only what is left. Per-step
// timeouts alone cannot bound an exchange (a server that drips its answer a
// byte at a time never lets a read time out), so one DeadlineReaper thread
// per transport stops every send that reaches its deadline, through its
// AbortHandle: the socket it is blocked on is shut down and the send reports
// kTimeout.
//
// Thread-safety: Budget is a value; DeadlineReaper may be used from many
// threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <Poco/Timespan.h>

#include "PocoConnections.h"
#include "PocoErrors.h"
#include "relinkd/domain/Threads.h"

namespace relinkd {

using SteadyTime = std::chrono::steady_clock::time_point;

struct Budget {
  SteadyTime deadline;
  std::int64_t limitMs = 0;  // the whole exchange's limit, for messages

  static Budget startingNow(std::int64_t limitMs) {
    return Budget{std::chrono::steady_clock::now() + std::chrono::milliseconds(limitMs), limitMs};
  }

  // What is left, as a Poco timeout. Throws SendFailure (kTimeout) when
  // nothing is: a step must not start without time to finish.
  Poco::Timespan left() const {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
    if (ms <= 0) throw SendFailure{TransportError::kTimeout, ""};
    return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms) * 1000);
  }

  // The operator's message for a send stopped by this budget.
  std::string exceeded(const std::string& where) const {
    return "the whole exchange with " + where + " (name resolution, connect, TLS, request and "
           "response) took longer than the limit of " + std::to_string(limitMs) + " ms";
  }
};

class DeadlineReaper {
 public:
  DeadlineReaper() : thread_(startQuietThread([this] { run(); })) {}
  ~DeadlineReaper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  DeadlineReaper(const DeadlineReaper&) = delete;
  DeadlineReaper& operator=(const DeadlineReaper&) = delete;

  // handle->expire() is called at deadline unless remove(handle) came first.
  // REQUIRES: handle stays valid until remove(handle) has returned.
  void add(AbortHandle* handle, SteadyTime deadline) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      byTime_.emplace(deadline, handle);
    }
    changed_.notify_all();
  }

  // After it returns, the reaper no longer touches handle.
  void remove(AbortHandle* handle) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = byTime_.begin(); it != byTime_.end(); ++it) {
      if (it->second == handle) {
        byTime_.erase(it);
        return;
      }
    }
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (byTime_.empty()) {
        changed_.wait(lock);
      } else if (std::chrono::steady_clock::now() < byTime_.begin()->first) {
        // A copy: wait_until reads the time again after waking, when
        // remove() may have freed the entry it came from.
        const SteadyTime until = byTime_.begin()->first;
        changed_.wait_until(lock, until);
      } else {
        byTime_.begin()->second->expire();  // under our lock: remove() waits for it
        byTime_.erase(byTime_.begin());
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<SteadyTime, AbortHandle*> byTime_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace relinkd
