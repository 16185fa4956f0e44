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

namespace relinkd {

using SteadyTime = std::chrono::steady_clock::time_point;

struct Budget {
  SteadyTime deadline;
  std::int64_t limitMs = 0;  // the whole exchange's limit, for messages

  static Budget startingNow(std::int64_t limitMs);

  // What is left, as a Poco timeout. Throws SendFailure (kTimeout) when
  // nothing is: a step must not start without time to finish.
  Poco::Timespan left() const;

  // The operator's message for a send stopped by this budget.
  std::string exceeded(const std::string& where) const;
};

class DeadlineReaper {
 public:
  DeadlineReaper();
  ~DeadlineReaper();
  DeadlineReaper(const DeadlineReaper&) = delete;
  DeadlineReaper& operator=(const DeadlineReaper&) = delete;

  // handle->expire() is called at deadline unless remove(handle) came first.
  // REQUIRES: handle stays valid until remove(handle) has returned.
  void add(AbortHandle* handle, SteadyTime deadline);

  // After it returns, the reaper no longer touches handle.
  void remove(AbortHandle* handle);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<SteadyTime, AbortHandle*> byTime_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace relinkd
