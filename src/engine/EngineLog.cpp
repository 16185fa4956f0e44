#include "EngineLog.h"

namespace relinkd {
namespace {

Poco::Message::Priority levelFor(JobState state) {
  switch (state) {
    case JobState::kFailed:
    case JobState::kExpired:
      return Poco::Message::PRIO_ERROR;
    case JobState::kInvalid:
    case JobState::kRetrying:
    case JobState::kPaused:
      return Poco::Message::PRIO_WARNING;
    case JobState::kSucceeded:
    case JobState::kCancelled:
      return Poco::Message::PRIO_NOTICE;
    default:
      return Poco::Message::PRIO_INFORMATION;
  }
}

}  // namespace

Poco::Logger& engineLog() { return Poco::Logger::get("relinkd"); }

void logTransition(const Job& job, std::optional<JobState> before,
                   const std::optional<HistoryEntry>& entry) {
  Poco::Logger& log = engineLog();
  // A restart is the operator's own change: worth a line even when the
  // state stays (a queued job restarted is queued again).
  const bool restarted = entry && (entry->action == "file-changed" || entry->action == "plan-changed");
  const bool changed = !before || *before != job.state || restarted;
  // A failure that keeps a job retrying is worth a warning each time.
  const bool failedAgain = job.state == JobState::kRetrying && entry && entry->outcome != "sending";
  const Poco::Message::Priority level =
      changed ? levelFor(job.state) : (failedAgain ? Poco::Message::PRIO_WARNING : Poco::Message::PRIO_DEBUG);
  if (!log.is(level)) return;
  std::string line = "job " + job.name + ": ";
  line += before ? std::string(stateName(*before)) + " -> " + stateName(job.state)
                 : std::string("new, ") + stateName(job.state);
  if (entry && !entry->detail.empty()) line += ": " + entry->detail;
  if (job.state == JobState::kRetrying && job.nextAttemptAt)
    line += "; next attempt at " + formatTime(*job.nextAttemptAt);
  log.log(Poco::Message(log.name(), line, level));
}

}  // namespace relinkd
