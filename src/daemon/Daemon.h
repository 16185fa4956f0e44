// The running daemon: the store, the engine on its scheduler thread, the
// request workers, the directory watcher and the token watch, wired
// together. RelinkdApp handles options, configuration and signals and
// drives a Daemon.
//
// Thread-safety: start(), reload() and stop() are called from the main
// thread only.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "relinkd/config/Config.h"
#include "relinkd/engine/Engine.h"
#include "relinkd/io/InstanceLock.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/net/Metrics.h"
#include "relinkd/engine/NotificationQueue.h"
#include "relinkd/io/ProcessRunner.h"
#include "relinkd/net/RequestPool.h"
#include "relinkd/store/SqliteJobStore.h"
#include "Notifier.h"

namespace relinkd {

class StatusServer;

class Daemon {
 public:
  Daemon(Config config, std::string token);
  ~Daemon();

  // Opens the store, scans the directory, starts the threads, READY=1.
  // Returns false when SIGTERM or SIGINT came during the first scan (then
  // nothing was started; stop() and leave). Throws std::exception with an
  // operator's message on failure.
  bool start();
  // SIGHUP: new configuration and token (already checked by the caller).
  void reload(Config config, std::string token);
  // SIGTERM: STOPPING=1, interrupts requests in flight, joins every thread.
  void stop();

 private:
  void lockStateDir();
  void claimJobsDir();
  void setStoreHealthy(bool healthy);
  std::string healthProblems() const;
  void makeEngine();
  bool startEngine();
  void startDeliveries();
  std::function<int()> owedNotificationsSource();
  void startStatusServer();
  void schedulerLoop();
  void watchToken();
  void warnOfTokenMode();
  void notifyStatus();
  void deliveryLoop();
  void wakeDeliveries();

  Config config_;
  std::string token_;
  SystemClock clock_;
  SeededRandom random_;
  Notifier notifier_;
  ApiMetrics metrics_;
  std::unique_ptr<SqliteJobStore> store_;
  std::unique_ptr<JobDirectory> source_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<RequestPool> pool_;
  std::unique_ptr<DirectoryWatcher> watcher_;
  std::unique_ptr<StatusServer> statusServer_;
  std::thread scheduler_;
  // Notifications (relinkd.notify.command): their own connection and thread.
  std::unique_ptr<SqliteJobStore> deliveryStore_;
  ProcessRunner runner_;
  std::unique_ptr<NotificationQueue> deliveries_;
  std::thread delivery_;
  std::mutex deliveryMutex_;
  std::condition_variable deliveryWakeup_;
  bool deliveryWoken_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> storeHealthy_{true};
  // Every failure storeFailed() records, never reset: /metrics shows the retries.
  std::atomic<std::uint64_t> storeWriteFailures_{0};
  // Since when (and how often) the scheduler could not write the store.
  struct StoreFailure {
    MonoMs since = 0;
    int count = 0;
    std::string lastMessage;
    MonoMs lastLoggedAt = 0;
  };
  std::optional<StoreFailure> storeFailure_;  // start(), then the scheduler thread only
  void storeFailed(const StoreError& error);
  void storeRecovered();
  std::mutex tokenMutex_;      // guards config_, token_, tokenStamp_ after start()
  std::string tokenStamp_;     // what the token file looked like when last read
  bool tokenEmptySeen_ = false;  // the token file was empty at the last check
  TokenModeWarner tokenWarner_{processEnvironment()};  // under tokenMutex_ after start()
  std::string jobsDir_;        // fixed for the daemon's life
  std::string databasePath_;   // fixed for the daemon's life
  std::unique_ptr<InstanceLock> instanceLock_;     // STATE/relinkd.lock, for the process's life
  std::unique_ptr<DirectoryClaim> jobsDirClaim_;   // relinkd.jobs.dir, for the process's life
  bool started_ = false;
};

EngineSettings engineSettings(const Config& config);
NotifySettings notifySettings(const Config& config);
// Enough to notice that a file (the token file) was replaced or rewritten;
// empty when it cannot be read.
std::string fileStamp(const std::string& path);

}  // namespace relinkd
