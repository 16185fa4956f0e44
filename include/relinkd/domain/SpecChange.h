// What a change of a job's spec means for the job: nothing, only its window
// (migratedAt or deadline: the request body is the same, so a submitted job
// is not submitted again), or new work (the job restarts). One judgement
// for the engine and for `relinkctl diff`.
//
// Thread-safety: free functions on values.
#pragma once

#include <string>
#include <vector>

#include "relinkd/domain/JobSpec.h"

namespace relinkd {

enum class SpecChangeKind {
  kSame,        // every field equal
  kWindowOnly,  // only migratedAt and/or deadline differ
  kRestart,     // a field of the request (or the site id it goes to) differs
};

struct SpecChange {
  SpecChangeKind kind = SpecChangeKind::kSame;
  // The job file's names of the fields that differ, in the order of the
  // job file's table ("siteId", "productURL", ..., "migratedAt", "deadline").
  std::vector<std::string> fields;
};

SpecChange compareSpecs(const JobSpec& before, const JobSpec& after);

const char* specChangeKindName(SpecChangeKind kind);  // "same", "window-only", "restart"

// fields as an operator reads them: "a", "a and b", "a, b and c".
std::string joinFields(const std::vector<std::string>& fields);

// The plan's names for a derived job's changed fields (compareSpecs's), in
// the same order, each once: a site id is the plan's "siteIds", a site's URL
// its "sites"; the fields a plan copies into its jobs keep their names.
std::vector<std::string> planFields(const std::vector<std::string>& jobFields);

}  // namespace relinkd
