// What a restart tells the operator (the history entry `relinkctl show`
// prints, and the log line): which fields of the job file or plan changed,
// and, for a job restarted while its remote job ran, that the remote job
// goes on at Atlassian, because the API has no way to cancel it.
//
// Thread-safety: free functions on values.
#pragma once

#include <optional>
#include <string>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/JobSpec.h"

namespace relinkd {

// A job file's change: "restarted: destinationURL and createBackup changed
// in FILE", plus the note on the old remote job. before is the job's
// spec before the change (nullopt when it had none: it was invalid).
std::string fileRestartDetail(const Job& was, const std::optional<JobSpec>& before, const JobSpec& after,
                              const std::string& file);

// A plan's change, in the plan's field names: "restarted: createBackup
// changed in plan PLAN (FILE) (SRC -> DST)", plus the note.
std::string planRestartDetail(const Job& was, const std::optional<JobSpec>& before, const JobSpec& after,
                              const std::string& plan, const std::string& file);

// "; its old remote job ID keeps running at Atlassian ..." when was had a
// remote job that had not ended; else empty.
std::string oldRemoteJobNote(const Job& was);

}  // namespace relinkd
