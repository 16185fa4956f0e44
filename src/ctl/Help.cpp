#include "Help.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "relinkd/config/Config.h"

namespace relinkd::ctl {

namespace {

const std::vector<CommandInfo>& commands() {
  static const std::vector<CommandInfo> kCommands = {
      {"list", "list [--json|--wide] [--state=S] [--plan=P]", "one line per job, or a JSON array",
       "Shows every job: its state, its plan (\"-\" for a job of its own file), the\n"
       "attempts made, the time left before its window closes and the last error, cut\n"
       "to the terminal's width. Jobs whose window closes within 24 hours and that have\n"
       "not finished get a warning line. A job file that relinkd ignores because a plan\n"
       "already derives its name is listed as invalid, saying so. When no relinkd runs,\n"
       "says so on standard error (list and show): the states are as it left them.\n"
       "  --json       print a JSON array of job objects instead\n"
       "  --wide       cut nothing: the whole last error, however wide the terminal\n"
       "  --state=S    only jobs in state S (invalid, queued, running, retrying, paused,\n"
       "               succeeded, failed, expired, cancelled)\n"
       "  --plan=P     only the jobs of plan P (P.plan.json)\n"
       "Exit status: 0.",
       {{"json", false}, {"wide", false}, {"state", true}, {"plan", true}}},
      {"show", "show NAME [--json]", "a job and its history, or a plan",
       "Shows every field of job NAME, its job file's content as accepted, its\n"
       "history (each submission, poll, retry and state change), the remote job's\n"
       "final answer (result) and the job's notifications (relinkd.notify.command).\n"
       "When NAME is a plan, shows the plan: its file, its problem if it is invalid,\n"
       "its sites with their site ids, and a matrix of its jobs' states (row: the\n"
       "site whose links are updated; column: the site they point to). Nothing is cut.\n"
       "A job file NAME.json that relinkd ignores because a plan already derives NAME\n"
       "is shown as an invalid \"ignored file\" with the job of the plan.\n"
       "  --json       print one JSON object (the list fields plus \"spec\", \"result\",\n"
       "               \"history\", \"lastNotifiedAt\", \"notificationOwed\", \"notifications\",\n"
       "               \"ignoredFile\" when there is one;\n"
       "               for a plan: \"plan\", \"file\", \"problem\", \"sites\", \"matrix\",\n"
       "               \"jobs\" and \"formerJobs\")\n"
       "Exit status: 0, 1 if there is no job or plan NAME.",
       {{"json", false}}},
      {"validate", "validate FILE... [--json]", "checks job and plan files",
       "Checks each job file (NAME.json) or plan file (NAME.plan.json) as the daemon\n"
       "would (with the configured relinkd.window) and prints \"FILE: ok\" or one\n"
       "\"FILE: field: problem\" line per problem. A job file whose name a plan already\n"
       "derives (a plan in the job directory or among the FILEs) is a problem: relinkd\n"
       "would ignore it. A database that cannot be read is a warning: the names are\n"
       "then checked against the plan files only.\n"
       "  --json       print a JSON array of {\"file\", \"ok\", \"problems\"} instead\n"
       "Exit status: 0 if every file is valid, 1 otherwise.",
       {{"json", false}}},
      {"diff", "diff FILE [--json]", "what dropping a job or plan file would do",
       "Judges FILE (a job file NAME.json or a plan NAME.plan.json, anywhere; its file\n"
       "name names it) against the jobs in the database, with the code relinkd applies\n"
       "a change with, as if it were dropped into relinkd.jobs.dir as a new file. One\n"
       "line per job: create, restart (with the fields that change; a cancelled job\n"
       "given the same content again is submitted anew), move window (only migratedAt\n"
       "or deadline changed: the request is not sent again), cancel (an unfinished job\n"
       "a plan no longer derives) or unchanged; then a summary. Writes nothing; without\n"
       "a database (relinkd has not run) there are no jobs yet.\n"
       "  --json       print {\"name\", \"kind\", \"create\", \"restart\": [{\"name\", \"fields\"}],\n"
       "               \"moved\", \"cancel\", \"unchanged\", \"problems\"}\n"
       "Exit status: 0, 1 if FILE is invalid (its problems are printed).",
       {{"json", false}}},
      {"report", "report [NAME|PLAN...] [--format=F] [--output=FILE]", "the migration's record, for sign-off",
       "The record of the jobs named (a plan's name stands for all of its jobs, those\n"
       "it no longer derives included), or of every job if none is: per job its pair\n"
       "(FROM -> TO sites, or productURL -> destinationURL), state, attempts, remote\n"
       "job id, when it was first submitted and when it finished, the remote result\n"
       "and the last error; per plan its file, its problem, its window (opened,\n"
       "closes, time left or closed) and its site x site matrix; totals. Reads the\n"
       "database only; when no relinkd runs, says so on standard error.\n"
       "  --format=F     text (the default), csv (RFC 4180, one record per job after\n"
       "                 the header name,plan,productURL,destinationURL,state,\n"
       "                 attempts,remoteJobId,firstSubmittedAt,finishedAt,lastError),\n"
       "                 json ({\"generatedAt\", \"selection\", \"totals\", \"plans\",\n"
       "                 \"jobs\"}) or html (one self-contained file to mail or print);\n"
       "                 without it, --output's extension (.csv, .json, .html, .htm,\n"
       "                 in any case) chooses\n"
       "  --output=FILE  write the report to FILE (atomically: FILE is the old one or\n"
       "                 the whole new one) instead of standard output; a symlink is\n"
       "                 written through (a dangling one is refused), FILE's mode kept\n"
       "Exit status: 0, 1 if a NAME is no job or plan (nothing is written) or FILE\n"
       "cannot be written.",
       {{"format", true}, {"output", true}}},
      {"retry", "retry NAME...|--plan=P [--state=S]", "re-arms failed, paused, retrying jobs",
       "A failed job gets a fresh attempt count; a paused one resumes with the current\n"
       "token. A job whose window has closed cannot be retried. Each job is changed on\n"
       "its own and gets one line: what was done, or why not. Works whether the daemon\n"
       "runs or not; a running daemon acts on it within a second.\n"
       "  --plan=P     the jobs of plan P that may be retried instead of named ones;\n"
       "               one line counts the others, left as they are, and says why\n"
       "  --state=S    with --plan: only its jobs in state S (e.g. failed)\n"
       "Exit status: 0, 1 if a job is unknown or one could not be retried (the others\n"
       "are retried all the same), or the plan has no job.",
       {{"plan", true}, {"state", true}}},
      {"cancel", "cancel NAME...|--plan=P [--state=S]", "stops jobs that have not finished",
       "Each job becomes cancelled and no further request is sent for it. A remote job\n"
       "already started cannot be cancelled at Atlassian; it is no longer polled. Each\n"
       "job is changed on its own and gets one line: what was done, or why not.\n"
       "  --plan=P     the unfinished jobs of plan P instead of named ones; one line\n"
       "               counts the others (already final...), left as they are\n"
       "  --state=S    with --plan: only its jobs in state S (e.g. queued)\n"
       "Exit status: 0, 1 if a named job is unknown or has already finished, or one\n"
       "could not be cancelled (the others are cancelled all the same), or the plan\n"
       "has no job.",
       {{"plan", true}, {"state", true}}},
      {"wait", "wait [NAME|PLAN...] [--timeout=DURATION]",
       "waits until the jobs are final",
       "Polls the database twice a second until every named job (if none is named,\n"
       "every job whose file is in the job directory) is succeeded, failed, expired,\n"
       "cancelled or invalid. A plan's name stands for all of its jobs, also once its\n"
       "file is removed. A job file that relinkd ignores because a plan already\n"
       "derives its name is invalid (exit 1), not the plan's job. A NAME whose file\n"
       "(NAME.json or NAME.plan.json) is in the job directory but that the daemon has\n"
       "not taken up yet is waited for. On a terminal a progress line is shown on\n"
       "standard error; then a summary is printed.\n"
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
       "               \"pid\" and \"since\" null when relinkd is not running; \"pid\"\n"
       "               null too when its pid cannot be seen; \"running\" null when\n"
       "               relinkd.lock cannot be read: run relinkctl as root)\n"
       "Exit status: 0 if relinkd runs and nothing needs attention, 1 if something does\n"
       "or it cannot be told whether relinkd runs, 3 if relinkd is not running.",
       {{"json", false}}},
      {"preflight", "preflight [FILE|NAME|PLAN...] [--json]", "checks the sites before the window burns",
       "Checks every site whose links the jobs and plans update (a job's productURL,\n"
       "every site of a plan): of the FILEs, the NAMEs (NAME.json) and PLANs\n"
       "(PLAN.plan.json) in relinkd.jobs.dir named, or of every file there if none is.\n"
       "Per site: site (its /_edge/tenant_info answers over verified TLS, through\n"
       "relinkd.api.proxy if set, and a siteId/siteIds given agrees), credentials (a\n"
       "status request for a job that does not exist: 401 the token is rejected, 403\n"
       "its account is not an admin of the site), window (the earliest deadline of its\n"
       "jobs: warn under 24 h, fail once closed) and applinks (manual: the sites to\n"
       "authorize from it). Once: clock (the API's Date against this host's clock:\n"
       "warn beyond 5 min, fail beyond 1 h). An invalid file is one fail line. Every\n"
       "warn and fail line says what to do. At most relinkd.api.concurrency requests\n"
       "at once, each within relinkd.api.timeout. Sends no job, writes nothing, works\n"
       "whether relinkd runs or not.\n"
       "  --json       print a JSON array of {\"site\", \"check\", \"result\", \"detail\"}\n"
       "               (result: ok, warn, fail or manual; site empty for clock)\n"
       "Exit status: 0 if every check passed or warned, 1 if some failed.",
       {{"json", false}}},
  };
  return kCommands;
}

void printCommonOptions(std::ostream& out) {
  out << "Common options:\n"
         "  -c, --config=FILE       configuration file (default "
      << kDefaultConfigPath
      << ")\n"
         "  -D, --define=KEY=VALUE  override a configuration key (repeatable)\n"
         "      --help              show help (\"relinkctl help COMMAND\" for one command)\n"
         "      --version           show the version\n";
}

// Beyond each command's own statuses.
void printExitCodes(std::ostream& out) {
  out << "\nEvery command exits 2 for a usage error and 78 for a configuration error (the\n"
         "message names the key); list, show, wait, status, validate, diff and report\n"
         "only warn about a key they do not use; preflight checks the whole file, as\n"
         "relinkd does.\n"
         "Without --config, a missing "
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
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& command : commands()) rows.emplace_back(command.synopsis, command.summary);
  rows.emplace_back("help [COMMAND]", "this text, or a command's details");
  std::size_t width = 0;  // the summaries start in one column, after the widest synopsis
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (auto& [synopsis, summary] : rows) {
    synopsis.resize(width + 2, ' ');
    out << "  " << synopsis << summary << "\n";
  }
  out << "\n";
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
