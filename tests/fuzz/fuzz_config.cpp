// libFuzzer: a relinkd.properties file through Poco's properties reader
// and relinkd's checks of every key: a ConfigError or a Config, nothing else.
#include <Poco/AutoPtr.h>
#include <Poco/Exception.h>
#include <Poco/Util/PropertyFileConfiguration.h>

#include <cstdint>
#include <sstream>

#include "relinkd/config/Config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> conf;
  try {
    conf = new Poco::Util::PropertyFileConfiguration(in);
  } catch (const Poco::Exception&) {
    return 0;  // not a properties file: Poco's verdict
  }
  try {
    (void)relinkd::loadConfig(*conf, [](const std::string&) { return std::optional<std::string>(); });
  } catch (const relinkd::ConfigError&) {
  }
  return 0;
}
