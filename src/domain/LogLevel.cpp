#include "relinkd/domain/LogLevel.h"

#include <Poco/Message.h>
#include <Poco/String.h>

#include <array>
#include <utility>

namespace relinkd {
namespace {

constexpr std::array<std::pair<const char*, int>, 8> kLevels{{
    {"fatal", Poco::Message::PRIO_FATAL},
    {"critical", Poco::Message::PRIO_CRITICAL},
    {"error", Poco::Message::PRIO_ERROR},
    {"warning", Poco::Message::PRIO_WARNING},
    {"notice", Poco::Message::PRIO_NOTICE},
    {"information", Poco::Message::PRIO_INFORMATION},
    {"debug", Poco::Message::PRIO_DEBUG},
    {"trace", Poco::Message::PRIO_TRACE},
}};

}  // namespace

std::optional<int> logLevelByName(const std::string& name) {
  const std::string wanted = Poco::toLower(Poco::trim(name));
  for (const auto& [levelName, priority] : kLevels) {
    if (wanted == levelName) return priority;
  }
  return std::nullopt;
}

const char* logLevelName(int priority) {
  for (const auto& [levelName, levelPriority] : kLevels) {
    if (levelPriority == priority) return levelName;
  }
  return "information";
}

std::string logLevelChoices() {
  std::string text;
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (i > 0) text += i + 1 == kLevels.size() ? " or " : ", ";
    text += kLevels[i].first;
  }
  return text;
}

}  // namespace relinkd
