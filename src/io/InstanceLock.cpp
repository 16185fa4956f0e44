#include "relinkd/io/InstanceLock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace relinkd {
namespace {

std::string errnoText() { return std::strerror(errno); }

struct flock wholeFile(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;  // to the end, however long the file grows
  return lock;
}

// Whether a lock that conflicts with a write lock on the whole file is
// held, and by whom. l_type says whether; l_pid is 0 when the holder is
// not visible in our pid namespace (relinkctl in a container, say), so a
// pid of 0 means "held, pid unknown", never "not held".
struct Holder {
  bool held = false;
  int pid = 0;
};
Holder lockHolder(int fd, bool& failed) {
  struct flock lock = wholeFile(F_WRLCK);
  failed = ::fcntl(fd, F_GETLK, &lock) != 0;
  if (failed || lock.l_type == F_UNLCK) return {};
  return {true, lock.l_pid > 0 ? static_cast<int>(lock.l_pid) : 0};
}

// A relinkd from before the POSIX lock holds flock(LOCK_EX) instead; on
// Linux the two kinds do not see each other, so the daemon takes both. A
// relinkctl probing (LOCK_SH for an instant) may hold it just then: a few
// tries before concluding another relinkd has it.
bool takeFlock(int fd) {
  constexpr int kTries = 20;
  for (int i = 0; i < kTries; ++i) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK) return false;
    ::usleep(50 * 1000);
  }
  errno = EWOULDBLOCK;
  return false;
}

std::string holderText(int pid) { return pid > 0 ? "process " + std::to_string(pid) : "another process"; }

std::optional<InstanceRecord> readRecord(int fd) {
  char bytes[kInstanceRecordBytes];
  const ssize_t got = ::pread(fd, bytes, sizeof bytes, 0);
  if (got <= 0) return std::nullopt;
  return decodeInstanceRecord(std::string(bytes, static_cast<std::size_t>(got)));
}

}  // namespace

std::string instanceLockPath(const std::string& stateDir) { return stateDir + "/" + kInstanceLockName; }

std::string encodeInstanceRecord(const InstanceRecord& record) {
  std::string line = "relinkd pid=" + std::to_string(record.pid) + " since=" + std::to_string(record.since) +
                     " storeWritable=" + (record.storeWritable ? "1" : "0");
  line.resize(kInstanceRecordBytes - 1, ' ');
  return line + "\n";
}

std::optional<InstanceRecord> decodeInstanceRecord(const std::string& bytes) {
  std::istringstream in(bytes);
  std::string word, pid, since, writable;
  if (!(in >> word >> pid >> since >> writable) || word != "relinkd") return std::nullopt;
  const auto value = [](const std::string& field, const char* key) -> std::optional<std::string> {
    const std::string prefix = std::string(key) + "=";
    if (field.compare(0, prefix.size(), prefix) != 0 || field.size() == prefix.size()) return std::nullopt;
    return field.substr(prefix.size());
  };
  const auto p = value(pid, "pid"), s = value(since, "since"), w = value(writable, "storeWritable");
  if (!p || !s || !w || (*w != "0" && *w != "1")) return std::nullopt;
  InstanceRecord record;
  try {
    std::size_t used = 0;
    record.pid = std::stoi(*p, &used);
    if (used != p->size() || record.pid <= 0) return std::nullopt;
    record.since = std::stoll(*s, &used);
    if (used != s->size()) return std::nullopt;
  } catch (const std::exception&) {  // not a number, or out of range
    return std::nullopt;
  }
  record.storeWritable = *w == "1";
  return record;
}

InstanceLock::InstanceLock(const std::string& path, const InstanceRecord& record) : path_(path), record_(record) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + errnoText());
  // 0644 whatever the umask (systemd's UMask=0077) or an older relinkd
  // made it: relinkctl may run as another user. Not fatal: a file we do
  // not own keeps its mode, and relinkctl then says it cannot tell.
  (void)::fchmod(fd_, 0644);
  struct flock lock = wholeFile(F_WRLCK);
  if (::fcntl(fd_, F_SETLK, &lock) != 0) {
    const int error = errno;
    bool failed = false;
    const int holder = (error == EACCES || error == EAGAIN) ? lockHolder(fd_, failed).pid : 0;
    ::close(fd_);
    fd_ = -1;
    if (error == EACCES || error == EAGAIN) throw InstanceBusy(path + " is locked by " + holderText(holder), holder);
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(error));
  }
  // On the same descriptor: closing another one would drop the POSIX lock.
  if (!takeFlock(fd_)) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) throw InstanceBusy(path + " is locked (flock) by another process", 0);
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(error));
  }
  // The lock is ours: whatever the file held was a stopped daemon's.
  if (::ftruncate(fd_, 0) != 0 || !write()) {
    const std::string why = errnoText();
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot write " + path + ": " + why);
  }
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool InstanceLock::setStoreWritable(bool writable) {
  if (record_.storeWritable == writable) return true;
  record_.storeWritable = writable;
  if (write()) return true;
  record_.storeWritable = !writable;
  return false;
}

// Always the whole record at offset 0, in one pwrite: a reader sees the
// same pid and start time whichever record it reads.
bool InstanceLock::write() {
  const std::string bytes = encodeInstanceRecord(record_);
  return ::pwrite(fd_, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
}

InstanceProbe probeInstance(const std::string& path) {
  InstanceProbe probe;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return probe;  // no relinkd ever ran here
    probe.state = InstanceProbe::State::kUnknown;
    probe.problem = "cannot open " + path + ": " + errnoText();
    return probe;
  }
  bool failed = false;
  const Holder holder = lockHolder(fd, failed);
  if (failed) {
    probe.state = InstanceProbe::State::kUnknown;
    probe.problem = "cannot test the lock on " + path + ": " + errnoText();
  } else if (holder.held) {
    probe.state = InstanceProbe::State::kRunning;
    probe.pid = holder.pid;
    probe.record = readRecord(fd);
    // A record from before the holder wrote its own is not its. With the
    // pid unknown (another pid namespace) the record cannot be checked;
    // the holder wrote it right after taking the lock, so it is kept.
    if (probe.record && holder.pid > 0 && probe.record->pid != holder.pid) probe.record.reset();
  } else if (::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    // No POSIX lock, but a flock: a relinkd from before the POSIX lock.
    // (We hold no POSIX lock on the file, so opening and closing it here
    // takes nothing from anyone; a LOCK_SH we got goes with the close.)
    probe.state = InstanceProbe::State::kRunning;
  }
  ::close(fd);
  return probe;
}

DirectoryClaim::DirectoryClaim(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    problem_ = errnoText();
    return;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
    result_ = Result::kClaimed;
    return;
  }
  result_ = errno == EWOULDBLOCK ? Result::kBusy : Result::kCannotOpen;
  problem_ = errnoText();
  ::close(fd_);
  fd_ = -1;
}

DirectoryClaim::~DirectoryClaim() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace relinkd
