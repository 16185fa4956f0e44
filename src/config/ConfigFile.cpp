// Reading relinkd.properties and the --define overrides into a
// configuration, with every problem found at once and located: a line that
// is not key = value, and each problem of a key set on a line of the file,
// carry "FILE:LINE: ". The tolerant variant for relinkctl's read-only
// commands turns the problems of keys they do not need into warnings.
#include <sys/stat.h>

#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/MapConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "ConfigReader.h"
#include "KnownKeys.h"
#include "PropertyLines.h"
#include "relinkd/config/Config.h"

namespace relinkd {
namespace {

using Poco::Util::AbstractConfiguration;

struct Layers {
  Poco::AutoPtr<Poco::Util::LayeredConfiguration> conf;  // the file's keys under the overrides
  std::string path;
  PropertyLines lines;          // of the file; empty without one
  std::set<std::string> defined;  // the keys the defines set
};

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) throw ConfigError("--config", "cannot read " + path + ": " + std::strerror(errno));
  return text.str();
}

// nullptr file layer for an optional file that does not exist (the
// defaults, with the overrides).
Layers readLayers(const std::string& path, const std::vector<std::string>& defines, bool optional) {
  Layers layers{new Poco::Util::LayeredConfiguration, path, {}, {}};
  Poco::AutoPtr<Poco::Util::MapConfiguration> overrides(new Poco::Util::MapConfiguration);
  for (const auto& define : defines) {
    const auto eq = define.find('=');
    if (eq == std::string::npos || eq == 0) throw ConfigError("--define", quoted(define) + " is not KEY=VALUE");
    const std::string key = Poco::trim(define.substr(0, eq));
    overrides->setString(key, define.substr(eq + 1));
    layers.defined.insert(key);
  }
  layers.conf->add(overrides, 0);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (optional && errno == ENOENT) return layers;
    throw ConfigError("--config", "cannot read " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) throw ConfigError("--config", path + " is not a regular file");
  const std::string text = readText(path);
  try {
    std::istringstream in(text);
    layers.conf->add(new Poco::Util::PropertyFileConfiguration(in), 1);
  } catch (const Poco::Exception& e) {
    throw ConfigError("--config", "cannot read " + path + ": " + e.displayText());
  }
  layers.lines = scanPropertyLines(text);
  return layers;
}

// Every key of from under prefix but the hidden ones, values unexpanded.
void copyKeys(const AbstractConfiguration& from, const std::string& prefix, const std::set<std::string>& hidden,
              Poco::Util::MapConfiguration& to) {
  AbstractConfiguration::Keys keys;
  from.keys(prefix, keys);
  for (const auto& key : keys) {
    if (key.empty()) continue;  // "= value" (a problem of its line); keys("") again would never end
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    if (from.has(full) && hidden.count(full) == 0) to.setString(full, from.getRawString(full));
    copyKeys(from, full, hidden, to);
  }
}

// The problem with the file's line that sets its key, unless a define set it.
ConfigProblem located(const Layers& layers, ConfigProblem problem) {
  const auto line = layers.lines.lineOf.find(problem.key);
  if (line == layers.lines.lineOf.end() || layers.defined.count(problem.key)) return problem;
  problem.line = line->second;
  problem.text = layers.path + ":" + std::to_string(problem.line) + ": " + problem.text;
  return problem;
}

bool isOddLineKey(const Layers& layers, const std::string& key) {
  return std::any_of(layers.lines.odd.begin(), layers.lines.odd.end(),
                     [&](const OddLine& odd) { return odd.key == key; });
}

// The configuration of the layers without the hidden keys, or every problem
// it has, in the order of the file's lines (those without a line last).
std::vector<ConfigProblem> problemsOf(const Layers& layers, const std::set<std::string>& hidden,
                                      const EnvLookup& env, Config& config) {
  std::vector<ConfigProblem> problems;
  for (const OddLine& odd : layers.lines.odd) {
    if (hidden.count(odd.key)) continue;
    problems.push_back({odd.key, layers.path + ":" + std::to_string(odd.line) + ": " +
                                     notKeyValueProblem(odd.key, odd.noKey, knownConfigKeys()), odd.line});
  }
  Poco::AutoPtr<Poco::Util::MapConfiguration> visible(new Poco::Util::MapConfiguration);
  copyKeys(*layers.conf, "", hidden, *visible);
  try {
    config = loadConfig(*visible, env);
  } catch (const ConfigError& error) {
    for (const ConfigProblem& problem : error.problems()) {
      // A line that is not key = value is already named as that.
      if (!isOddLineKey(layers, problem.key)) problems.push_back(located(layers, problem));
    }
  }
  std::stable_sort(problems.begin(), problems.end(), [](const ConfigProblem& a, const ConfigProblem& b) {
    return (a.line == 0 ? INT32_MAX : a.line) < (b.line == 0 ? INT32_MAX : b.line);
  });
  return problems;
}

}  // namespace

Config loadConfigFile(const std::string& path, const std::vector<std::string>& defines,
                      const EnvLookup& env, bool optional) {
  Config config;
  std::vector<ConfigProblem> problems = problemsOf(readLayers(path, defines, optional), {}, env, config);
  if (!problems.empty()) throw ConfigError(std::move(problems));
  return config;
}

Config loadConfigFileTolerant(const std::string& path, const std::vector<std::string>& defines, const EnvLookup& env,
                              bool optional, const std::vector<std::string>& neededKeys,
                              std::vector<std::string>& warnings) {
  const Layers layers = readLayers(path, defines, optional);
  std::set<std::string> hidden;
  for (;;) {
    Config config;
    std::vector<ConfigProblem> problems = problemsOf(layers, hidden, env, config);
    if (problems.empty()) return config;
    // A problem the default does not cure (one from the environment, or
    // one between two keys) is not papered over.
    for (const ConfigProblem& problem : problems) {
      const bool needed = std::find(neededKeys.begin(), neededKeys.end(), problem.key) != neededKeys.end();
      const bool ofTheLayers = problem.line > 0 || layers.conf->has(problem.key);
      if (needed || !ofTheLayers || hidden.count(problem.key)) throw ConfigError(std::move(problems));
    }
    for (const ConfigProblem& problem : problems) {
      hidden.insert(problem.key);
      warnings.push_back(problem.text);
    }
  }
}

}  // namespace relinkd
