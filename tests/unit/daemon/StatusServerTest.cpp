// Specifications of the HTTP status endpoint (relinkd/StatusServer.h),
// driven over loopback with fake sources: a manual clock, recorded API
// metrics and a fixed list of jobs.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include "relinkd/domain/Duration.h"
#include "StatusServer.h"

using relinkd::Job;
using relinkd::JobState;
using relinkd::StatusServer;
using relinkd::TimeMs;

namespace {

constexpr TimeMs kNow = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr TimeMs kHour = 3600 * 1000;

Job makeJob(const std::string& name, JobState state, std::optional<TimeMs> deadline) {
  Job job;
  job.name = name;
  job.file = "/etc/relinkd/jobs.d/" + name + ".json";
  job.state = state;
  job.deadline = deadline;
  job.createdAt = kNow - kHour;
  job.updatedAt = kNow - kHour;
  return job;
}

// The daemon's side, faked: everything the server reads, settable by the test.
struct FakeDaemon {
  relinkd::ManualClock clock{kNow};
  relinkd::ApiMetrics metrics;
  std::mutex healthMutex;
  std::string health;  // empty: healthy
  std::atomic<bool> paused{false};
  std::atomic<bool> storeWritable{true};
  std::atomic<std::uint64_t> storeWriteFailures{0};
  std::mutex mutex;
  std::vector<Job> jobs;

  void setJobs(std::vector<Job> list) {
    std::lock_guard<std::mutex> lock(mutex);
    jobs = std::move(list);
  }

  relinkd::StatusSources sources() {
    relinkd::StatusSources s;
    s.jobs = [this] {
      std::lock_guard<std::mutex> lock(mutex);
      relinkd::JobList list;
      for (const Job& job : jobs) list.push_back(std::make_shared<const Job>(job));
      return list;
    };
    s.health = [this] {
      std::lock_guard<std::mutex> lock(healthMutex);
      return health;
    };
    s.paused = [this] { return paused.load(); };
    s.storeWritable = [this] { return storeWritable.load(); };
    s.storeWriteFailures = [this] { return storeWriteFailures.load(); };
    s.metrics = &metrics;
    s.clock = &clock;
    return s;
  }
};

struct Fetched {
  int status = 0;
  std::string contentType;
  std::string cacheControl;
  std::string allow;
  std::streamsize contentLength = -1;
  std::string body;
};

Fetched fetch(unsigned short port, const std::string& path,
              const std::string& method = Poco::Net::HTTPRequest::HTTP_GET,
              const std::string& requestBody = "", const std::string& host = "127.0.0.1") {
  Poco::Net::HTTPClientSession session(host, port);
  session.setTimeout(Poco::Timespan(2, 0));  // well under the server's 5 s read timeout
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!requestBody.empty()) request.setContentLength(static_cast<std::streamsize>(requestBody.size()));
  session.sendRequest(request) << requestBody;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Fetched fetched;
  fetched.status = response.getStatus();
  fetched.contentType = response.getContentType();
  fetched.cacheControl = response.get("Cache-Control", "");
  fetched.allow = response.get("Allow", "");
  fetched.contentLength = response.getContentLength();
  Poco::StreamCopier::copyToString(in, fetched.body);
  return fetched;
}

std::set<std::string> lines(const std::string& text) {
  std::set<std::string> result;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) result.insert(line);
  return result;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A running job is "open"; the others are there to be left out where they must be.
std::vector<Job> sampleJobs() {
  std::vector<Job> jobs;
  jobs.push_back(makeJob("alpha", JobState::kRunning, kNow + 2 * kHour + 500));
  jobs.back().remoteStatus = "IN_PROGRESS";
  jobs.push_back(makeJob("beta", JobState::kRetrying, kNow - 1000));  // window already closed
  jobs.back().attempts = 3;
  jobs.back().lastError = "HTTP 503 from the API";
  jobs.push_back(makeJob("gamma", JobState::kSucceeded, kNow + kHour));
  jobs.push_back(makeJob("delta", JobState::kInvalid, kNow + kHour));
  jobs.push_back(makeJob("epsilon", JobState::kRunning, std::nullopt));
  return jobs;
}

}  // namespace

TEST_CASE("StatusServer: /healthz says ok while healthy and 503 when not") {
  FakeDaemon daemon;
  StatusServer server("127.0.0.1:0", daemon.sources());
  REQUIRE(server.port() != 0);

  Fetched ok = fetch(server.port(), "/healthz");
  CHECK(ok.status == 200);
  CHECK(ok.body == "ok\n");
  CHECK(ok.cacheControl == "no-store");

  {
    std::lock_guard<std::mutex> lock(daemon.healthMutex);
    daemon.health = "jobs are paused for credentials";
  }
  Fetched bad = fetch(server.port(), "/healthz");
  CHECK(bad.status == 503);
  CHECK(bad.body == "unhealthy: jobs are paused for credentials\n");
  CHECK(bad.cacheControl == "no-store");
}

TEST_CASE("StatusServer: /metrics in Prometheus text format") {
  FakeDaemon daemon;
  daemon.setJobs(sampleJobs());
  // Exactly representable durations, so that the sum has one spelling; 0.25
  // sits on a bucket's edge and counts in it.
  daemon.metrics.record("submit", "200", 0.03125);
  daemon.metrics.record("submit", "200", 0.25);
  daemon.metrics.record("status", "503", 0.25);
  daemon.metrics.record("status", "timeout", 3);
  daemon.metrics.record("tenant_info", "200", 100);
  StatusServer server("127.0.0.1:0", daemon.sources());

  Fetched metrics = fetch(server.port(), "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.contentType.rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(metrics.cacheControl == "no-store");
  const auto got = lines(metrics.body);
  const std::vector<std::string> expected = {
      "# HELP relinkd_jobs Jobs by state, and by plan for the jobs of a plan.",
      "# TYPE relinkd_jobs gauge",
      "relinkd_jobs{state=\"invalid\"} 1",
      "relinkd_jobs{state=\"queued\"} 0",
      "relinkd_jobs{state=\"running\"} 2",
      "relinkd_jobs{state=\"retrying\"} 1",
      "relinkd_jobs{state=\"paused\"} 0",
      "relinkd_jobs{state=\"succeeded\"} 1",
      "relinkd_jobs{state=\"failed\"} 0",
      "relinkd_jobs{state=\"expired\"} 0",
      "relinkd_jobs{state=\"cancelled\"} 0",
      "# TYPE relinkd_api_requests_total counter",
      "relinkd_api_requests_total{endpoint=\"submit\",code=\"200\"} 2",
      "relinkd_api_requests_total{endpoint=\"status\",code=\"503\"} 1",
      "relinkd_api_requests_total{endpoint=\"status\",code=\"timeout\"} 1",
      "relinkd_api_requests_total{endpoint=\"tenant_info\",code=\"200\"} 1",
      "# TYPE relinkd_api_request_duration_seconds histogram",
      "relinkd_api_request_duration_seconds_bucket{le=\"0.05\"} 1",
      "relinkd_api_request_duration_seconds_bucket{le=\"0.1\"} 1",
      "relinkd_api_request_duration_seconds_bucket{le=\"0.25\"} 3",
      "relinkd_api_request_duration_seconds_bucket{le=\"0.5\"} 3",
      "relinkd_api_request_duration_seconds_bucket{le=\"1\"} 3",
      "relinkd_api_request_duration_seconds_bucket{le=\"2.5\"} 3",
      "relinkd_api_request_duration_seconds_bucket{le=\"5\"} 4",
      "relinkd_api_request_duration_seconds_bucket{le=\"10\"} 4",
      "relinkd_api_request_duration_seconds_bucket{le=\"30\"} 4",
      "relinkd_api_request_duration_seconds_bucket{le=\"60\"} 4",
      "relinkd_api_request_duration_seconds_bucket{le=\"+Inf\"} 5",
      "relinkd_api_request_duration_seconds_sum 103.53125",
      "relinkd_api_request_duration_seconds_count 5",
      "# TYPE relinkd_job_deadline_timestamp_seconds gauge",
      "relinkd_job_deadline_timestamp_seconds{job=\"alpha\"} 1767232800.5",
      "relinkd_job_deadline_timestamp_seconds{job=\"beta\"} 1767225599",
      "# TYPE relinkd_paused gauge",
      "relinkd_paused 0",
      "# HELP relinkd_store_write_failures_total Failed attempts to write the state database since relinkd started.",
      "# TYPE relinkd_store_write_failures_total counter",
      "relinkd_store_write_failures_total 0",
      "# TYPE relinkd_store_writable gauge",
      "relinkd_store_writable 1",
      "# TYPE relinkd_notifications_owed gauge",
      "relinkd_notifications_owed 0",  // notifications off
  };
  for (const auto& line : expected) {
    CAPTURE(line);
    CHECK(got.count(line) == 1);
  }
  SUBCASE("no deadline for final, invalid or deadline-less jobs") {
    CHECK_FALSE(contains(metrics.body, "job=\"gamma\""));
    CHECK_FALSE(contains(metrics.body, "job=\"delta\""));
    CHECK_FALSE(contains(metrics.body, "job=\"epsilon\""));
  }
  SUBCASE("every family is announced once, every sample line is name{labels} value") {
    for (const auto& line : got) {
      CAPTURE(line);
      CHECK((line.rfind("# HELP relinkd_", 0) == 0 || line.rfind("# TYPE relinkd_", 0) == 0 ||
             line.rfind("relinkd_", 0) == 0));
    }
  }
  SUBCASE("notifications owed: jobs', plans' and pauses', summed") {
    relinkd::StatusSources sources = daemon.sources();
    sources.notifications = [] {
      return std::map<std::string, relinkd::NotificationSummary>{
          {"alpha", {std::nullopt, 2}}, {"plan:acme", {std::nullopt, 1}}, {":paused", {kNow, 1}}, {"beta", {kNow, 0}}};
    };
    StatusServer owing("127.0.0.1:0", sources);
    CHECK(lines(fetch(owing.port(), "/metrics").body).count("relinkd_notifications_owed 4") == 1);
  }
  SUBCASE("paused") {
    daemon.paused = true;
    CHECK(lines(fetch(server.port(), "/metrics").body).count("relinkd_paused 1") == 1);
  }
  SUBCASE("the state database cannot be written") {
    daemon.storeWritable = false;
    daemon.storeWriteFailures = 4294967301;  // past 32 bits: a long outage, one try a second
    const auto failing = lines(fetch(server.port(), "/metrics").body);
    CHECK(failing.count("relinkd_store_writable 0") == 1);
    CHECK(failing.count("relinkd_store_write_failures_total 4294967301") == 1);
  }
}

TEST_CASE("StatusServer: a plan's jobs are counted by state under its plan label, and shown under it") {
  FakeDaemon daemon;
  std::vector<Job> jobs = sampleJobs();
  for (const char* name : {"acme.eu.us", "acme.us.eu"}) {
    jobs.push_back(makeJob(name, JobState::kSucceeded, kNow + kHour));
    jobs.back().plan = "acme";
  }
  jobs.back().state = JobState::kRunning;
  jobs.push_back(makeJob("broken", JobState::kInvalid, std::nullopt));
  jobs.back().plan = "broken";
  jobs.back().lastError = "sites: must list 2 to 64 sites (it lists 1)";
  daemon.setJobs(jobs);
  StatusServer server("127.0.0.1:0", daemon.sources());

  const auto got = lines(fetch(server.port(), "/metrics").body);
  for (const std::string line : {"relinkd_jobs{state=\"running\"} 2", "relinkd_jobs{state=\"succeeded\"} 1",
                                 "relinkd_jobs{state=\"running\",plan=\"acme\"} 1",
                                 "relinkd_jobs{state=\"succeeded\",plan=\"acme\"} 1",
                                 "relinkd_jobs{state=\"queued\",plan=\"acme\"} 0",
                                 "relinkd_jobs{state=\"invalid\",plan=\"broken\"} 1"}) {
    CAPTURE(line);
    CHECK(got.count(line) == 1);
  }
  const std::string html = fetch(server.port(), "/").body;
  const auto acme = html.find("<h2>Plan <a href=\"report?plan=acme\">acme</a></h2>");
  const auto broken = html.find("<h2>Plan <a href=\"report?plan=broken\">broken</a></h2>");
  REQUIRE(acme != std::string::npos);
  REQUIRE(broken != std::string::npos);
  CHECK(html.find("acme.eu.us") > acme);
  CHECK(html.find(">alpha<") < acme);  // jobs of no plan come first
  CHECK(html.find("<div class=\"banner\">sites: must list 2 to 64 sites (it lists 1)</div>") > broken);
}

TEST_CASE("StatusServer: the page shows the remote result, and notifications when they are on") {
  FakeDaemon daemon;
  std::vector<Job> jobs = sampleJobs();
  jobs[2].result = R"({"status":"COMPLETE","<b>":1})";  // gamma
  daemon.setJobs(jobs);
  relinkd::StatusSources sources = daemon.sources();
  {
    StatusServer server("127.0.0.1:0", sources);
    const std::string html = fetch(server.port(), "/").body;
    CHECK(contains(html, "<div class=\"result\">{&quot;status&quot;:&quot;COMPLETE&quot;,&quot;&lt;b&gt;&quot;:1}</div>"));
    CHECK_FALSE(contains(html, "<th>Notified</th>"));  // off
  }
  sources.notifications = [] {
    return std::map<std::string, relinkd::NotificationSummary>{
        {"gamma", {kNow - 1000, 0}}, {"beta", {std::nullopt, 1}}, {"delta", {std::nullopt, 0}}};
  };
  StatusServer server("127.0.0.1:0", sources);
  const std::string html = fetch(server.port(), "/").body;
  CHECK(contains(html, "<th>Notified</th>"));
  CHECK(contains(html, "<td>sent " + relinkd::formatTime(kNow - 1000) + "</td></tr>"));
  CHECK(contains(html, "<td>owed</td></tr>"));
  CHECK(contains(html, "<td>not sent (given up)</td></tr>"));
}

TEST_CASE("StatusServer: /metrics escapes label values") {
  FakeDaemon daemon;
  daemon.metrics.record("we\"ird\\", "line\nbreak", 0.5);
  StatusServer server("127.0.0.1:0", daemon.sources());
  const auto got = lines(fetch(server.port(), "/metrics").body);
  CHECK(got.count(R"(relinkd_api_requests_total{endpoint="we\"ird\\",code="line\nbreak"} 1)") == 1);
}

TEST_CASE("StatusServer: /jobs is the list --json array") {
  FakeDaemon daemon;
  daemon.setJobs(sampleJobs());
  StatusServer server("127.0.0.1:0", daemon.sources());

  Fetched jobs = fetch(server.port(), "/jobs");
  CHECK(jobs.status == 200);
  CHECK(jobs.contentType == "application/json");
  Poco::JSON::Parser parser;
  auto array = parser.parse(jobs.body).extract<Poco::JSON::Array::Ptr>();
  REQUIRE(array->size() == 5);
  std::vector<std::string> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    names.push_back(array->getObject(static_cast<unsigned>(i))->getValue<std::string>("name"));
  }
  CHECK(names == std::vector<std::string>{"alpha", "beta", "gamma", "delta", "epsilon"});
  auto beta = array->getObject(1);
  CHECK(beta->getValue<std::string>("state") == "retrying");
  CHECK(beta->getValue<std::string>("lastError") == "HTTP 503 from the API");
  CHECK(beta->getValue<int>("attempts") == 3);
}

TEST_CASE("StatusServer: / is a self-refreshing page with everything from jobs escaped") {
  FakeDaemon daemon;
  std::vector<Job> jobs = sampleJobs();
  jobs.push_back(makeJob("<script>alert(1)</script>", JobState::kFailed, std::nullopt));
  jobs.back().lastError = "bad \"answer\" <script>x</script> & more";
  daemon.setJobs(jobs);
  StatusServer server("127.0.0.1:0", daemon.sources());

  Fetched page = fetch(server.port(), "/");
  CHECK(page.status == 200);
  CHECK(page.contentType == "text/html; charset=utf-8");
  CHECK(page.cacheControl == "no-store");
  const std::string& html = page.body;
  CHECK(contains(html, "<meta http-equiv=\"refresh\" content=\"5\">"));
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "src="));
  CHECK(contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(contains(html, "bad &quot;answer&quot; &lt;script&gt;x&lt;/script&gt; &amp; more"));
  CHECK(contains(html, "HTTP 503 from the API"));
  CHECK(contains(html, "IN_PROGRESS"));
  CHECK(contains(html, "class=\"badge retrying\""));

  SUBCASE("time left: what remains, closed when past, - when final") {
    CHECK(contains(html, "<td>" + relinkd::formatDuration(2 * kHour + 500) + "</td></tr>"));
    CHECK(contains(html, "HTTP 503 from the API</td><td>closed</td></tr>"));
    CHECK(contains(html, "&amp; more</td><td>-</td></tr>"));
  }
  SUBCASE("counts by state") {
    CHECK(contains(html, "<b>2</b>running"));
    CHECK(contains(html, "<b>0</b>queued"));
  }
  SUBCASE("a banner while paused, none otherwise") {
    const std::string banner = "The API rejected the credentials: fix the token file";
    CHECK_FALSE(contains(html, banner));
    daemon.paused = true;
    CHECK(contains(fetch(server.port(), "/").body, banner));
  }
}

TEST_CASE("StatusServer: /report?plan=P answers the plan's report, decoding the query") {
  FakeDaemon daemon;
  auto sources = daemon.sources();
  std::vector<std::string> asked;
  std::mutex askedMutex;
  sources.planReport = [&](const std::string& plan) -> std::optional<std::string> {
    std::lock_guard<std::mutex> lock(askedMutex);
    asked.push_back(plan);
    if (plan == "acme.eu-1") return "<!DOCTYPE html><p>report of acme.eu-1</p>";
    if (plan == "broken") throw std::runtime_error("database disk image is malformed");
    if (plan == "busy") throw relinkd::SourceBusy("another report is being built; try again in a few seconds");
    return std::nullopt;
  };
  StatusServer server("127.0.0.1:0", sources);

  Fetched found = fetch(server.port(), "/report?plan=acme%2Eeu%2D1");
  CHECK(found.status == 200);
  CHECK(found.contentType == "text/html; charset=utf-8");
  CHECK(found.cacheControl == "no-store");
  CHECK(found.body == "<!DOCTYPE html><p>report of acme.eu-1</p>");

  Fetched unknown = fetch(server.port(), "/report?other=1&plan=nosuch");
  CHECK(unknown.status == 404);
  CHECK(unknown.body == "not found: no plan named nosuch\n");

  for (const char* target : {"/report", "/report?plan=", "/report?other=x"}) {
    CAPTURE(target);
    Fetched bad = fetch(server.port(), target);
    CHECK(bad.status == 400);
    CHECK(bad.body == "bad request: ask for /report?plan=PLAN\n");
  }
  // Two plans asked for at once: which one is meant is not for relinkd to guess.
  Fetched twice = fetch(server.port(), "/report?plan=acme.eu-1&plan=nosuch");
  CHECK(twice.status == 400);
  CHECK(twice.body == "bad request: ask for one plan: /report?plan=PLAN\n");
  // No plan can have such a name; the name is not echoed (a NUL, markup).
  for (const char* target : {"/report?plan=a%00b", "/report?plan=%3Cscript%3E", "/report?plan=a%26b%20c"}) {
    CAPTURE(target);
    Fetched odd = fetch(server.port(), target);
    CHECK(odd.status == 404);
    CHECK(odd.body == "not found: no plan has that name (a plan's name has only letters, digits, '.', '_' "
                      "and '-')\n");
  }
  Fetched failing = fetch(server.port(), "/report?plan=broken");
  CHECK(failing.status == 500);
  CHECK(failing.body == "internal error: database disk image is malformed\n");
  Fetched busy = fetch(server.port(), "/report?plan=busy");
  CHECK(busy.status == 503);
  CHECK(busy.body == "busy: another report is being built; try again in a few seconds\n");
  std::lock_guard<std::mutex> lock(askedMutex);
  CHECK(asked == std::vector<std::string>{"acme.eu-1", "nosuch", "broken", "busy"});
}

TEST_CASE("StatusServer: each plan's heading links to its report, relatively, encoded and escaped") {
  FakeDaemon daemon;
  std::vector<Job> jobs;
  for (const char* plan : {"acme", "we\"ird&<plan>"}) {
    jobs.push_back(makeJob(std::string(plan) + ".eu.us", JobState::kSucceeded, kNow + kHour));
    jobs.back().plan = plan;
  }
  daemon.setJobs(jobs);
  StatusServer server("127.0.0.1:0", daemon.sources());
  const std::string html = fetch(server.port(), "/").body;
  CHECK(contains(html, "<h2>Plan <a href=\"report?plan=acme\">acme</a></h2>"));
  CHECK(contains(html, "<h2>Plan <a href=\"report?plan=we%22ird%26%3Cplan%3E\">we&quot;ird&amp;&lt;plan&gt;</a></h2>"));
}

TEST_CASE("StatusServer: unknown paths, other methods and HEAD") {
  FakeDaemon daemon;
  StatusServer server("127.0.0.1:0", daemon.sources());

  Fetched missing = fetch(server.port(), "/nope");
  CHECK(missing.status == 404);
  CHECK(missing.body == "not found: relinkd serves /, /report?plan=PLAN, /jobs, /metrics and /healthz\n");
  CHECK(missing.cacheControl == "no-store");

  Fetched post = fetch(server.port(), "/jobs", "POST", "{\"name\": \"x\"}");
  CHECK(post.status == 405);
  CHECK(post.allow == "GET, HEAD");
  CHECK(post.cacheControl == "no-store");

  Fetched head = fetch(server.port(), "/healthz", "HEAD");
  CHECK(head.status == 200);
  CHECK(head.contentLength == 3);
  CHECK(head.body.empty());

  CHECK(fetch(server.port(), "/healthz?verbose=1").status == 200);
}

TEST_CASE("StatusServer: idle clients do not keep others waiting") {
  FakeDaemon daemon;
  StatusServer server("127.0.0.1:0", daemon.sources());
  const Poco::Net::SocketAddress address("127.0.0.1", server.port());
  // Three of the four threads held by clients that send nothing or half a
  // request; the fetch below times out after 2 s, well before they are dropped.
  Poco::Net::StreamSocket silent1(address);
  Poco::Net::StreamSocket silent2(address);
  Poco::Net::StreamSocket partial(address);
  partial.sendBytes("GET /jobs HT", 12);

  Fetched healthz = fetch(server.port(), "/healthz");
  CHECK(healthz.status == 200);
  CHECK(healthz.body == "ok\n");
}

TEST_CASE("StatusServer: a source that throws answers 500") {
  FakeDaemon daemon;
  auto sources = daemon.sources();
  sources.jobs = []() -> relinkd::JobList { throw std::runtime_error("database is locked"); };
  StatusServer server("127.0.0.1:0", sources);
  Fetched jobs = fetch(server.port(), "/jobs");
  CHECK(jobs.status == 500);
  CHECK(jobs.body == "internal error: database is locked\n");
}

TEST_CASE("StatusServer: an address it cannot listen on is named in the error") {
  FakeDaemon daemon;
  StatusServer first("127.0.0.1:0", daemon.sources());
  const std::string taken = "127.0.0.1:" + std::to_string(first.port());

  for (const std::string& listen : {taken, std::string("127.0.0.1"), std::string("127.0.0.1:99999"),
                                    std::string(":8080")}) {
    CAPTURE(listen);
    std::string message;
    try {
      StatusServer second(listen, daemon.sources());
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    const std::string prefix = "relinkd.http.listen: cannot listen on " + listen + ": ";
    CHECK(message.rfind(prefix, 0) == 0);
    CHECK(message.size() > prefix.size());
  }
  // The first server is unharmed.
  CHECK(fetch(first.port(), "/healthz").status == 200);
}

TEST_CASE("StatusServer: listens on IPv6 and on localhost") {
  FakeDaemon daemon;
  SUBCASE("[::1]") {
    try {
      Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("[::1]:0"));
    } catch (const Poco::Exception&) {
      MESSAGE("no IPv6 loopback here; skipped");
      return;
    }
    StatusServer server("[::1]:0", daemon.sources());
    CHECK(fetch(server.port(), "/healthz", "GET", "", "::1").status == 200);
  }
  SUBCASE("localhost") {
    StatusServer server("localhost:0", daemon.sources());
    CHECK(server.port() != 0);
  }
}
