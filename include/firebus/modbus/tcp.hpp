// firebus — fire-safety IoT SDK.
/// @file
/// Modbus TCP framing (Modbus Messaging on TCP/IP Implementation Guide v1.0b §3.1.3): the MBAP
/// header — transaction id, protocol id 0, length (unit id + PDU), unit id — and the PDU.
///
/// @par Reading a stream
/// TCP delivers bytes, not frames. tcp_frame_length() looks at the bytes buffered so far and
/// returns the length of the frame at their start once its header is in (0 while fewer than 7
/// bytes are buffered). A protocol id other than 0 (errc::bad_protocol_id) or a length outside
/// 2..254 (errc::bad_length) means the stream is not Modbus TCP or has lost its framing, which a
/// length-delimited stream cannot regain: close the connection. A frame is at most 260 bytes, so
/// a reader's buffer is bounded by max_tcp_frame_size.
///
/// @par Example
/// @code
/// std::vector<std::uint8_t> f = firebus::modbus::encode_tcp(0x0001, 0x11, pdu);
/// // 00 01 00 00 00 06 11 03 00 6B 00 03
/// @endcode
#ifndef FIREBUS_MODBUS_TCP_HPP
#define FIREBUS_MODBUS_TCP_HPP

#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// The MBAP header's size, and the largest frame: header and 253 bytes of PDU.
inline constexpr std::size_t mbap_size = 7;
inline constexpr std::size_t max_tcp_frame_size = mbap_size + max_pdu_size;

/// A frame's parts.
struct tcp_frame {
  std::uint16_t transaction = 0;
  std::uint8_t unit = 0;
  byte_view pdu;  ///< a view into the frame's bytes
};

/// Writes the frame of `pdu` into `out`; returns its size (0 and firebus::errc::buffer_full when
/// `out` is too small, errc::invalid_request for an empty PDU or one over 253 bytes).
inline std::size_t encode_tcp(std::uint16_t transaction, std::uint8_t unit, byte_view pdu,
                              mutable_byte_view out, std::error_code& ec) noexcept {
  if (pdu.empty() || pdu.size() > max_pdu_size) {
    ec = make_error_code(errc::invalid_request);
    return 0;
  }
  ec.clear();
  byte_writer w(out);
  w.u16be(transaction, ec);
  w.u16be(0, ec);
  w.u16be(static_cast<std::uint16_t>(pdu.size() + 1), ec);
  w.u8(unit, ec);
  w.bytes(pdu, ec);
  return ec ? 0 : w.position();
}

/// The length of the frame at the start of `buffered`: 0 while fewer than 7 bytes are there,
/// else 6 + the MBAP length (which may be more than is buffered). errc::bad_protocol_id or
/// errc::bad_length when the header cannot be a Modbus TCP header.
inline std::size_t tcp_frame_length(byte_view buffered, std::error_code& ec) noexcept {
  ec.clear();
  if (buffered.size() < mbap_size) return 0;
  if (buffered[2] != 0 || buffered[3] != 0) {
    ec = make_error_code(errc::bad_protocol_id);
    return 0;
  }
  const std::size_t length = static_cast<std::size_t>((buffered[4] << 8) | buffered[5]);
  if (length < 2 || length > max_pdu_size + 1) {
    ec = make_error_code(errc::bad_length);
    return 0;
  }
  return 6 + length;
}

/// Splits a whole frame: errc::truncated when it is shorter than its header says,
/// errc::trailing_bytes when longer, and the header errors of tcp_frame_length().
inline tcp_frame decode_tcp(byte_view frame, std::error_code& ec) noexcept {
  tcp_frame f;
  const std::size_t n = tcp_frame_length(frame, ec);
  if (ec) return f;
  if (n == 0 || frame.size() < n) {
    ec = make_error_code(errc::truncated);
    return f;
  }
  if (frame.size() > n) {
    ec = make_error_code(errc::trailing_bytes);
    return f;
  }
  f.transaction = static_cast<std::uint16_t>((frame[0] << 8) | frame[1]);
  f.unit = frame[6];
  f.pdu = frame.subview(mbap_size);
  return f;
}

/// Checks a whole reply `frame` to `req` sent as `transaction` to `unit`: the header, the
/// transaction id (errc::transaction_mismatch), the unit id (errc::unit_mismatch), then the PDU
/// as modbus::parse_response does (exceptions included).
inline response parse_tcp_reply(const request& req, std::uint16_t transaction, std::uint8_t unit,
                                byte_view frame, std::error_code& ec) noexcept {
  const tcp_frame f = decode_tcp(frame, ec);
  if (ec) return response{};
  if (f.transaction != transaction) {
    ec = make_error_code(errc::transaction_mismatch);
    return response{};
  }
  if (f.unit != unit) {
    ec = make_error_code(errc::unit_mismatch);
    return response{};
  }
  return parse_response(req, f.pdu, ec);
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overloads (firebus::system_error).
inline std::vector<std::uint8_t> encode_tcp(std::uint16_t transaction, std::uint8_t unit,
                                            byte_view pdu) {
  std::vector<std::uint8_t> out(max_tcp_frame_size);
  std::error_code ec;
  out.resize(encode_tcp(transaction, unit, pdu, out, ec));
  if (ec) throw system_error(ec, "modbus TCP frame");
  return out;
}
inline tcp_frame decode_tcp(byte_view frame) {
  std::error_code ec;
  const tcp_frame f = decode_tcp(frame, ec);
  if (ec) throw system_error(ec, "modbus TCP frame");
  return f;
}
#endif

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_MODBUS_TCP_HPP
