// Finding sites' ids (tenant_info) once per site: one request per site at
// a time, its answer shared by every job of that site. Holds who asks for
// which site, who waits for that answer, and the ids found this run; the
// scheduler sends the request and applies the verdict to the waiters.
//
// Thread-safety: none; a value of the scheduler thread (copied by a step,
// so that a failed step is undone by restoring it).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace relinkd {

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

 private:
  struct Asking {
    std::string by;                 // the job whose tenant_info request is out
    std::set<std::string> waiting;  // jobs of the same site, parked until it is answered
  };
  std::map<std::string, Asking> asking_;      // productURL -> its discovery
  std::map<std::string, std::string> found_;  // productURL -> site id, found this run
};

}  // namespace relinkd
