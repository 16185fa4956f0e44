// libFuzzer: raw bytes as the API server's answer to a real request of the
// transport (Poco's HTTP client over loopback): status line, headers,
// Content-Length and chunked bodies, truncation. The transport must return
// a result (or an error) within its time limit, never hang or crash.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "relinkd/policy/LinksApi.h"
#include "relinkd/net/PocoTransport.h"

namespace {

// A server that answers each connection's request with the current input.
class RawServer {
 public:
  RawServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    std::thread([this] { serve(); }).detach();
  }
  unsigned short port() const { return port_; }
  void setAnswer(std::string answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    answer_ = std::move(answer);
  }

 private:
  void serve() {
    for (;;) {
      const int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      char buffer[8192];
      std::string request;
      while (request.find("\r\n\r\n") == std::string::npos) {  // the request's head; it has no body here
        const ssize_t n = ::recv(client, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
      }
      std::string answer;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        answer = answer_;
      }
      ::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }
  int fd_ = -1;
  unsigned short port_ = 0;
  std::mutex mutex_;
  std::string answer_;
};

RawServer& rawServer() {
  static RawServer* server = new RawServer;  // lives as long as the process
  return *server;
}

relinkd::Transport& transport() {
  static std::unique_ptr<relinkd::Transport> instance = [] {
    relinkd::TransportOptions options;
    options.timeoutMs = 2000;
    options.userAgent = "relinkd-fuzz";
    return relinkd::makePocoTransport(options);
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  rawServer().setAnswer(std::string(reinterpret_cast<const char*>(data), size));
  relinkd::HttpRequest request;
  request.method = "GET";
  request.url = "http://127.0.0.1:" + std::to_string(rawServer().port()) + "/links/v1/s/jobs/status/j";
  const relinkd::HttpResult result = transport().send(request, 2000);
  (void)relinkd::readStatusAnswer(result, 1764000000000);
  return 0;
}
