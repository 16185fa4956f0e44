#include "JobRows.h"

#include <optional>

namespace relinkd::rows {

Job readJob(const sqlite::Statement::Use& row, const std::string& dbPath) {
  Job job;
  job.name = row.getString(0);
  job.file = row.getString(1);
  job.fileHash = row.getOptString(2);
  job.specJson = row.getOptString(3);
  job.siteId = row.getString(4);
  const std::string state = row.getString(5);
  const auto parsed = parseState(state);
  if (!parsed) {
    throw StoreError(dbPath + ": job " + job.name + " has an unknown state \"" + state +
                     "\"");
  }
  job.state = *parsed;
  job.remoteJobId = row.getOptString(6);
  job.remoteStatus = row.getOptString(7);
  job.attempts = static_cast<int>(row.getInt(8));
  job.nextAttemptAt = row.getOptInt(9);
  job.deadline = row.getOptInt(10);
  job.lastError = row.getOptString(11);
  job.createdAt = row.getInt(12);
  job.updatedAt = row.getInt(13);
  job.acceptedAt = row.getInt(14);
  job.submitting = row.getInt(15) != 0;
  job.version = row.getInt(16);
  job.fileStamp = row.getOptString(18);
  job.plan = row.getOptString(19).value_or("");
  job.result = row.getOptString(20);
  job.firstSubmittedAt = row.getOptInt(21);
  job.finishedAt = row.getOptInt(22);
  return job;
}

Notification readNotification(const sqlite::Statement::Use& row) {
  Notification n;
  n.id = row.getInt(0);
  n.job = row.getOptString(1).value_or("");
  n.event = row.getString(2);
  n.state = row.getString(3);
  n.deadline = row.getOptInt(4);
  n.createdAt = row.getInt(5);
  n.attempts = static_cast<int>(row.getInt(6));
  n.nextAttemptAt = row.getInt(7);
  n.sentAt = row.getOptInt(8);
  n.givenUp = row.getInt(9) != 0;
  n.lastError = row.getOptString(10);
  n.plan = row.getOptString(11).value_or("");
  n.input = row.getOptString(12);
  return n;
}

HistoryEntry readHistory(const sqlite::Statement::Use& row) {
  HistoryEntry entry;
  entry.at = row.getInt(0);
  entry.action = row.getString(1);
  if (auto status = row.getOptInt(2)) entry.httpStatus = static_cast<int>(*status);
  entry.outcome = row.getString(3);
  entry.detail = row.getString(4);
  return entry;
}

void bindJob(sqlite::Statement::Use& use, const Job& job) {
  const std::optional<std::string> plan = job.plan.empty() ? std::nullopt : std::optional<std::string>(job.plan);
  use(job.name)(job.file)(job.fileHash)(job.specJson)(job.siteId)(stateName(job.state))(
      job.remoteJobId)(job.remoteStatus)(job.attempts)(job.nextAttemptAt)(job.deadline)(
      job.lastError)(job.createdAt)(job.updatedAt)(job.acceptedAt)(job.submitting)(job.fileStamp)(plan)(job.result)(
      job.firstSubmittedAt)(job.finishedAt);
}

}  // namespace relinkd::rows
