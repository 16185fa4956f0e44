// relinkctl: the operator's command-line tool (interface.md, "relinkctl").
#include <iostream>
#include <map>
#include <set>
#include <vector>

#include "Commands.h"
#include "Help.h"

namespace {

using namespace relinkd;
using namespace relinkd::ctl;

using Command = int (*)(const Invocation&, const Config&);

const std::map<std::string, Command> kCommands = {
    {"list", runList},   {"show", runShow},     {"validate", runValidate},
    {"retry", runRetry}, {"cancel", runCancel}, {"wait", runWait},
    {"status", runStatus}, {"preflight", runPreflight},
    {"diff", runDiff},   {"report", runReport},
};

// Commands that only read: a configuration problem they do not need
// solved is a warning, so that the view is there when relinkd is in
// trouble. Those that write refuse any problem, as relinkd does.
const std::set<std::string> kReadOnly = {"list", "show", "wait", "status", "validate", "diff", "report"};
// What the read-only commands use of the configuration.
const std::vector<std::string> kReadOnlyKeys = {"relinkd.jobs.dir", "relinkd.state.dir", "relinkd.window"};

Config readConfiguration(const Invocation& invocation) {
  if (kReadOnly.count(invocation.command) == 0) {
    return loadConfigFile(invocation.configPath, invocation.defines, processEnvironment(), !invocation.configGiven);
  }
  std::vector<std::string> warnings;
  Config config = loadConfigFileTolerant(invocation.configPath, invocation.defines, processEnvironment(),
                                         !invocation.configGiven, kReadOnlyKeys, warnings);
  for (const std::string& warning : warnings) {
    printError("warning: configuration: " + warning + " (ignored here; relinkd refuses to start with it)");
  }
  return config;
}

int showUsageError(const UsageError& error) {
  printError(error.what());
  if (const CommandInfo* command = findCommand(error.command())) {
    std::cerr << "Usage: relinkctl [OPTIONS] " << command->synopsis << "\n"
              << "Run \"relinkctl help " << command->name << "\" for details.\n";
  } else {
    printUsage(std::cerr);
  }
  return kExitUsage;
}

int run(const std::vector<std::string>& args) {
  const Invocation invocation = parseCommandLine(args);
  if (invocation.version) {
    std::cout << "relinkctl " << RELINKD_VERSION << "\n";
    return kExitOk;
  }
  if (invocation.help) {
    if (const CommandInfo* command = findCommand(invocation.command)) {
      printCommandHelp(std::cout, *command);
    } else {
      printUsage(std::cout);
    }
    return kExitOk;
  }
  if (invocation.command.empty()) throw UsageError("no command given");
  // Without --config, a missing default file means the built-in defaults:
  // `relinkctl validate` works on a workstation without relinkd installed.
  const Config config = readConfiguration(invocation);
  return kCommands.at(invocation.command)(invocation, config);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    return showUsageError(e);
  } catch (const ConfigError& e) {
    for (const ConfigProblem& problem : e.problems()) printError("configuration error: " + problem.text);
    return kExitConfig;
  } catch (const StoreError& e) {
    printError(e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    printError(e.what());
    return kExitFailure;
  }
}
