#include "relinkd/domain/PlanNames.h"

namespace relinkd {

std::string heldByPlanProblem(const std::string& name, const std::string& plan, const std::string& planFile) {
  return "the name " + name + " is already a job of the plan " + plan + " (" + planFile +
         "); relinkd ignores this file: rename it";
}

void DerivedNames::addPlan(const std::string& plan, const std::string& planFile, const PlanSpec& spec) {
  for (const DerivedJob& job : deriveJobs(plan, spec)) owners_.emplace(job.name, Owner{plan, planFile});
}

std::optional<DerivedNames::Owner> DerivedNames::ownerOf(const std::string& name) const {
  const auto it = owners_.find(name);
  if (it == owners_.end()) return std::nullopt;
  return it->second;
}

}  // namespace relinkd
