// firebus — fire-safety IoT SDK.
//
// firebus._firebus.modbus: the pure Modbus codec (<firebus/modbus/pdu.hpp>, rtu.hpp, tcp.hpp):
// requests and replies of FC 1–6, 15, 16, 23 and exceptions, RTU and MBAP framing, line timing.
#include <cstdint>
#include <string>
#include <vector>

#include <pybind11/stl.h>

#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/modbus/tcp.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "shared_enums.hpp"

namespace mb = firebus::modbus;

namespace firebus_py {

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace modbus_detail {
namespace {

constexpr const char* module_name = "firebus.modbus";

// A reply that owns its bytes (the C++ response is a view).
struct py_response {
  mb::function fn = mb::function::read_holding_registers;
  std::string data;
  std::uint16_t count = 0;
  std::uint16_t address = 0;
  std::uint16_t value = 0;

  static py_response of(const mb::response& r) {
    py_response p;
    p.fn = r.fn;
    p.data.assign(reinterpret_cast<const char*>(r.data.data()), r.data.size());
    p.count = r.count;
    p.address = r.address;
    p.value = r.value;
    return p;
  }
  mb::response view() const {
    mb::response r;
    r.fn = fn;
    r.data = firebus::byte_view::from_chars(data);
    r.count = count;
    return r;
  }
  std::vector<std::uint16_t> registers() const {
    std::vector<std::uint16_t> out;
    if (!mb::reads_registers(fn)) return out;
    const mb::response r = view();
    for (std::size_t i = 0; i < count; ++i) out.push_back(r.reg(i));
    return out;
  }
  std::vector<bool> bits() const {
    std::vector<bool> out;
    if (!mb::reads_bits(fn)) return out;
    const mb::response r = view();
    for (std::size_t i = 0; i < count; ++i) out.push_back(r.bit(i));
    return out;
  }
};

std::string request_repr(const mb::request& r) {
  std::string s = "Request(fn=Function." + std::string(mb::to_string(r.fn)) +
                  ", address=" + std::to_string(r.address);
  if (!mb::writes(r.fn) || r.fn == mb::function::read_write_registers) {
    s += ", quantity=" + std::to_string(r.quantity);
  }
  if (r.fn == mb::function::read_write_registers) {
    s += ", write_address=" + std::to_string(r.write_address);
  }
  if (mb::writes(r.fn)) {
    s += ", values=[";
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      if (i == 8 && r.values.size() > 9) {
        s += ", ... (" + std::to_string(r.values.size()) + " values)";
        break;
      }
      s += (i == 0 ? "" : ", ") + std::to_string(r.values[i]);
    }
    s += "]";
  }
  return s + ")";
}

}  // namespace
}  // namespace modbus_detail

void bind_modbus(py::module_& m) {
  using namespace modbus_detail;
  make_enum<mb::function>(m, "Function", module_name,
                          {{"read_coils", mb::function::read_coils},
                           {"read_discrete_inputs", mb::function::read_discrete_inputs},
                           {"read_holding_registers", mb::function::read_holding_registers},
                           {"read_input_registers", mb::function::read_input_registers},
                           {"write_single_coil", mb::function::write_single_coil},
                           {"write_single_register", mb::function::write_single_register},
                           {"write_multiple_coils", mb::function::write_multiple_coils},
                           {"write_multiple_registers", mb::function::write_multiple_registers},
                           {"read_write_registers", mb::function::read_write_registers}},
                          "Modbus function codes firebus implements.");
  make_enum<mb::errc>(
      m, "Errc", module_name,
      {{"illegal_function", mb::errc::illegal_function},
       {"illegal_data_address", mb::errc::illegal_data_address},
       {"illegal_data_value", mb::errc::illegal_data_value},
       {"server_device_failure", mb::errc::server_device_failure},
       {"acknowledge", mb::errc::acknowledge},
       {"server_device_busy", mb::errc::server_device_busy},
       {"memory_parity_error", mb::errc::memory_parity_error},
       {"gateway_path_unavailable", mb::errc::gateway_path_unavailable},
       {"gateway_target_no_response", mb::errc::gateway_target_no_response},
       {"invalid_request", mb::errc::invalid_request},
       {"truncated", mb::errc::truncated},
       {"trailing_bytes", mb::errc::trailing_bytes},
       {"crc_mismatch", mb::errc::crc_mismatch},
       {"bad_protocol_id", mb::errc::bad_protocol_id},
       {"bad_length", mb::errc::bad_length},
       {"unknown_function", mb::errc::unknown_function},
       {"unit_mismatch", mb::errc::unit_mismatch},
       {"function_mismatch", mb::errc::function_mismatch},
       {"transaction_mismatch", mb::errc::transaction_mismatch},
       {"byte_count_mismatch", mb::errc::byte_count_mismatch},
       {"echo_mismatch", mb::errc::echo_mismatch},
       {"unknown_exception", mb::errc::unknown_exception},
       {"timeout", mb::errc::timeout},
       {"quarantined", mb::errc::quarantined},
       {"disconnected", mb::errc::disconnected},
       {"queue_full", mb::errc::queue_full},
       {"cancelled", mb::errc::cancelled}},
      "ModbusError codes (ModbusError.code; category 'firebus.modbus'). 1-11 are the Modbus "
      "exception codes themselves.");
  m.def(
      "errc_message", [](mb::errc e) { return mb::make_error_code(e).message(); }, py::arg("code"),
      "The C++ message of an Errc ('exception 02: illegal data address').");
  m.def(
      "is_exception", [](mb::errc e) { return mb::is_exception(mb::make_error_code(e)); },
      py::arg("code"), "Whether the code is an exception reply's (1-6, 8, 10, 11).");

  m.attr("MAX_PDU_SIZE") = mb::max_pdu_size;
  m.attr("MAX_READ_BITS") = mb::max_read_bits;
  m.attr("MAX_READ_REGISTERS") = mb::max_read_registers;
  m.attr("MAX_WRITE_COILS") = mb::max_write_coils;
  m.attr("MAX_WRITE_REGISTERS") = mb::max_write_registers;
  m.attr("MAX_RW_WRITE_REGISTERS") = mb::max_rw_write_registers;
  m.attr("MAX_RTU_FRAME_SIZE") = mb::max_rtu_frame_size;
  m.attr("MBAP_SIZE") = mb::mbap_size;
  m.attr("MAX_TCP_FRAME_SIZE") = mb::max_tcp_frame_size;

  py::class_<mb::request>(
      m, "Request",
      "A Modbus request. FC 1-4: address and quantity. FC 5: address and one value in values "
      "(non-zero switches the coil on). FC 6: address and one register. FC 15: address and the "
      "coils (0/1) in values. FC 16: address and the registers. FC 23: the read address and "
      "quantity, then write_address and the registers to write.")
      .def(py::init([](mb::function fn, std::uint16_t address, std::uint16_t quantity,
                       std::uint16_t write_address, std::vector<std::uint16_t> values) {
             mb::request r;
             r.fn = fn;
             r.address = address;
             r.quantity = quantity;
             r.write_address = write_address;
             r.values = std::move(values);
             return r;
           }),
           py::arg("fn") = mb::function::read_holding_registers, py::arg("address") = 0,
           py::arg("quantity") = 0, py::arg("write_address") = 0,
           py::arg("values") = std::vector<std::uint16_t>{}, "A request (not yet validated).")
      .def_readwrite("fn", &mb::request::fn, "The Function.")
      .def_readwrite("address", &mb::request::address, "Start address (0-based, as on the wire).")
      .def_readwrite("quantity", &mb::request::quantity, "Bits or registers to read.")
      .def_readwrite("write_address", &mb::request::write_address, "FC 23: where to write.")
      .def_readwrite("values", &mb::request::values,
                     "Values to write (a copy: assign a new list to change them).")
      .def(
          "validate",
          [](const mb::request& r) {
            std::error_code ec;
            mb::validate(r, ec);
            check(ec, "modbus request");
          },
          "Raises ModbusError (Errc.invalid_request) unless Modbus allows the request.")
      .def(
          "is_valid",
          [](const mb::request& r) {
            std::error_code ec;
            return mb::validate(r, ec);
          },
          "Whether Modbus allows the request.")
      .def(
          "encode", [](const mb::request& r) { return to_bytes(mb::encode_request(r)); },
          "The request's PDU. ModbusError (Errc.invalid_request) for an invalid request.")
      .def_property_readonly(
          "size", [](const mb::request& r) { return mb::request_size(r); },
          "The PDU's size in bytes (0 for an invalid request).")
      .def_property_readonly(
          "response_size", [](const mb::request& r) { return mb::response_size(r); },
          "The size of a normal reply's PDU.")
      .def("__repr__", &request_repr, "Request(fn=..., address=..., ...).")
      .def(
          "__eq__",
          [](const mb::request& a, const mb::request& b) {
            return a.fn == b.fn && a.address == b.address && a.quantity == b.quantity &&
                   a.write_address == b.write_address && a.values == b.values;
          },
          py::arg("other"), "Field-wise equality.")
      .def(
          "__copy__", [](const mb::request& r) { return r; }, "A copy.")
      .def(
          "__deepcopy__", [](const mb::request& r, const py::dict&) { return r; }, py::arg("memo"),
          "A copy.");

  py::class_<py_response>(m, "Response", "A checked reply to a Request.")
      .def_readonly("fn", &py_response::fn, "The Function.")
      .def_property_readonly(
          "data", [](const py_response& r) { return py::bytes(r.data); },
          "FC 1, 2: the packed bits; FC 3, 4, 23: the register bytes (big-endian); else b''.")
      .def_readonly("count", &py_response::count, "Bits or registers read (0 for writes).")
      .def_readonly("address", &py_response::address, "FC 5, 6, 15, 16: the echoed address.")
      .def_readonly("value", &py_response::value,
                    "FC 5, 6: the echoed value; FC 15, 16: the echoed quantity.")
      .def_property_readonly("registers", &py_response::registers,
                             "FC 3, 4, 23: the registers as ints; [] otherwise.")
      .def_property_readonly("bits", &py_response::bits,
                             "FC 1, 2: the bits as bools; [] otherwise.")
      .def(
          "__repr__",
          [](const py_response& r) {
            std::string s = "Response(fn=Function." + std::string(mb::to_string(r.fn));
            if (mb::reads_bits(r.fn) || mb::reads_registers(r.fn)) {
              s += ", count=" + std::to_string(r.count);
            } else {
              s += ", address=" + std::to_string(r.address) + ", value=" + std::to_string(r.value);
            }
            return s + ")";
          },
          "Response(fn=..., count=...).");

  m.def(
      "parse_response",
      [](const mb::request& req, const py::bytes& pdu) {
        std::error_code ec;
        if (!mb::validate(req, ec)) check(ec, "modbus request");
        const mb::response r = mb::parse_response(req, view_of(pdu), ec);
        check(ec, "modbus reply");
        return py_response::of(r);
      },
      py::arg("request"), py::arg("pdu"),
      "Checks the reply PDU to `request` strictly (same function, exact byte count, writes "
      "echoing the request) and returns the Response. An exception reply raises ModbusError with "
      "the exception's code (Errc.illegal_data_address, ...); a reply that does not answer the "
      "request raises ModbusError (function_mismatch, byte_count_mismatch, echo_mismatch, "
      "truncated, trailing_bytes).");
  m.def(
      "parse_request",
      [](const py::bytes& pdu) {
        std::error_code ec;
        mb::request r;
        mb::parse_request(view_of(pdu), r, ec);
        check(ec, "modbus request");
        return r;
      },
      py::arg("pdu"),
      "A request PDU (server side) as a Request. ModbusError: unknown_function (answer with "
      "exception 01), invalid_request (exception 03), truncated, trailing_bytes.");
  m.def(
      "encode_response",
      [](const mb::request& req, const std::vector<std::uint16_t>& values) {
        std::vector<std::uint8_t> out(mb::max_pdu_size);
        std::error_code ec;
        out.resize(mb::encode_response(req, values, out, ec));
        check(ec, "modbus reply");
        return to_bytes(out);
      },
      py::arg("request"), py::arg("values") = std::vector<std::uint16_t>{},
      "The reply PDU to `request` (server side): reads take the quantity's registers or bits "
      "(0/1) in `values`; writes echo the request.");
  m.def(
      "encode_exception",
      [](std::uint8_t fc, mb::errc code) {
        std::uint8_t out[2];
        std::error_code ec;
        const std::size_t n = mb::encode_exception(fc, code, out, ec);
        check(ec, "modbus exception");
        return to_bytes(firebus::byte_view(out, n));
      },
      py::arg("fc"), py::arg("code"),
      "The exception reply PDU to function code `fc` (1..127) with an exception Errc (1-11).");

  // RTU
  m.def(
      "crc16", [](const py::bytes& data) { return mb::crc16(view_of(data)); }, py::arg("data"),
      "The Modbus CRC-16 of `data` (sent low byte first).");
  m.def(
      "encode_rtu",
      [](std::uint8_t unit, const py::bytes& pdu) {
        return to_bytes(mb::encode_rtu(unit, view_of(pdu)));
      },
      py::arg("unit"), py::arg("pdu"), "The RTU frame: unit id, PDU, CRC-16.");
  m.def(
      "decode_rtu",
      [](const py::bytes& frame) {
        const mb::rtu_frame f = mb::decode_rtu(view_of(frame));
        return py::make_tuple(f.unit, to_bytes(f.pdu));
      },
      py::arg("frame"),
      "(unit, pdu) of a whole RTU frame. ModbusError: crc_mismatch, truncated (under 4 bytes), "
      "trailing_bytes (over 256).");
  m.def(
      "rtu_reply_length",
      [](const mb::request& req, std::uint8_t unit, const py::bytes& received) {
        std::error_code ec;
        const std::size_t n = mb::rtu_reply_length(req, unit, view_of(received), ec);
        check(ec, "modbus RTU reply");
        return n;
      },
      py::arg("request"), py::arg("unit"), py::arg("received"),
      "The whole length of the RTU reply to `request` from the bytes received so far, or 0 while "
      "they do not tell yet. ModbusError (unit_mismatch, function_mismatch, byte_count_mismatch) "
      "when they cannot start that reply.");
  m.def(
      "parse_rtu_reply",
      [](const mb::request& req, std::uint8_t unit, const py::bytes& frame) {
        std::error_code ec;
        if (!mb::validate(req, ec)) check(ec, "modbus request");
        const mb::response r = mb::parse_rtu_reply(req, unit, view_of(frame), ec);
        check(ec, "modbus RTU reply");
        return py_response::of(r);
      },
      py::arg("request"), py::arg("unit"), py::arg("frame"),
      "Checks a whole RTU reply (CRC, unit id, then as parse_response).");

  // TCP
  m.def(
      "encode_tcp",
      [](std::uint16_t transaction, std::uint8_t unit, const py::bytes& pdu) {
        return to_bytes(mb::encode_tcp(transaction, unit, view_of(pdu)));
      },
      py::arg("transaction"), py::arg("unit"), py::arg("pdu"),
      "The Modbus TCP frame: MBAP header (transaction, protocol 0, length, unit) and PDU.");
  m.def(
      "decode_tcp",
      [](const py::bytes& frame) {
        const mb::tcp_frame f = mb::decode_tcp(view_of(frame));
        return py::make_tuple(f.transaction, f.unit, to_bytes(f.pdu));
      },
      py::arg("frame"),
      "(transaction, unit, pdu) of a whole frame. ModbusError: bad_protocol_id, bad_length, "
      "truncated, trailing_bytes.");
  m.def(
      "tcp_frame_length",
      [](const py::bytes& buffered) {
        std::error_code ec;
        const std::size_t n = mb::tcp_frame_length(view_of(buffered), ec);
        check(ec, "modbus TCP frame");
        return n;
      },
      py::arg("buffered"),
      "The length of the frame at the start of `buffered`, or 0 while its header is incomplete. "
      "ModbusError (bad_protocol_id, bad_length): the stream has lost its framing; close it.");
  m.def(
      "parse_tcp_reply",
      [](const mb::request& req, std::uint16_t transaction, std::uint8_t unit,
         const py::bytes& frame) {
        std::error_code ec;
        if (!mb::validate(req, ec)) check(ec, "modbus request");
        const mb::response r = mb::parse_tcp_reply(req, transaction, unit, view_of(frame), ec);
        check(ec, "modbus TCP reply");
        return py_response::of(r);
      },
      py::arg("request"), py::arg("transaction"), py::arg("unit"), py::arg("frame"),
      "Checks a whole TCP reply (header, transaction id, unit id, then as parse_response).");

  py::class_<mb::line_timing>(
      m, "LineTiming",
      "Serial line timing: a character is bits_per_char bits; frames end after t3.5 of silence "
      "(1.75 ms above 19200 baud). Times in seconds.")
      .def(py::init([](std::uint32_t baud, std::uint8_t bits_per_char, double turnaround) {
             mb::line_timing t;
             t.baud = baud;
             t.bits_per_char = bits_per_char;
             t.turnaround = py_duration(turnaround);
             return t;
           }),
           py::arg("baud") = 9600, py::arg("bits_per_char") = 11, py::arg("turnaround") = 0.0,
           "Line parameters; turnaround is the device's delay before it replies, in seconds.")
      .def_readwrite("baud", &mb::line_timing::baud, "Baud rate.")
      .def_readwrite("bits_per_char", &mb::line_timing::bits_per_char,
                     "Bits per character (11: start, 8 data, parity or 2nd stop, stop).")
      .def_property(
          "turnaround", [](const mb::line_timing& t) { return to_py_seconds(t.turnaround); },
          [](mb::line_timing& t, double s) { t.turnaround = py_duration(s); },
          "The device's delay before it replies, in seconds.")
      .def_property_readonly(
          "char_time", [](const mb::line_timing& t) { return to_py_seconds(t.char_time()); },
          "One character, in seconds.")
      .def_property_readonly(
          "t35", [](const mb::line_timing& t) { return to_py_seconds(t.t35()); },
          "The silence that ends a frame, in seconds.")
      .def_property_readonly(
          "t15", [](const mb::line_timing& t) { return to_py_seconds(t.t15()); },
          "The longest gap inside a frame, in seconds.")
      .def(
          "bytes_time",
          [](const mb::line_timing& t, std::size_t n) { return to_py_seconds(t.bytes_time(n)); },
          py::arg("n"), "n characters on the wire, in seconds.")
      .def(
          "transaction_time",
          [](const mb::line_timing& t, const mb::request& req) {
            std::error_code ec;
            if (!mb::validate(req, ec)) check(ec, "modbus request");
            return to_py_seconds(t.transaction_time(req));
          },
          py::arg("request"),
          "One transaction of `request` with a normal reply (request, t3.5, turnaround, reply, "
          "t3.5), in seconds.")
      .def(
          "__repr__",
          [](const mb::line_timing& t) {
            return "LineTiming(baud=" + std::to_string(t.baud) +
                   ", bits_per_char=" + std::to_string(t.bits_per_char) +
                   ", turnaround=" + std::to_string(to_py_seconds(t.turnaround)) + ")";
          },
          "LineTiming(baud=..., ...).");

  // --- the poll planner
  make_enum<mb::table>(m, "Table", module_name,
                       {{"coils", mb::table::coils},
                        {"discrete_inputs", mb::table::discrete_inputs},
                        {"holding_registers", mb::table::holding_registers},
                        {"input_registers", mb::table::input_registers}},
                       "The four data tables of a Modbus device.");
  m.def(
      "read_function", [](mb::table t) { return mb::read_function(t); }, py::arg("table"),
      "The Function that reads a Table.");
  py::class_<mb::read_item>(m, "ReadItem", "What must be read: count registers (or bits) of table.")
      .def(py::init([](mb::table t, std::uint16_t address, std::uint16_t count) {
             return mb::read_item{t, address, count};
           }),
           py::arg("table") = mb::table::holding_registers, py::arg("address") = 0,
           py::arg("count") = 1, "An item.")
      .def_readwrite("table", &mb::read_item::tbl, "The Table.")
      .def_readwrite("address", &mb::read_item::address, "First register or bit.")
      .def_readwrite("count", &mb::read_item::count, "Registers or bits.")
      .def(
          "__repr__",
          [](const mb::read_item& i) {
            return "ReadItem(table=Table." +
                   std::string(i.tbl == mb::table::coils             ? "coils"
                               : i.tbl == mb::table::discrete_inputs ? "discrete_inputs"
                               : i.tbl == mb::table::input_registers ? "input_registers"
                                                                     : "holding_registers") +
                   ", address=" + std::to_string(i.address) + ", count=" + std::to_string(i.count) +
                   ")";
          },
          "ReadItem(table=..., address=..., count=...).");
  py::class_<mb::cost_model>(m, "CostModel",
                             "What a read costs on the bus, in seconds: per request, per register, "
                             "per 8 bits.")
      .def(py::init([](double per_request, double per_register, double per_8_bits) {
             mb::cost_model c;
             c.per_request = py_duration(per_request);
             c.per_register = py_duration(per_register);
             c.per_8_bits = py_duration(per_8_bits);
             return c;
           }),
           py::arg("per_request") = 0.0, py::arg("per_register") = 0.0, py::arg("per_8_bits") = 0.0,
           "A cost model (seconds).")
      .def_static("rtu", &mb::cost_model::rtu, py::arg("line"),
                  "From an RTU line: frames, silences and turnaround per request, 2 characters "
                  "per register.")
      .def_static(
          "tcp",
          [](double round_trip, double bytes_per_second) {
            return mb::cost_model::tcp(py_duration(round_trip), bytes_per_second);
          },
          py::arg("round_trip"), py::arg("bytes_per_second") = 1e7,
          "Over TCP: a round trip (seconds) per request, bytes at bytes_per_second.")
      .def_property_readonly(
          "per_request", [](const mb::cost_model& c) { return to_py_seconds(c.per_request); },
          "Seconds per request.")
      .def_property_readonly(
          "per_register", [](const mb::cost_model& c) { return to_py_seconds(c.per_register); },
          "Seconds per register.")
      .def_property_readonly(
          "per_8_bits", [](const mb::cost_model& c) { return to_py_seconds(c.per_8_bits); },
          "Seconds per 8 bits.")
      .def(
          "__repr__",
          [](const mb::cost_model& c) {
            return "CostModel(per_request=" + std::to_string(to_py_seconds(c.per_request)) +
                   ", per_register=" + std::to_string(to_py_seconds(c.per_register)) +
                   ", per_8_bits=" + std::to_string(to_py_seconds(c.per_8_bits)) + ")";
          },
          "CostModel(...).");
  py::class_<mb::device_limits>(m, "DeviceLimits", "What the device accepts in one read.")
      .def(py::init([](std::uint16_t max_registers, std::uint16_t max_bits, bool read_gaps) {
             return mb::device_limits{max_registers, max_bits, read_gaps};
           }),
           py::arg("max_registers") = mb::max_read_registers,
           py::arg("max_bits") = mb::max_read_bits, py::arg("read_gaps") = true, "Limits.")
      .def_readwrite("max_registers", &mb::device_limits::max_registers, "Per read, <= 125.")
      .def_readwrite("max_bits", &mb::device_limits::max_bits, "Per read, <= 2000.")
      .def_readwrite("read_gaps", &mb::device_limits::read_gaps,
                     "May a read cover registers no item needs?")
      .def(
          "__repr__",
          [](const mb::device_limits& l) {
            return "DeviceLimits(max_registers=" + std::to_string(l.max_registers) +
                   ", max_bits=" + std::to_string(l.max_bits) +
                   ", read_gaps=" + (l.read_gaps ? "True" : "False") + ")";
          },
          "DeviceLimits(...).");
  py::class_<mb::planned_read>(m, "PlannedRead", "One planned request and the items it covers.")
      .def_readonly("table", &mb::planned_read::tbl, "The Table.")
      .def_readonly("request", &mb::planned_read::req, "The read Request.")
      .def_readonly("items", &mb::planned_read::items,
                    "Indices into the items given to plan(), by address.")
      .def_readonly("boundaries", &mb::planned_read::boundaries,
                    "Item starts inside it: where split() may cut.")
      .def_property_readonly(
          "cost", [](const mb::planned_read& r) { return to_py_seconds(r.cost); },
          "Seconds, per the cost model.")
      .def(
          "__repr__",
          [](const mb::planned_read& r) {
            return "PlannedRead(" + request_repr(r.req) +
                   ", items=" + std::to_string(r.items.size()) +
                   ", cost=" + std::to_string(to_py_seconds(r.cost)) + ")";
          },
          "PlannedRead(Request(...), items=n, cost=s).");
  py::class_<mb::poll_planner>(
      m, "PollPlanner",
      "Plans the read requests that cover a device's items in the least bus time (exact, under "
      "the cost model and the device's limits), and learns splits from failed merged reads.")
      .def(py::init<mb::cost_model, mb::device_limits>(), py::arg("cost") = mb::cost_model{},
           py::arg("limits") = mb::device_limits{}, "A planner.")
      .def_property_readonly("cost", &mb::poll_planner::cost, "The CostModel.")
      .def_property_readonly("limits", &mb::poll_planner::limits, "The DeviceLimits.")
      .def("plan", &mb::poll_planner::plan, py::arg("items"),
           "The PlannedReads for a list of ReadItems, in table and address order.")
      .def(
          "read_cost",
          [](const mb::poll_planner& p, mb::table t, std::uint32_t count) {
            return to_py_seconds(p.read_cost(t, count));
          },
          py::arg("table"), py::arg("count"), "Seconds for one read of count registers or bits.")
      .def_static(
          "total_cost",
          [](const std::vector<mb::planned_read>& plan) {
            return to_py_seconds(mb::poll_planner::total_cost(plan));
          },
          py::arg("plan"), "The predicted seconds to read a plan once.")
      .def("split", &mb::poll_planner::split, py::arg("failed"),
           "After a merged read failed (exception 02/03 or timeout): split it near its middle for "
           "every later plan. False when it cannot be split (one item: the item is at fault).")
      .def("splits", &mb::poll_planner::splits, py::arg("table"),
           "The learned splits of a table (boundaries no read crosses).")
      .def("add_split", &mb::poll_planner::add_split, py::arg("table"), py::arg("boundary"),
           "Adds a split by hand.")
      .def("forget_splits", &mb::poll_planner::forget_splits, "Forgets every learned split.")
      .def(
          "__repr__",
          [](const mb::poll_planner& p) {
            return "PollPlanner(max_registers=" + std::to_string(p.limits().max_registers) +
                   ", per_request=" + std::to_string(to_py_seconds(p.cost().per_request)) + ")";
          },
          "PollPlanner(...).");
}

}  // namespace firebus_py
