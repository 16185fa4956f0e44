// JobSource: the job directory as the engine sees it, the contract between
// the engine and the io layer (the real one is JobDirectory). It reads job
// files; the engine decides what their content means.
//
// Thread-safety: called from the scheduler thread only.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "relinkd/domain/JobSpec.h"

namespace relinkd {

// What reading one job file gave.
struct FileRead {
  bool ok = false;
  std::string bytes;      // the content, when ok
  std::string error;      // when !ok: "is a FIFO, not a regular file", "is larger than 64 KiB", ...
  bool missing = false;   // the file does not exist (any more)
  bool transient = false; // the read failed in a way that may pass (EIO, EACCES, the directory
                          // gone for a moment, ...): the job stays as it was and the read is retried
  std::string stamp;      // identity and times of what was read (see ListedFile); empty when unknown
};

struct ScannedFile {
  std::string path;  // the directory + "/" + file name
  FileRead read;     // content or the reason it could not be read
  std::string hash;  // SHA-256 hex of read.bytes, or of read.error when !read.ok
};

// A file as the listing saw it, without reading it. The stamp (device,
// inode, size, modification and change times) is the same text a read of
// the unchanged file reports, so a rescan reads only files whose stamp
// moved; it is empty for a file modified within the last seconds (a
// change within the same timestamp tick could otherwise go unseen).
struct ListedFile {
  std::string fileName;
  std::string stamp;
};

// The job's name in a listed file's name: without ".json", no copy.
inline std::string_view listedName(const ListedFile& file) { return jobNameIn(file.fileName); }

// Every file a listing saw, ordered by listedName: a sorted vector (64
// bytes a file; a map keyed by name was 144).
using Listing = std::vector<ListedFile>;

inline void sortListing(Listing& listing) {
  std::sort(listing.begin(), listing.end(),
            [](const ListedFile& a, const ListedFile& b) { return listedName(a) < listedName(b); });
}

// The listed file of the job named name, or nullptr.
inline const ListedFile* findListed(const Listing& listing, std::string_view name) {
  auto it = std::lower_bound(listing.begin(), listing.end(), name,
                             [](const ListedFile& file, std::string_view n) { return listedName(file) < n; });
  return it != listing.end() && listedName(*it) == name ? &*it : nullptr;
}

// The directory itself cannot be listed (gone, not a directory, no access).
class JobSourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class JobSource {
 public:
  virtual ~JobSource() = default;
  // Where the files are, for messages.
  virtual const std::string& where() const = 0;
  // Every job file (isJobFileName), ordered by job name (findListed relies
  // on it: sortListing), without reading them; ignored names are skipped. Throws JobSourceError when the
  // directory cannot be listed.
  virtual Listing list() = 0;
  // Reads one job file. Never throws. A file that is missing because the
  // directory itself is gone is reported transient, not missing.
  virtual ScannedFile scanOne(const std::string& fileName) = 0;
};

}  // namespace relinkd
