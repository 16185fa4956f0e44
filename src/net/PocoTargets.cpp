#include "PocoTargets.h"

#include <stdexcept>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "PocoErrors.h"
#include "relinkd/domain/Address.h"

namespace relinkd {

std::string hostPort(const std::string& host, Poco::UInt16 port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Target parseTarget(const std::string& url) {
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

std::optional<ProxyAddress> parseProxy(const std::string& proxy) {
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
