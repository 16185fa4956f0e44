// Must not compile: the engine sees files only through JobSource (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/io/ProcessRunner.h"
