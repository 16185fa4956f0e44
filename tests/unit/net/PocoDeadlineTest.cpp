// PocoTransport's time limits: the whole exchange ends within
// min(budget, timeout) however slowly the server answers, and name
// resolution (through an injected resolver the tests can block) is waited
// for only until the budget or abortAll().
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/StreamSocket.h>

#include "NetTestServers.h"
#include "relinkd/net/PocoTransport.h"

namespace relinkd {
namespace {

using namespace testnet;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A resolver that blocks until the test opens the gate. Shared, because the
// transport stops waiting for it and leaves it running on its own thread.
class Gate {
 public:
  static Resolver blockingResolver(const std::shared_ptr<Gate>& gate) {
    return [gate](const std::string&) {
      std::unique_lock<std::mutex> lock(gate->mutex_);
      ++gate->entered_;
      gate->changed_.notify_all();
      gate->changed_.wait(lock, [&] { return gate->open_; });
      return ResolvedHost{{"127.0.0.1"}, ""};
    };
  }
  int entered() {
    std::lock_guard<std::mutex> lock(mutex_);
    return entered_;
  }
  bool waitEntered() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [this] { return entered_ > 0; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

std::unique_ptr<Transport> resolvingTransport(Resolver resolver, std::int64_t timeoutMs = 20000) {
  TransportOptions options;
  options.timeoutMs = timeoutMs;
  options.resolver = std::move(resolver);
  return makePocoTransport(options);
}

// Answers every request one byte every 200 ms, for ever: in its head or in
// its body.
RawServer::Serve dripping(bool inBody) {
  return [inBody](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, inBody ? "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
                                     : "HTTP/1.1 200 OK\r\nX-Slow: ");
    while (self.pause(milliseconds(200))) RawServer::answer(socket, "x");
  };
}

TEST_CASE("PocoTransport: a server that drips its answer is cut at the budget") {
  struct Case {
    const char* name;
    bool inBody;
    std::int64_t timeoutMs, budgetMs;
  };
  const Case cases[] = {
      {"in the headers, the budget is the limit", false, 20000, 1500},
      {"in the body, the budget is the limit", true, 20000, 1500},
      {"in the body, the transport's timeout caps a larger budget", true, 1000, 60000},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    RawServer server(dripping(c.inBody));
    HttpResult result = transport(c.timeoutMs)->send(get(server.url()), c.budgetMs);
    server.stop();
    CHECK_MESSAGE(result.error == TransportError::kTimeout, result.errorMessage);
    CHECK(result.seconds >= 0.95 * static_cast<double>(std::min(c.timeoutMs, c.budgetMs)) / 1000);
    CHECK(result.seconds < 3.0);
    CHECK_MESSAGE(result.errorMessage.find("whole exchange with 127.0.0.1:" +
                                           std::to_string(server.port())) != std::string::npos,
                  result.errorMessage);
  }
}

TEST_CASE("PocoTransport: no budget left means no connection") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) { self.readHead(socket); });
  HttpResult result = transport()->send(get(server.url()), 0);
  CHECK_MESSAGE(result.error == TransportError::kTimeout, result.errorMessage);
  CHECK(server.connections() == 0);
}

TEST_CASE("PocoTransport: abortAll interrupts a send blocked in name resolution") {
  auto gate = std::make_shared<Gate>();
  auto http = resolvingTransport(Gate::blockingResolver(gate));
  HttpResult stalled;
  steady_clock::time_point returned;
  std::thread sender([&] {
    stalled = http->send(get("https://stuck.relinkd.test/"), kAmpleMs);
    returned = steady_clock::now();
  });
  REQUIRE(gate->waitEntered());
  const auto aborted = steady_clock::now();
  http->abortAll();
  sender.join();
  gate->open();  // the helper thread ends by itself, after the transport
  CHECK_MESSAGE(stalled.error == TransportError::kAborted, stalled.errorMessage);
  CHECK(returned - aborted < std::chrono::seconds(2));
}

TEST_CASE("PocoTransport: a name that resolves too slowly is cut at the budget") {
  auto gate = std::make_shared<Gate>();
  HttpResult result = resolvingTransport(Gate::blockingResolver(gate))
                          ->send(get("https://slow.relinkd.test:8443/"), 1000);
  gate->open();
  CHECK_MESSAGE(result.error == TransportError::kTimeout, result.errorMessage);
  CHECK(result.errorMessage.find("slow.relinkd.test:8443") != std::string::npos);
  CHECK(result.seconds >= 0.9);
  CHECK(result.seconds < 3.0);
}

TEST_CASE("PocoTransport: sends to a host whose lookup hangs wait for one lookup, not one each") {
  auto gate = std::make_shared<Gate>();
  auto http = resolvingTransport(Gate::blockingResolver(gate));
  std::vector<std::thread> senders;
  std::vector<HttpResult> results(4);
  for (HttpResult& result : results)
    senders.emplace_back([&http, &result] { result = http->send(get("https://hung.relinkd.test/"), 800); });
  for (std::thread& sender : senders) sender.join();
  for (const HttpResult& result : results) CHECK_MESSAGE(result.error == TransportError::kTimeout, result.errorMessage);
  CHECK(gate->entered() == 1);
  gate->open();
  http->send(get("https://hung.relinkd.test:9/"), kAmpleMs);  // joins the lookup or starts one
  const int lookups = gate->entered();
  http->send(get("https://hung.relinkd.test:9/"), kAmpleMs);  // the lookups are done: nothing is cached
  CHECK(gate->entered() == lookups + 1);
}

TEST_CASE("PocoTransport: a name that does not resolve is a DNS error naming it") {
  auto http = resolvingTransport([](const std::string&) {
    return ResolvedHost{{}, "Name or service not known"};
  });
  HttpResult result = http->send(get("https://nowhere.relinkd.test/"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kDns, result.errorMessage);
  CHECK(result.errorMessage.find("nowhere.relinkd.test") != std::string::npos);
  CHECK(result.errorMessage.find("Name or service not known") != std::string::npos);
}

// An NXDOMAIN is told apart from a name that merely does not resolve now:
// the engine gives up on a site whose name stays absent.
TEST_CASE("PocoTransport: a name that does not exist is a no-such-host error naming it") {
  auto http = resolvingTransport([](const std::string&) {
    ResolvedHost absent{{}, "Name or service not known"};
    absent.noSuchHost = true;
    return absent;
  });
  HttpResult result = http->send(get("https://typo.relinkd.test/"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kNoSuchHost, result.errorMessage);
  CHECK(result.errorMessage == "no such host typo.relinkd.test (Name or service not known)");
}

// The proxy's name is the operator's setting, not a site's: never the site's
// "no such host".
TEST_CASE("PocoTransport: a proxy whose name does not exist is a proxy error") {
  TransportOptions options;
  options.proxy = "http://noproxy.relinkd.test:3128";
  options.resolver = [](const std::string&) {
    ResolvedHost absent{{}, "Name or service not known"};
    absent.noSuchHost = true;
    return absent;
  };
  HttpResult result = makePocoTransport(options)->send(get("https://site.relinkd.test/"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kProxy, result.errorMessage);
  CHECK(result.errorMessage.find("noproxy.relinkd.test") != std::string::npos);
}

TEST_CASE("PocoTransport: the real resolver finds localhost") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, kOk);
  });
  HttpResult result =
      transport()->send(get("http://localhost:" + std::to_string(server.port()) + "/"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
}

}  // namespace
}  // namespace relinkd
