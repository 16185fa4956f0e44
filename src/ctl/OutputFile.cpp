// See OutputFile.h.
#include "OutputFile.h"

#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <stdexcept>

#include "Commands.h"

namespace relinkd::ctl {

namespace {

constexpr int kNameAttempts = 100;

std::string errnoText(int error) { return std::strerror(error); }

bool fail(const std::string& path, const std::string& why) {
  printError("cannot write " + path + ": " + why);
  return false;
}

// Only a regular file is replaced: renaming over /dev/null (as root) or a
// FIFO would swap the device or the pipe for a plain file.
constexpr const char* kNotAFile =
    "it is not a regular file (a device, a FIFO or a directory): name a file, or leave --output out "
    "for standard output";

// What to replace for path: path itself, or, when path is a symlink, the
// file it resolves to. A dangling symlink is refused rather than followed:
// creating the file it names is what an attacker who planted it wants, and
// an operator who made it by mistake learns where it points.
std::optional<std::string> targetOf(const std::string& path) {
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    if (errno == ENOENT) return path;
    fail(path, errnoText(errno));
    return std::nullopt;
  }
  struct stat followed {};
  const bool exists = ::stat(path.c_str(), &followed) == 0;
  if (exists && !S_ISREG(followed.st_mode)) {  // /dev/stdout of a pipe too: it resolves to no path
    fail(path, kNotAFile);
    return std::nullopt;
  }
  if (!S_ISLNK(link.st_mode)) return path;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) return std::string(resolved);
  const int error = errno;
  char pointsTo[PATH_MAX] = {};
  const ssize_t n = ::readlink(path.c_str(), pointsTo, sizeof pointsTo - 1);
  if (error == ENOENT && n > 0 && !exists)
    fail(path, "it is a symbolic link to " + std::string(pointsTo, static_cast<std::size_t>(n)) +
                   ", which does not exist");
  else
    fail(path, errnoText(error));
  return std::nullopt;
}

// Holds back SIGINT, SIGTERM, SIGHUP and SIGQUIT while it lives: between
// creating the temporary file and renaming (or removing) it, an interrupt
// would leave it behind under its random name. A signal that came meanwhile
// acts once the file is in place.
class HeldSignals {
 public:
  HeldSignals() {
    sigset_t held;
    sigemptyset(&held);
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&held, signal);
    ::sigprocmask(SIG_BLOCK, &held, &previous_);
  }
  ~HeldSignals() { ::sigprocmask(SIG_SETMASK, &previous_, nullptr); }
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;

 private:
  sigset_t previous_{};
};

std::string directoryOf(const std::string& file) {
  const std::size_t slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : file.substr(0, slash);
}

// Opens a new file beside target, named .NAME.XXXXXXXX with random hex:
// O_EXCL refuses anything already there, a symlink included, so nothing
// planted is followed. Mode 0666 lets the umask apply as to any new file.
int createTemporary(const std::string& target, std::string& temporary) {
  const std::size_t slash = target.rfind('/');
  const std::string prefix = target.substr(0, slash == std::string::npos ? 0 : slash + 1) + "." +
                             target.substr(slash == std::string::npos ? 0 : slash + 1) + ".";
  std::random_device entropy;
  for (int attempt = 0; attempt < kNameAttempts; ++attempt) {
    char suffix[9];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(entropy()));
    temporary = prefix + suffix;
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

// Writes text to fd, keeps the old file's owner (where allowed: root
// rewriting a user's report leaves it the user's) and permission bits,
// syncs; 0 or errno.
int fill(int fd, const std::string& text, const std::optional<struct stat>& old) {
  if (old) {
    if (::fchown(fd, old->st_uid, old->st_gid) != 0 && errno != EPERM) return errno;
    if (::fchmod(fd, old->st_mode & 0777) != 0) return errno;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<std::size_t>(n);
  }
  return ::fsync(fd) != 0 ? errno : 0;
}

// The rename is durable only once the directory holding it is synced.
int syncDirectory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int error = ::fsync(fd) != 0 ? errno : 0;
  ::close(fd);
  return error;
}

}  // namespace

bool writeFileAtomically(const std::string& path, const std::string& text) {
  const std::optional<std::string> target = targetOf(path);
  if (!target) return false;
  const std::string shown = *target == path ? path : path + " (" + *target + ")";
  std::optional<struct stat> old;
  if (struct stat st {}; ::stat(target->c_str(), &st) == 0) old = st;  // a regular file (targetOf)
  {
    const HeldSignals held;
    std::string temporary;
    int fd = -1;
    try {
      fd = createTemporary(*target, temporary);
    } catch (const std::exception& e) {  // std::random_device without a source of entropy
      return fail(shown, std::string("no random name for the temporary file: ") + e.what());
    }
    if (fd < 0) return fail(shown, errnoText(errno));
    int error = fill(fd, text, old);
    if (::close(fd) != 0 && error == 0) error = errno;
    if (error == 0 && ::rename(temporary.c_str(), target->c_str()) != 0) error = errno;
    if (error != 0) {
      ::unlink(temporary.c_str());
      return fail(shown, errnoText(error));
    }
  }
  // The file is in place; only the rename's durability is in doubt.
  if (const int error = syncDirectory(directoryOf(*target)); error != 0)
    printError("warning: wrote " + shown + ", but could not sync its directory (" + errnoText(error) +
               "): a crash in the next seconds could undo the rename");
  return true;
}

}  // namespace relinkd::ctl
