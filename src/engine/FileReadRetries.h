// The files whose last read failed in a way that may pass (EIO, EACCES, a
// directory gone for a moment): when to read each again, and the error last
// logged for each file, so that a file unreadable for hours is logged once
// per distinct error, not at every read. The scheduler copies it before a
// step and puts the copy back when the step fails.
//
// Thread-safety: none; the scheduler thread owns it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relinkd/domain/Clock.h"

namespace relinkd {

class FileReadRetries {
 public:
  // Read fileName again at when (replacing an earlier time).
  void retryAt(const std::string& fileName, MonoMs when) { retries_[fileName] = when; }
  // It is read now: no retry of its own.
  void dropRetry(const std::string& fileName) { retries_.erase(fileName); }
  // The files due by now, in name order; their retries are dropped.
  std::vector<std::string> takeDue(MonoMs now);
  // The earliest retry, if any.
  std::optional<MonoMs> nextRetry() const;
  bool retrying(const std::string& fileName) const { return retries_.count(fileName) > 0; }

  // True when error is not the one last remembered for fileName (so it is
  // to be logged); remembers it.
  bool remember(const std::string& fileName, const std::string& error);
  // The file was read, or is gone: its next error is new again.
  void forget(const std::string& fileName) { errors_.erase(fileName); }

 private:
  std::map<std::string, MonoMs> retries_;     // file name -> when to read it again
  std::map<std::string, std::string> errors_;  // file name -> the error last logged
};

}  // namespace relinkd
