// libFuzzer: raw bytes sent to the status server (relinkd.http.listen) as
// an HTTP client would, over a real loopback connection: request line,
// headers, anything. The server must answer or close, never hang or crash.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "StatusServer.h"
#include "relinkd/net/Metrics.h"

namespace {

relinkd::ManualClock clock{1764000000000};
relinkd::ApiMetrics metrics;

relinkd::StatusServer& server() {
  static std::unique_ptr<relinkd::StatusServer> instance = [] {
    relinkd::StatusSources sources;
    sources.jobs = [] {
      relinkd::Job job;
      job.name = "eu<script>";
      job.file = "/jobs/eu.json";
      job.plan = "acme";
      job.state = relinkd::JobState::kRunning;
      job.lastError = "HTTP 503 \"x\" & <y>";
      job.result = R"({"status":"COMPLETE"})";
      return relinkd::JobList{std::make_shared<const relinkd::Job>(job)};
    };
    sources.health = [] { return std::string(); };
    sources.paused = [] { return false; };
    sources.storeWritable = [] { return true; };
    sources.storeWriteFailures = [] { return std::uint64_t{0}; };
    sources.metrics = &metrics;
    sources.clock = &clock;
    return std::make_unique<relinkd::StatusServer>("127.0.0.1:0", sources);
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const unsigned short port = server().port();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval timeout{10, 0};  // the server's own limits are 3 s per read, 5 s in all
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    std::size_t sent = 0;
    while (sent < size) {
      const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    char buffer[65536];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0) {
    }
    // The server ends every exchange within 5 s; still open after 10: a hang.
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) std::abort();
  }
  ::close(fd);
  return 0;
}
