#include "CommandLine.h"

#include <optional>

#include "Help.h"
#include "relinkd/config/Config.h"

namespace relinkd::ctl {

namespace {

struct RawOption {
  std::string name;
  std::optional<std::string> value;
};

class Parser {
 public:
  explicit Parser(const std::vector<std::string>& argv) : argv_(argv) {
    invocation_.configPath = kDefaultConfigPath;
  }

  Invocation parse() {
    bool optionsEnded = false;
    for (pos_ = 0; pos_ < argv_.size(); ++pos_) {
      const std::string& arg = argv_[pos_];
      if (optionsEnded || arg.size() < 2 || arg[0] != '-') {
        positional(arg);
      } else if (arg == "--") {
        optionsEnded = true;
      } else if (arg.compare(0, 2, "--") == 0) {
        longOption(arg.substr(2));
      } else {
        shortOption(arg);
      }
    }
    finish();
    return invocation_;
  }

 private:
  void positional(const std::string& arg) {
    if (!invocation_.command.empty()) {
      invocation_.args.push_back(arg);
    } else if (arg == "help" && !sawHelpWord_) {  // "help [COMMAND]"
      invocation_.help = true;
      sawHelpWord_ = true;
    } else {
      command_ = requireCommand(arg);
      invocation_.command = arg;
    }
  }

  static const CommandInfo* requireCommand(const std::string& name) {
    const CommandInfo* command = findCommand(name);
    if (!command) throw UsageError("unknown command \"" + name + "\"");
    return command;
  }

  // The value of an option: after '=', or the next argument.
  std::string valueOf(const std::string& option, const std::optional<std::string>& given) {
    if (given) return *given;
    if (pos_ + 1 >= argv_.size()) throw UsageError(option + " needs a value", invocation_.command);
    return argv_[++pos_];
  }

  void longOption(const std::string& body) {
    const auto eq = body.find('=');
    const std::string name = body.substr(0, eq);
    std::optional<std::string> value;
    if (eq != std::string::npos) value = body.substr(eq + 1);
    if (name == "help" && !value) {
      invocation_.help = true;
    } else if (name == "version" && !value) {
      invocation_.version = true;
    } else if (name == "config") {
      invocation_.configPath = valueOf("--config", value);
      invocation_.configGiven = true;
    } else if (name == "define") {
      invocation_.defines.push_back(valueOf("--define", value));
    } else {
      commandOption(name, value);
    }
  }

  void shortOption(const std::string& arg) {
    const char letter = arg[1];
    std::optional<std::string> value;
    if (arg.size() > 2) value = arg.substr(2);
    if (letter == 'h' && !value) {
      invocation_.help = true;
    } else if (letter == 'c') {
      invocation_.configPath = valueOf("-c", value);
      invocation_.configGiven = true;
    } else if (letter == 'D') {
      invocation_.defines.push_back(valueOf("-D", value));
    } else {
      throw UsageError("unknown option " + arg, invocation_.command);
    }
  }

  // A command's own option. Its value may follow as the next argument only
  // once the command is known (it says which options take values).
  void commandOption(const std::string& name, std::optional<std::string> value) {
    if (command_ && !value) {
      for (const auto& option : command_->options) {
        if (name == option.name && option.takesValue) value = valueOf("--" + name, value);
      }
    }
    raw_.push_back({name, value});
  }

  void finish() {
    for (const auto& option : raw_) {
      const OptionInfo* info = findOption(option.name);
      if (!info) {
        throw UsageError(command_ ? "unknown option --" + option.name + " for " + command_->name
                                  : "unknown option --" + option.name,
                         invocation_.command);
      }
      if (info->takesValue && !option.value) {
        throw UsageError("--" + option.name + " needs a value (--" + option.name + "=...)",
                         invocation_.command);
      }
      if (!info->takesValue && option.value) {
        throw UsageError("--" + option.name + " takes no value", invocation_.command);
      }
      invocation_.options[option.name] = option.value.value_or("");
    }
  }

  const OptionInfo* findOption(const std::string& name) const {
    if (!command_) return nullptr;
    for (const auto& option : command_->options) {
      if (name == option.name) return &option;
    }
    return nullptr;
  }

  const std::vector<std::string>& argv_;
  std::size_t pos_ = 0;
  Invocation invocation_;
  const CommandInfo* command_ = nullptr;
  bool sawHelpWord_ = false;
  std::vector<RawOption> raw_;
};

}  // namespace

Invocation parseCommandLine(const std::vector<std::string>& argv) { return Parser(argv).parse(); }

}  // namespace relinkd::ctl
