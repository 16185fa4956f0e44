// Must not compile: config reads no database (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/store/SqliteJobStore.h"
