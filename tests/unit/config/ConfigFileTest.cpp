// Specifications of the configuration file, --define overrides, the example
// etc/relinkd.properties and the token file (relinkd/Config.h).
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include "ConfigTestSupport.h"
#include "relinkd/config/Config.h"

using configtest::fakeEnv;
using testsupport::TempDir;
using relinkd::Config;
using relinkd::ConfigError;
using relinkd::loadConfigFile;
using relinkd::readToken;

namespace {

const std::string kToken = "ATATT3xSECRETtokenVALUE";

std::string exampleConfigPath() {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("tests/unit/")) + "etc/relinkd.properties";
}

// The ConfigError's key and message, or "" when readToken succeeded.
std::string tokenError(const std::string& path, std::string* message = nullptr) {
  try {
    readToken(path);
  } catch (const ConfigError& e) {
    if (message) *message = e.what();
    return e.key();
  }
  return "";
}

}  // namespace

TEST_CASE("loadConfigFile: reads the file, defines win over it") {
  TempDir dir;
  const std::string path = dir.write("relinkd.properties",
                                     "# a comment\n"
                                     "relinkd.jobs.dir = /srv/jobs\n"
                                     "relinkd.api.timeout = 10s\n"
                                     "relinkd.api.email: ops@example.com\n"
                                     "relinkd.log.level = debug\n");
  const Config plain = loadConfigFile(path, {}, fakeEnv({}));
  CHECK(plain.jobsDir == "/srv/jobs");
  CHECK(plain.timeoutMs == 10000);
  CHECK(plain.email == "ops@example.com");
  CHECK(plain.logLevel == "debug");
  CHECK(plain.windowMs == 14 * 86400000LL);

  const Config defined = loadConfigFile(
      path, {"relinkd.api.timeout=5s", "relinkd.api.caFile=/a=b.pem", "relinkd.window=1d"},
      fakeEnv({}));
  CHECK(defined.timeoutMs == 5000);
  CHECK(defined.caFile == "/a=b.pem");
  CHECK(defined.windowMs == 86400000);
  CHECK(defined.jobsDir == "/srv/jobs");
}

TEST_CASE("loadConfigFile: errors name --config, --define or the key") {
  TempDir dir;
  const std::string good = dir.write("good.properties", "relinkd.window = 2d\n");
  const std::string bad = dir.write("bad.properties", "relinkd.api.concurrency = 100\n");
  struct FileCase {
    std::string path;
    std::vector<std::string> defines;
    std::string key;
    std::string fragment;
  };
  const std::vector<FileCase> cases = {
      {dir.file("missing.properties"), {}, "--config", "No such file"},
      {dir.file(""), {}, "--config", "not a regular file"},
      {good, {"relinkd.window"}, "--define", "'relinkd.window' is not KEY=VALUE"},
      {good, {"=5d"}, "--define", "not KEY=VALUE"},
      {good, {"relinkd.window=0"}, "relinkd.window", "longer than 0"},
      {good, {"relinkd.api.timeout="}, "relinkd.api.timeout", "not a duration"},
      {good, {"relinkd.nope=1"}, "relinkd.nope", "unknown key"},
      {bad, {}, "relinkd.api.concurrency", "from 1 to 64"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CAPTURE(c.defines.empty() ? std::string() : c.defines.front());
    try {
      loadConfigFile(c.path, c.defines, fakeEnv({}));
      FAIL_CHECK("accepted");
    } catch (const ConfigError& e) {
      CAPTURE(e.what());
      CHECK(e.key() == c.key);
      CHECK(std::string(e.what()).find(c.fragment) != std::string::npos);
    }
  }
  // A define fixes what the file got wrong.
  CHECK(loadConfigFile(bad, {"relinkd.api.concurrency=8"}, fakeEnv({})).concurrency == 8);
}

TEST_CASE("etc/relinkd.properties: lists every key and loads to the defaults") {
  const std::string path = exampleConfigPath();
  CAPTURE(path);
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& key : configtest::kAllKeys) {
    CAPTURE(key);
    CHECK(text.str().find(key + " ") != std::string::npos);
  }
  const Config example = loadConfigFile(path, {}, fakeEnv({}));
  CHECK(example.httpListen == "127.0.0.1:9417");  // loopback unless the operator says otherwise
  CHECK(example.email.empty());                   // a placeholder, commented out

  // Keys whose defaults come from the environment are commented out there.
  const Config fromEnv = loadConfigFile(
      path, {}, fakeEnv({{"STATE_DIRECTORY", "/s"}, {"CREDENTIALS_DIRECTORY", "/c"},
                         {"https_proxy", "http://p:1"}}));
  CHECK(fromEnv.stateDir == "/s");
  CHECK(fromEnv.tokenFile == "/c/api-token");
  CHECK(fromEnv.proxy == "http://p:1");

  // Everything else is the built-in default.
  TempDir dir;
  const Config defaults = loadConfigFile(dir.write("empty.properties", ""),
                                         {"relinkd.http.listen=127.0.0.1:9417"}, fakeEnv({}));
  CHECK(example.jobsDir == defaults.jobsDir);
  CHECK(example.stateDir == defaults.stateDir);
  CHECK(example.baseUrl == defaults.baseUrl);
  CHECK(example.tokenFile == defaults.tokenFile);
  CHECK(example.caFile == defaults.caFile);
  CHECK(example.timeoutMs == defaults.timeoutMs);
  CHECK(example.proxy == defaults.proxy);
  CHECK(example.concurrency == defaults.concurrency);
  CHECK(example.initialDelayMs == defaults.initialDelayMs);
  CHECK(example.maxDelayMs == defaults.maxDelayMs);
  CHECK(example.multiplier == defaults.multiplier);
  CHECK(example.maxAttempts == defaults.maxAttempts);
  CHECK(example.pollIntervalMs == defaults.pollIntervalMs);
  CHECK(example.windowMs == defaults.windowMs);
  CHECK(example.logLevel == defaults.logLevel);
  CHECK(example.notifyCommand == defaults.notifyCommand);
  CHECK(example.notifyTimeoutMs == defaults.notifyTimeoutMs);
}

TEST_CASE("readToken: the first line, surrounding whitespace removed") {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kToken, kToken},
      {kToken + "\n", kToken},
      {"  " + kToken + " \t\r\n", kToken},
      {kToken + "\r\nsecond line\n", kToken},
      {kToken + "\n\n\n", kToken},
  };
  for (const auto& [contentBound, expected] : cases) {
    const auto& content = contentBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(content);
    CHECK(readToken(dir.write("token", content)) == expected);
  }
  // Exactly 64 KiB is still allowed.
  const std::string full = kToken + "\n" + std::string(65536 - kToken.size() - 1, 'x');
  CHECK(readToken(dir.write("token", full)) == kToken);
}

TEST_CASE("readToken: refuses files that cannot hold a token, without showing it") {
  TempDir dir;
  REQUIRE(::mkfifo(dir.file("fifo").c_str(), 0600) == 0);
  ::mkdir(dir.file("subdir").c_str(), 0700);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir.file("missing"), "cannot open"},
      {dir.write("empty", ""), "is empty"},
      {dir.write("blank", " \n" + kToken + "\n"), "is empty"},
      {dir.write("newlines", "\n\n"), "is empty"},
      {dir.file("fifo"), "not a regular file"},  // must not block waiting for a writer
      {dir.file("subdir"), "not a regular file"},
      {dir.write("big", kToken + "\n" + std::string(65536, 'x')), "larger than 64 KiB"},
      {dir.write("control", kToken + std::string("\x01", 1) + kToken), "control characters"},
  };
  for (const auto& [pathBound, fragment] : cases) {
    const auto& path = pathBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(path);
    std::string message;
    CHECK(tokenError(path, &message) == "relinkd.api.tokenFile");
    CAPTURE(message);
    CHECK(message.find(fragment) != std::string::npos);
    CHECK(message.find(path) != std::string::npos);
    CHECK(message.find("SECRET") == std::string::npos);
  }
}

TEST_CASE("requireDaemonSettings: an e-mail and a readable token") {
  TempDir dir;
  Config config;
  config.email = "ops@example.com";
  config.tokenFile = dir.write("token", kToken + "\n");
  config.jobsDir = dir.path();
  config.stateDir = dir.file("state/sub");  // created at start
  CHECK_NOTHROW(relinkd::requireDaemonSettings(config));

  Config noEmail = config;
  noEmail.email = "";
  CHECK_THROWS_WITH_AS(relinkd::requireDaemonSettings(noEmail),
                       doctest::Contains("relinkd.api.email: is required"), ConfigError);

  for (const auto& [commandBound, problem] :
       {std::pair{dir.file("no-such-notify"), "No such file or directory"},
        std::pair{dir.write("not-executable", "#!/bin/sh\n"), "is not an executable file"},
        std::pair{dir.path(), "is not an executable file"}}) {
    const std::string& command = commandBound;  // CAPTURE cannot take a structured binding (C++17)
    Config notify = config;
    notify.notifyCommand = {command, "--flag"};
    CAPTURE(command);
    try {
      relinkd::requireDaemonSettings(notify);
      FAIL_CHECK("accepted a notify command that cannot be run");
    } catch (const ConfigError& e) {
      CHECK(e.key() == "relinkd.notify.command");
      CHECK(std::string(e.what()).find(command) != std::string::npos);
      CHECK(std::string(e.what()).find(problem) != std::string::npos);
    }
  }
  Config notify = config;
  notify.notifyCommand = {"/bin/true"};
  CHECK_NOTHROW(relinkd::requireDaemonSettings(notify));

  Config noToken = config;
  noToken.tokenFile = dir.file("missing");
  try {
    relinkd::requireDaemonSettings(noToken);
    FAIL_CHECK("accepted a missing token file");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "relinkd.api.tokenFile");
  }
}

TEST_CASE("requireDaemonSettings: the job directory must exist and the state directory be possible") {
  TempDir dir;
  Config config;
  config.email = "ops@example.com";
  config.tokenFile = dir.write("token", kToken + "\n");
  config.jobsDir = dir.path();
  config.stateDir = dir.file("state");
  struct Row {
    std::string jobsDir;
    std::string stateDir;
    const char* key;
  };
  const Row rows[] = {
      {dir.file("missing"), dir.file("state"), "relinkd.jobs.dir"},
      {dir.write("afile", "x"), dir.file("state"), "relinkd.jobs.dir"},
      {dir.path(), dir.file("afile"), "relinkd.state.dir"},
      {dir.path(), dir.file("afile/below"), "relinkd.state.dir"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.jobsDir);
    CAPTURE(row.stateDir);
    Config bad = config;
    bad.jobsDir = row.jobsDir;
    bad.stateDir = row.stateDir;
    try {
      relinkd::requireDaemonSettings(bad);
      FAIL_CHECK("accepted it");
    } catch (const ConfigError& e) {
      CHECK(e.key() == row.key);
    }
  }
}

TEST_CASE("loadConfigFile: an optional file that does not exist means the defaults") {
  TempDir dir;
  Config config = loadConfigFile(dir.file("missing.properties"), {"relinkd.window=3d"}, fakeEnv({}), true);
  CHECK(config.windowMs == 3LL * 24 * 3600 * 1000);
  CHECK(config.jobsDir == "/etc/relinkd/jobs.d");
  // Optional or not, a file that exists but cannot be used is an error.
  CHECK_THROWS_AS(loadConfigFile(dir.path(), {}, fakeEnv({}), true), ConfigError);
}

TEST_CASE("loadConfig: a bad proxy from the environment says where it came from") {
  Poco::AutoPtr<Poco::Util::MapConfiguration> empty(new Poco::Util::MapConfiguration);
  try {
    relinkd::loadConfig(*empty, fakeEnv({{"https_proxy", "http://proxy.corp"}}));
    FAIL_CHECK("accepted a proxy without a port");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "relinkd.api.proxy");
    CHECK(std::string(e.what()).find("$https_proxy") != std::string::npos);
  }
}
