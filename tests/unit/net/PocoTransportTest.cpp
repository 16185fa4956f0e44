// PocoTransport against servers started inside the test on 127.0.0.1: a Poco
// HTTPServer for well-behaved exchanges, a raw TCP server for misbehaviour
// (closing, stalling, short bodies), and HTTPS servers with certificates made
// by the openssl command at test time.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "TestSupport.h"
#include "relinkd/PocoTransport.h"

namespace relinkd {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// Answers every request with its own method, headers and body.
class EchoHandler : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    std::string body;
    Poco::StreamCopier::copyToString(request.stream(), body);
    if (request.getURI() == "/big") body.assign(2 * 1024 * 1024, 'x');
    response.set("X-Method", request.getMethod());
    response.set("X-Uri", request.getURI());
    response.set("X-Host", request.getHost());
    response.set("X-Agent", request.get("User-Agent", ""));
    response.set("X-Test", request.get("X-Test", ""));
    response.set("X-Length", request.get("Content-Length", "none"));
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    response.send() << body;
  }
};

class EchoFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new EchoHandler;
  }
};

class EchoServer {
 public:
  explicit EchoServer(Poco::Net::ServerSocket socket = loopback())
      : port_(socket.address().port()), server_(new EchoFactory, socket, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~EchoServer() { server_.stopAll(true); }
  std::string url(const std::string& scheme, const std::string& path) const {
    return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  Poco::UInt16 port() const { return port_; }
  int connections() const { return server_.totalConnections(); }
  static Poco::Net::ServerSocket loopback() {
    return Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0));
  }

 private:
  Poco::UInt16 port_;
  Poco::Net::HTTPServer server_;
};

// A TCP server that serves its connections one at a time with a test-given
// function, on its own thread; stop() (or destruction) releases stalled ones.
class RawServer {
 public:
  using Serve = std::function<void(RawServer&, Poco::Net::StreamSocket&)>;
  explicit RawServer(Serve serve)
      : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)), serve_(std::move(serve)),
        thread_([this] { run(); }) {}
  ~RawServer() {
    stop();
    thread_.join();
  }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(listener_.address().port()) + path;
  }
  Poco::UInt16 port() const { return listener_.address().port(); }
  int connections() const { return connections_; }
  std::vector<std::string> heads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return heads_;
  }

  // Reads one request head (through the blank line), or "" at end of stream.
  std::string readHead(Poco::Net::StreamSocket& socket) {
    std::string head;
    char c;
    while (head.find("\r\n\r\n") == std::string::npos && socket.receiveBytes(&c, 1) == 1) head += c;
    if (!head.empty()) note(head);
    return head;
  }
  // Records what a connection brought (see heads()) and wakes waitForRequests.
  void note(const std::string& head) {
    std::lock_guard<std::mutex> lock(mutex_);
    heads_.push_back(head);
    requests_.notify_all();
  }
  // Blocks until the server has read `count` request heads (at most 5 s).
  bool waitForRequests(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return requests_.wait_for(lock, std::chrono::seconds(5), [&] { return heads_.size() >= count; });
  }
  void waitUntilStopped() {
    std::unique_lock<std::mutex> lock(mutex_);
    stopped_.wait(lock, [this] { return stopping_; });
  }
  void stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    stopped_.notify_all();
  }
  static void answer(Poco::Net::StreamSocket& socket, const std::string& text) {
    socket.sendBytes(text.data(), static_cast<int>(text.size()));
  }

 private:
  void run() {
    while (!isStopping()) {
      if (!listener_.poll(Poco::Timespan(0, 20000), Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket socket = listener_.acceptConnection();
      ++connections_;
      try {
        serve_(*this, socket);
      } catch (const Poco::Exception&) {  // the client went away: next one
      }
    }
  }
  bool isStopping() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stopping_;
  }

  Poco::Net::ServerSocket listener_;
  Serve serve_;
  std::mutex mutex_;
  std::condition_variable stopped_, requests_;
  bool stopping_ = false;
  std::vector<std::string> heads_;
  std::atomic<int> connections_{0};
  std::thread thread_;
};

// Copies bytes both ways until either side closes (or 5 s of silence).
void relay(Poco::Net::StreamSocket& a, Poco::Net::StreamSocket& b) {
  char buffer[16 * 1024];
  for (;;) {
    Poco::Net::Socket::SocketList readable{a, b}, writable, failed;
    if (Poco::Net::Socket::select(readable, writable, failed, Poco::Timespan(5, 0)) == 0) return;
    for (Poco::Net::Socket& from : readable) {
      const int n = Poco::Net::StreamSocket(from).receiveBytes(buffer, sizeof buffer);
      if (n <= 0) return;
      (from == a ? b : a).sendBytes(buffer, n);
    }
  }
}

const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

std::unique_ptr<Transport> transport(std::int64_t timeoutMs = 5000, const std::string& caFile = "") {
  TransportOptions options;
  options.timeoutMs = timeoutMs;
  options.caFile = caFile;
  options.userAgent = "relinkd-test/1";
  return makePocoTransport(options);
}

HttpRequest get(const std::string& url) { return HttpRequest{"GET", url, {}, ""}; }

TEST_CASE("PocoTransport: GET and POST round trip headers and bodies") {
  EchoServer server;
  auto http = transport();

  HttpRequest post{"POST", server.url("http", "/links/v1/s/jobs/cma?x=1"),
                   {{"X-Test", "yes"}, {"Content-Type", "application/json"}}, R"({"a":1})"};
  HttpResult posted = http->send(post);
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

  HttpResult got = http->send(get(server.url("http", "/status")));
  REQUIRE_MESSAGE(got.error == TransportError::kNone, got.errorMessage);
  CHECK(got.response.header("X-Method") == "GET");
  CHECK(got.response.header("X-Length") == "none");
  CHECK(got.response.body.empty());
}

TEST_CASE("PocoTransport: keep-alive connections are reused") {
  EchoServer server;
  auto http = transport();
  for (int i = 0; i < 3; ++i) {
    HttpResult result = http->send(get(server.url("http", "/n")));
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
        // GETs (a body only to tell the answers apart): POSTs never reuse.
        HttpResult result = http->send(HttpRequest{"GET", server.url("http", "/c"), {}, body});
        if (result.error != TransportError::kNone || result.response.body != body) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(server.connections() <= 4);
}

TEST_CASE("PocoTransport: https to a server that does not speak TLS is a TLS failure") {
  EchoServer server;
  HttpResult result = transport()->send(get(server.url("https", "/")));
  CHECK_MESSAGE(result.error == TransportError::kTls, result.errorMessage);
  CHECK(result.errorMessage.find("127.0.0.1:" + std::to_string(server.port())) != std::string::npos);
}

TEST_CASE("PocoTransport: a response over 1 MiB is refused") {
  EchoServer server;
  HttpResult result = transport()->send(get(server.url("http", "/big")));
  CHECK(result.error == TransportError::kOther);
  CHECK_MESSAGE(result.errorMessage.find("too large") != std::string::npos, result.errorMessage);
}

TEST_CASE("PocoTransport: connection refused") {
  Poco::UInt16 port;
  {
    Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = closed.address().port();
  }
  HttpResult result = transport()->send(get("http://127.0.0.1:" + std::to_string(port) + "/"));
  CHECK_MESSAGE(result.error == TransportError::kConnectionRefused, result.errorMessage);
  CHECK(result.errorMessage.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("PocoTransport: a server that closes without answering is a reset") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) { self.readHead(socket); });
  HttpResult result = transport()->send(get(server.url()));
  CHECK_MESSAGE(result.error == TransportError::kConnectionReset, result.errorMessage);
  CHECK(result.errorMessage.find("without answering") != std::string::npos);
  CHECK(server.connections() == 1);  // a fresh connection is never retried
}

TEST_CASE("PocoTransport: a body shorter than its Content-Length is a reset") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  });
  HttpResult result = transport()->send(get(server.url()));
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
    HttpResult result = transport()->send(get(server.url()));
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
    HttpResult result = http->send(get(server.url()));
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
  REQUIRE(http->send(get(server.url())).error == TransportError::kNone);
  HttpResult second = http->send(get(server.url()));
  CHECK_MESSAGE(second.error == TransportError::kNone, second.errorMessage);
  CHECK(second.response.body == "ok");
  CHECK(server.connections() == 2);
  CHECK(server.heads().size() == 3);
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
  REQUIRE(http->send(get(server.url())).error == TransportError::kNone);
  HttpResult post = http->send(HttpRequest{"POST", server.url("/jobs/cma"), {}, "{}"});
  CHECK(post.error == TransportError::kConnectionReset);
  CHECK(server.heads().size() == 2);  // the GET and one POST: the server may have acted on it
}

TEST_CASE("PocoTransport: a stalled server times out") {
  RawServer server([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    self.waitUntilStopped();
  });
  HttpResult result = transport(300)->send(get(server.url()));
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
    stalled = http->send(get(url));
    returned = std::chrono::steady_clock::now();
  });
  REQUIRE(server.waitForRequests(1));
  const auto aborted = std::chrono::steady_clock::now();
  http->abortAll();
  sender.join();
  CHECK_MESSAGE(stalled.error == TransportError::kAborted, stalled.errorMessage);
  CHECK(returned - aborted < std::chrono::seconds(2));

  HttpResult later = http->send(get(url));
  CHECK(later.error == TransportError::kAborted);
  CHECK(server.connections() == 1);
}

TEST_CASE("PocoTransport: plain http is refused for hosts that are not loopback") {
  auto http = transport();
  for (const char* url : {"http://192.0.2.1/", "http://api.example.invalid/x", "http://[2001:db8::1]/"}) {
    HttpResult result = http->send(get(url));
    CHECK_MESSAGE(result.error == TransportError::kOther, url);
    CHECK_MESSAGE(result.errorMessage.find("only allowed for loopback") != std::string::npos,
                  result.errorMessage);
    CHECK(result.seconds < 0.1);
  }
  CHECK(http->send(get("ftp://127.0.0.1/")).error == TransportError::kOther);
}

TEST_CASE("PocoTransport: an https proxy that refuses the tunnel is a proxy error") {
  RawServer proxy([](RawServer& self, Poco::Net::StreamSocket& socket) {
    self.readHead(socket);
    RawServer::answer(socket, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  TransportOptions options;
  options.timeoutMs = 5000;
  options.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
  HttpResult result = makePocoTransport(options)->send(get("https://api.example.invalid/x"));
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

// A throw-away CA and two server certificates signed by it, made with the
// openssl command: "good" for localhost, 127.0.0.1 and relinkd.test (a name
// only the test proxy knows), "wrong" for another name.
class TestPki {
 public:
  TestPki() {
    available_ = run("openssl version") &&
                 run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
                     " -days 2 -subj /CN=relinkd-test-ca -keyout ca.key -out ca.pem") &&
                 issue("good", "DNS:localhost,DNS:relinkd.test,IP:127.0.0.1") && issue("wrong", "DNS:wrong.example");
  }
  bool available() const { return available_; }
  std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  bool run(const std::string& command) const {
    return std::system(("cd '" + dir_.path() + "' && " + command + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool issue(const std::string& name, const std::string& altNames) const {
    std::ofstream(file(name + ".ext")) << "subjectAltName=" << altNames
                                       << "\nextendedKeyUsage=serverAuth\n";
    return run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" +
               name + " -keyout " + name + ".key -out " + name + ".csr") &&
           run("openssl x509 -req -in " + name + ".csr -CA ca.pem -CAkey ca.key -CAcreateserial"
               " -days 2 -extfile " + name + ".ext -out " + name + ".pem");
  }

  testsupport::TempDir dir_;
  bool available_ = false;
};

Poco::Net::SecureServerSocket tlsListener(const TestPki& pki, const std::string& name) {
  Poco::Net::Context::Params params;
  params.privateKeyFile = pki.file(name + ".key");
  params.certificateFile = pki.file(name + ".pem");
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  return Poco::Net::SecureServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
}

TEST_CASE("PocoTransport: https verifies the certificate and the host name") {
  static const TestPki pki;  // made once: doctest runs the case once per SUBCASE
  if (!pki.available()) {
    MESSAGE("the openssl command is not available: https cases not run");
    return;
  }
  SUBCASE("a certificate from the trusted CA file, for the host, is accepted") {
    EchoServer server(tlsListener(pki, "good"));
    auto https = transport(5000, pki.file("ca.pem"));
    for (const std::string host : {"127.0.0.1", "localhost"}) {
      HttpResult result = https->send(
          HttpRequest{"POST", "https://" + host + ":" + std::to_string(server.port()) + "/x", {}, "hi"});
      REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
      CHECK(result.response.body == "hi");
    }
    CHECK(https->send(get(server.url("https", "/y"))).error == TransportError::kNone);
    CHECK(server.connections() == 2);  // one per host name, the third reused
  }
  SUBCASE("a certificate the system store does not trust is rejected") {
    EchoServer server(tlsListener(pki, "good"));
    HttpResult result = transport()->send(get(server.url("https", "/")));
    CHECK_MESSAGE(result.error == TransportError::kCertificateRejected, result.errorMessage);
    CHECK(result.errorMessage.find("certificate was rejected") != std::string::npos);
  }
  SUBCASE("a trusted certificate for another host name is rejected") {
    EchoServer server(tlsListener(pki, "wrong"));
    HttpResult result = transport(5000, pki.file("ca.pem"))->send(get(server.url("https", "/")));
    CHECK_MESSAGE(result.error == TransportError::kCertificateRejected, result.errorMessage);
    CHECK(result.errorMessage.find("127.0.0.1") != std::string::npos);
  }
  SUBCASE("through a proxy, the tunnel carries TLS verified for the target host") {
    EchoServer server(tlsListener(pki, "good"));
    RawServer proxy([&server](RawServer& self, Poco::Net::StreamSocket& client) {
      self.readHead(client);
      Poco::Net::StreamSocket target(Poco::Net::SocketAddress("127.0.0.1", server.port()));
      RawServer::answer(client, "HTTP/1.1 200 Connection established\r\n\r\n");
      relay(client, target);
    });
    TransportOptions options;
    options.caFile = pki.file("ca.pem");
    options.proxy = "http://127.0.0.1:" + std::to_string(proxy.port());
    auto https = makePocoTransport(options);
    const std::string url = "https://relinkd.test:" + std::to_string(server.port()) + "/tunnelled";
    for (int i = 0; i < 2; ++i) {
      HttpResult result = https->send(get(url));
      REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
      CHECK(result.response.header("X-Uri") == "/tunnelled");
    }
    // Loopback targets never go through the proxy.
    CHECK(https->send(get(server.url("https", "/direct"))).error == TransportError::kNone);
    CHECK(proxy.connections() == 1);
    REQUIRE(proxy.heads().size() == 1);
    CHECK(proxy.heads()[0].rfind("CONNECT relinkd.test:" + std::to_string(server.port()), 0) == 0);
    CHECK(server.connections() == 2);
    https.reset();  // closes the tunnel, which ends the relay
  }
  SUBCASE("plain http to a TLS server fails without hanging") {
    EchoServer server(tlsListener(pki, "good"));
    HttpResult result = transport(2000)->send(get(server.url("http", "/")));
    CHECK(result.error != TransportError::kNone);
  }
}

}  // namespace
}  // namespace relinkd
