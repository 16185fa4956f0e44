// Must not compile: domain is the bottom layer (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/engine/NotificationQueue.h"
