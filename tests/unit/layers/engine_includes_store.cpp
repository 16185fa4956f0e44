// Must not compile: the engine sees the store only through JobStore (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/store/SqliteJobStore.h"
