#include "relinkd/policy/LinksApi.h"

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Parser.h>
#include <Poco/URI.h>

#include <cctype>
#include <sstream>

namespace relinkd {
namespace {

constexpr std::size_t kMaxIdLength = 256;

std::string basicAuth(const Credentials& credentials) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << credentials.email << ':' << credentials.token;
  encoder.close();
  return "Basic " + out.str();
}

std::string pathSegment(const std::string& raw) {
  std::string encoded;
  Poco::URI::encode(raw, "/?#%", encoded);
  return encoded;
}

// The string member `field` of a JSON object body, or nullopt.
std::optional<std::string> stringField(const std::string& body, const std::string& field) {
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(body);
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) return std::nullopt;
    auto object = value.extract<Poco::JSON::Object::Ptr>();
    if (!object->has(field) || !object->get(field).isString()) return std::nullopt;
    return object->getValue<std::string>(field);
  } catch (const Poco::Exception&) {
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool plausibleId(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (unsigned char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

ApiAnswer readIdAnswer(const HttpResult& result, TimeMs now, const std::string& field) {
  ApiAnswer answer{classify(result, now), "", RemoteStatus::kUnknown};
  if (!answer.outcome.ok()) return answer;
  auto id = stringField(result.response.body, field);
  if (!id || !plausibleId(*id)) {
    answer.outcome = garbledBody(result, "a body without a usable \"" + field + "\"");
    return answer;
  }
  answer.value = *id;
  return answer;
}

}  // namespace

RemoteStatus normaliseRemoteStatus(const std::string& wire) {
  std::string key;
  for (char c : wire)
    if (c != '_' && c != '-' && c != ' ') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (key == "pending") return RemoteStatus::kPending;
  if (key == "backup") return RemoteStatus::kBackup;
  if (key == "inprogress") return RemoteStatus::kInProgress;
  if (key == "retry") return RemoteStatus::kRetry;
  if (key == "complete" || key == "completed") return RemoteStatus::kComplete;
  if (key == "error" || key == "failed") return RemoteStatus::kError;
  return RemoteStatus::kUnknown;
}

HttpRequest submitRequest(const std::string& baseUrl, const std::string& siteId,
                          const JobSpec& spec, const Credentials& credentials) {
  return HttpRequest{"POST",
                     baseUrl + "/links/v1/" + pathSegment(siteId) + "/jobs/cma",
                     {{"Authorization", basicAuth(credentials)},
                      {"Content-Type", "application/json"},
                      {"Accept", "application/json"}},
                     requestBody(spec)};
}

HttpRequest statusRequest(const std::string& baseUrl, const std::string& siteId,
                          const std::string& remoteJobId, const Credentials& credentials) {
  return HttpRequest{"GET",
                     baseUrl + "/links/v1/" + pathSegment(siteId) + "/jobs/status/" +
                         pathSegment(remoteJobId),
                     {{"Authorization", basicAuth(credentials)}, {"Accept", "application/json"}},
                     ""};
}

HttpRequest tenantInfoRequest(const std::string& productUrl) {
  std::string base = productUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return HttpRequest{"GET", base + "/_edge/tenant_info", {{"Accept", "application/json"}}, ""};
}

std::string redactCredentials(std::string text, const Credentials& credentials) {
  std::string encoded = basicAuth(credentials).substr(6);  // after "Basic "
  for (const std::string& secret : {encoded, credentials.token}) {
    if (secret.empty()) continue;
    for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "[redacted]");
  }
  return text;
}

ApiAnswer readSubmitAnswer(const HttpResult& result, TimeMs now) {
  return readIdAnswer(result, now, "uuid");
}

ApiAnswer readTenantInfoAnswer(const HttpResult& result, TimeMs now) {
  return readIdAnswer(result, now, "cloudId");
}

ApiAnswer readStatusAnswer(const HttpResult& result, TimeMs now) {
  ApiAnswer answer{classify(result, now), "", RemoteStatus::kUnknown};
  if (!answer.outcome.ok()) return answer;
  auto status = stringField(result.response.body, "status");
  if (!status || status->empty() || status->size() > kMaxIdLength) {
    answer.outcome = garbledBody(result, "a body without a usable \"status\"");
    return answer;
  }
  answer.value = *status;
  answer.remoteStatus = normaliseRemoteStatus(*status);
  if (answer.remoteStatus == RemoteStatus::kError) {
    answer.outcome = Outcome{OutcomeKind::kRemoteError, result.response.status, {},
                             "the remote job ended in " + *status};
  }
  return answer;
}

}  // namespace relinkd
