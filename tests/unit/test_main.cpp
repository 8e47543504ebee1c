// firebus — fire-safety IoT SDK.
// The one doctest main of the unit tests (the `firebus_test_main` object library).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
