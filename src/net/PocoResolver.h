// Name resolution for PocoTransport, within a send's budget. getaddrinfo
// cannot be interrupted (no socket to shut down), so it runs on a
// short-lived detached helper thread; the send waits for its answer until
// the deadline or until abortAll()/the reaper stops it, and then goes on
// without it. The helper owns its share of the lookup and ends by itself
// whenever the resolver returns.
//
// Thread-safety: the functions may be called from many threads at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <Poco/Net/IPAddress.h>

#include "PocoConnections.h"
#include "PocoDeadlines.h"
#include "relinkd/net/PocoTransport.h"

namespace relinkd {

// The default Resolver: getaddrinfo with Poco's own hints (as
// SocketAddress(host, port) resolved before).
ResolvedHost resolveByGetaddrinfo(const std::string& host);

namespace resolver_detail {
// What the sends waiting for a lookup and its helper thread share.
struct Lookup;
}  // namespace resolver_detail

// The lookups still running, by host name. A send joins the one running for
// its host instead of starting another, so a DNS server that never answers
// costs one helper thread per host, not one per request (each would live
// until the resolver gives up, which can take minutes). Nothing is cached:
// once a lookup is done, the next send starts a new one.
class Lookups {
 public:
  explicit Lookups(Resolver resolver) : resolver_(std::move(resolver)) {}

  // The lookup running for host, or a new one started on a helper thread.
  std::shared_ptr<resolver_detail::Lookup> join(const std::string& host);

 private:
  const Resolver resolver_;
  std::mutex mutex_;
  std::map<std::string, std::weak_ptr<resolver_detail::Lookup>> running_;
};

// host's address (itself when it is numeric). Throws SendFailure:
// kNoSuchHost when the resolver says the name does not exist, kDns when it
// does not resolve otherwise, kTimeout at the deadline, kAborted when stopped (the
// caller reports what the handle says).
Poco::Net::IPAddress resolveHost(Lookups& lookups, const std::string& host, AbortHandle& handle,
                                 const Budget& budget);

}  // namespace relinkd
