// The job file rules of interface.md, one table row per rule, good and bad,
// including hostile input.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "TestSupport.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {
namespace {

constexpr std::int64_t kWindowMs = 14LL * 24 * 3600 * 1000;
const char* const kRemove = testsupport::kRemoveField;

// A time the tests write correctly (value() throws otherwise).
TimeMs at(const char* text) { return parseTime(text, true).value(); }

const TimeMs kAcceptedAt = at("2026-11-22T00:00:00Z");

// A valid job file with some fields changed: {field, raw JSON value}, or
// {field, kRemove} to leave the field out. Changed fields keep their place;
// new ones go at the end.
std::string job(const std::vector<std::pair<std::string, std::string>>& changes = {}) {
  return testsupport::objectWith(
      {
          {"siteId", "\"0f3c9e2a-4b1d-4c8e-9a7f-2d6b5e8c1a90\""},
          {"product", "\"jira\""},
          {"productURL", "\"https://acme-eu.atlassian.net\""},
          {"destinationURL", "\"https://acme-us.atlassian.net\""},
          {"migratedFrom", "\"https://jira.acme-corp.example\""},
      },
      changes);
}

SpecResult parse(const std::string& bytes) { return parseJobSpec(bytes, kWindowMs, kAcceptedAt, kAcceptedAt); }

std::string shown(const std::string& input) {
  return input.size() > 300 ? input.substr(0, 300) + "... (" + std::to_string(input.size()) + " bytes)"
                            : input;
}

std::string nested(int depth) {
  std::string inner = "1";
  for (int i = 1; i < depth; ++i) inner = "[" + inner + "]";
  return job({{"deep", inner}});  // the object itself is one level
}

struct BadCase {
  std::string what;
  std::string input;
  const char* field;
  const char* problemPart;
};

// Every bad value carries "zzsecret" where it can, to show that no message
// ever echoes the file's content.
std::vector<BadCase> badCases() {
  const std::string longText(60000, 'z');
  return {
      // The file as a whole.
      {"empty file", "", "file", "is empty"},
      {"only whitespace", " \n\t ", "file", "is empty"},
      {"top-level array", "[{\"productURL\": \"https://zzsecret.example\"}]", "file", "JSON object"},
      {"top-level string", "\"zzsecret\"", "file", "JSON object"},
      {"top-level number", "42", "file", "JSON object"},
      {"top-level null", "null", "file", "JSON object"},
      {"two top-level strings", "\"zzsecret\", \"x\"", "file", "JSON object"},
      {"unterminated object", "{\"siteId\": \"zzsecret\"", "file", "is not valid JSON"},
      {"trailing garbage", job() + " zzsecret", "file", "is not valid JSON"},
      {"two objects", job() + job(), "file", "is not valid JSON"},
      {"comment", "// zzsecret\n" + job(), "file", "is not valid JSON"},
      {"single quotes", "{'siteId': 'zzsecret'}", "file", "is not valid JSON: line 1, column 2: expected a field name"},
      // A syntax error names its line and column (in characters, not bytes).
      {"a missing comma", "{\n  \"siteId\": \"zzsecret\"\n  \"product\": \"jira\"}", "file",
       "is not valid JSON: line 3, column 3: expected ',' or '}' after a value"},
      {"a missing colon", "{\"siteId\" \"zzsecret\"}", "file", "line 1, column 11: expected ':' after a field name"},
      {"a trailing comma", "{\"siteId\": \"zzsecret\",\n}", "file", "line 2, column 1: a ',' before '}'"},
      {"a trailing comma in an array", "{\"siteId\": [1,]}", "file", "line 1, column 15: a ',' before ']'"},
      {"an unclosed string", "{\n\"siteId\": \"zzsecret}", "file",
       "line 2, column 11: a string is not closed"},
      {"a line break in a string", "{\"siteId\": \"zz\nsecret\"}", "file", "line 1, column 15: a string holds a control"},
      {"a bad escape", "{\"siteId\": \"zz\\qsecret\"}", "file", "line 1, column 15: a string has an invalid escape"},
      {"a short unicode escape", "{\"siteId\": \"zz\\u12\"}", "file", "line 1, column 15: a \\u escape needs four"},
      {"an unquoted word", "{\"siteId\": zzsecret}", "file", "line 1, column 12: expected a value"},
      {"a bad number", "{\"siteId\": -zz}", "file", "line 1, column 12: a number is not written as JSON"},
      {"a number with a dot only", "{\"siteId\": 1.}", "file", "line 1, column 12: a number needs digits after '.'"},
      {"an unquoted field name", "{siteId: 1}", "file", "line 1, column 2: expected a field name in double quotes"},
      {"columns count characters", "{\"siteId\": \"\xc3\xbc\xc3\xbc\" \"x\"}", "file",
       "line 1, column 17: expected ',' or '}'"},
      {"the file ends early", "{\"siteId\": [\n1,\n", "file", "line 3, column 1: the file ends too early"},
      {"text after the object", "{}\n zzsecret", "file", "line 2, column 2: there is more after the end"},
      {"60 KiB of an unclosed string", "{\"siteId\": \"" + std::string(60000, 'z'), "file",
       "line 1, column 12: a string is not closed"},
      {"60 KiB of commas", "{\"siteId\": [1" + std::string(60000, ',') + "]}", "file",
       "line 1, column 15: expected a value"},
      {"100000 '['", std::string(100000, '['), "file", "larger than 64 KiB"},
      {"65000 '['", std::string(65000, '['), "file", "deeper than 16"},
      {"65000 '{'", std::string(65000, '{'), "file", "deeper than 16"},
      {"deep inside a valid object", job({{"siteId", std::string(60000, '[')}}), "file", "deeper than 16"},
      {"brackets inside a string do not count",
       job({{"siteId", "\"zzsecret" + std::string(100, '[') + "\\\"]\""}}), "siteId", "may contain only"},
      {"17 levels", nested(17), "file", "deeper than 16"},
      {"NUL byte", job({{"siteId", std::string("\"zz\0secret\"", 11)}}), "file", "NUL byte"},
      {"escaped NUL", job({{"siteId", "\"zz\\u0000secret\""}}), "file", "is not valid JSON"},
      {"binary bytes", std::string("\x7f\x45\x4c\x46\x02\x01\x01\xff\xfe\x80zzsecret", 18), "file", "not UTF-8"},
      {"Latin-1 text", job({{"siteId", "\"zzsecr\xe9t\""}}), "file", "not UTF-8"},
      {"invalid UTF-8 sequence", job({{"siteId", "\"zz\xc3\x28secret\""}}), "file", "not UTF-8"},
      {"overlong UTF-8", job({{"siteId", "\"zz\xc0\xafsecret\""}}), "file", "not UTF-8"},
      {"UTF-8 surrogate", job({{"siteId", "\"zz\xed\xa0\x80secret\""}}), "file", "not UTF-8"},
      {"above U+10FFFF", job({{"siteId", "\"zz\xf4\x90\x80\x80secret\""}}), "file", "not UTF-8"},
      {"truncated UTF-8 at end", job() + "\xe2\x82", "file", "not UTF-8"},
      {"larger than 64 KiB", job({{"siteId", "\"" + std::string(kMaxJobFileBytes, 'z') + "\""}}), "file",
       "larger than 64 KiB"},
      // Field names.
      {"unknown field", job({{"zzfield", "\"zzsecret\""}}), "zzfield", "unknown field; known fields are siteId"},
      {"field name in the wrong case", job({{"producturl", "\"x\""}}), "producturl", "did you mean productURL?"},
      {"duplicate field", job({{"product", "\"jira\", \"product\": \"confluence\""}}), "product",
       "appears more than once"},
      // siteId
      {"siteId a number", job({{"siteId", "42"}}), "siteId", "must be a string"},
      {"siteId empty", job({{"siteId", "\"\""}}), "siteId", "must not be empty"},
      {"siteId 129 characters", job({{"siteId", "\"" + std::string(129, 'a') + "\""}}), "siteId",
       "at most 128"},
      {"siteId huge", job({{"siteId", "\"" + longText + "\""}}), "siteId", "at most 128"},
      {"siteId with a slash", job({{"siteId", "\"zzsecret/../x\""}}), "siteId", "may contain only"},
      {"siteId with a space", job({{"siteId", "\"zzsecret x\""}}), "siteId", "may contain only"},
      {"siteId with a percent", job({{"siteId", "\"zzsecret%2F\""}}), "siteId", "may contain only"},
      {"siteId non-ASCII", job({{"siteId", "\"zzsecret\xc3\xbc\xf0\x9f\x98\x80\""}}), "siteId", "may contain only"},
      // product
      {"product unknown", job({{"product", "\"zzsecret\""}}), "product", "\"jira\" or \"confluence\""},
      {"product a number", job({{"product", "1"}}), "product", "must be a string"},
      {"product null", job({{"product", "null"}}), "product", "must be a string"},
      // productURL, destinationURL
      {"productURL missing", job({{"productURL", kRemove}}), "productURL", "is required"},
      {"productURL http", job({{"productURL", "\"http://zzsecret.atlassian.net\""}}), "productURL", "https URL"},
      {"productURL ftp", job({{"productURL", "\"ftp://zzsecret.example\""}}), "productURL", "https URL"},
      {"productURL without scheme", job({{"productURL", "\"zzsecret.atlassian.net\""}}), "productURL", "https URL"},
      {"productURL without host", job({{"productURL", "\"https:///zzsecret\""}}), "productURL", "with a host"},
      {"productURL scheme only", job({{"productURL", "\"https:\""}}), "productURL", "https URL"},
      {"productURL with user and password", job({{"productURL", "\"https://me:zzsecret@acme.atlassian.net\""}}),
       "productURL", "must not contain credentials"},
      {"productURL with user", job({{"productURL", "\"https://zzsecret@acme.atlassian.net/x\""}}), "productURL",
       "must not contain credentials"},
      {"productURL with a space", job({{"productURL", "\"https://acme.atlassian.net/zz secret\""}}), "productURL",
       "without spaces"},
      {"productURL with a newline", job({{"productURL", "\"https://acme.atlassian.net/\\nzzsecret\""}}),
       "productURL", "control"},
      {"productURL bad port", job({{"productURL", "\"https://acme.atlassian.net:99999zzsecret/\""}}),
       "productURL", "https URL"},
      {"productURL a number", job({{"productURL", "443"}}), "productURL", "must be a string"},
      {"productURL an object", job({{"productURL", "{\"url\": \"https://zzsecret.example\"}"}}), "productURL",
       "must be a string"},
      {"destinationURL missing", job({{"destinationURL", kRemove}}), "destinationURL", "is required"},
      {"destinationURL http", job({{"destinationURL", "\"http://zzsecret.example\""}}), "destinationURL",
       "https URL"},
      {"destinationURL with credentials", job({{"destinationURL", "\"https://a:zzsecret@b.example\""}}),
       "destinationURL", "credentials"},
      // migratedFrom, migratedFromOverride
      {"migratedFrom missing", job({{"migratedFrom", kRemove}}), "migratedFrom", "is required"},
      {"migratedFrom ftp", job({{"migratedFrom", "\"ftp://zzsecret.example\""}}), "migratedFrom",
       "http or https URL"},
      {"migratedFrom relative", job({{"migratedFrom", "\"/zzsecret\""}}), "migratedFrom", "http or https URL"},
      {"migratedFrom with credentials", job({{"migratedFrom", "\"http://admin:zzsecret@jira.example\""}}),
       "migratedFrom", "credentials"},
      {"migratedFromOverride ftp", job({{"migratedFromOverride", "\"ftp://zzsecret.example\""}}),
       "migratedFromOverride", "http or https URL"},
      {"migratedFromOverride a boolean", job({{"migratedFromOverride", "true"}}), "migratedFromOverride",
       "must be a string"},
      {"migratedFromOverride null", job({{"migratedFromOverride", "null"}}), "migratedFromOverride",
       "must be a string"},
      // recreateAsRemote, createBackup
      {"recreateAsRemote yes", job({{"recreateAsRemote", "\"zzsecret\""}}), "recreateAsRemote", "true or false"},
      {"recreateAsRemote TRUE", job({{"recreateAsRemote", "\"TRUE\""}}), "recreateAsRemote", "true or false"},
      {"recreateAsRemote 1", job({{"recreateAsRemote", "1"}}), "recreateAsRemote", "true or false"},
      {"createBackup null", job({{"createBackup", "null"}}), "createBackup", "true or false"},
      {"createBackup an array", job({{"createBackup", "[true]"}}), "createBackup", "true or false"},
      {"recreateAsRemote with confluence",
       job({{"product", "\"confluence\""}, {"recreateAsRemote", "true"}, {"migratedAt", "\"2026-11-20\""}}),
       "recreateAsRemote", "only supported for jira"},
      // recreateAsRemote links one site to another: the same site (host in any case, any
      // path, a trailing slash, the default port) on both sides would link it to itself.
      {"recreateAsRemote with the same site",
       job({{"recreateAsRemote", "true"}, {"migratedAt", "\"2026-11-20\""},
            {"destinationURL", "\"https://acme-eu.atlassian.net\""}}),
       "destinationURL",
       "names the same site as productURL (acme-eu.atlassian.net:443); with recreateAsRemote the links would "
       "point at the site that holds them: destinationURL must be another site"},
      {"recreateAsRemote with the same site spelt otherwise",
       job({{"recreateAsRemote", "\"true\""}, {"migratedAt", "\"2026-11-20\""},
            {"destinationURL", "\"HTTPS://ACME-EU.Atlassian.NET:443/jira/\""}}),
       "destinationURL", "names the same site as productURL"},
      {"recreateAsRemote with the same site, its host ending in a dot",
       job({{"recreateAsRemote", "true"}, {"migratedAt", "\"2026-11-20\""},
            {"destinationURL", "\"https://acme-eu.atlassian.net./\""}}),
       "destinationURL", "names the same site as productURL"},
      {"createBackup \"true\" with Confluence", job({{"product", "\"Confluence\""}, {"createBackup", "\"true\""}}),
       "createBackup", "only supported for jira"},
      // migratedAt, deadline
      {"recreateAsRemote without migratedAt", job({{"recreateAsRemote", "true"}}), "migratedAt",
       "is required when recreateAsRemote is true"},
      {"migratedAt words", job({{"migratedAt", "\"zzsecret\""}}), "migratedAt", "RFC 3339"},
      {"migratedAt without a zone", job({{"migratedAt", "\"2026-11-20T18:00:00\""}}), "migratedAt", "RFC 3339"},
      {"migratedAt impossible date", job({{"migratedAt", "\"2026-02-30\""}}), "migratedAt", "RFC 3339"},
      {"migratedAt a number", job({{"migratedAt", "1795456800"}}), "migratedAt", "must be a string"},
      // The migration has finished; 1 h ahead of the clock (kAcceptedAt here) allows for skew.
      {"migratedAt over 1 h in the future", job({{"migratedAt", "\"2026-11-22T01:00:00.001Z\""}}), "migratedAt",
       "2026-11-22T01:00:00.001Z is more than 1 h in the future; it says when the migration finished, so the "
       "migration must have finished (1 h is allowed for clock skew)"},
      {"migratedAt a year off", job({{"recreateAsRemote", "true"}, {"migratedAt", "\"2027-11-20\""}}), "migratedAt",
       "2027-11-20T00:00:00Z is more than 1 h in the future"},
      {"deadline a date", job({{"deadline", "\"2026-11-25\""}}), "deadline", "RFC 3339"},
      {"deadline words", job({{"deadline", "\"zzsecret\""}}), "deadline", "RFC 3339"},
      {"deadline after the window from migratedAt",
       job({{"migratedAt", "\"2026-11-20T18:00:00Z\""}, {"deadline", "\"2026-12-04T18:00:01Z\""}}), "deadline",
       "is after the migration window closes (2026-12-04T18:00:00Z)"},
      {"deadline after the window from acceptance", job({{"deadline", "\"2026-12-06T00:00:00.001Z\""}}),
       "deadline", "is after the migration window closes (2026-12-06T00:00:00Z)"},
  };
}

TEST_CASE("JobSpec: every bad job file is refused with a problem naming the field") {
  for (const BadCase& row : badCases()) {
    CAPTURE(row.what);
    const std::string input = shown(row.input);
    CAPTURE(input);
    const SpecResult result = parse(row.input);
    const std::string message = result.message();
    CAPTURE(message);
    CHECK_FALSE(result.ok());
    CHECK_FALSE(result.spec.has_value());
    bool found = false;
    for (const FieldProblem& p : result.problems) {
      found = found || (p.field == row.field && p.problem.find(row.problemPart) != std::string::npos);
    }
    CHECK(found);
    CHECK(message.find("zzsecret") == std::string::npos);
    CHECK(message.find("zzzzzzzzzz") == std::string::npos);
    CHECK(message.size() < 1000);
  }
}

struct GoodCase {
  std::string what;
  std::string input;
  std::function<void(const JobSpec&)> check;
};

std::vector<GoodCase> goodCases() {
  return {
      {"the minimal file", job(), [](const JobSpec& s) {
         CHECK(s.siteId == "0f3c9e2a-4b1d-4c8e-9a7f-2d6b5e8c1a90");
         CHECK(s.product == "jira");
         CHECK(s.productUrl == "https://acme-eu.atlassian.net");
         CHECK(s.destinationUrl == "https://acme-us.atlassian.net");
         CHECK(s.migratedFrom == "https://jira.acme-corp.example");
         CHECK_FALSE(s.migratedFromOverride.has_value());
         CHECK_FALSE(s.recreateAsRemote);
         CHECK_FALSE(s.createBackup);
         CHECK_FALSE(s.migratedAt.has_value());
         CHECK_FALSE(s.deadline.has_value());
       }},
      {"no siteId: discovered later", job({{"siteId", kRemove}}), [](const JobSpec& s) { CHECK(s.siteId.empty()); }},
      {"no product: jira", job({{"product", kRemove}}), [](const JobSpec& s) { CHECK(s.product == "jira"); }},
      {"product in capitals", job({{"product", "\"CONFLUENCE\""}}),
       [](const JobSpec& s) { CHECK(s.product == "confluence"); }},
      {"product mixed case", job({{"product", "\"Jira\""}}), [](const JobSpec& s) { CHECK(s.product == "jira"); }},
      {"siteId of every allowed character", job({{"siteId", "\"aZ09._:-\""}}),
       [](const JobSpec& s) { CHECK(s.siteId == "aZ09._:-"); }},
      {"siteId of 128 characters", job({{"siteId", "\"" + std::string(128, 'a') + "\""}}),
       [](const JobSpec& s) { CHECK(s.siteId.size() == 128); }},
      {"URLs with path, port and query", job({{"productURL", "\"https://acme.example:8443/jira?x=1\""}}),
       [](const JobSpec& s) { CHECK(s.productUrl == "https://acme.example:8443/jira?x=1"); }},
      {"scheme in capitals", job({{"destinationURL", "\"HTTPS://acme-us.atlassian.net\""}}),
       [](const JobSpec& s) { CHECK(s.destinationUrl == "HTTPS://acme-us.atlassian.net"); }},
      {"an '@' in the path is not a credential", job({{"productURL", "\"https://acme.example/u@x\""}}),
       [](const JobSpec& s) { CHECK(s.productUrl == "https://acme.example/u@x"); }},
      {"migratedFrom over http", job({{"migratedFrom", "\"http://jira.internal:8080\""}}),
       [](const JobSpec& s) { CHECK(s.migratedFrom == "http://jira.internal:8080"); }},
      {"migratedFromOverride", job({{"migratedFromOverride", "\"http://jira.prod.example\""}}),
       [](const JobSpec& s) { CHECK(s.migratedFromOverride == std::optional<std::string>("http://jira.prod.example")); }},
      {"booleans as JSON booleans",
       job({{"recreateAsRemote", "true"}, {"createBackup", "true"}, {"migratedAt", "\"2026-11-20T18:00:00Z\""}}),
       [](const JobSpec& s) {
         CHECK(s.recreateAsRemote);
         CHECK(s.createBackup);
         CHECK(s.migratedAt == at("2026-11-20T18:00:00Z"));
       }},
      {"booleans as strings", job({{"recreateAsRemote", "\"false\""}, {"createBackup", "\"true\""}}),
       [](const JobSpec& s) {
         CHECK_FALSE(s.recreateAsRemote);
         CHECK(s.createBackup);
       }},
      {"false flags with confluence",
       job({{"product", "\"confluence\""}, {"recreateAsRemote", "false"}, {"createBackup", "\"false\""}}),
       [](const JobSpec& s) { CHECK(s.product == "confluence"); }},
      {"migratedAt a date: midnight UTC", job({{"recreateAsRemote", "\"true\""}, {"migratedAt", "\"2026-11-20\""}}),
       [](const JobSpec& s) { CHECK(s.migratedAt == at("2026-11-20T00:00:00Z")); }},
      {"migratedAt exactly 1 h ahead of the clock", job({{"migratedAt", "\"2026-11-22T01:00:00Z\""}}),
       [](const JobSpec& s) { CHECK(s.migratedAt == at("2026-11-22T01:00:00Z")); }},
      {"the same site without recreateAsRemote", job({{"destinationURL", "\"https://acme-eu.atlassian.net/\""}}),
       [](const JobSpec& s) { CHECK(s.destinationUrl == "https://acme-eu.atlassian.net/"); }},
      {"recreateAsRemote to another port of the host",
       job({{"recreateAsRemote", "true"}, {"migratedAt", "\"2026-11-20\""},
            {"destinationURL", "\"https://acme-eu.atlassian.net:8443\""}}),
       [](const JobSpec& s) { CHECK(s.recreateAsRemote); }},
      {"migratedAt with an offset", job({{"migratedAt", "\"2026-11-20T19:00:00+01:00\""}}),
       [](const JobSpec& s) { CHECK(s.migratedAt == at("2026-11-20T18:00:00Z")); }},
      {"deadline exactly at the window's close",
       job({{"migratedAt", "\"2026-11-20T18:00:00Z\""}, {"deadline", "\"2026-12-04T18:00:00Z\""}}),
       [](const JobSpec& s) { CHECK(s.deadline == at("2026-12-04T18:00:00Z")); }},
      {"deadline inside the window from acceptance", job({{"deadline", "\"2026-12-06T00:00:00Z\""}}),
       [](const JobSpec& s) { CHECK(s.deadline == at("2026-12-06T00:00:00Z")); }},
      {"a byte order mark and whitespace", "\xef\xbb\xbf\n  " + job() + "\n\n",
       [](const JobSpec& s) { CHECK(s.product == "jira"); }},
      {"nesting of exactly 16 levels is not refused as too deep", nested(16), nullptr},
  };
}

TEST_CASE("JobSpec: good job files are accepted and normalised") {
  for (const GoodCase& row : goodCases()) {
    CAPTURE(row.what);
    const std::string input = shown(row.input);
    CAPTURE(input);
    const SpecResult result = parse(row.input);
    const std::string message = result.message();
    CAPTURE(message);
    if (!row.check) {  // valid only as far as depth goes: the extra field is unknown
      REQUIRE(result.problems.size() == 1);
      CHECK(result.problems[0].field == "deep");
      continue;
    }
    REQUIRE(result.ok());
    REQUIRE(result.spec.has_value());
    row.check(*result.spec);
  }
}

TEST_CASE("JobSpec: all problems are reported, in the order of the rules") {
  const std::string input =
      "{\"zeta\": 1, \"deadline\": \"soon\", \"migratedAt\": 5, \"createBackup\": \"maybe\", "
      "\"recreateAsRemote\": true, \"product\": \"confluence\", \"migratedFromOverride\": \"ftp://x\", "
      "\"destinationURL\": \"http://x\", \"siteId\": \"\", \"alpha\": 2}";
  CAPTURE(input);
  const SpecResult result = parse(input);
  std::vector<std::string> fields;
  for (const FieldProblem& p : result.problems) fields.push_back(p.field);
  const std::vector<std::string> expected = {
      "siteId", "productURL", "destinationURL", "migratedFrom", "migratedFromOverride",
      "recreateAsRemote", "createBackup", "migratedAt", "deadline", "alpha", "zeta"};
  CHECK(fields == expected);
  CHECK(result.message().rfind("siteId: must not be empty; leave it out", 0) == 0);
  CHECK(result.message().find("; productURL: is required; ") != std::string::npos);
}

TEST_CASE("JobSpec: unknown field names are printed safely and their number is bounded") {
  std::vector<std::pair<std::string, std::string>> extra;
  for (int i = 0; i < 25; ++i) extra.push_back({"x" + std::to_string(100 + i), "1"});
  extra.push_back({"\\u001b[31mred", "1"});
  extra.push_back({std::string(500, 'k'), "1"});
  const std::string input = job(extra);
  CAPTURE(shown(input));
  const SpecResult result = parse(input);
  REQUIRE(result.problems.size() == 11);
  CHECK(result.problems[0].field == "??31mred");
  CHECK(result.problems[1].field == std::string(40, 'k') + "...");
  CHECK(result.problems[10].field == "file");
  CHECK(result.problems[10].problem == "has 17 more unknown fields");
}

TEST_CASE("JobSpec: message joins field and problem") {
  SpecResult result;
  CHECK(result.message().empty());
  result.problems = {{"siteId", "must be a string"}, {"file", "x"}};
  CHECK(result.message() == "siteId: must be a string; file: x");
}

TEST_CASE("JobSpec: the deadline is the window's close or the spec's earlier deadline") {
  JobSpec spec;
  CHECK(jobDeadline(spec, kWindowMs, kAcceptedAt) == kAcceptedAt + kWindowMs);
  spec.migratedAt = at("2026-11-20T18:00:00Z");
  CHECK(jobDeadline(spec, kWindowMs, kAcceptedAt) == at("2026-12-04T18:00:00Z"));
  spec.deadline = at("2026-12-01T00:00:00Z");
  CHECK(jobDeadline(spec, kWindowMs, kAcceptedAt) == at("2026-12-01T00:00:00Z"));
  spec.deadline = at("2026-12-05T00:00:00Z");  // later than the window: the window wins
  CHECK(jobDeadline(spec, kWindowMs, kAcceptedAt) == at("2026-12-04T18:00:00Z"));
}

TEST_CASE("JobSpec: the request body uses JSON booleans and the lower-case product") {
  const SpecResult parsed = parse(job({{"product", "\"JIRA\""}, {"recreateAsRemote", "\"true\""},
                                       {"migratedAt", "\"2026-11-20\""}, {"deadline", "\"2026-12-01T00:00:00Z\""}}));
  REQUIRE(parsed.ok());
  CHECK(requestBody(*parsed.spec) ==
        "{\"product\":\"jira\",\"productURL\":\"https://acme-eu.atlassian.net\","
        "\"destinationURL\":\"https://acme-us.atlassian.net\",\"migratedFrom\":\"https://jira.acme-corp.example\","
        "\"recreateAsRemote\":true,\"createBackup\":false}");

  JobSpec spec;
  spec.product = "confluence";
  spec.productUrl = "https://a.example/\"q\"\\";
  spec.destinationUrl = "https://b.example/\n";
  spec.migratedFrom = "http://c.example";
  spec.migratedFromOverride = "http://d.example";
  CHECK(requestBody(spec) ==
        "{\"product\":\"confluence\",\"productURL\":\"https://a.example/\\\"q\\\"\\\\\","
        "\"destinationURL\":\"https://b.example/\\u000a\",\"migratedFrom\":\"http://c.example\","
        "\"migratedFromOverride\":\"http://d.example\",\"recreateAsRemote\":false,\"createBackup\":false}");
}

void checkSame(const JobSpec& a, const JobSpec& b) {
  CHECK(a.siteId == b.siteId);
  CHECK(a.product == b.product);
  CHECK(a.productUrl == b.productUrl);
  CHECK(a.destinationUrl == b.destinationUrl);
  CHECK(a.migratedFrom == b.migratedFrom);
  CHECK(a.migratedFromOverride == b.migratedFromOverride);
  CHECK(a.recreateAsRemote == b.recreateAsRemote);
  CHECK(a.createBackup == b.createBackup);
  CHECK(a.migratedAt == b.migratedAt);
  CHECK(a.deadline == b.deadline);
}

TEST_CASE("JobSpec: specToJson and specFromJson round-trip exactly") {
  const std::vector<std::string> inputs = {
      job(),
      job({{"siteId", kRemove}, {"product", "\"Confluence\""}}),
      job({{"migratedFromOverride", "\"http://jira.prod.example\""}, {"recreateAsRemote", "true"},
           {"createBackup", "\"true\""}, {"migratedAt", "\"2026-11-20T18:00:00.250Z\""},
           {"deadline", "\"2026-12-01T00:00:00.001Z\""}}),
  };
  for (const std::string& input : inputs) {
    CAPTURE(input);
    const SpecResult parsed = parse(input);
    REQUIRE(parsed.ok());
    const std::string json = specToJson(*parsed.spec);
    CAPTURE(json);
    const std::optional<JobSpec> back = specFromJson(json);
    REQUIRE(back.has_value());
    checkSame(*parsed.spec, *back);
    CHECK(specToJson(*back) == json);
  }
}

TEST_CASE("JobSpec: specToJson writes the job file's field names") {
  const SpecResult parsed = parse(job({{"recreateAsRemote", "true"}, {"migratedAt", "\"2026-11-20\""}}));
  REQUIRE(parsed.ok());
  CHECK(specToJson(*parsed.spec) ==
        "{\"siteId\":\"0f3c9e2a-4b1d-4c8e-9a7f-2d6b5e8c1a90\",\"product\":\"jira\","
        "\"productURL\":\"https://acme-eu.atlassian.net\",\"destinationURL\":\"https://acme-us.atlassian.net\","
        "\"migratedFrom\":\"https://jira.acme-corp.example\",\"recreateAsRemote\":true,\"createBackup\":false,"
        "\"migratedAt\":\"2026-11-20T00:00:00Z\"}");
}

TEST_CASE("JobSpec: specFromJson refuses what is not a valid spec") {
  for (const std::string& input : {std::string(""), std::string("[]"), std::string("{}"), job({{"x", "1"}})}) {
    CAPTURE(input);
    CHECK_FALSE(specFromJson(input).has_value());
  }
  // A stored spec is not checked against a window: that was done on acceptance.
  CHECK(specFromJson(job({{"migratedAt", "\"2020-01-01\""}, {"deadline", "\"2030-01-01T00:00:00Z\""}})));
}

TEST_CASE("JobSpec: job file names") {
  struct Row {
    const char* fileName;
    bool ignored;
    bool jobFile;
    const char* name;
    const char* problem;
  };
  const Row rows[] = {
      {"acme-eu.json", false, true, "acme-eu", ""},
      {"A_b.c-9.json", false, true, "A_b.c-9", ""},
      {".hidden.json", true, false, ".hidden", ""},
      {".json", true, false, "", "is empty"},
      {"x.json~", true, false, "x.json~", ""},
      {"x.json.tmp", true, false, "x.json.tmp", ""},
      {"x.json.part", true, false, "x.json.part", ""},
      {"x.json.swp", true, false, "x.json.swp", ""},
      {"x.tmp", true, false, "x.tmp", ""},
      {"x.txt", false, false, "x.txt", ""},
      {"x.JSON", false, false, "x.JSON", ""},
      {"x.json.bak", false, false, "x.json.bak", ""},
      {"my job.json", false, true, "my job", "may contain only letters, digits, '.', '_' and '-'"},
      {"caf\xc3\xa9.json", false, true, "caf\xc3\xa9", "may contain only letters, digits, '.', '_' and '-'"},
      {"", true, false, "", "is empty"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.fileName);
    CHECK(isIgnoredName(row.fileName) == row.ignored);
    CHECK(isJobFileName(row.fileName) == row.jobFile);
    CHECK(jobNameOf(row.fileName) == row.name);
    if (row.jobFile || std::string(row.problem) == "is empty") CHECK(jobNameProblem(row.name) == row.problem);
  }
  CHECK(jobNameProblem(std::string(128, 'a')).empty());
  CHECK(jobNameProblem(std::string(129, 'a')) == "is longer than 128 characters");
}

}  // namespace
}  // namespace relinkd
