// firebus — fire-safety IoT SDK. SPDX-License-Identifier: Apache-2.0
// The one doctest main of the unit tests (the `firebus_test_main` object library).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
