// Threads that leave the control signals to the main thread.
//
// Thread-safety: may be called from any thread.
#pragma once

#include <functional>
#include <thread>

namespace relinkd {

// Starts a std::thread with SIGTERM, SIGINT, SIGHUP and SIGQUIT blocked, so
// that only the main thread (which sigwait()s for them) receives them.
std::thread startQuietThread(std::function<void()> body);

}  // namespace relinkd
