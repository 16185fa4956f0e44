// InstanceLock, probeInstance and DirectoryClaim on real files. A process
// never conflicts with its own POSIX locks, so what relinkctl sees is
// asked from a forked child, which writes what it saw to a pipe and exits
// (no doctest in the child).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "TestSupport.h"
#include "relinkd/io/InstanceLock.h"

namespace relinkd {
namespace {

using testsupport::TempDir;

// Runs what in a child process; returns what it wrote.
std::string inChild(const std::function<std::string()>& what) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    const std::string text = what();
    const ssize_t ignored = ::write(fds[1], text.data(), text.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[256];
  for (ssize_t got; (got = ::read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(got));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  return text;
}

// What a probe from another process sees: "running PID SINCE WRITABLE",
// "running PID no-record", "not-running" or "unknown: PROBLEM".
std::string probedElsewhere(const std::string& path) {
  return inChild([&] {
    const InstanceProbe probe = probeInstance(path);
    if (probe.state == InstanceProbe::State::kNotRunning) return std::string("not-running");
    if (probe.state == InstanceProbe::State::kUnknown) return "unknown: " + probe.problem;
    if (!probe.record) return "running " + std::to_string(probe.pid) + " no-record";
    return "running " + std::to_string(probe.pid) + " " + std::to_string(probe.record->since) + " " +
           (probe.record->storeWritable ? "writable" : "not-writable");
  });
}

TEST_CASE("InstanceLock: the record is one fixed-size line, read back as written") {
  const InstanceRecord record{4242, 1767225600123, false};
  const std::string bytes = encodeInstanceRecord(record);
  CHECK(bytes.size() == kInstanceRecordBytes);
  CHECK(bytes.rfind("relinkd pid=4242 since=1767225600123 storeWritable=0 ", 0) == 0);
  CHECK(bytes.back() == '\n');
  const auto read = decodeInstanceRecord(bytes);
  REQUIRE(read);
  CHECK(read->pid == 4242);
  CHECK(read->since == 1767225600123);
  CHECK_FALSE(read->storeWritable);
  CHECK(decodeInstanceRecord(encodeInstanceRecord({1, 0, true}))->storeWritable);
}

TEST_CASE("InstanceLock: anything else is no record") {
  for (const std::string bytes :
       {"", "\n", "relinkd pid=12", "relinkd pid=x since=1 storeWritable=1", "relinkd pid=0 since=1 storeWritable=1",
        "relinkd pid=1 since=1 storeWritable=2", "other pid=1 since=1 storeWritable=1",
        "relinkd pid=1 since= storeWritable=1", "relinkd pid=99999999999 since=1 storeWritable=1",
        "relinkd since=1 pid=1 storeWritable=1"}) {
    CAPTURE(bytes);
    CHECK_FALSE(decodeInstanceRecord(bytes));
  }
}

TEST_CASE("InstanceLock: no file, or a file nobody locks, means not running") {
  TempDir dir;
  const std::string path = instanceLockPath(dir.path());
  CHECK(path == dir.path() + "/relinkd.lock");
  CHECK(probeInstance(path).state == InstanceProbe::State::kNotRunning);
  dir.write("relinkd.lock", encodeInstanceRecord({::getpid(), 5, true}));  // left by a killed daemon
  CHECK(probedElsewhere(path) == "not-running");
}

TEST_CASE("InstanceLock: another process sees the holder's pid and record, and the lock goes with it") {
  TempDir dir;
  const std::string path = instanceLockPath(dir.path());
  dir.write("relinkd.lock", std::string(300, 'x'));  // a longer old content is cut off
  const std::string me = std::to_string(::getpid());
  {
    InstanceLock lock(path, {::getpid(), 1767225600000, true});
    CHECK(probedElsewhere(path) == "running " + me + " 1767225600000 writable");
    CHECK(lock.setStoreWritable(false));
    CHECK(probedElsewhere(path) == "running " + me + " 1767225600000 not-writable");
    CHECK(lock.setStoreWritable(true));
    CHECK(probedElsewhere(path) == "running " + me + " 1767225600000 writable");
    CHECK(std::filesystem::file_size(path) == kInstanceRecordBytes);
  }
  CHECK(probedElsewhere(path) == "not-running");
}

TEST_CASE("InstanceLock: a second holder is refused, naming the first one's pid") {
  TempDir dir;
  const std::string path = instanceLockPath(dir.path());
  InstanceLock lock(path, {::getpid(), 7, true});
  const std::string seen = inChild([&] {
    try {
      InstanceLock second(path, {::getpid(), 8, true});
      return std::string("taken");
    } catch (const InstanceBusy& busy) {
      return "busy " + std::to_string(busy.pid());
    } catch (const std::exception& error) {
      return std::string("error ") + error.what();
    }
  });
  CHECK(seen == "busy " + std::to_string(::getpid()));
  CHECK(probedElsewhere(path) == "running " + std::to_string(::getpid()) + " 7 writable");
}

TEST_CASE("InstanceLock: a record that is not the holder's is not reported") {
  TempDir dir;
  const std::string path = instanceLockPath(dir.path());
  InstanceLock lock(path, {::getpid() + 1, 7, true});  // as if written by someone else
  CHECK(probedElsewhere(path) == "running " + std::to_string(::getpid()) + " no-record");
}

TEST_CASE("DirectoryClaim: one claim per directory at a time, even within one process") {
  TempDir dir;
  {
    DirectoryClaim first(dir.path());
    CHECK(first.result() == DirectoryClaim::Result::kClaimed);
    DirectoryClaim second(dir.path());
    CHECK(second.result() == DirectoryClaim::Result::kBusy);
  }
  DirectoryClaim again(dir.path());
  CHECK(again.result() == DirectoryClaim::Result::kClaimed);
  DirectoryClaim missing(dir.file("absent"));
  CHECK(missing.result() == DirectoryClaim::Result::kCannotOpen);
  CHECK_FALSE(missing.problem().empty());
}

}  // namespace
}  // namespace relinkd
