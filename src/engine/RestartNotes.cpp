#include "RestartNotes.h"

#include "relinkd/domain/SpecChange.h"

namespace relinkd {

std::string fileRestartDetail(const Job& was, const std::optional<JobSpec>& before, const JobSpec& after,
                              const std::string& file) {
  if (!before) return "restarted with the new content of " + file;
  const SpecChange change = compareSpecs(*before, after);
  // A job that restarts whatever changed (failed, cancelled) may restart
  // for bytes alone: saying so is better than naming no cause.
  const std::string why = change.fields.empty() ? file + " was written again; no field changed"
                                                : joinFields(change.fields) + " changed in " + file;
  return "restarted: " + why + oldRemoteJobNote(was);
}

std::string planRestartDetail(const Job& was, const std::optional<JobSpec>& before, const JobSpec& after,
                              const std::string& plan, const std::string& file) {
  const std::string where = "plan " + plan + " (" + file + ")";
  const std::string pair = " (" + after.productUrl + " -> " + after.destinationUrl + ")";
  if (!before) return "restarted: the change to " + where + " alters this job" + pair + oldRemoteJobNote(was);
  const std::vector<std::string> fields = planFields(compareSpecs(*before, after).fields);
  const std::string why = fields.empty() ? where + " was written again; no field of this job changed"
                                         : joinFields(fields) + " changed in " + where;
  return "restarted: " + why + pair + oldRemoteJobNote(was);
}

std::string oldRemoteJobNote(const Job& was) {
  if (!was.remoteJobId || isFinal(was.state)) return "";
  return "; its old remote job " + *was.remoteJobId +
         " keeps running at Atlassian (the API cannot cancel it) and may still update links as the old content "
         "asked; relinkd no longer polls it and submits the new content as a new remote job";
}

}  // namespace relinkd
