// Finding sites' ids once per site (see SiteDiscovery.h).
#include "SiteDiscovery.h"

namespace relinkd {

std::optional<std::string> SiteDiscovery::known(const std::string& url) const {
  auto it = found_.find(url);
  if (it == found_.end()) return std::nullopt;
  return it->second;
}

bool SiteDiscovery::waitOrAsk(const std::string& url, const std::string& job) {
  auto it = asking_.find(url);
  if (it == asking_.end()) {
    asking_[url].by = job;
    return false;
  }
  if (it->second.by != job) it->second.waiting.insert(job);
  return true;
}

std::optional<SiteDiscovery::Ended> SiteDiscovery::end(const std::string& job) {
  for (auto it = asking_.begin(); it != asking_.end(); ++it) {
    if (it->second.by != job) continue;
    Ended ended{it->first, std::move(it->second.waiting)};
    asking_.erase(it);
    return ended;
  }
  return std::nullopt;
}

}  // namespace relinkd
