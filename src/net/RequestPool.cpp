#include "relinkd/RequestPool.h"

#include "relinkd/Threads.h"

namespace relinkd {

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

std::shared_ptr<Transport> RequestPool::transport() {
  std::lock_guard<std::mutex> lock(mutex_);
  return transport_;
}

void RequestPool::stop() {
  std::vector<std::thread> workers;
  std::shared_ptr<Transport> transport;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
    workers.swap(workers_);
    transport = transport_;
    ready_.notify_all();
  }
  if (transport) transport->abortAll();
  for (std::thread& worker : workers) worker.join();
}

void RequestPool::work() {
  for (;;) {
    Dispatch dispatch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      dispatch = std::move(queue_.front());
      queue_.pop_front();
    }
    HttpResult result;
    if (clock_.wallNow() >= dispatch.deadline) {
      // Never late: the deadline passed while the request waited.
      result.error = TransportError::kAborted;
      result.errorMessage = "not sent: the job's deadline has passed";
    } else {
      result = transport()->send(dispatch.request);
      metrics_.record(requestKindName(dispatch.kind),
                      result.error == TransportError::kNone ? std::to_string(result.response.status)
                                                            : transportErrorName(result.error),
                      result.seconds);
    }
    onDone_(Completion{std::move(dispatch), std::move(result)});
  }
}

}  // namespace relinkd
