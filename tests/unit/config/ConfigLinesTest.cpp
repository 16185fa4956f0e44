// Problems of relinkd.properties named with their line (issue 19): an
// unknown key and one that differs from a known key only in case, with the
// nearest known key; a line that is not key = value, read as Poco reads the
// file; every problem at once, in line order.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ConfigTestSupport.h"
#include "KnownKeys.h"
#include "PropertyLines.h"
#include "relinkd/config/Config.h"

using configtest::fakeEnv;
using testsupport::TempDir;

namespace relinkd {
namespace {

// Every problem's text for the file (with defines), or {} when it loads.
std::vector<std::string> problemsOf(const std::string& text, const std::vector<std::string>& defines = {}) {
  TempDir dir;
  const std::string path = dir.write("relinkd.properties", text);
  try {
    loadConfigFile(path, defines, fakeEnv({}));
  } catch (const ConfigError& e) {
    std::vector<std::string> texts;
    for (const ConfigProblem& p : e.problems())
      texts.push_back(p.text.rfind(path, 0) == 0 ? p.text.substr(path.size()) : p.text);
    return texts;
  }
  return {};
}

}  // namespace

TEST_CASE("Config file: an unknown key is named with its line and the nearest known key") {
  CHECK(problemsOf("relinkd.window = 2d\nrelinkd.api.timout = 5s\n") ==
        std::vector<std::string>{":2: relinkd.api.timout: unknown key; did you mean relinkd.api.timeout?"});
  CHECK(problemsOf("relinkd.window.size = 5d\n") ==
        std::vector<std::string>{":1: relinkd.window.size: unknown key; did you mean relinkd.window?"});
  CHECK(problemsOf("relinkd.frobnicate.everything = yes\n") ==
        std::vector<std::string>{":1: relinkd.frobnicate.everything: unknown key; relinkd.properties(5) lists "
                                 "the known keys"});
}

TEST_CASE("Config file: a key that differs from a known key only in case is not ignored") {
  for (const char* key : {"relinkd.API.timeout", "RELINKD.API.TIMEOUT", "Relinkd.api.timeout"}) {
    CAPTURE(key);
    CHECK(problemsOf("\n" + std::string(key) + " = 5s\n") ==
          std::vector<std::string>{":2: " + std::string(key) +
                                   ": unknown key; did you mean relinkd.api.timeout? (keys are case-sensitive)"});
  }
}

TEST_CASE("Config file: a line that is not key = value is named as that, not as an unknown key") {
  CHECK(problemsOf("# relinkd\n\nrelinkd.api.timeout 5s\n") ==
        std::vector<std::string>{":3: the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'; did you "
                                 "mean relinkd.api.timeout = ...?"});
  CHECK(problemsOf("relinkd.api.caFile\n") ==
        std::vector<std::string>{":1: the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'; did you "
                                 "mean relinkd.api.caFile = ...?"});
  CHECK(problemsOf("  = 5s\n") ==
        std::vector<std::string>{":1: the line has no key before its '=' or ':'; write KEY = VALUE"});
  CHECK(problemsOf("hello world\n") ==
        std::vector<std::string>{":1: the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'; "
                                 "relinkd.properties(5) lists the known keys"});
}

TEST_CASE("Config file: what Poco accepts is accepted, and line numbers count every line") {
  // key: value, comments with '#' and '!', indentation, CRLF, and a value
  // going on over the next line after a '\' (that line is no key).
  const std::string text =
      "! a comment\r\n"
      "   # another\r\n"
      "relinkd.api.timeout: 5s\r\n"
      "relinkd.notify.command = /bin/echo one \\\r\n"
      "  two \\\n"
      "  three\n"
      "\t relinkd.window=2d\n"
      "relinkd.nope = 1\n";
  CHECK(problemsOf(text) == std::vector<std::string>{":8: relinkd.nope: unknown key; relinkd.properties(5) lists "
                                                     "the known keys"});
  const PropertyLines lines = scanPropertyLines(text);
  CHECK(lines.lineOf.at("relinkd.api.timeout") == 3);
  CHECK(lines.lineOf.at("relinkd.notify.command") == 4);
  CHECK(lines.lineOf.at("relinkd.window") == 7);
  CHECK(lines.odd.empty());
  // An escaped backslash at the end does not join the next line.
  CHECK(scanPropertyLines("relinkd.api.caFile = C:\\\\\nbad line\n").odd.size() == 1);
}

TEST_CASE("Config file: every problem is reported at once, in the order of the lines") {
  const std::string text =
      "relinkd.api.concurrency = 100\n"
      "relinkd.api.timeout 5s\n"
      "relinkd.Window = 2d\n"
      "relinkd.retry.multiplier = abc\n";
  CHECK(problemsOf(text, {"relinkd.poll.interval=soon"}) ==
        std::vector<std::string>{
            ":1: relinkd.api.concurrency: must be an integer from 1 to 64 (got '100')",
            ":2: the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'; did you mean "
            "relinkd.api.timeout = ...?",
            ":3: relinkd.Window: unknown key; did you mean relinkd.window? (keys are case-sensitive)",
            ":4: relinkd.retry.multiplier: must be a number of at least 1 (got 'abc')",
            "relinkd.poll.interval: 'soon' is not a duration (an integer with a unit ms, s, m, h or d, e.g. 30s)",
        });
  // A define's problem has no line (it comes last); a define that sets a
  // key of the file takes its line away.
  TempDir dir;
  const std::string path = dir.write("relinkd.properties", "relinkd.api.concurrency = 100\n");
  try {
    loadConfigFile(path, {"relinkd.api.concurrency=0", "relinkd.nope=1"}, fakeEnv({}));
    FAIL_CHECK("accepted");
  } catch (const ConfigError& e) {
    REQUIRE(e.problems().size() == 2);
    CHECK(e.problems()[0].text == "relinkd.nope: unknown key; relinkd.properties(5) lists the known keys");
    CHECK(e.problems()[1].text == "relinkd.api.concurrency: must be an integer from 1 to 64 (got '0')");
    CHECK(e.problems()[1].line == 0);
    CHECK(std::string(e.what()) == e.problems()[0].text + "; " + e.problems()[1].text);
  }
}

TEST_CASE("Config file: relinkctl's read-only commands warn of the same lines and go on") {
  TempDir dir;
  const std::string path =
      dir.write("relinkd.properties", "relinkd.window = 2d\nrelinkd.api.timeout 5s\nrelinkd.API.email = a@b.c\n");
  std::vector<std::string> warnings;
  const Config config = loadConfigFileTolerant(path, {}, fakeEnv({}), false,
                                               {"relinkd.jobs.dir", "relinkd.state.dir", "relinkd.window"}, warnings);
  CHECK(config.windowMs == 2 * 86400000LL);
  CHECK(warnings == std::vector<std::string>{
                        path + ":2: the line is not KEY = VALUE (nor KEY: VALUE): it has no '=' or ':'; did you mean "
                               "relinkd.api.timeout = ...?",
                        path + ":3: relinkd.API.email: unknown key; did you mean relinkd.api.email? (keys are "
                               "case-sensitive)"});
}

TEST_CASE("nearestKnownKey: a few typos or the case, not anything") {
  const std::vector<std::string>& known = knownConfigKeys();
  CHECK(nearestKnownKey("relinkd.api.timout", known) == "relinkd.api.timeout");
  CHECK(nearestKnownKey("RELINKD.JOBS.DIR", known) == "relinkd.jobs.dir");
  CHECK(nearestKnownKey("relinkd.notify.planjob", known) == "relinkd.notify.planJobs");
  CHECK(nearestKnownKey("zzz", known).empty());
  CHECK(nearestKnownKey(std::string(100000, 'r'), known).empty());  // fast: too long to be a typo
}

}  // namespace relinkd
