// relinkctl retry and cancel: written straight into the database, so they
// work with the daemon stopped; a running daemon notices within a second.
// Several jobs (NAME... or --plan=P [--state=S]) are changed one by one,
// each in its own transaction: one that may not be changed leaves the
// others alone. With --plan only the jobs the action allows are selected.
#include <algorithm>
#include <functional>
#include <iostream>
#include <map>

#include "Commands.h"
#include "Plans.h"
#include "relinkd/domain/Notification.h"
#include "relinkd/domain/OperatorActions.h"
#include "relinkd/domain/PlanActions.h"

namespace relinkd::ctl {

namespace {

// The daemon may save the same job between our read and our write; then
// the compare-and-set fails and the action is decided again on fresh data.
constexpr int kMaxTries = 5;

using Action = std::function<ActionResult(Job&, TimeMs, HistoryEntry&)>;

// The notification job, just made final, owes (plan-final when it was the
// last unfinished job of a summarised plan), decided on the store inside
// the caller's transaction like the daemon's.
void oweFinal(const Job& job, SqliteJobStore& store, const Config& config, TimeMs now) {
  const bool summaries = config.notifyPlanSummaries;
  const std::map<std::string, JobState> states =
      announcedWithPlan(job, summaries) ? store.planStates(job.plan) : std::map<std::string, JobState>{};
  if (std::optional<Notification> owed = owedAtFinal(job, summaries, states, now)) store.addNotification(*owed);
}

// Applies the action to the job name; prints one line saying what was done
// (standard output) or why not (standard error). False when not done.
bool applyTo(const std::string& name, const std::string& command, SqliteJobStore& store, const Config& config,
             const Action& action) {
  for (int attempt = 0; attempt < kMaxTries; ++attempt) {
    auto job = store.find(name);
    if (!job) {
      const bool plan = !jobsOfPlan(store.all(), name).empty();
      printError("no job named \"" + name + "\" in " + config.databasePath() +
                 (plan ? " (" + name + " is a plan: relinkctl " + command + " --plan=" + name + ")" : ""));
      return false;
    }
    HistoryEntry entry;
    const TimeMs now = SystemClock().wallNow();
    const JobState before = job->state;
    const ActionResult result = action(*job, now, entry);
    if (!result.allowed) {
      printError("cannot " + command + " " + name + ": " + result.why);
      return false;
    }
    // A job that ends here is notified of like one the daemon ends (one
    // rule, owedAtFinal): owed in the same transaction as the change, which
    // the daemon only picks up and never announces again.
    JobStore::Transaction transaction(store);
    if (store.save(*job, entry)) {
      if (!config.notifyCommand.empty() && before != job->state && isFinal(job->state)) oweFinal(*job, store, config, now);
      transaction.commit();
      std::cout << name << ": " << entry.detail << " (state " << stateName(job->state) << ")\n";
      return true;
    }
  }
  printError("cannot " + command + " " + name + ": the job kept changing under relinkd; try again");
  return false;
}

// The names given, without repeats; or with --plan the plan's jobs (in
// state S with --state) that the action allows, the others counted in
// leftAlone (PlanActions.h; said once the jobs are done); nullopt (said on
// standard error) for a plan without jobs.
std::optional<std::vector<std::string>> selectedNames(const Invocation& invocation, SqliteJobStore& store, const Config& config,
                                                      std::string& leftAlone) {
  const std::optional<JobState> state = stateOption(invocation);
  if (!invocation.has("plan")) {
    if (state) throw UsageError("--state goes with --plan", invocation.command);
    if (invocation.args.empty()) throw UsageError(invocation.command + " needs a job NAME or --plan=PLAN", invocation.command);
    std::vector<std::string> names;
    for (const std::string& name : invocation.args)
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    return names;
  }
  if (!invocation.args.empty()) throw UsageError("give job NAMEs or --plan, not both", invocation.command);
  const std::string& plan = invocation.options.at("plan");
  const std::vector<Job> jobs = jobsOfPlan(store.all(), plan);
  if (jobs.empty()) {
    printError("no plan named \"" + plan + "\" in " + config.databasePath());
    return std::nullopt;
  }
  const PlanAction action = invocation.command == "cancel" ? PlanAction::kCancel : PlanAction::kRetry;
  const PlanPick pick = pickPlanJobs(action, plan, jobs, state, SystemClock().wallNow());
  leftAlone = pick.leftAlone;
  if (pick.names.empty() && leftAlone.empty()) leftAlone = "no jobs in state " + std::string(stateName(*state)) + " of plan " + plan;
  return pick.names;
}

int applyAction(const Invocation& invocation, const Config& config, const Action& action) {
  const auto store = openDatabase(config, false);
  std::string leftAlone;
  const auto selected = selectedNames(invocation, *store, config, leftAlone);
  if (!selected) return kExitFailure;
  const std::vector<std::string>& names = *selected;
  bool allDone = true;
  for (const std::string& name : names) allDone = applyTo(name, invocation.command, *store, config, action) && allDone;
  if (!leftAlone.empty()) std::cout << leftAlone << "\n";
  return allDone ? kExitOk : kExitFailure;
}

}  // namespace

int runRetry(const Invocation& invocation, const Config& config) {
  return applyAction(invocation, config, applyRetry);
}

int runCancel(const Invocation& invocation, const Config& config) {
  return applyAction(invocation, config, applyCancel);
}

}  // namespace relinkd::ctl
