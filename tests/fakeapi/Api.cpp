#include "FakeJson.h"
#include "Routes.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPBasicCredentials.h>
#include <Poco/Net/MediaType.h>
#include <Poco/StringTokenizer.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <optional>
#include <sstream>

namespace relinkd::fakeapi {
namespace {

using Poco::Net::HTTPServerRequest;

std::string stringify(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Poco::JSON::Object jsonObject() { return Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER); }

// The Id-Mapping error shape: {"status":N,"errorMessage":"…","id":"…"}.
Reply errorReply(int status, const std::string& message,
                 const std::vector<std::string>& errors = {}) {
  Poco::JSON::Object body = jsonObject();
  body.set("status", status);
  body.set("errorMessage", message);
  if (!errors.empty()) {
    Poco::JSON::Array list;
    for (const std::string& error : errors) list.add(error);
    body.set("errors", list);
  }
  body.set("id", Poco::UUIDGenerator::defaultGenerator().createRandom().toString());
  return Reply{status, stringify(body), {}};
}

bool authorized(const HTTPServerRequest& request, const Settings& settings) {
  try {
    Poco::Net::HTTPBasicCredentials credentials(request);
    return credentials.getUsername() == settings.email &&
           credentials.getPassword() == settings.token;
  } catch (const Poco::Exception&) {
    return false;  // no Authorization header, another scheme, or bad base64
  }
}

bool jsonContentType(const HTTPServerRequest& request) {
  try {
    return Poco::Net::MediaType(request.getContentType()).matches("application", "json");
  } catch (const Poco::Exception&) {
    return false;
  }
}

// The decoded segments of the target's path: "/a/b%2Fc?q" -> {"a", "b/c"}.
std::vector<std::string> pathSegments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  Poco::StringTokenizer parts(path, "/");
  std::vector<std::string> segments;
  for (std::size_t i = 1; i < parts.count(); ++i) {
    std::string decoded;
    try {
      Poco::URI::decode(parts[i], decoded);
    } catch (const Poco::Exception&) {
      decoded = parts[i];  // a malformed %-escape is kept as sent
    }
    segments.push_back(decoded);
  }
  return segments;
}

Reply submit(FakeState& state, const HTTPServerRequest& request, const std::string& siteId,
             const std::string& body, const Settings& settings) {
  if (!jsonContentType(request)) {
    return errorReply(415, "Content-Type must be application/json, got \"" +
                               request.getContentType() + "\"");
  }
  std::vector<std::string> errors = checkSubmission(body, settings.anyProductCase);
  if (!errors.empty()) return errorReply(400, "Validation failed", errors);
  Poco::JSON::Object answer = jsonObject();
  answer.set("uuid", state.submitJob(siteId, body));
  return Reply{200, stringify(answer), {}};
}

Reply poll(FakeState& state, const std::string& siteId, const std::string& jobId,
           const Settings& settings) {
  std::optional<std::string> status = state.pollJob(siteId, jobId);
  if (!status) return errorReply(404, "Job not found with ID: " + jobId);
  Poco::JSON::Object answer = jsonObject();
  answer.set(settings.statusField, *status);
  return Reply{200, stringify(answer), {}};
}

Reply linksApi(FakeState& state, const HTTPServerRequest& request,
               const std::vector<std::string>& segments, const std::string& body) {
  Settings settings = state.settings();
  if (!authorized(request, settings)) {
    return errorReply(401, "Unauthorized; scope does not match");
  }
  const std::string& method = request.getMethod();
  bool isSubmit = segments.size() == 5 && segments[3] == "jobs" && segments[4] == "cma";
  bool isStatus = segments.size() == 6 && segments[3] == "jobs" && segments[4] == "status";
  if (isSubmit && method == "POST") return submit(state, request, segments[2], body, settings);
  if (isStatus && method == "GET") return poll(state, segments[2], segments[5], settings);
  if (isSubmit || isStatus) return errorReply(405, "Method " + method + " not allowed here");
  return errorReply(404, "No such endpoint: " + request.getURI());
}

bool isTenantInfo(const std::vector<std::string>& segments) {
  const std::size_t n = segments.size();
  return n >= 2 && segments[n - 2] == "_edge" && segments[n - 1] == "tenant_info";
}

// The cloudId of the site asked: by path prefix (/s1/_edge/tenant_info;
// an unknown prefix is no site), else by the Host header's host name.
std::optional<std::string> tenantOf(const Settings& settings, const HTTPServerRequest& request,
                                    const std::vector<std::string>& segments) {
  std::string prefix;
  for (std::size_t i = 0; i + 2 < segments.size(); ++i) prefix += "/" + segments[i];
  if (!prefix.empty()) {
    auto tenant = settings.tenants.find(prefix);
    if (tenant == settings.tenants.end()) return std::nullopt;
    return tenant->second;
  }
  auto tenant = settings.tenants.find(request.getHost().substr(0, request.getHost().rfind(':')));
  if (tenant == settings.tenants.end()) tenant = settings.tenants.find(request.getHost());
  return tenant == settings.tenants.end() ? settings.cloudId : tenant->second;
}

}  // namespace

Reply answerApi(FakeState& state, const HTTPServerRequest& request, const std::string& body) {
  std::vector<std::string> segments = pathSegments(request.getURI());
  if (segments.size() >= 3 && segments[0] == "links" && segments[1] == "v1") {
    return linksApi(state, request, segments, body);
  }
  if (isTenantInfo(segments)) {
    if (request.getMethod() != "GET") return errorReply(405, "Method not allowed here");
    std::optional<std::string> cloudId = tenantOf(state.settings(), request, segments);
    if (!cloudId) return errorReply(404, "No such site: " + request.getURI());
    Poco::JSON::Object answer = jsonObject();
    answer.set("cloudId", *cloudId);
    return Reply{200, stringify(answer), {}};
  }
  return errorReply(404, "No such endpoint: " + request.getURI());
}

Reply faultReply(const Fault& fault) {
  Reply reply{fault.status, "", fault.headers};
  if (fault.body) {
    reply.body = *fault.body;
  } else {
    Poco::JSON::Object body = jsonObject();
    body.set("status", fault.status);
    body.set("errorMessage", "fake fault " + std::to_string(fault.status));
    reply.body = stringify(body);
  }
  return reply;
}

}  // namespace relinkd::fakeapi
