// The JSON shape of jobs (interface.md): relinkctl list/show --json and GET /jobs.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <Poco/JSON/Parser.h>

#include "relinkd/domain/JobJson.h"

namespace relinkd {
namespace {

constexpr TimeMs kNow = 1800000000000;  // 2027-01-15T08:00:00Z
constexpr TimeMs kHour = 3600 * 1000;

Job sampleJob() {
  Job job;
  job.name = "acme";
  job.file = "/etc/relinkd/jobs.d/acme.json";
  job.fileHash = "ffff";
  job.specJson = R"({"siteId":"s-1","product":"jira","productURL":"https://acme.atlassian.net"})";
  job.siteId = "s-1";
  job.state = JobState::kRetrying;
  job.remoteJobId = "r-1";
  job.remoteStatus = "IN_PROGRESS";
  job.attempts = 2;
  job.nextAttemptAt = kNow + 30000;
  job.deadline = kNow + 48 * kHour;
  job.lastError = "HTTP 503 \"busy\"\nretry later \xC3\xA9";  // quotes, newline, UTF-8
  job.createdAt = kNow - kHour;
  job.updatedAt = kNow - 1500;  // milliseconds shown
  return job;
}

// Parses the text form, as a client of the JSON would.
Poco::JSON::Object::Ptr reparse(const Poco::JSON::Object::Ptr& object) {
  Poco::JSON::Parser parser;
  return parser.parse(toJsonText(object)).extract<Poco::JSON::Object::Ptr>();
}

std::set<std::string> keysOf(const Poco::JSON::Object::Ptr& object) {
  const auto names = object->getNames();
  return {names.begin(), names.end()};
}

const std::set<std::string> kJobKeys = {
    "name",     "file",     "state",  "plan",      "siteId",    "remoteJobId", "remoteStatus", "attempts",
    "nextAttemptAt", "deadline", "deadlineNear", "lastError", "createdAt", "updatedAt"};

}  // namespace

TEST_CASE("JobJson: a job has exactly the documented keys and values") {
  const Job job = sampleJob();
  const auto object = reparse(jobToJson(job, kNow));
  CHECK(keysOf(object) == kJobKeys);
  CHECK(object->getValue<std::string>("name") == "acme");
  CHECK(object->getValue<std::string>("file") == "/etc/relinkd/jobs.d/acme.json");
  CHECK(object->getValue<std::string>("state") == "retrying");
  CHECK(object->getValue<std::string>("siteId") == "s-1");
  CHECK(object->getValue<std::string>("remoteJobId") == "r-1");
  CHECK(object->getValue<std::string>("remoteStatus") == "IN_PROGRESS");
  CHECK(object->getValue<int>("attempts") == 2);
  CHECK(object->getValue<std::string>("nextAttemptAt") == "2027-01-15T08:00:30Z");
  CHECK(object->getValue<std::string>("deadline") == "2027-01-17T08:00:00Z");
  CHECK(object->getValue<bool>("deadlineNear") == false);
  CHECK(object->getValue<std::string>("lastError") == *job.lastError);
  CHECK(object->getValue<std::string>("createdAt") == "2027-01-15T07:00:00Z");
  CHECK(object->getValue<std::string>("updatedAt") == "2027-01-15T07:59:58.500Z");
  CHECK(object->isNull("plan"));  // a job file's job

  Job derived = job;
  derived.plan = "acme-split";
  CHECK(reparse(jobToJson(derived, kNow))->getValue<std::string>("plan") == "acme-split");
}

TEST_CASE("JobJson: absent values are null, never missing") {
  Job job;
  job.name = "bare";
  job.file = "/jobs/bare.json";
  job.state = JobState::kInvalid;
  job.createdAt = kNow;
  job.updatedAt = kNow;
  const auto object = reparse(jobToJson(job, kNow));
  CHECK(keysOf(object) == kJobKeys);
  for (const char* key : {"plan", "siteId", "remoteJobId", "remoteStatus", "nextAttemptAt", "deadline",
                          "lastError"}) {
    INFO("key " << key);
    CHECK(object->isNull(key));
  }
  CHECK(object->getValue<bool>("deadlineNear") == false);
  CHECK(object->getValue<std::string>("state") == "invalid");
}

TEST_CASE("JobJson: deadlineNear warns for unfinished jobs within 24 hours") {
  struct Case {
    JobState state;
    std::optional<TimeMs> deadline;
    bool near;
  };
  const Case cases[] = {
      {JobState::kRunning, kNow + 23 * kHour, true},
      {JobState::kQueued, kNow + 24 * kHour - 1, true},
      {JobState::kRetrying, kNow + 24 * kHour, false},
      {JobState::kPaused, kNow - kHour, true},  // closed, not yet marked expired
      {JobState::kRunning, std::nullopt, false},
      {JobState::kSucceeded, kNow + kHour, false},
      {JobState::kFailed, kNow + kHour, false},
      {JobState::kExpired, kNow - kHour, false},
      {JobState::kCancelled, kNow + kHour, false},
  };
  for (const auto& c : cases) {
    Job job = sampleJob();
    job.state = c.state;
    job.deadline = c.deadline;
    INFO("state " << stateName(c.state) << ", deadline "
                  << (c.deadline ? std::to_string(*c.deadline - kNow) : "none"));
    CHECK(isDeadlineNear(job, kNow) == c.near);
    CHECK(jobToJson(job, kNow)->getValue<bool>("deadlineNear") == c.near);
  }
}

TEST_CASE("JobJson: the detail adds the spec and the history") {
  const Job job = sampleJob();
  const std::vector<HistoryEntry> history = {
      {kNow - kHour, "created", std::nullopt, "ok", "new file"},
      {kNow - 1000, "submit", 503, "transient", "HTTP 503"},
  };
  const auto object = reparse(jobDetailToJson(job, history, kNow));
  auto keys = kJobKeys;
  keys.insert({"spec", "result", "history"});
  CHECK(keysOf(object) == keys);

  const auto spec = object->getObject("spec");
  REQUIRE(spec);
  CHECK(spec->getValue<std::string>("siteId") == "s-1");
  CHECK(spec->getValue<std::string>("productURL") == "https://acme.atlassian.net");

  const auto entries = object->getArray("history");
  REQUIRE(entries);
  REQUIRE(entries->size() == 2);
  const auto first = entries->getObject(0);
  CHECK(keysOf(first) == std::set<std::string>{"at", "action", "httpStatus", "outcome", "detail"});
  CHECK(first->getValue<std::string>("at") == "2027-01-15T07:00:00Z");
  CHECK(first->getValue<std::string>("action") == "created");
  CHECK(first->isNull("httpStatus"));
  CHECK(first->getValue<std::string>("detail") == "new file");
  const auto second = entries->getObject(1);
  CHECK(second->getValue<int>("httpStatus") == 503);
  CHECK(second->getValue<std::string>("outcome") == "transient");
}

TEST_CASE("JobJson: the spec is null for a job without an accepted file") {
  Job job = sampleJob();
  job.specJson.reset();
  CHECK(reparse(jobDetailToJson(job, {}, kNow))->isNull("spec"));
  CHECK(reparse(jobDetailToJson(job, {}, kNow))->getArray("history")->size() == 0);
  job.specJson = "not json";
  CHECK(reparse(jobDetailToJson(job, {}, kNow))->isNull("spec"));
}

TEST_CASE("JobJson: a list is an array of job objects in the given order") {
  Job a = sampleJob();
  Job b = sampleJob();
  b.name = "beta";
  b.state = JobState::kSucceeded;
  Poco::JSON::Parser parser;
  const auto array =
      parser.parse(jobListJson(std::vector<Job>{a, b}, kNow)).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(array->size() == 2);
  CHECK(array->getObject(0)->getValue<std::string>("name") == "acme");
  CHECK(array->getObject(1)->getValue<std::string>("state") == "succeeded");
  CHECK(keysOf(array->getObject(1)) == kJobKeys);
  CHECK(jobListJson(std::vector<Job>{}, kNow) == "[]");
  // The daemon's shared snapshots give the same text.
  const JobList shared{std::make_shared<const Job>(a), std::make_shared<const Job>(b)};
  CHECK(jobListJson(shared, kNow) == jobListJson(std::vector<Job>{a, b}, kNow));
}

}  // namespace relinkd
