#include "Help.h"

#include <cctype>

#include "relinkd/config/Config.h"

namespace relinkd::ctl {

namespace {

const std::vector<CommandInfo>& commands() {
  static const std::vector<CommandInfo> kCommands = {
      {"list", "list [--json] [--state=S] [--plan=PLAN]", "one line per job, or a JSON array",
       "Shows every job: its state, the attempts made, the time left before its window\n"
       "closes and the last error. Jobs whose window closes within 24 hours and that have\n"
       "not finished get a warning line. When no relinkd runs, says so on standard error\n"
       "(list and show): the states are as it left them.\n"
       "  --json       print a JSON array of job objects instead\n"
       "  --state=S    only jobs in state S (invalid, queued, running, retrying, paused,\n"
       "               succeeded, failed, expired, cancelled)\n"
       "  --plan=PLAN  only the jobs of plan PLAN (PLAN.plan.json)\n"
       "Exit status: 0.",
       {{"json", false}, {"state", true}, {"plan", true}}},
      {"show", "show NAME [--json]", "one job with its attempt history, or a plan",
       "Shows every field of job NAME, its job file's content as accepted, its\n"
       "history (each submission, poll, retry and state change), the remote job's\n"
       "final answer (result) and the job's notifications (relinkd.notify.command).\n"
       "When NAME is a plan, shows the plan: its file, its problem if it is invalid,\n"
       "its sites with their site ids, and a matrix of its jobs' states (row: the\n"
       "site whose links are updated; column: the site they point to).\n"
       "  --json       print one JSON object (the list fields plus \"spec\", \"result\",\n"
       "               \"history\", \"lastNotifiedAt\", \"notificationOwed\", \"notifications\";\n"
       "               for a plan: \"plan\", \"file\", \"problem\", \"sites\", \"matrix\",\n"
       "               \"jobs\" and \"formerJobs\")\n"
       "Exit status: 0, 1 if there is no job or plan NAME.",
       {{"json", false}}},
      {"validate", "validate FILE... [--json]", "checks job and plan files without the daemon",
       "Checks each job file (NAME.json) or plan file (NAME.plan.json) as the daemon\n"
       "would (with the configured relinkd.window) and prints \"FILE: ok\" or one\n"
       "\"FILE: field: problem\" line per problem.\n"
       "  --json       print a JSON array of {\"file\", \"ok\", \"problems\"} instead\n"
       "Exit status: 0 if every file is valid, 1 otherwise.",
       {{"json", false}}},
      {"retry", "retry NAME", "re-arms a failed, paused or retrying job for an attempt now",
       "A failed job gets a fresh attempt count. A job whose window has closed cannot be\n"
       "retried. Works whether the daemon runs or not; a running daemon acts on it within\n"
       "a second.\n"
       "Exit status: 0, 1 if there is no job NAME or it cannot be retried.",
       {}},
      {"cancel", "cancel NAME", "stops a job that has not finished",
       "The job becomes cancelled and no further request is sent for it. A remote job\n"
       "already started cannot be cancelled at Atlassian; it is no longer polled.\n"
       "Exit status: 0, 1 if there is no job NAME or it has already finished.",
       {}},
      {"wait", "wait [NAME|PLAN...] [--timeout=DURATION]",
       "waits until the jobs (all, if none named) are final",
       "Polls the database twice a second until every named job (if none is named,\n"
       "every job whose file is in the job directory) is succeeded, failed, expired,\n"
       "cancelled or invalid. A plan's name stands for all of its jobs. A NAME whose\n"
       "file (NAME.json or NAME.plan.json) is in the job directory but that the daemon\n"
       "has not taken up yet is waited for. On a terminal a\n"
       "progress line is shown on standard error; then a summary is printed.\n"
       "  --timeout=DURATION   give up after DURATION (\"90s\", \"10m\", \"2h\"; a bare\n"
       "                       number is seconds)\n"
       "When no relinkd holds the state directory and some job is not finished, says so\n"
       "and exits 3 at once (within a second, when relinkd dies while it waits).\n"
       "Exit status: 0 if all succeeded, 1 if some ended otherwise or a NAME is unknown,\n"
       "3 if relinkd is not running, 124 if the timeout was reached.",
       {{"timeout", true}}},
      {"status", "status [--json]", "is relinkd running, and does anything need attention",
       "Shows whether relinkd runs (its pid, since when), the jobs per state, the jobs\n"
       "paused for credentials and why, the notifications owed, whether the database\n"
       "can be written, and what needs attention, each with what to do: relinkd not\n"
       "running, jobs paused, failed or invalid, windows closing within 24 hours with\n"
       "jobs unfinished, notifications not delivered, a database that cannot be written.\n"
       "  --json       print {\"running\", \"pid\", \"since\", \"jobs\": {STATE: N}, \"paused\",\n"
       "               \"pausedReason\", \"notificationsOwed\", \"storeWritable\",\n"
       "               \"attention\": [TEXT...]} (\"paused\": the number of paused jobs;\n"
       "               \"pid\" and \"since\" null when relinkd is not running)\n"
       "Exit status: 0 if relinkd runs and nothing needs attention, 1 if something does,\n"
       "3 if relinkd is not running.",
       {{"json", false}}},
  };
  return kCommands;
}

void printCommonOptions(std::ostream& out) {
  out << "Common options:\n"
         "  -c, --config=FILE      configuration file (default "
      << kDefaultConfigPath
      << ")\n"
         "  -D, --define=KEY=VALUE override a configuration key (repeatable)\n"
         "      --help             show help (\"relinkctl help COMMAND\" for one command)\n"
         "      --version          show the version\n";
}

// Beyond each command's own statuses.
void printExitCodes(std::ostream& out) {
  out << "\nEvery command exits 2 for a usage error and 78 for a configuration error (the\n"
         "message names the key). Without --config, a missing "
      << kDefaultConfigPath << "\nmeans the built-in defaults.\n";
}

}  // namespace

const CommandInfo* findCommand(const std::string& name) {
  for (const auto& command : commands()) {
    if (name == command.name) return &command;
  }
  return nullptr;
}

void printUsage(std::ostream& out) {
  out << "Usage: relinkctl [OPTIONS] COMMAND [ARGS]\n"
         "The operator's tool for relinkd: shows and steers link-fixing jobs, whether the\n"
         "daemon runs or not.\n\n"
         "Commands:\n";
  for (const auto& command : commands()) {
    std::string synopsis = command.synopsis;
    synopsis.resize(std::max<std::size_t>(synopsis.size() + 2, 38), ' ');
    out << "  " << synopsis << command.summary << "\n";
  }
  out << "  help [COMMAND]                        this text, or a command's details\n\n";
  printCommonOptions(out);
  printExitCodes(out);
}

void printCommandHelp(std::ostream& out, const CommandInfo& command) {
  std::string summary = command.summary;
  summary[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(summary[0])));
  out << "Usage: relinkctl [OPTIONS] " << command.synopsis << "\n"
      << summary << ".\n\n"
      << command.description << "\n\n";
  printCommonOptions(out);
  printExitCodes(out);
}

}  // namespace relinkd::ctl
