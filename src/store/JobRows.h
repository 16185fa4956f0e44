// How relinkd's values are laid out in the rows of the database: the column
// lists and the statements whose parameter order goes with them, and the
// functions that read a row into a Job, a Notification or a HistoryEntry and
// bind a Job to a statement. The tables themselves are in Schema.cpp.
//
// Thread-safety: pure functions of the row or statement they are given.
#pragma once

#include <string>

#include "Sqlite.h"
#include "relinkd/domain/Job.h"
#include "relinkd/ports/JobStore.h"
#include "relinkd/domain/Notification.h"

namespace relinkd::rows {

// The columns of Job, in the order readJob and bindJob use.
inline constexpr const char* kJobColumns =
    "name, file, file_hash, spec_json, site_id, state, remote_job_id, remote_status, attempts, "
    "next_attempt_at, deadline, last_error, created_at, updated_at, accepted_at, submitting, "
    "version, revision, file_stamp, plan, result, first_submitted_at, finished_at";

inline constexpr const char* kInsertJob =
    "INSERT INTO jobs (name, file, file_hash, spec_json, site_id, state, remote_job_id, "
    "remote_status, attempts, next_attempt_at, deadline, last_error, created_at, updated_at, "
    "accepted_at, submitting, file_stamp, plan, result, first_submitted_at, finished_at, version, revision) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, 1, "
    "(SELECT last FROM revisions)) "
    "ON CONFLICT (name) DO NOTHING";

inline constexpr const char* kUpdateJob =
    "UPDATE jobs SET file = ?2, file_hash = ?3, spec_json = IIF(?23, spec_json, ?4), site_id = ?5, state = ?6, "
    "remote_job_id = ?7, remote_status = ?8, attempts = ?9, next_attempt_at = ?10, "
    "deadline = ?11, last_error = ?12, created_at = ?13, updated_at = ?14, accepted_at = ?15, "
    "submitting = ?16, file_stamp = ?17, plan = ?18, result = ?19, first_submitted_at = ?20, "
    "finished_at = ?21, version = version + 1, revision = (SELECT last FROM revisions) "
    "WHERE name = ?1 AND version = ?22";

// Run before kInsertJob or kUpdateJob, in the same transaction: the next
// revision. Never below a row's (rows written by an older relinkd or by
// hand), never reused after a row is removed.
inline constexpr const char* kNextRevision =
    "UPDATE revisions SET last = MAX(last, (SELECT COALESCE(MAX(revision), 0) FROM jobs)) + 1";

inline constexpr const char* kNotificationColumns =
    "id, job, event, state, deadline, created_at, attempts, next_attempt_at, sent_at, given_up, last_error, plan, "
    "input";

// The column of kJobColumns that holds the row's revision.
inline constexpr int kRevisionColumn = 17;

// A row of "SELECT kJobColumns". Throws StoreError (naming dbPath) for a
// state this relinkd does not know.
Job readJob(const sqlite::Statement::Use& row, const std::string& dbPath);

// A row of "SELECT kNotificationColumns".
Notification readNotification(const sqlite::Statement::Use& row);

// A row of "SELECT at, action, http_status, outcome, detail FROM history".
HistoryEntry readHistory(const sqlite::Statement::Use& row);

// Binds ?1 .. ?19 of kInsertJob and kUpdateJob.
void bindJob(sqlite::Statement::Use& use, const Job& job);

}  // namespace relinkd::rows
