// The real command runner on real processes (/bin/sh): input, environment,
// exit status, signals, the timeout, relinkd's stop, and what a command
// inherits. Time is a ManualClock: a test moves it past a deadline instead
// of waiting for one; what it waits for is the child (a file it writes).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "TestSupport.h"
#include "relinkd/io/ProcessRunner.h"

using namespace relinkd;

namespace {

constexpr TimeMs kNow = 1767225600000;  // 2026-01-01T00:00:00Z

CommandResult sh(ProcessRunner& runner, const std::string& script, const std::string& input = "",
                 std::vector<std::string> env = {"PATH=/usr/bin:/bin"}, std::int64_t timeoutMs = 10000) {
  return runner.run({"/bin/sh", "-c", script}, env, input, timeoutMs);
}

// Waits for the command to create path (it runs on another thread).
void waitForFile(const std::string& path) {
  while (::access(path.c_str(), F_OK) != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// A script that starts `sleep 60` in the background, writes "its pid, the
// sleep's pid" to path (renamed into place) and waits.
std::string startsAChild(const std::string& path) {
  return "sleep 60 & echo $$ $! > " + path + ".tmp && mv " + path + ".tmp " + path + "; wait";
}

std::pair<pid_t, pid_t> readPids(const std::string& path) {
  std::ifstream in(path);
  pid_t command = 0, child = 0;
  in >> command >> child;
  REQUIRE(command > 0);
  REQUIRE(child > 0);
  return {command, child};
}

// A manual clock that counts how often it is read, so that a test can wait
// until the runner has looked at a time the test set.
class WatchedClock final : public Clock {
 public:
  TimeMs wallNow() const override { return manual_.wallNow(); }
  MonoMs monoNow() const override {
    ++looks_;  // before the read: a look counted after advance() sees the new time
    return manual_.monoNow();
  }
  // Moves the clock, then waits until the runner has read it twice (a
  // whole turn of its loop at the new time) or until finished() is true.
  void advanceAndWait(std::int64_t ms, const std::atomic<bool>& finished) {
    manual_.advance(ms);
    const int seen = looks_;
    while (looks_ < seen + 2 && !finished) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

 private:
  ManualClock manual_{kNow};
  mutable std::atomic<int> looks_{0};
};

bool gone(pid_t pid) { return ::kill(pid, 0) == -1 && errno == ESRCH; }

// While it lives, the processes the commands started and left behind are
// reparented to this test process (not to pid 1), so a test can wait for
// them and see how they ended.
struct Subreaper {
  Subreaper() { REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }
  ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  // How an orphan ended; waits for it (a killed one ends at once).
  static int endOf(pid_t orphan) {
    int status = 0;
    REQUIRE(::waitpid(orphan, &status, 0) == orphan);
    return status;
  }
};

// Checks that the command and the sleep it started were killed and are gone.
void checkKilledWithItsChild(const std::pair<pid_t, pid_t>& pids) {
  const int status = Subreaper::endOf(pids.second);
  const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  CHECK_MESSAGE(killed, "the command's child ended with wait status " << status << ", not by SIGKILL");
  CHECK(gone(pids.first));   // reaped by run()
  CHECK(gone(pids.second));  // reaped above
}

}  // namespace

TEST_CASE("ProcessRunner: standard input, exactly the environment given, and the exit status") {
  ManualClock clock(kNow);
  ProcessRunner runner(clock);
  const CommandResult echoed = sh(runner, "cat; env | sort", "{\"name\":\"eu\"}\n",
                                  {"PATH=/usr/bin:/bin", "RELINKD_JOB=eu"});
  CHECK(echoed.ok());
  CHECK(echoed.error == "{\"name\":\"eu\"} PATH=/usr/bin:/bin PWD=" + std::filesystem::current_path().string() +
                            " RELINKD_JOB=eu");  // PWD: the shell's own
  const CommandResult failed = sh(runner, "echo 'no mail relay' >&2; exit 3");
  CHECK(failed.started);
  CHECK_FALSE(failed.ok());
  CHECK(failed.exitStatus == 3);
  CHECK(failed.error == "no mail relay");
  const CommandResult killed = sh(runner, "kill -9 $$");
  CHECK(killed.signal == 9);
  CHECK_FALSE(killed.ok());
  // A command that does not read its input is not an error of ours.
  CHECK(sh(runner, "exit 0", std::string(1 << 20, 'x')).ok());
}

TEST_CASE("ProcessRunner: a command that does not finish is killed at the timeout, with what it started") {
  ManualClock clock(kNow);
  ProcessRunner runner(clock);
  testsupport::TempDir dir;
  const std::string pids = dir.file("pids");
  Subreaper subreaper;
  CommandResult result;
  std::thread worker([&] { result = sh(runner, startsAChild(pids), "", {"PATH=/usr/bin:/bin"}, 300); });
  waitForFile(pids);
  clock.advance(300);
  worker.join();
  CHECK(result.started);
  CHECK(result.timedOut);
  CHECK_FALSE(result.aborted);
  CHECK_FALSE(result.ok());
  checkKilledWithItsChild(readPids(pids));
}

TEST_CASE("ProcessRunner: a missing program does not start; a command still running 4 s after abort is killed") {
  ManualClock clock(kNow);
  ProcessRunner runner(clock);
  const CommandResult missing = runner.run({"/nonexistent/notify"}, {}, "", 1000);
  CHECK_FALSE(missing.started);
  CHECK(missing.error.find("/nonexistent/notify") != std::string::npos);

  testsupport::TempDir dir;
  const std::string pids = dir.file("pids");
  Subreaper subreaper;
  CommandResult result;
  std::thread worker([&] { result = sh(runner, startsAChild(pids)); });
  waitForFile(pids);
  runner.abort();
  clock.advance(ProcessRunner::kStopGraceMs);  // nothing of it is left then
  worker.join();
  CHECK(result.started);
  CHECK(result.aborted);
  CHECK_FALSE(result.timedOut);
  checkKilledWithItsChild(readPids(pids));
  CHECK(sh(runner, "exit 0").aborted);  // and every later one
}

TEST_CASE("ProcessRunner: at a stop, a command that ends within 4 s is reported as it ended") {
  // Finding 8: a webhook that has posted but takes longer to exit must not
  // be reported aborted (its notification would be sent again).
  WatchedClock clock;
  ProcessRunner runner(clock);
  testsupport::TempDir dir;
  const std::string started = dir.file("started"), go = dir.file("go");
  CommandResult result;
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    result = sh(runner, "touch " + started + "; while [ ! -e " + go + " ]; do sleep 0.01; done; echo posted");
    finished = true;
  });
  waitForFile(started);
  runner.abort();
  clock.advanceAndWait(3999, finished);  // 1 ms before the kill
  std::ofstream{go};
  worker.join();
  CHECK(result.ok());
  CHECK_FALSE(result.aborted);
  CHECK(result.error == "posted");
  CHECK(sh(runner, "exit 0").aborted);  // nothing new starts
}

TEST_CASE("ProcessRunner: the command inherits no file descriptor beyond 0, 1 and 2") {
  ManualClock clock(kNow);
  ProcessRunner runner(clock);
  const int fd = ::open("/dev/null", O_RDONLY);  // not close-on-exec
  REQUIRE(fd > 2);
  const CommandResult result = sh(runner, "ls /proc/self/fd");
  ::close(fd);
  CHECK(result.ok());
  CHECK(result.error == "0 1 2 3");  // 3: ls's own directory handle
}
