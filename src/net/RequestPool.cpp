#include "relinkd/net/RequestPool.h"

#include <algorithm>

#include "relinkd/domain/Threads.h"

namespace relinkd {
namespace {

HttpResult tooLate(TimeMs deadline, std::int64_t remainingMs) {
  HttpResult result;
  result.error = TransportError::kTooLate;
  result.errorMessage = remainingMs <= 0
      ? "not sent: the job's deadline at " + formatTime(deadline) + " had passed"
      : "not sent: only " + std::to_string(remainingMs) + " ms were left before the job's deadline at " +
            formatTime(deadline);
  return result;
}

}  // namespace

RequestPool::RequestPool(Done onDone, const Clock& clock, std::shared_ptr<Transport> transport,
                         ApiMetrics& metrics, int threads)
    : onDone_(std::move(onDone)), clock_(clock), metrics_(metrics), transport_(std::move(transport)) {
  ensureThreads(threads);
}

RequestPool::~RequestPool() { stop(); }

void RequestPool::ensureThreads(int threads) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (static_cast<int>(workers_.size()) < threads && !stopping_)
    workers_.push_back(startQuietThread([this] { work(); }));
}

void RequestPool::execute(Dispatch dispatch) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(dispatch));
  ready_.notify_one();
}

void RequestPool::setTransport(std::shared_ptr<Transport> transport) {
  std::lock_guard<std::mutex> lock(mutex_);
  transport_ = std::move(transport);
}

void RequestPool::stop() {
  std::vector<std::thread> workers;
  std::vector<std::shared_ptr<Transport>> transports;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
    workers.swap(workers_);
    transports.assign(sending_.begin(), sending_.end());
    transports.push_back(transport_);
    ready_.notify_all();
  }
  std::sort(transports.begin(), transports.end());
  transports.erase(std::unique(transports.begin(), transports.end()), transports.end());
  for (const auto& transport : transports) {
    if (transport) transport->abortAll();
  }
  for (std::thread& worker : workers) worker.join();
}

bool RequestPool::next(Dispatch& dispatch, Sending::iterator& sending) {
  std::unique_lock<std::mutex> lock(mutex_);
  ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  if (stopping_) return false;
  dispatch = std::move(queue_.front());
  queue_.pop_front();
  sending = sending_.insert(transport_);
  return true;
}

HttpResult RequestPool::sendOrRefuse(const Dispatch& dispatch, Transport& transport) {
  // Never late: the budget ends at the deadline, and a request that could
  // not finish before it is not started.
  const std::int64_t remaining = dispatch.deadline - clock_.wallNow();
  if (remaining < kMinRequestBudgetMs) return tooLate(dispatch.deadline, remaining);
  HttpResult result = transport.send(dispatch.request, remaining);
  metrics_.record(requestKindName(dispatch.kind),
                  result.error == TransportError::kNone ? std::to_string(result.response.status)
                                                        : transportErrorName(result.error),
                  result.seconds);
  return result;
}

void RequestPool::work() {
  Dispatch dispatch;
  Sending::iterator sending;
  while (next(dispatch, sending)) {
    HttpResult result = sendOrRefuse(dispatch, **sending);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sending_.erase(sending);
    }
    onDone_(Completion{std::move(dispatch), std::move(result)});
  }
}

}  // namespace relinkd
