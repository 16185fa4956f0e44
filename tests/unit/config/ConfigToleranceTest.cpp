// What a program that needs only some keys makes of a configuration with
// problems (loadConfigFileTolerant: relinkctl's read-only commands), and the
// warning for a token file that others may read (tokenFileWarning).
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "ConfigTestSupport.h"
#include "relinkd/config/Config.h"

using configtest::fakeEnv;
using testsupport::TempDir;
using relinkd::Config;
using relinkd::ConfigError;
using relinkd::loadConfigFile;
using relinkd::loadConfigFileTolerant;
using relinkd::tokenFileWarning;
using relinkd::TokenModeWarner;

namespace {

const std::vector<std::string> kNeeded = {"relinkd.jobs.dir", "relinkd.state.dir", "relinkd.window"};

Config tolerant(const std::string& path, std::vector<std::string>& warnings,
                const std::vector<std::string>& defines = {}) {
  return loadConfigFileTolerant(path, defines, fakeEnv({}), false, kNeeded, warnings);
}

}  // namespace

TEST_CASE("loadConfigFileTolerant: an unknown key or a bad value of a key not needed is a warning") {
  TempDir dir;
  const std::string path = dir.write("relinkd.properties",
                                     "relinkd.jobs.dir = /srv/jobs\n"
                                     "relinkd.notify.comand = /bin/true\n"
                                     "relinkd.api.concurrency = 100\n"
                                     "relinkd.window = 2d\n");
  CHECK_THROWS_AS(loadConfigFile(path, {}, fakeEnv({})), ConfigError);  // relinkd refuses it
  std::vector<std::string> warnings;
  const Config config = tolerant(path, warnings);
  CHECK(config.jobsDir == "/srv/jobs");
  CHECK(config.windowMs == 2 * 86400000LL);
  CHECK(config.concurrency == 4);  // the default stands in for the bad value
  REQUIRE(warnings.size() == 2);
  // Each warning names the file and line, as relinkd's error does.
  CHECK(warnings[0] == path + ":2: relinkd.notify.comand: unknown key; did you mean relinkd.notify.command?");
  CHECK(warnings[1].find(path + ":3: relinkd.api.concurrency: must be an integer from 1 to 64") == 0);
}

TEST_CASE("loadConfigFileTolerant: a problem with a needed key, the file or a define still throws") {
  TempDir dir;
  std::vector<std::string> warnings;
  const std::string badWindow = dir.write("window.properties", "relinkd.nope = 1\nrelinkd.window = soon\n");
  try {
    tolerant(badWindow, warnings);
    FAIL_CHECK("accepted");
  } catch (const ConfigError& e) {
    // Every problem is in it, the needed key's too, not only the first.
    REQUIRE(e.problems().size() == 2);
    CHECK(e.problems()[0].key == "relinkd.nope");
    CHECK(e.problems()[1].key == "relinkd.window");
  }
  CHECK_THROWS_AS(tolerant(dir.file("missing.properties"), warnings), ConfigError);
  const std::string good = dir.write("good.properties", "relinkd.window = 2d\n");
  CHECK_THROWS_AS(tolerant(good, warnings, {"relinkd.window"}), ConfigError);  // not KEY=VALUE
}

TEST_CASE("loadConfigFileTolerant: a clean configuration gives no warning and the same values") {
  TempDir dir;
  const std::string path = dir.write("relinkd.properties", "relinkd.api.timeout = 10s\nrelinkd.window = 3d\n");
  std::vector<std::string> warnings;
  const Config config = tolerant(path, warnings, {"relinkd.api.timeout=5s"});
  CHECK(warnings.empty());
  CHECK(config.timeoutMs == 5000);
  CHECK(config.windowMs == 3 * 86400000LL);
}

TEST_CASE("tokenFileWarning: a token file others may read, unless under $CREDENTIALS_DIRECTORY") {
  TempDir dir;
  const std::string token = dir.write("api-token", "ATATT3xSECRET\n");
  REQUIRE(::chmod(token.c_str(), 0600) == 0);
  CHECK_FALSE(tokenFileWarning(token, fakeEnv({})));
  for (const mode_t mode : {0640, 0604, 0644}) {
    CAPTURE(mode);
    REQUIRE(::chmod(token.c_str(), mode) == 0);
    const auto warning = tokenFileWarning(token, fakeEnv({}));
    REQUIRE(warning);
    CHECK(warning->find(token) != std::string::npos);
    CHECK(warning->find("chmod 600") != std::string::npos);
    CHECK(warning->find("SECRET") == std::string::npos);
  }
  CHECK(tokenFileWarning(token, fakeEnv({}))->find("mode 0644") != std::string::npos);
  CHECK_FALSE(tokenFileWarning(token, fakeEnv({{"CREDENTIALS_DIRECTORY", dir.path()}})));
  CHECK_FALSE(tokenFileWarning(token, fakeEnv({{"CREDENTIALS_DIRECTORY", dir.path() + "/"}})));
  CHECK(tokenFileWarning(token, fakeEnv({{"CREDENTIALS_DIRECTORY", dir.path() + "/other"}})));
  CHECK_FALSE(tokenFileWarning(dir.file("missing"), fakeEnv({})));  // readToken says what is wrong
}

TEST_CASE("tokenFileWarning: only a mode that lets the group or everyone read it, and it says which") {
  TempDir dir;
  const std::string token = dir.write("api-token", "ATATT3xSECRET\n");
  for (const mode_t mode : {0600, 0620, 0602, 0711, 0622, 0700, 0400}) {
    CAPTURE(mode);
    REQUIRE(::chmod(token.c_str(), mode) == 0);
    CHECK_FALSE(tokenFileWarning(token, fakeEnv({})));
  }
  REQUIRE(::chmod(token.c_str(), 0640) == 0);
  CHECK(tokenFileWarning(token, fakeEnv({})) == "the token file " + token + " can be read by its group (mode 0640); "
                                                "chmod 600 " + token + " (or use systemd's LoadCredential=)");
  for (const mode_t mode : {0604, 0644, 0444}) {
    CAPTURE(mode);
    REQUIRE(::chmod(token.c_str(), mode) == 0);
    CHECK(tokenFileWarning(token, fakeEnv({}))->find("can be read by everyone (mode 0") != std::string::npos);
  }
}

TEST_CASE("TokenModeWarner: warns once per mode of the token file, again when it changes") {
  TempDir dir;
  const std::string token = dir.write("api-token", "ATATT3xSECRET\n");
  const std::string other = dir.write("other-token", "ATATT3xSECRET\n");
  REQUIRE(::chmod(token.c_str(), 0644) == 0);
  REQUIRE(::chmod(other.c_str(), 0644) == 0);
  TokenModeWarner warner(fakeEnv({}));
  CHECK(warner.check(token));
  CHECK_FALSE(warner.check(token));  // read again, same mode: said already
  REQUIRE(::chmod(token.c_str(), 0640) == 0);
  CHECK(warner.check(token)->find("its group (mode 0640)") != std::string::npos);
  REQUIRE(::chmod(token.c_str(), 0600) == 0);
  CHECK_FALSE(warner.check(token));
  REQUIRE(::chmod(token.c_str(), 0640) == 0);
  CHECK(warner.check(token));  // back to a bad mode after a good one
  CHECK(warner.check(other));  // another file (a reload changed relinkd.api.tokenFile)
  CHECK_FALSE(warner.check(other));
}
