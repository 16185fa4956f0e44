#include "relinkd/domain/Address.h"

#include <arpa/inet.h>

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <cstring>


namespace relinkd {

HostPort splitHostPort(const std::string& text) {
  // Split at the last ':' (or after "[...]"), then check each half.
  HostPort split;
  std::string port;
  auto problem = [&](const char* what) {
    split.problem = what;
    return split;
  };
  if (!text.empty() && text[0] == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos || text.compare(close + 1, 1, ":") != 0) {
      return problem("an IPv6 host must be written [address]:port");
    }
    split.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (split.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return problem("the host is not an IPv6 address");
    }
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos) return problem("the port is missing");
    split.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    const char* kHostChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
    if (split.host.find_first_not_of(kHostChars) != std::string::npos) {
      return problem("the host may contain only letters, digits, '.', '-' and '_'");
    }
  }
  if (split.host.empty()) return problem("the host is missing");
  const bool digits = !port.empty() && port.size() <= 5 &&
                      port.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stol(port) > 65535) return problem("the port must be a number from 1 to 65535");
  split.port = static_cast<int>(std::stol(port));
  return split;
}

std::string hostPortProblem(const std::string& text) {
  const HostPort split = splitHostPort(text);
  if (!split.problem.empty()) return split.problem;
  if (split.port < 1) return "the port must be a number from 1 to 65535";
  return "";
}

bool isLoopbackHost(const std::string& name) {
  std::string host = Poco::toLower(name);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") return true;
  unsigned char addr[16];
  if (::inet_pton(AF_INET, host.c_str(), addr) == 1) return addr[0] == 127;
  if (::inet_pton(AF_INET6, host.c_str(), addr) != 1) return false;
  static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const unsigned char kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(addr, kLoopback6, 16) == 0) return true;
  return std::memcmp(addr, kMappedPrefix, 12) == 0 && addr[12] == 127;
}

bool isLoopbackUrl(const std::string& url) {
  try {
    return isLoopbackHost(Poco::URI(url).getHost());
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace relinkd
