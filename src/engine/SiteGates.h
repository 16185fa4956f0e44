// Rate-limited sites: no request to a site before its gate opens. A gate
// is kept on the monotonic clock (a step of the wall clock neither opens
// nor extends it) and only ever moves later. The store keeps the wall-clock
// time (it outlives a restart); load() turns it into a gate once, at start.
//
// Thread-safety: none; a value of the scheduler thread (copied by a step,
// so that a failed step is undone by restoring it).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "relinkd/domain/Clock.h"

namespace relinkd {

class SiteGates {
 public:
  // The limits the store holds (site id -> not before, wall clock); those
  // already over are left out.
  void load(const std::map<std::string, TimeMs>& limits, TimeMs wallNow, MonoMs monoNow);
  // No request to site before notBefore (wall clock). Never shortens a gate.
  void close(const std::string& site, TimeMs notBefore, TimeMs wallNow, MonoMs monoNow);
  // When the site's gate opens, while it is still closed at monoNow. A job
  // without a site id (not yet discovered) is never held back.
  std::optional<MonoMs> closedUntil(const std::string& site, MonoMs monoNow) const;

 private:
  std::map<std::string, MonoMs> gates_;  // site id -> no request before this
};

}  // namespace relinkd
