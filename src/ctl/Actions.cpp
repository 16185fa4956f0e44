// relinkctl retry and cancel: written straight into the database, so they
// work with the daemon stopped; a running daemon notices within a second.
#include <functional>
#include <iostream>

#include "Commands.h"
#include "relinkd/domain/OperatorActions.h"

namespace relinkd::ctl {

namespace {

// The daemon may save the same job between our read and our write; then
// the compare-and-set fails and the action is decided again on fresh data.
constexpr int kMaxTries = 5;

using Action = std::function<ActionResult(Job&, TimeMs, HistoryEntry&)>;

int applyAction(const Invocation& invocation, const Config& config, const Action& action) {
  const std::string& name = singleName(invocation);
  const auto store = openDatabase(config, false);
  for (int attempt = 0; attempt < kMaxTries; ++attempt) {
    auto job = store->find(name);
    if (!job) {
      printError("no job named \"" + name + "\" in " + config.databasePath());
      return kExitFailure;
    }
    HistoryEntry entry;
    const TimeMs now = SystemClock().wallNow();
    const JobState before = job->state;
    const ActionResult result = action(*job, now, entry);
    if (!result.allowed) {
      printError("cannot " + invocation.command + " " + name + ": " + result.why);
      return kExitFailure;
    }
    // A job that ends here is notified of like one the daemon ends: the
    // notification is owed in the same transaction as the change.
    JobStore::Transaction transaction(*store);
    if (store->save(*job, entry)) {
      if (!config.notifyCommand.empty() && before != job->state && isFinal(job->state)) {
        store->addNotification(owedNotification(name, kEventFinal, job->state, now));
      }
      transaction.commit();
      std::cout << name << ": " << entry.detail << " (state " << stateName(job->state) << ")\n";
      return kExitOk;
    }
  }
  printError("cannot " + invocation.command + " " + name + ": the job kept changing under " +
             "relinkd; try again");
  return kExitFailure;
}

}  // namespace

int runRetry(const Invocation& invocation, const Config& config) {
  return applyAction(invocation, config, applyRetry);
}

int runCancel(const Invocation& invocation, const Config& config) {
  return applyAction(invocation, config, applyCancel);
}

}  // namespace relinkd::ctl
