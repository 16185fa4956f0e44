// Reading a job file safely. Only regular files are read: a FIFO, a
// directory, a device or a symbolic link named x.json is refused without
// blocking. At most kMaxJobFileBytes are read.
//
// Thread-safety: free function.
#pragma once

#include <string>

#include "relinkd/JobSource.h"

namespace relinkd {

FileRead readJobFile(const std::string& path);

}  // namespace relinkd
