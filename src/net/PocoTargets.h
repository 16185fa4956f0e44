// Where PocoTransport sends a request, and through which proxy: the URL and
// proxy-setting parsing of the transport, including the rule that plain
// http:// is only for loopback hosts.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <Poco/Types.h>

namespace relinkd {

// "host:port", with brackets around an IPv6 address.
std::string hostPort(const std::string& host, Poco::UInt16 port);

struct Target {
  bool secure = false;
  std::string host;
  Poco::UInt16 port = 0;
  std::string pathAndQuery;
  std::string where;  // host:port, for messages and CONNECT
  // The keep-alive pool key.
  std::string key() const { return (secure ? "https://" : "http://") + where; }
};

struct ProxyAddress {
  std::string host;
  Poco::UInt16 port = 0;
  std::string user;
  std::string password;
  std::string where;  // host:port, for messages (never the credentials)
};

// Throws SendFailure (kOther) for a URL the transport will not send to.
Target parseTarget(const std::string& url);

// "http://[user:password@]host:port", or empty for none. Throws
// std::runtime_error (without repeating the text, which may hold a password).
std::optional<ProxyAddress> parseProxy(const std::string& proxy);

}  // namespace relinkd
