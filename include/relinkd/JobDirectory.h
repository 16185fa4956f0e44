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

#include "relinkd/JobFile.h"

namespace relinkd {

// Throws std::runtime_error when dir cannot be listed.
std::map<std::string, ScannedFile> scanJobDirectory(const std::string& dir);

// Reads one job file of the directory (after an event).
ScannedFile scanJobFile(const std::string& dir, const std::string& fileName);

std::string sha256Hex(const std::string& bytes);

// The engine's JobSource on a real directory.
class JobDirectory final : public JobSource {
 public:
  explicit JobDirectory(std::string dir) : dir_(std::move(dir)) {}
  const std::string& where() const override { return dir_; }
  std::map<std::string, ScannedFile> scanAll() override;
  ScannedFile scanOne(const std::string& fileName) override { return scanJobFile(dir_, fileName); }

 private:
  std::string dir_;
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
