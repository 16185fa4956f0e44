// The job file: what an operator writes into relinkd.jobs.dir, checked
// against every rule of interface.md. Parsing never throws and never echoes
// file content into a message; each problem names the field it is about.
//
// Thread-safety: free functions on values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relinkd/domain/Clock.h"

namespace relinkd {

inline constexpr std::size_t kMaxJobFileBytes = 64 * 1024;
inline constexpr std::size_t kMaxJobNameLength = 128;

struct JobSpec {
  std::string siteId;       // empty: discover it from productUrl (/_edge/tenant_info)
  std::string product = "jira";  // "jira" or "confluence", lower case
  std::string productUrl;
  std::string destinationUrl;
  std::string migratedFrom;
  std::optional<std::string> migratedFromOverride;
  bool recreateAsRemote = false;
  bool createBackup = false;
  std::optional<TimeMs> migratedAt;
  std::optional<TimeMs> deadline;
};

struct FieldProblem {
  std::string field;    // the JSON field, or "file" for the file as a whole
  std::string problem;  // e.g. "must be an https URL"
};

// "field: problem; field: problem" for lastError and logs.
std::string problemsMessage(const std::vector<FieldProblem>& problems);

struct SpecResult {
  std::optional<JobSpec> spec;        // set when problems is empty
  std::vector<FieldProblem> problems;  // in field order of the rules

  bool ok() const { return problems.empty(); }
  // "field: problem; field: problem" for lastError and logs.
  std::string message() const;
};

// Parses and validates a job file's bytes. windowMs is relinkd.window;
// acceptedAt is when relinkd first accepted this job (the window's start
// when migratedAt is absent), used to check that deadline is not after the
// window's close; now is the current time, which migratedAt may be at most
// 1 h ahead of (the migration has finished; 1 h allows for clock skew).
SpecResult parseJobSpec(std::string_view bytes, std::int64_t windowMs, TimeMs acceptedAt, TimeMs now);

// When the job must be done: migratedAt (or acceptedAt) + windowMs, or the
// spec's deadline if earlier.
TimeMs jobDeadline(const JobSpec& spec, std::int64_t windowMs, TimeMs acceptedAt);

// The POST body for jobs/cma: JSON booleans, product in lower case,
// migratedFromOverride only when set. siteId, migratedAt and deadline are
// not part of the body.
std::string requestBody(const JobSpec& spec);

// The spec as a JSON object with the job file's field names (times as
// RFC 3339), for the database and `relinkctl show --json`; and back.
std::string specToJson(const JobSpec& spec);
std::optional<JobSpec> specFromJson(const std::string& json);

// Job file names. A file is considered at all only when isIgnoredName is
// false and it ends in ".json"; jobNameProblem says what is wrong with the
// name before ".json" (empty when it is a valid job name).
bool isIgnoredName(const std::string& fileName);
bool isJobFileName(const std::string& fileName);
std::string jobNameOf(const std::string& fileName);  // "a.json" -> "a"
std::string_view jobNameIn(std::string_view fileName);  // the same, a view into fileName
std::string jobFileName(const std::string& name);    // "a" -> "a.json"
std::string jobNameProblem(const std::string& name);

}  // namespace relinkd
