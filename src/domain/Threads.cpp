#include "relinkd/domain/Threads.h"

#include <pthread.h>

#include <csignal>

namespace relinkd {

std::thread startQuietThread(std::function<void()> body) {
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&blocked, signal);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);  // the new thread inherits the mask
  std::thread thread(std::move(body));
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return thread;
}

}  // namespace relinkd
