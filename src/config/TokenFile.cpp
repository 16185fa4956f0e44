// The API token file: read at start and on reload. Messages name the file
// and the problem, never its content.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/String.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "relinkd/config/Config.h"

namespace relinkd {

namespace {

constexpr std::size_t kMaxTokenBytes = 64 * 1024;
constexpr const char* kTokenKey = "relinkd.api.tokenFile";

// Reads an open descriptor of at most kMaxTokenBytes; "" or what is wrong.
std::string readSmall(int fd, const std::string& what, std::string& content) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "cannot read " + what + ": " + std::strerror(errno);
  // A FIFO or device could block or never end; the open did not block
  // thanks to O_NONBLOCK, and nothing but a regular file is read.
  if (!S_ISREG(st.st_mode)) return what + " is not a regular file";
  const std::string tooBig = what + " is larger than 64 KiB; it must hold only the API token";
  if (static_cast<std::size_t>(st.st_size) > kMaxTokenBytes) return tooBig;
  char buf[4096];
  ssize_t n = 0;
  while (content.size() <= kMaxTokenBytes && (n = ::read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return "cannot read " + what + ": " + std::strerror(errno);
    content.append(buf, static_cast<std::size_t>(n));
  }
  return content.size() > kMaxTokenBytes ? tooBig : "";
}

}  // namespace

std::string readToken(const std::string& tokenFile) {
  const std::string what = "the token file " + tokenFile;
  const int fd = ::open(tokenFile.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw ConfigError(kTokenKey, "cannot open " + what + ": " + std::strerror(errno));
  std::string content;
  const std::string problem = readSmall(fd, what, content);
  ::close(fd);
  if (!problem.empty()) throw ConfigError(kTokenKey, problem);
  const std::string token = Poco::trim(content.substr(0, content.find('\n')));
  if (token.empty()) {
    throw ConfigError(kTokenKey, what + " is empty; put the API token on its first line");
  }
  if (std::any_of(token.begin(), token.end(),
                  [](unsigned char c) { return c < ' ' || c == 0x7f; })) {
    throw ConfigError(kTokenKey, what + " has control characters in its first line");
  }
  return token;
}

namespace {

// path itself, resolved when it can be (symbolic links, "..").
std::string resolved(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

bool isUnder(const std::string& path, const std::string& dir) {
  std::string prefix = dir;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 && path[prefix.size()] == '/';
}

}  // namespace

std::optional<std::string> tokenFileWarning(const std::string& tokenFile, const EnvLookup& env) {
  struct stat st {};
  // Only reading gives the token away: 0620 or 0711 let nobody else read it.
  if (::stat(tokenFile.c_str(), &st) != 0 || (st.st_mode & 044) == 0) return std::nullopt;
  // systemd's LoadCredential= places the file there, readable by relinkd alone.
  if (const auto credentials = env("CREDENTIALS_DIRECTORY"); credentials && !credentials->empty()) {
    if (isUnder(tokenFile, *credentials) || isUnder(resolved(tokenFile), resolved(*credentials))) return std::nullopt;
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  const char* who = (st.st_mode & 004) != 0 ? "everyone" : "its group";
  return "the token file " + tokenFile + " can be read by " + who + " (mode " + mode + "); chmod 600 " + tokenFile +
         " (or use systemd's LoadCredential=)";
}

std::optional<std::string> TokenModeWarner::check(const std::string& tokenFile) {
  struct stat st {};
  const unsigned mode = ::stat(tokenFile.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
  const auto seen = std::make_pair(tokenFile, mode);
  if (last_ == seen) return std::nullopt;
  last_ = seen;
  return tokenFileWarning(tokenFile, env_);
}

namespace {

bool isDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The job directory must exist: relinkd watches it, and a typo here would
// otherwise look like "no jobs".
void requireJobsDir(const std::string& dir) {
  if (!isDirectory(dir)) {
    throw ConfigError("relinkd.jobs.dir", "'" + dir + "' is not a directory; create it (the "
                      "package does: systemd-tmpfiles --create) or point the key at the job files");
  }
  if (::access(dir.c_str(), R_OK | X_OK) != 0) {
    throw ConfigError("relinkd.jobs.dir", "'" + dir + "' cannot be read by this user");
  }
}

// The state directory is created at start when missing, so its nearest
// existing ancestor must be a directory.
void requireStateDir(const std::string& dir) {
  std::string existing = dir;
  while (!existing.empty() && ::access(existing.c_str(), F_OK) != 0) {
    const auto slash = existing.find_last_of('/');
    existing = slash == std::string::npos ? std::string() : existing.substr(0, slash);
  }
  if (!existing.empty() && !isDirectory(existing)) {
    throw ConfigError("relinkd.state.dir", "'" + dir + "' cannot be a directory: '" + existing +
                                               "' is not one");
  }
}

}  // namespace

void requireDaemonSettings(const Config& config) {
  if (config.email.empty()) {
    throw ConfigError("relinkd.api.email",
                      "is required: set it to the e-mail of the Atlassian account that owns "
                      "the API token");
  }
  requireJobsDir(config.jobsDir);
  requireStateDir(config.stateDir);
  readToken(config.tokenFile);
  if (!config.notifyCommand.empty()) {
    const std::string& program = config.notifyCommand.front();
    struct stat st {};
    if (::stat(program.c_str(), &st) != 0) {
      throw ConfigError("relinkd.notify.command", program + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode) || ::access(program.c_str(), X_OK) != 0) {
      throw ConfigError("relinkd.notify.command", program + " is not an executable file (chmod +x it?)");
    }
  }
}

}  // namespace relinkd
