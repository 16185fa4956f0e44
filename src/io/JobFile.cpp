#include "relinkd/io/JobFile.h"

#include "relinkd/domain/JobSpec.h"
#include "relinkd/domain/PlanSpec.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace relinkd {
namespace {

const char* kSymlinkProblem = "is a symbolic link; only regular files are read";

// The problem with a file of this type, or nullptr for a regular file.
const char* typeProblem(mode_t mode) {
  if (S_ISREG(mode)) return nullptr;
  if (S_ISLNK(mode)) return kSymlinkProblem;
  if (S_ISFIFO(mode)) return "is a FIFO, not a regular file";
  if (S_ISDIR(mode)) return "is a directory, not a regular file";
  if (S_ISCHR(mode)) return "is a character device, not a regular file";
  if (S_ISBLK(mode)) return "is a block device, not a regular file";
  if (S_ISSOCK(mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

FileRead failure(std::string error) {
  FileRead result;
  result.error = std::move(error);
  return result;
}

// A system call failed on a file that is there: the same read may work
// later (EIO, EACCES after a chmod, EMFILE, ...), so the content counts as
// unknown, not as bad.
FileRead transientFailure(const std::string& what, int error) {
  FileRead result = failure(what + ": " + std::strerror(error));
  result.transient = true;
  return result;
}

FileRead openFailure(int error) {
  FileRead result;
  if (error == ENOENT) {
    result.missing = true;
    result.error = "does not exist";
  } else if (error == ELOOP) {
    result.error = kSymlinkProblem;
  } else if (error == ENXIO) {  // a UNIX socket
    result.error = "is a socket, not a regular file";
  } else {
    return transientFailure("cannot be opened", error);
  }
  return result;
}

std::string tooLarge(std::size_t size) {
  return "is larger than 64 KiB (" + std::to_string(size) + " bytes)";
}

// Reads at most kMaxJobFileBytes + 1 bytes (the file may have grown since
// fstat) through a small buffer, so that the content costs what it weighs,
// not the 64 KiB limit.
FileRead readAll(int fd) {
  std::string bytes;
  char buffer[8 * 1024];
  while (bytes.size() <= kMaxJobFileBytes) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return transientFailure("cannot be read", errno);
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
  if (bytes.size() > kMaxJobFileBytes) return failure("is larger than 64 KiB (it grew while being read)");
  FileRead result;
  result.ok = true;
  result.bytes = std::move(bytes);
  return result;
}

// Closes a descriptor on every path out.
struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

}  // namespace

std::string fileStamp(const struct stat& st) {
  // splitmix64's finaliser: each input bit moves about half of the output's.
  auto mix = [](std::uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  };
  const std::uint64_t fields[] = {
      static_cast<std::uint64_t>(st.st_dev),          static_cast<std::uint64_t>(st.st_ino),
      static_cast<std::uint64_t>(st.st_size),         static_cast<std::uint64_t>(st.st_mtim.tv_sec),
      static_cast<std::uint64_t>(st.st_mtim.tv_nsec), static_cast<std::uint64_t>(st.st_ctim.tv_sec),
      static_cast<std::uint64_t>(st.st_ctim.tv_nsec)};
  std::uint64_t hash = 0;
  for (std::uint64_t field : fields) hash = mix(hash ^ field) + 0x9e3779b97f4a7c15ULL;
  static const char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
  std::string stamp(kStampLength, '0');
  for (std::size_t i = kStampLength; i-- > 0; hash >>= 5) stamp[i] = kDigits[hash & 31];
  return stamp;
}

FileRead readJobFile(const std::string& path) {
  // lstat first, so that a device is never opened (opening some has effects);
  // the fstat below is the check that counts, on what was actually opened.
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return openFailure(errno);
  if (const char* problem = typeProblem(st.st_mode)) return failure(problem);

  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return openFailure(errno);
  FdCloser closer{fd};
  if (::fstat(fd, &st) != 0) return transientFailure("cannot be examined", errno);
  if (const char* problem = typeProblem(st.st_mode)) return failure(problem);
  if (static_cast<std::size_t>(st.st_size) > kMaxJobFileBytes) {
    return failure(tooLarge(static_cast<std::size_t>(st.st_size)));
  }
  FileRead read = readAll(fd);
  if (read.ok) read.stamp = fileStamp(st);
  return read;
}

std::vector<std::string> planSiteOrder(const std::string& plan, const std::string& file, std::int64_t windowMs,
                                       TimeMs now) {
  if (file.empty()) return {};
  const FileRead read = readJobFile(file);
  if (!read.ok) return {};
  const PlanResult result = parsePlan(read.bytes, plan, windowMs, now);
  return result.plan ? result.plan->labels : std::vector<std::string>{};
}

}  // namespace relinkd
