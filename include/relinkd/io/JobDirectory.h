// The watched job directory: a full scan, and an inotify watcher that says
// which names changed. The watcher only reports; the engine decides.
//
// inotify is used directly (not Poco::DirectoryWatcher, see
// shared/reference/poco-1.11.md): IN_CLOSE_WRITE, IN_MOVED_TO, IN_DELETE,
// IN_MOVED_FROM, IN_ATTRIB, IN_CREATE; IN_Q_OVERFLOW asks for a rescan.
//
// Thread-safety: DirectoryWatcher runs its own thread and calls the
// callbacks from it; scanJobDirectory is a free function.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "relinkd/domain/Clock.h"
#include "relinkd/io/JobFile.h"

namespace relinkd {

// Every job file in dir, read, keyed by job name (for tests and tools).
// Throws std::runtime_error when dir cannot be listed.
std::map<std::string, ScannedFile> scanJobDirectory(const std::string& dir);

// Reads one job file of the directory. When the file is missing because
// the directory itself is gone, the read is transient (not "removed").
ScannedFile scanJobFile(const std::string& dir, const std::string& fileName);

std::string sha256Hex(const std::string& bytes);

// The engine's JobSource on a real directory. The clock decides which
// stamps are too fresh to trust (modified within kRacyStampMs).
class JobDirectory final : public JobSource {
 public:
  static constexpr std::int64_t kRacyStampMs = 2000;

  JobDirectory(std::string dir, const Clock& clock) : dir_(std::move(dir)), clock_(clock) {}
  const std::string& where() const override { return dir_; }
  Listing list() override;
  ScannedFile scanOne(const std::string& fileName) override;

 private:
  std::string trusted(const struct stat& st, std::string stamp) const;

  std::string dir_;
  const Clock& clock_;
};

class DirectoryWatcher {
 public:
  using NameCallback = std::function<void(const std::string& fileName)>;
  using RescanCallback = std::function<void()>;

  // Starts watching dir. onName gets a job file name (isJobFileName) that
  // was written, moved in, removed, moved out or changed attributes;
  // onRescan is called after a queue overflow, when the directory itself is
  // removed or moved away, and when it is watched again after that (the
  // thread retries the path every second meanwhile). Callbacks should not
  // throw; an exception from one is logged and watching goes on. Throws
  // std::runtime_error when the watch cannot be set up.
  DirectoryWatcher(const std::string& dir, NameCallback onName, RescanCallback onRescan);
  ~DirectoryWatcher();  // stops and joins the thread promptly
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace relinkd
