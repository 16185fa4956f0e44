// The scans of the job directory: the full scan at start finds what changed
// while relinkd was stopped; the periodic rescan reads only files whose
// stamp moved. A directory that cannot be listed is not a change: no job is
// cancelled because of it.
#include <Poco/Logger.h>

#include "EngineLog.h"
#include "ScanBatch.h"
#include "Scheduler.h"

namespace relinkd {
namespace {

// While the directory is missing, look for it again this often.
constexpr std::int64_t kMissingDirectoryRetryMs = 5000;

}  // namespace

// The phases in order. Job files first: a name that both a job file and a
// plan claim is the job file's, and the plan is told so. Removed job files
// next: their names are free for a plan that now derives them.
bool Scheduler::scanAll(const std::function<bool()>& stopRequested, Inbox* later) {
  const std::optional<Listing> listed = listJobDirectory();
  if (!listed) return true;
  ScanBatch batch(store_, [this] { writing(); }, stopRequested);
  ListedPlans plans;
  return scanJobFiles(*listed, plans, batch, later) && scanRemovedJobFiles(*listed, batch) &&
         scanPlans(plans, batch, later) && scanRemovedPlans(plans, batch) && batch.finish();
}

// The listing, or nullopt while the directory cannot be listed: then no job
// is cancelled because of it, and it is looked for again soon.
std::optional<Listing> Scheduler::listJobDirectory() {
  try {
    Listing listed = source_.list();
    if (directoryMissing_) engineLog().notice("the job directory " + source_.where() + " can be read again; rescanning");
    directoryMissing_ = false;
    return listed;
  } catch (const JobSourceError& error) {
    if (!directoryMissing_)
      engineLog().warning(std::string(error.what()) +
                          "; no job is cancelled because of it, polls and expiry go on, and relinkd "
                          "looks for the directory again every few seconds");
    directoryMissing_ = true;
    state_.nextRescan = clock_.monoNow() + std::min(settings_.rescanIntervalMs, kMissingDirectoryRetryMs);
    return std::nullopt;
  }
}

// Job files whose stamp moved (plans are set aside in plans for later).
bool Scheduler::scanJobFiles(const Listing& listed, ListedPlans& plans, ScanBatch& batch, Inbox* later) {
  for (const ListedFile& file : listed) {
    if (isPlanFileName(file.fileName)) {
      plans.emplace(planNameOf(file.fileName), &file);
      continue;
    }
    const std::string name(listedName(file));
    if (unchanged(name, file)) continue;
    if (later) {
      later->files.insert(file.fileName);
      continue;
    }
    if (!batch.add([&] { reconcile(name, source_.scanOne(file.fileName)); })) return false;
  }
  return true;
}

bool Scheduler::scanRemovedJobFiles(const Listing& listed, ScanBatch& batch) {
  std::vector<std::string> gone;
  table_.forEach([&](const Job& job) {
    if (job.plan.empty() && job.fileHash && !findListed(listed, job.name)) gone.push_back(job.name);
  });
  for (const std::string& name : gone)
    if (!batch.add([&] { fileRemoved(*table_.find(name)); })) return false;
  return true;
}

bool Scheduler::scanPlans(const ListedPlans& plans, ScanBatch& batch, Inbox* later) {
  for (const auto& [plan, file] : plans) {
    if (planRecords_.unchanged(plan, *file)) continue;
    if (later) {
      later->files.insert(file->fileName);
      continue;
    }
    const std::string& planName = plan;
    const std::string& fileName = file->fileName;
    if (!batch.add([&] { reconcilePlan(planName, source_.scanOne(fileName)); })) return false;
  }
  return true;
}

bool Scheduler::scanRemovedPlans(const ListedPlans& plans, ScanBatch& batch) {
  for (const std::string& plan : planRecords_.missingFrom(plans))
    if (!batch.add([&] { planRemoved(plan); })) return false;
  return true;
}

bool Scheduler::unchanged(const std::string& name, const ListedFile& listed) const {
  const Job* job = table_.find(name);
  return job && job->fileHash && !listed.stamp.empty() && job->fileStamp == listed.stamp;
}

}  // namespace relinkd
