// The plan file rules of interface.md ("Federation plans"), one table row
// per rule, and the jobs a plan derives.
#include <doctest/doctest.h>

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

PlanResult parse(const std::string& bytes, const std::string& name = "acme") {
  return parsePlan(bytes, name, kWindowMs);
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
      {"a site not a string", plan({{"sites", R"(["https://a.example", 42])"}}), "sites[1]", "must be a string"},
      {"a site over http", plan({{"sites", R"(["https://a.example", "http://zzsecret.example"])"}}), "sites[1]",
       "https URL"},
      {"a site with credentials", plan({{"sites", R"(["https://a.example", "https://u:zzsecret@b.example"])"}}),
       "sites[1]", "credentials"},
      {"a site twice", plan({{"sites", R"(["https://a.example", "https://A.example/"])"}}), "sites[1]",
       "same site as sites[0]"},
      {"two sites on one host", plan({{"sites", R"(["https://a.example/x", "https://a.example/y"])"}}), "sites[1]",
       "same host as sites[0]"},
      {"derived names too long", plan(), "sites", "longer than 128 characters", std::string(110, 'p')},
      {"two hosts with one name", plan({{"sites", R"(["https://a.b_c.example", "https://a.b.c_example"])"}}),
       "sites[1]", "would be named a_b_c_example in job names, as sites[0] is"},
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

TEST_CASE("PlanSpec: sites whose first host labels are the same are named by their whole host") {
  CHECK(siteLabels({"https://acme.atlassian.net", "https://acme.jira.example", "https://other.atlassian.net"}) ==
        std::vector<std::string>{"acme_atlassian_net", "acme_jira_example", "other"});
  CHECK(siteLabels({"https://127.0.0.1:8443", "https://localhost:8443"}) ==
        std::vector<std::string>{"127", "localhost"});
  CHECK(siteLabels({"https://127.0.0.1:8443", "https://127.0.0.2:8443"}) ==
        std::vector<std::string>{"127_0_0_1", "127_0_0_2"});
  CHECK(siteLabels({"https://Acme-EU.atlassian.net", "https://b.example"}) ==
        std::vector<std::string>{"acme-eu", "b"});
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
