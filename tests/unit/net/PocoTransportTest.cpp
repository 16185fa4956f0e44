// PocoTransport against servers started inside the test on 127.0.0.1
// (NetTestServers.h): round trips, keep-alive, misbehaving servers, abortAll
// and the plain-http and proxy rules. TLS: PocoTransportTlsTest.cpp; time
// limits: PocoDeadlineTest.cpp.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include "NetTestServers.h"
#include "TestSupport.h"
#include "relinkd/net/PocoTransport.h"

namespace relinkd {
namespace {

using namespace testnet;

TEST_CASE("PocoTransport: GET and POST round trip headers and bodies") {
  EchoServer server;
  auto http = transport();

  HttpRequest post{"POST", server.url("http", "/links/v1/s/jobs/cma?x=1"),
                   {{"X-Test", "yes"}, {"Content-Type", "application/json"}}, R"({"a":1})"};
  HttpResult posted = http->send(post, kAmpleMs);
  REQUIRE_MESSAGE(posted.error == TransportError::kNone, posted.errorMessage);
  CHECK(posted.response.status == 200);
  CHECK(posted.response.body == R"({"a":1})");
  CHECK(posted.response.header("x-method") == "POST");
  CHECK(posted.response.header("X-URI") == "/links/v1/s/jobs/cma?x=1");
  CHECK(posted.response.header("X-Host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(posted.response.header("X-Agent") == "relinkd-test/1");
  CHECK(posted.response.header("X-Test") == "yes");
  CHECK(posted.response.header("X-Length") == "7");
  CHECK(posted.response.header("X-Absent").empty());
  CHECK(posted.seconds > 0);

  HttpResult got = http->send(get(server.url("http", "/status")), kAmpleMs);
  REQUIRE_MESSAGE(got.error == TransportError::kNone, got.errorMessage);
  CHECK(got.response.header("X-Method") == "GET");
  CHECK(got.response.header("X-Length") == "none");
  CHECK(got.response.body.empty());
}

TEST_CASE("PocoTransport: keep-alive connections are reused") {
  EchoServer server;
  auto http = transport();
  for (int i = 0; i < 3; ++i) {
    HttpResult result = http->send(get(server.url("http", "/n")), kAmpleMs);
    REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
  }
  CHECK(server.connections() == 1);
}

TEST_CASE("PocoTransport: concurrent sends share the pool") {
  EchoServer server;
  auto http = transport();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string body = std::to_string(t) + "-" + std::to_string(i);
        // GETs (a body only to tell the answers apart).
        HttpResult result = http->send(HttpRequest{"GET", server.url("http", "/c"), {}, body}, kAmpleMs);
        if (result.error != TransportError::kNone || result.response.body != body) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(server.connections() <= 4);
}

TEST_CASE("PocoTransport: https to a server that does not speak TLS is a TLS failure") {
  // It answers in plain HTTP at once, as an HTTP server does to bytes it
  // cannot parse (an echo server would wait for a blank line that a
  // ClientHello contains only by chance, and the test would time out).
  RawServer server([](RawServer&, Poco::Net::StreamSocket& socket) {
    RawServer::answer(socket, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  HttpResult result = transport()->send(get("https://127.0.0.1:" + std::to_string(server.port()) + "/"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kTls, result.errorMessage);
  CHECK(result.errorMessage.find("127.0.0.1:" + std::to_string(server.port())) != std::string::npos);
}

TEST_CASE("PocoTransport: a response over 1 MiB is refused") {
  EchoServer server;
  HttpResult result = transport()->send(get(server.url("http", "/big")), kAmpleMs);
  CHECK(result.error == TransportError::kOther);
  CHECK_MESSAGE(result.errorMessage.find("too large") != std::string::npos, result.errorMessage);
}

TEST_CASE("PocoTransport: connection refused") {
  Poco::UInt16 port;
  {
    Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = closed.address().port();
  }
  HttpResult result = transport()->send(get("http://127.0.0.1:" + std::to_string(port) + "/"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kConnectionRefused, result.errorMessage);
  CHECK(result.errorMessage.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("PocoTransport: a server that closes without answering is a reset") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) { self.readHead(socket); });
  HttpResult result = transport()->send(get(server.url()), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kConnectionReset, result.errorMessage);
  CHECK(result.errorMessage.find("without answering") != std::string::npos);
  CHECK(server.connections() == 1);  // a fresh connection is never retried
}

TEST_CASE("PocoTransport: a body shorter than its Content-Length is a reset") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  });
  HttpResult result = transport()->send(get(server.url()), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kConnectionReset, result.errorMessage);
  CHECK(result.errorMessage.find("before the response was complete") != std::string::npos);
}

TEST_CASE("PocoTransport: a chunked body is complete only with its last chunk") {
  struct Case {
    const char* name;
    std::string body;
    TransportError error;
  };
  const Case cases[] = {
      {"complete, with an extension and a trailer",
       "5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n", TransportError::kNone},
      {"cut inside a chunk", "5\r\nhel", TransportError::kConnectionReset},
      {"cut between chunks", "5\r\nhello\r\n", TransportError::kConnectionReset},
      {"cut before the final blank line", "5\r\nhello\r\n0\r\n", TransportError::kConnectionReset},
      {"malformed size", "zz\r\nhello\r\n0\r\n\r\n", TransportError::kOther},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    RawServer server([&c](RawServer& self, Poco::Net::StreamSocket& socket) {
      self.readHead(socket);
      RawServer::answer(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + c.body);
    });
    HttpResult result = transport()->send(get(server.url()), kAmpleMs);
    CHECK_MESSAGE(result.error == c.error, result.errorMessage);
    if (c.error == TransportError::kNone) CHECK(result.response.body == "hello!");
  }
}

TEST_CASE("PocoTransport: a connection is reused after a chunked body") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    while (!self.readHead(socket).empty()) {
      RawServer::answer(socket, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "2\r\nok\r\n0\r\n\r\n");
    }
  });
  auto http = transport();
  for (int i = 0; i < 3; ++i) {
    HttpResult result = http->send(get(server.url()), kAmpleMs);
    REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
    CHECK(result.response.body == "ok");
  }
  CHECK(server.connections() == 1);
}

TEST_CASE("PocoTransport: a reused connection the server closed is retried once, fresh") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, kOk);
    // The next request on this connection finds it closed, as when the
    // server's idle timeout fires just as the client reuses it.
    self.readHead(socket);
  });
  auto http = transport();
  REQUIRE(http->send(get(server.url()), kAmpleMs).error == TransportError::kNone);
  HttpResult second = http->send(get(server.url()), kAmpleMs);
  CHECK_MESSAGE(second.error == TransportError::kNone, second.errorMessage);
  CHECK(second.response.body == "ok");
  CHECK(server.connections() == 2);
  CHECK(server.heads().size() == 3);
}

TEST_CASE("PocoTransport: a POST reuses a connection used a moment ago, sparing a handshake") {
  EchoServer server;
  auto http = transport();
  REQUIRE(http->send(get(server.url("http", "/status")), kAmpleMs).error == TransportError::kNone);
  HttpResult post = http->send(HttpRequest{"POST", server.url("http", "/jobs/cma"), {}, "{}"}, kAmpleMs);
  CHECK(post.error == TransportError::kNone);
  CHECK(post.response.header("x-method") == "POST");
  CHECK(server.connections() == 1);
}

TEST_CASE("PocoTransport: a POST is never sent twice, even when its connection breaks") {
  // The first connection answers once, then reads one more request (if one
  // comes within 300 ms) and drops it unanswered, as a server that acted on
  // it and then lost the connection; later connections do the same at once.
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    if (self.connections() > 1) return;
    RawServer::answer(socket, kOk);
    socket.setReceiveTimeout(Poco::Timespan(0, 300000));
    self.readHead(socket);
  });
  auto http = transport();
  REQUIRE(http->send(get(server.url()), kAmpleMs).error == TransportError::kNone);
  HttpResult post = http->send(HttpRequest{"POST", server.url("/jobs/cma"), {}, "{}"}, kAmpleMs);
  CHECK(post.error == TransportError::kConnectionReset);
  CHECK(server.heads().size() == 2);  // the GET and one POST: the server may have acted on it
}

TEST_CASE("PocoTransport: a stalled server times out") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    self.waitUntilStopped();
  });
  HttpResult result = transport(300)->send(get(server.url()), kAmpleMs);
  server.stop();
  CHECK_MESSAGE(result.error == TransportError::kTimeout, result.errorMessage);
  CHECK(result.seconds >= 0.25);
  CHECK(result.seconds < 3.0);
}

TEST_CASE("PocoTransport: abortAll interrupts a stalled exchange and refuses later ones") {
  std::string url;
  RawServer::Serve serve;
  SUBCASE("waiting for the response") {
    serve = [](RawServer& self, Poco::Net::StreamSocket& socket) {
      self.readHead(socket);
      self.waitUntilStopped();
    };
    url = "http://127.0.0.1:%/";
  }
  SUBCASE("in the TLS handshake") {
    serve = [](RawServer& self, Poco::Net::StreamSocket&) {
      self.note("accepted");
      self.waitUntilStopped();
    };
    url = "https://127.0.0.1:%/";
  }
  RawServer server(serve);
  url.replace(url.find('%'), 1, std::to_string(server.port()));
  auto http = transport(20000);
  HttpResult stalled;
  std::chrono::steady_clock::time_point returned;
  std::thread sender([&] {
    stalled = http->send(get(url), kAmpleMs);
    returned = std::chrono::steady_clock::now();
  });
  REQUIRE(server.waitForRequests(1));
  const auto aborted = std::chrono::steady_clock::now();
  http->abortAll();
  sender.join();
  CHECK_MESSAGE(stalled.error == TransportError::kAborted, stalled.errorMessage);
  CHECK(returned - aborted < std::chrono::seconds(2));

  HttpResult later = http->send(get(url), kAmpleMs);
  CHECK(later.error == TransportError::kAborted);
  CHECK(server.connections() == 1);
}

TEST_CASE("PocoTransport: plain http is refused for hosts that are not loopback") {
  auto http = transport();
  for (const char* url : {"http://192.0.2.1/", "http://api.example.invalid/x", "http://[2001:db8::1]/"}) {
    HttpResult result = http->send(get(url), kAmpleMs);
    CHECK_MESSAGE(result.error == TransportError::kOther, url);
    CHECK_MESSAGE(result.errorMessage.find("only allowed for loopback") != std::string::npos,
                  result.errorMessage);
    CHECK(result.seconds < 0.1);
  }
  CHECK(http->send(get("ftp://127.0.0.1/"), kAmpleMs).error == TransportError::kOther);
}

TEST_CASE("PocoTransport: an https proxy that refuses the tunnel is a proxy error") {
  RawServer proxy([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  TransportOptions options;
  options.timeoutMs = 5000;
  options.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  HttpResult result = makePocoTransport(options)->send(get("https://api.example.invalid/x"), kAmpleMs);
  CHECK_MESSAGE(result.error == TransportError::kProxy, result.errorMessage);
  CHECK(result.errorMessage.find("403") != std::string::npos);
  REQUIRE(proxy.heads().size() == 1);
  CHECK(proxy.heads()[0].rfind("CONNECT api.example.invalid:443 HTTP/1.1\r\n", 0) == 0);
}

TEST_CASE("PocoTransport: a CA file that is missing or not PEM is refused at start") {
  CHECK_THROWS_WITH_AS(transport(5000, "/nonexistent/ca.pem"),
                       doctest::Contains("/nonexistent/ca.pem"), std::runtime_error);
  testsupport::TempDir dir;
  const std::string garbage = dir.write("garbage.pem", "not a certificate\n");
  CHECK_THROWS_WITH_AS(transport(5000, garbage), doctest::Contains(garbage.c_str()), std::runtime_error);
}

}  // namespace
}  // namespace relinkd
