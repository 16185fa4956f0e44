#include "Notifier.h"

#include <systemd/sd-daemon.h>

namespace relinkd {

Notifier::Notifier() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    watchdogIntervalMs_ = static_cast<std::int64_t>(usec / 2000);
}

void Notifier::notify(const std::string& state) const { sd_notify(0, state.c_str()); }

std::string statusLine(const std::map<JobState, int>& counts, bool paused) {
  int total = 0;
  std::string parts;
  for (const auto& [state, count] : counts) {
    if (count == 0) continue;
    total += count;
    parts += (parts.empty() ? "" : ", ") + std::to_string(count) + " " + stateName(state);
  }
  std::string line = "STATUS=" + std::to_string(total) + (total == 1 ? " job" : " jobs");
  if (!parts.empty()) line += ": " + parts;
  if (paused) line += "; PAUSED: the API rejected the credentials";
  return line;
}

}  // namespace relinkd
