// Notifications: owed in the same transaction as the change (through the
// Engine), and delivered by the queue with an injected clock and a fake
// command runner (retry until sent, timeout, stop).
#include "NotifyHarness.h"

using namespace enginetest;

TEST_CASE("Notifications: a final state owes one, delivered once with the job's JSON and a clean environment") {
  Notifying h;
  h.startAll();
  h.succeed("eu");
  std::vector<Notification> owed = h.store->notificationsOf("eu");
  REQUIRE(owed.size() == 1);
  CHECK(owed[0].event == "final");
  CHECK(owed[0].state == "succeeded");
  CHECK_FALSE(owed[0].sentAt);

  CHECK(h.deliver() == std::nullopt);  // nothing else owed
  REQUIRE(h.runner.runs.size() == 1);
  const Run& run = h.runner.runs[0];
  CHECK(run.argv == std::vector<std::string>{"/usr/lib/relinkd/notify", "--to", "ops"});
  CHECK(run.timeoutMs == 30000);
  CHECK(run.env == std::vector<std::string>{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                            "LC_ALL=C.UTF-8", "RELINKD_JOB=eu", "RELINKD_STATE=succeeded",
                                            "RELINKD_EVENT=final"});
  const auto json = parse(run.input);
  CHECK(json->getValue<std::string>("name") == "eu");
  CHECK(json->getValue<std::string>("state") == "succeeded");
  CHECK(json->getObject("result")->getValue<int>("progress") == 100);  // the remote job's last answer
  CHECK(json->getValue<bool>("notificationOwed"));
  CHECK(json->getArray("history")->size() > 0);
  CHECK(run.input.find("token-1") == std::string::npos);
  for (const std::string& e : run.env) CHECK(e.find("token-1") == std::string::npos);

  CHECK(h.store->notificationsOf("eu")[0].sentAt == h.clock.wallNow());
  h.advance(3600 * kSecond);
  h.deliver();
  CHECK(h.runner.runs.size() == 1);  // sent: never again
  h.restartAll();
  h.deliver();
  CHECK(h.runner.runs.size() == 1);
  CHECK(h.store->notificationsOf("eu").size() == 1);  // and the restart owed nothing new
}

// An outage of the webhook longer than any fixed number of tries must not
// lose the message (issue 18: "gave up after 6 runs" in about 5 minutes).
TEST_CASE("Notifications: a failing command is retried after 10 s, 20 s, 40 s, ... at most 1 h apart, until it succeeds") {
  Notifying h;
  h.startAll();
  h.succeed("eu");
  constexpr int kFailures = 30;  // 10 s .. 1 h, then a day at 1 h apart
  for (int i = 0; i < kFailures; ++i) h.runner.next.push_back(FakeRunner::exited(3, "smtp: connection refused"));
  std::optional<TimeMs> next = h.deliver();
  CHECK(h.runner.runs.size() == 1);
  const std::vector<std::int64_t> expected = {10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600};
  for (int retry = 1; retry < kFailures; ++retry) {
    CAPTURE(retry);
    const std::int64_t delay =
        (retry <= static_cast<int>(expected.size()) ? expected[retry - 1] : 3600) * kSecond;
    REQUIRE(next);
    CHECK(*next == h.clock.wallNow() + delay);
    CHECK(owedCount(h.queue->summaries()) == 1);
    h.clock.advance(delay - 1);
    h.deliver();
    CHECK(h.runner.runs.size() == static_cast<std::size_t>(retry));  // not before
    h.clock.advance(1);
    next = h.deliver();
    CHECK(h.runner.runs.size() == static_cast<std::size_t>(retry + 1));
  }
  Notification n = h.store->notificationsOf("eu")[0];
  CHECK_FALSE(n.givenUp);
  CHECK_FALSE(n.sentAt);
  CHECK(n.attempts == kFailures);
  CHECK(n.lastError->find("exited with status 3: smtp: connection refused") != std::string::npos);
  REQUIRE(next);
  CHECK(*next == h.clock.wallNow() + 3600 * kSecond);
  h.clock.advance(3600 * kSecond);
  CHECK(h.deliver() == std::nullopt);  // the webhook is back: sent, nothing owed
  CHECK(h.runner.runs.size() == kFailures + 1);
  n = h.store->notificationsOf("eu")[0];
  CHECK(n.sentAt == h.clock.wallNow());
  CHECK(owedCount(h.queue->summaries()) == 0);
}

TEST_CASE("Notifications: the retry delay doubles from the first and stops at 1 h") {
  CHECK(notifyRetryDelay(10000, 1) == 10000);
  CHECK(notifyRetryDelay(10000, 2) == 20000);
  CHECK(notifyRetryDelay(10000, 9) == 2560000);
  CHECK(notifyRetryDelay(10000, 10) == 3600000);
  CHECK(notifyRetryDelay(10000, 1000000) == 3600000);  // no overflow however long the outage
}

TEST_CASE("Notifications: a command killed at the timeout counts as a failure; one stopped by shutdown stays owed") {
  Notifying h;
  h.startAll();
  h.succeed("eu");
  CommandResult timedOut;
  timedOut.started = true;
  timedOut.timedOut = true;
  h.runner.next.push_back(timedOut);
  h.deliver();
  Notification n = h.store->notificationsOf("eu")[0];
  CHECK(n.attempts == 1);
  CHECK(n.lastError->find("still running after 30s (relinkd.notify.timeout) and was killed") != std::string::npos);

  CommandResult aborted;
  aborted.started = true;
  aborted.aborted = true;
  h.runner.next.push_back(aborted);
  h.clock.advance(10 * kSecond);
  h.deliver();
  n = h.store->notificationsOf("eu")[0];
  CHECK(n.attempts == 1);  // not counted: delivered after the next start
  CHECK_FALSE(n.sentAt);
  h.deliver();
  CHECK(h.store->notificationsOf("eu")[0].sentAt);

  CommandResult missing;
  missing.error = "/usr/lib/relinkd/notify: No such file or directory";
  h.writeJob("us", jobJson("site-b"));
  h.answer(h.executor.take(), 403, R"({"errorMessage":"no"})");
  h.runner.next.push_back(missing);
  h.deliver();
  CHECK(h.store->notificationsOf("us")[0].lastError->find("could not be run") != std::string::npos);
}

TEST_CASE("Notifications: one per final state reached, none for other changes, none while off") {
  Notifying h;
  h.startAll();
  h.writeJob("eu", jobJson());
  h.submitOk("u-1");
  CHECK(h.store->notificationsOf("eu").empty());  // queued, running: not final
  h.removeJob("eu");                                // cancelled
  CHECK(h.store->notificationsOf("eu").size() == 1);
  h.engine->rescan();
  h.engine->step();
  CHECK(h.store->notificationsOf("eu").size() == 1);
  h.writeJob("late", jobJson("site-a", "", "2025-11-01T00:00:00Z"));  // expired at once
  CHECK(h.store->notificationsOf("late").at(0).state == "expired");
  h.writeJob("bad", R"({"siteId":"s"})");
  CHECK(h.store->notificationsOf("bad").empty());  // invalid is not final

  Harness off;  // settings.notify false
  off.start();
  off.writeJob("eu", jobJson("site-a", "", "2025-11-01T00:00:00Z"));
  CHECK(off.store->notificationsOf("eu").empty());
}

TEST_CASE("Notifications: deadline-near is owed once per deadline, also across restarts") {
  Notifying h;
  h.startAll();
  // Window: migratedAt + 14 d; 24 h before its close the warning is due.
  h.writeJob("slow", jobJson());  // migratedAt kStart - 1 d: closes at kStart + 13 d
  h.submitOk("u-1");
  h.clock.advance(12 * kDay - 30 * kSecond);
  h.engine->step();
  h.executor.sent.clear();
  CHECK(h.store->notificationsOf("slow").empty());
  h.advance(31 * kSecond);
  std::vector<Notification> owed = h.store->notificationsOf("slow");
  REQUIRE(owed.size() == 1);
  CHECK(owed[0].event == "deadline-near");
  CHECK(owed[0].state == "running");
  CHECK(owed[0].deadline == kStart + 13 * kDay);
  h.restartAll();
  h.advance(60 * kSecond);
  CHECK(h.store->notificationsOf("slow").size() == 1);
  h.deliver();
  CHECK(h.runner.runs.at(0).env.back() == "RELINKD_EVENT=deadline-near");
}

TEST_CASE("Notifications: a job warned of its deadline is expired at that deadline, not before") {
  Notifying h;
  h.startAll();
  h.writeJob("slow", jobJson());  // closes at kStart + 13 d
  h.submitOk("u-1");
  h.clock.advance(12 * kDay + kSecond);  // past the warning's time: warned at once
  h.engine->step();
  REQUIRE(h.store->notificationsOf("slow").size() == 1);
  h.clock.advance(kDay - 2 * kSecond);  // one second before the close
  h.engine->step();
  CHECK(h.job("slow").state != JobState::kExpired);
  CHECK(h.store->notificationsOf("slow").size() == 1);  // warned once, not at every step
  h.clock.advance(kSecond);
  h.engine->step();
  CHECK(h.job("slow").state == JobState::kExpired);
  const std::vector<Notification> owed = h.store->notificationsOf("slow");
  REQUIRE(owed.size() == 2);
  CHECK(owed[0].event == "deadline-near");
  CHECK(owed[1].event == "final");
}
