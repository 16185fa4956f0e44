#include "Daemon.h"

#include <Poco/File.h>
#include <Poco/Logger.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <random>

#include "relinkd/io/JobFile.h"
#include "relinkd/net/PocoTransport.h"
#include "relinkd/domain/Status.h"
#include "relinkd/domain/Threads.h"
#include "relinkd/io/InstanceLock.h"
#include "Health.h"
#include "PlanReport.h"
#include "StatusServer.h"

namespace relinkd {
namespace {

Poco::Logger& log() { return Poco::Logger::get("relinkd"); }

constexpr std::int64_t kHealthyStepMs = 30000;  // /healthz: a scheduler step at least this recent
constexpr int kDeliveryBusyMs = 5000;

TransportOptions transportOptions(const Config& config) {
  TransportOptions options;
  options.caFile = config.caFile;
  options.timeoutMs = config.timeoutMs;
  options.proxy = config.proxy;
  options.userAgent = std::string("relinkd/") + RELINKD_VERSION;
  return options;
}

}  // namespace

std::string fileStamp(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

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
  settings.planSummaries = config.notifyPlanSummaries;
  return settings;
}

NotifySettings notifySettings(const Config& config) {
  NotifySettings settings;
  settings.command = config.notifyCommand;
  settings.timeoutMs = config.notifyTimeoutMs;
  // A plan's sites in its file's order, as relinkctl show PLAN lists them.
  settings.planSiteOrder = [windowMs = config.windowMs](const std::string& plan, const std::string& file) {
    return planSiteOrder(plan, file, windowMs, SystemClock().wallNow());
  };
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

Daemon::~Daemon() { stop(); }

// One daemon per state directory: a second one would submit every job
// again. The lock lives as long as the process (the kernel drops it on
// exit, even after kill -9); relinkctl tests it to tell whether relinkd runs.
void Daemon::lockStateDir() {
  const std::string path = instanceLockPath(config_.stateDir);
  try {
    instanceLock_ = std::make_unique<InstanceLock>(path, InstanceRecord{::getpid(), clock_.wallNow(), true});
  } catch (const InstanceBusy& busy) {
    throw std::runtime_error("another relinkd is already running with the state directory " + config_.stateDir +
                             " (" + (busy.pid() > 0 ? "process " + std::to_string(busy.pid()) : std::string("another process")) +
                             " holds " + path + "); stop it first");
  }
}

// One daemon per job directory too, whatever its state directory: a
// second one would submit every job again, succeeded ones included.
// Before anything is read or sent. A directory that is not there yet
// cannot be claimed; the scan reports it and the daemon goes on.
void Daemon::claimJobsDir() {
  jobsDirClaim_ = std::make_unique<DirectoryClaim>(config_.jobsDir);
  switch (jobsDirClaim_->result()) {
    case DirectoryClaim::Result::kClaimed:
      return;
    case DirectoryClaim::Result::kBusy:
      throw std::runtime_error("another relinkd is already watching the job directory " + config_.jobsDir +
                               " (relinkd.jobs.dir); two would submit every job twice: stop it, or give this "
                               "one a job directory of its own");
    case DirectoryClaim::Result::kCannotOpen:
      log().warning("cannot open the job directory " + config_.jobsDir + " (" + jobsDirClaim_->problem() +
                    "): relinkd cannot make sure that no other relinkd watches it");
      return;
  }
}

// The scheduler thread (start() before it runs): the lock's record says
// whether the database can be written, for relinkctl status.
void Daemon::setStoreHealthy(bool healthy) {
  storeHealthy_ = healthy;
  if (instanceLock_ && !instanceLock_->setStoreWritable(healthy))
    log().debug("cannot update " + instanceLockPath(config_.stateDir) + ": " + std::strerror(errno));
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
  claimJobsDir();
  makeEngine();
  // Watch first, then scan: a file written in between is seen twice, never missed.
  watcher_ = std::make_unique<DirectoryWatcher>(
      config_.jobsDir, [this](const std::string& name) { engine_->fileChanged(name); },
      [this] { engine_->rescan(); });
  if (!startEngine()) {
    log().notice("asked to stop during the first scan of " + config_.jobsDir +
                 "; what was scanned is stored, and the next start goes on from there");
    return false;
  }
  if (!config_.notifyCommand.empty()) startDeliveries();
  if (!config_.httpListen.empty()) startStatusServer();
  scheduler_ = startQuietThread([this] { schedulerLoop(); });
  notifyStatus();
  started_ = true;
  notifier_.notify("READY=1");
  log().notice("relinkd " RELINKD_VERSION " started: watching " + config_.jobsDir + ", state in " +
               config_.databasePath() + ", API at " + config_.baseUrl);
  return true;
}

void Daemon::makeEngine() {
  store_ = std::make_unique<SqliteJobStore>(config_.databasePath());
  source_ = std::make_unique<JobDirectory>(config_.jobsDir, clock_);
  tokenStamp_ = fileStamp(config_.tokenFile);
  warnOfTokenMode();
  pool_ = std::make_unique<RequestPool>([this](Completion done) { engine_->complete(std::move(done)); },
                                        clock_, makePocoTransport(transportOptions(config_)), metrics_,
                                        config_.concurrency);
  engine_ = std::make_unique<Engine>(engineSettings(config_), *store_, *source_, clock_, *pool_, random_,
                                     Credentials{config_.email, token_});
}

// False when a stop signal came during the first scan.
bool Daemon::startEngine() {
  try {
    return engine_->start(stopSignalPending);
  } catch (const StoreError& error) {
    // Full, read-only or locked: the scheduler loop tries again every
    // second, and nothing is sent before it succeeds. Damage is not waited out.
    if (error.cause() == StoreError::Cause::kCorrupt) throw;
    setStoreHealthy(false);
    storeFailed(error);
    return true;
  }
}

void Daemon::startDeliveries() {
  deliveryStore_ = std::make_unique<SqliteJobStore>(config_.databasePath());
  deliveryStore_->setBusyTimeout(kDeliveryBusyMs);
  deliveries_ = std::make_unique<NotificationQueue>(*deliveryStore_, clock_, runner_, notifySettings(config_));
  delivery_ = startQuietThread([this] { deliveryLoop(); });
}

// What the store owes, for /metrics as for relinkctl status. With
// relinkd.notify.command off nothing records or sends one until a restart,
// so the count read now (before the scheduler thread runs) stays true.
std::function<int()> Daemon::owedNotificationsSource() {
  if (deliveries_) return [this] { return owedCount(deliveries_->summaries()); };
  const int owed = owedCount(store_->notificationSummaries());
  return [owed] { return owed; };
}

void Daemon::startStatusServer() {
  StatusSources sources;
  sources.jobs = [this] { return engine_->jobs(); };
  sources.paused = [this] { return engine_->paused(); };
  sources.health = [this] { return healthProblems(); };
  sources.storeWritable = [this] { return storeHealthy_.load(); };
  sources.storeWriteFailures = [this] { return storeWriteFailures_.load(); };
  sources.metrics = &metrics_;
  sources.clock = &clock_;
  if (deliveries_) sources.notifications = [this] { return deliveries_->summaries(); };
  sources.notificationsOwed = owedNotificationsSource();
  sources.planReport = [this](const std::string& plan) {
    std::int64_t windowMs = 0;
    {
      std::lock_guard<std::mutex> lock(tokenMutex_);  // reload() replaces config_
      windowMs = config_.windowMs;
    }
    return planReportHtml(databasePath_, plan, windowMs, clock_.wallNow());
  };
  statusServer_ = std::make_unique<StatusServer>(config_.httpListen, sources);
}

// The HTTP server's threads: the engine's views are thread-safe, and the
// paused jobs are listed only while there is a pause.
std::string Daemon::healthProblems() const {
  HealthFacts facts;
  facts.schedulerStalled = clock_.monoNow() - engine_->lastStepAt() >= kHealthyStepMs;
  facts.storeWritable = storeHealthy_;
  facts.paused = engine_->paused();
  facts.databasePath = databasePath_;
  if (facts.paused) {
    const JobList jobs = engine_->jobs();
    for (const auto& job : jobs) facts.pausedJobs += job->state == JobState::kPaused;
    facts.pausedReason = pausedReason(jobs);
  }
  return relinkd::healthProblems(facts);
}

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
    warnOfTokenMode();
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
