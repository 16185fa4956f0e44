// libFuzzer: the duration and RFC 3339 parsers; what they accept formats
// back to something they accept again with the same value.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "relinkd/domain/Clock.h"
#include "relinkd/domain/Duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (const auto ms = relinkd::parseDuration(text)) (void)relinkd::formatDuration(*ms);
  for (bool allowDate : {false, true}) {
    if (const auto t = relinkd::parseTime(text, allowDate)) {
      const auto again = relinkd::parseTime(relinkd::formatTime(*t), false);
      if (!again || *again != *t) std::abort();
    }
  }
  return 0;
}
