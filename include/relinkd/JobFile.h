// Reading a job file safely. Only regular files are read: a FIFO, a
// directory, a device or a symbolic link named x.json is refused without
// blocking. At most kMaxJobFileBytes are read.
//
// Thread-safety: free function.
#pragma once

#include <string>

namespace relinkd {

struct FileRead {
  bool ok = false;
  std::string bytes;  // the content, when ok
  std::string error;  // when !ok: "is a FIFO, not a regular file", "is larger than 64 KiB", ...
  bool missing = false;  // the file does not exist (any more)
};

FileRead readJobFile(const std::string& path);

}  // namespace relinkd
