// Specifications of the systemd notifications (src/daemon/Notifier.h),
// against a real unix datagram socket standing in for systemd's: what is
// sent, when STATUS= lines are held back, and that a socket nobody reads
// never holds the caller up. Time is a ManualClock, and the notifier's
// pauses move it: nothing here sleeps.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <functional>
#include <vector>

#include "Notifier.h"
#include "TestSupport.h"

using relinkd::JobState;
using relinkd::ManualClock;
using relinkd::Notifier;
using relinkd::watchdogInterval;
using testsupport::TempDir;

namespace {

constexpr relinkd::TimeMs kNow = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr relinkd::MonoMs kMono = 5000;

// systemd's end: a datagram socket bound to a path or an abstract "@name".
class Receiver {
 public:
  explicit Receiver(const std::string& address) : address_(address) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::memcpy(sa.sun_path, address.data(), address.size());
    const bool abstract = address[0] == '@';
    if (abstract) sa.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() + (abstract ? 0 : 1));
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), length) == 0);
  }
  ~Receiver() { ::close(fd_); }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  const std::string& address() const { return address_; }
  // Every datagram queued now, oldest first; never waits.
  std::vector<std::string> drain() {
    std::vector<std::string> out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT)) >= 0;) out.emplace_back(buf, n);
    return out;
  }

 private:
  std::string address_;
  int fd_ = -1;
};

using Lines = std::vector<std::string>;

Notifier::Options quick() {
  Notifier::Options options;
  options.essentialRetryMs = 200;
  options.retryPauseMs = 10;
  return options;
}

// Sends WATCHDOG=1 until the socket takes no more (the queue or the
// sender's buffer, whichever the kernel limits first).
void fill(Notifier& notifier) {
  int sent = 0;
  while (notifier.watchdog()) REQUIRE(++sent < 100000);
  REQUIRE(sent > 0);
}

// systemd's socket in a temporary directory, a manual clock and a
// notifier that sends to that socket (test fixtures). The notifier's pause
// between two tries moves the clock (and counts); whilePaused, when set,
// runs after each pause (systemd reading its socket meanwhile, say).
struct Setup {
  explicit Setup(std::int64_t watchdogMs = 0, Notifier::Options options = Notifier::Options{})
      : notifier(systemd.address(), watchdogMs, clock, manualPauses(options)) {}
  Notifier::Options manualPauses(Notifier::Options options) {
    options.pause = [this](std::int64_t ms) {
      ++pauses;
      clock.advance(ms);
      if (whilePaused) whilePaused();
    };
    return options;
  }
  TempDir dir;
  Receiver systemd{dir.file("notify")};
  ManualClock clock{kNow, kMono};
  int pauses = 0;
  std::function<void()> whilePaused;
  Notifier notifier;
};
struct WithWatchdog : Setup {
  WithWatchdog() : Setup(500) {}
};
// notify() gives up after 200 ms.
struct Impatient : Setup {
  Impatient() : Setup(500, quick()) {}
};
// notify() keeps trying for 5 s.
struct Patient : Setup {
  Patient() : Setup(0, patient()) {}
  static Notifier::Options patient() {
    Notifier::Options options = quick();
    options.essentialRetryMs = 5000;
    return options;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Setup, "Notifier: two STATUS changes within a second are one message now and the latest a second later") {
  notifier.status("STATUS=1 job: 1 queued");
  CHECK(systemd.drain() == Lines{"STATUS=1 job: 1 queued"});
  CHECK(notifier.statusDueAt() == std::nullopt);

  clock.advance(300);
  notifier.status("STATUS=1 job: 1 running");
  clock.advance(300);
  notifier.status("STATUS=1 job: 1 succeeded");
  CHECK(systemd.drain() == Lines{});
  CHECK(notifier.statusDueAt() == kMono + 1000);

  clock.advance(399);  // 999 ms after the first line
  notifier.status("STATUS=1 job: 1 succeeded");
  CHECK(systemd.drain() == Lines{});
  clock.advance(1);
  notifier.status("STATUS=1 job: 1 succeeded");
  CHECK(systemd.drain() == Lines{"STATUS=1 job: 1 succeeded"});
  CHECK(notifier.statusDueAt() == std::nullopt);

  clock.advance(5000);
  notifier.status("STATUS=1 job: 1 succeeded");  // unchanged: nothing to say
  CHECK(systemd.drain() == Lines{});
}

TEST_CASE_FIXTURE(Setup, "Notifier: a STATUS line that changes back within the second is not sent again") {
  notifier.status("STATUS=1 job: 1 running");
  clock.advance(300);
  notifier.status("STATUS=1 job: 1 retrying");
  clock.advance(300);
  notifier.status("STATUS=1 job: 1 running");
  CHECK(notifier.statusDueAt() == std::nullopt);
  clock.advance(2000);
  notifier.status("STATUS=1 job: 1 running");
  CHECK(systemd.drain() == Lines{"STATUS=1 job: 1 running"});
}

TEST_CASE_FIXTURE(WithWatchdog, "Notifier: READY=1, RELOADING=1, STOPPING=1 and WATCHDOG=1 are sent as they are") {
  CHECK(notifier.notify("READY=1"));
  CHECK(notifier.watchdog());
  CHECK(notifier.notify("RELOADING=1"));
  CHECK(notifier.notify("STOPPING=1"));
  CHECK(systemd.drain() == Lines{"READY=1", "WATCHDOG=1", "RELOADING=1", "STOPPING=1"});
  CHECK(notifier.watchdogIntervalMs() == 500);
}

TEST_CASE("Notifier: an abstract @ address is the abstract namespace, as for sd_notify") {
  const std::string name = "@relinkd-test-notify-" + std::to_string(::getpid());
  Receiver systemd(name);
  ManualClock clock(kNow, kMono);
  Notifier notifier(name, 0, clock, Notifier::Options{});
  CHECK(notifier.notify("READY=1"));
  CHECK(systemd.drain() == Lines{"READY=1"});
}

TEST_CASE_FIXTURE(Impatient, "Notifier: a full socket that is never read holds nobody up") {
  fill(notifier);

  SUBCASE("status() and watchdog() never pause; the line is tried again a second later") {
    for (int i = 0; i < 100; ++i) {
      CHECK_FALSE(notifier.watchdog());
      notifier.status("STATUS=" + std::to_string(i) + " jobs");
      clock.advance(1000);
    }
    CHECK(pauses == 0);
    CHECK(notifier.statusDueAt() == kMono + 100 * 1000);
    systemd.drain();
    notifier.status("STATUS=99 jobs");
    CHECK(systemd.drain() == Lines{"STATUS=99 jobs"});
  }
  SUBCASE("notify() gives up after its budget, measured on the clock") {
    CHECK_FALSE(notifier.notify("STOPPING=1"));
    CHECK(clock.monoNow() == kMono + 200);
    CHECK(pauses == 20);  // one every 10 ms
  }
}

TEST_CASE_FIXTURE(Patient, "Notifier: READY=1 is not lost when the socket is full for a moment") {
  fill(notifier);
  std::vector<std::string> drained;
  whilePaused = [&] {  // systemd busy for 100 ms, then it reads
    if (clock.monoNow() >= kMono + 100 && drained.empty()) drained = systemd.drain();
  };
  CHECK(notifier.notify("READY=1"));
  CHECK(clock.monoNow() == kMono + 100);  // sent at the first try after systemd read
  REQUIRE_FALSE(drained.empty());
  CHECK(drained.back() == "WATCHDOG=1");
  CHECK(systemd.drain() == Lines{"READY=1"});
}

TEST_CASE("Notifier: without an address every call is a no-op") {
  ManualClock clock(kNow, kMono);
  Notifier notifier("", 500, clock, Notifier::Options{});
  CHECK(notifier.notify("READY=1"));
  CHECK(notifier.watchdog());
  notifier.status("STATUS=0 jobs");
  CHECK(notifier.statusDueAt() == std::nullopt);
  CHECK(notifier.watchdogIntervalMs() == 0);
  Notifier relative("notify", 500, clock, Notifier::Options{});  // not an address sd_notify accepts
  CHECK(relative.watchdogIntervalMs() == 0);
}

TEST_CASE("Notifier: the watchdog interval is half of WATCHDOG_USEC, for this process only") {
  ManualClock clock(kNow, kMono);
  TempDir dir;
  Receiver systemd(dir.file("notify"));
  ::setenv("NOTIFY_SOCKET", systemd.address().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  SUBCASE("WATCHDOG_PID is ours") {
    ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
    CHECK(Notifier(clock).watchdogIntervalMs() == 1500);
  }
  SUBCASE("WATCHDOG_PID is another process's") {
    ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
    CHECK(Notifier(clock).watchdogIntervalMs() == 0);
  }
  SUBCASE("no WATCHDOG_USEC") {
    ::unsetenv("WATCHDOG_USEC");
    CHECK(Notifier(clock).watchdogIntervalMs() == 0);
  }
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

TEST_CASE("statusLine: the total, then each state that has jobs, in the order of interface.md") {
  CHECK(relinkd::statusLine({}, false) == "STATUS=0 jobs");
  CHECK(relinkd::statusLine({{JobState::kSucceeded, 3}, {JobState::kRunning, 2}, {JobState::kFailed, 0}},
                            false) == "STATUS=5 jobs: 2 running, 3 succeeded");
  CHECK(relinkd::statusLine({{JobState::kPaused, 1}}, true) ==
        "STATUS=1 job: 1 paused; PAUSED: the API rejected the credentials");
}

TEST_CASE("Notifier: the watchdog interval is half of WATCHDOG_USEC, for this process only") {
  CHECK(watchdogInterval("30000000", nullptr, 42) == 15000);
  CHECK(watchdogInterval("30000000", "", 42) == 15000);
  CHECK(watchdogInterval("30000000", "42", 42) == 15000);
  CHECK(watchdogInterval("30000000", "43", 42) == 0);     // meant for another process
  CHECK(watchdogInterval("30000000", "4x", 42) == 0);
  CHECK(watchdogInterval("1000", nullptr, 42) == 1);      // under 2 ms: as often as can be
  CHECK(watchdogInterval(nullptr, nullptr, 42) == 0);
  CHECK(watchdogInterval("", nullptr, 42) == 0);
  CHECK(watchdogInterval("0", nullptr, 42) == 0);
  CHECK(watchdogInterval("-5", nullptr, 42) == 0);
  CHECK(watchdogInterval(" 5000", nullptr, 42) == 0);
  CHECK(watchdogInterval("99999999999999999999", nullptr, 42) == 0);  // overflows 64 bits
}
