// Must not compile: io does not reach the network (tests/CMakeLists.txt, layers_refuse_*).
#include "relinkd/net/PocoTransport.h"
