// The Executor of the daemon: a few worker threads that send the engine's
// requests through the Transport and post the results back. At most
// `threads` requests are in flight; the engine keeps within its own limit.
//
// Deadlines: a request is sent with the time left before its dispatch's
// deadline (wall clock, from the Clock) as its budget, so it cannot end
// after the deadline. With less than kMinRequestBudgetMs left it is not sent
// at all: its completion carries TransportError::kTooLate (no metric).
//
// Thread-safety: execute(), setTransport(), ensureThreads() and stop() may
// be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "relinkd/engine/Engine.h"
#include "relinkd/net/Metrics.h"

namespace relinkd {

class RequestPool final : public Executor {
 public:
  using Done = std::function<void(Completion)>;
  // onDone receives every result (Engine::complete), on a worker thread.
  RequestPool(Done onDone, const Clock& clock, std::shared_ptr<Transport> transport,
              ApiMetrics& metrics, int threads);
  ~RequestPool() override;  // stop()s

  void execute(Dispatch dispatch) override;
  // Uses this transport for the requests sent from now on (after a reload).
  void setTransport(std::shared_ptr<Transport> transport);
  // Adds threads up to `threads` (never removes any).
  void ensureThreads(int threads);
  // Interrupts every request in flight, on whichever transport it was sent
  // (the current one or one replaced by setTransport), and joins the
  // workers. Queued requests are dropped: the store already says what to do
  // at the next start.
  void stop();

 private:
  using Sending = std::multiset<std::shared_ptr<Transport>>;

  void work();
  // Blocks for the next request; false when stopping. Records the
  // transport it will be sent on in sending_ (under the same lock that
  // stop() reads it with, so stop() cannot miss it).
  bool next(Dispatch& dispatch, Sending::iterator& sending);
  HttpResult sendOrRefuse(const Dispatch& dispatch, Transport& transport);

  Done onDone_;
  const Clock& clock_;
  ApiMetrics& metrics_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Dispatch> queue_;
  std::shared_ptr<Transport> transport_;
  Sending sending_;  // the transport of each request being sent
  std::vector<std::thread> workers_;
  bool stopping_ = false;
};

}  // namespace relinkd
