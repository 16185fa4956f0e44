#include "relinkd/policy/Http.h"

#include <strings.h>

namespace relinkd {

const char* transportErrorName(TransportError e) {
  switch (e) {
    case TransportError::kNone: return "none";
    case TransportError::kConnectionRefused: return "connection-refused";
    case TransportError::kConnectionReset: return "connection-reset";
    case TransportError::kTimeout: return "timeout";
    case TransportError::kDns: return "dns";
    case TransportError::kNoSuchHost: return "no-such-host";
    case TransportError::kTls: return "tls";
    case TransportError::kCertificateRejected: return "certificate-rejected";
    case TransportError::kProxy: return "proxy";
    case TransportError::kAborted: return "aborted";
    case TransportError::kTooLate: return "too-late";
    case TransportError::kOther: return "other";
  }
  return "other";
}

std::string HttpResponse::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && ::strcasecmp(key.c_str(), name.c_str()) == 0) {
      return value;
    }
  }
  return {};
}

}  // namespace relinkd
