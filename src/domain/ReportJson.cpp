// The report as JSON for scripts (see Report.h): jobs as jobToJson has
// them plus the record's fields, plans as planToJson has them plus the
// window and their totals.
#include "relinkd/domain/Report.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "relinkd/domain/JobJson.h"
#include "relinkd/domain/Time.h"

namespace relinkd {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

Var timeValue(const std::optional<TimeMs>& t) { return t ? Var(formatTime(*t)) : Var(); }
Var textValue(const std::string& text) { return text.empty() ? Var() : Var(text); }

// {"jobs": N, STATE: N...}: every state, as status --json counts them.
Object::Ptr totalsOf(const std::map<JobState, int>& totals) {
  Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  int all = 0;
  for (const auto& [state, n] : totals) all += n;
  object->set("jobs", all);
  for (JobState state : kAllStates) {
    const auto it = totals.find(state);
    object->set(stateName(state), it == totals.end() ? 0 : it->second);
  }
  return object;
}

Object::Ptr windowOf(const ReportWindow& window, TimeMs now) {
  Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("opened", timeValue(window.opened));
  object->set("closes", timeValue(window.closes));
  const bool closed = window.closes && *window.closes <= now;
  object->set("closed", window.closes ? Var(closed) : Var());
  object->set("timeLeftSeconds", !window.closes ? Var() : Var(closed ? 0 : (*window.closes - now) / 1000));
  return object;
}

Object::Ptr planOf(const Report& report, const ReportPlan& plan) {
  const Object::Ptr view = planToJson(plan.plan, plan.view, report.generatedAt);
  Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("plan", plan.plan);
  object->set("file", view->get("file"));
  object->set("fileRemoved", plan.fileRemoved);
  object->set("problem", view->get("problem"));
  object->set("window", windowOf(plan.window, report.generatedAt));
  object->set("sites", view->get("sites"));
  object->set("matrix", view->get("matrix"));
  std::map<JobState, int> totals;
  for (const ReportJob& entry : report.jobs)
    if (entry.job.plan == plan.plan) ++totals[entry.job.state];
  object->set("totals", totalsOf(totals));
  return object;
}

Object::Ptr jobOf(const ReportJob& entry, TimeMs now) {
  Object::Ptr object = jobToJson(entry.job, now);
  object->set("productURL", textValue(entry.productUrl));
  object->set("destinationURL", textValue(entry.destinationUrl));
  object->set("from", textValue(entry.from));
  object->set("to", textValue(entry.to));
  object->set("former", entry.former);
  object->set("firstSubmittedAt", timeValue(entry.job.firstSubmittedAt));
  object->set("finishedAt", timeValue(entry.job.finishedAt));
  object->set("result", resultValue(entry.job));
  return object;
}

}  // namespace

std::string reportJson(const Report& report) {
  Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("generatedAt", formatTime(report.generatedAt));
  Array::Ptr selection = new Array;
  for (const std::string& name : report.selection) selection->add(name);
  object->set("selection", selection);
  object->set("totals", totalsOf(report.totals));
  Array::Ptr plans = new Array;
  for (const ReportPlan& plan : report.plans) plans->add(planOf(report, plan));
  object->set("plans", plans);
  Array::Ptr jobs = new Array;
  for (const ReportJob& entry : report.jobs) jobs->add(jobOf(entry, report.generatedAt));
  object->set("jobs", jobs);
  return toJsonText(object);
}

}  // namespace relinkd
