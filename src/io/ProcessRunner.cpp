// ProcessRunner::run in its phases: spawn the command, then, until it
// exits, its deadline passes or relinkd stops, feed its standard input and
// read its output; kill its process group if it must go; collect what it
// said and how it ended.
#include "relinkd/io/ProcessRunner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace relinkd {

namespace {

constexpr std::size_t kMaxOutput = 2048;
constexpr int kPollMs = 50;  // how often the clock is looked at while a command runs

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// A pipe whose ends are closed unless taken.
struct Pipe {
  int read = -1, write = -1;
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
  ~Pipe() {
    closeFd(read);
    closeFd(write);
  }
};

// A started command: its pid and relinkd's ends of its pipes.
struct Child {
  pid_t pid = -1;
  int input = -1;   // its standard input; -1 once all is written (or it stopped reading)
  int output = -1;  // its standard output and error; -1 at end of file
  std::size_t written = 0;
  std::string said;  // the first kMaxOutput bytes of its output
  int status = 0;    // from waitpid, once it ended
  ~Child() {
    closeFd(input);
    closeFd(output);
  }
};

enum class Ending { kExited, kTimedOut, kAborted };

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Its own process group, default dispositions and an empty mask for the
// signals relinkd blocks or ignores, and nothing of relinkd's beyond 0-2.
int spawnProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env, const Pipe& in,
                 const Pipe& out, pid_t& pid) {
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
  std::vector<char*> args = pointers(argv), environment = pointers(env);
  const int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, &attributes, args.data(), environment.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  return spawned;
}

// Starts argv; returns why it could not, or "" when child runs.
std::string spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env, bool hasInput,
                  Child& child) {
  Pipe in, out;
  if (!in.open() || !out.open()) return std::string("pipe: ") + std::strerror(errno);
  const int spawned = spawnProcess(argv, env, in, out, child.pid);
  if (spawned != 0) return argv[0] + ": " + std::strerror(spawned);
  std::swap(child.input, in.write);
  std::swap(child.output, out.read);
  ::fcntl(child.input, F_SETFL, O_NONBLOCK);
  if (!hasInput) closeFd(child.input);
  return "";
}

void keepOutput(Child& child, const char* data, ssize_t n) {
  if (n > 0 && child.said.size() < kMaxOutput)
    child.said.append(data, std::min<std::size_t>(static_cast<std::size_t>(n), kMaxOutput - child.said.size()));
}

// Waits up to kPollMs for the child's pipes, then reads what it said and
// writes what it can take of input.
void exchange(Child& child, const std::string& input) {
  pollfd fds[2] = {{child.output, POLLIN, 0}, {child.input, POLLOUT, 0}};
  ::poll(fds, child.input >= 0 ? 2 : 1, kPollMs);  // a negative fd is skipped
  if (child.output >= 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    char buffer[4096];
    const ssize_t n = ::read(child.output, buffer, sizeof buffer);
    keepOutput(child, buffer, n);
    if (n == 0) closeFd(child.output);
  }
  if (child.input >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
    const ssize_t n = ::write(child.input, input.data() + child.written, input.size() - child.written);
    if (n > 0) child.written += static_cast<std::size_t>(n);
    if (n < 0 && errno != EAGAIN && errno != EINTR) closeFd(child.input);  // it does not read: fine
    if (child.written == input.size()) closeFd(child.input);
  }
}

// The group: what it started goes too (the leader, not reaped yet, keeps
// the group's id); and the leader itself, should it have left it.
void killGroup(Child& child) {
  ::kill(-child.pid, SIGKILL);
  ::kill(child.pid, SIGKILL);
  pid_t reaped;
  while ((reaped = ::waitpid(child.pid, &child.status, 0)) < 0 && errno == EINTR) {
  }
  // Not reaped (it cannot be, short of a bug): never taken for an exit 0,
  // which would mark its notification sent.
  if (reaped != child.pid) child.status = SIGKILL;  // as waitpid reports a death by SIGKILL
}

// What it wrote just before it ended is still in the pipe (read without
// waiting for anything it left running that holds the pipe open).
void drainOutput(Child& child) {
  if (child.output < 0) return;
  ::fcntl(child.output, F_SETFL, O_NONBLOCK);
  char buffer[4096];
  ssize_t n;
  while (child.said.size() < kMaxOutput && (n = ::read(child.output, buffer, sizeof buffer)) > 0)
    keepOutput(child, buffer, n);
}

// Output made safe for one log line.
std::string oneLine(const std::string& text) {
  std::string out;
  for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

CommandResult collect(Child& child, Ending ending) {
  drainOutput(child);
  CommandResult result;
  result.started = true;
  result.timedOut = ending == Ending::kTimedOut;
  result.aborted = ending == Ending::kAborted;
  if (ending == Ending::kExited) {
    if (WIFEXITED(child.status)) result.exitStatus = WEXITSTATUS(child.status);
    if (WIFSIGNALED(child.status)) result.signal = WTERMSIG(child.status);
  }
  result.error = oneLine(child.said);
  return result;
}

// Feeds and reads the child until it exits, its deadline passes or the
// grace relinkd's stop left it ends; then kills what is left of it.
Ending waitForEnd(Child& child, const std::string& input, const Clock& clock, MonoMs deadline,
                  const std::atomic<bool>& aborting, const std::atomic<MonoMs>& abortDeadline) {
  for (;;) {
    if (::waitpid(child.pid, &child.status, WNOHANG) == child.pid) return Ending::kExited;
    const MonoMs now = clock.monoNow();
    const bool abortNow = aborting && now >= abortDeadline;
    if (abortNow || now >= deadline) {
      killGroup(child);
      if (WIFEXITED(child.status)) return Ending::kExited;  // it exited by itself just before the kill
      return abortNow ? Ending::kAborted : Ending::kTimedOut;
    }
    exchange(child, input);
  }
}

}  // namespace

void ProcessRunner::abort() {
  abortDeadline_ = clock_.monoNow() + kStopGraceMs;
  aborting_ = true;
}

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
  Child child;
  result.error = spawn(argv, env, !input.empty(), child);
  if (!result.error.empty()) return result;
  return collect(child, waitForEnd(child, input, clock_, clock_.monoNow() + timeoutMs, aborting_, abortDeadline_));
}

}  // namespace relinkd
