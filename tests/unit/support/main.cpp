// The doctest runner, linked into each layer's test binary; the test cases
// live in tests/unit/LAYER/.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
