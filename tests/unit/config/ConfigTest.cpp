// Specifications of relinkd's configuration keys, their defaults and their
// checks (relinkd/Config.h); files and the token are in ConfigFileTest.cpp.
#include <doctest/doctest.h>

#include <Poco/AutoPtr.h>
#include <Poco/Util/MapConfiguration.h>

#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ConfigTestSupport.h"
#include "relinkd/domain/Address.h"
#include "relinkd/config/Config.h"

using relinkd::Config;
using relinkd::ConfigError;
using relinkd::loadConfig;

namespace {

using Map = std::map<std::string, std::string>;

Config load(const Map& props, const Map& env = {}) {
  Poco::AutoPtr<Poco::Util::MapConfiguration> conf(new Poco::Util::MapConfiguration);
  for (const auto& [key, value] : props) conf->setString(key, value);
  return loadConfig(*conf, configtest::fakeEnv(env));
}

// The Config field of a key, as text, so one table can check every key.
std::string field(const Config& c, const std::string& key) {
  std::ostringstream out;
  const std::map<std::string, std::function<void()>> fields = {
      {"relinkd.jobs.dir", [&] { out << c.jobsDir; }},
      {"relinkd.state.dir", [&] { out << c.stateDir; }},
      {"relinkd.api.baseUrl", [&] { out << c.baseUrl; }},
      {"relinkd.api.email", [&] { out << c.email; }},
      {"relinkd.api.tokenFile", [&] { out << c.tokenFile; }},
      {"relinkd.api.caFile", [&] { out << c.caFile; }},
      {"relinkd.api.timeout", [&] { out << c.timeoutMs; }},
      {"relinkd.api.proxy", [&] { out << c.proxy; }},
      {"relinkd.api.concurrency", [&] { out << c.concurrency; }},
      {"relinkd.retry.initialDelay", [&] { out << c.initialDelayMs; }},
      {"relinkd.retry.maxDelay", [&] { out << c.maxDelayMs; }},
      {"relinkd.retry.multiplier", [&] { out << c.multiplier; }},
      {"relinkd.retry.maxAttempts", [&] { out << c.maxAttempts; }},
      {"relinkd.poll.interval", [&] { out << c.pollIntervalMs; }},
      {"relinkd.window", [&] { out << c.windowMs; }},
      {"relinkd.http.listen", [&] { out << c.httpListen; }},
      {"relinkd.log.level", [&] { out << c.logLevel; }},
      {"relinkd.notify.command", [&] {
         for (const std::string& arg : c.notifyCommand) out << (&arg == &c.notifyCommand.front() ? "" : "|") << arg;
       }},
      {"relinkd.notify.timeout", [&] { out << c.notifyTimeoutMs; }},
      {"relinkd.notify.planJobs", [&] { out << (c.notifyPlanSummaries ? "summary" : "each"); }},
  };
  fields.at(key)();
  return out.str();
}

struct KeyCase {
  std::string key;
  std::string value;
  std::string expected;  // the field's value, or a piece of the error message
};

}  // namespace

TEST_CASE("Config: every key has its interface.md default") {
  const Config c = load({});
  const Map defaults = {
      {"relinkd.jobs.dir", "/etc/relinkd/jobs.d"},
      {"relinkd.state.dir", "/var/lib/relinkd"},
      {"relinkd.api.baseUrl", "https://api.atlassian.com"},
      {"relinkd.api.email", ""},
      {"relinkd.api.tokenFile", "/etc/relinkd/api-token"},
      {"relinkd.api.caFile", ""},
      {"relinkd.api.timeout", "30000"},
      {"relinkd.api.proxy", ""},
      {"relinkd.api.concurrency", "4"},
      {"relinkd.retry.initialDelay", "30000"},
      {"relinkd.retry.maxDelay", "3600000"},
      {"relinkd.retry.multiplier", "2"},
      {"relinkd.retry.maxAttempts", "0"},
      {"relinkd.poll.interval", "30000"},
      {"relinkd.window", "1209600000"},
      {"relinkd.http.listen", ""},
      {"relinkd.log.level", "information"},
      {"relinkd.notify.command", ""},
      {"relinkd.notify.timeout", "30000"},
      {"relinkd.notify.planJobs", "summary"},
  };
  REQUIRE(defaults.size() == configtest::kAllKeys.size());
  for (const auto& [keyBound, value] : defaults) {
    const auto& key = keyBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(key);
    CHECK(field(c, key) == value);
  }
  CHECK(c.databasePath() == "/var/lib/relinkd/relinkd.db");
}

TEST_CASE("Config: defaults taken from the environment") {
  struct EnvCase {
    Map env;
    std::string key;
    std::string expected;
  };
  const std::vector<EnvCase> cases = {
      {{{"STATE_DIRECTORY", "/var/lib/relinkd2"}}, "relinkd.state.dir", "/var/lib/relinkd2"},
      {{{"STATE_DIRECTORY", "/var/lib/a:/var/lib/b"}}, "relinkd.state.dir", "/var/lib/a"},
      {{{"STATE_DIRECTORY", ""}}, "relinkd.state.dir", "/var/lib/relinkd"},
      {{{"CREDENTIALS_DIRECTORY", "/run/credentials/relinkd.service"}},
       "relinkd.api.tokenFile", "/run/credentials/relinkd.service/api-token"},
      {{{"CREDENTIALS_DIRECTORY", ""}}, "relinkd.api.tokenFile", "/etc/relinkd/api-token"},
      {{{"https_proxy", "http://lower:3128"}, {"HTTPS_PROXY", "http://upper:3128"}},
       "relinkd.api.proxy", "http://lower:3128"},
      {{{"HTTPS_PROXY", "http://upper:3128/"}}, "relinkd.api.proxy", "http://upper:3128"},
      {{{"https_proxy", ""}, {"HTTPS_PROXY", "http://upper:3128"}},
       "relinkd.api.proxy", "http://upper:3128"},
      {{{"http_proxy", "http://plain:3128"}}, "relinkd.api.proxy", ""},
      {{{"https_proxy", "corp-proxy:3128"}}, "relinkd.api.proxy", "http://corp-proxy:3128"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.expected);
    CHECK(field(load({}, c.env), c.key) == c.expected);
  }
}

TEST_CASE("Config: the file wins over the environment") {
  const Map env = {{"STATE_DIRECTORY", "/env/state"},
                   {"CREDENTIALS_DIRECTORY", "/env/creds"},
                   {"https_proxy", "http://envproxy:3128"}};
  const Config c = load({{"relinkd.state.dir", "/file/state"},
                         {"relinkd.api.tokenFile", "/file/token"},
                         {"relinkd.api.proxy", ""}},
                        env);
  CHECK(c.stateDir == "/file/state");
  CHECK(c.tokenFile == "/file/token");
  CHECK(c.proxy == "");  // an empty value turns the environment's proxy off
}

TEST_CASE("Config: good values are accepted and normalised") {
  const std::vector<KeyCase> cases = {
      {"relinkd.jobs.dir", "/srv/jobs", "/srv/jobs"},
      {"relinkd.jobs.dir", "  /srv/jobs  ", "/srv/jobs"},
      {"relinkd.state.dir", "/srv/state", "/srv/state"},
      {"relinkd.api.baseUrl", "https://api.atlassian.com/", "https://api.atlassian.com"},
      {"relinkd.api.baseUrl", "https://example.com/api//", "https://example.com/api"},
      {"relinkd.api.baseUrl", "https://example.com:8443", "https://example.com:8443"},
      {"relinkd.api.baseUrl", "http://127.0.0.1:8443", "http://127.0.0.1:8443"},
      {"relinkd.api.baseUrl", "http://localhost:1234/", "http://localhost:1234"},
      {"relinkd.api.baseUrl", "http://[::1]:8080", "http://[::1]:8080"},
      {"relinkd.api.email", "ops@example.com", "ops@example.com"},
      {"relinkd.api.email", "first.last+relinkd@sub.example.org",
       "first.last+relinkd@sub.example.org"},
      {"relinkd.api.tokenFile", "/x/token", "/x/token"},
      {"relinkd.api.caFile", "/etc/ssl/ca.pem", "/etc/ssl/ca.pem"},
      {"relinkd.api.timeout", "250ms", "250"},
      {"relinkd.api.timeout", "1", "1000"},
      {"relinkd.api.timeout", "36500d", "3153600000000"},
      {"relinkd.api.proxy", "http://proxy.corp:3128", "http://proxy.corp:3128"},
      {"relinkd.api.proxy", "http://proxy.corp:3128/", "http://proxy.corp:3128"},
      {"relinkd.api.proxy", "HTTP://p:8080", "http://p:8080"},
      {"relinkd.api.proxy", "http://[fd00::1]:3128", "http://[fd00::1]:3128"},
      {"relinkd.api.proxy", "", ""},
      {"relinkd.api.concurrency", "1", "1"},
      {"relinkd.api.concurrency", "64", "64"},
      {"relinkd.api.concurrency", " 8 ", "8"},
      {"relinkd.retry.initialDelay", "1ms", "1"},
      {"relinkd.retry.maxDelay", "30s", "30000"},  // equal to the default initialDelay
      {"relinkd.retry.multiplier", "1", "1"},
      {"relinkd.retry.multiplier", "1.5", "1.5"},
      {"relinkd.retry.multiplier", "2.0", "2"},
      {"relinkd.retry.multiplier", "10", "10"},
      {"relinkd.retry.maxAttempts", "0", "0"},
      {"relinkd.retry.maxAttempts", "5", "5"},
      {"relinkd.retry.maxAttempts", "2147483647", "2147483647"},
      {"relinkd.poll.interval", "5s", "5000"},
      {"relinkd.window", "1d", "86400000"},
      {"relinkd.http.listen", "127.0.0.1:9417", "127.0.0.1:9417"},
      {"relinkd.notify.command", "/usr/share/relinkd/notify/webhook  https://hooks.example/x ",
       "/usr/share/relinkd/notify/webhook|https://hooks.example/x"},
      {"relinkd.notify.timeout", "5s", "5000"},
      {"relinkd.notify.planJobs", "each", "each"},
      {"relinkd.notify.planJobs", "summary", "summary"},
      {"relinkd.http.listen", "0.0.0.0:1", "0.0.0.0:1"},
      {"relinkd.http.listen", "localhost:65535", "localhost:65535"},
      {"relinkd.http.listen", "[::1]:9417", "[::1]:9417"},
      {"relinkd.http.listen", "", ""},
      {"relinkd.log.level", "debug", "debug"},
      {"relinkd.log.level", "WARNING", "warning"},
      {"relinkd.log.level", "trace", "trace"},
      {"relinkd.log.level", "fatal", "fatal"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    try {
      CHECK(field(load({{c.key, c.value}}), c.key) == c.expected);
    } catch (const ConfigError& e) {
      FAIL_CHECK("rejected: " << e.what());
    }
  }
}

TEST_CASE("Config: bad values are a ConfigError naming the key") {
  const std::vector<KeyCase> cases = {
      {"relinkd.notify.command", "notify-send hello", "'notify-send' is not an absolute path"},
      {"relinkd.notify.timeout", "0s", "must be longer than 0"},
      {"relinkd.notify.timeout", "soon", "is not a duration"},
      {"relinkd.notify.planJobs", "all", "'all' is neither summary nor each"},
      {"relinkd.jobs.dir", "", "must not be empty"},
      {"relinkd.state.dir", "   ", "must not be empty"},
      {"relinkd.api.tokenFile", "", "must not be empty"},
      {"relinkd.api.baseUrl", "api.atlassian.com", "absolute https URL"},
      {"relinkd.api.baseUrl", "ftp://api.atlassian.com", "absolute https URL"},
      {"relinkd.api.baseUrl", "https://", "absolute https URL"},
      {"relinkd.api.baseUrl", "", "absolute https URL"},
      {"relinkd.api.baseUrl", "http://api.atlassian.com",
       "plain http is only allowed for loopback hosts; use https"},
      {"relinkd.api.baseUrl", "http://10.0.0.1:8080", "plain http is only allowed"},
      {"relinkd.api.baseUrl", "http://localhost.example.com", "plain http is only allowed"},
      {"relinkd.api.baseUrl", "http://127.0.0.1.nip.io", "plain http is only allowed"},
      {"relinkd.api.baseUrl", "https://me:hunter2@api.atlassian.com", "user name or password"},
      {"relinkd.api.baseUrl", "https://api.atlassian.com?x=1", "query or fragment"},
      {"relinkd.api.baseUrl", "https://api.atlassian.com#top", "query or fragment"},
      {"relinkd.api.email", "not-an-address", "not an e-mail address"},
      {"relinkd.api.email", "a b@example.com", "not an e-mail address"},
      {"relinkd.api.email", "@example.com", "not an e-mail address"},
      {"relinkd.api.email", "ops@", "not an e-mail address"},
      {"relinkd.api.email", "a:b@example.com", "not an e-mail address"},
      {"relinkd.api.timeout", "0", "longer than 0"},
      {"relinkd.api.timeout", "0ms", "longer than 0"},
      {"relinkd.api.timeout", "-1s", "not a duration"},
      {"relinkd.api.timeout", "1.5s", "not a duration"},
      {"relinkd.api.timeout", "30 s", "not a duration"},
      {"relinkd.api.timeout", "", "not a duration"},
      {"relinkd.api.timeout", "36501d", "too long"},
      {"relinkd.api.proxy", "https://p:3128", "http://host:port"},
      {"relinkd.api.proxy", "socks5://p:1080", "http://host:port"},
      {"relinkd.api.proxy", "p:3128", "http://host:port"},
      {"relinkd.api.proxy", "http://p", "port is missing"},
      {"relinkd.api.proxy", "http://p:0", "1 to 65535"},
      {"relinkd.api.proxy", "http://p:65536", "1 to 65535"},
      {"relinkd.api.proxy", "http://:3128", "host is missing"},
      {"relinkd.api.proxy", "http://p:3128/path", "http://host:port"},
      {"relinkd.api.proxy", "http://user:hunter2@p:3128", "credentials"},
      {"relinkd.api.concurrency", "0", "from 1 to 64"},
      {"relinkd.api.concurrency", "65", "from 1 to 64"},
      {"relinkd.api.concurrency", "-1", "from 1 to 64"},
      {"relinkd.api.concurrency", "4.5", "from 1 to 64"},
      {"relinkd.api.concurrency", "four", "from 1 to 64"},
      {"relinkd.api.concurrency", "", "from 1 to 64"},
      {"relinkd.api.concurrency", "0x10", "from 1 to 64"},
      {"relinkd.retry.initialDelay", "0", "longer than 0"},
      {"relinkd.retry.initialDelay", "soon", "not a duration"},
      {"relinkd.retry.maxDelay", "0", "longer than 0"},
      {"relinkd.retry.maxDelay", "10s", "at least relinkd.retry.initialDelay (30s)"},
      {"relinkd.retry.multiplier", "0.5", "at least 1"},
      {"relinkd.retry.multiplier", "0", "at least 1"},
      {"relinkd.retry.multiplier", "-2", "at least 1"},
      {"relinkd.retry.multiplier", "double", "at least 1"},
      {"relinkd.retry.multiplier", "", "at least 1"},
      {"relinkd.retry.multiplier", "nan", "at least 1"},
      {"relinkd.retry.multiplier", "inf", "at least 1"},
      {"relinkd.retry.multiplier", "1e400", "at least 1"},
      {"relinkd.retry.multiplier", "2x", "at least 1"},
      {"relinkd.retry.maxAttempts", "-1", "at least 0"},
      {"relinkd.retry.maxAttempts", "1.0", "at least 0"},
      {"relinkd.retry.maxAttempts", "many", "at least 0"},
      {"relinkd.retry.maxAttempts", "2147483648", "at least 0"},
      {"relinkd.retry.maxAttempts", "99999999999999999999", "at least 0"},
      {"relinkd.poll.interval", "0", "longer than 0"},
      {"relinkd.window", "0", "longer than 0"},
      {"relinkd.window", "2w", "not a duration"},
      {"relinkd.http.listen", "9417", "not host:port"},
      {"relinkd.http.listen", ":9417", "host is missing"},
      {"relinkd.http.listen", "localhost", "port is missing"},
      {"relinkd.http.listen", "localhost:0", "1 to 65535"},
      {"relinkd.http.listen", "localhost:65536", "1 to 65535"},
      {"relinkd.http.listen", "localhost:http", "1 to 65535"},
      {"relinkd.http.listen", "[::1]9417", "[address]:port"},
      {"relinkd.http.listen", "::1:9417", "not host:port"},
      {"relinkd.http.listen", "my host:80", "only letters"},
      {"relinkd.log.level", "verbose", "not a log level"},
      {"relinkd.log.level", "info", "not a log level"},
      {"relinkd.log.level", "6", "not a log level"},
      {"relinkd.log.level", "", "not a log level"},
      {"relinkd.api.timout", "5s", "unknown key"},
      {"relinkd.window.size", "5d", "unknown key"},
      {"relinkd.Window", "5d", "unknown key"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.value);
    try {
      load({{c.key, c.value}});
      FAIL_CHECK("accepted");
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      CAPTURE(message);
      CHECK(e.key() == c.key);
      CHECK(message.rfind(c.key + ": ", 0) == 0);
      CHECK(message.find(c.expected) != std::string::npos);
      CHECK(message.find("hunter2") == std::string::npos);
    }
  }
}

TEST_CASE("Config: retry delays are checked against each other") {
  CHECK(load({{"relinkd.retry.initialDelay", "1m"}, {"relinkd.retry.maxDelay", "1m"}}).maxDelayMs ==
        60000);
  CHECK_THROWS_WITH_AS(
      load({{"relinkd.retry.initialDelay", "2m"}, {"relinkd.retry.maxDelay", "1m"}}),
      "relinkd.retry.maxDelay: must be at least relinkd.retry.initialDelay (2m)", ConfigError);
}

TEST_CASE("Config: a bad proxy from the environment is named and not echoed") {
  try {
    load({}, {{"https_proxy", "http://user:hunter2@proxy.corp"}});
    FAIL_CHECK("accepted");
  } catch (const ConfigError& e) {
    CHECK(e.key() == "relinkd.api.proxy");
    CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("Config: keys outside relinkd's namespace are left alone") {
  CHECK_NOTHROW(load({{"logging.loggers.root.level", "debug"}, {"application.name", "x"}}));
}

TEST_CASE("isLoopbackUrl: only localhost, 127.0.0.0/8 and ::1") {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"http://localhost", true},
      {"http://LOCALHOST:8080/x", true},
      {"http://127.0.0.1", true},
      {"http://127.255.255.254:9/", true},
      {"http://[::1]:8080", true},
      {"http://[0:0:0:0:0:0:0:1]/", true},
      {"http://[::ffff:127.0.0.1]/", true},
      {"https://127.0.0.1:8443", true},
      {"http://localhost.example.com", false},
      {"http://128.0.0.1", false},
      {"http://10.0.0.1", false},
      {"http://127.0.0.1.nip.io", false},
      {"http://[::2]", false},
      {"http://[::ffff:10.0.0.1]/", false},
      {"http://example.com", false},
      {"http://2130706433", false},
      {"http://0x7f000001", false},
      {"http://127.1", false},
      {"", false},
      {"localhost", false},
      {"http://[::1", false},
  };
  for (const auto& [urlBound, expected] : cases) {
    const auto& url = urlBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(url);
    CHECK(relinkd::isLoopbackUrl(url) == expected);
  }
}
