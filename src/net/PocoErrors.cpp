#include "PocoErrors.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>

namespace relinkd {

std::string& lastCertificateError() {
  thread_local std::string reason;
  return reason;
}

namespace poco_errors {

namespace {

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

bool isCertificateFailure(const Poco::Exception& e) {
  if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e) ||
      dynamic_cast<const Poco::Net::InvalidCertificateException*>(&e)) {
    return true;
  }
  const std::string text = e.displayText();
  return dynamic_cast<const Poco::Net::SSLException*>(&e) &&
         (contains(text, "certificate verify failed") || contains(text, "local issuer") ||
          contains(text, "self-signed certificate") || contains(text, "self signed certificate") ||
          contains(text, "hostname mismatch"));
}

// The exception's own text, without the class name Poco puts in front.
std::string detail(const Poco::Exception& e) {
  return e.message().empty() ? e.displayText() : e.message();
}

std::string certificateReason(const Poco::Exception& e, const std::string& host) {
  if (!lastCertificateError().empty()) return lastCertificateError();
  if (dynamic_cast<const Poco::Net::CertificateValidationException*>(&e)) {
    return "it is not valid for the host name " + host;
  }
  return detail(e);
}

}  // namespace

bool isConnectionLoss(const Poco::Exception& e) {
  const std::string text = e.displayText();
  return dynamic_cast<const Poco::Net::ConnectionResetException*>(&e) ||
         dynamic_cast<const Poco::Net::ConnectionAbortedException*>(&e) ||
         dynamic_cast<const Poco::Net::NoMessageException*>(&e) ||
         dynamic_cast<const Poco::Net::SSLConnectionUnexpectedlyClosedException*>(&e) ||
         contains(text, "Connection reset by peer") || contains(text, "Broken pipe") ||
         contains(text, "unexpected eof") || contains(text, "unexpectedly closed") ||
         (dynamic_cast<const Poco::Net::MessageException*>(&e) && contains(text, "EOF"));
}

SendFailure classify(const Poco::Exception& e, const std::string& host,
                            const std::string& where, long long timeoutMs) {
  using TE = TransportError;
  const std::string at = " (" + where + ")";
  if (isCertificateFailure(e)) {
    return {TE::kCertificateRejected,
            "the server's certificate was rejected: " + certificateReason(e, host) + at};
  }
  if (dynamic_cast<const Poco::Net::NoMessageException*>(&e)) {
    return {TE::kConnectionReset, "the server closed the connection without answering" + at};
  }
  if (isConnectionLoss(e)) {
    return {TE::kConnectionReset, "the connection was closed before the response was complete" + at};
  }
  if (dynamic_cast<const Poco::Net::SSLException*>(&e)) {
    return {TE::kTls, "the TLS handshake or session failed: " + detail(e) + at};
  }
  if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) {
    return {TE::kConnectionRefused, "connection refused" + at};
  }
  if (dynamic_cast<const Poco::TimeoutException*>(&e)) {
    return {TE::kTimeout, "no answer within " + std::to_string(timeoutMs) + " ms" + at};
  }
  if (dynamic_cast<const Poco::Net::DNSException*>(&e)) {
    return {TE::kDns, "cannot resolve the host name " + host + " (" + e.displayText() + ")"};
  }
  if (dynamic_cast<const Poco::Net::MessageException*>(&e)) {
    return {TE::kOther, "malformed HTTP response: " + e.displayText() + at};
  }
  return {TE::kOther, e.displayText() + at};
}

}  // namespace poco_errors
}  // namespace relinkd
