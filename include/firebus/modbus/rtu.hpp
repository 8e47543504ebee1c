// firebus — fire-safety IoT SDK.
/// @file
/// Modbus RTU framing (Modbus over Serial Line v1.02 §2.5): unit id, PDU, CRC-16 (low byte
/// first); the length of a reply as soon as its first bytes tell it; and the line's timing.
///
/// @par Reading a reply
/// An RTU frame has no length field and no delimiter but silence, so a client that knows what it
/// asked can tell where the reply ends: rtu_reply_length() looks at the bytes received so far and
/// returns the whole frame's length once the unit id, the function and (for reads) the byte count
/// are in, or 0 while it needs more. Bytes that cannot start the reply to this request (another
/// unit id, another function, a byte count that does not match) set `ec`: the bus then discards
/// everything until the line has been silent for t3.5, so framing is never lost. parse_rtu_reply()
/// then checks the CRC, the unit id and the PDU (modbus::parse_response).
///
/// @par Timing
/// A character is 11 bits (start, 8 data, parity or a second stop bit, stop). Frames are separated
/// by at least 3.5 characters of silence (t3.5); above 19 200 baud t1.5 and t3.5 are fixed at
/// 750 µs and 1750 µs. transaction_time() is what one request and its reply occupy the line.
///
/// @par Example
/// @code
/// // 01 03 00 00 00 01 84 0A: read holding register 0 of unit 1.
/// std::vector<std::uint8_t> frame = firebus::modbus::encode_rtu(1,
/// firebus::modbus::encode_request(req));
/// @endcode
#ifndef FIREBUS_MODBUS_RTU_HPP
#define FIREBUS_MODBUS_RTU_HPP

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// The largest RTU frame: unit id, 253 bytes of PDU, CRC.
inline constexpr std::size_t max_rtu_frame_size = 256;
/// Unit id 0 is the broadcast address: no device answers it.
inline constexpr std::uint8_t broadcast_unit = 0;

namespace detail {
struct crc_table {
  std::array<std::uint16_t, 256> v{};
  constexpr crc_table() noexcept {
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? (c >> 1) ^ 0xA001u : c >> 1;
      v[i] = static_cast<std::uint16_t>(c);
    }
  }
};
inline constexpr crc_table crc16_table{};
}  // namespace detail

/// The Modbus CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF) of `bytes`. On the wire it is
/// sent low byte first.
constexpr std::uint16_t crc16(byte_view bytes) noexcept {
  std::uint16_t crc = 0xFFFF;
  for (std::uint8_t b : bytes) {
    crc = static_cast<std::uint16_t>((crc >> 8) ^ detail::crc16_table.v[(crc ^ b) & 0xFF]);
  }
  return crc;
}

/// Writes the RTU frame of `pdu` for `unit` into `out`; returns its size (0 and
/// firebus::errc::buffer_full when `out` is too small, errc::invalid_request for an empty PDU or
/// one over 253 bytes).
inline std::size_t encode_rtu(std::uint8_t unit, byte_view pdu, mutable_byte_view out,
                              std::error_code& ec) noexcept {
  if (pdu.empty() || pdu.size() > max_pdu_size) {
    ec = make_error_code(errc::invalid_request);
    return 0;
  }
  ec.clear();
  byte_writer w(out);
  w.u8(unit, ec);
  w.bytes(pdu, ec);
  if (ec) return 0;
  const std::uint16_t crc = crc16(w.written());
  w.u16le(crc, ec);
  return ec ? 0 : w.position();
}

/// A frame's parts.
struct rtu_frame {
  std::uint8_t unit = 0;
  byte_view pdu;  ///< a view into the frame's bytes
};

/// Splits a whole RTU frame and checks its CRC: errc::truncated under 4 bytes,
/// errc::crc_mismatch, errc::trailing_bytes over 256 bytes.
inline rtu_frame decode_rtu(byte_view frame, std::error_code& ec) noexcept {
  rtu_frame f;
  if (frame.size() < 4) {
    ec = make_error_code(errc::truncated);
    return f;
  }
  if (frame.size() > max_rtu_frame_size) {
    ec = make_error_code(errc::trailing_bytes);
    return f;
  }
  const std::size_t n = frame.size() - 2;
  const auto got = static_cast<std::uint16_t>(frame[n] | (frame[n + 1] << 8));
  if (crc16(frame.first(n)) != got) {
    ec = make_error_code(errc::crc_mismatch);
    return f;
  }
  f.unit = frame[0];
  f.pdu = frame.subview(1, n - 1);
  ec.clear();
  return f;
}

/// The length of the RTU reply to `req` sent to `unit` (not broadcast), from the bytes
/// received so far: 0 while they do not tell yet (fewer than 2, or 3 for a read), else the
/// whole frame's length (which may be more than has been received). Sets `ec` when the bytes
/// cannot start that reply: errc::unit_mismatch, errc::function_mismatch, or
/// errc::byte_count_mismatch.
inline std::size_t rtu_reply_length(const request& req, std::uint8_t unit, byte_view received,
                                    std::error_code& ec) noexcept {
  ec.clear();
  if (received.empty()) return 0;
  if (received[0] != unit) {
    ec = make_error_code(errc::unit_mismatch);
    return 0;
  }
  if (received.size() < 2) return 0;
  const auto fc = static_cast<std::uint8_t>(req.fn);
  if (received[1] == (fc | 0x80)) return 5;
  if (received[1] != fc) {
    ec = make_error_code(errc::function_mismatch);
    return 0;
  }
  if (!reads_bits(req.fn) && !reads_registers(req.fn)) return 8;
  if (received.size() < 3) return 0;
  const std::size_t bytes = response_size(req) - 2;
  if (received[2] != bytes) {
    ec = make_error_code(errc::byte_count_mismatch);
    return 0;
  }
  return 5 + bytes;
}

/// The length of the RTU reply to a valid `req` (5 for an exception reply).
inline std::size_t rtu_reply_size(const request& req) noexcept { return 3 + response_size(req); }

/// Checks a whole RTU reply `frame` to `req` sent to `unit`: CRC (errc::crc_mismatch), unit id
/// (errc::unit_mismatch), then the PDU as modbus::parse_response does (exceptions included).
inline response parse_rtu_reply(const request& req, std::uint8_t unit, byte_view frame,
                                std::error_code& ec) noexcept {
  const rtu_frame f = decode_rtu(frame, ec);
  if (ec) return response{};
  if (f.unit != unit) {
    ec = make_error_code(errc::unit_mismatch);
    return response{};
  }
  return parse_response(req, f.pdu, ec);
}

/// Serial line parameters that decide the timing.
struct line_timing {
  std::uint32_t baud = 9600;
  std::uint8_t bits_per_char = 11;  ///< start + 8 data + parity + stop (or 2 stop bits)
  duration turnaround{0};           ///< the device's time from the request's end to its reply

  /// One character on the wire.
  constexpr duration char_time() const noexcept {
    return baud == 0 ? duration(0)
                     : duration((std::int64_t{bits_per_char} * 1'000'000 + baud - 1) / baud);
  }
  /// The silence that ends a frame: 3.5 characters, 1750 µs above 19 200 baud.
  constexpr duration t35() const noexcept {
    if (baud > 19200) return duration(1750);
    return baud == 0 ? duration(0)
                     : duration((std::int64_t{bits_per_char} * 3'500'000 + baud - 1) / baud);
  }
  /// The longest gap allowed inside a frame: 1.5 characters, 750 µs above 19 200 baud.
  constexpr duration t15() const noexcept {
    if (baud > 19200) return duration(750);
    return baud == 0 ? duration(0)
                     : duration((std::int64_t{bits_per_char} * 1'500'000 + baud - 1) / baud);
  }
  /// `bytes` characters on the wire.
  constexpr duration bytes_time(std::size_t bytes) const noexcept {
    return baud == 0 ? duration(0)
                     : duration((static_cast<std::int64_t>(bytes) * bits_per_char * 1'000'000 +
                                 baud - 1) /
                                baud);
  }
  /// One transaction: the request, t3.5, the device's turnaround, the reply, t3.5.
  constexpr duration transaction_time(std::size_t request_bytes,
                                      std::size_t reply_bytes) const noexcept {
    return bytes_time(request_bytes) + bytes_time(reply_bytes) + t35() + t35() + turnaround;
  }
  /// One transaction of `req` (a valid request) with a normal reply.
  duration transaction_time(const request& req) const noexcept {
    return transaction_time(3 + request_size(req), rtu_reply_size(req));
  }
};

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overloads (firebus::system_error).
inline std::vector<std::uint8_t> encode_rtu(std::uint8_t unit, byte_view pdu) {
  std::vector<std::uint8_t> out(max_rtu_frame_size);
  std::error_code ec;
  out.resize(encode_rtu(unit, pdu, out, ec));
  if (ec) throw system_error(ec, "modbus RTU frame");
  return out;
}
inline rtu_frame decode_rtu(byte_view frame) {
  std::error_code ec;
  const rtu_frame f = decode_rtu(frame, ec);
  if (ec) throw system_error(ec, "modbus RTU frame");
  return f;
}
#endif

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_MODBUS_RTU_HPP
