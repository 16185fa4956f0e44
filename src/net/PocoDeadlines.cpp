#include "PocoDeadlines.h"

#include "PocoErrors.h"
#include "relinkd/domain/Threads.h"

namespace relinkd {

Budget Budget::startingNow(std::int64_t limitMs) {
  return Budget{std::chrono::steady_clock::now() + std::chrono::milliseconds(limitMs), limitMs};
}

Poco::Timespan Budget::left() const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
  if (ms <= 0) throw SendFailure{TransportError::kTimeout, ""};
  return Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(ms) * 1000);
}

std::string Budget::exceeded(const std::string& where) const {
  return "the whole exchange with " + where + " (name resolution, connect, TLS, request and "
         "response) took longer than the limit of " + std::to_string(limitMs) + " ms";
}

DeadlineReaper::DeadlineReaper() : thread_(startQuietThread([this] { run(); })) {}

DeadlineReaper::~DeadlineReaper() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void DeadlineReaper::add(AbortHandle* handle, SteadyTime deadline) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    byTime_.emplace(deadline, handle);
  }
  changed_.notify_all();
}

void DeadlineReaper::remove(AbortHandle* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = byTime_.begin(); it != byTime_.end(); ++it) {
    if (it->second == handle) {
      byTime_.erase(it);
      return;
    }
  }
}

void DeadlineReaper::run() {
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

}  // namespace relinkd
