#include "PocoConnections.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace relinkd {

namespace {

// An idle keep-alive connection has nothing to read unless the server
// closed it (or broke the protocol): either way it is not reusable.
bool hasPendingInput(int fd) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, 0) != 0;
}

}  // namespace

AbortHandle::~AbortHandle() { watch(-1); }

void AbortHandle::watch(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd >= 0 ? ::fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
  if (reason_ != Reason::kNone) shutdownLocked();
}

void AbortHandle::onStop(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mutex_);
  wake_ = std::move(wake);
  if (wake_ && reason_ != Reason::kNone) wake_();
}

void AbortHandle::stop(Reason reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (reason_ == Reason::kNone) reason_ = reason;
  shutdownLocked();
  if (wake_) wake_();
}

AbortHandle::Reason AbortHandle::reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

void AbortHandle::shutdownLocked() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

bool ConnectionPool::enter(AbortHandle* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (aborted_) return false;
  inFlight_.insert(handle);
  return true;
}

void ConnectionPool::leave(AbortHandle* handle) {
  std::lock_guard<std::mutex> lock(mutex_);
  inFlight_.erase(handle);
}

std::optional<PooledConnection> ConnectionPool::takeIdle(
    const std::string& key, std::chrono::steady_clock::duration maxAge) {
  std::vector<PooledConnection> stale;  // closed after the lock is released
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = idle_.find(key);
  if (found == idle_.end()) return std::nullopt;
  auto& list = found->second;
  const auto now = std::chrono::steady_clock::now();
  while (!list.empty()) {
    PooledConnection candidate = std::move(list.back());
    list.pop_back();
    const auto idleFor = now - candidate.idleSince;
    if (idleFor < maxIdleAge_ && !hasPendingInput(candidate.fd)) {
      if (idleFor < maxAge) return candidate;
      list.push_back(std::move(candidate));  // too old for this send, not for the pool
      return std::nullopt;
    }
    stale.push_back(std::move(candidate));
  }
  return std::nullopt;
}

void ConnectionPool::putIdle(const std::string& key, PooledConnection connection) {
  connection.idleSince = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto& list = idle_[key];
  if (aborted_ || list.size() >= maxIdlePerKey_) return;  // closed on return
  list.push_back(std::move(connection));
}

void ConnectionPool::abortAll() {
  std::map<std::string, std::vector<PooledConnection>> idle;  // closed unlocked
  std::lock_guard<std::mutex> lock(mutex_);
  aborted_ = true;
  for (AbortHandle* handle : inFlight_) handle->abort();
  idle.swap(idle_);
}

}  // namespace relinkd
