// The judgement of a job file's or plan's change (FileChange.h), the one
// that the Scheduler applies and `relinkctl diff` prints.
#include <doctest/doctest.h>

#include <map>

#include "relinkd/domain/PlanNames.h"
#include "relinkd/engine/FileChange.h"

namespace doctest {
template <>
struct StringMaker<relinkd::FileAction> {
  static String convert(relinkd::FileAction action) { return relinkd::fileActionName(action); }
};
}  // namespace doctest

namespace relinkd {
namespace {

constexpr std::int64_t kWindow = 14LL * 24 * 3600 * 1000;
constexpr TimeMs kNow = 1'800'000'000'000;

JobSpec spec(const std::string& destination = "https://b.atlassian.net", TimeMs migratedAt = kNow - 3600'000) {
  JobSpec s;
  s.siteId = "site-a";
  s.productUrl = "https://a.atlassian.net";
  s.destinationUrl = destination;
  s.migratedFrom = "https://jira.example";
  s.recreateAsRemote = true;
  s.migratedAt = migratedAt;
  return s;
}

Job job(const std::string& name, JobState state, const JobSpec& made, const std::string& hash = "h1",
        const std::string& stamp = "s1") {
  Job j;
  j.name = name;
  j.state = state;
  j.specJson = specToJson(made);
  j.siteId = made.siteId;
  j.fileHash = hash;
  j.fileStamp = stamp;
  j.acceptedAt = kNow - 1000;
  return j;
}

ScannedFile file(const std::string& hash, const std::string& stamp = kDroppedStamp) {
  ScannedFile f;
  f.path = "/jobs/x.json";
  f.read.ok = true;
  f.read.stamp = stamp;
  f.hash = hash;
  return f;
}

JobChange judge(const Job* existing, const ScannedFile& f, const std::optional<JobSpec>& next) {
  const std::optional<JobSpec> before =
      existing && next ? specBefore(*existing, existing->specJson, *next) : std::nullopt;
  return judgeJobFile("x", existing, before, f, next);
}

TEST_CASE("judgeJobFile: a new name is created, a name a plan holds is the plan's") {
  CHECK(judge(nullptr, file("h1"), spec()).action == FileAction::kCreate);
  CHECK(judge(nullptr, file("h1"), std::nullopt).action == FileAction::kCreate);  // created invalid
  Job held = job("x", JobState::kRunning, spec());
  held.plan = "acme";
  CHECK(judge(&held, file("h2"), spec()).action == FileAction::kHeldByPlan);
}

TEST_CASE("judgeJobFile: the same content keeps the job, unless it was cancelled and the file is new") {
  const Job running = job("x", JobState::kRunning, spec());
  CHECK(judge(&running, file("h1"), std::nullopt).action == FileAction::kKeep);
  const Job cancelled = job("x", JobState::kCancelled, spec());
  CHECK(judge(&cancelled, file("h1"), std::nullopt).action == FileAction::kStartAgain);
  CHECK(judge(&cancelled, file("h1", "s1"), std::nullopt).action == FileAction::kKeep);  // untouched
  CHECK(judge(&cancelled, file("h1", ""), std::nullopt).action == FileAction::kKeep);    // too fresh to tell
  Job unknownStamp = cancelled;
  unknownStamp.fileStamp.reset();
  CHECK(judge(&unknownStamp, file("h1"), std::nullopt).action == FileAction::kKeep);
}

TEST_CASE("judgeJobFile: other content moves the window, restarts, or changes nothing") {
  const Job running = job("x", JobState::kRunning, spec());
  const JobChange window = judge(&running, file("h2"), spec("https://b.atlassian.net", kNow));
  CHECK(window.action == FileAction::kMoveWindow);
  CHECK(window.change.kind == SpecChangeKind::kWindowOnly);
  CHECK(window.change.fields == std::vector<std::string>{"migratedAt"});
  const JobChange bytes = judge(&running, file("h2"), spec());  // other whitespace, the same spec
  CHECK(bytes.action == FileAction::kMoveWindow);
  CHECK(bytes.change.kind == SpecChangeKind::kSame);
  const JobChange request = judge(&running, file("h2"), spec("https://c.atlassian.net"));
  CHECK(request.action == FileAction::kRestart);
  CHECK(request.change.fields == std::vector<std::string>{"destinationURL"});
  CHECK(judge(&running, file("h2"), std::nullopt).action == FileAction::kRestart);  // becomes invalid
}

TEST_CASE("judgeJobFile: a cancelled, failed, invalid or removed job restarts at any change") {
  for (JobState state : {JobState::kCancelled, JobState::kFailed, JobState::kInvalid}) {
    CAPTURE(stateName(state));
    Job j = job("x", state, spec());
    if (state == JobState::kInvalid) j.specJson.reset();
    const JobChange change = judge(&j, file("h2"), spec("https://b.atlassian.net", kNow));
    CHECK(change.action == FileAction::kRestart);
    CHECK(change.change.fields == (state == JobState::kInvalid ? std::vector<std::string>{}
                                                               : std::vector<std::string>{"migratedAt"}));
  }
  Job removed = job("x", JobState::kSucceeded, spec());
  removed.fileHash.reset();
  CHECK(judge(&removed, file("h1"), spec()).action == FileAction::kRestart);
}

TEST_CASE("specBefore: a site id the file now names that the job had discovered is no new site") {
  JobSpec discovered = spec();
  discovered.siteId.clear();
  Job j = job("x", JobState::kRunning, discovered);
  j.siteId = "site-a";
  const JobChange change = judge(&j, file("h2"), spec());
  CHECK(change.action == FileAction::kMoveWindow);
  CHECK(change.change.kind == SpecChangeKind::kSame);
}

TEST_CASE("requestChange: a plan's cancelled job is judged by its fields, a job file's restarts") {
  const Job cancelled = job("x", JobState::kCancelled, spec());
  const std::optional<JobSpec> before = specBefore(cancelled, cancelled.specJson, spec());
  CHECK_FALSE(requestChange(cancelled, before, spec(), false));
  REQUIRE(requestChange(cancelled, before, spec(), true));
  CHECK(requestChange(cancelled, before, spec(), true)->kind == SpecChangeKind::kSame);
}

// The jobs relinkd knows, as judgePlan reads them.
struct Known {
  std::map<std::string, Job> jobs;
  KnownJobs lookups() const {
    return KnownJobs{[this](const std::string& name) -> const Job* {
                       const auto it = jobs.find(name);
                       return it == jobs.end() ? nullptr : &it->second;
                     },
                     [](const Job& j) { return j.specJson; },
                     [this](const std::string& plan) {
                       std::set<std::string> names;
                       for (const auto& [name, j] : jobs)
                         if (j.plan == plan) names.insert(name);
                       return names;
                     }};
  }
};

// A plan of the sites named by their letters ("ab": a and b), each with its id.
std::string planText(const std::string& letters, const std::string& migratedFrom = "https://jira.example") {
  std::string sites, ids;
  for (char letter : letters) {
    const std::string url = std::string("\"https://") + letter + ".atlassian.net\"";
    sites += (sites.empty() ? "" : ", ") + url;
    ids += (ids.empty() ? "" : ", ") + url + ": \"id-" + letter + "\"";
  }
  return "{\"sites\": [" + sites + "], \"siteIds\": {" + ids + "}, \"migratedFrom\": \"" + migratedFrom +
         "\", \"migratedAt\": \"2026-12-01T00:00:00Z\"}";
}

ScannedFile planFile(const std::string& text, const std::string& hash) {
  ScannedFile f = file(hash);
  f.path = "/jobs/p.plan.json";
  f.read.bytes = text;
  return f;
}

const std::string kAB = "ab";
const std::string kABC = "abc";

// The jobs of plan p made from text, each in state.
Known madeFrom(const std::string& text, JobState state) {
  Known known;
  const PlanResult result = parsePlan(text, "p", kWindow, kNow);
  REQUIRE(result.ok());
  for (const DerivedJob& derived : deriveJobs("p", *result.plan)) {
    Job j = job(derived.name, state, derived.spec, "plan-h1", "s1");
    j.plan = "p";
    known.jobs.emplace(derived.name, j);
  }
  return known;
}

std::map<std::string, FileAction> actions(const PlanJudgement& judged) {
  std::map<std::string, FileAction> out;
  for (const JobChange& change : judged.jobs) out[change.name] = change.action;
  return out;
}

TEST_CASE("judgePlan: a site added creates its jobs, one removed cancels the unfinished and lets go the final") {
  Known known = madeFrom(planText(kABC), JobState::kSucceeded);
  known.jobs.at("p.a.c").state = JobState::kRunning;
  const PlanJudgement removed = judgePlan("p", planFile(planText(kAB), "plan-h2"), kWindow, kNow, known.lookups());
  REQUIRE(removed.problems.empty());
  CHECK(actions(removed) == std::map<std::string, FileAction>{
                                {"p.a.b", FileAction::kMoveWindow}, {"p.b.a", FileAction::kMoveWindow},
                                {"p.a.c", FileAction::kCancel},  {"p.b.c", FileAction::kLetGo},
                                {"p.c.a", FileAction::kLetGo},   {"p.c.b", FileAction::kLetGo}});
  const Known two = madeFrom(planText(kAB), JobState::kSucceeded);
  const PlanJudgement added = judgePlan("p", planFile(planText(kABC), "plan-h2"), kWindow, kNow, two.lookups());
  CHECK(actions(added).at("p.a.c") == FileAction::kCreate);
  // Made from other bytes now, the same spec: only what they are made from moves on.
  CHECK(actions(added).at("p.a.b") == FileAction::kMoveWindow);
  CHECK(added.jobs.front().change.kind == SpecChangeKind::kSame);
  CHECK(added.jobs.size() == 6);
  const PlanJudgement same = judgePlan("p", planFile(planText(kAB), "plan-h1"), kWindow, kNow, two.lookups());
  CHECK(actions(same) == std::map<std::string, FileAction>{{"p.a.b", FileAction::kMoveWindow},
                                                           {"p.b.a", FileAction::kMoveWindow}});  // the stamp
  ScannedFile untouched = planFile(planText(kAB), "plan-h1");
  untouched.read.stamp = "s1";
  CHECK(actions(judgePlan("p", untouched, kWindow, kNow, two.lookups())) ==
        std::map<std::string, FileAction>{{"p.a.b", FileAction::kKeep}, {"p.b.a", FileAction::kKeep}});
}

TEST_CASE("judgePlan: a shared field restarts every job with the field; the same plan again starts the cancelled") {
  Known known = madeFrom(planText(kAB), JobState::kSucceeded);
  known.jobs.at("p.b.a").state = JobState::kCancelled;
  const PlanJudgement changed =
      judgePlan("p", planFile(planText(kAB, "https://jira2.example"), "plan-h2"), kWindow, kNow, known.lookups());
  REQUIRE(changed.jobs.size() == 2);
  for (const JobChange& change : changed.jobs) {
    CAPTURE(change.name);
    CHECK(change.action == FileAction::kRestart);
    CHECK(change.change.fields == std::vector<std::string>{"migratedFrom"});
  }
  const PlanJudgement again = judgePlan("p", planFile(planText(kAB), "plan-h1"), kWindow, kNow, known.lookups());
  CHECK(actions(again).at("p.b.a") == FileAction::kStartAgain);
  CHECK(actions(again).at("p.a.b") == FileAction::kMoveWindow);  // its stamp moves on, nothing else
  CHECK(again.jobs.front().change.kind == SpecChangeKind::kSame);
  const PlanJudgement added = judgePlan("p", planFile(planText(kABC), "plan-h2"), kWindow, kNow, known.lookups());
  // An edit for another site leaves the cancel: its fields are the same.
  CHECK(actions(added).at("p.b.a") == FileAction::kMoveWindow);
}

TEST_CASE("judgePlan: an invalid plan and a name another file holds are problems, and judge no job") {
  const Known none;
  const PlanJudgement one = judgePlan("p", planFile(planText("a"), "h"), kWindow, kNow,
                                      none.lookups());
  REQUIRE_FALSE(one.problems.empty());
  CHECK(one.problems.front().field == "sites");
  CHECK(one.jobs.empty());
  ScannedFile unreadable = planFile("", "h");
  unreadable.read.ok = false;
  unreadable.read.error = "is a FIFO, not a regular file";
  const PlanJudgement fifo = judgePlan("p", unreadable, kWindow, kNow, none.lookups());
  REQUIRE(fifo.problems.size() == 1);
  CHECK(problemsMessage(fifo.problems) == "file: is a FIFO, not a regular file");
  Known taken;
  Job other = job("p.a.b", JobState::kQueued, spec());
  other.file = "/jobs/p.a.b.json";
  taken.jobs.emplace("p.a.b", other);
  const PlanJudgement conflict = judgePlan("p", planFile(planText(kAB), "h"), kWindow, kNow, taken.lookups());
  REQUIRE(conflict.problems.size() == 1);
  CHECK(problemsMessage(conflict.problems) ==
        "sites: the job name p.a.b that this plan derives is already used by /jobs/p.a.b.json; rename one of "
        "the two files");
}

TEST_CASE("addToDiff: each judgement in diff's lists, a plan's fields in the plan's names") {
  FileDiff diff;
  SpecChange site{SpecChangeKind::kRestart, {"siteId", "productURL"}};
  addToDiff(diff, {"a", FileAction::kCreate, {}}, true);
  addToDiff(diff, {"b", FileAction::kRestart, site}, true);
  addToDiff(diff, {"c", FileAction::kStartAgain, {}}, true);
  addToDiff(diff, {"d", FileAction::kMoveWindow, {SpecChangeKind::kWindowOnly, {"migratedAt"}}}, true);
  addToDiff(diff, {"e", FileAction::kMoveWindow, {}}, true);
  addToDiff(diff, {"f", FileAction::kKeep, {}}, true);
  addToDiff(diff, {"g", FileAction::kCancel, {}}, true);
  addToDiff(diff, {"h", FileAction::kLetGo, {}}, true);
  addToDiff(diff, {"i", FileAction::kHeldByPlan, {}}, false);
  addToDiff(diff, {"j", FileAction::kRestart, site}, false);
  CHECK(diff.create == std::vector<std::string>{"a"});
  REQUIRE(diff.restart.size() == 3);
  CHECK(diff.restart[0].fields == std::vector<std::string>{"siteIds", "sites"});
  CHECK(diff.restart[1].fields.empty());
  CHECK(diff.restart[2].fields == std::vector<std::string>{"siteId", "productURL"});
  CHECK(diff.moved == std::vector<std::string>{"d"});
  CHECK(diff.unchanged == std::vector<std::string>{"e", "f", "h"});
  CHECK(diff.cancel == std::vector<std::string>{"g"});
}

TEST_CASE("stampMoved: a dropped file's stamp moves every known one; an unknown stamp says nothing") {
  CHECK(stampMoved(std::string("s1"), kDroppedStamp));
  CHECK_FALSE(stampMoved(std::string("s1"), "s1"));
  CHECK_FALSE(stampMoved(std::nullopt, kDroppedStamp));
  CHECK_FALSE(stampMoved(std::string("s1"), ""));
  CHECK(stampOf("") == std::nullopt);
  CHECK(windowStartOf(nullptr, kNow) == kNow);
}
}  // namespace
}  // namespace relinkd
