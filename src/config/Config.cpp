// Reads and checks relinkd's configuration keys (see ../shared/interface.md).
// Every message names the key and says what a good value looks like; values
// that may carry credentials (proxy URLs, URLs with user information) are
// never echoed. Reading one value as a duration, an integer or a number is
// ConfigReader's; the token file is read in TokenFile.cpp.
#include "relinkd/config/Config.h"

#include <sys/stat.h>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <Poco/Util/AbstractConfiguration.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "ConfigReader.h"
#include "KnownKeys.h"
#include "relinkd/domain/Address.h"
#include "relinkd/domain/Duration.h"
#include "relinkd/domain/LogLevel.h"

namespace relinkd {

namespace {

using Poco::Util::AbstractConfiguration;

const char* const kKnownKeys[] = {
    "relinkd.jobs.dir",        "relinkd.state.dir",         "relinkd.api.baseUrl",
    "relinkd.api.email",       "relinkd.api.tokenFile",     "relinkd.api.caFile",
    "relinkd.api.timeout",     "relinkd.api.proxy",         "relinkd.api.concurrency",
    "relinkd.retry.initialDelay", "relinkd.retry.maxDelay", "relinkd.retry.multiplier",
    "relinkd.retry.maxAttempts",  "relinkd.poll.interval",  "relinkd.window",
    "relinkd.http.listen",     "relinkd.log.level",         "relinkd.notify.command",
    "relinkd.notify.timeout",
    "relinkd.notify.planJobs"};

std::optional<std::string> envValue(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

// Every key under prefix that is not known, each with the nearest known
// key. At the top (prefix ""), only relinkd's namespace in any case
// ("Relinkd.window" is a typo): other keys (logging.*, application.*) are
// Poco's.
void checkKnownKeys(const AbstractConfiguration& conf, const std::string& prefix,
                    std::vector<ConfigProblem>& problems) {
  const std::vector<std::string>& known = knownConfigKeys();
  AbstractConfiguration::Keys keys;
  conf.keys(prefix, keys);
  for (const auto& key : keys) {
    if (key.empty() || (prefix.empty() && Poco::icompare(key, "relinkd") != 0)) continue;
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    if (conf.has(full) && std::find(known.begin(), known.end(), full) == known.end()) {
      problems.push_back({full, full + ": " + unknownKeyProblem(full, known)});
    }
    checkKnownKeys(conf, full, problems);
  }
}

std::string checkListen(const ConfigReader& reader) {
  const char* key = "relinkd.http.listen";
  const std::string value = reader.text(key, "");
  if (value.empty()) return value;
  const std::string problem = hostPortProblem(value);
  if (!problem.empty()) {
    throw ConfigError(key, quoted(value) + " is not host:port (" + problem +
                               "), e.g. 127.0.0.1:9417; leave it empty to turn HTTP off");
  }
  return value;
}

std::string checkProxy(const ConfigReader& reader, const EnvLookup& env) {
  const char* key = "relinkd.api.proxy";
  const char* envName = "https_proxy";
  auto fromEnv = envValue(env, envName);
  if (!fromEnv) fromEnv = envValue(env, envName = "HTTPS_PROXY");
  const bool inherited = !reader.has(key) && fromEnv;
  std::string value = reader.text(key, fromEnv.value_or(""));
  if (value.empty()) return value;
  const std::string kScheme = "http://";
  const std::string how = std::string(" (it must be http://host:port; set it to empty for no proxy") +
                          (inherited ? "; the value comes from $" + std::string(envName) : "") + ")";
  // The environment often says just "host:port"; that means plain http.
  if (inherited && value.find("://") == std::string::npos) value = kScheme + value;
  if (Poco::icompare(value.substr(0, kScheme.size()), kScheme) != 0) {
    throw ConfigError(key, "the proxy URL does not start with http://" + how);
  }
  std::string hostPort = value.substr(kScheme.size());
  if (!hostPort.empty() && hostPort.back() == '/') hostPort.pop_back();
  if (hostPort.find('@') != std::string::npos) {
    throw ConfigError(key, "proxy credentials in the URL are not supported" + how);
  }
  const std::string problem = hostPortProblem(hostPort);
  if (!problem.empty()) throw ConfigError(key, "the proxy URL is wrong: " + problem + how);
  return kScheme + hostPort;
}

std::string checkBaseUrl(const ConfigReader& reader) {
  const char* key = "relinkd.api.baseUrl";
  std::string value = reader.text(key, "https://api.atlassian.com");
  while (!value.empty() && value.back() == '/') value.pop_back();
  const std::string shown = value.find('@') == std::string::npos ? quoted(value) + " " : "";
  const std::string example = "must be an absolute https URL such as https://api.atlassian.com";
  Poco::URI uri;
  try {
    uri = Poco::URI(value);
  } catch (const Poco::Exception&) {
    throw ConfigError(key, shown + "is not a URL; it " + example);
  }
  if ((uri.getScheme() != "https" && uri.getScheme() != "http") || uri.getHost().empty()) {
    throw ConfigError(key, shown + example);
  }
  if (!uri.getUserInfo().empty()) {
    throw ConfigError(key, "must not contain a user name or password; credentials come from "
                           "relinkd.api.email and the token file");
  }
  if (!uri.getRawQuery().empty() || !uri.getFragment().empty()) {
    throw ConfigError(key, shown + "must not have a query or fragment");
  }
  if (uri.getScheme() == "http" && !isLoopbackUrl(value)) {
    throw ConfigError(key, "plain http is only allowed for loopback hosts; use https");
  }
  return value;
}

std::string checkEmail(const ConfigReader& reader) {
  const char* key = "relinkd.api.email";
  const std::string value = reader.text(key, "");
  const auto at = value.find('@');
  const bool bad = std::any_of(value.begin(), value.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f || c == ':';
  });
  if (!value.empty() && (bad || at == 0 || at == std::string::npos || at + 1 == value.size())) {
    throw ConfigError(key, quoted(value) + " is not an e-mail address");
  }
  return value;
}

std::string checkLogLevel(const ConfigReader& reader) {
  const char* key = "relinkd.log.level";
  const std::string value = Poco::toLower(reader.text(key, "information"));
  if (logLevelByName(value)) return value;
  throw ConfigError(key, quoted(value) + " is not a log level (" + logLevelChoices() + ")");
}

void readRetry(const ConfigReader& reader, Config& c) {
  c.initialDelayMs = reader.duration("relinkd.retry.initialDelay", "30s");
  c.maxDelayMs = reader.duration("relinkd.retry.maxDelay", "1h");
  if (c.maxDelayMs < c.initialDelayMs) {
    throw ConfigError("relinkd.retry.maxDelay", "must be at least relinkd.retry.initialDelay (" +
                                                    formatDuration(c.initialDelayMs) + ")");
  }
  c.multiplier = reader.number("relinkd.retry.multiplier", "2", 1);
  c.maxAttempts = reader.integer("relinkd.retry.maxAttempts", "0", 0, ConfigReader::kNoMax);
}

// The program and its arguments, split on spaces (no shell, no quoting).
std::vector<std::string> checkNotifyCommand(const ConfigReader& reader) {
  const std::string text = reader.text("relinkd.notify.command", "");
  std::vector<std::string> argv;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) argv.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (!argv.empty() && argv.front().front() != '/') {
    throw ConfigError("relinkd.notify.command",
                      quoted(argv.front()) + " is not an absolute path; relinkd runs it without a shell or PATH");
  }
  return argv;
}

// summary (a plan's jobs announced together) or each (like ordinary jobs).
bool checkPlanJobs(const ConfigReader& reader) {
  const char* key = "relinkd.notify.planJobs";
  const std::string value = reader.text(key, "summary");
  if (value == "summary" || value == "each") return value == "summary";
  throw ConfigError(key, quoted(value) + " is neither summary nor each");
}

}  // namespace

const std::vector<std::string>& knownConfigKeys() {
  static const std::vector<std::string> known(std::begin(kKnownKeys), std::end(kKnownKeys));
  return known;
}

EnvLookup processEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Config loadConfig(const AbstractConfiguration& conf, const EnvLookup& env) {
  std::vector<ConfigProblem> problems;
  checkKnownKeys(conf, "", problems);
  const ConfigReader reader(conf);
  Config c;
  // Each step reads one key (or keys checked together); all are tried, so
  // that every problem is reported at once.
  const auto step = [&problems](const std::function<void()>& read) {
    try {
      read();
    } catch (const ConfigError& error) {
      problems.insert(problems.end(), error.problems().begin(), error.problems().end());
    }
  };
  step([&] { c.jobsDir = reader.nonEmpty("relinkd.jobs.dir", "/etc/relinkd/jobs.d"); });
  const auto stateEnv = envValue(env, "STATE_DIRECTORY");
  const std::string stateFirst = stateEnv ? stateEnv->substr(0, stateEnv->find(':')) : "";
  step([&] { c.stateDir = reader.nonEmpty("relinkd.state.dir", stateFirst.empty() ? "/var/lib/relinkd" : stateFirst); });
  step([&] { c.baseUrl = checkBaseUrl(reader); });
  step([&] { c.email = checkEmail(reader); });
  const auto credentials = envValue(env, "CREDENTIALS_DIRECTORY");
  const std::string tokenDefault = credentials ? *credentials + "/api-token" : "/etc/relinkd/api-token";
  step([&] { c.tokenFile = reader.nonEmpty("relinkd.api.tokenFile", tokenDefault); });
  step([&] { c.caFile = reader.text("relinkd.api.caFile", ""); });
  step([&] { c.timeoutMs = reader.duration("relinkd.api.timeout", "30s"); });
  step([&] { c.proxy = checkProxy(reader, env); });
  step([&] { c.concurrency = reader.integer("relinkd.api.concurrency", "4", 1, 64); });
  step([&] { readRetry(reader, c); });
  step([&] { c.pollIntervalMs = reader.duration("relinkd.poll.interval", "30s"); });
  step([&] { c.windowMs = reader.duration("relinkd.window", "14d"); });
  step([&] { c.httpListen = checkListen(reader); });
  step([&] { c.logLevel = checkLogLevel(reader); });
  step([&] { c.notifyCommand = checkNotifyCommand(reader); });
  step([&] {
    c.notifyTimeoutMs = reader.duration("relinkd.notify.timeout", "30s");
    if (c.notifyTimeoutMs <= 0) throw ConfigError("relinkd.notify.timeout", "must be longer than 0");
  });
  step([&] { c.notifyPlanSummaries = checkPlanJobs(reader); });
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return c;
}

}  // namespace relinkd
