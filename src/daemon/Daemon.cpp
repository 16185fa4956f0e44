#include "Daemon.h"

#include <Poco/File.h>
#include <Poco/Logger.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <random>

#include "relinkd/PocoTransport.h"
#include "relinkd/Threads.h"
#include "StatusServer.h"

namespace relinkd {
namespace {

Poco::Logger& log() { return Poco::Logger::get("relinkd"); }

constexpr std::int64_t kTokenCheckMs = 1000;
constexpr std::int64_t kHealthyStepMs = 30000;
constexpr std::int64_t kStoreProbeMs = 10000;
constexpr std::int64_t kStoreErrorLogMs = 60000;
constexpr std::int64_t kDeliveryLookMs = 2000;
constexpr int kDeliveryBusyMs = 5000;

TransportOptions transportOptions(const Config& config) {
  TransportOptions options;
  options.caFile = config.caFile;
  options.timeoutMs = config.timeoutMs;
  options.proxy = config.proxy;
  options.userAgent = std::string("relinkd/") + RELINKD_VERSION;
  return options;
}

// Enough to notice that the token file was replaced or rewritten.
std::string fileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

}  // namespace

EngineSettings engineSettings(const Config& config) {
  EngineSettings settings;
  settings.baseUrl = config.baseUrl;
  settings.windowMs = config.windowMs;
  settings.pollIntervalMs = config.pollIntervalMs;
  settings.concurrency = config.concurrency;
  settings.retry.initialDelayMs = config.initialDelayMs;
  settings.retry.maxDelayMs = config.maxDelayMs;
  settings.retry.multiplier = config.multiplier;
  settings.retry.maxAttempts = config.maxAttempts;
  settings.retry.lastCallMs = config.timeoutMs;
  settings.notify = !config.notifyCommand.empty();
  return settings;
}

NotifySettings notifySettings(const Config& config) {
  NotifySettings settings;
  settings.command = config.notifyCommand;
  settings.timeoutMs = config.notifyTimeoutMs;
  return settings;
}

Daemon::Daemon(Config config, std::string token)
    : config_(std::move(config)),
      token_(std::move(token)),
      random_(std::random_device{}()),
      notifier_(clock_),
      runner_(clock_) {
  // Fixed for the daemon's life (reload keeps them): safe to read anywhere.
  jobsDir_ = config_.jobsDir;
  databasePath_ = config_.databasePath();
}

Daemon::~Daemon() {
  stop();
  if (lockFd_ >= 0) ::close(lockFd_);
}

// One daemon per state directory: a second one would submit every job
// again. The lock lives as long as the process (the kernel drops it on
// exit, even after kill -9).
void Daemon::lockStateDir() {
  const std::string path = config_.stateDir + "/relinkd.lock";
  lockFd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lockFd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  if (::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) {
    throw std::runtime_error("another relinkd is already running with the state directory " +
                             config_.stateDir + " (it holds " + path + "); stop it first");
  }
}

namespace {

// SIGTERM or SIGINT arrived (they stay pending: the main thread blocks them
// and sigwait()s for them once the daemon runs).
bool stopSignalPending() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

}  // namespace

bool Daemon::start() {
  Poco::File(config_.stateDir).createDirectories();
  lockStateDir();
  store_ = std::make_unique<SqliteJobStore>(config_.databasePath());
  source_ = std::make_unique<JobDirectory>(config_.jobsDir, clock_);
  tokenStamp_ = fileStamp(config_.tokenFile);
  pool_ = std::make_unique<RequestPool>([this](Completion done) { engine_->complete(std::move(done)); },
                                        clock_, makePocoTransport(transportOptions(config_)), metrics_,
                                        config_.concurrency);
  engine_ = std::make_unique<Engine>(engineSettings(config_), *store_, *source_, clock_, *pool_, random_,
                                     Credentials{config_.email, token_});
  // Watch first, then scan: a file written in between is seen twice, never missed.
  watcher_ = std::make_unique<DirectoryWatcher>(
      config_.jobsDir, [this](const std::string& name) { engine_->fileChanged(name); },
      [this] { engine_->rescan(); });
  bool scanned = true;
  try {
    scanned = engine_->start(stopSignalPending);
  } catch (const StoreError& error) {
    // Full, read-only or locked: the scheduler loop tries again every
    // second, and nothing is sent before it succeeds. Damage is not waited out.
    if (error.cause() == StoreError::Cause::kCorrupt) throw;
    storeHealthy_ = false;
    storeFailed(error);
  }
  if (!scanned) {
    log().notice("asked to stop during the first scan of " + config_.jobsDir +
                 "; what was scanned is stored, and the next start goes on from there");
    return false;
  }
  if (!config_.notifyCommand.empty()) {
    deliveryStore_ = std::make_unique<SqliteJobStore>(config_.databasePath());
    deliveryStore_->setBusyTimeout(kDeliveryBusyMs);
    deliveries_ = std::make_unique<NotificationQueue>(*deliveryStore_, clock_, runner_, notifySettings(config_));
    delivery_ = startQuietThread([this] { deliveryLoop(); });
  }
  if (!config_.httpListen.empty()) {
    StatusSources sources;
    sources.jobs = [this] { return engine_->jobs(); };
    sources.paused = [this] { return engine_->paused(); };
    sources.healthy = [this] {
      return storeHealthy_ && clock_.monoNow() - engine_->lastStepAt() < kHealthyStepMs;
    };
    sources.metrics = &metrics_;
    sources.clock = &clock_;
    if (!config_.notifyCommand.empty()) sources.notifications = [this] { return deliveries_->summaries(); };
    statusServer_ = std::make_unique<StatusServer>(config_.httpListen, sources);
  }
  scheduler_ = startQuietThread([this] { schedulerLoop(); });
  notifyStatus();
  started_ = true;
  notifier_.notify("READY=1");
  log().notice("relinkd " RELINKD_VERSION " started: watching " + config_.jobsDir + ", state in " +
               config_.databasePath() + ", API at " + config_.baseUrl);
  return true;
}

// The first failure is logged at once; the same failure again at most once a
// minute (a disk that stays full for an hour is not 3,600 lines).
void Daemon::storeFailed(const StoreError& error) {
  const MonoMs now = clock_.monoNow();
  const std::string what = error.what();
  if (!storeFailure_) storeFailure_ = StoreFailure{now, 0, "", 0};
  StoreFailure& failure = *storeFailure_;
  ++failure.count;
  if (what == failure.lastMessage && now < failure.lastLoggedAt + kStoreErrorLogMs) return;
  log().error("cannot update the state database " + databasePath_ + ": " + what +
              "; nothing is lost, and relinkd tries again every second" +
              (failure.count > 1 ? " (" + std::to_string(failure.count) + " failures so far)" : ""));
  failure.lastMessage = what;
  failure.lastLoggedAt = now;
}

void Daemon::storeRecovered() {
  if (!storeFailure_) return;
  const std::int64_t seconds = (clock_.monoNow() - storeFailure_->since) / 1000;
  log().notice("the state database " + databasePath_ + " can be written again after " + std::to_string(seconds) +
               " s and " + std::to_string(storeFailure_->count) + " failed attempts; nothing was lost");
  storeFailure_.reset();
}

void Daemon::schedulerLoop() {
  const std::int64_t watchdogMs = notifier_.watchdogIntervalMs();
  MonoMs nextWatchdog = 0;
  MonoMs nextTokenCheck = clock_.monoNow() + kTokenCheckMs;
  MonoMs nextStoreProbe = 0;
  while (!stopping_) {
    MonoMs next = clock_.monoNow() + kTokenCheckMs;
    try {
      next = engine_->step();
      if (engine_->takeNotificationsOwed()) wakeDeliveries();
      if (clock_.monoNow() >= nextStoreProbe || storeFailure_) {
        storeHealthy_ = store_->writable();
        nextStoreProbe = clock_.monoNow() + kStoreProbeMs;
      }
      if (storeHealthy_) storeRecovered();
    } catch (const StoreError& error) {
      // Nothing is lost: every change is one transaction. Try again shortly.
      storeHealthy_ = false;
      storeFailed(error);
    } catch (const std::exception& error) {
      log().error(std::string("the scheduler step failed: ") + error.what() + "; retrying in a second");
    }
    const MonoMs now = clock_.monoNow();
    if (watchdogMs > 0 && now >= nextWatchdog) {
      notifier_.watchdog();  // only while this loop turns; never waits
      nextWatchdog = now + watchdogMs;
    }
    if (now >= nextTokenCheck) {
      watchToken();
      nextTokenCheck = now + kTokenCheckMs;
    }
    notifyStatus();
    next = std::min(next, nextTokenCheck);
    if (watchdogMs > 0) next = std::min(next, nextWatchdog);
    if (auto due = notifier_.statusDueAt()) next = std::min(next, *due);
    engine_->waitForWork(next);
  }
}

void Daemon::wakeDeliveries() {
  if (!deliveries_) return;
  {
    std::lock_guard<std::mutex> lock(deliveryMutex_);
    deliveryWoken_ = true;
  }
  deliveryWakeup_.notify_one();
}

// Runs the notification command for what is owed, on a thread of its own:
// a slow or hanging command never holds up the scheduler. Woken when a
// step records a notification; also looks every few seconds (relinkctl's
// cancel records them too, from another process).
void Daemon::deliveryLoop() {
  while (!stopping_) {
    std::optional<TimeMs> next;
    try {
      next = deliveries_->deliverDue([this] { return stopping_.load(); });
    } catch (const StoreError& error) {
      log().error(std::string("notifications: cannot use the state database ") + databasePath_ + ": " +
                  error.what() + "; retrying in a few seconds");
    } catch (const std::exception& error) {
      log().error(std::string("notifications: ") + error.what() + "; retrying in a few seconds");
    }
    std::int64_t waitMs = kDeliveryLookMs;
    if (next) waitMs = std::clamp<std::int64_t>(*next - clock_.wallNow(), 0, kDeliveryLookMs);
    std::unique_lock<std::mutex> lock(deliveryMutex_);
    deliveryWakeup_.wait_for(lock, std::chrono::milliseconds(waitMs), [this] { return deliveryWoken_ || stopping_; });
    deliveryWoken_ = false;
  }
}

// A changed token file resumes paused jobs without a SIGHUP. Runs on the
// scheduler thread; reload() on the main thread changes the same members,
// so both hold tokenMutex_.
// A token file that is removed or holds no usable token pauses every job
// (nothing is sent without credentials) until it holds a token again.
void Daemon::watchToken() {
  std::lock_guard<std::mutex> lock(tokenMutex_);
  std::string stamp = fileStamp(config_.tokenFile);
  if (stamp == tokenStamp_) return;
  tokenStamp_ = stamp;
  try {
    std::string token = readToken(config_.tokenFile);
    tokenEmptySeen_ = false;
    if (token == token_) return;
    token_ = token;
    log().notice("the token file " + config_.tokenFile + " changed; using the new token");
    engine_->credentialsChanged(Credentials{config_.email, token_, ""});
  } catch (const ConfigError& error) {
    // Gone or empty (twice in a row: not a rewrite caught half-way) means no
    // token; any other trouble keeps the one in use, with a warning.
    struct stat st {};
    const bool gone = ::stat(config_.tokenFile.c_str(), &st) != 0 && errno == ENOENT;
    const bool empty = !gone && st.st_size <= 2;
    if (!gone && !empty) {
      log().warning(std::string("the token file changed but cannot be used: ") + error.what() +
                    "; relinkd keeps using the token it has");
      return;
    }
    if (!gone && !tokenEmptySeen_) {
      tokenEmptySeen_ = true;
      tokenStamp_.clear();  // look again at the next check
      return;
    }
    tokenEmptySeen_ = false;
    if (token_.empty()) return;  // said already
    token_.clear();
    engine_->credentialsChanged(Credentials{config_.email, "", error.what()});
  }
}

// Never waits: the notifier sends at most one STATUS= a second and drops
// nothing but lines that a newer one replaced.
void Daemon::notifyStatus() { notifier_.status(statusLine(engine_->counts(), engine_->paused())); }

void Daemon::reload(Config config, std::string token) {
  notifier_.notify("RELOADING=1");
  for (const auto& [key, before, after] :
       {std::tuple{"relinkd.jobs.dir", config_.jobsDir, config.jobsDir},
        std::tuple{"relinkd.state.dir", config_.stateDir, config.stateDir},
        std::tuple{"relinkd.http.listen", config_.httpListen, config.httpListen}}) {
    if (before != after) log().warning(std::string(key) + " changed; it takes effect when relinkd restarts");
  }
  config.jobsDir = config_.jobsDir;
  config.stateDir = config_.stateDir;
  config.httpListen = config_.httpListen;
  try {
    pool_->setTransport(makePocoTransport(transportOptions(config)));
  } catch (const std::exception& error) {
    log().error(std::string("reload: relinkd.api.caFile: ") + error.what() + "; keeping the previous TLS settings");
  }
  pool_->ensureThreads(config.concurrency);
  {
    std::lock_guard<std::mutex> lock(tokenMutex_);
    config_ = std::move(config);
    token_ = std::move(token);
    tokenStamp_ = fileStamp(config_.tokenFile);
    EngineSettings settings = engineSettings(config_);
    settings.notify = deliveries_ != nullptr;  // as the delivery thread is, until a restart
    engine_->reload(settings, Credentials{config_.email, token_});
  }
  if ((deliveries_ != nullptr) != !config_.notifyCommand.empty())
    log().warning("relinkd.notify.command was switched on or off; that takes effect when relinkd restarts");
  else if (deliveries_) deliveries_->setSettings(notifySettings(config_));
  log().notice("configuration reloaded; rescanning " + jobsDir_);
  notifier_.notify("READY=1");
}

void Daemon::stop() {
  if (!engine_ || stopping_.exchange(true)) return;
  // First, whatever the rest takes: a notification command running now has
  // until ProcessRunner::kStopGraceMs from here to end by itself (a webhook
  // that posted is then recorded as sent); one still running is killed and
  // its notification stays owed.
  runner_.abort();
  notifier_.notify("STOPPING=1");
  if (started_) log().notice("stopping; requests in flight are resumed at the next start");
  engine_->wake();
  wakeDeliveries();
  if (scheduler_.joinable()) scheduler_.join();
  statusServer_.reset();
  watcher_.reset();
  pool_->stop();
  // Last, so that the command's grace overlaps the rest of the stop.
  if (delivery_.joinable()) delivery_.join();
}

}  // namespace relinkd
