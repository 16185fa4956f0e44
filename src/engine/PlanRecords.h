// What each plan's jobs were last made from: the plan file's hash and stamp,
// so that a rescan reads only plans whose stamp moved and the same content
// written again changes nothing; and the jobs a change left behind because
// a request of theirs was in flight. Nothing of it is stored: rebuild()
// reads it back from the plan's jobs after a start or a reload.
//
// Thread-safety: none; the scheduler thread owns it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "JobTable.h"
#include "relinkd/ports/JobSource.h"

namespace relinkd {

// isPlanStandIn() is the domain's (Job.h): relinkctl needs it too.

struct PlanRecord {
  std::string hash;   // of the content the plan's jobs were last made from; empty: read it again
  std::string stamp;  // its ListedFile stamp; empty when not to be trusted
  // Jobs the last change did not restart but that had a request out: they
  // take on the plan's hash, stamp and this spec once it is answered.
  std::map<std::string, std::string> behind;  // job name -> its spec as the plan now says
};

class PlanRecords {
 public:
  // From the table's plan jobs: their file hash and stamp where they agree;
  // a plan whose jobs disagree (a change cut short) or that is invalid (a
  // conflict ends without the plan changing) is to be read again.
  void rebuild(const JobTable& table);
  // True when the listed plan need not be read: its trusted stamp is the
  // one its jobs were made from.
  bool unchanged(const std::string& plan, const ListedFile& listed) const;
  PlanRecord* find(const std::string& plan);
  // The plan's jobs are made from this content now; nothing is behind.
  void made(const std::string& plan, const std::string& hash, const std::string& stamp) {
    records_[plan] = PlanRecord{hash, stamp, {}};
  }
  // Invalid, or a change not fully applied: read again at every scan.
  void judgeAgain(const std::string& plan) { records_[plan] = PlanRecord{}; }
  void readAgain(const std::string& plan) { records_[plan].hash.clear(); }
  void erase(const std::string& plan) { records_.erase(plan); }
  void setBehind(const std::string& plan, const std::string& job, const std::string& specJson) {
    records_[plan].behind[job] = specJson;
  }
  // The spec job was left behind with, taken (once).
  std::optional<std::string> takeBehind(const std::string& plan, const std::string& job);
  // The recorded plans that listed lacks (their files are gone).
  std::vector<std::string> missingFrom(const std::map<std::string, const ListedFile*>& listed) const;

 private:
  std::map<std::string, PlanRecord> records_;  // plan name -> its record
};

}  // namespace relinkd
