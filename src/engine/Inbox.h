// What other threads hand the scheduler between two steps.
#pragma once

#include <deque>
#include <optional>
#include <set>
#include <string>

#include "relinkd/engine/Engine.h"

namespace relinkd {

struct Inbox {
  std::set<std::string> files;  // file names with an event
  bool rescan = false;
  std::deque<Completion> completions;
  std::optional<Credentials> credentials;
  std::optional<EngineSettings> settings;
  bool resume = false;  // SIGHUP: paused jobs resume

  // Puts what `later` holds behind what this one holds (the older first).
  void merge(Inbox later);
};

}  // namespace relinkd
