#include "PocoResolver.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <optional>

#include "PocoErrors.h"
#include "relinkd/domain/Threads.h"

namespace relinkd {

namespace resolver_detail {

struct Lookup {
  std::mutex mutex;
  std::condition_variable changed;
  bool done = false;
  ResolvedHost result;
};

}  // namespace resolver_detail

namespace {

using resolver_detail::Lookup;

void startHelper(const std::shared_ptr<Lookup>& lookup, Resolver resolver, std::string host) {
  startQuietThread([lookup, resolver = std::move(resolver), host = std::move(host)] {
    ResolvedHost result;
    try {
      result = resolver(host);
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    std::lock_guard<std::mutex> lock(lookup->mutex);
    lookup->result = std::move(result);
    lookup->done = true;
    lookup->changed.notify_all();
  }).detach();
}

// The first IPv4 address, else the first one (Poco's preference).
std::optional<Poco::Net::IPAddress> pick(const ResolvedHost& resolved) {
  std::optional<Poco::Net::IPAddress> first;
  for (const std::string& text : resolved.addresses) {
    Poco::Net::IPAddress address;
    if (!Poco::Net::IPAddress::tryParse(text, address)) continue;
    if (address.family() == Poco::Net::IPAddress::IPv4) return address;
    if (!first) first = address;
  }
  return first;
}

}  // namespace

ResolvedHost resolveByGetaddrinfo(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  ResolvedHost resolved;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    resolved.error = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
    resolved.noSuchHost = rc == EAI_NONAME;
    return resolved;
  }
  for (const addrinfo* at = list; at != nullptr; at = at->ai_next) {
    char text[NI_MAXHOST];
    if (::getnameinfo(at->ai_addr, at->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) == 0)
      resolved.addresses.emplace_back(text);
  }
  ::freeaddrinfo(list);
  if (resolved.addresses.empty()) resolved.error = "no address";
  return resolved;
}

std::shared_ptr<Lookup> Lookups::join(const std::string& host) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto running = running_[host].lock()) {
    std::lock_guard<std::mutex> lookupLock(running->mutex);
    if (!running->done) return running;
  }
  auto lookup = std::make_shared<Lookup>();
  running_[host] = lookup;
  startHelper(lookup, resolver_, host);
  return lookup;
}

Poco::Net::IPAddress resolveHost(Lookups& lookups, const std::string& host, AbortHandle& handle,
                                 const Budget& budget) {
  Poco::Net::IPAddress numeric;
  if (Poco::Net::IPAddress::tryParse(host, numeric)) return numeric;
  auto lookup = lookups.join(host);
  // This send's own stop: other sends may be waiting for the same lookup.
  auto stopped = std::make_shared<bool>(false);  // guarded by lookup->mutex
  handle.onStop([lookup, stopped] {
    std::lock_guard<std::mutex> lock(lookup->mutex);
    *stopped = true;
    lookup->changed.notify_all();
  });
  ResolvedHost result;
  bool done = false;
  {
    std::unique_lock<std::mutex> lock(lookup->mutex);
    lookup->changed.wait_until(lock, budget.deadline, [&] { return lookup->done || *stopped; });
    done = lookup->done;
    if (done) result = lookup->result;
  }
  handle.onStop(nullptr);
  if (!done) throw SendFailure{TransportError::kTimeout, ""};
  if (auto address = pick(result)) return *address;
  if (result.noSuchHost)
    throw SendFailure{TransportError::kNoSuchHost, "no such host " + host + " (" + result.error + ")"};
  throw SendFailure{TransportError::kDns,
                    "cannot resolve the host name " + host + " (" +
                        (result.error.empty() ? "no usable address" : result.error) + ")"};
}

}  // namespace relinkd
