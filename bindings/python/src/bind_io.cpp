// firebus — fire-safety IoT SDK.
//
// firebus._firebus.gb26875: Client (UITD side) and Server (monitoring centre side), the Asio
// transports of GB/T 26875.3 over TCP.
//
// Threads. Each Python Client or Server owns one asio::io_context and one background thread that
// runs it (started by start() / listen()). Everything the C++ object does happens on that thread;
// its callbacks take the GIL there (pybind11#1087) and call the Python callables. A Python
// exception raised by a callback is reported through sys.unraisablehook and the I/O thread goes
// on. Blocking work (joining the thread, destroying the C++ object, which waits for a callback in
// progress) is done with the GIL released; calls into the C++ object that only post work are made
// with the GIL held: none of them takes a lock that a callback holds (gb26875_client.hpp,
// gb26875_server.hpp "Threads").
//
// Lifetime. close() (and __exit__, the destructor, and interpreter exit through atexit) stops the
// C++ object, lets the I/O thread flush for at most the linger time, joins it and destroys the
// C++ object with the GIL released. Called from a callback (on the I/O thread itself) it cannot
// join: it destroys the C++ object inline (allowed by the C++ API) and lets the thread end by
// itself; the destructor joins it later, or detaches it when the last reference goes away on the
// I/O thread itself (the thread then owns the io_context and frees it). The Python callables and
// futures live in a `hooks` object that the C++ callbacks share; they are released with the GIL
// held, before the C++ side lets go of the hooks.
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <pybind11/chrono.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/alarm/error.hpp>
#include <firebus/core/byte_writer.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/centre_session.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/gb26875/uitd_session.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/gb26875_server.hpp>
#include <firebus/text.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "io_common.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::gb26875::server_close_reason, ServerCloseReason,
                "firebus._firebus.gb26875.ServerCloseReason")

namespace firebus_py {
// This file's own helpers, in a namespace of their own (not io_common.hpp's io_detail, which the
// other transports' bindings use too), so that the binding sources can also be compiled together
// (the CMake unity build of firebus_python).
namespace gb_io_detail {

namespace gb = firebus::gb26875;

// ADU bytes from Python: bytes, bytearray, memoryview, or anything bytes() accepts (__bytes__).
struct adu_arg {
  std::string bytes;
};

// A duration from Python: a datetime.timedelta, or seconds as an int or a float (numpy numbers
// included; not bool). Seconds are rounded to the nearest microsecond, then to D's unit (minutes,
// milliseconds). Non-finite or beyond ±9.2e12 s: CoreError (out_of_range).
template <class D>
struct duration_arg {
  D value{};
};

}  // namespace gb_io_detail
}  // namespace firebus_py

namespace pybind11 {
namespace detail {

template <>
struct type_caster<firebus_py::gb_io_detail::adu_arg> {
  PYBIND11_TYPE_CASTER(firebus_py::gb_io_detail::adu_arg,
                       const_name("typing.Union[bytes, firebus._firebus.gb26875.Adu]"));
  bool load(handle src, bool) {
    if (!src || src.is_none() || PyUnicode_Check(src.ptr()) || PyLong_Check(src.ptr())) {
      return false;
    }
    if (!PyBytes_Check(src.ptr()) && !PyByteArray_Check(src.ptr()) &&
        !PyMemoryView_Check(src.ptr()) && hasattr(src, "encode")) {
      // The codec's Adu (firebus.gb26875.Adu): its encode() gives the bytes.
      object encoded = src.attr("encode")();
      if (!PyBytes_Check(encoded.ptr())) return false;
      value.bytes = encoded.cast<std::string>();
      return true;
    }
    PyObject* b = PyObject_Bytes(src.ptr());  // also objects with __bytes__
    if (b == nullptr) {
      PyErr_Clear();
      return false;
    }
    const bool ok = firebus_py::bytes_like(b, value.bytes);
    Py_DECREF(b);
    return ok;
  }
  static handle cast(const firebus_py::gb_io_detail::adu_arg& v, return_value_policy, handle) {
    return bytes(v.bytes).release();
  }
};

template <class D>
struct type_caster<firebus_py::gb_io_detail::duration_arg<D>> {
  PYBIND11_TYPE_CASTER(firebus_py::gb_io_detail::duration_arg<D>,
                       const_name("typing.Union[datetime.timedelta, float]"));
  bool load(handle src, bool) {
    if (!src || PyBool_Check(src.ptr())) return false;
    if (!PyDateTimeAPI) {
      PyDateTime_IMPORT;
      if (!PyDateTimeAPI) throw error_already_set();
    }
    firebus::duration us{};
    if (PyDelta_Check(src.ptr())) {
      // Exact in integers while the days fit 64-bit microseconds (±106 751 991 days).
      const long long days = PyDateTime_DELTA_GET_DAYS(src.ptr());
      const long long secs = PyDateTime_DELTA_GET_SECONDS(src.ptr());
      const long long micros = PyDateTime_DELTA_GET_MICROSECONDS(src.ptr());
      if (days > 106751990 || days < -106751990) {
        out_of_range(static_cast<double>(days) * 86400.0);
      }
      us = firebus::duration((days * 86400 + secs) * 1000000 + micros);
    } else if (PyFloat_Check(src.ptr()) || PyLong_Check(src.ptr()) || PyIndex_Check(src.ptr()) ||
               PyNumber_Check(src.ptr())) {
      double seconds = PyFloat_AsDouble(src.ptr());
      if (seconds == -1.0 && PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
          PyErr_Clear();
          return false;
        }
        PyErr_Clear();
        seconds = HUGE_VAL;  // an int too large for a float: out of range below
      }
      if (!firebus::try_from_seconds(seconds, us)) out_of_range(seconds);
    } else {
      return false;
    }
    if constexpr (std::is_same_v<D, firebus::duration>) {
      value.value = us;
    } else {
      value.value = std::chrono::round<D>(us);
    }
    return true;
  }
  static handle cast(const firebus_py::gb_io_detail::duration_arg<D>& v, return_value_policy p,
                     handle parent) {
    return make_caster<D>::cast(v.value, p, parent);
  }

 private:
  [[noreturn]] static void out_of_range(double seconds) {
    std::ostringstream s;
    s << "duration of " << seconds << " s (at most ±9.2e12 s)";
    firebus_py::raise(firebus::make_error_code(firebus::errc::out_of_range), s.str());
  }
};

}  // namespace detail
}  // namespace pybind11

namespace firebus_py {
namespace gb_io_detail {

using namespace io_detail;

using namespace std::chrono_literals;

// --- callable signatures (stub names)
// -------------------------------------------------------------
#define FIREBUS_PY_CALLABLE(TAG, TEXT)                   \
  struct TAG {                                           \
    static constexpr auto name = py::detail::const_name( \
        "typing.Optional["                               \
        "typing.Callable[" TEXT "]]");                   \
  };
FIREBUS_PY_CALLABLE(delivered_sig, "[int, int, datetime.timedelta], None")
FIREBUS_PY_CALLABLE(failed_sig, "[int, firebus._firebus.Error], None")
FIREBUS_PY_CALLABLE(connected_sig, "[], None")
FIREBUS_PY_CALLABLE(disconnected_sig, "[firebus._firebus.Error], None")
FIREBUS_PY_CALLABLE(event_sig, "[firebus._firebus.gb26875.ClientEvent], None")
FIREBUS_PY_CALLABLE(duty_sig, "[firebus._firebus.gb26875.ClientEvent], typing.Optional[int]")
FIREBUS_PY_CALLABLE(client_error_sig, "[firebus._firebus.Error, str], None")
FIREBUS_PY_CALLABLE(provider_sig,
                    "[bytes], typing.Union[bytes, firebus._firebus.gb26875.Adu, None]")
FIREBUS_PY_CALLABLE(connect_sig, "[int, str], None")
FIREBUS_PY_CALLABLE(message_sig, "[firebus._firebus.gb26875.ServerMessage], typing.Optional[bool]")
FIREBUS_PY_CALLABLE(heartbeat_sig, "[firebus._firebus.gb26875.ServerMessage], None")
FIREBUS_PY_CALLABLE(answer_sig, "[firebus._firebus.gb26875.ServerMessage], None")
FIREBUS_PY_CALLABLE(request_failed_sig, "[int, int, firebus._firebus.Error], None")
FIREBUS_PY_CALLABLE(close_sig, "[int, firebus._firebus.gb26875.ServerCloseReason], None")
FIREBUS_PY_CALLABLE(server_error_sig, "[int, firebus._firebus.Error, str], None")
#undef FIREBUS_PY_CALLABLE
#define FIREBUS_PY_TYPED(TAG, TEXT)                            \
  struct TAG {                                                 \
    static constexpr auto name = py::detail::const_name(TEXT); \
  };
FIREBUS_PY_TYPED(delivery_future_t, "concurrent.futures.Future[firebus._firebus.gb26875.Delivery]")
FIREBUS_PY_TYPED(answer_future_t,
                 "concurrent.futures.Future[firebus._firebus.gb26875.ServerMessage]")
FIREBUS_PY_TYPED(error_or_none_t, "typing.Optional[firebus._firebus.Error]")
FIREBUS_PY_TYPED(datetime_or_none_t, "typing.Optional[datetime.datetime]")
FIREBUS_PY_TYPED(adu_t, "firebus._firebus.gb26875.Adu")
FIREBUS_PY_TYPED(exc_type_t, "typing.Optional[typing.Type[BaseException]]")
FIREBUS_PY_TYPED(exc_t, "typing.Optional[BaseException]")
FIREBUS_PY_TYPED(tb_t, "typing.Optional[types.TracebackType]")
#undef FIREBUS_PY_TYPED

// How long close() lets the I/O thread flush before it stops the io_context regardless.
constexpr std::chrono::milliseconds close_grace = gb::server_close_linger + 500ms;

// The std::error_code of a firebus.Error instance (its category and code attributes); none for
// code 0 or a category firebus does not know.
std::error_code error_code_of(const py::handle& exc) {
  try {
    const std::string cat = py::str(exc.attr("category")).cast<std::string>();
    const int code = exc.attr("code").cast<int>();
    const std::error_category* c = nullptr;
    if (cat == firebus::core_category().name()) c = &firebus::core_category();
    if (cat == gb::category().name()) c = &gb::category();
    if (cat == firebus::alarm::category().name()) c = &firebus::alarm::category();
    if (cat == firebus::text_category().name()) c = &firebus::text_category();
    if (cat == std::generic_category().name()) c = &std::generic_category();
    if (cat == std::system_category().name()) c = &std::system_category();
    if (c == nullptr || code == 0) return {};
    return {code, *c};
  } catch (const std::exception&) {  // no such attributes, or not an int
    PyErr_Clear();
    return {};
  }
}

py::object datetime_of(const gb::time_tag& t) {
  if (!t.valid()) return py::none();
  return py::module_::import("datetime")
      .attr("datetime")(2000 + t.year, t.month, t.day, t.hour, t.minute, t.second);
}

py::object utc_datetime_of(firebus::utc_time t) {
  py::module_ dt = py::module_::import("datetime");
  py::object epoch =
      dt.attr("datetime")(1970, 1, 1, py::arg("tzinfo") = dt.attr("timezone").attr("utc"));
  return epoch + dt.attr("timedelta")(py::arg("microseconds") = t.time_since_epoch().count());
}

// A code as the Python enum of another area (e.g. the codec's Command), through the shared
// enum registry, typed int: an IntEnum member is one. A plain int if the class does not exist.
template <class E>
py::int_ code_as(E v) {
  py::int_ raw(static_cast<long long>(static_cast<std::underlying_type_t<E>>(v)));
  if (PyObject* cls = enum_registry<E>::type) {
    PyObject* r = PyObject_CallOneArg(cls, raw.ptr());
    if (r != nullptr) return py::reinterpret_steal<py::int_>(r);
    PyErr_Clear();
  }
  return raw;
}

std::string hex_address(std::uint64_t a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%012llx", static_cast<unsigned long long>(a));
  return buf;
}

// Decodes ADU bytes for the C++ API (the adu keeps views into `bytes`, which must outlive it).
gb::adu decode_for_send(const std::string& bytes, const char* context) {
  std::error_code ec;
  gb::adu a = gb::decode_adu(
      firebus::byte_view(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), ec);
  check(ec, context);
  return a;
}

py::object new_future() { return py::module_::import("concurrent.futures").attr("Future")(); }

// --- Client
// -----------------------------------------------------------------------------------------
enum client_slot : std::size_t {
  cs_delivered,
  cs_failed,
  cs_connected,
  cs_disconnected,
  cs_event,
  cs_error,
  cs_provider,
  cs_duty_check,
  cs_clock_sync,
  cs_init_request,
  cs_count
};
using client_hooks = hooks<cs_count>;

// What a Future of Client.send_future() resolves to.
struct delivery {
  std::uint64_t id = 0;
  int attempts = 0;
  firebus::duration latency{};
};

// An event of the client's engine (gb::uitd_event), for Python.
struct client_event {
  gb::uitd_event e;
};

class py_client final : public closeable {
 public:
  explicit py_client(const gb::client_config& cfg)
      : hooks_(std::make_shared<client_hooks>("firebus.gb26875.Client callback")), config_(cfg) {
    std::error_code ec;
    client_ = std::make_unique<gb::client>(runner_.io(), cfg, ec);
    check(ec, "gb26875.Client: invalid configuration");
    install();
    live().insert(this);
  }
  ~py_client() override {
    close();
    if (runner_.has_thread()) {
      if (runner_.on_io_thread()) {
        runner_.abandon();
      } else {
        py::gil_scoped_release nogil;
        runner_.join(close_grace);
      }
    }
  }
  py_client(const py_client&) = delete;
  py_client& operator=(const py_client&) = delete;

  const gb::client_config& config() const { return config_; }
  std::shared_ptr<client_hooks> hooks_ptr() const { return hooks_; }
  client_hooks& h() { return *hooks_; }

  void start() {
    cl();
    if (!runner_.on_io_thread()) {
      py::gil_scoped_release nogil;
      runner_.run();
    } else {
      runner_.run();
    }
    cl().start();
  }

  void stop() {
    if (!client_) return;
    client_->stop();
    runner_.wind_down();
  }

  void close() override {
    if (closed_) {
      runner_.join_left(close_grace);
      return;
    }
    closed_ = true;
    live().erase(this);
    io_detail::end_transport(runner_, *hooks_, std::move(client_), close_grace);
  }

  bool closed() const { return closed_; }

  std::uint64_t send(const adu_arg& a, std::optional<gb::message_priority> p) {
    return submit(a, p, nullptr);
  }
  typed<delivery_future_t> send_future(const adu_arg& a, std::optional<gb::message_priority> p) {
    py::object fut = new_future();
    submit(a, p, &fut);
    return {fut};
  }
  void set_wall_clock(double utc_seconds) { cl().set_wall_clock(py_utc_time(utc_seconds)); }
  std::uint64_t answer_duty_check(std::uint8_t operator_id, py::object* fut) {
    std::error_code ec;
    const std::uint64_t id = cl().answer_duty_check(operator_id, ec);
    check(ec, "gb26875.Client.answer_duty_check");
    if (fut) {
      fut->attr("id") = id;
      hooks_->futures[id] = *fut;
    }
    return id;
  }

  std::size_t pending() { return client_ ? client_->pending() : 0; }
  bool is_connected() { return client_ && client_->is_connected(); }
  bool running() const { return client_ && runner_.running(); }
  gb::client_counters counters() {
    gb::client_counters c = cl().counters();
    c.callback_errors += hooks_->errors.load();
    return c;
  }

 private:
  gb::client& cl() {
    if (!client_) {
      raise(gb::make_error_code(gb::errc::not_connected), "gb26875.Client: closed");
    }
    return *client_;
  }

  // With the GIL held, so that the future is registered before the I/O thread can settle it.
  std::uint64_t submit(const adu_arg& a, std::optional<gb::message_priority> p, py::object* fut) {
    gb::client& c = cl();
    const gb::adu decoded = decode_for_send(a.bytes, "gb26875.Client.send");
    std::error_code ec;
    const std::uint64_t id = p ? c.submit(decoded, *p, ec) : c.submit(decoded, ec);
    check(ec, "gb26875.Client.send");
    if (fut) {
      fut->attr("id") = id;
      hooks_->futures[id] = *fut;
    }
    return id;
  }

  void install() {
    auto h = hooks_;
    gb::client* raw = client_.get();
    raw->on_delivered([h](std::uint64_t id, int attempts, firebus::duration latency) {
      h->call([&] {
        if (py::object f = h->get(cs_delivered)) f(id, attempts, latency);
      });
      h->call([&] {
        py::object fut = h->take_future(id);
        if (fut) client_hooks::settle(fut, py::cast(delivery{id, attempts, latency}));
      });
    });
    raw->on_failed([h](std::uint64_t id, std::error_code ec) {
      h->call([&] {
        if (py::object f = h->get(cs_failed)) f(id, error_object(ec));
      });
      h->call([&] {
        py::object fut = h->take_future(id);
        if (fut) client_hooks::settle_error(fut, ec);
      });
    });
    raw->on_connected([h] {
      h->call([&] {
        if (py::object f = h->get(cs_connected)) f();
      });
    });
    raw->on_disconnected([h](std::error_code ec) {
      h->call([&] {
        if (py::object f = h->get(cs_disconnected)) f(error_object(ec));
      });
    });
    raw->on_error([h](std::error_code ec, const std::string& what) {
      h->call([&] {
        if (py::object f = h->get(cs_error)) f(error_object(ec), what);
      });
    });
    raw->on_event([h, raw](const gb::uitd_event& e) {
      h->call([&] {
        if (py::object f = h->get(cs_event)) f(client_event{e});
      });
      const std::size_t slot = e.kind == gb::uitd_event_kind::duty_check     ? cs_duty_check
                               : e.kind == gb::uitd_event_kind::clock_sync   ? cs_clock_sync
                               : e.kind == gb::uitd_event_kind::init_request ? cs_init_request
                                                                             : cs_count;
      if (slot == cs_count) return;
      h->call([&] {
        py::object f = h->get(slot);
        if (!f) return;
        py::object r = f(client_event{e});
        if (slot == cs_duty_check && !r.is_none()) {
          std::error_code ec;
          raw->answer_duty_check(r.cast<std::uint8_t>(), ec);
          check(ec, "gb26875.Client: answering the duty check");
        }
      });
    });
    // The deny's reason (ec) reaches the client's own request_denied ClientEvent; the deny frame
    // itself carries none (GB/T 26875.3 §6.5.3). Returning None: no reason (the engine says
    // operation not supported). Raising a firebus.Error: its (code, category), quietly. Raising
    // anything else or returning a non-ADU: operation canceled (as a C++ provider that throws),
    // and the exception goes to sys.unraisablehook. A response that does not decode: its error.
    raw->set_data_provider([h](const gb::adu& request, gb::adu& response, std::error_code& ec) {
      bool ok = false;
      std::vector<std::uint8_t> req;
      firebus::byte_writer w(req, gb::max_adu_size);
      gb::encode_adu(request, w, ec);
      if (ec) return false;
      h->call([&] {
        py::object f = h->get(cs_provider);
        if (!f) return;
        py::object r;
        try {
          r = f(py::bytes(reinterpret_cast<const char*>(req.data()), req.size()));
        } catch (py::error_already_set& e) {
          if (e.matches(py::module_::import("firebus._firebus").attr("Error"))) {
            ec = error_code_of(e.value());  // a deliberate deny, with its reason
            return;
          }
          ec = std::make_error_code(std::errc::operation_canceled);
          throw;  // reported by call()
        }
        if (r.is_none()) return;
        ec = std::make_error_code(std::errc::operation_canceled);  // until it decodes
        py::detail::make_caster<adu_arg> bytes_of;
        if (!bytes_of.load(r, true)) {
          PyErr_SetString(PyExc_TypeError,
                          ("gb26875.Client.data_provider returned " +
                           py::str(py::type::of(r).attr("__name__")).cast<std::string>() +
                           "; bytes, an Adu or None expected")
                              .c_str());
          throw py::error_already_set();
        }
        const std::string& s = static_cast<adu_arg&>(bytes_of).bytes;
        h->buffer.assign(s.begin(), s.end());
        response = gb::decode_adu(firebus::byte_view(h->buffer.data(), h->buffer.size()), ec);
        ok = !ec;
      });
      return ok;
    });
  }

  runner runner_{close_grace};  // first: destroyed last, after the client
  std::shared_ptr<client_hooks> hooks_;
  std::unique_ptr<gb::client> client_;
  gb::client_config config_;
  bool closed_ = false;
};

// --- Server
// -----------------------------------------------------------------------------------------
enum server_slot : std::size_t {
  ss_connect,
  ss_message,
  ss_heartbeat,
  ss_answer,
  ss_request_failed,
  ss_close,
  ss_error,
  ss_users,  // not a callback: the UserTypes of the configuration, for ServerMessage
  ss_count
};
using server_hooks = hooks<ss_count>;

// ServerConfig: the C++ settings, and the Python UserTypes that centre.users points into (held,
// so that the registry lives as long as any copy of the settings; copied with the GIL held).
struct server_config_py : gb::server_config {
  py::object users;  // a firebus.gb26875.UserTypes, or null
  void set_users(const users_arg& u) {
    centre.users = u.types();
    users = centre.users != nullptr ? u.obj : py::object();
  }
};

// A frame the centre received: a message, a heartbeat or an answer to a request or control.
// Made and copied with the GIL held (it holds `users`).
struct server_message {
  enum class kind_t { message, heartbeat, answer } kind = kind_t::message;
  gb::connection_id connection = 0;
  std::uint64_t id = 0;  // answers: the request's id
  gb::header hdr;
  std::string adu;
  std::uint64_t token = 0;
  bool duplicate = false;
  py::object users;  // the Server's UserTypes, or null
};

class py_server final : public closeable {
 public:
  explicit py_server(const server_config_py& cfg)
      : hooks_(std::make_shared<server_hooks>("firebus.gb26875.Server callback")), config_(cfg) {
    std::error_code ec;
    cfg.validate(ec);
    check(ec, "gb26875.Server: invalid configuration");
    // The I/O thread reads the registry without the GIL: it gets a copy of its own, which
    // add_fixed()/add_variable() on the Python object cannot race with. The copy points at
    // names and callables that the UserTypes keeps (and never frees) while config_ holds it.
    gb::server_config c = cfg;
    if (cfg.centre.users != nullptr) {
      users_ = std::make_unique<gb::user_types>(*cfg.centre.users);
      c.centre.users = users_.get();
      hooks_->slots[ss_users] = cfg.users;
    }
    server_ = std::make_unique<gb::server>(runner_.io(), c);
    install();
    live().insert(this);
  }
  ~py_server() override {
    close();
    if (runner_.has_thread()) {
      if (runner_.on_io_thread()) {
        runner_.abandon();
      } else {
        py::gil_scoped_release nogil;
        runner_.join(close_grace);
      }
    }
  }
  py_server(const py_server&) = delete;
  py_server& operator=(const py_server&) = delete;

  const server_config_py& config() const { return config_; }
  server_hooks& h() { return *hooks_; }

  std::uint16_t listen() {
    srv();
    if (!runner_.on_io_thread()) {
      py::gil_scoped_release nogil;
      runner_.run();
    } else {
      runner_.run();
    }
    std::error_code ec;
    srv().start(ec);
    if (ec) {
      if (!runner_.on_io_thread()) {
        py::gil_scoped_release nogil;
        runner_.join(close_grace);
      } else {
        runner_.wind_down();
      }
      check(ec, "gb26875.Server.listen");
    }
    return srv().local_port();
  }

  void close() override {
    if (closed_) {
      runner_.join_left(close_grace);
      return;
    }
    closed_ = true;
    live().erase(this);
    io_detail::end_transport(runner_, *hooks_, std::move(server_), close_grace);
  }
  bool closed() const { return closed_; }

  std::uint16_t port() const { return server_ ? server_->local_port() : 0; }

  std::uint64_t send(gb::connection_id c, const adu_arg& a, bool control, py::object* fut) {
    gb::server& s = srv();
    const char* ctx = control ? "gb26875.Server.control" : "gb26875.Server.request";
    const gb::adu decoded = decode_for_send(a.bytes, ctx);
    std::error_code ec;
    const std::uint64_t id = control ? s.control(c, decoded, ec) : s.request(c, decoded, ec);
    check(ec, ctx);
    if (fut) {
      fut->attr("id") = id;
      hooks_->futures[id] = *fut;
    }
    return id;
  }

  void accept(gb::connection_id c, std::uint64_t token) { srv().accept(c, token); }
  void reject(gb::connection_id c, std::uint64_t token) { srv().reject(c, token); }
  void close_connection(gb::connection_id c) { srv().close(c); }
  gb::connection_id find_by_address(std::uint64_t a) { return srv().find_by_address(a); }
  std::vector<gb::connection_id> connections() {
    return server_ ? server_->connections() : std::vector<gb::connection_id>{};
  }
  gb::server_counters counters() {
    gb::server_counters c = srv().counters();
    c.handler_exceptions += hooks_->errors.load();
    return c;
  }

 private:
  gb::server& srv() {
    if (!server_) raise(gb::make_error_code(gb::errc::not_connected), "gb26875.Server: closed");
    return *server_;
  }

  void install() {
    auto h = hooks_;
    gb::server* raw = server_.get();
    raw->on_connect([h](gb::connection_id c, const std::string& remote) {
      h->call([&] {
        if (py::object f = h->get(ss_connect)) f(c, remote);
      });
    });
    raw->on_message([h, raw](gb::connection_id c, const gb::centre_session::message& m) {
      h->call([&] {
        py::object f = h->get(ss_message);
        if (!f) return;
        server_message sm;
        sm.kind = server_message::kind_t::message;
        sm.connection = c;
        sm.hdr = m.hdr;
        sm.adu.assign(m.adu_bytes.begin(), m.adu_bytes.end());
        sm.token = m.token;
        sm.duplicate = m.duplicate;
        sm.users = h->get(ss_users);
        py::object r = f(std::move(sm));
        if (m.token != 0 && PyBool_Check(r.ptr())) {
          if (r.cast<bool>()) {
            raw->accept(c, m.token);
          } else {
            raw->reject(c, m.token);
          }
        }
      });
    });
    raw->on_heartbeat([h](gb::connection_id c, const gb::centre_session::heartbeat& hb) {
      h->call([&] {
        py::object f = h->get(ss_heartbeat);
        if (!f) return;
        server_message sm;
        sm.kind = server_message::kind_t::heartbeat;
        sm.connection = c;
        sm.hdr = hb.hdr;
        f(std::move(sm));
      });
    });
    raw->on_answer([h](gb::connection_id c, std::uint64_t id, const gb::centre_session::answer& a) {
      const auto make = [&] {  // with the GIL
        server_message sm;
        sm.kind = server_message::kind_t::answer;
        sm.connection = c;
        sm.id = id;
        sm.hdr = a.hdr;
        sm.adu.assign(a.adu_bytes.begin(), a.adu_bytes.end());
        sm.users = h->get(ss_users);
        return sm;
      };
      h->call([&] {
        if (py::object f = h->get(ss_answer)) f(make());
      });
      h->call([&] {
        py::object fut = h->take_future(id);
        if (fut) server_hooks::settle(fut, py::cast(make()));
      });
    });
    raw->on_request_failed([h](gb::connection_id c, std::uint64_t id, std::error_code ec) {
      h->call([&] {
        if (py::object f = h->get(ss_request_failed)) f(c, id, error_object(ec));
      });
      h->call([&] {
        py::object fut = h->take_future(id);
        if (fut) server_hooks::settle_error(fut, ec);
      });
    });
    raw->on_close([h](gb::connection_id c, gb::server_close_reason r) {
      h->call([&] {
        if (py::object f = h->get(ss_close)) f(c, r);
      });
    });
    raw->on_error([h](gb::connection_id c, std::error_code ec, const std::string& what) {
      h->call([&] {
        if (py::object f = h->get(ss_error)) f(c, error_object(ec), what);
      });
    });
  }

  runner runner_{close_grace};
  std::shared_ptr<server_hooks> hooks_;
  server_config_py config_;                // holds the UserTypes that users_ points into
  std::unique_ptr<gb::user_types> users_;  // the server's copy of the registry
  std::unique_ptr<gb::server> server_;     // last: destroyed first
  bool closed_ = false;
};

// --- helpers for the bindings ------------------------------------------------------------------
template <class E>
void ensure_enum(py::module_& m, const char* name,
                 std::initializer_list<std::pair<const char*, E>> values, const char* doc) {
  // Another area may have created it already (same C++ enum, same Python name): share it.
  if (enum_registry<E>::type != nullptr && py::hasattr(m, name)) return;
  make_enum<E>(m, name, "firebus.gb26875", values, doc);
}

std::string seconds_text(firebus::duration d) {
  std::ostringstream s;
  s << static_cast<double>(d.count()) / 1e6 << "s";
  return s.str();
}

using dur_us = duration_arg<firebus::duration>;
using dur_min = duration_arg<std::chrono::minutes>;
using dur_ms = duration_arg<std::chrono::milliseconds>;

// A keyword argument's default duration (shown as a timedelta).
template <class D>
py::arg_v dur_default(const char* name, D value) {
  return py::arg(name) = duration_arg<D>{value};
}

// The type a setter takes for a field of type T (durations: also int and float seconds).
template <class T>
struct in_arg {
  using type = T;
};
template <class R, class P>
struct in_arg<std::chrono::duration<R, P>> {
  using type = duration_arg<std::chrono::duration<R, P>>;
};
template <class T>
using in_t = typename in_arg<T>::type;
template <class T>
const T& in_value(const T& v) {
  return v;
}
template <class D>
D in_value(const duration_arg<D>& v) {
  return v.value;
}

// A read-write duration property of a configuration class.
template <class Cls, class Base, class D>
void duration_property(py::class_<Cls>& c, const char* name, D Base::*pm, const char* doc) {
  c.def_property(
      name, [pm](const Cls& x) { return x.*pm; },
      [pm](Cls& x, const duration_arg<D>& v) { x.*pm = v.value; }, doc);
}

// Attribute access to a slot of a hooks object, as a read-write property of the Python class.
template <class Tag, class Cls>
void callback_property(py::class_<Cls>& cls, const char* name, std::size_t slot, const char* doc) {
  cls.def_property(
      name, [slot](Cls& self) { return callable<Tag>{self.h().slots[slot]}; },
      [slot](Cls& self, const callable<Tag>& f) { self.h().slots[slot] = f.fn; }, doc);
}

void bind_client_config(py::module_& m) {
  using cfg_t = gb::client_config;
  const cfg_t d;
  py::class_<cfg_t> c(m, "ClientConfig",
                      "Settings of a Client (C++ gb26875::client_config, with the engine's "
                      "uitd_session_config fields flattened). Durations read as "
                      "datetime.timedelta; they accept a timedelta or seconds as an int or a "
                      "float (rounded to the microsecond; utc_offset to the minute).");
  c.def(py::init([](std::string host, std::uint16_t port, std::uint64_t address,
                    std::uint64_t centre_address, const dur_us& answer_timeout,
                    const dur_us& fire_answer_timeout, int retries, const dur_us& heartbeat,
                    const dur_min& utc_offset, std::uint8_t version_minor, std::size_t max_queue,
                    std::size_t max_outputs, const dur_us& max_age, std::uint16_t first_serial,
                    bool adopt_clock_sync, const dur_us& backoff_initial, const dur_us& backoff_max,
                    unsigned backoff_factor, unsigned backoff_jitter_permille,
                    std::uint64_t backoff_seed, const dur_us& connect_timeout,
                    std::size_t read_buffer_size, const dur_us& idle_flush) {
          cfg_t x;
          x.host = std::move(host);
          x.port = port;
          x.session.address = address;
          x.session.centre_address = centre_address;
          x.session.answer_timeout = answer_timeout.value;
          x.session.fire_answer_timeout = fire_answer_timeout.value;
          x.session.retries = retries;
          x.session.heartbeat = heartbeat.value;
          x.session.utc_offset = utc_offset.value;
          x.session.version_minor = version_minor;
          x.session.max_queue = max_queue;
          x.session.max_outputs = max_outputs;
          x.session.max_age = max_age.value;
          x.session.first_serial = first_serial;
          x.session.adopt_clock_sync = adopt_clock_sync;
          x.session.backoff_initial = backoff_initial.value;
          x.session.backoff_max = backoff_max.value;
          x.session.backoff_factor = backoff_factor;
          x.session.backoff_jitter_permille = backoff_jitter_permille;
          x.session.backoff_seed = backoff_seed;
          x.connect_timeout = connect_timeout.value;
          x.read_buffer_size = read_buffer_size;
          x.idle_flush = idle_flush.value;
          return x;
        }),
        py::kw_only(), py::arg("host") = d.host, py::arg("port") = d.port,
        py::arg("address") = d.session.address,
        py::arg("centre_address") = d.session.centre_address,
        dur_default("answer_timeout", d.session.answer_timeout),
        dur_default("fire_answer_timeout", d.session.fire_answer_timeout),
        py::arg("retries") = d.session.retries, dur_default("heartbeat", d.session.heartbeat),
        dur_default("utc_offset", d.session.utc_offset),
        py::arg("version_minor") = d.session.version_minor,
        py::arg("max_queue") = d.session.max_queue, py::arg("max_outputs") = d.session.max_outputs,
        dur_default("max_age", d.session.max_age), py::arg("first_serial") = d.session.first_serial,
        py::arg("adopt_clock_sync") = d.session.adopt_clock_sync,
        dur_default("backoff_initial", d.session.backoff_initial),
        dur_default("backoff_max", d.session.backoff_max),
        py::arg("backoff_factor") = d.session.backoff_factor,
        py::arg("backoff_jitter_permille") = d.session.backoff_jitter_permille,
        py::arg("backoff_seed") = d.session.backoff_seed,
        dur_default("connect_timeout", d.connect_timeout),
        py::arg("read_buffer_size") = d.read_buffer_size, dur_default("idle_flush", d.idle_flush),
        "Every setting as a keyword argument; the defaults are the C++ defaults (answer "
        "timeout 10 s, 3 s for fire messages, 3 retries, heartbeat 30 s, UTC+8, back-off "
        "1 s .. 60 s).");
  c.def_readwrite("host", &cfg_t::host, "The centre: a host name or a numeric address.");
  c.def_readwrite("port", &cfg_t::port, "The centre's TCP port (> 0).");
#define FIREBUS_PY_SESSION_FIELD(NAME, DOC)                                  \
  c.def_property(                                                            \
      #NAME, [](const cfg_t& x) { return x.session.NAME; },                  \
      [](cfg_t& x, const in_t<decltype(gb::uitd_session_config::NAME)>& v) { \
        x.session.NAME = in_value(v);                                        \
      },                                                                     \
      DOC)
  FIREBUS_PY_SESSION_FIELD(address, "This UITD's 6-byte address (the source of its frames).");
  FIREBUS_PY_SESSION_FIELD(centre_address, "The centre's 6-byte address (the destination).");
  FIREBUS_PY_SESSION_FIELD(answer_timeout,
                           "Wait this long for a confirm before retransmitting (§6.5.4: 10 s).");
  FIREBUS_PY_SESSION_FIELD(fire_answer_timeout,
                           "How long a fire message waits for an answer (its own confirm, or the "
                           "confirm of a less urgent message in flight, which then gives way) "
                           "before it is (re)transmitted; the lesser of this and answer_timeout "
                           "(default 3 s).");
  FIREBUS_PY_SESSION_FIELD(retries, "Retransmissions before a message fails (§6.5.5: 3).");
  FIREBUS_PY_SESSION_FIELD(heartbeat,
                           "Send an empty send-data frame after this long idle; 0: never.");
  FIREBUS_PY_SESSION_FIELD(utc_offset, "The time zone of time tags (default +8 h).");
  FIREBUS_PY_SESSION_FIELD(version_minor, "The protocol user version sent in every frame.");
  FIREBUS_PY_SESSION_FIELD(max_queue, "Messages held, the one in flight included (>= 1).");
  FIREBUS_PY_SESSION_FIELD(max_outputs, "Engine outputs waiting to be handled (>= 1).");
  FIREBUS_PY_SESSION_FIELD(max_age, "Fail a message not delivered this long after send; 0: never.");
  FIREBUS_PY_SESSION_FIELD(first_serial, "Business serial number of the first transaction.");
  FIREBUS_PY_SESSION_FIELD(adopt_clock_sync,
                           "A clock sync from the centre (type 90) also sets the engine's clock.");
  FIREBUS_PY_SESSION_FIELD(backoff_initial, "Reconnect back-off: the first delay (> 0).");
  FIREBUS_PY_SESSION_FIELD(backoff_max, "Reconnect back-off: the cap (>= backoff_initial).");
  FIREBUS_PY_SESSION_FIELD(backoff_factor, "Reconnect back-off: the factor (>= 1).");
  FIREBUS_PY_SESSION_FIELD(backoff_jitter_permille,
                           "Reconnect back-off: the jitter, in per mille of the delay (0..1000).");
  FIREBUS_PY_SESSION_FIELD(backoff_seed, "Reconnect back-off: the seed of the jitter.");
#undef FIREBUS_PY_SESSION_FIELD
  duration_property(c, "connect_timeout", &cfg_t::connect_timeout,
                    "Give up a connection attempt (resolve and connect) after this long.");
  c.def_readwrite("read_buffer_size", &cfg_t::read_buffer_size, "Bytes per socket read (>= 1).");
  duration_property(c, "idle_flush", &cfg_t::idle_flush,
                    "Flush the deframer after this long without new bytes.");
  c.def(
      "validate", [](const cfg_t& x) { check(gb::validate(x), "gb26875.ClientConfig"); },
      "Raises firebus.Error if a setting is out of range (as the Client constructor would).");
  c.def("__repr__", [](const cfg_t& x) {
    std::ostringstream s;
    s << "ClientConfig(host='" << x.host << "', port=" << x.port
      << ", address=" << hex_address(x.session.address)
      << ", centre_address=" << hex_address(x.session.centre_address)
      << ", answer_timeout=" << seconds_text(x.session.answer_timeout)
      << ", retries=" << x.session.retries << ", heartbeat=" << seconds_text(x.session.heartbeat)
      << ")";
    return s.str();
  });
}

void bind_server_config(py::module_& m) {
  using cfg_t = server_config_py;
  const cfg_t d;
  py::class_<cfg_t> c(m, "ServerConfig",
                      "Settings of a Server (C++ gb26875::server_config, with the engine's "
                      "centre_config fields flattened). Durations read as datetime.timedelta; "
                      "they accept a timedelta or seconds as an int or a float (rounded to the "
                      "microsecond; utc_offset to the minute, flush_after to the millisecond). "
                      "Port 0 picks an ephemeral port (Server.port).");
  c.def(py::init(
            [](std::string listen_address, std::uint16_t port, std::uint64_t address,
               gb::confirm_policy confirm, const dur_us& answer_timeout, int retries,
               const dur_us& idle_timeout, std::size_t rate_max_frames, const dur_us& rate_window,
               std::size_t max_consecutive_errors, std::size_t max_pending_requests,
               std::size_t max_unconfirmed, std::size_t duplicate_history, std::size_t max_outputs,
               std::uint16_t first_serial, const dur_min& utc_offset, std::size_t max_connections,
               std::size_t read_buffer_size, std::size_t max_write_queue_bytes,
               const dur_ms& flush_after, const users_arg& users) {
              cfg_t x;
              x.listen_address = std::move(listen_address);
              x.port = port;
              x.centre.address = address;
              x.centre.confirm = confirm;
              x.centre.answer_timeout = answer_timeout.value;
              x.centre.retries = retries;
              x.centre.idle_timeout = idle_timeout.value;
              x.centre.rate_max_frames = rate_max_frames;
              x.centre.rate_window = rate_window.value;
              x.centre.max_consecutive_errors = max_consecutive_errors;
              x.centre.max_pending_requests = max_pending_requests;
              x.centre.max_unconfirmed = max_unconfirmed;
              x.centre.duplicate_history = duplicate_history;
              x.centre.max_outputs = max_outputs;
              x.centre.first_serial = first_serial;
              x.centre.utc_offset = utc_offset.value;
              x.max_connections = max_connections;
              x.read_buffer_size = read_buffer_size;
              x.max_write_queue_bytes = max_write_queue_bytes;
              x.flush_after = flush_after.value;
              x.set_users(users);
              return x;
            }),
        py::kw_only(), py::arg("listen_address") = d.listen_address, py::arg("port") = d.port,
        py::arg("address") = d.centre.address,
        py::arg_v("confirm", d.centre.confirm, "ConfirmPolicy.immediate"),
        dur_default("answer_timeout", d.centre.answer_timeout),
        py::arg("retries") = d.centre.retries, dur_default("idle_timeout", d.centre.idle_timeout),
        py::arg("rate_max_frames") = d.centre.rate_max_frames,
        dur_default("rate_window", d.centre.rate_window),
        py::arg("max_consecutive_errors") = d.centre.max_consecutive_errors,
        py::arg("max_pending_requests") = d.centre.max_pending_requests,
        py::arg("max_unconfirmed") = d.centre.max_unconfirmed,
        py::arg("duplicate_history") = d.centre.duplicate_history,
        py::arg("max_outputs") = d.centre.max_outputs,
        py::arg("first_serial") = d.centre.first_serial,
        dur_default("utc_offset", d.centre.utc_offset),
        py::arg("max_connections") = d.max_connections,
        py::arg("read_buffer_size") = d.read_buffer_size,
        py::arg("max_write_queue_bytes") = d.max_write_queue_bytes,
        dur_default("flush_after", d.flush_after), py::arg("users") = py::none(),
        "Every setting as a keyword argument; the defaults are the C++ defaults.");
  c.def_readwrite("listen_address", &cfg_t::listen_address,
                  "The address to listen on (IPv4 or IPv6 literal).");
  c.def_readwrite("port", &cfg_t::port, "The TCP port; 0 picks an ephemeral one.");
#define FIREBUS_PY_CENTRE_FIELD(NAME, DOC)                             \
  c.def_property(                                                      \
      #NAME, [](const cfg_t& x) { return x.centre.NAME; },             \
      [](cfg_t& x, const in_t<decltype(gb::centre_config::NAME)>& v) { \
        x.centre.NAME = in_value(v);                                   \
      },                                                               \
      DOC)
  FIREBUS_PY_CENTRE_FIELD(address, "The centre's own 6-byte address.");
  FIREBUS_PY_CENTRE_FIELD(confirm, "When messages are confirmed (ConfirmPolicy).");
  FIREBUS_PY_CENTRE_FIELD(answer_timeout, "Wait this long for a confirm or response (§6.5.4).");
  FIREBUS_PY_CENTRE_FIELD(retries, "Retransmissions of requests and controls (§6.5.5: 3).");
  FIREBUS_PY_CENTRE_FIELD(idle_timeout, "Close after this long without a valid frame; 0: never.");
  FIREBUS_PY_CENTRE_FIELD(rate_max_frames, "At most this many inputs per rate_window.");
  FIREBUS_PY_CENTRE_FIELD(rate_window, "The window of rate_max_frames.");
  FIREBUS_PY_CENTRE_FIELD(max_consecutive_errors, "Bad inputs in a row tolerated.");
  FIREBUS_PY_CENTRE_FIELD(max_pending_requests, "Requests waiting behind the one in flight.");
  FIREBUS_PY_CENTRE_FIELD(max_unconfirmed, "Messages awaiting accept() (after_accept policy).");
  FIREBUS_PY_CENTRE_FIELD(duplicate_history, "Confirmed messages remembered for duplicates.");
  FIREBUS_PY_CENTRE_FIELD(max_outputs, "Engine outputs that may wait (16 .. 1048576).");
  FIREBUS_PY_CENTRE_FIELD(first_serial, "The serial number of the centre's first request.");
  FIREBUS_PY_CENTRE_FIELD(utc_offset, "The UTC offset of the time tags the centre writes.");
#undef FIREBUS_PY_CENTRE_FIELD
  c.def_readwrite("max_connections", &cfg_t::max_connections,
                  "Connections open at once (1 .. 1000000).");
  c.def_readwrite("read_buffer_size", &cfg_t::read_buffer_size,
                  "Bytes read at a time per connection (64 .. 1 MiB).");
  c.def_readwrite("max_write_queue_bytes", &cfg_t::max_write_queue_bytes,
                  "Bytes waiting to be written per connection before it is closed.");
  duration_property(c, "flush_after", &cfg_t::flush_after,
                    "Flush the deframer after this long without new bytes.");
  c.def_property(
      "users", [](const cfg_t& x) { return users_arg{x.users ? x.users : py::none()}; },
      [](cfg_t& x, const users_arg& u) { x.set_users(u); },
      "The registry of user-defined ADU types (128-254) the centre's sessions check incoming "
      "ADUs with (a firebus.gb26875.UserTypes), or None: such ADUs are then accepted as one "
      "UserBlob. A Server copies the registry when it is created (later add_fixed() / "
      "add_variable() calls do not reach it) and keeps the UserTypes alive; its ServerMessage."
      "decode() uses it. Variable-size types' callables run on the Server's I/O thread.");
  c.def(
      "validate",
      [](const cfg_t& x) {
        std::error_code ec;
        x.validate(ec);
        check(ec, "gb26875.ServerConfig");
      },
      "Raises firebus.Error if a setting is out of range.");
  c.def("__repr__", [](const cfg_t& x) {
    std::ostringstream s;
    s << "ServerConfig(listen_address='" << x.listen_address << "', port=" << x.port
      << ", address=" << hex_address(x.centre.address) << ", confirm="
      << (x.centre.confirm == gb::confirm_policy::immediate ? "immediate" : "after_accept")
      << ", max_connections=" << x.max_connections << ")";
    return s.str();
  });
}

void bind_counters(py::module_& m) {
  using cc = gb::client_counters;
  py::class_<cc> c(m, "ClientCounters",
                   "A snapshot of a Client's counters: the transport's and its engine's (as of "
                   "the engine's last step).");
#define FIREBUS_PY_RO(NAME, DOC) c.def_readonly(#NAME, &cc::NAME, DOC)
  FIREBUS_PY_RO(connects, "Connections established.");
  FIREBUS_PY_RO(disconnects, "Established connections lost or closed.");
  FIREBUS_PY_RO(connect_failures, "Connection attempts that failed.");
  FIREBUS_PY_RO(bytes_received, "Bytes read from the centre.");
  FIREBUS_PY_RO(bytes_sent, "Bytes written to the centre.");
  FIREBUS_PY_RO(frames_rejected, "Deframer rejections (garbage, bad frames).");
  FIREBUS_PY_RO(callback_errors, "Exceptions raised by callbacks (Python ones included).");
  FIREBUS_PY_RO(pending, "Ids not yet reported delivered or failed.");
#undef FIREBUS_PY_RO
#define FIREBUS_PY_SESSION_RO(NAME, DOC) \
  c.def_property_readonly(               \
      #NAME, [](const cc& x) { return x.session.NAME; }, DOC)
  FIREBUS_PY_SESSION_RO(frames_sent, "Frames put in the engine's output queue.");
  FIREBUS_PY_SESSION_RO(data_sent, "First transmissions of messages.");
  FIREBUS_PY_SESSION_RO(retransmitted, "Retransmissions after a timeout or a deny.");
  FIREBUS_PY_SESSION_RO(resent, "Transmissions after a reconnect or after giving way.");
  FIREBUS_PY_SESSION_RO(preempted, "Messages in flight that gave way to a fire message.");
  FIREBUS_PY_SESSION_RO(delivered, "Messages confirmed.");
  FIREBUS_PY_SESSION_RO(failed, "Messages failed, for any reason.");
  FIREBUS_PY_SESSION_RO(denied, "... of which denied by the centre.");
  FIREBUS_PY_SESSION_RO(evicted, "... of which evicted from a full queue.");
  FIREBUS_PY_SESSION_RO(unexpected_answers, "Answers matching nothing in flight.");
  FIREBUS_PY_SESSION_RO(heartbeats_sent, "Heartbeat transactions started.");
  FIREBUS_PY_SESSION_RO(heartbeats_failed, "Heartbeats with no answer.");
  FIREBUS_PY_SESSION_RO(frames_received, "Frames handled while connected.");
  FIREBUS_PY_SESSION_RO(ignored_disconnected, "Frames received while disconnected.");
  FIREBUS_PY_SESSION_RO(requests_answered, "Responses sent (command 5).");
  FIREBUS_PY_SESSION_RO(controls_confirmed, "Control commands confirmed.");
  FIREBUS_PY_SESSION_RO(denials_sent, "Deny frames sent.");
  FIREBUS_PY_SESSION_RO(outputs_dropped, "Answers and events dropped (output queue full).");
  FIREBUS_PY_SESSION_RO(oldest_fire_age, "Age of the oldest fire message waiting; 0 if none.");
#undef FIREBUS_PY_SESSION_RO
  c.def_property_readonly(
      "queued",
      [](const cc& x) {
        std::map<gb::message_priority, std::size_t> q;
        for (std::size_t i = 0; i < gb::message_priority_count; ++i) {
          q[static_cast<gb::message_priority>(i)] = x.session.queued[i];
        }
        return q;
      },
      "Messages waiting to be sent, by MessagePriority.");
  c.def("__repr__", [](const cc& x) {
    std::ostringstream s;
    s << "ClientCounters(connects=" << x.connects << ", disconnects=" << x.disconnects
      << ", delivered=" << x.session.delivered << ", failed=" << x.session.failed
      << ", pending=" << x.pending << ", bytes_sent=" << x.bytes_sent
      << ", bytes_received=" << x.bytes_received << ", callback_errors=" << x.callback_errors
      << ")";
    return s.str();
  });

  using sc = gb::server_counters;
  py::class_<sc> s(m, "ServerCounters",
                   "A snapshot of a Server's counters; all but connections_open only grow.");
#define FIREBUS_PY_RO(NAME, DOC) s.def_readonly(#NAME, &sc::NAME, DOC)
  FIREBUS_PY_RO(connections_accepted, "Connections that got an engine.");
  FIREBUS_PY_RO(connections_refused, "Connections closed at once: max_connections reached.");
  FIREBUS_PY_RO(connections_open, "Connections open now.");
  FIREBUS_PY_RO(bytes_in, "Bytes read.");
  FIREBUS_PY_RO(bytes_out, "Bytes written.");
  FIREBUS_PY_RO(frames_in, "Valid frames handled by the engines.");
  FIREBUS_PY_RO(rejections, "Deframer rejections (garbage, damaged frames).");
  FIREBUS_PY_RO(messages, "Messages delivered (duplicates included).");
  FIREBUS_PY_RO(heartbeats, "Empty send-data frames.");
  FIREBUS_PY_RO(duplicates, "Retransmissions recognised.");
  FIREBUS_PY_RO(confirms_sent, "Confirm frames.");
  FIREBUS_PY_RO(denies_sent, "Deny frames.");
  FIREBUS_PY_RO(requests_sent, "First transmissions of requests and controls.");
  FIREBUS_PY_RO(retransmissions, "Their repetitions.");
  FIREBUS_PY_RO(answers, "Requests and controls answered.");
  FIREBUS_PY_RO(request_failures, "Requests and controls failed.");
  FIREBUS_PY_RO(handler_exceptions, "Exceptions raised by handlers (Python ones included).");
#undef FIREBUS_PY_RO
  s.def_property_readonly(
      "closes",
      [](const sc& x) {
        std::map<gb::server_close_reason, std::uint64_t> r;
        for (std::size_t i = 0; i < gb::server_close_reason_count; ++i) {
          r[static_cast<gb::server_close_reason>(i)] = x.closes[i];
        }
        return r;
      },
      "Connections closed, by ServerCloseReason.");
  s.def("closed", &sc::closed, py::arg("reason"), "Connections closed for `reason`.");
  s.def("__repr__", [](const sc& x) {
    std::ostringstream o;
    o << "ServerCounters(connections_accepted=" << x.connections_accepted
      << ", connections_open=" << x.connections_open << ", messages=" << x.messages
      << ", confirms_sent=" << x.confirms_sent << ", denies_sent=" << x.denies_sent
      << ", answers=" << x.answers << ", handler_exceptions=" << x.handler_exceptions << ")";
    return o.str();
  });
}

void bind_values(py::module_& m) {
  py::class_<delivery>(m, "Delivery",
                       "What a Future of Client.send_future() resolves to: the centre confirmed "
                       "message `id` after `attempts` transmissions, `latency` after send.")
      .def_readonly("id", &delivery::id, "The message's id (as send() returns).")
      .def_readonly("attempts", &delivery::attempts, "Transmissions, retransmissions included.")
      .def_readonly("latency", &delivery::latency, "From send to the confirm.")
      .def("__repr__", [](const delivery& d) {
        return "Delivery(id=" + std::to_string(d.id) + ", attempts=" + std::to_string(d.attempts) +
               ", latency=" + seconds_text(d.latency) + ")";
      });

  py::class_<client_event>(m, "ClientEvent",
                           "An event of a Client's engine: a control from the centre (initialise, "
                           "clock sync, duty check), a denied request, an unexpected answer or a "
                           "failed heartbeat. Fields not relevant to the kind are 0 or None.")
      .def_property_readonly(
          "kind", [](const client_event& e) { return e.e.kind; }, "What happened.")
      .def_property_readonly(
          "at", [](const client_event& e) { return e.e.at.time_since_epoch(); },
          "When, on the client's monotonic clock (time since the Client was created).")
      .def_property_readonly(
          "serial", [](const client_event& e) { return e.e.serial; },
          "Serial number of the frame concerned.")
      .def_property_readonly(
          "command", [](const client_event& e) { return code_as(e.e.cmd); },
          "Command of the frame concerned (a Command: 1 control, 2 send data, ...).")
      .def_property_readonly(
          "time",
          [](const client_event& e) -> typed<datetime_or_none_t> {
            if (e.e.kind != gb::uitd_event_kind::clock_sync) return {py::none()};
            return {datetime_of(e.e.time)};
          },
          "clock_sync: the time tag received, as a naive datetime (the centre's local time).")
      .def_property_readonly(
          "utc",
          [](const client_event& e) -> typed<datetime_or_none_t> {
            if (e.e.kind != gb::uitd_event_kind::clock_sync) return {py::none()};
            return {utc_datetime_of(e.e.utc)};
          },
          "clock_sync: that time as an aware UTC datetime.")
      .def_property_readonly(
          "timeout_minutes", [](const client_event& e) { return e.e.timeout_minutes; },
          "duty_check: the minutes allowed for the operator's answer.")
      .def_property_readonly(
          "deadline",
          [](const client_event& e) -> std::optional<firebus::duration> {
            if (e.e.kind != gb::uitd_event_kind::duty_check) return std::nullopt;
            return e.e.deadline.time_since_epoch();
          },
          "duty_check: when the answer is due, on the client's monotonic clock.")
      .def_property_readonly(
          "error",
          [](const client_event& e) -> typed<error_or_none_t> {
            if (!e.e.error) return {py::none()};
            return {error_object(e.e.error)};
          },
          "request_denied: why (a firebus.Error); unexpected_answer, heartbeat_failed: the "
          "error; else None.")
      .def("__repr__", [](const client_event& e) {
        const char* names[] = {"init_request",      "clock_sync",       "duty_check",
                               "unexpected_answer", "heartbeat_failed", "request_denied"};
        const auto k = static_cast<std::size_t>(e.e.kind);
        std::ostringstream s;
        s << "ClientEvent(kind=" << (k < 6 ? names[k] : "?") << ", serial=" << e.e.serial
          << ", command=" << static_cast<int>(e.e.cmd);
        if (e.e.kind == gb::uitd_event_kind::duty_check) {
          s << ", timeout_minutes=" << static_cast<int>(e.e.timeout_minutes);
        }
        if (e.e.error) s << ", error='" << e.e.error.message() << "'";
        s << ")";
        return s.str();
      });

  using sm = server_message;
  py::class_<sm>(m, "ServerMessage",
                 "A frame a Server received: a message (send data or control with an ADU), a "
                 "heartbeat (empty ADU) or the answer to a request or control. Header fields, "
                 "the raw ADU bytes, and decode() for the codec's objects.")
      .def_readonly("connection", &sm::connection, "The connection id it came from.")
      .def_readonly("id", &sm::id, "Answers: the id request()/control() returned; else 0.")
      .def_property_readonly(
          "kind",
          [](const sm& x) {
            return x.kind == sm::kind_t::message     ? "message"
                   : x.kind == sm::kind_t::heartbeat ? "heartbeat"
                                                     : "answer";
          },
          "'message', 'heartbeat' or 'answer'.")
      .def_property_readonly(
          "serial", [](const sm& x) { return x.hdr.serial; }, "Business serial number.")
      .def_property_readonly(
          "version",
          [](const sm& x) { return std::make_pair(x.hdr.version_major, x.hdr.version_minor); },
          "Protocol version (major, minor).")
      .def_property_readonly(
          "time", [](const sm& x) { return typed<datetime_or_none_t>{datetime_of(x.hdr.time)}; },
          "The frame's time tag as a naive datetime (the sender's local time), None if invalid.")
      .def_property_readonly(
          "source", [](const sm& x) { return x.hdr.source; }, "6-byte source address.")
      .def_property_readonly(
          "destination", [](const sm& x) { return x.hdr.destination; },
          "6-byte destination address.")
      .def_property_readonly(
          "command", [](const sm& x) { return code_as(x.hdr.cmd); },
          "The Command (1 control, 2 send data, 3 confirm, 4 request, 5 response, 6 deny).")
      .def_property_readonly(
          "header", [](const sm& x) { return x.hdr; },
          "The whole header, as a firebus.gb26875.Header (the codec's class).")
      .def_property_readonly(
          "adu", [](const sm& x) { return py::bytes(x.adu); },
          "The raw ADU bytes (empty for heartbeats and confirms).")
      .def_property_readonly(
          "adu_type",
          [](const sm& x) -> std::optional<py::int_> {
            if (x.adu.empty()) return std::nullopt;
            return code_as(static_cast<gb::adu_type>(static_cast<std::uint8_t>(x.adu[0])));
          },
          "The ADU's type (an AduType, or a plain int for other codes), None if the ADU is "
          "empty.")
      .def_readonly("token", &sm::token,
                    "ConfirmPolicy.after_accept: pass to Server.accept()/reject(); 0 if "
                    "already confirmed.")
      .def_readonly("duplicate", &sm::duplicate, "A retransmission of a message already confirmed.")
      .def_property_readonly(
          "users", [](const sm& x) { return users_arg{x.users ? x.users : py::none()}; },
          "The UserTypes of the Server's configuration (ServerConfig.users), or None.")
      .def(
          "decode",
          [](const sm& x) -> typed<adu_t> {
            // The codec's decoder, if the module has one (firebus.gb26875.decode_adu).
            py::module_ mod = py::module_::import("firebus._firebus.gb26875");
            if (!py::hasattr(mod, "decode_adu")) {
              throw py::attribute_error("firebus.gb26875.decode_adu is not available");
            }
            return {mod.attr("decode_adu")(py::bytes(x.adu), x.users ? x.users : py::none())};
          },
          "The ADU decoded by firebus.gb26875.decode_adu() (the codec's objects) with the "
          "Server's UserTypes (ServerConfig.users): registered user-defined types give "
          "UserObject items, others one UserBlob. GB26875Error for an empty ADU (heartbeats, "
          "confirms).")
      .def("__repr__", [](const sm& x) {
        std::ostringstream s;
        s << "ServerMessage(kind="
          << (x.kind == sm::kind_t::message     ? "message"
              : x.kind == sm::kind_t::heartbeat ? "heartbeat"
                                                : "answer")
          << ", connection=" << x.connection;
        if (x.id != 0) s << ", id=" << x.id;
        s << ", serial=" << x.hdr.serial << ", command=" << static_cast<int>(x.hdr.cmd)
          << ", source=" << hex_address(x.hdr.source) << ", adu=" << x.adu.size() << " bytes";
        if (x.token != 0) s << ", token=" << x.token;
        if (x.duplicate) s << ", duplicate=True";
        s << ")";
        return s.str();
      });
}

void bind_client(py::module_& m) {
  py::class_<py_client> c(
      m, "Client",
      "The UITD side of GB/T 26875.3 over TCP (C++ gb26875::client) with its own I/O thread.\n\n"
      "start() connects (and reconnects with back-off) until stop(); send() queues an ADU (bytes) "
      "and returns its id, which ends in exactly one on_delivered or on_failed call (or in the "
      "Future of send_future()). Callbacks run on the I/O thread with the GIL held; an exception "
      "they raise goes to sys.unraisablehook and the link carries on. Every method may be called "
      "from a callback, close() included. Use as a context manager: `with Client(cfg) as c:` "
      "starts and closes.");
  c.def(py::init<const gb::client_config&>(), py::arg("config"),
        "A client of `config`; raises firebus.Error if the configuration is invalid.");
  c.def_property_readonly(
      "config", [](const py_client& x) { return x.config(); }, "A copy of the configuration.");
  c.def("start", &py_client::start,
        "Starts the I/O thread (if needed) and connects to the centre; returns at once.");
  c.def("stop", &py_client::stop,
        "Closes the connection (gracefully, in the background) and lets the I/O thread end. "
        "Messages queued stay queued and are sent after the next start(). Safe from a callback.");
  c.def("close", &py_client::close,
        "Stops, joins the I/O thread (waiting at most ~1.5 s for the graceful close) and frees "
        "the C++ client; futures still pending are cancelled. No callback runs once it returns "
        "(unless called from a callback). Idempotent.");
  c.def_property_readonly("closed", &py_client::closed, "True once close() was called.");
  c.def("send", &py_client::send, py::arg("adu"), py::arg("priority") = py::none(),
        "Queues the ADU `adu` (bytes or an Adu; checked and re-encoded) with `priority` (default: "
        "classified: fire first) and returns its id (>= 1). Raises firebus.Error if the ADU is "
        "invalid.");
  c.def("send_future", &py_client::send_future, py::arg("adu"), py::arg("priority") = py::none(),
        "As send(), but returns a concurrent.futures.Future (with attribute `id`) that resolves "
        "to a Delivery or raises the failure (firebus.GB26875Error: no answer, denied, queue "
        "full, not connected). The callbacks are called as well.");
  c.def("set_wall_clock", &py_client::set_wall_clock, py::arg("utc"),
        "Sets the engine's wall clock (the frame headers' time tags) to `utc` (Unix seconds) as "
        "of this call. With adopt_clock_sync=False in the configuration, this is how an "
        "application adopts a centre's clock sync (a ClientEvent of kind clock_sync) it judged "
        "plausible. start() sets the wall clock from the system clock: call this after it.");
  c.def(
      "answer_duty_check",
      [](py_client& x, std::uint8_t op) { return x.answer_duty_check(op, nullptr); },
      py::arg("operator_id"),
      "Queues the operator's answer to a duty check (type 24, priority alarm); returns its id.");
  c.def(
      "answer_duty_check_future",
      [](py_client& x, std::uint8_t op) {
        py::object fut = new_future();
        x.answer_duty_check(op, &fut);
        return typed<delivery_future_t>{fut};
      },
      py::arg("operator_id"), "As answer_duty_check(), returning a Future (see send_future()).");
  c.def_property_readonly("pending", &py_client::pending,
                          "Ids not yet reported delivered or failed.");
  c.def_property_readonly("is_connected", &py_client::is_connected,
                          "True while a connection to the centre is established.");
  c.def_property_readonly("running", &py_client::running,
                          "True between start() and stop()/close().");
  c.def("counters", &py_client::counters, "A snapshot of the counters (ClientCounters).");
  callback_property<delivered_sig>(c, "on_delivered", cs_delivered,
                                   "Called as f(id, attempts, latency) when the centre confirmed "
                                   "message `id`.");
  callback_property<failed_sig>(c, "on_failed", cs_failed,
                                "Called as f(id, error) when message `id` will not be delivered "
                                "(error: firebus.GB26875Error: no answer, denied, queue full or "
                                "not connected).");
  callback_property<connected_sig>(c, "on_connected", cs_connected,
                                   "Called as f() when a connection is established.");
  callback_property<disconnected_sig>(c, "on_disconnected", cs_disconnected,
                                      "Called as f(error) when an established connection ends "
                                      "(the socket's error, no answer to a heartbeat, or "
                                      "operation canceled for stop()).");
  callback_property<event_sig>(c, "on_event", cs_event,
                               "Called as f(event) for every ClientEvent of the engine.");
  callback_property<client_error_sig>(c, "on_error", cs_error,
                                      "Called as f(error, what) for diagnostics of the transport.");
  callback_property<provider_sig>(
      c, "data_provider", cs_provider,
      "Answers the centre's reads (types 61-68, 81, 84-86, 88): called as f(request_adu) with "
      "the request's ADU bytes on the I/O thread; returns the response's ADU (bytes or an Adu). "
      "To deny: return None (no reason), or raise a firebus.Error, e.g. "
      "firebus.error_for('firebus.gb26875', Errc.denied), whose (code, category) becomes the "
      "reason. The deny frame carries no reason (GB/T 26875.3 §6.5.3): it shows in this "
      "client's request_denied ClientEvent (on_event, event.error). Any other exception, or a "
      "return value that is not an ADU, denies too (reason: operation canceled) and goes to "
      "sys.unraisablehook (counted in callback_errors); a response that does not decode is "
      "denied with its decode error. None (the default): every read is denied.");
  callback_property<duty_sig>(
      c, "on_duty_check", cs_duty_check,
      "Called as f(event) for a duty check (查岗, type 91, already confirmed); returning an "
      "operator id (int) answers it at once (as answer_duty_check()), None leaves it to you.");
  callback_property<event_sig>(
      c, "on_clock_sync", cs_clock_sync,
      "Called as f(event) for a clock sync (type 90); event.utc is the new time (the engine "
      "adopts it unless adopt_clock_sync is False).");
  callback_property<event_sig>(c, "on_init_request", cs_init_request,
                               "Called as f(event) for an initialise command (type 89).");
  c.def(
      "__enter__",
      [](py_client& x) -> py_client& {
        x.start();
        return x;
      },
      "Starts the client; returns it.");
  c.def(
      "__exit__",
      [](py_client& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) {
        x.close();
      },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the client.");
  c.def("__repr__", [](py_client& x) {
    std::ostringstream s;
    s << "<Client " << x.config().host << ":" << x.config().port << " "
      << (x.closed()         ? "closed"
          : x.is_connected() ? "connected"
                             : "not connected")
      << ">";
    return s.str();
  });
}

void bind_server(py::module_& m) {
  py::class_<py_server> s(
      m, "Server",
      "The monitoring centre's side of GB/T 26875.3 over TCP (C++ gb26875::server) with its "
      "own I/O thread.\n\nlisten() binds and accepts UITD connections; each message is passed "
      "to on_message as a ServerMessage (already confirmed under ConfirmPolicy.immediate; under "
      "after_accept, return True/False from on_message or call accept()/reject()). request() and "
      "control() send to a connected UITD; request_future()/control_future() give the answer "
      "as a Future. Callbacks run on the I/O thread with the GIL held; an exception they raise "
      "goes to sys.unraisablehook and the server carries on. Use as a context manager: "
      "`with Server(cfg) as s:` listens and closes.");
  s.def(py::init<const server_config_py&>(), py::arg("config"),
        "A server of `config`; raises firebus.Error if the configuration is invalid.");
  s.def_property_readonly(
      "config", [](const py_server& x) { return x.config(); }, "A copy of the configuration.");
  s.def("listen", &py_server::listen,
        "Starts the I/O thread, binds, listens and accepts; returns the port. Raises "
        "firebus.Error (e.g. the address is in use).");
  s.def("close", &py_server::close,
        "Stops accepting, closes every connection (gracefully: at most ~1.5 s), joins the I/O "
        "thread and frees the C++ server; futures still pending are cancelled. Idempotent; "
        "safe from a callback.");
  s.def_property_readonly("closed", &py_server::closed, "True once close() was called.");
  s.def_property_readonly("port", &py_server::port,
                          "The port listened on (after listen(); the ephemeral one for 0).");
  s.def(
      "request",
      [](py_server& x, gb::connection_id c, const adu_arg& a) {
        return x.send(c, a, false, nullptr);
      },
      py::arg("connection"), py::arg("adu"),
      "Sends a read (command 4, ADU types 61-88) to `connection`; returns its id. The answer "
      "comes to on_answer, a failure to on_request_failed. Raises firebus.Error at once for a "
      "bad ADU or an unknown connection.");
  s.def(
      "request_future",
      [](py_server& x, gb::connection_id c, const adu_arg& a) {
        py::object fut = new_future();
        x.send(c, a, false, &fut);
        return typed<answer_future_t>{fut};
      },
      py::arg("connection"), py::arg("adu"),
      "As request(), returning a concurrent.futures.Future (attribute `id`) that resolves to "
      "the answer (a ServerMessage) or raises firebus.GB26875Error (denied, no answer, not "
      "connected, queue full).");
  s.def(
      "control",
      [](py_server& x, gb::connection_id c, const adu_arg& a) {
        return x.send(c, a, true, nullptr);
      },
      py::arg("connection"), py::arg("adu"),
      "Sends a control (command 1, ADU types 89-91: initialise, clock sync, duty check); as "
      "request(). The answer is the UITD's confirm (an empty ADU).");
  s.def(
      "control_future",
      [](py_server& x, gb::connection_id c, const adu_arg& a) {
        py::object fut = new_future();
        x.send(c, a, true, &fut);
        return typed<answer_future_t>{fut};
      },
      py::arg("connection"), py::arg("adu"), "As control(), returning a Future.");
  s.def("accept", &py_server::accept, py::arg("connection"), py::arg("token"),
        "ConfirmPolicy.after_accept: the message with `token` is stored: confirm it.");
  s.def("reject", &py_server::reject, py::arg("connection"), py::arg("token"),
        "ConfirmPolicy.after_accept: the message with `token` was not stored: deny it.");
  s.def("close_connection", &py_server::close_connection, py::arg("connection"),
        "Closes one connection (ServerCloseReason.closed), after what is queued for it.");
  s.def("find_by_address", &py_server::find_by_address, py::arg("address"),
        "The open connection whose UITD has `address`; 0 if none.");
  s.def("connections", &py_server::connections, "The ids of the open connections.");
  s.def("counters", &py_server::counters, "A snapshot of the counters (ServerCounters).");
  callback_property<connect_sig>(s, "on_connect", ss_connect,
                                 "Called as f(connection, remote) for an accepted connection "
                                 "(remote: 'host:port').");
  callback_property<message_sig>(
      s, "on_message", ss_message,
      "Called as f(message) for every message (a ServerMessage). Under "
      "ConfirmPolicy.after_accept, returning True confirms it, False denies it, None leaves it "
      "to accept()/reject().");
  callback_property<heartbeat_sig>(s, "on_heartbeat", ss_heartbeat,
                                   "Called as f(message) for a heartbeat (already confirmed).");
  callback_property<answer_sig>(s, "on_answer", ss_answer,
                                "Called as f(answer) with the answer (a ServerMessage, `id` set) "
                                "to a request or control.");
  callback_property<request_failed_sig>(s, "on_request_failed", ss_request_failed,
                                        "Called as f(connection, id, error) when a request or "
                                        "control ended without an answer.");
  callback_property<close_sig>(s, "on_close", ss_close,
                               "Called as f(connection, reason) when a connection is closed.");
  callback_property<server_error_sig>(s, "on_error", ss_error,
                                      "Called as f(connection, error, what) for diagnostics "
                                      "(connection 0: none in particular).");
  s.def(
      "__enter__",
      [](py_server& x) -> py_server& {
        x.listen();
        return x;
      },
      "Listens; returns the server.");
  s.def(
      "__exit__",
      [](py_server& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) {
        x.close();
      },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the server.");
  s.def("__repr__", [](py_server& x) {
    std::ostringstream o;
    o << "<Server " << x.config().listen_address << ":" << x.port() << " "
      << (x.closed() ? "closed" : "open") << ", " << x.connections().size() << " connections>";
    return o.str();
  });
}

}  // namespace gb_io_detail

void bind_io(py::module_& m) {
  namespace gb = firebus::gb26875;
  using namespace gb_io_detail;
  ensure_enum<gb::message_priority>(
      m, "MessagePriority",
      {{"fire", gb::message_priority::fire},
       {"alarm", gb::message_priority::alarm},
       {"routine", gb::message_priority::routine}},
      "How urgent an outgoing message is: fire first, then other alarms and faults, then "
      "routine data (GB 26875.1).");
  ensure_enum<gb::confirm_policy>(
      m, "ConfirmPolicy",
      {{"immediate", gb::confirm_policy::immediate},
       {"after_accept", gb::confirm_policy::after_accept}},
      "When the centre confirms a message: at once, or after Server.accept().");
  ensure_enum<gb::server_close_reason>(
      m, "ServerCloseReason",
      {{"idle_timeout", gb::server_close_reason::idle_timeout},
       {"rate_limit", gb::server_close_reason::rate_limit},
       {"too_many_errors", gb::server_close_reason::too_many_errors},
       {"output_overflow", gb::server_close_reason::output_overflow},
       {"peer_closed", gb::server_close_reason::peer_closed},
       {"write_backlog", gb::server_close_reason::write_backlog},
       {"io_error", gb::server_close_reason::io_error},
       {"closed", gb::server_close_reason::closed},
       {"stopped", gb::server_close_reason::stopped}},
      "Why a Server closed a connection.");
  ensure_enum<gb::uitd_event_kind>(m, "ClientEventKind",
                                   {{"init_request", gb::uitd_event_kind::init_request},
                                    {"clock_sync", gb::uitd_event_kind::clock_sync},
                                    {"duty_check", gb::uitd_event_kind::duty_check},
                                    {"unexpected_answer", gb::uitd_event_kind::unexpected_answer},
                                    {"heartbeat_failed", gb::uitd_event_kind::heartbeat_failed},
                                    {"request_denied", gb::uitd_event_kind::request_denied}},
                                   "What a ClientEvent reports.");
  m.attr("CLIENT_CLOSE_LINGER") =
      std::chrono::duration_cast<firebus::duration>(gb::client_close_linger);
  m.attr("SERVER_CLOSE_LINGER") =
      std::chrono::duration_cast<firebus::duration>(gb::server_close_linger);
  bind_client_config(m);
  bind_server_config(m);
  bind_counters(m);
  bind_values(m);
  bind_client(m);
  bind_server(m);
  // Close what is still open before the interpreter finalises (the I/O threads need the GIL).
  py::module_::import("atexit").attr("register")(
      py::cpp_function([] { close_all(); }, py::name("_close_all_io"),
                       "Closes every open Client and Server (registered with atexit)."));
}

}  // namespace firebus_py
