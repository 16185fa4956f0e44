// Finding sites' ids once per site (see SiteDiscovery.h).
#include "SiteDiscovery.h"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

namespace relinkd {
namespace {

// url's host in lower case; url itself if it has none (it was checked when
// the job was read, so that is only a guard).
std::string hostOf(const std::string& url) {
  try {
    const std::string host = Poco::URI(url).getHost();
    if (!host.empty()) return Poco::toLower(host);
  } catch (const Poco::Exception&) {
  }
  return url;
}

}  // namespace

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

std::optional<AbsentHost> SiteDiscovery::answered(const std::string& url, bool noSuchHost, TimeMs now) {
  const std::string host = hostOf(url);
  if (!noSuchHost) {
    absent_.erase(host);
    return std::nullopt;
  }
  auto [it, first] = absent_.emplace(host, now);
  if (!first && it->second > now) it->second = now;
  return AbsentHost{host, it->second};
}

}  // namespace relinkd
