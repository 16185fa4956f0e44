// The daemon's threads once it runs: the scheduler loop (steps, the
// watchdog, the token file, the store's health) and the delivery loop of
// notifications. The wiring, reload and stop are in Daemon.cpp.
#include <Poco/Logger.h>

#include <algorithm>

#include "Daemon.h"

namespace relinkd {
namespace {

Poco::Logger& log() { return Poco::Logger::get("relinkd"); }

constexpr std::int64_t kTokenCheckMs = 1000;
constexpr std::int64_t kStoreProbeMs = 10000;
constexpr std::int64_t kStoreErrorLogMs = 60000;
constexpr std::int64_t kDeliveryLookMs = 2000;

}  // namespace

// The first failure is logged at once; the same failure again at most once a
// minute (a disk that stays full for an hour is not 3,600 lines).
void Daemon::storeFailed(const StoreError& error) {
  const MonoMs now = clock_.monoNow();
  const std::string what = error.what();
  ++storeWriteFailures_;
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
        setStoreHealthy(store_->writable());
        nextStoreProbe = clock_.monoNow() + kStoreProbeMs;
      }
      if (storeHealthy_) storeRecovered();
    } catch (const StoreError& error) {
      // Nothing is lost: every change is one transaction. Try again shortly.
      setStoreHealthy(false);
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
  warnOfTokenMode();
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

// Each time the token is read (start, SIGHUP, a changed file): an operator
// who made the file readable to others hears of it without a restart, but
// not at every read. Caller holds tokenMutex_ (or the threads are not up).
void Daemon::warnOfTokenMode() {
  if (const auto warning = tokenWarner_.check(config_.tokenFile)) log().warning(*warning);
}

// Never waits: the notifier sends at most one STATUS= a second and drops
// nothing but lines that a newer one replaced.
void Daemon::notifyStatus() { notifier_.status(statusLine(engine_->counts(), engine_->paused())); }

}  // namespace relinkd
