// relinkctl: the operator's command-line tool (interface.md, "relinkctl").
#include <iostream>
#include <map>

#include "Commands.h"
#include "Help.h"

namespace {

using namespace relinkd;
using namespace relinkd::ctl;

using Command = int (*)(const Invocation&, const Config&);

const std::map<std::string, Command> kCommands = {
    {"list", runList},   {"show", runShow},     {"validate", runValidate},
    {"retry", runRetry}, {"cancel", runCancel}, {"wait", runWait},
    {"status", runStatus},
};

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
  const Config config = loadConfigFile(invocation.configPath, invocation.defines,
                                       processEnvironment(), !invocation.configGiven);
  return kCommands.at(invocation.command)(invocation, config);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& e) {
    return showUsageError(e);
  } catch (const ConfigError& e) {
    printError(std::string("configuration error: ") + e.what());
    return kExitConfig;
  } catch (const StoreError& e) {
    printError(e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    printError(e.what());
    return kExitFailure;
  }
}
