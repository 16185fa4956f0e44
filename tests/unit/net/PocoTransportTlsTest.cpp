// PocoTransport over TLS, against HTTPS servers with certificates made by
// the openssl command at test time: verification of the chain and the host
// name, directly and through a CONNECT proxy.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <fstream>
#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>

#include "NetTestServers.h"
#include "TestSupport.h"
#include "relinkd/net/PocoTransport.h"

namespace relinkd {
namespace {

using namespace testnet;

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
          HttpRequest{"POST", "https://" + host + ":" + std::to_string(server.port()) + "/x", {}, "hi"}, kAmpleMs);
      REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
      CHECK(result.response.body == "hi");
    }
    CHECK(https->send(get(server.url("https", "/y")), kAmpleMs).error == TransportError::kNone);
    CHECK(server.connections() == 2);  // one per host name, the third reused
  }
  SUBCASE("a certificate the system store does not trust is rejected") {
    EchoServer server(tlsListener(pki, "good"));
    HttpResult result = transport()->send(get(server.url("https", "/")), kAmpleMs);
    CHECK_MESSAGE(result.error == TransportError::kCertificateRejected, result.errorMessage);
    CHECK(result.errorMessage.find("certificate was rejected") != std::string::npos);
  }
  SUBCASE("a trusted certificate for another host name is rejected") {
    EchoServer server(tlsListener(pki, "wrong"));
    HttpResult result = transport(5000, pki.file("ca.pem"))->send(get(server.url("https", "/")), kAmpleMs);
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
      HttpResult result = https->send(get(url), kAmpleMs);
      REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
      CHECK(result.response.header("X-Uri") == "/tunnelled");
    }
    // Loopback targets never go through the proxy.
    CHECK(https->send(get(server.url("https", "/direct")), kAmpleMs).error == TransportError::kNone);
    CHECK(proxy.connections() == 1);
    REQUIRE(proxy.heads().size() == 1);
    CHECK(proxy.heads()[0].rfind("CONNECT relinkd.test:" + std::to_string(server.port()), 0) == 0);
    CHECK(server.connections() == 2);
    https.reset();  // closes the tunnel, which ends the relay
  }
  SUBCASE("a resolved name is still the one TLS sends and checks") {
    TransportOptions options;
    options.caFile = pki.file("ca.pem");
    options.resolver = [](const std::string&) { return ResolvedHost{{"127.0.0.1"}, ""}; };
    auto https = makePocoTransport(options);
    EchoServer good(tlsListener(pki, "good"));
    HttpResult result =
        https->send(get("https://relinkd.test:" + std::to_string(good.port()) + "/named"), kAmpleMs);
    REQUIRE_MESSAGE(result.error == TransportError::kNone, result.errorMessage);
    CHECK(result.response.header("X-Host") == "relinkd.test:" + std::to_string(good.port()));
    EchoServer wrong(tlsListener(pki, "wrong"));
    result = https->send(get("https://relinkd.test:" + std::to_string(wrong.port()) + "/"), kAmpleMs);
    CHECK_MESSAGE(result.error == TransportError::kCertificateRejected, result.errorMessage);
    CHECK(result.errorMessage.find("relinkd.test") != std::string::npos);
    https.reset();  // the client goes first (EchoServer)
  }
  SUBCASE("plain http to a TLS server fails without hanging") {
    // Served on the accepting thread: with EchoServer the handshake failed so
    // fast that Poco's accept thread dropped the last reference to the socket,
    // and TSan, blind to that count, reported the free as a race.
    RawServer server(
        [](RawServer&, Poco::Net::StreamSocket& socket) {
          char buffer[512];
          socket.receiveBytes(buffer, sizeof buffer);  // the handshake fails on the request's bytes
        },
        tlsListener(pki, "good"));
    HttpResult result = transport(2000)->send(get(server.url("/")), kAmpleMs);
    CHECK(result.error != TransportError::kNone);
    CHECK(server.connections() == 1);
  }
}

}  // namespace
}  // namespace relinkd
