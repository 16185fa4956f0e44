#include "relinkd/io/ProcessRunner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace relinkd {

namespace {

constexpr std::size_t kMaxOutput = 2048;
constexpr int kPollMs = 50;
// When relinkd stops, a running command gets this long to finish by itself.
constexpr std::int64_t kAbortGraceMs = 1000;

std::int64_t monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

struct Pipe {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  static void close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  ~Pipe() {
    close(read);
    close(write);
  }
};

// Output made safe for one log line.
std::string oneLine(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

CommandResult ProcessRunner::run(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 const std::string& input, std::int64_t timeoutMs) {
  CommandResult result;
  if (argv.empty()) {
    result.error = "no command";
    return result;
  }
  if (aborting_) {
    result.aborted = true;
    return result;
  }
  Pipe in, out;
  if (!in.open() || !out.open()) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, out.write, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);  // nothing of relinkd's: sockets, the database
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attributes, &none);        // relinkd blocks its control signals
  posix_spawnattr_setsigdefault(&attributes, &defaults); // and ignores SIGPIPE
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  std::vector<char*> args = pointers(argv), environment = pointers(env);
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    result.error = argv[0] + ": " + std::strerror(spawned);
    return result;
  }
  result.started = true;
  Pipe::close(in.read);
  Pipe::close(out.write);
  ::fcntl(in.write, F_SETFL, O_NONBLOCK);
  std::size_t written = 0;
  if (input.empty()) Pipe::close(in.write);
  std::string output;
  const std::int64_t deadline = monotonicMs() + timeoutMs;
  std::optional<std::int64_t> abortDeadline;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (aborting_ && !abortDeadline) abortDeadline = monotonicMs() + kAbortGraceMs;
    const bool abortNow = abortDeadline && monotonicMs() >= *abortDeadline;
    if (abortNow || monotonicMs() >= deadline) {
      // The group: what it started goes too (the leader, not reaped yet,
      // keeps the group's id); and the leader itself, should it have left it.
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      const bool finished = WIFEXITED(status);  // it exited by itself just before the kill
      if (!finished) (abortNow ? result.aborted : result.timedOut) = true;
      break;
    }
    pollfd fds[2] = {{out.read, POLLIN, 0}, {in.write, POLLOUT, 0}};
    const nfds_t count = in.write >= 0 ? 2 : 1;
    if (out.read < 0) fds[0].fd = -1;
    ::poll(fds, count, kPollMs);
    if (out.read >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      char buffer[4096];
      const ssize_t n = ::read(out.read, buffer, sizeof buffer);
      if (n > 0 && output.size() < kMaxOutput) output.append(buffer, std::min<std::size_t>(n, kMaxOutput - output.size()));
      if (n == 0) Pipe::close(out.read);
    }
    if (in.write >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(in.write, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR) Pipe::close(in.write);  // it does not read: fine
      if (written == input.size()) Pipe::close(in.write);
    }
  }
  // What it wrote just before it ended is still in the pipe (without
  // waiting for anything it left running that holds the pipe open).
  if (out.read >= 0) {
    ::fcntl(out.read, F_SETFL, O_NONBLOCK);
    char buffer[4096];
    ssize_t n;
    while (output.size() < kMaxOutput && (n = ::read(out.read, buffer, sizeof buffer)) > 0)
      output.append(buffer, std::min<std::size_t>(n, kMaxOutput - output.size()));
  }
  if (!result.timedOut && !result.aborted) {
    if (WIFEXITED(status)) result.exitStatus = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  }
  result.error = oneLine(output);
  return result;
}

}  // namespace relinkd
