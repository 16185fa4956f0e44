// Rate-limited sites (see SiteGates.h).
#include "SiteGates.h"

#include <algorithm>

namespace relinkd {

void SiteGates::load(const std::map<std::string, TimeMs>& limits, TimeMs wallNow, MonoMs monoNow) {
  for (const auto& [site, notBefore] : limits)
    if (notBefore > wallNow) close(site, notBefore, wallNow, monoNow);
}

void SiteGates::close(const std::string& site, TimeMs notBefore, TimeMs wallNow, MonoMs monoNow) {
  const MonoMs gate = monoNow + std::max<std::int64_t>(0, notBefore - wallNow);
  MonoMs& current = gates_[site];
  current = std::max(current, gate);
}

std::optional<MonoMs> SiteGates::closedUntil(const std::string& site, MonoMs monoNow) const {
  if (site.empty()) return std::nullopt;
  auto gate = gates_.find(site);
  if (gate == gates_.end() || gate->second <= monoNow) return std::nullopt;
  return gate->second;
}

}  // namespace relinkd
