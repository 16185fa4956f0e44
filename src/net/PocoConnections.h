// Connection bookkeeping for PocoTransport: the keep-alive pool of idle
// connections, and the registry of sends in flight that abortAll() interrupts.
//
// A send is interrupted (at shutdown, or when its time is up) by shutting
// down the socket it is blocked on: connect, TLS handshake, write and read
// then return at once. Only the socket is shut
// down, never the TLS state (which belongs to the sending thread). The handle
// holds its own duplicate of the descriptor, so the socket it shuts down is
// always the one it was given, even if Poco has closed its descriptor and the
// number has been reused meanwhile.
//
// Thread-safety: every class here may be used from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <Poco/Net/HTTPClientSession.h>

namespace relinkd {

// One open connection. The descriptor never changes while the session lives:
// sessions are built on connected sockets and never reconnect by themselves.
struct PooledConnection {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  int fd = -1;
  std::chrono::steady_clock::time_point idleSince;
};

// The interruption point of one send: abortAll() (shutdown) and the
// deadline reaper (time is up) stop it through here. While the send waits on
// something other than a socket (name resolution), onStop() says how to wake
// it. The first reason given is the one the send reports.
class AbortHandle {
 public:
  AbortHandle() = default;
  AbortHandle(const AbortHandle&) = delete;
  AbortHandle& operator=(const AbortHandle&) = delete;
  ~AbortHandle();

  // From now on the send may block on the socket fd (-1: on nothing).
  void watch(int fd);

  // Called (under the handle's lock, so it must not call back) when the send
  // is stopped, at once if it already is; nullptr when the wait is over.
  void onStop(std::function<void()> wake);

  void abort() { stop(Reason::kAborted); }   // shutdown
  void expire() { stop(Reason::kExpired); }  // the send's time is up

  bool aborted() const { return reason() == Reason::kAborted; }
  bool expired() const { return reason() == Reason::kExpired; }

  // Watches fd for the lifetime of the guard.
  class Watch {
   public:
    Watch(AbortHandle& handle, int fd) : handle_(handle) { handle_.watch(fd); }
    ~Watch() { handle_.watch(-1); }
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    AbortHandle& handle_;
  };

 private:
  enum class Reason { kNone, kAborted, kExpired };

  void stop(Reason reason);
  Reason reason() const;
  void shutdownLocked();

  mutable std::mutex mutex_;
  int fd_ = -1;  // our duplicate of the watched descriptor
  Reason reason_ = Reason::kNone;
  std::function<void()> wake_;
};

class ConnectionPool {
 public:
  ConnectionPool(std::size_t maxIdlePerKey, std::chrono::steady_clock::duration maxIdleAge)
      : maxIdlePerKey_(maxIdlePerKey), maxIdleAge_(maxIdleAge) {}

  ~ConnectionPool() { abortAll(); }

  // Registers a send in flight; false once abortAll() has been called.
  bool enter(AbortHandle* handle);

  void leave(AbortHandle* handle);

  // The most recently used idle connection for key that still looks usable:
  // idle for less than maxAge (and the pool's own limit), not closed (or
  // written to) by the server.
  std::optional<PooledConnection> takeIdle(const std::string& key,
                                           std::chrono::steady_clock::duration maxAge);

  // Keeps a connection whose last exchange completed, for the next send to key.
  void putIdle(const std::string& key, PooledConnection connection);

  // Refuses every later send and interrupts those in flight.
  void abortAll();

 private:
  const std::size_t maxIdlePerKey_;
  const std::chrono::steady_clock::duration maxIdleAge_;
  std::mutex mutex_;
  bool aborted_ = false;
  std::set<AbortHandle*> inFlight_;
  std::map<std::string, std::vector<PooledConnection>> idle_;
};

}  // namespace relinkd
