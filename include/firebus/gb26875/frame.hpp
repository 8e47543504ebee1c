// firebus — fire-safety IoT SDK.
/// @file
/// GB/T 26875.3-2011 frames (§6.6, Tables 1–2): header, time tags, checksum, encode and decode.
///
/// A frame is `@@ | serial u16le | version 2 | time tag 6 | source u48le | destination u48le |
/// ADU length u16le | command 1 | ADU (L ≤ 1024) | checksum 1 | ##`, 30 + L bytes. The checksum
/// is the sum modulo 256 of bytes 2 .. 26 + L. There is no byte stuffing: `@@` and `##` may occur
/// inside a frame, which is why frames are cut by the length field (see gb26875::deframer).
///
/// decode_frame() takes exactly one frame and returns views into the input (no allocation).
/// The time tag is not validated on decode: a fire alarm from a device whose clock is wrong must
/// not be lost; check firebus::gb26875::time_tag::valid() where it matters.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// gb::header h;
/// h.serial = 1;
/// h.source = 0x0000'1234'5678;
/// h.cmd = gb::command::send_data;
/// std::vector<std::uint8_t> frame = gb::encode_frame(h, adu_bytes);
///
/// std::error_code ec;
/// gb::frame_diagnostic why;
/// gb::frame_view f = gb::decode_frame(frame, ec, &why);
/// if (ec) std::cerr << gb::describe(ec, why) << '\n';  // "checksum 0x46 expected, 0x47 found at
/// offset 75"
/// @endcode
#ifndef FIREBUS_GB26875_FRAME_HPP
#define FIREBUS_GB26875_FRAME_HPP

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/core/byte_reader.hpp>
#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/error.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// Largest ADU (§6.6: the length field is at most 1024).
inline constexpr std::size_t max_adu_size = 1024;
/// Bytes before the ADU: start, serial, version, time tag, addresses, length, command.
inline constexpr std::size_t header_size = 27;
/// Bytes after the ADU: checksum and end.
inline constexpr std::size_t trailer_size = 3;
/// Smallest frame (empty ADU) and largest frame.
inline constexpr std::size_t min_frame_size = header_size + trailer_size;
inline constexpr std::size_t max_frame_size = min_frame_size + max_adu_size;
/// Offset of the ADU length field in a frame.
inline constexpr std::size_t length_offset = 24;
/// Largest address: addresses are 6 bytes.
inline constexpr std::uint64_t max_address = (std::uint64_t{1} << 48) - 1;
/// Start and end bytes.
inline constexpr std::uint8_t start_byte = 0x40;  // '@'
inline constexpr std::uint8_t end_byte = 0x23;    // '#'

/// The command byte (§6.4, Table 3). Values 0 and 7..127 are reserved, 128..255 user-defined;
/// the enumeration can hold them all.
enum class command : std::uint8_t {
  control = 1,    ///< 控制命令: a control command, answered with confirm
  send_data = 2,  ///< 发送数据: data, answered with confirm
  confirm = 3,    ///< 确认: positive answer to control or send-data
  request = 4,    ///< 请求: a read, answered with response
  response = 5,   ///< 应答: the answer to a request
  deny = 6,       ///< 否认: negative answer (§6.5.3)
};

/// True for the six commands the standard defines.
constexpr bool is_defined(command c) noexcept {
  return static_cast<std::uint8_t>(c) >= 1 && static_cast<std::uint8_t>(c) <= 6;
}
/// True for 128..255, which the standard leaves to users.
constexpr bool is_user_defined(command c) noexcept { return static_cast<std::uint8_t>(c) >= 128; }
/// True for 0 and 7..127: a receiver answers such a frame with deny (§6.5.3).
constexpr bool is_reserved(command c) noexcept { return !is_defined(c) && !is_user_defined(c); }

/// English name of a defined command ("send_data"); empty for others.
constexpr std::string_view to_string(command c) noexcept {
  switch (c) {
    case command::control:
      return "control";
    case command::send_data:
      return "send_data";
    case command::confirm:
      return "confirm";
    case command::request:
      return "request";
    case command::response:
      return "response";
    case command::deny:
      return "deny";
  }
  return {};
}
/// Chinese name of a defined command as the standard writes it ("发送数据"); empty for others.
constexpr std::string_view chinese_name(command c) noexcept {
  switch (c) {
    case command::control:
      return "控制命令";
    case command::send_data:
      return "发送数据";
    case command::confirm:
      return "确认";
    case command::request:
      return "请求";
    case command::response:
      return "应答";
    case command::deny:
      return "否认";
  }
  return {};
}

/// A 6-byte time tag (§6.6, Figure 5): second, minute, hour, day, month, year − 2000, each one
/// binary byte (not BCD). The standard does not say which time zone; firebus makes the UTC offset
/// an explicit argument wherever a time tag meets a utc_time.
struct time_tag {
  std::uint8_t second = 0;
  std::uint8_t minute = 0;
  std::uint8_t hour = 0;
  std::uint8_t day = 1;
  std::uint8_t month = 1;
  std::uint8_t year = 0;  ///< years since 2000

  /// The calendar fields (year 2000..2255).
  constexpr civil_time to_civil() const noexcept {
    return {2000 + year, month, day, hour, minute, second};
  }
  /// True if the fields form a valid date and time.
  constexpr bool valid() const noexcept { return is_valid(to_civil()); }

  /// A time tag from calendar fields; errc::invalid_time unless valid and in 2000..2255.
  static time_tag from_civil(const civil_time& c, std::error_code& ec) noexcept {
    if (!is_valid(c) || c.year < 2000 || c.year > 2255) {
      ec = make_error_code(errc::invalid_time);
      return {};
    }
    ec.clear();
    return {static_cast<std::uint8_t>(c.second), static_cast<std::uint8_t>(c.minute),
            static_cast<std::uint8_t>(c.hour),   static_cast<std::uint8_t>(c.day),
            static_cast<std::uint8_t>(c.month),  static_cast<std::uint8_t>(c.year - 2000)};
  }
  /// The time tag of `t` read at `utc_offset` from UTC (e.g. +8 h for China Standard Time).
  static time_tag from_utc(utc_time t, std::chrono::minutes utc_offset,
                           std::error_code& ec) noexcept {
    const civil_time c = firebus::to_civil(t, utc_offset, ec);
    if (ec) {
      ec = make_error_code(errc::invalid_time);
      return {};
    }
    return from_civil(c, ec);
  }
  /// The UTC time of this tag, read at `utc_offset` from UTC; errc::invalid_time if invalid.
  utc_time to_utc(std::chrono::minutes utc_offset, std::error_code& ec) const noexcept {
    const utc_time t = firebus::to_utc(to_civil(), utc_offset, ec);
    if (ec) ec = make_error_code(errc::invalid_time);
    return t;
  }

  friend constexpr bool operator==(const time_tag& a, const time_tag& b) noexcept {
    return a.second == b.second && a.minute == b.minute && a.hour == b.hour && a.day == b.day &&
           a.month == b.month && a.year == b.year;
  }
  friend constexpr bool operator!=(const time_tag& a, const time_tag& b) noexcept {
    return !(a == b);
  }
};

/// Reads a time tag (6 bytes) without validating it.
inline time_tag read_time_tag(byte_reader& r, std::error_code& ec) noexcept {
  time_tag t;
  t.second = r.u8(ec);
  t.minute = r.u8(ec);
  t.hour = r.u8(ec);
  t.day = r.u8(ec);
  t.month = r.u8(ec);
  t.year = r.u8(ec);
  return t;
}
/// Writes a time tag (6 bytes) as it is.
inline void write_time_tag(byte_writer& w, const time_tag& t, std::error_code& ec) noexcept {
  w.u8(t.second, ec);
  w.u8(t.minute, ec);
  w.u8(t.hour, ec);
  w.u8(t.day, ec);
  w.u8(t.month, ec);
  w.u8(t.year, ec);
}

/// The fields of a frame other than its ADU.
struct header {
  std::uint16_t serial = 0;        ///< business serial number; a reply echoes it (§6.6)
  std::uint8_t version_major = 1;  ///< protocol version, major: 1
  std::uint8_t version_minor = 0;  ///< protocol version, user version
  time_tag time;                   ///< when the frame was sent
  std::uint64_t source = 0;        ///< 6-byte source address
  std::uint64_t destination = 0;   ///< 6-byte destination address
  command cmd = command::send_data;

  friend bool operator==(const header& a, const header& b) noexcept {
    return a.serial == b.serial && a.version_major == b.version_major &&
           a.version_minor == b.version_minor && a.time == b.time && a.source == b.source &&
           a.destination == b.destination && a.cmd == b.cmd;
  }
  friend bool operator!=(const header& a, const header& b) noexcept { return !(a == b); }
};

/// A decoded frame: its header and a view of its ADU inside the decoded bytes.
struct frame_view {
  header hdr;
  byte_view adu;
};

/// The header of the answer to `h` (confirm, deny or response): same serial number and version,
/// source and destination swapped (§6.5). The caller sets the time tag.
constexpr header reply_header(const header& h, command answer) noexcept {
  header r = h;
  r.source = h.destination;
  r.destination = h.source;
  r.cmd = answer;
  return r;
}

/// Where and why a frame was refused, for messages and logs.
struct frame_diagnostic {
  std::size_t offset = 0;      ///< offset of the offending field in the bytes decoded
  std::uint32_t expected = 0;  ///< what was expected there (checksum, 0x4040, 0x2323, size, ≤1024)
  std::uint32_t found = 0;     ///< what was found
};

/// The frame checksum: the sum of `bytes` modulo 256 (§6.6).
inline std::uint8_t checksum(byte_view bytes) noexcept {
  // Eight bytes at a time: pairs of bytes are added in four 16-bit lanes, folded before a lane
  // can carry into the next (at most 128 words of at most 2 × 255 per lane); folding keeps the
  // sum modulo 256.
  constexpr std::uint64_t low_bytes = 0x00FF00FF00FF00FFu;
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  std::uint32_t sum = 0;
  std::size_t i = 0;
  while (n - i >= 8) {
    const std::size_t words = (n - i) / 8 < 128 ? (n - i) / 8 : 128;
    std::uint64_t lanes = 0;
    for (std::size_t k = 0; k < words; ++k, i += 8) {
      std::uint64_t w;
      std::memcpy(&w, p + i, 8);
      lanes += (w & low_bytes) + ((w >> 8) & low_bytes);
    }
    sum += static_cast<std::uint32_t>((lanes & 0xFFFF) + (lanes >> 16 & 0xFFFF) +
                                      (lanes >> 32 & 0xFFFF) + (lanes >> 48));
  }
  for (; i < n; ++i) sum += p[i];
  return static_cast<std::uint8_t>(sum);
}

/// Size of a frame carrying `adu_size` ADU bytes.
constexpr std::size_t frame_size(std::size_t adu_size) noexcept {
  return min_frame_size + adu_size;
}

namespace detail {
inline void fail(std::error_code& ec, errc e, frame_diagnostic* diag, std::size_t offset,
                 std::uint32_t expected, std::uint32_t found) noexcept {
  ec = make_error_code(e);
  if (diag != nullptr) *diag = {offset, expected, found};
}
}  // namespace detail

namespace detail {
// The header fields of a frame whose first 27 bytes are known to be there (checked by the
// caller): plain loads, no bounds checks.
inline header read_checked_header(const std::uint8_t* f) noexcept {
  auto u48 = [](const std::uint8_t* b) {
    std::uint64_t v = 0;
    for (int k = 5; k >= 0; --k) v = v << 8 | b[k];
    return v;
  };
  header h;
  h.serial = static_cast<std::uint16_t>(f[2] | f[3] << 8);
  h.version_major = f[4];
  h.version_minor = f[5];
  h.time = {f[6], f[7], f[8], f[9], f[10], f[11]};
  h.source = u48(f + 12);
  h.destination = u48(f + 18);
  h.cmd = static_cast<command>(f[26]);
  return h;
}
}  // namespace detail

/// Checks the structure of the first bytes of a frame: start, and the ADU length. Returns the
/// size of the whole frame (30 + L), or 0 with errc::truncated (fewer than 27 bytes),
/// errc::bad_start or errc::adu_too_long.
inline std::size_t check_frame_head(byte_view bytes, std::error_code& ec,
                                    frame_diagnostic* diag = nullptr) noexcept {
  if ((!bytes.empty() && bytes[0] != start_byte) || (bytes.size() >= 2 && bytes[1] != start_byte)) {
    const std::uint32_t second = bytes.size() >= 2 ? bytes[1] : 0u;
    detail::fail(ec, errc::bad_start, diag, 0, 0x4040u,
                 static_cast<std::uint32_t>(bytes[0]) << 8 | second);
    return 0;
  }
  if (bytes.size() < header_size) {
    detail::fail(ec, errc::truncated, diag, bytes.size(), static_cast<std::uint32_t>(header_size),
                 static_cast<std::uint32_t>(bytes.size()));
    return 0;
  }
  const std::size_t length =
      static_cast<std::size_t>(bytes[length_offset]) | (std::size_t{bytes[length_offset + 1]} << 8);
  if (length > max_adu_size) {
    detail::fail(ec, errc::adu_too_long, diag, length_offset,
                 static_cast<std::uint32_t>(max_adu_size), static_cast<std::uint32_t>(length));
    return 0;
  }
  ec.clear();
  return frame_size(length);
}

/// Checks the end and checksum of a frame whose size is known to be `size` (30 + L) and whose
/// head passed check_frame_head. errc::bad_end or errc::checksum_mismatch.
inline void check_frame_tail(byte_view frame, std::error_code& ec,
                             frame_diagnostic* diag = nullptr) noexcept {
  const std::size_t n = frame.size();
  if (n < min_frame_size) {
    detail::fail(ec, errc::truncated, diag, n, static_cast<std::uint32_t>(min_frame_size),
                 static_cast<std::uint32_t>(n));
    return;
  }
  if (frame[n - 2] != end_byte || frame[n - 1] != end_byte) {
    detail::fail(ec, errc::bad_end, diag, n - 2, 0x2323u,
                 static_cast<std::uint32_t>(frame[n - 2] << 8 | frame[n - 1]));
    return;
  }
  const std::uint8_t want = checksum(frame.subview(2, n - 5));
  if (frame[n - 3] != want) {
    detail::fail(ec, errc::checksum_mismatch, diag, n - 3, want, frame[n - 3]);
    return;
  }
  ec.clear();
}

/// Decodes exactly one frame. On success the ADU is a view into `bytes`. Errors, in the order
/// checked: errc::bad_start, errc::truncated, errc::adu_too_long, errc::bad_end,
/// errc::checksum_mismatch, errc::trailing_bytes. Reserved commands are not an error here (see
/// is_reserved()); the time tag is not validated.
inline frame_view decode_frame(byte_view bytes, std::error_code& ec,
                               frame_diagnostic* diag = nullptr) noexcept {
  const std::size_t size = check_frame_head(bytes, ec, diag);
  if (ec) return {};
  if (bytes.size() < size) {
    detail::fail(ec, errc::truncated, diag, bytes.size(), static_cast<std::uint32_t>(size),
                 static_cast<std::uint32_t>(bytes.size()));
    return {};
  }
  check_frame_tail(bytes.first(size), ec, diag);
  if (ec) return {};
  if (bytes.size() > size) {
    detail::fail(ec, errc::trailing_bytes, diag, size, static_cast<std::uint32_t>(size),
                 static_cast<std::uint32_t>(bytes.size()));
    return {};
  }
  ec.clear();
  return {detail::read_checked_header(bytes.data()),
          bytes.subview(header_size, size - min_frame_size)};
}

/// Writes a whole frame carrying `adu`: length and checksum are computed. errc::adu_too_long for
/// an ADU over 1024 bytes, errc::out_of_range for an address ≥ 2^48, firebus::errc::buffer_full
/// if the writer has no room (nothing is then written).
inline void encode_frame(const header& h, byte_view adu, byte_writer& w,
                         std::error_code& ec) noexcept {
  if (adu.size() > max_adu_size) {
    ec = make_error_code(errc::adu_too_long);
    return;
  }
  if (h.source > max_address || h.destination > max_address) {
    ec = make_error_code(errc::out_of_range);
    return;
  }
  if (w.remaining() < frame_size(adu.size()) || !w.ok()) {
    ec = firebus::make_error_code(firebus::errc::buffer_full);
    return;
  }
  const std::size_t begin = w.position();
  w.u8(start_byte, ec);
  w.u8(start_byte, ec);
  w.u16le(h.serial, ec);
  w.u8(h.version_major, ec);
  w.u8(h.version_minor, ec);
  write_time_tag(w, h.time, ec);
  w.u48le(h.source, ec);
  w.u48le(h.destination, ec);
  w.u16le(static_cast<std::uint16_t>(adu.size()), ec);
  w.u8(static_cast<std::uint8_t>(h.cmd), ec);
  w.bytes(adu, ec);
  const std::uint8_t sum = checksum(w.written().subview(begin + 2));
  w.u8(sum, ec);
  w.u8(end_byte, ec);
  w.u8(end_byte, ec);
}

/// Describes a frame error with its diagnostic, e.g. "checksum 0x46 expected, 0x47 found at
/// offset 75".
inline std::string describe(std::error_code ec, const frame_diagnostic& d) {
  auto hex = [](std::uint32_t v, int digits) {
    static constexpr char x[] = "0123456789abcdef";
    std::string s = "0x";
    for (int i = digits - 1; i >= 0; --i) s += x[(v >> (4 * i)) & 0xF];
    return s;
  };
  const std::string at = " at offset " + std::to_string(d.offset);
  if (ec == errc::checksum_mismatch) {
    return "checksum " + hex(d.expected, 2) + " expected, " + hex(d.found, 2) + " found" + at;
  }
  if (ec == errc::bad_start || ec == errc::bad_end) {
    return std::string(ec == errc::bad_start ? "start " : "end ") + hex(d.expected, 4) +
           " expected, " + hex(d.found, 4) + " found" + at;
  }
  if (ec == errc::adu_too_long) {
    return "ADU length at most 1024 expected, " + std::to_string(d.found) + " found" + at;
  }
  if (ec == errc::truncated) {
    return std::to_string(d.expected) + " bytes expected, " + std::to_string(d.found) + " found";
  }
  if (ec == errc::trailing_bytes) {
    return "frame of " + std::to_string(d.expected) + " bytes expected, " +
           std::to_string(d.found) + " found";
  }
  return ec.message();
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of decode_frame(): firebus::system_error with describe()'s message.
inline frame_view decode_frame(byte_view bytes) {
  std::error_code ec;
  frame_diagnostic d;
  const frame_view f = decode_frame(bytes, ec, &d);
  if (ec) firebus::detail::throw_error(ec, "gb26875 frame: " + describe(ec, d));
  return f;
}
/// Encodes a frame into a new vector; throws firebus::system_error on error.
inline std::vector<std::uint8_t> encode_frame(const header& h, byte_view adu) {
  std::vector<std::uint8_t> out;
  out.reserve(frame_size(adu.size() < max_adu_size ? adu.size() : max_adu_size));
  byte_writer w(out, max_frame_size);
  std::error_code ec;
  encode_frame(h, adu, w, ec);
  if (ec) {
    firebus::detail::throw_error(
        ec, "gb26875 frame: cannot encode an ADU of " + std::to_string(adu.size()) + " bytes");
  }
  return out;
}
#endif

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_GB26875_FRAME_HPP
