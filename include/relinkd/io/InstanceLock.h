// One relinkd per state directory and per job directory, and what
// relinkctl can learn about the one that runs without disturbing it.
//
// The state directory: relinkd holds a POSIX record lock (fcntl F_SETLK,
// F_WRLCK over the whole file) on STATE/relinkd.lock for its life.
// relinkctl asks with F_GETLK, which takes nothing and names the process
// that holds it. The kernel drops the lock when the process ends, even
// after kill -9, so a lock file left behind means nothing by itself. In
// the file relinkd keeps a fixed-size text record (InstanceRecord): its
// pid, since when it runs and whether it can write its database,
// rewritten in place (pwrite) when that changes. No database involved:
// relinkctl learns it even when the database cannot be written.
//
// A POSIX lock is released when its process closes ANY descriptor of the
// file, so the daemon opens relinkd.lock once, here, and nothing else in
// it opens that file. The lock is not inherited by children (the
// notification command), and the descriptor is close-on-exec.
//
// The daemon also holds flock(LOCK_EX) on that same descriptor: a relinkd
// from before the POSIX lock took only a flock, and on Linux the two kinds
// do not conflict, so without it an old and a new relinkd would run
// together. relinkctl, finding no POSIX lock, tries flock(LOCK_SH) to tell
// such an old relinkd (running, pid unknown). F_GETLK reports pid 0 when
// the holder is in another pid namespace: held, pid unknown.
//
// The job directory: DirectoryClaim holds flock(LOCK_EX) on a descriptor
// of the directory itself. flock locks belong to the open file, not the
// process, so two claims conflict even within one process, and whatever
// path names the directory (a symbolic link, another mount of it).
//
// Thread-safety: an InstanceLock or DirectoryClaim is used by one thread
// at a time; probeInstance() and the record functions are free functions.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "relinkd/domain/Time.h"

namespace relinkd {

inline constexpr const char* kInstanceLockName = "relinkd.lock";
// STATE/relinkd.lock.
std::string instanceLockPath(const std::string& stateDir);

struct InstanceRecord {
  int pid = 0;
  TimeMs since = 0;           // when the daemon started (wall clock)
  bool storeWritable = true;  // its last write or probe of the database succeeded
};

// One line, "relinkd pid=123 since=1700000000000 storeWritable=1", padded
// with spaces to kInstanceRecordBytes (ending in '\n'): rewritten in
// place, a record never leaves a longer old one's tail behind.
inline constexpr std::size_t kInstanceRecordBytes = 96;
std::string encodeInstanceRecord(const InstanceRecord& record);
// nullopt for anything that is not such a record (an empty file, one
// written by a relinkd before the record existed).
std::optional<InstanceRecord> decodeInstanceRecord(const std::string& bytes);

// Another process holds the lock (pid: the holder, 0 if it could not be told).
class InstanceBusy : public std::runtime_error {
 public:
  InstanceBusy(const std::string& message, int pid) : std::runtime_error(message), pid_(pid) {}
  int pid() const { return pid_; }

 private:
  int pid_;
};

class InstanceLock {
 public:
  // Creates path if need be and makes it 0644 (fchmod: whatever the umask;
  // the record is no secret, and relinkctl may run as another user), takes
  // the POSIX lock and the flock and writes record.
  // Throws InstanceBusy when another process holds it, std::runtime_error
  // naming the file when it cannot be opened or locked.
  InstanceLock(const std::string& path, const InstanceRecord& record);
  ~InstanceLock();  // closes the one descriptor: the lock goes with it
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  // Rewrites the record when the flag changes. False when the write
  // failed (the record then says what it said before).
  bool setStoreWritable(bool writable);
  const InstanceRecord& record() const { return record_; }

 private:
  bool write();

  std::string path_;
  int fd_ = -1;
  InstanceRecord record_;
};

// Whether a relinkd holds the state directory, as relinkctl sees it.
struct InstanceProbe {
  enum class State { kRunning, kNotRunning, kUnknown };
  State state = State::kNotRunning;
  int pid = 0;                          // kRunning: the holder, as the kernel says; 0: unknown
  std::optional<InstanceRecord> record;  // kRunning: what it wrote, when it is its own
  std::string problem;                  // kUnknown: why it cannot be told
  bool running() const { return state == State::kRunning; }
};
// Takes no lock and changes nothing. A missing file means not running.
InstanceProbe probeInstance(const std::string& path);

// A claim on a directory (relinkd.jobs.dir) that only one holder at a time
// gets; released when destroyed or when the process ends.
class DirectoryClaim {
 public:
  enum class Result { kClaimed, kBusy, kCannotOpen };
  explicit DirectoryClaim(const std::string& path);
  ~DirectoryClaim();
  DirectoryClaim(const DirectoryClaim&) = delete;
  DirectoryClaim& operator=(const DirectoryClaim&) = delete;

  Result result() const { return result_; }
  const std::string& problem() const { return problem_; }  // kCannotOpen: why

 private:
  int fd_ = -1;
  Result result_ = Result::kCannotOpen;
  std::string problem_;
};

}  // namespace relinkd
