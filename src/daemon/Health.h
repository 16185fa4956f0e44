// What /healthz answers (interface.md, "Signals, systemd and HTTP"): 200
// while healthy; 503 naming each cause while the scheduler has stalled,
// the database cannot be written or jobs are paused because the API
// rejected the credentials (nothing is sent then: a monitor must see it
// long before a deadline warning would).
//
// Thread-safety: a free function on a value.
#pragma once

#include <string>

namespace relinkd {

struct HealthFacts {
  bool schedulerStalled = false;
  bool storeWritable = true;
  bool paused = false;        // the engine's pause: credentials rejected or no token
  int pausedJobs = 0;
  std::string pausedReason;   // pausedReason() of the paused jobs; may be empty
  std::string databasePath;
};

// Empty while healthy; else every cause, each saying what to do, joined by "; ".
std::string healthProblems(const HealthFacts& facts);

}  // namespace relinkd
