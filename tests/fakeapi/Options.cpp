#include "Options.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <fstream>

namespace relinkd::fakeapi {

const char* const kUsage =
    "usage: relinkd-fakeapi [--listen=HOST:PORT] [--tls-cert=PEM --tls-key=PEM]\n"
    "                       [--email=E] [--token-file=F] [--port-file=F]\n"
    "                       [--statuses=A,B,C] [--status-case=upper|title]\n"
    "                       [--cloud-id=ID] [--log-requests]\n"
    "A fake of Atlassian's link-fixing API for tests; see tests/fakeapi/PROTOCOL.md.\n";

namespace {

std::string parseListen(const std::string& value, Options& options) {
  std::size_t colon = value.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || !Poco::NumberParser::tryParseUnsigned(value.substr(colon + 1), port) ||
      port > 65535) {
    return "--listen: expected HOST:PORT (PORT 0-65535), got \"" + value + "\"";
  }
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return "--listen: the host is missing in \"" + value + "\"";
  options.host = host;
  options.port = static_cast<std::uint16_t>(port);
  return "";
}

std::string readToken(const std::string& path, std::string& token) {
  std::ifstream in(path);
  if (!in) return "--token-file: cannot read " + path;
  std::string line;
  std::getline(in, line);
  token = Poco::trim(line);
  if (token.empty()) return "--token-file: the first line of " + path + " is empty";
  return "";
}

std::string parseStatuses(const std::string& value, Settings& settings) {
  Poco::StringTokenizer parts(value, ",",
                              Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  if (parts.count() == 0) return "--statuses: expected a comma-separated list of statuses";
  settings.statuses.assign(parts.begin(), parts.end());
  return "";
}

std::string applyOption(const std::string& name, const std::string& value, Options& options) {
  Settings& settings = options.settings;
  if (name == "--listen") return parseListen(value, options);
  if (name == "--tls-cert") options.tlsCert = value;
  else if (name == "--tls-key") options.tlsKey = value;
  else if (name == "--email") settings.email = value;
  else if (name == "--token-file") return readToken(value, settings.token);
  else if (name == "--port-file") options.portFile = value;
  else if (name == "--statuses") return parseStatuses(value, settings);
  else if (name == "--cloud-id") settings.cloudId = value;
  else if (name == "--status-case") {
    if (value != "upper" && value != "title") return "--status-case: expected upper or title";
    settings.statusUpper = value == "upper";
  } else {
    return "unknown option " + name;
  }
  return "";
}

}  // namespace

std::string parseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    if (arg == "--log-requests") {
      options.logRequests = true;
      continue;
    }
    std::size_t equals = arg.find('=');
    if (equals == std::string::npos) return "unknown option " + arg + " (options take the form --name=value)";
    std::string error = applyOption(arg.substr(0, equals), arg.substr(equals + 1), options);
    if (!error.empty()) return error;
  }
  if (options.tlsCert.empty() != options.tlsKey.empty()) {
    return "--tls-cert and --tls-key must be given together";
  }
  return "";
}

}  // namespace relinkd::fakeapi
