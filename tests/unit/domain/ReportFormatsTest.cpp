// reportCsv and reportJson against their contracts (interface.md, Report.h),
// with hostile field values: commas, quotes, CR and LF, non-ASCII.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <Poco/JSON/Parser.h>

#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/Report.h"
#include "relinkd/domain/Time.h"

namespace relinkd {
namespace {

constexpr TimeMs kNow = 1764000000000;  // 2025-11-24T16:00:00Z

Job planJob(const std::string& name, JobState state) {
  Job job;
  job.name = name;
  job.plan = "acme";
  job.file = "/jobs/acme.plan.json";
  job.fileHash = "h";
  job.state = state;
  job.acceptedAt = kNow - 3600000;
  job.deadline = kNow + 2 * 86400000;
  JobSpec spec;
  spec.productUrl = "https://" + name.substr(5, 2) + ".example.net";
  spec.destinationUrl = "https://" + name.substr(8, 2) + ".example.net";
  spec.migratedFrom = spec.productUrl;
  job.specJson = specToJson(spec);
  return job;
}

// acme.eu.us failed with a hostile error, acme.us.eu succeeded with a
// result; solo is invalid with a non-ASCII, multi-line error.
Report sample() {
  Job failed = planJob("acme.eu.us", JobState::kFailed);
  failed.attempts = 2;
  failed.remoteJobId = "r-1";
  failed.firstSubmittedAt = kNow - 1000;
  failed.finishedAt = kNow;
  failed.lastError = "HTTP 400: \"bad\", said the API\r\nline two";
  Job done = planJob("acme.us.eu", JobState::kSucceeded);
  done.attempts = 1;
  done.remoteJobId = "r-2";
  done.result = R"({"status":"COMPLETE"})";
  Job solo;
  solo.name = "solo";
  solo.file = "/jobs/solo.json";
  solo.fileHash = "h";
  solo.state = JobState::kInvalid;
  solo.lastError = "productURL: must be https — « Zürich »\nfix it";
  std::vector<std::string> unknown;
  return buildReport({failed, done, solo}, {}, kNow, {}, unknown);
}

// The records of an RFC 4180 text (quoted fields may hold CR, LF, commas).
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      records.back().back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ',') {
      records.back().emplace_back();
    } else if (!quoted && c == '\r') {
      REQUIRE(text.at(i + 1) == '\n');  // every record ends in CRLF
      ++i;
      records.emplace_back(1);
    } else {
      REQUIRE((quoted || c != '\n'));  // a bare LF only inside quotes
      records.back().back() += c;
    }
  }
  REQUIRE(records.back() == std::vector<std::string>{""});  // the last record ended in CRLF too
  records.pop_back();
  return records;
}

}  // namespace

TEST_CASE("report CSV: interface.md's header, one record per job, hostile fields survive") {
  const std::string csv = reportCsv(sample());
  CHECK(csv.rfind("name,plan,productURL,destinationURL,state,attempts,remoteJobId,firstSubmittedAt,finishedAt,"
                  "lastError\r\n",
                  0) == 0);
  const auto records = parseCsv(csv);
  REQUIRE(records.size() == 4);
  CHECK(records[1] == std::vector<std::string>{"acme.eu.us", "acme", "https://eu.example.net",
                                               "https://us.example.net", "failed", "2", "r-1",
                                               "2025-11-24T15:59:59Z", "2025-11-24T16:00:00Z",
                                               "HTTP 400: \"bad\", said the API\r\nline two"});
  CHECK(records[2] == std::vector<std::string>{"acme.us.eu", "acme", "https://us.example.net",
                                               "https://eu.example.net", "succeeded", "1", "r-2", "", "", ""});
  CHECK(records[3] == std::vector<std::string>{"solo", "", "", "", "invalid", "0", "", "", "",
                                               "productURL: must be https — « Zürich »\nfix it"});
  CHECK(csv.find("\"HTTP 400: \"\"bad\"\", said the API\r\nline two\"\r\n") != std::string::npos);
  CHECK(csv.find(",r-2,,,\r\n") != std::string::npos);  // unquoted when nothing needs it
}

// A spreadsheet runs a cell starting with =, +, -, @, TAB or CR as a
// formula; lastError and remoteJobId carry the API's text.
TEST_CASE("report CSV: a field a spreadsheet would run as a formula gets a leading quote") {
  Job job = planJob("acme.eu.us", JobState::kFailed);
  job.name = "-acme.eu";  // a valid job name: names and plans are kept as they are (scripts feed them back)
  job.plan = "-acme";
  job.remoteJobId = "+cmd|' /C calc'!A0";
  job.lastError = "=HYPERLINK(\"http://evil\",\"x\")";
  Job tab = planJob("acme.us.eu", JobState::kFailed);
  tab.remoteJobId = "-2+3";
  tab.lastError = "\tpadded";
  Job cr = planJob("acme.eu.ap", JobState::kFailed);
  cr.lastError = "\rcarriage";
  std::vector<std::string> unknown;
  const std::string csv = reportCsv(buildReport({job, tab, cr}, {}, kNow, {}, unknown));
  const auto records = parseCsv(csv);
  REQUIRE(records.size() == 4);
  CHECK(records[1][0] == "-acme.eu");
  CHECK(records[1][1] == "-acme");
  CHECK(records[1][6] == "'+cmd|' /C calc'!A0");
  CHECK(records[1][9] == "'=HYPERLINK(\"http://evil\",\"x\")");
  CHECK(csv.find("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"\r\n") != std::string::npos);
  CHECK(records[2][9] == "'\rcarriage");  // records sorted by name: acme.eu.ap, then acme.us.eu
  CHECK(records[3][6] == "'-2+3");
  CHECK(records[3][9] == "'\tpadded");
  CHECK(records[3][0] == "acme.us.eu");  // an ordinary field is as it was
  CHECK(csv.find(",failed,0,'-2+3,") == std::string::npos);  // the quoted form, not bare
}

TEST_CASE("report JSON: totals, plans with window and matrix, jobs with the record's fields") {
  const Poco::JSON::Object::Ptr root =
      Poco::JSON::Parser().parse(reportJson(sample())).extract<Poco::JSON::Object::Ptr>();
  CHECK(root->getValue<std::string>("generatedAt") == "2025-11-24T16:00:00Z");
  CHECK(root->getArray("selection")->size() == 0);
  const auto totals = root->getObject("totals");
  CHECK(totals->getValue<int>("jobs") == 3);
  CHECK(totals->getValue<int>("failed") == 1);
  CHECK(totals->getValue<int>("queued") == 0);

  REQUIRE(root->getArray("plans")->size() == 1);
  const auto plan = root->getArray("plans")->getObject(0);
  CHECK(plan->getValue<std::string>("plan") == "acme");
  CHECK(plan->getValue<std::string>("file") == "/jobs/acme.plan.json");
  CHECK(plan->isNull("problem"));
  const auto window = plan->getObject("window");
  CHECK(window->getValue<std::string>("opened") == "2025-11-24T15:00:00Z");
  CHECK(window->getValue<std::string>("closes") == "2025-11-26T16:00:00Z");
  CHECK_FALSE(window->getValue<bool>("closed"));
  CHECK(window->getValue<std::int64_t>("timeLeftSeconds") == 2 * 86400);
  CHECK(plan->getObject("matrix")->getObject("eu")->getValue<std::string>("us") == "failed");
  CHECK(plan->getArray("sites")->getObject(0)->getValue<std::string>("label") == "eu");
  CHECK(plan->getObject("totals")->getValue<int>("jobs") == 2);

  const auto jobs = root->getArray("jobs");
  REQUIRE(jobs->size() == 3);
  const auto failed = jobs->getObject(0);
  CHECK(failed->getValue<std::string>("name") == "acme.eu.us");
  CHECK(failed->getValue<std::string>("from") == "eu");
  CHECK(failed->getValue<std::string>("to") == "us");
  CHECK(failed->getValue<std::string>("productURL") == "https://eu.example.net");
  CHECK(failed->getValue<std::string>("firstSubmittedAt") == "2025-11-24T15:59:59Z");
  CHECK(failed->getValue<std::string>("finishedAt") == "2025-11-24T16:00:00Z");
  CHECK(failed->getValue<std::string>("lastError") == "HTTP 400: \"bad\", said the API\r\nline two");
  CHECK_FALSE(failed->getValue<bool>("former"));
  CHECK(jobs->getObject(1)->getObject("result")->getValue<std::string>("status") == "COMPLETE");
  const auto solo = jobs->getObject(2);
  CHECK(solo->isNull("from"));
  CHECK(solo->isNull("productURL"));
  CHECK(solo->isNull("firstSubmittedAt"));
  CHECK(solo->getValue<std::string>("lastError") == "productURL: must be https — « Zürich »\nfix it");
}

TEST_CASE("report JSON: a window that has closed, and one of no jobs") {
  Job late = planJob("acme.eu.us", JobState::kExpired);
  late.deadline = kNow - 1;
  std::vector<std::string> unknown;
  const auto root = Poco::JSON::Parser()
                        .parse(reportJson(buildReport({late}, {"acme"}, kNow, {}, unknown)))
                        .extract<Poco::JSON::Object::Ptr>();
  CHECK(root->getArray("selection")->getElement<std::string>(0) == "acme");
  const auto window = root->getArray("plans")->getObject(0)->getObject("window");
  CHECK(window->getValue<bool>("closed"));
  CHECK(window->getValue<int>("timeLeftSeconds") == 0);
  Job standIn = planJob("acme.eu.us", JobState::kInvalid);
  standIn.name = "acme";
  standIn.specJson.reset();
  standIn.deadline.reset();
  standIn.acceptedAt = 0;
  const auto none = Poco::JSON::Parser()
                        .parse(reportJson(buildReport({standIn}, {}, kNow, {}, unknown)))
                        .extract<Poco::JSON::Object::Ptr>();
  const auto empty = none->getArray("plans")->getObject(0)->getObject("window");
  CHECK(empty->isNull("opened"));
  CHECK(empty->isNull("closes"));
  CHECK(empty->isNull("closed"));
  CHECK(empty->isNull("timeLeftSeconds"));
}

}  // namespace relinkd
