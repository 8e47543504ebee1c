// firebus — fire-safety IoT SDK.
/// @file
/// The Modbus PDU (Modbus Application Protocol v1.1b3): requests and replies of function codes
/// 1, 2, 3, 4, 5, 6, 15, 16 and 23, and exception replies. Pure: bytes in, values out, and back.
///
/// @par Client side
/// Build a modbus::request, encode it with encode_request(), send it framed (rtu.hpp or
/// tcp.hpp), and check the reply's PDU with parse_response(): it accepts only the reply to that
/// request (same function, byte count matching the quantity asked for, writes echoing address
/// and value, no byte more or less), and turns an exception reply into its error code
/// (errc::illegal_data_address, ...). The returned response is a view into the reply's bytes:
/// nothing is copied or allocated.
///
/// @par Server side
/// parse_request() reads a request PDU (for simulators and tests); encode_response() and
/// encode_exception() build the reply.
///
/// @par Example
/// @code
/// firebus::modbus::request req;
/// req.fn = firebus::modbus::function::read_holding_registers;
/// req.address = 0x006B;
/// req.quantity = 3;
/// std::vector<std::uint8_t> pdu = firebus::modbus::encode_request(req);  // 03 00 6B 00 03
/// // ... the reply PDU 03 06 02 2B 00 00 00 64:
/// std::error_code ec;
/// firebus::modbus::response r = firebus::modbus::parse_response(req, reply, ec);
/// std::uint16_t first = r.reg(0);  // 0x022B
/// @endcode
#ifndef FIREBUS_MODBUS_PDU_HPP
#define FIREBUS_MODBUS_PDU_HPP

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/modbus/error.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// The function codes firebus implements.
enum class function : std::uint8_t {
  read_coils = 1,
  read_discrete_inputs = 2,
  read_holding_registers = 3,
  read_input_registers = 4,
  write_single_coil = 5,
  write_single_register = 6,
  write_multiple_coils = 15,
  write_multiple_registers = 16,
  read_write_registers = 23,
};

/// The protocol's limits (Modbus Application Protocol v1.1b3 §6).
inline constexpr std::size_t max_pdu_size = 253;
inline constexpr std::uint16_t max_read_bits = 2000;          ///< FC 1, 2
inline constexpr std::uint16_t max_read_registers = 125;      ///< FC 3, 4, and 23's read
inline constexpr std::uint16_t max_write_coils = 1968;        ///< FC 15
inline constexpr std::uint16_t max_write_registers = 123;     ///< FC 16
inline constexpr std::uint16_t max_rw_write_registers = 121;  ///< FC 23's write

/// Whether `code` is a function firebus implements.
constexpr bool is_known_function(std::uint8_t code) noexcept {
  return (code >= 1 && code <= 6) || code == 15 || code == 16 || code == 23;
}
/// FC 1 and 2: the reply carries bits.
constexpr bool reads_bits(function f) noexcept {
  return f == function::read_coils || f == function::read_discrete_inputs;
}
/// FC 3, 4 and 23: the reply carries registers.
constexpr bool reads_registers(function f) noexcept {
  return f == function::read_holding_registers || f == function::read_input_registers ||
         f == function::read_write_registers;
}
/// FC 5, 6, 15, 16 and 23: the request changes the device.
constexpr bool writes(function f) noexcept {
  return f == function::write_single_coil || f == function::write_single_register ||
         f == function::write_multiple_coils || f == function::write_multiple_registers ||
         f == function::read_write_registers;
}
/// Whether the function addresses bits (coils or discrete inputs) rather than registers.
constexpr bool addresses_bits(function f) noexcept {
  return reads_bits(f) || f == function::write_single_coil || f == function::write_multiple_coils;
}

/// "read_holding_registers", ... ("" for a value outside the enumeration).
constexpr std::string_view to_string(function f) noexcept {
  switch (f) {
    case function::read_coils:
      return "read_coils";
    case function::read_discrete_inputs:
      return "read_discrete_inputs";
    case function::read_holding_registers:
      return "read_holding_registers";
    case function::read_input_registers:
      return "read_input_registers";
    case function::write_single_coil:
      return "write_single_coil";
    case function::write_single_register:
      return "write_single_register";
    case function::write_multiple_coils:
      return "write_multiple_coils";
    case function::write_multiple_registers:
      return "write_multiple_registers";
    case function::read_write_registers:
      return "read_write_registers";
  }
  return {};
}

/// A request.
/// - FC 1–4: `address` and `quantity`.
/// - FC 5: `address` and one value in `values` (non-zero switches the coil on: 0xFF00).
/// - FC 6: `address` and one register in `values`.
/// - FC 15: `address` and the coils in `values` (each 0 or not 0), one per coil.
/// - FC 16: `address` and the registers in `values`.
/// - FC 23: the read `address` and `quantity`, then `write_address` and the registers in
///   `values` (the device writes before it reads).
struct request {
  function fn = function::read_holding_registers;
  std::uint16_t address = 0;
  std::uint16_t quantity = 0;
  std::uint16_t write_address = 0;
  std::vector<std::uint16_t> values;
};

/// A reply, as a view into the reply's PDU bytes (valid as long as they are).
struct response {
  function fn = function::read_holding_registers;
  byte_view data;             ///< FC 1, 2: the packed bits; FC 3, 4, 23: the register bytes
  std::uint16_t count = 0;    ///< bits (FC 1, 2) or registers (FC 3, 4, 23) in `data`
  std::uint16_t address = 0;  ///< FC 5, 6, 15, 16: the echoed address
  std::uint16_t value = 0;    ///< FC 5, 6: the echoed value; FC 15, 16: the echoed quantity

  /// Register `i` (< count) of a register read (big-endian on the wire).
  constexpr std::uint16_t reg(std::size_t i) const noexcept {
    return static_cast<std::uint16_t>((data[2 * i] << 8) | data[2 * i + 1]);
  }
  /// Bit `i` (< count) of a bit read (the first bit is the LSB of the first byte).
  constexpr bool bit(std::size_t i) const noexcept { return ((data[i / 8] >> (i % 8)) & 1) != 0; }
};

namespace detail {

constexpr std::uint16_t get_u16(byte_view b, std::size_t at) noexcept {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

// The quantity the request reads or writes, and whether it lies within the protocol's limits
// and the 16-bit address space.
inline bool request_ok(const request& r) noexcept {
  auto span_ok = [](std::uint32_t address, std::uint32_t n, std::uint32_t max) {
    return n >= 1 && n <= max && address + n <= 0x10000;
  };
  switch (r.fn) {
    case function::read_coils:
    case function::read_discrete_inputs:
      return span_ok(r.address, r.quantity, max_read_bits);
    case function::read_holding_registers:
    case function::read_input_registers:
      return span_ok(r.address, r.quantity, max_read_registers);
    case function::write_single_coil:
    case function::write_single_register:
      return r.values.size() == 1;
    case function::write_multiple_coils:
      return r.values.size() <= max_write_coils &&
             span_ok(r.address, static_cast<std::uint32_t>(r.values.size()), max_write_coils);
    case function::write_multiple_registers:
      return r.values.size() <= max_write_registers &&
             span_ok(r.address, static_cast<std::uint32_t>(r.values.size()), max_write_registers);
    case function::read_write_registers:
      return span_ok(r.address, r.quantity, max_read_registers) &&
             r.values.size() <= max_rw_write_registers &&
             span_ok(r.write_address, static_cast<std::uint32_t>(r.values.size()),
                     max_rw_write_registers);
  }
  return false;
}

inline void put_u16(byte_writer& w, std::uint16_t v, std::error_code& ec) noexcept {
  w.u16be(v, ec);
}

inline void put_bits(byte_writer& w, const std::vector<std::uint16_t>& bits,
                     std::error_code& ec) noexcept {
  std::uint8_t acc = 0;
  for (std::size_t i = 0; i < bits.size() && !ec; ++i) {
    if (bits[i] != 0) acc = static_cast<std::uint8_t>(acc | (1u << (i % 8)));
    if (i % 8 == 7 || i + 1 == bits.size()) {
      w.u8(acc, ec);
      acc = 0;
    }
  }
}

inline std::size_t finish(byte_writer& w, std::error_code& ec) noexcept {
  if (ec) return 0;
  return w.position();
}

}  // namespace detail

/// Whether the request is one Modbus allows: quantities within the limits of its function, the
/// range within the 16-bit address space, the right number of values. errc::invalid_request
/// otherwise.
inline bool validate(const request& r, std::error_code& ec) noexcept {
  if (!detail::request_ok(r)) {
    ec = make_error_code(errc::invalid_request);
    return false;
  }
  ec.clear();
  return true;
}

/// The size of the request's PDU, or 0 for an invalid request.
inline std::size_t request_size(const request& r) noexcept {
  if (!detail::request_ok(r)) return 0;
  switch (r.fn) {
    case function::write_multiple_coils:
      return 6 + (r.values.size() + 7) / 8;
    case function::write_multiple_registers:
      return 6 + 2 * r.values.size();
    case function::read_write_registers:
      return 10 + 2 * r.values.size();
    default:
      return 5;
  }
}

/// The size of the reply's PDU to a valid request (an exception reply has 2 bytes).
inline std::size_t response_size(const request& r) noexcept {
  if (reads_bits(r.fn)) return 2 + (static_cast<std::size_t>(r.quantity) + 7) / 8;
  if (reads_registers(r.fn)) return 2 + 2 * static_cast<std::size_t>(r.quantity);
  return 5;
}

/// Writes the request's PDU into `out`; returns its size. errc::invalid_request for a request
/// validate() refuses, firebus::errc::buffer_full when `out` is too small (nothing usable is
/// written then; the return value is 0).
inline std::size_t encode_request(const request& r, mutable_byte_view out,
                                  std::error_code& ec) noexcept {
  if (!validate(r, ec)) return 0;
  byte_writer w(out);
  w.u8(static_cast<std::uint8_t>(r.fn), ec);
  switch (r.fn) {
    case function::write_single_coil:
      detail::put_u16(w, r.address, ec);
      detail::put_u16(w, r.values[0] != 0 ? 0xFF00 : 0x0000, ec);
      break;
    case function::write_single_register:
      detail::put_u16(w, r.address, ec);
      detail::put_u16(w, r.values[0], ec);
      break;
    case function::write_multiple_coils:
      detail::put_u16(w, r.address, ec);
      detail::put_u16(w, static_cast<std::uint16_t>(r.values.size()), ec);
      w.u8(static_cast<std::uint8_t>((r.values.size() + 7) / 8), ec);
      detail::put_bits(w, r.values, ec);
      break;
    case function::write_multiple_registers:
      detail::put_u16(w, r.address, ec);
      detail::put_u16(w, static_cast<std::uint16_t>(r.values.size()), ec);
      w.u8(static_cast<std::uint8_t>(2 * r.values.size()), ec);
      for (std::uint16_t v : r.values) detail::put_u16(w, v, ec);
      break;
    case function::read_write_registers:
      detail::put_u16(w, r.address, ec);
      detail::put_u16(w, r.quantity, ec);
      detail::put_u16(w, r.write_address, ec);
      detail::put_u16(w, static_cast<std::uint16_t>(r.values.size()), ec);
      w.u8(static_cast<std::uint8_t>(2 * r.values.size()), ec);
      for (std::uint16_t v : r.values) detail::put_u16(w, v, ec);
      break;
    default:  // reads
      detail::put_u16(w, r.address, ec);
      detail::put_u16(w, r.quantity, ec);
      break;
  }
  return detail::finish(w, ec);
}

/// Parses the reply PDU `pdu` to `req` (which must be valid), strictly:
/// - an exception reply (function | 0x80, one code byte, nothing more) sets `ec` to the
///   exception (errc::illegal_function ... errc::gateway_target_no_response), or
///   errc::unknown_exception for a code Modbus does not define;
/// - another function: errc::function_mismatch;
/// - reads: the byte count must be exactly what the quantity needs (errc::byte_count_mismatch);
/// - writes: the echoed address and value or quantity must be the request's
///   (errc::echo_mismatch);
/// - errc::truncated when bytes are missing, errc::trailing_bytes when some are left over.
/// On error the returned response is empty.
inline response parse_response(const request& req, byte_view pdu, std::error_code& ec) noexcept {
  response r;
  r.fn = req.fn;
  if (pdu.empty()) {
    ec = make_error_code(errc::truncated);
    return r;
  }
  const auto fc = static_cast<std::uint8_t>(req.fn);
  if (pdu[0] == (fc | 0x80)) {
    if (pdu.size() < 2) {
      ec = make_error_code(errc::truncated);
    } else if (pdu.size() > 2) {
      ec = make_error_code(errc::trailing_bytes);
    } else {
      const std::error_code code(pdu[1], category());
      ec = is_exception(code) ? code : make_error_code(errc::unknown_exception);
    }
    return r;
  }
  if (pdu[0] != fc) {
    ec = make_error_code(errc::function_mismatch);
    return r;
  }
  if (reads_bits(req.fn) || reads_registers(req.fn)) {
    if (pdu.size() < 2) {
      ec = make_error_code(errc::truncated);
      return r;
    }
    const std::size_t want = response_size(req) - 2;
    if (pdu[1] != want) {
      ec = make_error_code(errc::byte_count_mismatch);
      return r;
    }
    if (pdu.size() < 2 + want) {
      ec = make_error_code(errc::truncated);
      return r;
    }
    if (pdu.size() > 2 + want) {
      ec = make_error_code(errc::trailing_bytes);
      return r;
    }
    r.data = pdu.subview(2, want);
    r.count = req.quantity;
    ec.clear();
    return r;
  }
  // Writes: function, address, value or quantity.
  if (pdu.size() < 5) {
    ec = make_error_code(errc::truncated);
    return r;
  }
  if (pdu.size() > 5) {
    ec = make_error_code(errc::trailing_bytes);
    return r;
  }
  const std::uint16_t address = detail::get_u16(pdu, 1);
  const std::uint16_t value = detail::get_u16(pdu, 3);
  std::uint16_t expect = 0;
  switch (req.fn) {
    case function::write_single_coil:
      expect = !req.values.empty() && req.values[0] != 0 ? 0xFF00 : 0x0000;
      break;
    case function::write_single_register:
      expect = req.values.empty() ? 0 : req.values[0];
      break;
    default:
      expect = static_cast<std::uint16_t>(req.values.size());
      break;
  }
  if (address != req.address || value != expect) {
    ec = make_error_code(errc::echo_mismatch);
    return r;
  }
  r.address = address;
  r.value = value;
  ec.clear();
  return r;
}

/// Parses a request PDU (server side). errc::unknown_function for a function firebus does not
/// implement (a server answers it with exception 01), errc::invalid_request for a quantity or
/// byte count Modbus does not allow (exception 03), errc::truncated / trailing_bytes for a PDU
/// of the wrong size.
inline bool parse_request(byte_view pdu, request& out, std::error_code& ec) {
  if (pdu.empty()) {
    ec = make_error_code(errc::truncated);
    return false;
  }
  if (!is_known_function(pdu[0])) {
    ec = make_error_code(errc::unknown_function);
    return false;
  }
  request r;
  r.fn = static_cast<function>(pdu[0]);
  auto need = [&](std::size_t n) {
    if (pdu.size() < n) {
      ec = make_error_code(errc::truncated);
      return false;
    }
    return true;
  };
  auto exact = [&](std::size_t n) {
    if (!need(n)) return false;
    if (pdu.size() > n) {
      ec = make_error_code(errc::trailing_bytes);
      return false;
    }
    return true;
  };
  auto invalid = [&]() {
    ec = make_error_code(errc::invalid_request);
    return false;
  };
  if (!need(5)) return false;
  r.address = detail::get_u16(pdu, 1);
  const std::uint16_t second = detail::get_u16(pdu, 3);
  switch (r.fn) {
    case function::write_single_coil:
      if (!exact(5)) return false;
      if (second != 0xFF00 && second != 0x0000) return invalid();
      r.values.assign(1, second == 0xFF00 ? 1 : 0);
      break;
    case function::write_single_register:
      if (!exact(5)) return false;
      r.values.assign(1, second);
      break;
    case function::write_multiple_coils:
    case function::write_multiple_registers: {
      if (!need(6)) return false;
      const std::size_t bytes = pdu[5];
      const bool coils = r.fn == function::write_multiple_coils;
      const std::size_t want = coils ? (second + 7u) / 8u : 2u * second;
      if (bytes != want || second == 0 ||
          second > (coils ? max_write_coils : max_write_registers)) {
        return invalid();
      }
      if (!exact(6 + bytes)) return false;
      r.values.resize(second);
      for (std::size_t i = 0; i < second; ++i) {
        r.values[i] = coils ? static_cast<std::uint16_t>((pdu[6 + i / 8] >> (i % 8)) & 1)
                            : detail::get_u16(pdu, 6 + 2 * i);
      }
      break;
    }
    case function::read_write_registers: {
      if (!need(10)) return false;
      r.quantity = second;
      r.write_address = detail::get_u16(pdu, 5);
      const std::uint16_t n = detail::get_u16(pdu, 7);
      if (pdu[9] != 2u * n || n == 0 || n > max_rw_write_registers) return invalid();
      if (!exact(10 + 2u * n)) return false;
      r.values.resize(n);
      for (std::size_t i = 0; i < n; ++i) r.values[i] = detail::get_u16(pdu, 10 + 2 * i);
      break;
    }
    default:
      if (!exact(5)) return false;
      r.quantity = second;
      break;
  }
  if (!detail::request_ok(r)) return invalid();
  out = std::move(r);
  ec.clear();
  return true;
}

/// Writes the reply to `req` (valid) into `out`: for reads, `read_values` holds the quantity's
/// registers (FC 3, 4, 23) or bits as 0/1 (FC 1, 2); writes echo the request. Returns the size;
/// errc::invalid_request when `read_values` has the wrong size, firebus::errc::buffer_full when
/// `out` is too small.
inline std::size_t encode_response(const request& req,
                                   const std::vector<std::uint16_t>& read_values,
                                   mutable_byte_view out, std::error_code& ec) noexcept {
  if (!validate(req, ec)) return 0;
  byte_writer w(out);
  w.u8(static_cast<std::uint8_t>(req.fn), ec);
  if (reads_bits(req.fn) || reads_registers(req.fn)) {
    if (read_values.size() != req.quantity) {
      ec = make_error_code(errc::invalid_request);
      return 0;
    }
    w.u8(static_cast<std::uint8_t>(response_size(req) - 2), ec);
    if (reads_bits(req.fn)) {
      detail::put_bits(w, read_values, ec);
    } else {
      for (std::uint16_t v : read_values) detail::put_u16(w, v, ec);
    }
  } else {
    detail::put_u16(w, req.address, ec);
    std::uint16_t echo = static_cast<std::uint16_t>(req.values.size());
    if (req.fn == function::write_single_coil) echo = req.values[0] != 0 ? 0xFF00 : 0x0000;
    if (req.fn == function::write_single_register) echo = req.values[0];
    detail::put_u16(w, echo, ec);
  }
  return detail::finish(w, ec);
}

/// Writes the exception reply to function code `fc` with `code` (an exception errc, 1–11)
/// into `out`: 2 bytes. errc::invalid_request for a code that is not an exception.
inline std::size_t encode_exception(std::uint8_t fc, errc code, mutable_byte_view out,
                                    std::error_code& ec) noexcept {
  if (!is_exception(make_error_code(code)) || fc == 0 || fc >= 0x80) {
    ec = make_error_code(errc::invalid_request);
    return 0;
  }
  byte_writer w(out);
  w.u8(static_cast<std::uint8_t>(fc | 0x80), ec);
  w.u8(static_cast<std::uint8_t>(code), ec);
  return detail::finish(w, ec);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overloads (firebus::system_error).
inline std::vector<std::uint8_t> encode_request(const request& r) {
  std::vector<std::uint8_t> out(max_pdu_size);
  std::error_code ec;
  out.resize(encode_request(r, out, ec));
  if (ec) throw system_error(ec, "modbus request");
  return out;
}
inline response parse_response(const request& req, byte_view pdu) {
  std::error_code ec;
  const response r = parse_response(req, pdu, ec);
  if (ec) throw system_error(ec, "modbus reply");
  return r;
}
#endif

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_MODBUS_PDU_HPP
