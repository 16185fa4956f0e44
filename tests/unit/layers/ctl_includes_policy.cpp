// Must not compile: relinkctl needs no policy, engine or network (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/policy/Outcome.h"
