#include "PlanRecords.h"

namespace relinkd {

void PlanRecords::rebuild(const JobTable& table) {
  records_.clear();
  for (const auto& [plan, names] : table.plans()) {
    std::optional<PlanRecord> record;
    bool agree = true;
    for (const std::string& name : names) {
      const Job& job = *table.find(name);
      if (!job.fileHash) continue;
      if (isPlanStandIn(job)) {  // invalid: judged again at every scan
        record = PlanRecord{};
        break;
      }
      const PlanRecord file{*job.fileHash, job.fileStamp.value_or(""), {}};
      if (record && (record->hash != file.hash || record->stamp != file.stamp)) agree = false;
      if (!record) record = file;
    }
    if (record) records_[plan] = agree ? *record : PlanRecord{};
  }
}

bool PlanRecords::unchanged(const std::string& plan, const ListedFile& listed) const {
  auto it = records_.find(plan);
  return it != records_.end() && !it->second.hash.empty() && !listed.stamp.empty() && it->second.stamp == listed.stamp;
}

PlanRecord* PlanRecords::find(const std::string& plan) {
  auto it = records_.find(plan);
  return it == records_.end() ? nullptr : &it->second;
}

std::optional<std::string> PlanRecords::takeBehind(const std::string& plan, const std::string& job) {
  auto record = records_.find(plan);
  if (record == records_.end()) return std::nullopt;
  auto behind = record->second.behind.find(job);
  if (behind == record->second.behind.end()) return std::nullopt;
  std::string specJson = std::move(behind->second);
  record->second.behind.erase(behind);
  return specJson;
}

std::vector<std::string> PlanRecords::missingFrom(const std::map<std::string, const ListedFile*>& listed) const {
  std::vector<std::string> gone;
  for (const auto& [plan, record] : records_)
    if (!listed.count(plan)) gone.push_back(plan);
  return gone;
}

}  // namespace relinkd
