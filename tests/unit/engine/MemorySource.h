// An in-memory job directory for the engine's unit tests, honouring the
// JobSource contract as JobDirectory does: only job file names are listed,
// sorted by job name; a file's stamp changes whenever it is written again
// or re-created (even with the same content), and is empty while the file
// is too fresh to trust; a read hashes the content (or the error); a
// missing file is "missing" unless the directory itself is gone, which
// makes reads transient and the listing fail. Reads can be made to fail
// for a while, as EIO or a chmod would (failReads), and are counted.
//
// Thread-safety: none; tests drive it from one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "relinkd/ports/JobSource.h"

namespace enginetest {

// SHA-256 hex, as JobDirectory hashes what it read.
std::string contentHash(const std::string& bytes);

class MemorySource final : public relinkd::JobSource {
 public:
  explicit MemorySource(std::string where = "/relinkd-memory/jobs") : where_(std::move(where)) {}

  const std::string& where() const override { return where_; }
  relinkd::Listing list() override;
  relinkd::ScannedFile scanOne(const std::string& fileName) override;

  // Creates or rewrites a file (any name: ignored names are not listed).
  // settled false: written within the last seconds, its stamp not trusted
  // until settle().
  void write(const std::string& fileName, const std::string& bytes, bool settled = true);
  void settle(const std::string& fileName);
  void remove(const std::string& fileName);  // REQUIRES: the file exists
  bool exists(const std::string& fileName) const { return files_.count(fileName) != 0; }
  // The directory moved away or unmounted (true), or back (false); its
  // files stay as they were.
  void setGone(bool gone) { gone_ = gone; }

  std::map<std::string, std::string> failReads;  // file name -> the error to report, transient
  std::map<std::string, int> reads;              // file name -> how often it was read

 private:
  struct File {
    std::string bytes;
    std::int64_t inode = 0;   // new when the file is created
    std::int64_t written = 0; // new at every write
    bool settled = true;
  };
  std::string stampOf(const File& file) const;

  std::string where_;
  std::map<std::string, File> files_;
  std::int64_t serial_ = 0;
  bool gone_ = false;
};

}  // namespace enginetest
