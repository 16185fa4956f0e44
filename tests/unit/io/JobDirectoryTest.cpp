// The job directory: a full scan of a real directory, and the inotify
// watcher driven by real file operations. The watcher tests wait for real
// events on a condition variable with a generous timeout; they never sleep.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "TestSupport.h"
#include "relinkd/io/JobDirectory.h"
#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/PlanSpec.h"

namespace relinkd {
namespace {

constexpr auto kEventTimeout = std::chrono::seconds(10);

using testsupport::TempDir;

TEST_CASE("JobDirectory: sha256Hex") {
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("JobDirectory: a scan reads job files, skips ignored names and reports hostile entries") {
  TempDir dir;
  dir.write("acme-eu.json", "{\"a\": 1}");
  dir.write("bad name.json", "{}");
  for (const char* ignored : {".hidden.json", "acme-us.json~", "acme-us.json.tmp", "acme-us.json.part",
                              ".acme-us.json.swp", "acme-us.json.swp", "notes.txt", "README"}) {
    dir.write(ignored, "ignored");
  }
  REQUIRE(::mkfifo(dir.file("fifo.json").c_str(), 0600) == 0);
  std::filesystem::create_directory(dir.file("dir.json"));
  std::filesystem::create_symlink(dir.file("acme-eu.json"), dir.file("link.json"));
  dir.write("big.json", std::string(kMaxJobFileBytes + 1, ' '));

  const std::map<std::string, ScannedFile> files = scanJobDirectory(dir.path());
  std::vector<std::string> names;
  for (const auto& entry : files) names.push_back(entry.first);
  CHECK(names == std::vector<std::string>{"acme-eu", "bad name", "big", "dir", "fifo", "link"});

  const ScannedFile& good = files.at("acme-eu");
  CHECK(good.path == dir.file("acme-eu.json"));
  CHECK(good.read.ok);
  CHECK(good.read.bytes == "{\"a\": 1}");
  CHECK(good.hash == sha256Hex("{\"a\": 1}"));

  const std::pair<const char*, const char*> hostile[] = {
      {"fifo", "is a FIFO, not a regular file"},
      {"dir", "is a directory, not a regular file"},
      {"link", "is a symbolic link; only regular files are read"},
      {"big", "is larger than 64 KiB (65537 bytes)"},
  };
  for (const auto& [nameBound, error] : hostile) {
    const auto& name = nameBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(name);
    const ScannedFile& file = files.at(name);
    CHECK_FALSE(file.read.ok);
    CHECK(file.read.error == error);
    CHECK(file.hash == sha256Hex(error));
  }
}

TEST_CASE("JobDirectory: a directory that cannot be listed throws") {
  TempDir dir;
  CHECK_THROWS_AS(scanJobDirectory(dir.file("missing")), std::runtime_error);
  CHECK_THROWS_AS(DirectoryWatcher(dir.file("missing"), [](const std::string&) {}, [] {}),
                  std::runtime_error);
}

TEST_CASE("JobDirectory: scanJobFile reads one file, and says when it is gone") {
  TempDir dir;
  dir.write("a.json", "{}");
  const ScannedFile file = scanJobFile(dir.path(), "a.json");
  CHECK(file.read.ok);
  CHECK(file.hash == sha256Hex("{}"));
  const ScannedFile gone = scanJobFile(dir.path(), "b.json");
  CHECK(gone.read.missing);
}

TEST_CASE("JobDirectory: a file of a directory that is gone is a transient read, not a removal") {
  TempDir dir;
  const std::string jobs = dir.file("jobs");
  std::filesystem::create_directory(jobs);
  std::ofstream(jobs + "/a.json") << "{}";
  std::filesystem::rename(jobs, dir.file("elsewhere"));
  const ScannedFile file = scanJobFile(jobs, "a.json");
  CHECK_FALSE(file.read.missing);
  CHECK(file.read.transient);
  CHECK(file.read.error == "cannot be read: the job directory " + jobs + " is gone");
  ManualClock clock(SystemClock().wallNow());
  CHECK_THROWS_AS(JobDirectory(jobs, clock).list(), JobSourceError);
}

TEST_CASE("JobDirectory: list() stamps settled files without reading them, as scanOne does") {
  TempDir dir;
  dir.write("a.json", "{\"a\": 1}");
  dir.write("notes.txt", "ignored");
  ManualClock now(SystemClock().wallNow());
  ManualClock later(SystemClock().wallNow() + 3600 * 1000);

  SUBCASE("a file changed within the last seconds has no stamp yet") {
    JobDirectory fresh(dir.path(), now);
    const auto listed = fresh.list();
    REQUIRE(listed.size() == 1);
    CHECK(listed.at(0).fileName == "a.json");
    CHECK(findListed(listed, "a") == &listed.at(0));
    CHECK(listed.at(0).stamp.empty());
    CHECK(fresh.scanOne("a.json").read.stamp.empty());
  }
  SUBCASE("a settled file: the listing's stamp is the read's, and moves when the file is rewritten") {
    JobDirectory settled(dir.path(), later);
    const std::string stamp = settled.list().at(0).stamp;
    CHECK_FALSE(stamp.empty());
    const ScannedFile read = settled.scanOne("a.json");
    CHECK(read.read.stamp == stamp);
    CHECK(read.read.bytes == "{\"a\": 1}");
    dir.write("a.json", "{\"a\": 22}");
    CHECK(settled.list().at(0).stamp != stamp);
  }
}

// What a watcher reported, for a test to wait on.
class Recorder {
 public:
  void name(const std::string& fileName) {
    std::lock_guard<std::mutex> lock(mutex_);
    names_.push_back(fileName);
    changed_.notify_all();
  }
  void rescan() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++rescans_;
    changed_.notify_all();
  }
  // Waits until fileName has been reported count times in all.
  bool waitForName(const std::string& fileName, int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kEventTimeout, [&] {
      return std::count(names_.begin(), names_.end(), fileName) >= count;
    });
  }
  bool waitForRescans(int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kEventTimeout, [&] { return rescans_ >= count; });
  }
  std::vector<std::string> names() {
    std::lock_guard<std::mutex> lock(mutex_);
    return names_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> names_;
  int rescans_ = 0;
};

std::unique_ptr<DirectoryWatcher> watch(const TempDir& dir, Recorder& recorder) {
  return std::make_unique<DirectoryWatcher>(
      dir.path(), [&recorder](const std::string& name) { recorder.name(name); },
      [&recorder] { recorder.rescan(); });
}

TEST_CASE("JobDirectory: the watcher reports a file created, written and removed") {
  TempDir dir;
  Recorder recorder;
  auto watcher = watch(dir, recorder);

  // Creating a regular file is not reported: it is still being written, and
  // reading it now would record a half-written job. Its close is.
  const int fd = ::open(dir.file("a.json").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "{}", 2) == 2);
  ::close(fd);
  CHECK(recorder.waitForName("a.json", 1));  // IN_CLOSE_WRITE
  REQUIRE(::unlink(dir.file("a.json").c_str()) == 0);
  CHECK(recorder.waitForName("a.json", 2));  // IN_DELETE
  // Anything else created is reported at once: nothing will close it.
  REQUIRE(::mkfifo(dir.file("f.json").c_str(), 0644) == 0);
  CHECK(recorder.waitForName("f.json", 1));  // IN_CREATE
  watcher.reset();
  CHECK(recorder.names() == std::vector<std::string>{"a.json", "a.json", "f.json"});
}

TEST_CASE("JobDirectory: the watcher reports only the final name of a write-then-rename") {
  TempDir dir;
  Recorder recorder;
  auto watcher = watch(dir, recorder);

  dir.write("b.json.tmp", "{}");
  dir.write(".b.json.swp", "{}");
  REQUIRE(std::rename(dir.file("b.json.tmp").c_str(), dir.file("b.json").c_str()) == 0);
  CHECK(recorder.waitForName("b.json", 1));  // IN_MOVED_TO
  CHECK(recorder.names() == std::vector<std::string>{"b.json"});

  TempDir outside;
  REQUIRE(std::rename(dir.file("b.json").c_str(), outside.file("b.json").c_str()) == 0);
  CHECK(recorder.waitForName("b.json", 2));  // IN_MOVED_FROM
  REQUIRE(::chmod(dir.file(".b.json.swp").c_str(), 0600) == 0);  // ignored
  dir.write("c.txt", "x");                                          // not a job file
  dir.write("c.json", "{}");
  CHECK(recorder.waitForName("c.json", 1));  // IN_CLOSE_WRITE (its IN_CREATE is not reported)
  REQUIRE(::chmod(dir.file("c.json").c_str(), 0600) == 0);
  CHECK(recorder.waitForName("c.json", 2));  // IN_ATTRIB
  watcher.reset();
  CHECK(recorder.names() == std::vector<std::string>{"b.json", "b.json", "c.json", "c.json"});
}

TEST_CASE("JobDirectory: a removed and re-created directory asks for rescans and is watched again") {
  TempDir parent;
  const std::string path = parent.file("jobs.d");
  REQUIRE(::mkdir(path.c_str(), 0755) == 0);
  Recorder recorder;
  DirectoryWatcher watcher(path, [&](const std::string& name) { recorder.name(name); },
                           [&] { recorder.rescan(); });
  REQUIRE(::rmdir(path.c_str()) == 0);
  CHECK(recorder.waitForRescans(1));  // IN_DELETE_SELF
  REQUIRE(::mkdir(path.c_str(), 0755) == 0);
  CHECK(recorder.waitForRescans(2));  // watched again
  std::ofstream(path + "/d.json") << "{}";
  CHECK(recorder.waitForName("d.json", 1));  // IN_CLOSE_WRITE in the new directory
}

// The SigBlk mask of the thread named name, from /proc; empty if none.
std::string blockedSignalsOf(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::string comm;
    std::getline(std::ifstream(task.path() / "comm"), comm);
    if (comm != name) continue;
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.rfind("SigBlk:", 0) == 0) return line.substr(7);
    }
  }
  return "";
}

TEST_CASE("JobDirectory: the watcher's thread blocks the signals the daemon waits for") {
  TempDir dir;
  sigset_t before;
  REQUIRE(pthread_sigmask(SIG_BLOCK, nullptr, &before) == 0);
  DirectoryWatcher watcher(dir.path(), [](const std::string&) {}, [] {});
  sigset_t after;
  REQUIRE(pthread_sigmask(SIG_BLOCK, nullptr, &after) == 0);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    CAPTURE(signal);
    CHECK(sigismember(&before, signal) == sigismember(&after, signal));  // the caller's mask is restored
  }
  // The thread names itself first thing; wait for that through /proc's view.
  std::string mask;
  const auto until = std::chrono::steady_clock::now() + kEventTimeout;
  while (mask.empty() && std::chrono::steady_clock::now() < until) {
    mask = blockedSignalsOf("relinkd-watch");
    if (mask.empty()) std::this_thread::yield();
  }
  REQUIRE_FALSE(mask.empty());
  const unsigned long long bits = std::stoull(mask, nullptr, 16);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) {
    CAPTURE(signal);
    CHECK((bits >> (signal - 1) & 1) == 1);
  }
}

// The README's 3-site split: one plan, every site's id given (the demo runs
// it against the fake API, which discovers nothing), N x (N - 1) = 6 jobs.
TEST_CASE("JobDirectory: the example in etc/jobs.d is a valid plan of three sites that makes six jobs") {
  const std::string examples =
      (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / ".." / "etc" / "jobs.d").string();
  CAPTURE(examples);
  const std::map<std::string, ScannedFile> files = scanJobDirectory(examples);
  REQUIRE(files.size() == 1);
  REQUIRE(files.count("acme.plan"));
  const ScannedFile& file = files.at("acme.plan");
  REQUIRE(file.read.ok);
  const PlanResult plan = parsePlan(file.read.bytes, "acme", 14LL * 24 * 3600 * 1000, parseTime("2026-11-21T00:00:00Z").value());
  CHECK(plan.message() == "");
  REQUIRE(plan.ok());
  CHECK(plan.plan->sites.size() == 3);
  CHECK(plan.plan->siteIds.size() == 3);
  std::vector<std::string> names;
  for (const DerivedJob& job : deriveJobs("acme", *plan.plan)) {
    names.push_back(job.name);
    CHECK(job.spec.recreateAsRemote);
    CHECK_FALSE(job.spec.siteId.empty());
    CHECK(job.spec.migratedFrom == "https://jira.acme-corp.example");
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"acme.acme-apac.acme-eu", "acme.acme-apac.acme-us", "acme.acme-eu.acme-apac",
                                          "acme.acme-eu.acme-us", "acme.acme-us.acme-apac", "acme.acme-us.acme-eu"});
}

int maxQueuedEvents() {
  std::ifstream in("/proc/sys/fs/inotify/max_queued_events");
  int value = 0;
  in >> value;
  return value;
}

TEST_CASE("JobDirectory: a queue overflow asks for a rescan") {
  const int limit = maxQueuedEvents();
  if (limit <= 0 || limit > 100000) {
    MESSAGE("skipped: max_queued_events is " << limit);
    return;
  }
  TempDir dir;
  Recorder recorder;
  std::mutex gateMutex;
  std::condition_variable gateChanged;
  bool open = false;
  // The first event holds the watcher's thread, so the kernel queue fills up.
  DirectoryWatcher watcher(
      dir.path(),
      [&](const std::string& name) {
        std::unique_lock<std::mutex> lock(gateMutex);
        gateChanged.wait(lock, [&] { return open; });
        recorder.name(name);
      },
      [&] { recorder.rescan(); });
  dir.write("first.json", "{}");
  // More events than the queue holds, with margin for those the watcher has
  // already read into its buffer. Alternating names keeps the kernel from
  // merging them.
  int closed = 0;
  for (int i = 0; i < limit + 1000; ++i) {
    const int fd = ::open(dir.file(i % 2 ? "x.tmp" : "y.tmp").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0 && ::close(fd) == 0) ++closed;
  }
  CHECK(closed == limit + 1000);
  {
    std::lock_guard<std::mutex> lock(gateMutex);
    open = true;
  }
  gateChanged.notify_all();
  CHECK(recorder.waitForRescans(1));
}

TEST_CASE("JobDirectory: list() is ordered by job name, and findListed finds each by name") {
  TempDir dir;
  for (const char* name : {"b.json", "a-b.json", "a.plan.json", "a.json", "notes.txt"}) dir.write(name, "{}");
  const Listing listed = JobDirectory(dir.path(), SystemClock()).list();
  std::vector<std::string> order;
  for (const ListedFile& file : listed) order.push_back(file.fileName);
  // By the name without ".json" ("a" < "a-b" < "a.plan" < "b"), not by the file name.
  CHECK(order == std::vector<std::string>{"a.json", "a-b.json", "a.plan.json", "b.json"});
  for (const ListedFile& file : listed) CHECK(findListed(listed, listedName(file)) == &file);
  CHECK(findListed(listed, "a.plan")->fileName == "a.plan.json");
  CHECK(findListed(listed, "c") == nullptr);
  CHECK(findListed(listed, "") == nullptr);
  CHECK(findListed(Listing{}, "a") == nullptr);
}

}  // namespace
}  // namespace relinkd
