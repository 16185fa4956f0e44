// The requests in flight, counted against relinkd.api.concurrency. A slot
// is held by the job's name from the moment its request is decided on
// until its answer comes back (or the request is dropped unsent), whatever
// happened to the job meanwhile: changed, erased (its row deleted by
// another program), expired. So no slot is ever lost with a job.
//
// Thread-safety: none; a value of the scheduler thread (copied by a step,
// so that a failed step is undone by restoring it).
#pragma once

#include <map>
#include <string>

namespace relinkd {

class RequestSlots {
 public:
  void take(const std::string& job);
  // Gives back one of job's slots. Returns true when job has none left
  // (its in-flight mark may go); false when it held none, or holds more
  // (a job erased and made again under its name while the old request was out).
  bool release(const std::string& job);
  bool holds(const std::string& job) const { return held_.count(job) > 0; }
  int inFlight() const { return count_; }
  bool full(int capacity) const { return count_ >= capacity; }

 private:
  std::map<std::string, int> held_;  // job name -> its requests out
  int count_ = 0;
};

}  // namespace relinkd
