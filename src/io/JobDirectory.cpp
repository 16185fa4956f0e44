#include "relinkd/io/JobDirectory.h"

#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/Threads.h"

#include <Poco/DigestEngine.h>
#include <Poco/Logger.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <stdexcept>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace relinkd {
namespace {

std::string systemError(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Calls onFile(name) for every job file name in dir. Throws
// std::runtime_error when dir cannot be listed.
template <typename OnFile>
void forEachJobFile(const std::string& dir, const OnFile& onFile) {
  DIR* stream = ::opendir(dir.c_str());
  if (!stream) throw std::runtime_error(systemError("cannot list job directory " + dir, errno));
  errno = 0;
  while (const dirent* entry = ::readdir(stream)) {
    const std::string name = entry->d_name;
    if (isJobFileName(name)) onFile(name);
    errno = 0;
  }
  const int error = errno;
  ::closedir(stream);
  if (error != 0) throw std::runtime_error(systemError("cannot list job directory " + dir, error));
}

bool isRegularFile(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM |
                                     IN_ATTRIB | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF |
                                     IN_ONLYDIR;
constexpr const char* kThreadName = "relinkd-watch";  // at most 15 characters
// How often to try watching the directory again after it went away.
constexpr int kRewatchIntervalMs = 1000;


// Runs a callback; an exception from it is logged, and watching goes on.
template <typename Callback>
void deliver(const Callback& callback) {
  try {
    callback();
  } catch (const std::exception& e) {
    Poco::Logger::get("relinkd").error(std::string("job directory event handler failed: ") + e.what());
  }
}

}  // namespace

std::string sha256Hex(const std::string& bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes);
  return Poco::DigestEngine::digestToHex(engine.digest());
}

ScannedFile scanJobFile(const std::string& dir, const std::string& fileName) {
  ScannedFile file;
  file.path = dir + "/" + fileName;
  file.read = readJobFile(file.path);
  if (file.read.missing && !isDirectory(dir)) {
    // An unmounted volume or a moved directory is not the removal of
    // every job file in it.
    file.read.missing = false;
    file.read.transient = true;
    file.read.error = "cannot be read: the job directory " + dir + " is gone";
  }
  file.hash = sha256Hex(file.read.ok ? file.read.bytes : file.read.error);
  return file;
}

std::map<std::string, ScannedFile> scanJobDirectory(const std::string& dir) {
  std::map<std::string, ScannedFile> files;
  forEachJobFile(dir, [&](const std::string& name) {
    ScannedFile file = scanJobFile(dir, name);
    if (!file.read.missing) files.emplace(jobNameOf(name), std::move(file));
  });
  return files;
}

struct DirectoryWatcher::Impl {
  std::string dir;
  NameCallback onName;
  RescanCallback onRescan;
  int inotifyFd = -1;
  int stopFd = -1;
  int watch = -1;  // -1 while the directory is not watched (it went away)
  std::thread thread;

  ~Impl() {
    if (inotifyFd >= 0) ::close(inotifyFd);
    if (stopFd >= 0) ::close(stopFd);
  }

  bool addWatch() {
    watch = inotify_add_watch(inotifyFd, dir.c_str(), kWatchMask);
    return watch >= 0;
  }

  void run() {
    for (;;) {
      pollfd fds[2] = {{stopFd, POLLIN, 0}, {inotifyFd, POLLIN, 0}};
      const int ready = ::poll(fds, 2, watch < 0 ? kRewatchIntervalMs : -1);
      if (ready < 0 && (errno == EINTR || errno == ENOMEM)) continue;
      if (ready < 0) return;
      if (fds[0].revents != 0) return;
      if (watch < 0 && addWatch()) deliver(onRescan);
      if (ready > 0 && (fds[1].revents & POLLIN)) drain();
    }
  }

  // Reads every queued event. The buffer is aligned for inotify_event and
  // names are NUL-padded to their len.
  void drain() {
    alignas(inotify_event) char buffer[16 * (sizeof(inotify_event) + NAME_MAX + 1)];
    for (;;) {
      const ssize_t length = ::read(inotifyFd, buffer, sizeof buffer);
      if (length < 0 && errno == EINTR) continue;
      if (length <= 0) return;  // EAGAIN: the queue is empty
      std::size_t offset = 0;
      while (offset + sizeof(inotify_event) <= static_cast<std::size_t>(length)) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
        if (offset + sizeof(inotify_event) + event->len > static_cast<std::size_t>(length)) break;
        dispatch(*event);
        offset += sizeof(inotify_event) + event->len;
      }
    }
  }

  void dispatch(const inotify_event& event) {
    if (event.mask & IN_Q_OVERFLOW) {
      Poco::Logger::get("relinkd").warning("more changes in " + dir +
                                           " at once than inotify could queue; rescanning the directory");
      deliver(onRescan);
      return;
    }
    if (event.wd != watch) return;  // left over from a watch that is gone
    if (event.mask & IN_IGNORED) {  // the watch is gone: watch the path again
      if (addWatch()) deliver(onRescan);
      return;
    }
    if (event.mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      // A moved directory is no longer at the path: drop the watch, which
      // yields IN_IGNORED, and watch the path again from there.
      if (event.mask & IN_MOVE_SELF) inotify_rm_watch(inotifyFd, watch);
      deliver(onRescan);
      return;
    }
    if (event.len == 0) return;
    const std::string name(event.name, ::strnlen(event.name, event.len));
    if (!isJobFileName(name)) return;
    // A regular file just created is still being written: its IN_CLOSE_WRITE
    // follows. Reading it now would record a half-written, "invalid" job.
    if ((event.mask & IN_ALL_EVENTS) == IN_CREATE && isRegularFile(dir + "/" + name)) return;
    deliver([&] { onName(name); });
  }
};

DirectoryWatcher::DirectoryWatcher(const std::string& dir, NameCallback onName, RescanCallback onRescan)
    : impl_(new Impl) {
  impl_->dir = dir;
  impl_->onName = std::move(onName);
  impl_->onRescan = std::move(onRescan);
  impl_->inotifyFd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (impl_->inotifyFd < 0) throw std::runtime_error(systemError("cannot start inotify", errno));
  if (!impl_->addWatch()) {
    throw std::runtime_error(systemError("cannot watch job directory " + dir, errno));
  }
  impl_->stopFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl_->stopFd < 0) throw std::runtime_error(systemError("cannot create an eventfd", errno));
  impl_->thread = startQuietThread([impl = impl_.get()] {
    pthread_setname_np(pthread_self(), kThreadName);
    impl->run();
  });
}

DirectoryWatcher::~DirectoryWatcher() {
  const std::uint64_t one = 1;
  while (::write(impl_->stopFd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  impl_->thread.join();
}

// A stamp is trusted only for a file whose last change is older than
// kRacyStampMs: a write within the same timestamp tick as the stamp would
// leave it unchanged (the "racily clean" case git knows).
std::string JobDirectory::trusted(const struct stat& st, std::string stamp) const {
  const TimeMs changed = std::max<TimeMs>(st.st_mtim.tv_sec * 1000LL + st.st_mtim.tv_nsec / 1000000,
                                          st.st_ctim.tv_sec * 1000LL + st.st_ctim.tv_nsec / 1000000);
  return clock_.wallNow() - changed >= kRacyStampMs ? std::move(stamp) : std::string();
}

Listing JobDirectory::list() {
  Listing files;
  try {
    forEachJobFile(dir_, [&](const std::string& name) {
      struct stat st {};
      ListedFile listed{name, ""};
      if (::lstat((dir_ + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode))
        listed.stamp = trusted(st, fileStamp(st));
      files.push_back(std::move(listed));
    });
  } catch (const std::runtime_error& error) {
    throw JobSourceError(error.what());
  }
  files.shrink_to_fit();  // held through the whole scan
  sortListing(files);
  return files;
}

ScannedFile JobDirectory::scanOne(const std::string& fileName) {
  ScannedFile file = scanJobFile(dir_, fileName);
  if (file.read.ok) {
    struct stat st {};
    file.read.stamp = ::lstat(file.path.c_str(), &st) == 0 && fileStamp(st) == file.read.stamp
                          ? trusted(st, file.read.stamp)
                          : std::string();  // changed since it was read: read it again next time
  }
  return file;
}

}  // namespace relinkd
