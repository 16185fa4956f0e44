#include "Notifier.h"

#include <Poco/Logger.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>

namespace relinkd {
namespace {

Poco::Logger& log() { return Poco::Logger::get("relinkd"); }

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// NOTIFY_SOCKET as sd_notify reads it: an absolute path, or "@name" for
// the abstract namespace (the leading NUL is not followed by one at the end).
bool parseAddress(const std::string& text, sockaddr_un& address, socklen_t& length) {
  const bool abstract = !text.empty() && text[0] == '@';
  const bool path = !text.empty() && text[0] == '/';
  if ((!abstract && !path) || text.size() >= sizeof address.sun_path) return false;
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, text.data(), text.size());
  if (abstract) address.sun_path[0] = '\0';
  length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + text.size() + (abstract ? 0 : 1));
  return true;
}

// A decimal number without sign, space or overflow.
std::optional<std::uint64_t> parseUnsigned(const char* text) {
  if (text == nullptr || *text == '\0') return std::nullopt;
  std::uint64_t value = 0;
  for (const char* c = text; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(*c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

}  // namespace

std::int64_t watchdogInterval(const char* usec, const char* pid, pid_t self) {
  const std::optional<std::uint64_t> timeout = parseUnsigned(usec);
  if (!timeout || *timeout == 0) return 0;
  if (pid != nullptr && *pid != '\0' && parseUnsigned(pid) != static_cast<std::uint64_t>(self)) return 0;
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::min<std::uint64_t>(*timeout / 2000, INT64_MAX)));
}

Notifier::Notifier(const Clock& clock)
    : Notifier(environment("NOTIFY_SOCKET"),
               watchdogInterval(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid()), clock,
               Options{}) {}

Notifier::Notifier(const std::string& address, std::int64_t watchdogIntervalMs, const Clock& clock,
                   Options options)
    : clock_(clock), options_(options) {
  if (address.empty()) return;
  if (!parseAddress(address, address_, addressLength_)) {
    log().warning("NOTIFY_SOCKET=" + address + " is not a unix socket address; not notifying systemd");
    return;
  }
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    log().warning(std::string("cannot open a socket to notify systemd: ") + std::strerror(errno));
    return;
  }
  watchdogIntervalMs_ = watchdogIntervalMs;
}

Notifier::~Notifier() {
  if (fd_ >= 0) ::close(fd_);
}

Notifier::Sent Notifier::sendOnce(const std::string& message) {
  for (;;) {
    const ssize_t n = ::sendto(fd_, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&address_), addressLength_);
    if (n >= 0) return Sent::kYes;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ? Sent::kFull : Sent::kFailed;
  }
}

void Notifier::pause() const {
  if (options_.pause)
    options_.pause(options_.retryPauseMs);
  else
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.retryPauseMs));
}

bool Notifier::notify(const std::string& state) {
  if (fd_ < 0) return true;
  const MonoMs giveUpAt = clock_.monoNow() + options_.essentialRetryMs;
  Sent sent = sendOnce(state);
  while (sent == Sent::kFull && clock_.monoNow() < giveUpAt) {
    pause();
    sent = sendOnce(state);
  }
  const int error = errno;  // of the last try
  if (sent == Sent::kYes) return true;
  log().warning("could not tell systemd " + state + ": " +
                (sent == Sent::kFull ? "its notify socket stayed full" : std::strerror(error)));
  return false;
}

void Notifier::status(const std::string& line) {
  if (fd_ < 0) return;
  std::lock_guard<std::mutex> lock(statusMutex_);
  pendingStatus_ = line == sentStatus_ ? "" : line;
  if (pendingStatus_.empty()) return;
  const MonoMs now = clock_.monoNow();
  if (lastStatusTry_ && now < *lastStatusTry_ + options_.statusIntervalMs) return;
  lastStatusTry_ = now;
  if (sendOnce(pendingStatus_) != Sent::kYes) return;  // tried again an interval later
  sentStatus_ = pendingStatus_;
  pendingStatus_.clear();
}

std::optional<MonoMs> Notifier::statusDueAt() const {
  std::lock_guard<std::mutex> lock(statusMutex_);
  if (pendingStatus_.empty() || !lastStatusTry_) return std::nullopt;
  return *lastStatusTry_ + options_.statusIntervalMs;
}

bool Notifier::watchdog() { return fd_ < 0 || sendOnce("WATCHDOG=1") == Sent::kYes; }

std::string statusLine(const std::map<JobState, int>& counts, bool paused) {
  int total = 0;
  std::string parts;
  for (const auto& [state, count] : counts) {
    if (count == 0) continue;
    total += count;
    parts += (parts.empty() ? "" : ", ") + std::to_string(count) + " " + stateName(state);
  }
  std::string line = "STATUS=" + std::to_string(total) + (total == 1 ? " job" : " jobs");
  if (!parts.empty()) line += ": " + parts;
  if (paused) line += "; PAUSED: the API rejected the credentials";
  return line;
}

}  // namespace relinkd
