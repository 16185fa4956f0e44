// Where PocoTransport sends a request, and through which proxy: the URL and
// proxy-setting parsing of the transport, including the rule that plain
// http:// is only for loopback hosts.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <Poco/Net/IPAddress.h>

#include "PocoErrors.h"
#include "relinkd/domain/Address.h"

namespace relinkd {

// "host:port", with brackets around an IPv6 address.
inline std::string hostPort(const std::string& host, Poco::UInt16 port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

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
inline Target parseTarget(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::Exception& e) {
    throw SendFailure{TransportError::kOther, "invalid URL: " + e.displayText()};
  }
  Target target;
  target.secure = uri.getScheme() == "https";
  if ((!target.secure && uri.getScheme() != "http") || uri.getHost().empty()) {
    throw SendFailure{TransportError::kOther, "unsupported URL (need http:// or https:// and a host)"};
  }
  target.host = uri.getHost();
  target.port = uri.getPort();
  target.pathAndQuery = uri.getPathAndQuery().empty() ? "/" : uri.getPathAndQuery();
  target.where = hostPort(target.host, target.port);
  if (!target.secure && !isLoopbackHost(target.host)) {
    throw SendFailure{TransportError::kOther,
                      "plain http is only allowed for loopback hosts (" + target.where + ")"};
  }
  return target;
}

// "http://[user:password@]host:port", or empty for none. Throws
// std::runtime_error (without repeating the text, which may hold a password).
inline std::optional<ProxyAddress> parseProxy(const std::string& proxy) {
  if (proxy.empty()) return std::nullopt;
  Poco::URI uri;
  try {
    uri = Poco::URI(proxy);
  } catch (const Poco::Exception&) {  // reported below
  }
  if (uri.getScheme() != "http" || uri.getHost().empty()) {
    throw std::runtime_error("the proxy must be given as http://host:port");
  }
  ProxyAddress address;
  address.host = uri.getHost();
  address.port = uri.getPort();
  address.where = hostPort(address.host, address.port);
  const std::string& userInfo = uri.getUserInfo();
  const auto colon = userInfo.find(':');
  address.user = userInfo.substr(0, colon);
  if (colon != std::string::npos) address.password = userInfo.substr(colon + 1);
  return address;
}

}  // namespace relinkd
