// Specifications of relinkd's log lines on standard error (relinkd/Logging.h).
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/TemporaryFile.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "relinkd/config/Config.h"
#include "Logging.h"

namespace {

// Sends fd 2 to a temporary file while alive, and sets or clears
// JOURNAL_STREAM; restores both, and the loggers' settings, afterwards.
class CapturedStderr {
 public:
  explicit CapturedStderr(bool journald)
      : savedChannel_(Poco::Logger::root().getChannel()),
        savedLevel_(Poco::Logger::root().getLevel()) {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream) savedStream_ = stream;
    if (journald) {
      ::setenv("JOURNAL_STREAM", "8:12345", 1);
    } else {
      ::unsetenv("JOURNAL_STREAM");
    }
    const int fd = ::open(file_.path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    savedStderr_ = ::dup(STDERR_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~CapturedStderr() {
    ::dup2(savedStderr_, STDERR_FILENO);
    ::close(savedStderr_);
    if (savedStream_.empty()) {
      ::unsetenv("JOURNAL_STREAM");
    } else {
      ::setenv("JOURNAL_STREAM", savedStream_.c_str(), 1);
    }
    Poco::Logger::setChannel("", savedChannel_);
    Poco::Logger::setLevel("", savedLevel_);
  }
  CapturedStderr(const CapturedStderr&) = delete;
  CapturedStderr& operator=(const CapturedStderr&) = delete;

  std::vector<std::string> lines() const {
    std::ifstream in(file_.path());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  Poco::TemporaryFile file_;
  Poco::Channel::Ptr savedChannel_;
  int savedLevel_;
  std::string savedStream_;
  int savedStderr_ = -1;
};

const char* kTimestamp = R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)";

}  // namespace

TEST_CASE("syslogPriority: Poco priorities map to syslog's") {
  const std::vector<std::pair<int, int>> cases = {
      {Poco::Message::PRIO_FATAL, 1},   {Poco::Message::PRIO_CRITICAL, 2},
      {Poco::Message::PRIO_ERROR, 3},   {Poco::Message::PRIO_WARNING, 4},
      {Poco::Message::PRIO_NOTICE, 5},  {Poco::Message::PRIO_INFORMATION, 6},
      {Poco::Message::PRIO_DEBUG, 7},   {Poco::Message::PRIO_TRACE, 7},
  };
  for (const auto& [pocoBound, syslog] : cases) {
    const auto& poco = pocoBound;  // CAPTURE cannot take a structured binding (C++17)
    CAPTURE(poco);
    CHECK(relinkd::syslogPriority(poco) == syslog);
  }
}

TEST_CASE("configureLogging: an unknown level is a ConfigError for relinkd.log.level") {
  for (const std::string level : {"verbose", "info", "", "6"}) {
    CAPTURE(level);
    try {
      relinkd::configureLogging(level);
      FAIL_CHECK("accepted");
    } catch (const relinkd::ConfigError& e) {
      CHECK(e.key() == "relinkd.log.level");
    }
  }
}

TEST_CASE("configureLogging: timestamped lines at the level asked for") {
  CapturedStderr captured(false);
  Poco::Logger& early = Poco::Logger::get("relinkd.test.early");
  early.setLevel(Poco::Message::PRIO_TRACE);
  relinkd::configureLogging("Warning");
  CHECK(early.getLevel() == Poco::Message::PRIO_WARNING);  // existing loggers follow

  Poco::Logger& logger = Poco::Logger::get("relinkd.test");
  logger.information("not shown");
  logger.warning("job a: retrying in 30s");
  logger.error("first line\nsecond line\n");
  Poco::Logger::root().critical("from the root");
  const auto lines = captured.lines();
  REQUIRE(lines.size() == 4);
  const std::string ts = kTimestamp;
  const std::vector<std::string> patterns = {
      ts + " warning relinkd\\.test: job a: retrying in 30s",
      ts + " error relinkd\\.test: first line",
      ts + " error relinkd\\.test: second line",
      ts + " critical from the root",
  };
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CAPTURE(lines[i]);
    CHECK(std::regex_match(lines[i], std::regex(patterns[i])));
  }
}

TEST_CASE("configureLogging: under journald each line carries its <N> priority") {
  CapturedStderr captured(true);
  relinkd::configureLogging("debug");
  Poco::Logger& logger = Poco::Logger::get("relinkd.test");
  logger.debug("polled");
  logger.error("two\nlines");
  logger.trace("not shown");
  const std::vector<std::string> expected = {"<7>relinkd.test: polled", "<3>relinkd.test: two",
                                             "<3>relinkd.test: lines"};
  CHECK(captured.lines() == expected);
}

TEST_CASE("configureLogging: lines from many threads do not interleave") {
  CapturedStderr captured(true);
  relinkd::configureLogging("information");
  const int kThreads = 4;
  const int kLines = 250;
  const std::string padding(200, '.');
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Poco::Logger& logger = Poco::Logger::get("relinkd.test.threads");
      for (int i = 0; i < kLines; ++i) {
        logger.information("thread " + std::to_string(t) + " line " + std::to_string(i) + padding);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto lines = captured.lines();
  CHECK(lines.size() == static_cast<std::size_t>(kThreads * kLines));
  const std::regex pattern("<6>relinkd\\.test\\.threads: thread \\d line \\d+\\.{200}");
  int bad = 0;
  for (const auto& line : lines) {
    if (!std::regex_match(line, pattern)) ++bad;
  }
  CHECK(bad == 0);
}
