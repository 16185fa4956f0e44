// The plan file rules of interface.md ("Federation plans"), one table row
// per rule, and the jobs a plan derives.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "TestSupport.h"
#include "relinkd/domain/PlanSpec.h"

namespace relinkd {
namespace {

constexpr std::int64_t kWindowMs = 14LL * 24 * 3600 * 1000;
const char* const kRemove = testsupport::kRemoveField;

TimeMs at(const char* text) { return parseTime(text, true).value(); }

const std::string kSites =
    R"(["https://acme-eu.atlassian.net", "https://acme-us.atlassian.net", "https://acme-apac.atlassian.net"])";

// A valid plan with some fields changed, as job() in JobSpecTest.
std::string plan(const std::vector<std::pair<std::string, std::string>>& changes = {}) {
  return testsupport::objectWith(
      {
          {"sites", kSites},
          {"migratedFrom", "\"https://jira.acme-corp.example\""},
          {"migratedAt", "\"2026-11-20T18:00:00Z\""},
      },
      changes);
}

// The clock's time in these tests: a day after the plan's migratedAt.
const TimeMs kNow = at("2026-11-21T18:00:00Z");

PlanResult parse(const std::string& bytes, const std::string& name = "acme") {
  return parsePlan(bytes, name, kWindowMs, kNow);
}

std::string sitesOf(int n) {
  std::string out = "[";
  for (int i = 0; i < n; ++i) out += (i ? ", " : "") + std::string("\"https://s") + std::to_string(i) + ".example\"";
  return out + "]";
}

struct BadCase {
  std::string what;
  std::string input;
  const char* field;
  const char* problemPart;
  std::string name = "acme";
};

std::vector<BadCase> badCases() {
  return {
      // The file as a whole: the job file reader's rules.
      {"empty file", "", "file", "is empty"},
      {"top-level array", "[" + plan() + "]", "file", "JSON object"},
      {"not JSON", "{zzsecret", "file", "is not valid JSON"},
      {"binary", std::string("\x7f\x45\x4c\x46\xff\xfe\x80zzsecret", 11), "file", "not UTF-8"},
      {"larger than 64 KiB", plan({{"migratedFrom", "\"" + std::string(kMaxJobFileBytes, 'z') + "\""}}), "file",
       "larger than 64 KiB"},
      {"deeply nested", plan({{"sites", std::string(60000, '[')}}), "file", "deeper than 16"},
      {"a field twice", plan({{"migratedFrom", "\"https://a.example\", \"migratedFrom\": \"https://b.example\""}}),
       "migratedFrom", "appears more than once"},
      {"plan name with a space", plan(), "file name", "may contain only", "ac me"},
      // sites
      {"no sites", plan({{"sites", kRemove}}), "sites", "is required"},
      {"sites a string", plan({{"sites", "\"https://zzsecret.example\""}}), "sites", "must be an array"},
      {"one site", plan({{"sites", R"(["https://zzsecret.example"])"}}), "sites", "2 to 64 sites (it lists 1)"},
      {"no site", plan({{"sites", "[]"}}), "sites", "2 to 64 sites (it lists 0)"},
      {"65 sites", plan({{"sites", sitesOf(65)}}), "sites", "2 to 64 sites (it lists 65)"},
      {"a site not a string", plan({{"sites", R"(["https://a.example", 42])"}}), "sites[1]",
       "must be an https URL, or {\"url\": URL, \"label\": LABEL}"},
      {"a site over http", plan({{"sites", R"(["https://a.example", "http://zzsecret.example"])"}}), "sites[1]",
       "https URL"},
      {"a site with credentials", plan({{"sites", R"(["https://a.example", "https://u:zzsecret@b.example"])"}}),
       "sites[1]", "credentials"},
      // One host is one site, whatever the case, path, trailing slash or port.
      {"a site twice", plan({{"sites", R"(["https://a.example", "https://A.example/"])"}}), "sites[1]",
       "https://A.example/ and https://a.example (sites[0]) are the same site (host a.example); the jobs between "
       "them would link a site to itself: list each site once"},
      {"two sites on one host", plan({{"sites", R"(["https://a.example/x", "https://b.example", "https://a.example/y"])"}}),
       "sites[2]", "https://a.example/y and https://a.example/x (sites[0]) are the same site"},
      {"a site with its default port", plan({{"sites", R"(["https://a.example", "https://a.EXAMPLE:443"])"}}),
       "sites[1]", "are the same site (host a.example)"},
      {"a site on another port", plan({{"sites", R"(["https://a.example", "https://a.example:8443"])"}}),
       "sites[1]", "are the same site (host a.example)"},
      {"a site whose host ends in a dot", plan({{"sites", R"(["https://a.example", "https://a.example."])"}}),
       "sites[1]", "are the same site (host a.example)"},
      {"not JSON, with its place", "{\"sites\": [\"https://a.example\"\n \"https://b.example\"]}", "file",
       "is not valid JSON: line 2, column 2: expected ',' or ']' after a value"},
      {"derived names too long", plan(), "sites", "longer than 128 characters", std::string(110, 'p')},
      {"two sites with one label", plan({{"sites", R"(["https://a.b_c.example", "https://a.b.c_example"])"}}),
       "sites[1]", "would both be named a in job names; give one of them a label"},
      {"a given label taken by another's host", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "label": "a"}])"}}),
       "sites[1]", "would both be named a in job names"},
      {"a label in upper case", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "label": "EU"}])"}}),
       "sites[1].label", "1 to 32 characters of a-z, 0-9 and '-'"},
      {"a label with a dot", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "label": "e.u"}])"}}),
       "sites[1].label", "1 to 32 characters"},
      {"an empty label", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "label": ""}])"}}),
       "sites[1].label", "1 to 32 characters"},
      {"a label of 33 characters", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "label": ")" +
                                                         std::string(33, 'z') + R"("}])"}}),
       "sites[1].label", "1 to 32 characters"},
      {"a label a number", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "label": 7}])"}}),
       "sites[1].label", "1 to 32 characters"},
      {"a site object without url", plan({{"sites", R"(["https://a.example", {"label": "b"}])"}}), "sites[1].url",
       "is required"},
      {"a site object with a bad url", plan({{"sites", R"(["https://a.example", {"url": "http://zzsecret.example", "label": "b"}])"}}),
       "sites[1].url", "https URL"},
      {"a site object with another field", plan({{"sites", R"(["https://a.example", {"url": "https://b.example", "labl": "b"}])"}}),
       "sites[1].labl", "is not a field of a site"},
      // siteIds
      {"siteIds an array", plan({{"siteIds", R"(["x"])"}}), "siteIds", "must be an object"},
      {"siteIds for a site not in sites", plan({{"siteIds", R"({"https://other.example": "id-1"})"}}),
       "siteIds.https://other.example", "is not one of sites"},
      {"siteIds value a number", plan({{"siteIds", R"({"https://acme-eu.atlassian.net": 7})"}}),
       "siteIds.https://acme-eu.atlassian.net", "must be a string"},
      {"siteIds value empty", plan({{"siteIds", R"({"https://acme-eu.atlassian.net": ""})"}}),
       "siteIds.https://acme-eu.atlassian.net", "must not be empty"},
      {"siteIds value with a slash", plan({{"siteIds", R"({"https://acme-eu.atlassian.net": "a/zzsecret"})"}}),
       "siteIds.https://acme-eu.atlassian.net", "may contain only"},
      // The shared fields: the job file's rules.
      {"product confluence", plan({{"product", "\"confluence\""}}), "product", "must be \"jira\""},
      {"product a number", plan({{"product", "1"}}), "product", "must be a string"},
      {"no migratedFrom", plan({{"migratedFrom", kRemove}}), "migratedFrom", "is required"},
      {"migratedFrom ftp", plan({{"migratedFrom", "\"ftp://zzsecret.example\""}}), "migratedFrom", "http or https"},
      {"migratedFromOverride ftp", plan({{"migratedFromOverride", "\"ftp://zzsecret.example\""}}),
       "migratedFromOverride", "http or https"},
      {"createBackup yes", plan({{"createBackup", "\"zzsecret\""}}), "createBackup", "true or false"},
      {"no migratedAt", plan({{"migratedAt", kRemove}}), "migratedAt", "is required when recreateAsRemote"},
      {"migratedAt words", plan({{"migratedAt", "\"zzsecret\""}}), "migratedAt", "RFC 3339"},
      {"migratedAt over 1 h in the future", plan({{"migratedAt", "\"2026-11-21T19:00:01Z\""}}), "migratedAt",
       "2026-11-21T19:00:01Z is more than 1 h in the future; it says when the migration finished, so the "
       "migration must have finished"},
      {"deadline words", plan({{"deadline", "\"zzsecret\""}}), "deadline", "RFC 3339"},
      {"deadline after the window", plan({{"deadline", "\"2026-12-04T18:00:01Z\""}}), "deadline",
       "is after the migration window closes (2026-12-04T18:00:00Z)"},
      // Fields of a job file that a plan decides itself.
      {"productURL", plan({{"productURL", "\"https://zzsecret.example\""}}), "productURL", "unknown field"},
      {"recreateAsRemote", plan({{"recreateAsRemote", "true"}}), "recreateAsRemote", "unknown field"},
      {"a misspelt field", plan({{"siteids", "{}"}}), "siteids", "did you mean siteIds?"},
  };
}

TEST_CASE("PlanSpec: every bad plan is refused with a problem naming the field") {
  for (const BadCase& row : badCases()) {
    CAPTURE(row.what);
    const PlanResult result = parse(row.input, row.name);
    const std::string message = result.message();
    CAPTURE(message);
    CHECK_FALSE(result.ok());
    CHECK_FALSE(result.plan.has_value());
    bool found = false;
    for (const FieldProblem& p : result.problems)
      found = found || (p.field == row.field && p.problem.find(row.problemPart) != std::string::npos);
    CHECK(found);
    CHECK(message.find("zzsecret") == std::string::npos);
    CHECK(message.size() < 2000);
  }
}

TEST_CASE("PlanSpec: a valid plan keeps its sites, site ids and shared fields") {
  const PlanResult result = parse(plan({{"siteIds", R"({"https://ACME-US.atlassian.net/": "id-us"})"},
                                        {"product", "\"JIRA\""},
                                        {"migratedFromOverride", "\"https://jira.acme.example\""},
                                        {"createBackup", "\"true\""},
                                        {"deadline", "\"2026-12-01T00:00:00Z\""}}));
  INFO(result.message());
  REQUIRE(result.ok());
  const PlanSpec& p = *result.plan;
  CHECK(p.sites == std::vector<std::string>{"https://acme-eu.atlassian.net", "https://acme-us.atlassian.net",
                                             "https://acme-apac.atlassian.net"});
  // Keyed by the site as written in sites, whatever the spelling of the key.
  CHECK(p.siteIds == std::map<std::string, std::string>{{"https://acme-us.atlassian.net", "id-us"}});
  CHECK(p.shared.product == "jira");
  CHECK(p.shared.recreateAsRemote);
  CHECK(p.shared.createBackup);
  CHECK(p.shared.migratedFrom == "https://jira.acme-corp.example");
  CHECK(p.shared.migratedFromOverride == "https://jira.acme.example");
  CHECK(p.shared.migratedAt == at("2026-11-20T18:00:00Z"));
  CHECK(p.shared.deadline == at("2026-12-01T00:00:00Z"));
  CHECK(parse(plan({{"sites", sitesOf(64)}})).ok());
}

TEST_CASE("PlanSpec: siteIds name a site by the same-site rule, and migratedAt may be 1 h ahead") {
  const PlanResult result = parse(plan({{"siteIds", R"({"https://ACME-US.atlassian.net:443/jira/": "id-us"})"},
                                        {"migratedAt", "\"2026-11-21T19:00:00Z\""}}));
  INFO(result.message());
  REQUIRE(result.ok());
  CHECK(result.plan->siteIds == std::map<std::string, std::string>{{"https://acme-us.atlassian.net", "id-us"}});
  CHECK(result.plan->shared.migratedAt == at("2026-11-21T19:00:00Z"));
}

TEST_CASE("PlanSpec: a plan derives one job per ordered pair of sites") {
  const PlanResult result = parse(plan({{"siteIds", R"({"https://acme-us.atlassian.net": "id-us"})"}}));
  REQUIRE(result.ok());
  const std::vector<DerivedJob> jobs = deriveJobs("acme", *result.plan);
  std::vector<std::string> names;
  for (const DerivedJob& job : jobs) names.push_back(job.name);
  CHECK(names == std::vector<std::string>{"acme.acme-eu.acme-us", "acme.acme-eu.acme-apac", "acme.acme-us.acme-eu",
                                          "acme.acme-us.acme-apac", "acme.acme-apac.acme-eu",
                                          "acme.acme-apac.acme-us"});
  const JobSpec& usToApac = jobs[3].spec;
  CHECK(usToApac.productUrl == "https://acme-us.atlassian.net");
  CHECK(usToApac.destinationUrl == "https://acme-apac.atlassian.net");
  CHECK(usToApac.siteId == "id-us");  // the id of the site whose links are updated
  CHECK(usToApac.recreateAsRemote);
  CHECK(usToApac.product == "jira");
  CHECK(usToApac.migratedFrom == "https://jira.acme-corp.example");
  CHECK(usToApac.migratedAt == at("2026-11-20T18:00:00Z"));
  CHECK(jobs[0].spec.siteId.empty());  // acme-eu's is discovered
  for (const DerivedJob& job : jobs) CHECK(jobNameProblem(job.name).empty());

  const PlanResult eight = parse(plan({{"sites", sitesOf(8)}}));
  REQUIRE(eight.ok());
  std::set<std::string> distinct;
  for (const DerivedJob& job : deriveJobs("big", *eight.plan)) distinct.insert(job.name);
  CHECK(distinct.size() == 56);
}

std::vector<std::string> namesOf(const PlanResult& result, const std::string& planName = "acme") {
  std::vector<std::string> names;
  for (const DerivedJob& job : deriveJobs(planName, *result.plan)) names.push_back(job.name);
  return names;
}

TEST_CASE("PlanSpec: a site's label is its own label, else its first host label, whatever the other sites") {
  CHECK(defaultSiteLabel("https://Acme-EU.atlassian.net") == "acme-eu");
  CHECK(defaultSiteLabel("https://127.0.0.1:8443") == "127");
  const PlanResult labelled = parse(plan({{"sites", R"([{"url": "https://acme-eu.atlassian.net", "label": "eu-1"},
                                                         "https://acme-us.atlassian.net"])"}}));
  INFO(labelled.message());
  REQUIRE(labelled.ok());
  CHECK(labelled.plan->sites == std::vector<std::string>{"https://acme-eu.atlassian.net", "https://acme-us.atlassian.net"});
  CHECK(labelled.plan->labels == std::vector<std::string>{"eu-1", "acme-us"});
  CHECK(namesOf(labelled) == std::vector<std::string>{"acme.eu-1.acme-us", "acme.acme-us.eu-1"});
  // A site id is keyed by the URL, labelled or not.
  const PlanResult withId = parse(plan({{"sites", R"([{"url": "https://acme-eu.atlassian.net", "label": "eu-1"},
                                                       "https://acme-us.atlassian.net"])"},
                                        {"siteIds", R"({"https://acme-eu.atlassian.net": "id-eu"})"}}));
  REQUIRE(withId.ok());
  CHECK(deriveJobs("acme", *withId.plan)[0].spec.siteId == "id-eu");
  CHECK(parse(plan({{"sites", R"([{"url": "https://a.example", "label": ")" + std::string(32, 'z') +
                                  R"("}, "https://b.example"])"}})).ok());
}

TEST_CASE("PlanSpec: two sites with one label make the plan invalid, naming both and asking for a label") {
  const std::string eu = "https://acme-eu.atlassian.net", euToo = "https://acme-eu.example.com";
  const PlanResult clash =
      parse(plan({{"sites", R"([")" + eu + R"(", "https://acme-us.atlassian.net", ")" + euToo + R"("])"}}));
  REQUIRE_FALSE(clash.ok());
  REQUIRE(clash.problems.size() == 1);
  CHECK(clash.problems[0].field == "sites[2]");
  const std::string& problem = clash.problems[0].problem;
  CAPTURE(problem);
  CHECK(problem.find(eu) != std::string::npos);
  CHECK(problem.find(euToo) != std::string::npos);
  CHECK(problem.find("sites[0]") != std::string::npos);
  CHECK(problem.find("acme-eu") != std::string::npos);
  CHECK(problem.find("label") != std::string::npos);
  // With a label on either of the two, the plan is valid and the other keeps its name.
  const PlanResult newLabelled = parse(plan({{"sites", R"([")" + eu + R"(", "https://acme-us.atlassian.net",
                                                  {"url": ")" + euToo + R"(", "label": "eu-com"}])"}}));
  REQUIRE(newLabelled.ok());
  CHECK(newLabelled.plan->labels == std::vector<std::string>{"acme-eu", "acme-us", "eu-com"});
  const PlanResult oldLabelled = parse(plan({{"sites", R"([{"url": ")" + eu + R"(", "label": "eu-net"},
                                                  "https://acme-us.atlassian.net", ")" + euToo + R"("])"}}));
  REQUIRE(oldLabelled.ok());
  CHECK(oldLabelled.plan->labels == std::vector<std::string>{"eu-net", "acme-us", "acme-eu"});
}

TEST_CASE("PlanSpec: adding a site renames no other site's jobs") {
  const PlanResult two = parse(plan({{"sites", R"(["https://acme.atlassian.net", "https://other.atlassian.net"])"}}));
  const PlanResult three = parse(plan({{"sites", R"(["https://acme.atlassian.net", "https://other.atlassian.net",
                                                     {"url": "https://acme.jira.example", "label": "acme-dc"}])"}}));
  REQUIRE(two.ok());
  REQUIRE(three.ok());
  const std::vector<std::string> before = namesOf(two), after = namesOf(three);
  for (const std::string& name : before) CHECK(std::find(after.begin(), after.end(), name) != after.end());
}

TEST_CASE("PlanSpec: plan file names") {
  CHECK(isPlanFileName("acme.plan.json"));
  CHECK(isPlanFileName("a.b.plan.json"));
  CHECK_FALSE(isPlanFileName("acme.json"));
  CHECK_FALSE(isPlanFileName(".plan.json"));
  CHECK_FALSE(isPlanFileName(".acme.plan.json"));  // hidden: ignored
  CHECK_FALSE(isPlanFileName("acme.plan.json~"));
  CHECK(planNameOf("acme.plan.json") == "acme");
  CHECK(planFileName("acme") == "acme.plan.json");
}

}  // namespace
}  // namespace relinkd
