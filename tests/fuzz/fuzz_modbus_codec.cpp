// firebus — fire-safety IoT SDK.
// libFuzzer target for the Modbus codec (<firebus/modbus/pdu.hpp>, rtu.hpp, tcp.hpp).
//
// The input's first byte chooses what is fuzzed, the rest is:
//   0 (client): [fn] [address:2] [quantity:2] [write address:2] [n] [n values:2 each] [unit]
//               [transaction:2] then the reply bytes. The request is built from those fields
//               (fn = one of the nine functions), and the reply bytes are checked as the PDU,
//               as an RTU frame and as a TCP frame of the reply to it.
//   1 (server): a request PDU for parse_request().
//   2 (stream): bytes for tcp_frame_length() / decode_tcp() and rtu decode_rtu().
// Checked with __builtin_trap() (besides ASan and UBSan):
//   - parse_response() accepts exactly one reply per request and values: when it accepts a
//     PDU, encode_response() of the values it read gives the same bytes back; a read gives the
//     request's quantity; an error leaves the response empty;
//   - rtu_reply_length() agrees with parse_rtu_reply(): a frame parse_rtu_reply() accepts has
//     the length rtu_reply_length() announces from its first 3 bytes, with no error;
//   - parse_tcp_reply() accepts only frames decode_tcp() accepts, with the same PDU verdict;
//   - parse_request() → encode_request() → parse_request() is stable, and the encoding has
//     request_size() bytes;
//   - tcp_frame_length() never announces more than max_tcp_frame_size, and decode_tcp()
//     accepts a frame exactly when it has that length.
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/modbus/tcp.hpp>

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace {

namespace mb = firebus::modbus;
using firebus::byte_view;

struct reader {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  std::uint8_t u8() { return at < size ? data[at++] : 0; }
  std::uint16_t u16() {
    const std::uint8_t hi = u8();
    return static_cast<std::uint16_t>((hi << 8) | u8());
  }
  byte_view rest() const { return at < size ? byte_view(data + at, size - at) : byte_view(); }
};

constexpr mb::function functions[] = {mb::function::read_coils,
                                      mb::function::read_discrete_inputs,
                                      mb::function::read_holding_registers,
                                      mb::function::read_input_registers,
                                      mb::function::write_single_coil,
                                      mb::function::write_single_register,
                                      mb::function::write_multiple_coils,
                                      mb::function::write_multiple_registers,
                                      mb::function::read_write_registers};

bool same(const mb::request& a, const mb::request& b) {
  return a.fn == b.fn && a.address == b.address && a.quantity == b.quantity &&
         a.write_address == b.write_address && a.values == b.values;
}

void client(reader& r) {
  mb::request req;
  req.fn = functions[r.u8() % 9];
  req.address = r.u16();
  req.quantity = r.u16();
  req.write_address = r.u16();
  const std::size_t n = r.u8();
  for (std::size_t i = 0; i < n; ++i) req.values.push_back(r.u16());
  if (req.fn == mb::function::write_multiple_coils) {
    for (auto& v : req.values) v = v & 1;
  }
  const std::uint8_t unit = r.u8();
  const std::uint16_t transaction = r.u16();
  const byte_view reply = r.rest();
  std::error_code ec;
  if (!mb::validate(req, ec)) {
    std::vector<std::uint8_t> out(mb::max_pdu_size);
    FIREBUS_FUZZ_CHECK(mb::encode_request(req, out, ec) == 0 && ec == mb::errc::invalid_request);
    return;
  }
  std::vector<std::uint8_t> pdu(mb::max_pdu_size);
  pdu.resize(mb::encode_request(req, pdu, ec));
  FIREBUS_FUZZ_CHECK(!ec && pdu.size() == mb::request_size(req));

  // The reply as a PDU.
  const mb::response resp = mb::parse_response(req, reply, ec);
  const bool pdu_ok = !ec;
  const std::error_code pdu_ec = ec;
  if (pdu_ok) {
    std::vector<std::uint16_t> values;
    if (mb::reads_bits(req.fn) || mb::reads_registers(req.fn)) {
      FIREBUS_FUZZ_CHECK(resp.count == req.quantity);
      for (std::size_t i = 0; i < resp.count; ++i) {
        values.push_back(mb::reads_bits(req.fn) ? std::uint16_t{resp.bit(i)} : resp.reg(i));
      }
    }
    std::vector<std::uint8_t> again(mb::max_pdu_size);
    again.resize(mb::encode_response(req, values, again, ec));
    FIREBUS_FUZZ_CHECK(!ec);
    if (mb::reads_bits(req.fn)) {
      // The unused bits of the last byte are ignored (and written as 0): compare the rest.
      FIREBUS_FUZZ_CHECK(again.size() == reply.size());
      const unsigned tail = req.quantity % 8;
      for (std::size_t k = 0; k < again.size(); ++k) {
        const bool last = k + 1 == again.size() && k >= 2 && tail != 0;
        const unsigned mask = last ? (1u << tail) - 1 : 0xFFu;
        FIREBUS_FUZZ_CHECK((again[k] & mask) == (reply[k] & mask));
        FIREBUS_FUZZ_CHECK((again[k] & ~mask) == 0);
      }
    } else {
      FIREBUS_FUZZ_CHECK(byte_view(again) == reply);
    }
    FIREBUS_FUZZ_CHECK(reply.size() == mb::response_size(req));
  } else {
    FIREBUS_FUZZ_CHECK(resp.count == 0 && resp.data.empty());
  }

  // The reply as an RTU frame.
  const mb::response rr = mb::parse_rtu_reply(req, unit, reply, ec);
  if (!ec) {
    std::error_code lec;
    const std::size_t len = mb::rtu_reply_length(req, unit, reply.first(3), lec);
    FIREBUS_FUZZ_CHECK(!lec && len == reply.size());
    FIREBUS_FUZZ_CHECK(rr.count ==
                       (mb::reads_bits(req.fn) || mb::reads_registers(req.fn) ? req.quantity : 0));
  } else if (mb::is_exception(ec)) {
    std::error_code lec;
    FIREBUS_FUZZ_CHECK(mb::rtu_reply_length(req, unit, reply.first(2), lec) == 5 && !lec);
    FIREBUS_FUZZ_CHECK(reply.size() == 5);
  }
  std::error_code lec;
  const std::size_t len = mb::rtu_reply_length(req, unit, reply, lec);
  FIREBUS_FUZZ_CHECK(len <= mb::max_rtu_frame_size);
  FIREBUS_FUZZ_CHECK(!lec || len == 0);

  // The reply as a TCP frame.
  const mb::tcp_frame tf = mb::decode_tcp(reply, ec);
  const bool frame_ok = !ec;
  (void)mb::parse_tcp_reply(req, transaction, unit, reply, ec);
  if (!ec) {
    FIREBUS_FUZZ_CHECK(frame_ok && tf.transaction == transaction && tf.unit == unit);
    std::error_code pec;
    (void)mb::parse_response(req, tf.pdu, pec);
    FIREBUS_FUZZ_CHECK(!pec);
  }
  (void)pdu_ec;
}

void server(reader& r) {
  const byte_view pdu = r.rest();
  std::error_code ec;
  mb::request req;
  if (!mb::parse_request(pdu, req, ec)) {
    FIREBUS_FUZZ_CHECK(ec);
    return;
  }
  FIREBUS_FUZZ_CHECK(mb::validate(req, ec));
  std::vector<std::uint8_t> out(mb::max_pdu_size);
  out.resize(mb::encode_request(req, out, ec));
  FIREBUS_FUZZ_CHECK(!ec && out.size() == mb::request_size(req) && out.size() == pdu.size());
  mb::request again;
  FIREBUS_FUZZ_CHECK(mb::parse_request(out, again, ec) && same(req, again));
  // A reply for it encodes and parses back.
  std::vector<std::uint16_t> values;
  if (mb::reads_bits(req.fn) || mb::reads_registers(req.fn)) {
    for (std::size_t i = 0; i < req.quantity; ++i) {
      values.push_back(static_cast<std::uint16_t>(mb::reads_bits(req.fn) ? i & 1 : i * 7));
    }
  }
  std::vector<std::uint8_t> reply(mb::max_pdu_size);
  reply.resize(mb::encode_response(req, values, reply, ec));
  FIREBUS_FUZZ_CHECK(!ec);
  const mb::response resp = mb::parse_response(req, reply, ec);
  FIREBUS_FUZZ_CHECK(!ec);
  for (std::size_t i = 0; i < values.size(); ++i) {
    FIREBUS_FUZZ_CHECK((mb::reads_bits(req.fn) ? std::uint16_t{resp.bit(i)} : resp.reg(i)) ==
                       values[i]);
  }
}

void stream(reader& r) {
  const byte_view bytes = r.rest();
  std::error_code ec;
  const std::size_t n = mb::tcp_frame_length(bytes, ec);
  FIREBUS_FUZZ_CHECK(n <= mb::max_tcp_frame_size);
  FIREBUS_FUZZ_CHECK(!ec || n == 0);
  const mb::tcp_frame f = mb::decode_tcp(bytes, ec);
  if (!ec) {
    FIREBUS_FUZZ_CHECK(n == bytes.size() && f.pdu.size() + mb::mbap_size == n);
  }
  const mb::rtu_frame rf = mb::decode_rtu(bytes, ec);
  if (!ec) {
    FIREBUS_FUZZ_CHECK(rf.pdu.size() + 3 == bytes.size() && mb::crc16(bytes) == 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader r{data, size};
  switch (r.u8() % 3) {
    case 0:
      client(r);
      break;
    case 1:
      server(r);
      break;
    default:
      stream(r);
      break;
  }
  return 0;
}
