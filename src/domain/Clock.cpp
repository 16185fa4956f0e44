// The real clocks: the only place relinkd asks the operating system for the
// time (tests/unit/layers.sh allows std::chrono's now() here and nowhere in
// the core). The time formats are in Time.cpp.
#include "relinkd/domain/Clock.h"

#include <chrono>

namespace relinkd {

TimeMs SystemClock::wallNow() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

MonoMs SystemClock::monoNow() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace relinkd
