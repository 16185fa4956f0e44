// Whether a relinkd holds the state directory, as list, show, wait and
// status ask it (relinkd/io/InstanceLock.h: the lock is tested, never taken).
#include "relinkd/io/InstanceLock.h"

#include "Commands.h"

namespace relinkd::ctl {

InstanceProbe probeDaemon(const Config& config) { return probeInstance(instanceLockPath(config.stateDir)); }

void warnWhenNotRunning(const Config& config) {
  // Unknown (the lock file cannot be read) is not "not running": say nothing.
  if (probeDaemon(config).state == InstanceProbe::State::kNotRunning)
    printError("relinkd is not running; states are as it left them");
}

}  // namespace relinkd::ctl
