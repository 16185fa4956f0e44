#include "FakeJson.h"
#include "Routes.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace relinkd::fakeapi {
namespace {

const char* const kOk = "{\"ok\":true}";

Reply controlError(int status, const std::string& message) {
  Poco::JSON::Object body(Poco::JSON_PRESERVE_KEY_ORDER);
  body.set("ok", false);
  body.set("error", message);
  std::ostringstream out;
  body.stringify(out);
  return Reply{status, out.str(), {}};
}

Reply configure(FakeState& state, const std::string& body) {
  std::string error = state.updateSettings(
      [&body](Settings& settings) { return applyConfig(body, settings); });
  if (!error.empty()) return controlError(400, error);
  return Reply{200, kOk, {}};
}

Reply addFaults(FakeState& state, const std::string& body) {
  std::vector<Fault> faults;
  std::string error = parseFaults(body, faults);
  if (!error.empty()) return controlError(400, error);
  state.addFaults(faults);
  return Reply{200, kOk, {}};
}

}  // namespace

bool isControlPath(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  return path == "/_fake" || path.rfind("/_fake/", 0) == 0;
}

Reply answerControl(FakeState& state, const std::string& method, const std::string& target,
                    const std::string& body) {
  std::string path = target.substr(0, target.find('?'));
  if (path == "/_fake/requests" && method == "GET") return Reply{200, state.requestsJson(), {}};
  if (path == "/_fake/jobs" && method == "GET") return Reply{200, state.jobsJson(), {}};
  if (path == "/_fake/reset" && method == "POST") {
    state.resetAll();
    return Reply{200, kOk, {}};
  }
  if (path == "/_fake/config" && method == "POST") return configure(state, body);
  if (path == "/_fake/faults" && method == "POST") return addFaults(state, body);
  if (path == "/_fake/faults" && method == "DELETE") {
    state.clearFaults();
    return Reply{200, kOk, {}};
  }
  return controlError(404, "no control endpoint " + method + " " + path);
}

}  // namespace relinkd::fakeapi
