// Writing relinkctl's output to a file the operator names (report
// --output=FILE) as one change, safely when root writes into a shared
// directory such as /tmp. Single-threaded use (relinkctl's main thread).
#pragma once

#include <string>

namespace relinkd::ctl {

// Replaces the file at path with text: a new file under an unguessable name
// beside it (created exclusively, never through a symlink), synced, renamed
// over it, the directory synced; a reader sees the old file or the whole new
// one. A symlink at path is written through (to the file it points to); a
// dangling one is refused, and so is anything but a regular file (a device,
// a FIFO, a directory). An existing file keeps its owner (where allowed)
// and permission bits, a new one gets 0666 & ~umask; a hard link to the old
// file keeps the old content. Interrupts wait until the file is in place. On
// failure prints why (naming path), leaves no temporary file and returns
// false; a directory that cannot be synced after the rename is a warning.
bool writeFileAtomically(const std::string& path, const std::string& text);

}  // namespace relinkd::ctl
