// The requests in flight (see RequestSlots.h).
#include "RequestSlots.h"

namespace relinkd {

void RequestSlots::take(const std::string& job) {
  ++held_[job];
  ++count_;
}

bool RequestSlots::release(const std::string& job) {
  auto it = held_.find(job);
  if (it == held_.end()) return false;
  --count_;
  if (--it->second > 0) return false;
  held_.erase(it);
  return true;
}

}  // namespace relinkd
