// Must not compile: policy knows nothing of the store or the directory (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/ports/JobStore.h"
