// The commands of relinkctl and their help texts, in one table, so that
// the parser, `relinkctl help CMD` and `relinkctl CMD --help` agree.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace relinkd::ctl {

struct OptionInfo {
  const char* name;   // without "--"
  bool takesValue;
};

struct CommandInfo {
  const char* name;
  const char* synopsis;     // "show NAME [--json]"
  const char* summary;      // one line
  const char* description;  // the rest of `relinkctl help CMD`
  std::vector<OptionInfo> options;
};

// nullptr for an unknown command.
const CommandInfo* findCommand(const std::string& name);

void printUsage(std::ostream& out);  // general help: commands and common options
void printCommandHelp(std::ostream& out, const CommandInfo& command);

}  // namespace relinkd::ctl
