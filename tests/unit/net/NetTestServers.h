// Test servers for the transport tests, started inside the test on
// 127.0.0.1: a Poco HTTPServer that echoes well-behaved exchanges, a raw TCP
// server for misbehaviour (closing, stalling, dripping, short bodies), a
// relay for the proxy cases, and transport()/get() shorthands.
//
// Thread-safety: each server runs its connections on its own threads; the
// accessors may be called from the test's thread.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "relinkd/net/PocoTransport.h"

namespace relinkd {
namespace testnet {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

// A budget larger than any transport timeout used in the tests: the
// transport's own timeout is the limit.
constexpr std::int64_t kAmpleMs = 600000;


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
  // Connections whose client has gone end on their own threads first:
  // aborting one (stopAll(true)) shuts its TLS session down from this thread
  // while its own thread may be closing it (a race inside Poco that TSan
  // reports). So tests close their clients before their servers.
  ~EchoServer() {
    server_.stop();
    for (int i = 0; i < 500 && server_.currentConnections() > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server_.stopAll(true);
  }
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
// Given a TLS listener, it accepts and serves on that one thread: no socket
// is handed between threads (which Poco's uninstrumented reference counting
// hides from TSan).
class RawServer {
 public:
  using Serve = std::function<void(RawServer&, Poco::Net::StreamSocket&)>;
  explicit RawServer(Serve serve, Poco::Net::ServerSocket listener = EchoServer::loopback())
      : listener_(std::move(listener)), serve_(std::move(serve)), thread_([this] { run(); }) {}
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
  // The server's own pace (a dripping server): waits `interval`, less if
  // stopped; returns whether the server still runs.
  bool pause(std::chrono::milliseconds interval) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !stopped_.wait_for(lock, interval, [this] { return stopping_; });
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
inline void relay(Poco::Net::StreamSocket& a, Poco::Net::StreamSocket& b) {
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

inline const char* kOk = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

inline std::unique_ptr<Transport> transport(std::int64_t timeoutMs = 5000, const std::string& caFile = "") {
  TransportOptions options;
  options.timeoutMs = timeoutMs;
  options.caFile = caFile;
  options.userAgent = "relinkd-test/1";
  return makePocoTransport(options);
}

inline HttpRequest get(const std::string& url) { return HttpRequest{"GET", url, {}, ""}; }

}  // namespace testnet
}  // namespace relinkd
