// firebus — fire-safety IoT SDK.
/// @file
/// Convenience header: all of firebus's core types. Needs nothing but the C++17 standard library.
#ifndef FIREBUS_CORE_HPP
#define FIREBUS_CORE_HPP

#include <firebus/core/byte_reader.hpp>
#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/sequence.hpp>
#include <firebus/core/time.hpp>

#endif  // FIREBUS_CORE_HPP
