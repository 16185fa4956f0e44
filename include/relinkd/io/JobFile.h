// Reading a job file safely. Only regular files are read: a FIFO, a
// directory, a device or a symbolic link named x.json is refused without
// blocking. At most kMaxJobFileBytes are read.
//
// Thread-safety: free function.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "relinkd/ports/JobSource.h"

namespace relinkd {

// A read that failed on a file that is there (EIO, EACCES, ...) is
// transient; a file that is not a regular file, too large or a symbolic
// link is not. A successful read carries the stamp of what was read.
FileRead readJobFile(const std::string& path);

// The stamp of a file (ListedFile): its device, inode, size, mtime and
// ctime (to the nanosecond) hashed to 64 bits, in 13 base-32 digits. Short
// enough to live inside a std::string without a heap allocation: every job
// keeps one, and so does each entry of a directory listing.
inline constexpr std::size_t kStampLength = 13;
std::string fileStamp(const struct stat& st);

// The labels of plan's sites in the order of its file (windowMs:
// relinkd.window, and now, the current time, to parse it); empty when the
// file cannot be read or is invalid. The order `relinkctl show PLAN` and
// plan notifications list them in.
std::vector<std::string> planSiteOrder(const std::string& plan, const std::string& file, std::int64_t windowMs,
                                       TimeMs now);

}  // namespace relinkd
