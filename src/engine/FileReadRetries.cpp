#include "FileReadRetries.h"

#include <algorithm>

namespace relinkd {

std::vector<std::string> FileReadRetries::takeDue(MonoMs now) {
  std::vector<std::string> due;
  for (const auto& [fileName, when] : retries_)
    if (when <= now) due.push_back(fileName);
  for (const std::string& fileName : due) retries_.erase(fileName);
  return due;
}

std::optional<MonoMs> FileReadRetries::nextRetry() const {
  std::optional<MonoMs> next;
  for (const auto& [fileName, when] : retries_) next = next ? std::min(*next, when) : when;
  return next;
}

bool FileReadRetries::remember(const std::string& fileName, const std::string& error) {
  std::string& logged = errors_[fileName];
  if (logged == error) return false;
  logged = error;
  return true;
}

}  // namespace relinkd
