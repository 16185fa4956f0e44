// relinkd's configuration: the keys of ../shared/interface.md with their
// defaults, read from a Poco configuration (properties file plus --define
// overrides) and checked. A bad value is a ConfigError naming the key; the
// programs turn it into exit code 78.
//
// Thread-safety: Config is a plain value.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <utility>

namespace Poco::Util {
class AbstractConfiguration;
}

namespace relinkd {

// One problem of the configuration. key: the key it is about (for a line of
// the file that is not key = value, the key Poco made of that line); text:
// the message, "KEY: problem", after "FILE:LINE: " when it has a line.
struct ConfigProblem {
  std::string key;
  std::string text;
  int line = 0;  // 0: not from a line of the file (a define, the environment)
};

// Every problem found, in the order of the file's lines (those without a
// line last); what() joins them with "; " for a log line.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& key, const std::string& problem)
      : ConfigError(std::vector<ConfigProblem>{{key, key + ": " + problem, 0}}) {}
  // REQUIRES: problems is not empty.
  explicit ConfigError(std::vector<ConfigProblem> problems)
      : std::runtime_error(joined(problems)), problems_(std::move(problems)) {}
  const std::string& key() const { return problems_.front().key; }  // the first problem's
  const std::vector<ConfigProblem>& problems() const { return problems_; }

 private:
  static std::string joined(const std::vector<ConfigProblem>& problems) {
    std::string text;
    for (const ConfigProblem& p : problems) text += (text.empty() ? "" : "; ") + p.text;
    return text;
  }
  std::vector<ConfigProblem> problems_;
};

struct Config {
  std::string jobsDir;         // relinkd.jobs.dir
  std::string stateDir;        // relinkd.state.dir
  std::string baseUrl;         // relinkd.api.baseUrl, without a trailing '/'
  std::string email;           // relinkd.api.email (may be empty; see requireDaemonSettings)
  std::string tokenFile;       // relinkd.api.tokenFile
  std::string caFile;          // relinkd.api.caFile; empty = system trust store
  std::int64_t timeoutMs = 0;  // relinkd.api.timeout
  std::string proxy;           // relinkd.api.proxy ("http://host:port"), empty = none
  int concurrency = 4;         // relinkd.api.concurrency (1..64)
  std::int64_t initialDelayMs = 0;  // relinkd.retry.initialDelay
  std::int64_t maxDelayMs = 0;      // relinkd.retry.maxDelay
  double multiplier = 2;            // relinkd.retry.multiplier (>= 1)
  int maxAttempts = 0;              // relinkd.retry.maxAttempts; 0 = until the window closes
  std::int64_t pollIntervalMs = 0;  // relinkd.poll.interval
  std::int64_t windowMs = 0;        // relinkd.window
  std::string httpListen;           // relinkd.http.listen ("host:port"), empty = off
  std::string logLevel;             // relinkd.log.level (a Poco level name)
  std::vector<std::string> notifyCommand;  // relinkd.notify.command split on spaces; empty = off
  std::int64_t notifyTimeoutMs = 0;        // relinkd.notify.timeout
  bool notifyPlanSummaries = true;         // relinkd.notify.planJobs: summary (true) or each

  std::string databasePath() const { return stateDir + "/relinkd.db"; }
};

// Looks up an environment variable; tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup processEnvironment();

// Reads every key with its default (interface.md) and checks each value.
// Environment defaults: STATE_DIRECTORY, CREDENTIALS_DIRECTORY, https_proxy
// (also HTTPS_PROXY). Throws ConfigError with every problem: each unknown
// key (with the nearest known one) and each bad value, naming the key.
Config loadConfig(const Poco::Util::AbstractConfiguration& conf, const EnvLookup& env);

// Reads the properties file at path (missing file: ConfigError with key
// "--config"; a line that is not key = value is a problem with its line
// number; so is every problem of a key set on a line of the file) and
// applies defines ("KEY=VALUE", from --define/-D; they win
// over the file), then loadConfig. Used by relinkd and relinkctl alike.
// With optional, a file that does not exist means the built-in defaults
// (relinkctl on a workstation, with no --config given).
Config loadConfigFile(const std::string& path, const std::vector<std::string>& defines,
                      const EnvLookup& env, bool optional = false);

// loadConfigFile for a program that needs only some keys (relinkctl's
// commands that only read): a problem with a key of the file or a define
// that is not in neededKeys (an unknown key, a bad value) is added to
// warnings (the ConfigError's message) and that key's default is used.
// Problems with a needed key, the file itself or a define's form still
// throw, as does one the default does not cure.
Config loadConfigFileTolerant(const std::string& path, const std::vector<std::string>& defines, const EnvLookup& env,
                              bool optional, const std::vector<std::string>& neededKeys,
                              std::vector<std::string>& warnings);

inline constexpr const char* kDefaultConfigPath = "/etc/relinkd/relinkd.properties";

// What the daemon needs beyond loadConfig: an e-mail, an existing job
// directory, a state directory that can exist, a readable token, and a
// notification command that is an executable file. Throws ConfigError
// (relinkd.api.email, relinkd.jobs.dir, relinkd.state.dir,
// relinkd.api.tokenFile or relinkd.notify.command).
void requireDaemonSettings(const Config& config);

// The first line of the token file, trailing whitespace removed. Throws
// ConfigError with key relinkd.api.tokenFile when the file is missing,
// unreadable, not a regular file, empty or larger than 64 KiB. The message
// never contains the token.
std::string readToken(const std::string& tokenFile);

// A warning when others than its owner may read the token file (a mode
// with the group's or everyone's read bit): it names the file, its mode and
// who may read it (its group, everyone) and says `chmod 600`. None for a file under $CREDENTIALS_DIRECTORY (systemd's
// LoadCredential= sets it up), nor for one that cannot be looked at
// (readToken says why). Never reads the file.
std::optional<std::string> tokenFileWarning(const std::string& tokenFile, const EnvLookup& env);

// tokenFileWarning for a daemon that reads the token again and again (at
// start, on SIGHUP, when the file changes): given once per token file and
// mode, so a reload says it again only when the mode (or the file) changed.
// Thread-safety: none; the daemon calls it under its token mutex.
class TokenModeWarner {
 public:
  explicit TokenModeWarner(EnvLookup env) : env_(std::move(env)) {}
  std::optional<std::string> check(const std::string& tokenFile);

 private:
  EnvLookup env_;
  std::optional<std::pair<std::string, unsigned>> last_;  // the file and mode seen last
};

}  // namespace relinkd
