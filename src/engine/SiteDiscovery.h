// Finding sites' ids (tenant_info) once per site: one request per site at
// a time, its answer shared by every job of that site. Holds who asks for
// which site, who waits for that answer, the ids found this run, and the
// sites' hosts that the resolver says do not exist (NXDOMAIN), since when;
// the scheduler sends the request and applies the verdict to the waiters.
//
// Thread-safety: none; a value of the scheduler thread (copied by a step,
// so that a failed step is undone by restoring it).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "relinkd/domain/Time.h"

namespace relinkd {

// A site's host that the resolver says does not exist (NXDOMAIN).
struct AbsentHost {
  std::string host;
  TimeMs since = 0;  // wall clock: the first of the answers in a row that said so
};

class SiteDiscovery {
 public:
  // The site id found for url this run, if any.
  std::optional<std::string> known(const std::string& url) const;
  // When a request for url's id is out, job waits for its answer (true);
  // otherwise job is to ask (false) and is the one asking from now on.
  bool waitOrAsk(const std::string& url, const std::string& job);

  struct Ended {
    std::string url;
    std::set<std::string> waiting;  // jobs of the same site that waited for the answer
  };
  // The discovery job asked for is over; nullopt when it asked for none.
  std::optional<Ended> end(const std::string& job);
  void found(const std::string& url, const std::string& siteId) { found_[url] = siteId; }

  // An answer to a tenant_info request for url (its host's, whichever job
  // asked) at now, the wall clock. When it says the host does not exist:
  // since when the answers have said so in a row (now, for the first; now
  // again after the clock was stepped back before it). Any other answer
  // (an id, a 404, a timeout, a SERVFAIL) ends the run: nullopt.
  // In memory only: a restart forgets it, so a host still absent then
  // gets its grace again (its jobs retry meanwhile; nothing is lost).
  std::optional<AbsentHost> answered(const std::string& url, bool noSuchHost, TimeMs now);

 private:
  struct Asking {
    std::string by;                 // the job whose tenant_info request is out
    std::set<std::string> waiting;  // jobs of the same site, parked until it is answered
  };
  std::map<std::string, Asking> asking_;      // productURL -> its discovery
  std::map<std::string, std::string> found_;  // productURL -> site id, found this run
  std::map<std::string, TimeMs> absent_;      // host (lower case) -> AbsentHost::since
};

}  // namespace relinkd
