// Poco's HTTP server connections with a budget for the whole exchange.
// HTTPServerParams only bound each read or write; a client that drips its
// request a byte at a time could hold a server thread for ever. Each
// connection is registered with a ConnectionReaper, which shuts it down
// once the budget is spent, and unregistered when it ends.
//
// Thread-safety: the reaper is shared by all server threads; its own
// thread checks the deadlines ten times a second.
#pragma once

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>

#include "relinkd/domain/Threads.h"

namespace relinkd {

// A whole exchange (the request in, the answer out) takes no longer.
inline constexpr std::chrono::seconds kConnectionBudget{5};

// Cuts connections that take too long in all: the per-read timeout alone
// lets a client that drips its request byte by byte hold a thread for as
// long as it likes.
class ConnectionReaper {
 public:
  ConnectionReaper() : thread_(startQuietThread([this] { run(); })) {}
  ~ConnectionReaper() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  std::uint64_t add(const Poco::Net::StreamSocket& socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.emplace(++lastId_, Live{std::chrono::steady_clock::now() + kConnectionBudget, socket});
    return lastId_;
  }
  void remove(std::uint64_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.erase(id);
  }
  void cutAll() { cut([](const auto&) { return true; }); }

 private:
  struct Live {
    std::chrono::steady_clock::time_point deadline;
    Poco::Net::StreamSocket socket;
  };

  template <typename Predicate>
  void cut(Predicate overdue) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, live] : live_) {
      if (!overdue(live)) continue;
      try {
        live.socket.shutdown();  // the blocked read returns; the handler ends
      } catch (const Poco::Exception&) {
      }
    }
  }
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return stopping_; })) {
      lock.unlock();
      const auto now = std::chrono::steady_clock::now();
      cut([now](const Live& live) { return live.deadline <= now; });
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::uint64_t lastId_ = 0;
  std::map<std::uint64_t, Live> live_;
  std::thread thread_;
};

// Poco's HTTP connection, registered with the reaper while it runs.
class BoundedConnection : public Poco::Net::TCPServerConnection {
 public:
  BoundedConnection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, ConnectionReaper& reaper)
      : TCPServerConnection(socket), http_(socket, params, handlers), reaper_(reaper) {}

  void run() override {
    const std::uint64_t id = reaper_.add(socket());
    try {
      http_.run();
    } catch (...) {
      reaper_.remove(id);
      throw;
    }
    reaper_.remove(id);
  }

 private:
  Poco::Net::HTTPServerConnection http_;
  ConnectionReaper& reaper_;
};

class BoundedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  BoundedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                           Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, ConnectionReaper& reaper)
      : params_(std::move(params)), handlers_(std::move(handlers)), reaper_(reaper) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new BoundedConnection(socket, params_, handlers_, reaper_);
  }

 private:
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  ConnectionReaper& reaper_;
};

}  // namespace relinkd
