// Must not compile: the store sees only ports and domain (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/engine/Engine.h"
