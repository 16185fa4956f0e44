#include "relinkd/domain/JobJson.h"

#include <sstream>

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include "JsonText.h"

namespace relinkd {

namespace {

using Poco::Dynamic::Var;

Var optionalText(const std::optional<std::string>& value) {
  return value ? Var(*value) : Var();
}

Var optionalTime(const std::optional<TimeMs>& value) {
  return value ? Var(formatTime(*value)) : Var();
}

Poco::JSON::Object::Ptr historyEntryToJson(const HistoryEntry& entry) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("at", formatTime(entry.at));
  object->set("action", entry.action);
  object->set("httpStatus", entry.httpStatus ? Var(*entry.httpStatus) : Var());
  object->set("outcome", entry.outcome);
  object->set("detail", entry.detail);
  return object;
}

}  // namespace

Var resultValue(const Job& job) {
  if (!job.result) return Var();
  // The API's bytes: read with the same limits as a job file (depth, UTF-8).
  std::vector<FieldProblem> problems;
  if (auto parsed = parseObject(*job.result, problems)) return Var(parsed->object);
  return Var(*job.result);  // not a JSON object (or cut short): the text as it came
}

Poco::JSON::Object::Ptr specObject(const Job& job) {
  if (!job.specJson) return nullptr;
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep the field order
    const Var parsed = parser.parse(*job.specJson);
    if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) {
      return parsed.extract<Poco::JSON::Object::Ptr>();
    }
  } catch (const Poco::Exception&) {
  }
  return nullptr;
}

bool isDeadlineNear(const Job& job, TimeMs now) {
  return !isFinal(job.state) && job.deadline && *job.deadline - now < kDeadlineNearMs;
}

Poco::JSON::Object::Ptr jobToJson(const Job& job, TimeMs now) {
  Poco::JSON::Object::Ptr object = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("name", job.name);
  object->set("file", job.file);
  object->set("state", std::string(stateName(job.state)));
  object->set("plan", job.plan.empty() ? Var() : Var(job.plan));
  object->set("siteId", job.siteId.empty() ? Var() : Var(job.siteId));
  object->set("remoteJobId", optionalText(job.remoteJobId));
  object->set("remoteStatus", optionalText(job.remoteStatus));
  object->set("attempts", job.attempts);
  object->set("nextAttemptAt", optionalTime(job.nextAttemptAt));
  object->set("deadline", optionalTime(job.deadline));
  object->set("deadlineNear", isDeadlineNear(job, now));
  object->set("lastError", optionalText(job.lastError));
  object->set("createdAt", formatTime(job.createdAt));
  object->set("updatedAt", formatTime(job.updatedAt));
  return object;
}

void addNotifications(Poco::JSON::Object& object, const std::vector<Notification>& notifications) {
  std::optional<TimeMs> last;
  bool owed = false;
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const Notification& n : notifications) {
    if (n.sentAt && (!last || *n.sentAt > *last)) last = n.sentAt;
    owed = owed || (!n.sentAt && !n.givenUp);
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("event", n.event);
    item->set("state", n.state);
    item->set("owedAt", formatTime(n.createdAt));
    item->set("attempts", n.attempts);
    item->set("sentAt", optionalTime(n.sentAt));
    item->set("givenUp", n.givenUp);
    item->set("lastError", optionalText(n.lastError));
    list->add(item);
  }
  object.set("lastNotifiedAt", optionalTime(last));
  object.set("notificationOwed", owed);
  object.set("notifications", list);
}

Poco::JSON::Object::Ptr jobDetailToJson(const Job& job, const std::vector<HistoryEntry>& history,
                                        TimeMs now) {
  Poco::JSON::Object::Ptr object = jobToJson(job, now);
  const Poco::JSON::Object::Ptr spec = specObject(job);
  object->set("spec", spec ? Var(spec) : Var());
  object->set("result", resultValue(job));
  Poco::JSON::Array::Ptr entries = new Poco::JSON::Array;
  for (const auto& entry : history) entries->add(historyEntryToJson(entry));
  object->set("history", entries);
  return object;
}

namespace {

const Job& jobOf(const Job& job) { return job; }
const Job& jobOf(const std::shared_ptr<const Job>& job) { return *job; }

template <typename Jobs>
std::string listJson(const Jobs& jobs, TimeMs now) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& job : jobs) array->add(jobToJson(jobOf(job), now));
  return toJsonText(array);
}

}  // namespace

std::string jobListJson(const JobList& jobs, TimeMs now) { return listJson(jobs, now); }

std::string jobListJson(const std::vector<Job>& jobs, TimeMs now) { return listJson(jobs, now); }

std::string toJsonText(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string toJsonText(const Poco::JSON::Array::Ptr& array) {
  std::ostringstream out;
  array->stringify(out);
  return out.str();
}

std::string pausedNoticeJson(const std::string& reason, const std::vector<std::string>& jobs) {
  Poco::JSON::Array::Ptr names = new Poco::JSON::Array;
  for (const std::string& name : jobs) names->add(name);
  Poco::JSON::Object::Ptr notice = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  notice->set("event", std::string(kEventPaused));
  notice->set("reason", reason);
  notice->set("jobs", names);
  return toJsonText(notice);
}

}  // namespace relinkd
