// firebus — fire-safety IoT SDK.
// The Modbus codec: the PDU examples of the Modbus Application Protocol specification v1.1b3
// (§6, one per function code), the CRC examples of the serial line guide, MBAP framing, strict
// reply validation, and the RTU line timing against the physical-limit table of the devices
// digest.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/modbus/tcp.hpp>

namespace mb = firebus::modbus;
using bytes = std::vector<std::uint8_t>;

namespace {

mb::request read(mb::function f, std::uint16_t address, std::uint16_t quantity) {
  mb::request r;
  r.fn = f;
  r.address = address;
  r.quantity = quantity;
  return r;
}

mb::request write(mb::function f, std::uint16_t address, std::vector<std::uint16_t> values) {
  mb::request r;
  r.fn = f;
  r.address = address;
  r.values = std::move(values);
  return r;
}

// The request's PDU, its parse back, and the reply's parse.
struct golden {
  mb::request req;
  bytes request_pdu;
  bytes reply_pdu;
};

}  // namespace

TEST_CASE("modbus: the specification's example of every function code") {
  mb::request rw = read(mb::function::read_write_registers, 0x0003, 6);
  rw.write_address = 0x000E;
  rw.values = {0x00FF, 0x00FF, 0x00FF};
  const std::vector<golden> cases = {
      {read(mb::function::read_coils, 0x0013, 0x13),
       {0x01, 0x00, 0x13, 0x00, 0x13},
       {0x01, 0x03, 0xCD, 0x6B, 0x05}},
      {read(mb::function::read_discrete_inputs, 0x00C4, 0x16),
       {0x02, 0x00, 0xC4, 0x00, 0x16},
       {0x02, 0x03, 0xAC, 0xDB, 0x35}},
      {read(mb::function::read_holding_registers, 0x006B, 3),
       {0x03, 0x00, 0x6B, 0x00, 0x03},
       {0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64}},
      {read(mb::function::read_input_registers, 0x0008, 1),
       {0x04, 0x00, 0x08, 0x00, 0x01},
       {0x04, 0x02, 0x00, 0x0A}},
      {write(mb::function::write_single_coil, 0x00AC, {1}),
       {0x05, 0x00, 0xAC, 0xFF, 0x00},
       {0x05, 0x00, 0xAC, 0xFF, 0x00}},
      {write(mb::function::write_single_register, 0x0001, {3}),
       {0x06, 0x00, 0x01, 0x00, 0x03},
       {0x06, 0x00, 0x01, 0x00, 0x03}},
      {write(mb::function::write_multiple_coils, 0x0013, {1, 0, 1, 1, 0, 0, 1, 1, 1, 0}),
       {0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01},
       {0x0F, 0x00, 0x13, 0x00, 0x0A}},
      {write(mb::function::write_multiple_registers, 0x0001, {0x000A, 0x0102}),
       {0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02},
       {0x10, 0x00, 0x01, 0x00, 0x02}},
      {rw,
       {0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x03, 0x06, 0x00, 0xFF, 0x00, 0xFF, 0x00,
        0xFF},
       {0x17, 0x0C, 0x00, 0xFE, 0x0A, 0xCD, 0x00, 0x01, 0x00, 0x03, 0x00, 0x0D, 0x00, 0xFF}},
  };
  for (const golden& g : cases) {
    CAPTURE(std::string(mb::to_string(g.req.fn)));
    CHECK(mb::encode_request(g.req) == g.request_pdu);
    CHECK(mb::request_size(g.req) == g.request_pdu.size());
    CHECK(mb::response_size(g.req) == g.reply_pdu.size());
    // The server side reads the request back.
    std::error_code ec;
    mb::request back;
    REQUIRE(mb::parse_request(g.request_pdu, back, ec));
    CHECK(back.fn == g.req.fn);
    CHECK(back.address == g.req.address);
    CHECK(back.quantity == g.req.quantity);
    CHECK(back.write_address == g.req.write_address);
    CHECK(back.values == g.req.values);
    const mb::response r = mb::parse_response(g.req, g.reply_pdu, ec);
    REQUIRE_FALSE(ec);
    // The server side builds the same reply from the values.
    std::vector<std::uint16_t> values;
    for (std::size_t i = 0; i < r.count; ++i) {
      values.push_back(mb::reads_bits(g.req.fn) ? std::uint16_t{r.bit(i)} : r.reg(i));
    }
    bytes again(mb::max_pdu_size);
    again.resize(mb::encode_response(g.req, values, again, ec));
    CHECK_FALSE(ec);
    CHECK(again == g.reply_pdu);
  }
  // Values the specification states.
  std::error_code ec;
  const bytes holding = {0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64};
  const mb::response h = mb::parse_response(cases[2].req, holding, ec);
  CHECK(h.count == 3);
  CHECK(h.reg(0) == 555);
  CHECK(h.reg(1) == 0);
  CHECK(h.reg(2) == 100);
  const bytes coils = {0x01, 0x03, 0xCD, 0x6B, 0x05};
  const mb::response c = mb::parse_response(cases[0].req, coils, ec);
  // Coils 27..20 = CD (1100 1101), 35..28 = 6B, 38..36 = 101.
  const bool expect[19] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1};
  for (std::size_t i = 0; i < 19; ++i) CHECK(c.bit(i) == expect[i]);
  const mb::response w = mb::parse_response(cases[7].req, cases[7].reply_pdu, ec);
  CHECK(w.address == 1);
  CHECK(w.value == 2);
}

TEST_CASE("modbus: exception replies become their error codes") {
  const mb::request req = read(mb::function::read_coils, 0x04A1, 1);
  std::error_code ec;
  const bytes reply = {0x81, 0x02};  // the specification's example
  (void)mb::parse_response(req, reply, ec);
  CHECK(ec == mb::errc::illegal_data_address);
  CHECK(mb::is_exception(ec));
  CHECK(ec.message() == "exception 02: illegal data address");
  const std::uint8_t codes[] = {1, 2, 3, 4, 5, 6, 8, 10, 11};
  for (std::uint8_t code : codes) {
    const bytes r = {0x81, code};
    (void)mb::parse_response(req, r, ec);
    CHECK(ec.value() == code);
    CHECK(mb::is_exception(ec));
  }
  for (int code : {0, 7, 9, 12, 0xFF}) {
    const bytes r = {0x81, static_cast<std::uint8_t>(code)};
    (void)mb::parse_response(req, r, ec);
    CHECK(ec == mb::errc::unknown_exception);
    CHECK_FALSE(mb::is_exception(ec));
  }
  // An exception for another function, or with bytes missing or left over.
  const bytes other = {0x83, 0x02};
  (void)mb::parse_response(req, other, ec);
  CHECK(ec == mb::errc::function_mismatch);
  const bytes short_ = {0x81};
  (void)mb::parse_response(req, short_, ec);
  CHECK(ec == mb::errc::truncated);
  const bytes long_ = {0x81, 0x02, 0x00};
  (void)mb::parse_response(req, long_, ec);
  CHECK(ec == mb::errc::trailing_bytes);
  bytes out(2);
  CHECK(mb::encode_exception(3, mb::errc::illegal_data_address, out, ec) == 2);
  CHECK(out == bytes{0x83, 0x02});
  CHECK(mb::encode_exception(3, mb::errc::timeout, out, ec) == 0);
  CHECK(ec == mb::errc::invalid_request);
}

TEST_CASE("modbus: replies that do not answer the request are refused") {
  const mb::request req = read(mb::function::read_holding_registers, 0x006B, 3);
  std::error_code ec;
  auto check = [&](bytes reply, mb::errc want) {
    CAPTURE(reply.size());
    const mb::response r = mb::parse_response(req, reply, ec);
    CHECK(ec == want);
    CHECK(r.count == 0);
  };
  check({}, mb::errc::truncated);
  check({0x04, 0x06, 0, 1, 0, 2, 0, 3}, mb::errc::function_mismatch);
  check({0x03, 0x04, 0, 1, 0, 2}, mb::errc::byte_count_mismatch);
  check({0x03, 0x06, 0, 1, 0, 2, 0}, mb::errc::truncated);
  check({0x03, 0x06, 0, 1, 0, 2, 0, 3, 0}, mb::errc::trailing_bytes);
  check({0x03}, mb::errc::truncated);
  const mb::request wr = write(mb::function::write_single_register, 0x0001, {3});
  (void)mb::parse_response(wr, bytes{0x06, 0x00, 0x02, 0x00, 0x03}, ec);
  CHECK(ec == mb::errc::echo_mismatch);
  (void)mb::parse_response(wr, bytes{0x06, 0x00, 0x01, 0x00, 0x04}, ec);
  CHECK(ec == mb::errc::echo_mismatch);
  (void)mb::parse_response(wr, bytes{0x06, 0x00, 0x01, 0x00}, ec);
  CHECK(ec == mb::errc::truncated);
  const mb::request wc = write(mb::function::write_single_coil, 0x00AC, {0});
  (void)mb::parse_response(wc, bytes{0x05, 0x00, 0xAC, 0xFF, 0x00}, ec);
  CHECK(ec == mb::errc::echo_mismatch);
  (void)mb::parse_response(wc, bytes{0x05, 0x00, 0xAC, 0x00, 0x00}, ec);
  CHECK_FALSE(ec);
}

TEST_CASE("modbus: requests outside the protocol's limits are refused") {
  std::error_code ec;
  bytes out(mb::max_pdu_size);
  auto refused = [&](const mb::request& r) {
    const bool ok = mb::validate(r, ec);
    CHECK_FALSE(ok);
    CHECK(ec == mb::errc::invalid_request);
    CHECK(mb::encode_request(r, out, ec) == 0);
    CHECK(ec == mb::errc::invalid_request);
    CHECK(mb::request_size(r) == 0);
  };
  refused(read(mb::function::read_holding_registers, 0, 0));
  refused(read(mb::function::read_holding_registers, 0, 126));
  refused(read(mb::function::read_input_registers, 0xFFFF, 2));  // beyond 0xFFFF
  refused(read(mb::function::read_coils, 0, 2001));
  refused(write(mb::function::write_single_register, 0, {}));
  refused(write(mb::function::write_single_register, 0, {1, 2}));
  refused(write(mb::function::write_multiple_registers, 0, std::vector<std::uint16_t>(124)));
  refused(write(mb::function::write_multiple_coils, 0, std::vector<std::uint16_t>(1969)));
  refused(write(mb::function::write_multiple_coils, 0, {}));
  mb::request rw = read(mb::function::read_write_registers, 0, 125);
  rw.values.assign(122, 0);
  refused(rw);
  rw.values.assign(121, 0);
  CHECK(mb::validate(rw, ec));
  CHECK(mb::encode_request(rw, out, ec) == 10 + 242);
  // The edges that are allowed.
  CHECK(mb::validate(read(mb::function::read_holding_registers, 0xFFFF - 124, 125), ec));
  CHECK(mb::validate(read(mb::function::read_coils, 0, 2000), ec));
  CHECK(mb::validate(
      write(mb::function::write_multiple_registers, 0, std::vector<std::uint16_t>(123)), ec));
  // A buffer too small.
  bytes tiny(4);
  CHECK(mb::encode_request(read(mb::function::read_holding_registers, 0, 1), tiny, ec) == 0);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK_THROWS_AS(mb::encode_request(read(mb::function::read_coils, 0, 0)), firebus::system_error);
}

TEST_CASE("modbus: parse_request refuses what a server must answer with an exception") {
  std::error_code ec;
  mb::request r;
  auto refused = [&](bytes pdu, mb::errc want) {
    CAPTURE(pdu.size());
    CHECK_FALSE(mb::parse_request(pdu, r, ec));
    CHECK(ec == want);
  };
  refused({}, mb::errc::truncated);
  refused({0x07}, mb::errc::unknown_function);
  refused({0x2B, 0x0E, 0x01, 0x00}, mb::errc::unknown_function);
  refused({0x03, 0x00, 0x00, 0x00}, mb::errc::truncated);
  refused({0x03, 0x00, 0x00, 0x00, 0x7E}, mb::errc::invalid_request);  // 126 registers
  refused({0x03, 0x00, 0x00, 0x00, 0x00}, mb::errc::invalid_request);
  refused({0x03, 0x00, 0x00, 0x00, 0x01, 0x00}, mb::errc::trailing_bytes);
  refused({0x05, 0x00, 0x00, 0x12, 0x34}, mb::errc::invalid_request);  // neither FF00 nor 0000
  refused({0x10, 0x00, 0x01, 0x00, 0x02, 0x03, 0x00, 0x0A, 0x01}, mb::errc::invalid_request);
  refused({0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01}, mb::errc::truncated);
  refused({0x0F, 0x00, 0x13, 0x00, 0x0A, 0x01, 0xCD}, mb::errc::invalid_request);
  refused({0x17, 0x00, 0x03, 0x00, 0x06, 0x00, 0x0E, 0x00, 0x01, 0x02, 0x00}, mb::errc::truncated);
}

TEST_CASE("modbus RTU: CRC-16 and framing") {
  // Modbus over Serial Line v1.02 §6.2.2: the CRC of 02 07 is 0x1241, sent 41 12.
  CHECK(mb::crc16(bytes{0x02, 0x07}) == 0x1241);
  const bytes pdu = mb::encode_request(read(mb::function::read_holding_registers, 0, 1));
  const bytes frame = mb::encode_rtu(1, pdu);
  CHECK(frame == bytes{0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0A});
  CHECK(mb::crc16(frame) == 0);  // a frame with its CRC checks to zero
  std::error_code ec;
  const mb::rtu_frame f = mb::decode_rtu(frame, ec);
  REQUIRE_FALSE(ec);
  CHECK(f.unit == 1);
  CHECK(f.pdu == firebus::byte_view(pdu));
  for (std::size_t i = 0; i < frame.size(); ++i) {  // any single-bit error is caught
    for (int bit = 0; bit < 8; ++bit) {
      bytes bad = frame;
      bad[i] = static_cast<std::uint8_t>(bad[i] ^ (1 << bit));
      (void)mb::decode_rtu(bad, ec);
      CHECK(ec == mb::errc::crc_mismatch);
    }
  }
  (void)mb::decode_rtu(bytes{0x01, 0x83, 0x02}, ec);
  CHECK(ec == mb::errc::truncated);
  (void)mb::decode_rtu(bytes(257, 0), ec);
  CHECK(ec == mb::errc::trailing_bytes);
  CHECK_THROWS_AS(mb::encode_rtu(1, firebus::byte_view()), firebus::system_error);
}

TEST_CASE("modbus RTU: a reply's length is known from its first bytes") {
  const mb::request req = read(mb::function::read_holding_registers, 0x006B, 3);
  const bytes reply = mb::encode_rtu(0x11, bytes{0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64});
  std::error_code ec;
  CHECK(mb::rtu_reply_length(req, 0x11, firebus::byte_view(reply).first(0), ec) == 0);
  CHECK(mb::rtu_reply_length(req, 0x11, firebus::byte_view(reply).first(2), ec) == 0);
  CHECK_FALSE(ec);
  CHECK(mb::rtu_reply_length(req, 0x11, firebus::byte_view(reply).first(3), ec) == 11);
  CHECK(mb::rtu_reply_size(req) == 11);
  const mb::response r = mb::parse_rtu_reply(req, 0x11, reply, ec);
  REQUIRE_FALSE(ec);
  CHECK(r.reg(0) == 0x022B);
  // From another unit (a late reply of the previous transaction), another function, or a byte
  // count that does not fit: not this reply.
  CHECK(mb::rtu_reply_length(req, 0x12, reply, ec) == 0);
  CHECK(ec == mb::errc::unit_mismatch);
  (void)mb::parse_rtu_reply(req, 0x12, reply, ec);
  CHECK(ec == mb::errc::unit_mismatch);
  CHECK(mb::rtu_reply_length(req, 0x11, bytes{0x11, 0x04}, ec) == 0);
  CHECK(ec == mb::errc::function_mismatch);
  CHECK(mb::rtu_reply_length(req, 0x11, bytes{0x11, 0x03, 0x04}, ec) == 0);
  CHECK(ec == mb::errc::byte_count_mismatch);
  // An exception reply: 5 bytes.
  const bytes ex = mb::encode_rtu(0x11, bytes{0x83, 0x02});
  CHECK(mb::rtu_reply_length(req, 0x11, firebus::byte_view(ex).first(2), ec) == 5);
  (void)mb::parse_rtu_reply(req, 0x11, ex, ec);
  CHECK(ec == mb::errc::illegal_data_address);
  // A write reply: 8 bytes.
  const mb::request wr = write(mb::function::write_single_register, 1, {3});
  CHECK(mb::rtu_reply_length(wr, 0x11, bytes{0x11, 0x06}, ec) == 8);
}

TEST_CASE("modbus RTU: line timing matches the physical limits of the devices digest") {
  // 11 bits per character, FC 03, t3.5 gaps, 0 ms turnaround: transactions/s for one register
  // and registers/s for 10 and 125 registers.
  struct row {
    std::uint32_t baud;
    double t35_ms, one, ten, max;
  };
  const row rows[] = {{9600, 4.01, 39.7, 218, 404},
                      {19200, 2.01, 79.3, 436, 808},
                      {38400, 1.75, 128, 772, 1586},
                      {115200, 1.75, 203, 1504, 4369}};
  for (const row& r : rows) {
    CAPTURE(r.baud);
    mb::line_timing line;
    line.baud = r.baud;
    CHECK(firebus::to_seconds(line.t35()) * 1e3 == doctest::Approx(r.t35_ms).epsilon(0.005));
    auto per_second = [&](std::uint16_t n) {
      return 1.0 / firebus::to_seconds(
                       line.transaction_time(read(mb::function::read_holding_registers, 0, n)));
    };
    CHECK(per_second(1) == doctest::Approx(r.one).epsilon(0.01));
    CHECK(10 * per_second(10) == doctest::Approx(r.ten).epsilon(0.01));
    CHECK(125 * per_second(125) == doctest::Approx(r.max).epsilon(0.01));
  }
  mb::line_timing fast;
  fast.baud = 115200;
  CHECK(fast.t15() == firebus::duration(750));
  mb::line_timing slow;
  CHECK(slow.char_time() == firebus::duration(1146));  // 11 bits at 9600 baud, rounded up
}

TEST_CASE("modbus TCP: MBAP framing") {
  const bytes pdu = {0x03, 0x00, 0x6B, 0x00, 0x03};
  const bytes frame = mb::encode_tcp(0x0001, 0x11, pdu);
  CHECK(frame == bytes{0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x11, 0x03, 0x00, 0x6B, 0x00, 0x03});
  std::error_code ec;
  CHECK(mb::tcp_frame_length(firebus::byte_view(frame).first(6), ec) == 0);
  CHECK(mb::tcp_frame_length(firebus::byte_view(frame).first(7), ec) == 12);
  const mb::tcp_frame f = mb::decode_tcp(frame, ec);
  REQUIRE_FALSE(ec);
  CHECK(f.transaction == 1);
  CHECK(f.unit == 0x11);
  CHECK(f.pdu == firebus::byte_view(pdu));
  bytes bad = frame;
  bad[2] = 1;
  CHECK(mb::tcp_frame_length(bad, ec) == 0);
  CHECK(ec == mb::errc::bad_protocol_id);
  for (int length : {0, 1, 255, 0xFFFF}) {
    bad = frame;
    bad[4] = static_cast<std::uint8_t>(length >> 8);
    bad[5] = static_cast<std::uint8_t>(length);
    CHECK(mb::tcp_frame_length(bad, ec) == 0);
    CHECK(ec == mb::errc::bad_length);
  }
  (void)mb::decode_tcp(firebus::byte_view(frame).first(10), ec);
  CHECK(ec == mb::errc::truncated);
  bytes longer = frame;
  longer.push_back(0);
  (void)mb::decode_tcp(longer, ec);
  CHECK(ec == mb::errc::trailing_bytes);
  // The reply to transaction 1 of unit 0x11.
  const mb::request req = read(mb::function::read_holding_registers, 0x006B, 3);
  const bytes reply =
      mb::encode_tcp(1, 0x11, bytes{0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64});
  CHECK(mb::parse_tcp_reply(req, 1, 0x11, reply, ec).reg(2) == 100);
  CHECK_FALSE(ec);
  (void)mb::parse_tcp_reply(req, 2, 0x11, reply, ec);
  CHECK(ec == mb::errc::transaction_mismatch);
  (void)mb::parse_tcp_reply(req, 1, 0x12, reply, ec);
  CHECK(ec == mb::errc::unit_mismatch);
  CHECK(mb::encode_tcp(1, 1, bytes(254, 3), bad, ec) == 0);
  CHECK(ec == mb::errc::invalid_request);
}
