#include "Health.h"

#include <vector>

namespace relinkd {

std::string healthProblems(const HealthFacts& facts) {
  std::vector<std::string> causes;
  if (facts.paused) {
    std::string cause = "jobs are paused for credentials, " + std::to_string(facts.pausedJobs) +
                        (facts.pausedJobs == 1 ? " job waits" : " jobs wait");
    // The jobs' reason says what to do already; without one it is said here.
    cause += facts.pausedReason.empty()
                 ? "; put a valid API token in the token file (relinkd.api.tokenFile): relinkd resumes on its own "
                   "when it changes, or on SIGHUP"
                 : ": " + facts.pausedReason;
    causes.push_back(cause);
  }
  if (!facts.storeWritable) {
    causes.push_back("the state database " + facts.databasePath +
                     " cannot be written; nothing new is sent until it can (see the relinkd log)");
  }
  if (facts.schedulerStalled) causes.push_back("the scheduler has stalled; see the relinkd log");
  std::string text;
  for (const std::string& cause : causes) text += (text.empty() ? "" : "; ") + cause;
  return text;
}

}  // namespace relinkd
