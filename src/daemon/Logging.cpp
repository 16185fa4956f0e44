// Log lines on standard error, written with one write() each so that lines
// from different threads never interleave.
#include "Logging.h"

#include <unistd.h>

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/String.h>

#include <cerrno>
#include <cstdlib>

#include "relinkd/domain/Clock.h"
#include "relinkd/config/Config.h"
#include "relinkd/domain/LogLevel.h"

namespace relinkd {

namespace {

// "2026-11-28T01:17:10.042Z": always with milliseconds, so lines align.
std::string logTimestamp(TimeMs t) {
  const TimeMs millis = ((t % 1000) + 1000) % 1000;
  std::string text = formatTime(t - millis);
  const std::string fraction = std::to_string(1000 + millis).substr(1);
  text.insert(text.size() - 1, "." + fraction);
  return text;
}

// Writes each message to fd 2 as "<N>source: text" under journald, else as
// "TIME level source: text". Multi-line texts get the prefix on every line.
class StderrChannel final : public Poco::Channel {
 public:
  explicit StderrChannel(bool journald) : journald_(journald) {}

  void log(const Poco::Message& msg) override {
    const std::string prefix = linePrefix(msg);
    std::string out;
    std::size_t start = 0;
    const std::string& text = msg.getText();
    do {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      out += prefix + line + "\n";
      start = end + 1;
    } while (start < text.size());
    writeAll(out);
  }

 private:
  std::string linePrefix(const Poco::Message& msg) const {
    const std::string source = msg.getSource().empty() ? "" : msg.getSource() + ": ";
    if (journald_) return "<" + std::to_string(syslogPriority(msg.getPriority())) + ">" + source;
    const TimeMs t = msg.getTime().epochMicroseconds() / 1000;
    return logTimestamp(t) + " " + logLevelName(msg.getPriority()) + " " + source;
  }

  static void writeAll(const std::string& out) {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::write(STDERR_FILENO, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;  // nowhere left to report it
      done += static_cast<std::size_t>(n);
    }
  }

  bool journald_;
};

}  // namespace

void configureLogging(const std::string& level) {
  const std::optional<int> priority = logLevelByName(level);
  if (!priority) {
    throw ConfigError("relinkd.log.level", "'" + level + "' is not a log level (" + logLevelChoices() + ")");
  }
  const char* stream = std::getenv("JOURNAL_STREAM");
  Poco::AutoPtr<Poco::Channel> channel(new StderrChannel(stream != nullptr && *stream != '\0'));
  // The static forms apply to every existing logger as well as the root,
  // whose settings loggers created later inherit.
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", *priority);
}

int syslogPriority(int pocoPriority) {
  switch (pocoPriority) {
    case Poco::Message::PRIO_FATAL: return 1;     // alert
    case Poco::Message::PRIO_CRITICAL: return 2;  // crit
    case Poco::Message::PRIO_ERROR: return 3;     // err
    case Poco::Message::PRIO_WARNING: return 4;   // warning
    case Poco::Message::PRIO_NOTICE: return 5;    // notice
    case Poco::Message::PRIO_INFORMATION: return 6;  // info
    default: return 7;                            // debug, trace
  }
}

}  // namespace relinkd
