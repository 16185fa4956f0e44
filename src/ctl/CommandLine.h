// relinkctl's command line: the common options of interface.md (--config,
// -c, --define, -D, --help, --version), a command, its arguments and its own
// options, which may appear in any order. What each command accepts is in
// the command table (Help.h); anything else is a UsageError (exit 2).
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace relinkd::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitNotRunning = 3;  // status, wait: no relinkd holds the state directory
inline constexpr int kExitConfig = 78;   // EX_CONFIG
inline constexpr int kExitTimeout = 124;  // as timeout(1)

class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, std::string command = "")
      : std::runtime_error(message), command_(std::move(command)) {}
  // The command whose usage to show; empty for the general usage.
  const std::string& command() const { return command_; }

 private:
  std::string command_;
};

struct Invocation {
  std::string command;             // empty when none was given
  std::vector<std::string> args;   // the command's arguments
  std::string configPath;
  bool configGiven = false;        // --config/-c was on the command line
  std::vector<std::string> defines;       // "KEY=VALUE", in order
  std::map<std::string, std::string> options;  // command options: "json" -> "", "state" -> "failed"
  bool help = false;
  bool version = false;

  bool has(const std::string& option) const { return options.count(option) != 0; }
};

// Parses argv (without argv[0]). "help CMD" is returned as command CMD with
// help set. Throws UsageError for an unknown command or option, or an
// option without its value.
Invocation parseCommandLine(const std::vector<std::string>& argv);

}  // namespace relinkd::ctl
