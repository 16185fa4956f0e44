// A job file NAME.json whose NAME a plan already derives: the plan came
// first, so relinkd ignores the file (the scheduler logs it) and relinkctl
// shows the file as invalid (list, show, validate, wait). The rule and its
// message are said once, here, for both.
//
// Thread-safety: free functions on values; DerivedNames is a plain value.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "relinkd/domain/Job.h"
#include "relinkd/domain/PlanSpec.h"

namespace relinkd {

// Whether a job file named like holder must give way to it: holder is a
// live job of a plan (derived, or the stand-in of an invalid plan).
inline bool isHeldByPlan(const Job& holder) { return !holder.plan.empty() && holder.fileHash.has_value(); }

// Why the job file of name is ignored: "the name acme.eu.us is already a
// job of the plan acme (/jobs/acme.plan.json); relinkd ignores this file:
// rename it".
std::string heldByPlanProblem(const std::string& name, const std::string& plan, const std::string& planFile);

// The job names plans derive, for when no database says who holds a name
// (relinkctl validate on files not taken up yet).
class DerivedNames {
 public:
  struct Owner {
    std::string plan, planFile;
  };
  // Every job name the plan derives (deriveJobs); the first plan to derive
  // a name keeps it.
  void addPlan(const std::string& plan, const std::string& planFile, const PlanSpec& spec);
  // The plan that derives name, if any.
  std::optional<Owner> ownerOf(const std::string& name) const;
  bool empty() const { return owners_.empty(); }

 private:
  std::map<std::string, Owner> owners_;  // derived job name -> its plan
};

}  // namespace relinkd
