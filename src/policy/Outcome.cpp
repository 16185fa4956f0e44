#include "relinkd/policy/Outcome.h"

#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <limits>

namespace relinkd {
namespace {

constexpr std::size_t kMaxMessageChars = 200;
// Anything further away than this is nonsense; the policy clamps to the
// job's deadline anyway.
constexpr std::int64_t kMaxRetryAfterMs = 400LL * 24 * 3600 * 1000;

std::string shorten(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (out.size() >= kMaxMessageChars) {
      out += "...";
      break;
    }
    unsigned char u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

std::string joinStrings(const Poco::JSON::Array& array) {
  std::string out;
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!out.empty()) out += "; ";
    out += array.get(i).toString();
  }
  return out;
}

std::string fromErrorsObject(const Poco::JSON::Object& errors) {
  std::string out;
  for (const auto& [field, value] : errors) {
    if (!out.empty()) out += "; ";
    out += field + ": " + value.toString();
  }
  return out;
}

std::string messageFromJson(const Poco::JSON::Object& obj) {
  if (obj.has("errorMessage") && obj.get("errorMessage").isString())
    return obj.getValue<std::string>("errorMessage") +
           (obj.isArray("errors") ? " (" + joinStrings(*obj.getArray("errors")) + ")" : "");
  if (obj.isArray("errorMessages")) {
    std::string joined = joinStrings(*obj.getArray("errorMessages"));
    if (obj.isObject("errors")) {
      std::string fields = fromErrorsObject(*obj.getObject("errors"));
      if (!fields.empty()) joined += (joined.empty() ? "" : "; ") + fields;
    }
    if (!joined.empty()) return joined;
  }
  if (obj.isObject("errors")) return fromErrorsObject(*obj.getObject("errors"));
  if (obj.isArray("errors")) return joinStrings(*obj.getArray("errors"));
  for (const char* key : {"message", "error"}) {
    if (obj.has(key) && obj.get(key).isString()) return obj.getValue<std::string>(key);
  }
  return "";
}

bool isRetryableStatus(int status) {
  return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
         status == 504;
}

// When may the site be asked again? Retry-After wins; X-RateLimit-Reset
// (ISO 8601, possibly minute precision) only on a 429 without a usable one.
std::optional<TimeMs> limitOf(const HttpResponse& response, TimeMs now) {
  std::string retryAfter = response.header("Retry-After");
  if (!retryAfter.empty()) {
    if (auto at = parseRetryAfter(retryAfter, now)) return at;
  }
  if (response.status == 429) {
    std::string reset = response.header("X-RateLimit-Reset");
    if (!reset.empty()) {
      auto at = parseTime(reset);
      if (!at && reset.size() == 17 && reset.back() == 'Z')  // yyyy-MM-ddTHH:mmZ
        at = parseTime(reset.substr(0, 16) + ":00Z");
      if (at) return std::max(*at, now);
    }
  }
  return std::nullopt;
}

Outcome fromTransport(const HttpResult& result) {
  if (result.error == TransportError::kCertificateRejected) {
    return Outcome{OutcomeKind::kCertificate, std::nullopt, std::nullopt,
                   result.errorMessage +
                       "; if a TLS-inspecting proxy or a private CA is in the way, point "
                       "relinkd.api.caFile at its CA bundle"};
  }
  Outcome outcome{OutcomeKind::kTransient, std::nullopt, std::nullopt, result.errorMessage};
  outcome.noSuchHost = result.error == TransportError::kNoSuchHost;
  return outcome;
}

}  // namespace

const char* outcomeName(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::kSuccess: return "ok";
    case OutcomeKind::kTransient: return "transient";
    case OutcomeKind::kRateLimited: return "rate-limited";
    case OutcomeKind::kPermanent: return "permanent";
    case OutcomeKind::kCredentials: return "credentials";
    case OutcomeKind::kRemoteError: return "remote-error";
    case OutcomeKind::kCertificate: return "certificate";
  }
  return "unknown";
}

std::string errorMessageOf(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(body);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
      std::string message = messageFromJson(*value.extract<Poco::JSON::Object::Ptr>());
      if (!message.empty()) return shorten(message);
    }
  } catch (const Poco::Exception&) {
  } catch (const std::exception&) {
  }
  return shorten(body);
}

std::optional<TimeMs> parseRetryAfter(const std::string& value, TimeMs now) {
  std::size_t digits = 0;
  while (digits < value.size() && std::isdigit(static_cast<unsigned char>(value[digits])))
    ++digits;
  if (digits > 0 && digits == value.size()) {
    if (digits > 12) return now + kMaxRetryAfterMs;  // 9223372036854775807 has been seen
    std::int64_t seconds = std::stoll(value);
    return now + std::min(seconds * 1000, kMaxRetryAfterMs);
  }
  auto at = parseHttpDate(value);
  if (!at) return std::nullopt;
  return std::clamp(*at, now, now + kMaxRetryAfterMs);
}

Outcome classify(const HttpResult& result, TimeMs now) {
  if (result.error != TransportError::kNone) return fromTransport(result);
  const HttpResponse& response = result.response;
  const int status = response.status;
  if (status >= 200 && status < 300) return Outcome{OutcomeKind::kSuccess, status, {}, ""};

  std::string serverSays = errorMessageOf(response.body);
  std::string message = "HTTP " + std::to_string(status) + (serverSays.empty() ? "" : ": " + serverSays);
  if (status == 401) return Outcome{OutcomeKind::kCredentials, status, {}, message};
  if (status == 429 || status == 503) {
    if (auto notBefore = limitOf(response, now))
      return Outcome{OutcomeKind::kRateLimited, status, notBefore, message};
  }
  if (isRetryableStatus(status) || status >= 500) {
    // A Retry-After on another 5xx is still a floor for this job's retry.
    std::string retryAfter = response.header("Retry-After");
    std::optional<TimeMs> floor;
    if (!retryAfter.empty()) floor = parseRetryAfter(retryAfter, now);
    return Outcome{OutcomeKind::kTransient, status, floor, message};
  }
  if (status >= 300 && status < 400) {
    // The API does not redirect; a redirect means a wrong base URL or a
    // login page, which waiting will not fix.
    std::string location = response.header("Location");
    return Outcome{OutcomeKind::kPermanent, status, {},
                   "HTTP " + std::to_string(status) + " redirect" +
                       (location.empty() ? "" : " to " + errorMessageOf(location)) +
                       "; check relinkd.api.baseUrl"};
  }
  return Outcome{OutcomeKind::kPermanent, status, {}, message};
}

Outcome garbledBody(const HttpResult& result, const std::string& what) {
  return Outcome{OutcomeKind::kTransient, result.response.status, {},
                 "HTTP " + std::to_string(result.response.status) + " with " + what};
}

}  // namespace relinkd
