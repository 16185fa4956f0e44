// LogCapture: the engine's log lines, for tests that check what it logs.
//
// Thread-safety: none; one test at a time owns the "relinkd" logger.
#pragma once

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>

#include <string>
#include <vector>

namespace enginetest {

// The engine's log lines while it lives; the logger's channel and level
// are given back afterwards.
class LogCapture {
 public:
  LogCapture() : logger_(Poco::Logger::get("relinkd")), channel_(new Lines) {
    oldChannel_ = logger_.getChannel();
    oldLevel_ = logger_.getLevel();
    logger_.setChannel(channel_);
    logger_.setLevel(Poco::Message::PRIO_INFORMATION);
  }
  ~LogCapture() {
    logger_.setChannel(oldChannel_);
    logger_.setLevel(oldLevel_);
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  // The lines that contain needle.
  std::vector<std::string> with(const std::string& needle) const {
    std::vector<std::string> found;
    for (const std::string& line : channel_->lines)
      if (line.find(needle) != std::string::npos) found.push_back(line);
    return found;
  }

 private:
  struct Lines : Poco::Channel {
    void log(const Poco::Message& message) override { lines.push_back(message.getText()); }
    std::vector<std::string> lines;
  };
  Poco::Logger& logger_;
  Poco::AutoPtr<Lines> channel_;
  Poco::AutoPtr<Poco::Channel> oldChannel_;
  int oldLevel_ = Poco::Message::PRIO_INFORMATION;
};

}  // namespace enginetest
