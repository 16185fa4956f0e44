// The real command runner on real processes (/bin/sh): input, environment,
// exit status, signals, the timeout, and what a command inherits.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "TestSupport.h"
#include "relinkd/io/ProcessRunner.h"

using namespace relinkd;

namespace {

CommandResult sh(ProcessRunner& runner, const std::string& script, const std::string& input = "",
                 std::vector<std::string> env = {"PATH=/usr/bin:/bin"}, std::int64_t timeoutMs = 10000) {
  return runner.run({"/bin/sh", "-c", script}, env, input, timeoutMs);
}

}  // namespace

TEST_CASE("ProcessRunner: standard input, exactly the environment given, and the exit status") {
  ProcessRunner runner;
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
  ProcessRunner runner;
  const CommandResult result = sh(runner, "sleep 60 & sleep 60", "", {"PATH=/usr/bin:/bin"}, 300);
  CHECK(result.started);
  CHECK(result.timedOut);
  CHECK_FALSE(result.ok());
}

TEST_CASE("ProcessRunner: a missing program does not start; abort kills the running command") {
  ProcessRunner runner;
  const CommandResult missing = runner.run({"/nonexistent/notify"}, {}, "", 1000);
  CHECK_FALSE(missing.started);
  CHECK(missing.error.find("/nonexistent/notify") != std::string::npos);

  testsupport::TempDir dir;
  const std::string mark = dir.file("started");
  CommandResult result;
  std::thread worker([&] { result = sh(runner, "touch " + mark + "; sleep 60"); });
  // Abort once it runs (the worker would take 60 s otherwise).
  while (::access(mark.c_str(), F_OK) != 0) std::this_thread::yield();
  runner.abort();
  worker.join();
  CHECK(result.started);
  CHECK(result.aborted);
  CHECK(sh(runner, "exit 0").aborted);  // and every later one
}

TEST_CASE("ProcessRunner: the command inherits no file descriptor beyond 0, 1 and 2") {
  ProcessRunner runner;
  const int fd = ::open("/dev/null", O_RDONLY);  // not close-on-exec
  REQUIRE(fd > 2);
  const CommandResult result = sh(runner, "ls /proc/self/fd");
  ::close(fd);
  CHECK(result.ok());
  CHECK(result.error == "0 1 2 3");  // 3: ls's own directory handle
}
