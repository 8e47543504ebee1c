// firebus — fire-safety IoT SDK.
//
// firebus._firebus.gb26875: UitdSession and CentreSession, the sans-I/O GB/T 26875.3 protocol
// engines (<firebus/gb26875/uitd_session.hpp>, <firebus/gb26875/centre_session.hpp>).
//
// The engines own no socket, thread or clock, so the Python objects are plain: every call runs on
// the caller's thread with the GIL held (nothing blocks). Times are float seconds: `now` is the
// caller's monotonic time line (any origin, e.g. time.monotonic()), UTC times are Unix seconds.
//
// Callbacks. The UITD's data provider is a Python callable. The C++ engine must not see an
// exception (it would deny and swallow it), so the wrapper catches what the callable raises,
// lets the engine deny the request (std::errc::operation_canceled, as C++ does for a throwing
// provider) and re-raises the Python exception from receive() once the engine has finished: the
// deny frame is already in the output queue, so the exchange goes on after the caller handles it.
//
// Lifetimes. The C++ ADU objects built from a Python Adu hold views into that Adu's Python
// objects; the wrapper keeps the provider's last response alive until the engine has encoded it.
// The centre's UserTypes registry (a raw pointer in C++) is kept alive by the config, the session
// and every Message/Answer that may decode with it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/time.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/centre_session.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/gb26875/uitd_session.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::gb26875::close_reason, CentreCloseReason,
                "firebus._firebus.gb26875.CentreCloseReason")

namespace firebus_py {
namespace session_detail {

namespace gb = firebus::gb26875;

// The Python classes of the codec (bind_gb26875.cpp ran first), for isinstance checks.
PyObject* frame_class = nullptr;
PyObject* adu_class = nullptr;
PyObject* rejection_class = nullptr;

// ADU from Python: an Adu (kept as the object) or bytes-like (copied).
struct adu_in {
  py::object adu;  // set for an Adu
  std::string bytes;
  bool is_adu() const { return static_cast<bool>(adu); }
};

// One frame from Python: a Frame (header and ADU bytes) or the frame's bytes.
struct frame_in {
  bool is_frame = false;
  gb::header hdr;
  std::string bytes;  // the ADU for a Frame, else the whole frame
};

}  // namespace session_detail
}  // namespace firebus_py

namespace pybind11 {
namespace detail {

template <>
struct type_caster<firebus_py::session_detail::adu_in> {
  PYBIND11_TYPE_CASTER(firebus_py::session_detail::adu_in,
                       const_name("typing.Union[bytes, firebus._firebus.gb26875.Adu]"));
  bool load(handle src, bool) {
    using firebus_py::session_detail::adu_class;
    if (!src) return false;
    if (adu_class != nullptr && PyObject_IsInstance(src.ptr(), adu_class) == 1) {
      value.adu = reinterpret_borrow<object>(src);
      return true;
    }
    PyErr_Clear();
    return firebus_py::bytes_like(src, value.bytes);
  }
  static handle cast(const firebus_py::session_detail::adu_in& v, return_value_policy, handle) {
    if (v.adu) return v.adu.inc_ref();
    return bytes(v.bytes).release();
  }
};

template <>
struct type_caster<firebus_py::session_detail::frame_in> {
  PYBIND11_TYPE_CASTER(firebus_py::session_detail::frame_in,
                       const_name("typing.Union[bytes, firebus._firebus.gb26875.Frame]"));
  bool load(handle src, bool) {
    using firebus_py::session_detail::frame_class;
    if (!src) return false;
    if (frame_class != nullptr && PyObject_IsInstance(src.ptr(), frame_class) == 1) {
      try {
        value.is_frame = true;
        value.hdr = src.attr("header").cast<firebus::gb26875::header>();
        value.bytes = src.attr("adu").cast<std::string>();
      } catch (error_already_set&) {
        return false;
      } catch (cast_error&) {
        return false;
      }
      return true;
    }
    PyErr_Clear();
    value.is_frame = false;
    return firebus_py::bytes_like(src, value.bytes);
  }
  static handle cast(const firebus_py::session_detail::frame_in& v, return_value_policy, handle) {
    return bytes(v.bytes).release();
  }
};

}  // namespace detail
}  // namespace pybind11

namespace firebus_py {
namespace session_detail {

#define FIREBUS_PY_TYPED(TAG, TEXT)                            \
  struct TAG {                                                 \
    static constexpr auto name = py::detail::const_name(TEXT); \
  };
FIREBUS_PY_TYPED(error_t, "firebus._firebus.Error")
FIREBUS_PY_TYPED(error_or_none_t, "typing.Optional[firebus._firebus.Error]")
FIREBUS_PY_TYPED(adu_t, "firebus._firebus.gb26875.Adu")
FIREBUS_PY_TYPED(adu_or_none_t, "typing.Optional[firebus._firebus.gb26875.Adu]")
FIREBUS_PY_TYPED(user_types_or_none_t, "typing.Optional[firebus._firebus.gb26875.UserTypes]")
FIREBUS_PY_TYPED(rejection_t, "firebus._firebus.gb26875.Rejection")
#undef FIREBUS_PY_TYPED

using error_obj = typed<error_t>;
using error_or_none = typed<error_or_none_t>;

// The Python exception object (firebus.Error subclass) of `ec`, not raised.
py::object error_object(const std::error_code& ec) {
  try {
    raise(ec, "");
  } catch (py::error_already_set& e) {
    return e.value();
  }
  return py::none();
}

std::string hex_address(std::uint64_t a) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%012llx", static_cast<unsigned long long>(a));
  return buf;
}

// Python's shortest repr of a float.
std::string seconds_text(double s) { return py::repr(py::float_(s)).cast<std::string>(); }

std::string repr_of(const py::handle& h) { return py::repr(h).cast<std::string>(); }

template <class E>
std::string enum_repr(E v) {
  return repr_of(py::cast(v));
}

std::string error_repr(const std::error_code& ec) {
  if (!ec) return "None";
  return repr_of(error_object(ec));
}

std::uint64_t to_u64(std::size_t n) { return static_cast<std::uint64_t>(n); }

// ADU bytes for the C++ API: decodes (views into `bytes`, which must outlive the result).
gb::adu decode_bytes(const std::string& bytes, const gb::user_types* users, const char* context) {
  std::error_code ec;
  gb::adu a = gb::decode_adu(view_of(bytes), ec, users);
  check(ec, context);
  return a;
}

// The C++ adu of an adu_in (views into the argument, which must outlive the result).
gb::adu adu_of(const adu_in& in, const gb::user_types* users, const char* context) {
  if (in.is_adu()) return adu_from_py(in.adu);
  return decode_bytes(in.bytes, users, context);
}

// Garbage-collector support for a class holding Python objects (a provider that refers to its
// session, a UserTypes whose size function refers to the config, ...): `Visit(self, f)` calls f
// on each held object; `Clear(self)` drops what may be dropped. As bind_gb26875.cpp's UserTypes.
template <class T, class Visit, class Clear>
py::custom_type_setup gc_support() {
  return py::custom_type_setup([](PyHeapTypeObject* heap_type) {
    PyTypeObject* type = &heap_type->ht_type;
    type->tp_flags |= Py_TPFLAGS_HAVE_GC;
    type->tp_traverse = [](PyObject* self, visitproc visit, void* arg) -> int {
#if PY_VERSION_HEX >= 0x03090000
      Py_VISIT(Py_TYPE(self));
#endif
      const T* x = constructed<T>(self);
      if (x == nullptr) return 0;  // not constructed yet (or any more): nothing to visit
      int r = 0;
      Visit()(*x, [&](const py::object& o) {
        if (r == 0 && o) r = visit(o.ptr(), arg);
      });
      return r;
    };
    type->tp_clear = [](PyObject* self) -> int {
      if (T* x = constructed<T>(self)) Clear()(*x);
      return 0;
    };
  });
}

// =============================================================================================
// UITD side
// =============================================================================================

class uitd_py {
 public:
  explicit uitd_py(const gb::uitd_session_config& cfg) {
    check(gb::validate(cfg), "gb26875.UitdSession: invalid configuration");
    std::error_code ec;
    s_.emplace(cfg, ec);
    check(ec, "gb26875.UitdSession: invalid configuration");
    s_->set_data_provider([this](const gb::adu& request, gb::adu& response, std::error_code& e) {
      return call_provider(request, response, e);
    });
  }
  uitd_py(const uitd_py&) = delete;
  uitd_py& operator=(const uitd_py&) = delete;

  gb::uitd_session& s() { return *s_; }
  const gb::uitd_session& s() const { return *s_; }

  py::object provider() const { return provider_; }
  // Only the Python object changes: the engine's std::function is installed once (replacing it
  // from within the callable would destroy the function being run). With None the engine denies
  // exactly as without a provider (std::errc::operation_not_supported).
  void set_provider(py::object f) { provider_ = std::move(f); }

  // Runs `f` on the engine, then re-raises what the provider raised meanwhile.
  template <class F>
  void run(F&& f) {
    pending_.reset();
    f();
    response_keep_ = py::object();
    response_bytes_.clear();
    if (pending_) {
      std::unique_ptr<py::error_already_set> e = std::move(pending_);
      throw py::error_already_set(std::move(*e));
    }
  }

 private:
  bool call_provider(const gb::adu& request, gb::adu& response, std::error_code& ec) {
    // A copy: the engine's provider may be replaced from within the callable.
    py::object f = provider_;
    if (!f) return false;
    try {
      py::object r = f(adu_to_py(request));
      if (r.is_none()) return false;
      if (adu_class != nullptr && PyObject_IsInstance(r.ptr(), adu_class) == 1) {
        response_keep_ = r;
        response = adu_from_py(r);
        return true;
      }
      PyErr_Clear();
      std::string b;
      if (!bytes_like(r, b)) {
        throw py::type_error("gb26875.UitdSession.data_provider: an Adu, bytes or None expected, " +
                             repr_of(py::type::of(r)) + " returned");
      }
      response_bytes_ = std::move(b);
      response = gb::decode_adu(view_of(response_bytes_), ec);
      return !ec;
    } catch (py::error_already_set& e) {
      pending_ = std::make_unique<py::error_already_set>(std::move(e));
    } catch (py::builtin_exception& e) {
      e.set_error();
      pending_ = std::make_unique<py::error_already_set>();
    } catch (const std::exception& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
      pending_ = std::make_unique<py::error_already_set>();
    }
    // As the C++ engine answers a provider that throws.
    ec = std::make_error_code(std::errc::operation_canceled);
    return false;
  }

  std::optional<gb::uitd_session> s_;
  py::object provider_;
  py::object response_keep_;    // the provider's Adu until the engine has encoded it
  std::string response_bytes_;  // ... or its bytes
  std::unique_ptr<py::error_already_set> pending_;
};

// uitd_session::poll() swaps its output into `out`. Inlined next to the construction of `out`,
// g++ 12 -O2 misreads the swap of the variant as reading uninitialized uitd_event fields
// (-Wmaybe-uninitialized, an error here); out of line it cannot see `out` and does not.
[[gnu::noinline]] bool poll_uitd(gb::uitd_session& s, gb::uitd_output& out) { return s.poll(out); }

struct uitd_visit {
  template <class F>
  void operator()(const uitd_py& x, F&& f) const {
    f(x.provider());
  }
};
// Unreachable garbage: the provider goes (reads are then denied).
struct uitd_clear {
  void operator()(uitd_py& x) const { x.set_provider(py::object()); }
};

const char* priority_name(gb::message_priority p) {
  return p == gb::message_priority::fire    ? "fire"
         : p == gb::message_priority::alarm ? "alarm"
                                            : "routine";
}

void bind_uitd_config(py::module_& m) {
  using cfg = gb::uitd_session_config;
  const cfg d;
  py::class_<cfg> c(m, "UitdSessionConfig",
                    "Settings of a UitdSession (C++ gb26875::uitd_session_config). Durations are "
                    "float seconds; validate() checks the ranges (UitdSession does too).");
  c.def(
      py::init([](std::uint64_t address, std::uint64_t centre_address, double answer_timeout,
                  double fire_answer_timeout, int retries, double heartbeat, int utc_offset_minutes,
                  std::uint8_t version_minor, std::size_t max_queue, std::size_t max_outputs,
                  double max_age, std::uint16_t first_serial, bool adopt_clock_sync,
                  double backoff_initial, double backoff_max, unsigned backoff_factor,
                  unsigned backoff_jitter_permille, std::uint64_t backoff_seed) {
        cfg x;
        x.address = address;
        x.centre_address = centre_address;
        x.answer_timeout = py_duration(answer_timeout);
        x.fire_answer_timeout = py_duration(fire_answer_timeout);
        x.retries = retries;
        x.heartbeat = py_duration(heartbeat);
        x.utc_offset = std::chrono::minutes(utc_offset_minutes);
        x.version_minor = version_minor;
        x.max_queue = max_queue;
        x.max_outputs = max_outputs;
        x.max_age = py_duration(max_age);
        x.first_serial = first_serial;
        x.adopt_clock_sync = adopt_clock_sync;
        x.backoff_initial = py_duration(backoff_initial);
        x.backoff_max = py_duration(backoff_max);
        x.backoff_factor = backoff_factor;
        x.backoff_jitter_permille = backoff_jitter_permille;
        x.backoff_seed = backoff_seed;
        return x;
      }),
      py::kw_only(), py::arg("address") = d.address, py::arg("centre_address") = d.centre_address,
      py::arg("answer_timeout") = to_py_seconds(d.answer_timeout),
      py::arg("fire_answer_timeout") = to_py_seconds(d.fire_answer_timeout),
      py::arg("retries") = d.retries, py::arg("heartbeat") = to_py_seconds(d.heartbeat),
      py::arg("utc_offset_minutes") = static_cast<int>(d.utc_offset.count()),
      py::arg("version_minor") = d.version_minor, py::arg("max_queue") = d.max_queue,
      py::arg("max_outputs") = d.max_outputs, py::arg("max_age") = to_py_seconds(d.max_age),
      py::arg("first_serial") = d.first_serial, py::arg("adopt_clock_sync") = d.adopt_clock_sync,
      py::arg("backoff_initial") = to_py_seconds(d.backoff_initial),
      py::arg("backoff_max") = to_py_seconds(d.backoff_max),
      py::arg("backoff_factor") = d.backoff_factor,
      py::arg("backoff_jitter_permille") = d.backoff_jitter_permille,
      py::arg("backoff_seed") = d.backoff_seed,
      "Every setting as a keyword argument; the defaults are the C++ defaults (answer timeout "
      "10 s, 3 s for fire messages, 3 retries, heartbeat 30 s, UTC+8, queue 1024, back-off "
      "1 s .. 60 s). Not validated here: see validate().");
  c.def_readwrite("address", &cfg::address, "This UITD's 6-byte address (source of its frames).");
  c.def_readwrite("centre_address", &cfg::centre_address,
                  "The centre's 6-byte address (destination of the UITD's frames).");
#define FIREBUS_PY_SECONDS(NAME, DOC)                            \
  c.def_property(                                                \
      #NAME, [](const cfg& x) { return to_py_seconds(x.NAME); }, \
      [](cfg& x, double v) { x.NAME = py_duration(v); }, DOC)
  FIREBUS_PY_SECONDS(answer_timeout,
                     "Seconds to wait for a confirm before retransmitting (§6.5.4: 10). > 0.");
  FIREBUS_PY_SECONDS(fire_answer_timeout,
                     "Seconds a fire message waits for an answer - its own confirm, or the confirm "
                     "of a less urgent message in flight, which then gives way - before it is "
                     "(re)transmitted; the lesser of this and answer_timeout applies (default 3: "
                     "three retransmissions within GB 26875.1's 10 s). > 0.");
  c.def_readwrite("retries", &cfg::retries,
                  "Retransmissions after the first transmission before a message fails "
                  "(§6.5.5: 3). >= 0.");
  FIREBUS_PY_SECONDS(heartbeat,
                     "Send an empty send-data frame after this many idle seconds; 0: never.");
  c.def_property(
      "utc_offset_minutes", [](const cfg& x) { return static_cast<int>(x.utc_offset.count()); },
      [](cfg& x, int v) { x.utc_offset = std::chrono::minutes(v); },
      "The time zone of time tags, minutes east of UTC (default 480, China; -1440..1440).");
  c.def_readwrite("version_minor", &cfg::version_minor,
                  "Protocol user version sent in every frame (major is 1).");
  c.def_readwrite("max_queue", &cfg::max_queue,
                  "Messages held, the one in flight included (>= 1); see UitdSession.submit().");
  c.def_readwrite("max_outputs", &cfg::max_outputs, "Outputs waiting for poll() (>= 1).");
  FIREBUS_PY_SECONDS(max_age,
                     "Fail a message not delivered this many seconds after submit(); "
                     "0: no limit.");
  c.def_readwrite("first_serial", &cfg::first_serial,
                  "Business serial number of the first transaction.");
  c.def_readwrite("adopt_clock_sync", &cfg::adopt_clock_sync,
                  "A clock sync from the centre (type 90) also sets the engine's wall clock.");
  FIREBUS_PY_SECONDS(backoff_initial, "Reconnect back-off: the first delay in seconds (> 0).");
  FIREBUS_PY_SECONDS(backoff_max, "Reconnect back-off: the cap in seconds (>= backoff_initial).");
#undef FIREBUS_PY_SECONDS
  c.def_readwrite("backoff_factor", &cfg::backoff_factor, "Reconnect back-off: the factor (>= 1).");
  c.def_readwrite("backoff_jitter_permille", &cfg::backoff_jitter_permille,
                  "Reconnect back-off: the jitter, per mille of the delay (0..1000).");
  c.def_readwrite("backoff_seed", &cfg::backoff_seed,
                  "Reconnect back-off: the seed of the (deterministic) jitter.");
  c.def(
      "validate", [](const cfg& x) { check(gb::validate(x), "gb26875.UitdSessionConfig"); },
      "Raises GB26875Error (out_of_range) for an address >= 2**48, CoreError (invalid_argument) "
      "for any other setting out of range; returns None if usable.");
  c.def(
      "__eq__",
      [](const cfg& a, const cfg& b) {
        return a.address == b.address && a.centre_address == b.centre_address &&
               a.answer_timeout == b.answer_timeout &&
               a.fire_answer_timeout == b.fire_answer_timeout && a.retries == b.retries &&
               a.heartbeat == b.heartbeat && a.utc_offset == b.utc_offset &&
               a.version_minor == b.version_minor && a.max_queue == b.max_queue &&
               a.max_outputs == b.max_outputs && a.max_age == b.max_age &&
               a.first_serial == b.first_serial && a.adopt_clock_sync == b.adopt_clock_sync &&
               a.backoff_initial == b.backoff_initial && a.backoff_max == b.backoff_max &&
               a.backoff_factor == b.backoff_factor &&
               a.backoff_jitter_permille == b.backoff_jitter_permille &&
               a.backoff_seed == b.backoff_seed;
      },
      py::is_operator(), py::arg("other"), "Equal if every setting is equal.");
  c.def(
      "__copy__", [](const cfg& x) { return x; }, "A copy.");
  c.def(
      "__deepcopy__", [](const cfg& x, const py::dict&) { return x; }, py::arg("memo"), "A copy.");
  c.def(
      "__repr__",
      [](const cfg& x) {
        std::ostringstream s;
        s << "UitdSessionConfig(address=" << hex_address(x.address)
          << ", centre_address=" << hex_address(x.centre_address)
          << ", answer_timeout=" << seconds_text(to_py_seconds(x.answer_timeout))
          << ", fire_answer_timeout=" << seconds_text(to_py_seconds(x.fire_answer_timeout))
          << ", retries=" << x.retries << ", heartbeat=" << seconds_text(to_py_seconds(x.heartbeat))
          << ", utc_offset_minutes=" << x.utc_offset.count()
          << ", version_minor=" << static_cast<int>(x.version_minor)
          << ", max_queue=" << x.max_queue << ", max_outputs=" << x.max_outputs
          << ", max_age=" << seconds_text(to_py_seconds(x.max_age))
          << ", first_serial=" << x.first_serial
          << ", adopt_clock_sync=" << (x.adopt_clock_sync ? "True" : "False")
          << ", backoff_initial=" << seconds_text(to_py_seconds(x.backoff_initial))
          << ", backoff_max=" << seconds_text(to_py_seconds(x.backoff_max))
          << ", backoff_factor=" << x.backoff_factor
          << ", backoff_jitter_permille=" << x.backoff_jitter_permille
          << ", backoff_seed=" << x.backoff_seed << ")";
        return s.str();
      },
      "UitdSessionConfig(...) with every setting.");
}

void bind_uitd_values(py::module_& m) {
  py::class_<gb::uitd_send>(m, "UitdSend",
                            "Output of UitdSession.poll(): a complete frame to write to the "
                            "centre, in order.")
      .def_property_readonly(
          "frame",
          [](const gb::uitd_send& x) {
            return py::bytes(reinterpret_cast<const char*>(x.frame.data()), x.frame.size());
          },
          "The encoded frame (30 + L bytes): write it to the connection.")
      .def_property_readonly(
          "command", [](const gb::uitd_send& x) { return x.cmd; },
          "Its Command: send_data for data and heartbeats; confirm, deny or response for "
          "answers.")
      .def_readonly("serial", &gb::uitd_send::serial, "Its business serial number.")
      .def_readonly("id", &gb::uitd_send::id,
                    "The message it carries (as submit() returned); 0 for answers and heartbeats.")
      .def(
          "__repr__",
          [](const gb::uitd_send& x) {
            return "UitdSend(command=" + enum_repr(x.cmd) + ", serial=" + std::to_string(x.serial) +
                   ", id=" + std::to_string(x.id) + ", frame=<" + std::to_string(x.frame.size()) +
                   " bytes>)";
          },
          "UitdSend(command=..., serial=..., id=..., frame=<n bytes>).");

  py::class_<gb::uitd_delivered>(m, "UitdDelivered",
                                 "Output of UitdSession.poll(): the centre confirmed a message.")
      .def_readonly("id", &gb::uitd_delivered::id, "The message, as submit() returned.")
      .def_readonly("attempts", &gb::uitd_delivered::attempts,
                    "Transmissions made (retransmissions and resends included).")
      .def_property_readonly(
          "latency", [](const gb::uitd_delivered& x) { return to_py_seconds(x.latency); },
          "Seconds from submit() to the confirm.")
      .def(
          "__repr__",
          [](const gb::uitd_delivered& x) {
            return "UitdDelivered(id=" + std::to_string(x.id) +
                   ", attempts=" + std::to_string(x.attempts) +
                   ", latency=" + seconds_text(to_py_seconds(x.latency)) + ")";
          },
          "UitdDelivered(id=..., attempts=..., latency=...).");

  py::class_<gb::uitd_failed>(m, "UitdFailed",
                              "Output of UitdSession.poll(): a message will not be delivered.")
      .def_readonly("id", &gb::uitd_failed::id, "The message, as submit() returned.")
      .def_property_readonly(
          "error", [](const gb::uitd_failed& x) { return error_obj{error_object(x.error)}; },
          "Why, as a firebus.GB26875Error instance (not raised): no_answer, denied, queue_full "
          "(evicted) or not_connected (max_age passed while disconnected). error.code is the "
          "Errc value.")
      .def_readonly("attempts", &gb::uitd_failed::attempts, "Transmissions made.")
      .def(
          "__repr__",
          [](const gb::uitd_failed& x) {
            return "UitdFailed(id=" + std::to_string(x.id) + ", error=" + error_repr(x.error) +
                   ", attempts=" + std::to_string(x.attempts) + ")";
          },
          "UitdFailed(id=..., error=..., attempts=...).");

  py::class_<gb::uitd_event>(m, "UitdEvent",
                             "Output of UitdSession.poll(): something to know or act upon "
                             "(kind: a ClientEventKind). Fields not meaningful for the kind are "
                             "None or 0.")
      .def_property_readonly(
          "kind", [](const gb::uitd_event& e) { return e.kind; },
          "What happened: init_request, clock_sync, duty_check (control commands, already "
          "confirmed), unexpected_answer, heartbeat_failed, request_denied.")
      .def_property_readonly(
          "at", [](const gb::uitd_event& e) { return to_py_seconds(e.at); },
          "When it was received or happened (the session's monotonic seconds).")
      .def_readonly("serial", &gb::uitd_event::serial, "Serial number of the frame concerned.")
      .def_property_readonly(
          "command", [](const gb::uitd_event& e) { return e.cmd; },
          "Command of the frame concerned (a Command, or a plain int for other codes).")
      .def_property_readonly(
          "time",
          [](const gb::uitd_event& e) -> std::optional<gb::time_tag> {
            if (e.kind != gb::uitd_event_kind::clock_sync) return std::nullopt;
            return e.time;
          },
          "clock_sync: the TimeTag received; None for other kinds.")
      .def_property_readonly(
          "utc",
          [](const gb::uitd_event& e) -> std::optional<double> {
            if (e.kind != gb::uitd_event_kind::clock_sync) return std::nullopt;
            return to_py_seconds(e.utc);
          },
          "clock_sync: that time as Unix seconds (read at the configured UTC offset); None for "
          "other kinds.")
      .def_readonly("timeout_minutes", &gb::uitd_event::timeout_minutes,
                    "duty_check: minutes allowed for the answer; 0 for other kinds.")
      .def_property_readonly(
          "deadline",
          [](const gb::uitd_event& e) -> std::optional<double> {
            if (e.kind != gb::uitd_event_kind::duty_check) return std::nullopt;
            return to_py_seconds(e.deadline);
          },
          "duty_check: when the answer is due (monotonic seconds); None for other kinds.")
      .def_property_readonly(
          "error",
          [](const gb::uitd_event& e) {
            return error_or_none{e.error ? error_object(e.error) : py::object(py::none())};
          },
          "request_denied: why (a firebus.Error instance, not raised); unexpected_answer and "
          "heartbeat_failed: GB26875Error unexpected_answer / no_answer; else None.")
      .def(
          "__repr__",
          [](const gb::uitd_event& e) {
            std::string s = "UitdEvent(kind=" + enum_repr(e.kind) +
                            ", at=" + seconds_text(to_py_seconds(e.at)) +
                            ", serial=" + std::to_string(e.serial) +
                            ", command=" + enum_repr(e.cmd);
            if (e.kind == gb::uitd_event_kind::clock_sync) {
              s += ", time=" + repr_of(py::cast(e.time)) +
                   ", utc=" + seconds_text(to_py_seconds(e.utc));
            }
            if (e.kind == gb::uitd_event_kind::duty_check) {
              s += ", timeout_minutes=" + std::to_string(e.timeout_minutes) +
                   ", deadline=" + seconds_text(to_py_seconds(e.deadline));
            }
            if (e.error) s += ", error=" + error_repr(e.error);
            return s + ")";
          },
          "UitdEvent(kind=..., at=..., ...).");

  py::class_<gb::uitd_duty_answer>(m, "UitdDutyAnswer", "What UitdSession.answer_duty_check() did.")
      .def_readonly("id", &gb::uitd_duty_answer::id, "The message submitted (its id).")
      .def_readonly("pending", &gb::uitd_duty_answer::pending,
                    "A duty check was waiting for an answer.")
      .def_readonly("in_time", &gb::uitd_duty_answer::in_time,
                    "... and this answer is within its deadline (deadline included).")
      .def(
          "__repr__",
          [](const gb::uitd_duty_answer& x) {
            return "UitdDutyAnswer(id=" + std::to_string(x.id) +
                   ", pending=" + (x.pending ? "True" : "False") +
                   ", in_time=" + (x.in_time ? "True" : "False") + ")";
          },
          "UitdDutyAnswer(id=..., pending=..., in_time=...).");

  using uc = gb::uitd_counters;
  py::class_<uc> c(m, "UitdCounters", "A snapshot of a UitdSession's counters (counters(now)).");
#define FIREBUS_PY_UITD_COUNTERS(X)                                   \
  X(frames_sent, "Frames put in the output queue.")                   \
  X(data_sent, "First transmissions of messages.")                    \
  X(retransmitted, "Retransmissions after a timeout or a deny.")      \
  X(resent, "Transmissions after a reconnect or after giving way.")   \
  X(preempted, "Messages in flight that gave way to a fire message.") \
  X(delivered, "Messages confirmed.")                                 \
  X(failed, "Messages failed, for any reason.")                       \
  X(denied, "... of which denied by the centre.")                     \
  X(evicted, "... of which evicted from a full queue.")               \
  X(unexpected_answers, "Answers matching nothing in flight.")        \
  X(heartbeats_sent, "Heartbeat transactions started.")               \
  X(heartbeats_failed, "Heartbeats with no answer.")                  \
  X(frames_received, "Frames handled while connected.")               \
  X(ignored_disconnected, "Frames received while disconnected.")      \
  X(requests_answered, "Responses sent (command 5).")                 \
  X(controls_confirmed, "Control commands confirmed.")                \
  X(denials_sent, "Deny frames sent.")                                \
  X(outputs_dropped, "Answers and events dropped (output queue full).")
#define FIREBUS_PY_RO(NAME, DOC) c.def_readonly(#NAME, &uc::NAME, DOC);
  FIREBUS_PY_UITD_COUNTERS(FIREBUS_PY_RO)
#undef FIREBUS_PY_RO
  c.def_property_readonly(
      "queued",
      [](const uc& x) {
        std::map<gb::message_priority, std::size_t> q;
        for (std::size_t i = 0; i < gb::message_priority_count; ++i) {
          q[static_cast<gb::message_priority>(i)] = x.queued[i];
        }
        return q;
      },
      "Messages waiting to be sent (not the one in flight), by MessagePriority.");
  c.def_property_readonly(
      "oldest_fire_age", [](const uc& x) { return to_py_seconds(x.oldest_fire_age); },
      "Seconds the oldest waiting fire message has waited; 0 if none.");
  c.def(
      "to_dict",
      [](const uc& x) {
        py::dict d;
#define FIREBUS_PY_ITEM(NAME, DOC) d[#NAME] = x.NAME;
        FIREBUS_PY_UITD_COUNTERS(FIREBUS_PY_ITEM)
#undef FIREBUS_PY_ITEM
        py::dict q;
        for (std::size_t i = 0; i < gb::message_priority_count; ++i) {
          q[py::str(priority_name(static_cast<gb::message_priority>(i)))] = x.queued[i];
        }
        d["queued"] = q;
        d["oldest_fire_age"] = to_py_seconds(x.oldest_fire_age);
        return d;
      },
      "Every counter in a dict (queued: a dict by priority name), e.g. for metrics.");
  c.def(
      "__repr__",
      [](const uc& x) {
        std::ostringstream s;
        s << "UitdCounters(";
        bool first = true;
#define FIREBUS_PY_ITEM(NAME, DOC) \
  if (!first) s << ", ";           \
  first = false;                   \
  s << #NAME << "=" << x.NAME;
        FIREBUS_PY_UITD_COUNTERS(FIREBUS_PY_ITEM)
#undef FIREBUS_PY_ITEM
        s << ", queued=(" << x.queued[0] << ", " << x.queued[1] << ", " << x.queued[2]
          << "), oldest_fire_age=" << seconds_text(to_py_seconds(x.oldest_fire_age)) << ")";
        return s.str();
      },
      "UitdCounters(frames_sent=..., ...; queued=(fire, alarm, routine)).");
#undef FIREBUS_PY_UITD_COUNTERS
}

struct provider_sig {
  static constexpr auto name = py::detail::const_name(
      "typing.Optional[typing.Callable[[firebus._firebus.gb26875.Adu], "
      "typing.Union[firebus._firebus.gb26875.Adu, bytes, None]]]");
};

void bind_uitd(py::module_& m) {
  py::class_<uitd_py> c(
      m, "UitdSession", gc_support<uitd_py, uitd_visit, uitd_clear>(),
      "The sans-I/O protocol engine of a UITD (用户信息传输装置, C++ gb26875::uitd_session): "
      "GB/T 26875.3 without sockets, threads or clocks.\n\n"
      "You own the connection and the clock: call connected(now) / disconnected(now) on link "
      "events, receive(frame, now) for every frame from the centre, advance(now) when "
      "next_deadline() is reached, and write out the UitdSend frames poll() gives, in order. "
      "submit() queues ADUs by MessagePriority (fire first), stop-and-wait with retransmission "
      "after answer_timeout (§6.5.4-6.5.5); poll() also reports UitdDelivered, UitdFailed and "
      "UitdEvent. Times are float seconds on your monotonic time line. Not thread-safe.");
  c.def(py::init<const gb::uitd_session_config&>(), py::arg("config"),
        "A session with `config` (disconnected). Raises GB26875Error/CoreError if "
        "config.validate() does.");
  c.def_property_readonly(
      "config", [](const uitd_py& x) { return x.s().config(); }, "A copy of the configuration.");
  c.def_property(
      "data_provider", [](const uitd_py& x) { return callable<provider_sig>{x.provider()}; },
      [](uitd_py& x, const callable<provider_sig>& f) { x.set_provider(f.fn); },
      "Answers the centre's reads (command 4; ADU types 61-68, 81, 84-86, 88): called as "
      "f(request) with the request as an Adu; returns the response as an Adu or ADU bytes "
      "(sent with command 5), or None to deny (command 6). None (the default): every read is "
      "denied. An exception raised by f denies the request and is re-raised by receive() "
      "(after the deny was queued); so is TypeError for a wrong return type. Bytes that do not "
      "decode are denied with the decoding error (a request_denied UitdEvent).");
  c.def(
      "set_wall_clock",
      [](uitd_py& x, double ref, double at_ref) {
        x.s().set_wall_clock(py_mono_time(ref), py_utc_time(at_ref));
      },
      py::arg("ref"), py::arg("at_ref"),
      "Maps the monotonic time `ref` to the UTC time `at_ref` (Unix seconds): time tags are "
      "then written as at_ref + (now - ref) at the configured UTC offset. Until called, "
      "monotonic 0 is 2000-01-01 00:00:00 local time.");
  c.def(
      "wall_time",
      [](const uitd_py& x, double now) {
        return to_py_seconds(x.s().wall_time(py_mono_time(now)));
      },
      py::arg("now"), "The UTC time (Unix seconds) at monotonic `now` under the current mapping.");
  c.def(
      "submit",
      [](uitd_py& x, const adu_in& a, double now, std::optional<gb::message_priority> priority) {
        std::error_code ec;
        std::uint64_t id = 0;
        const firebus::mono_time t = py_mono_time(now);
        if (a.is_adu()) {
          const gb::adu cpp = adu_from_py(a.adu);  // views into a.adu, alive for the call
          id = priority ? x.s().submit(cpp, *priority, t, ec) : x.s().submit(cpp, t, ec);
        } else if (priority) {
          id = x.s().submit(view_of(a.bytes), *priority, t, ec);
        } else {
          const gb::adu cpp = decode_bytes(a.bytes, nullptr, "gb26875.UitdSession.submit");
          id = x.s().submit(cpp, t, ec);
        }
        check(ec, "gb26875.UitdSession.submit");
        return id;
      },
      py::arg("adu"), py::arg("now"), py::arg("priority") = py::none(),
      "Queues the ADU `adu` (an Adu, or ADU bytes of at most 1024) to be sent with command 2 and "
      "returns its id (from 1). With priority None the priority is classify(adu) (bytes are "
      "decoded for it; GB26875Error if they do not decode); with a priority, bytes are queued "
      "as they are. Raises GB26875Error adu_too_long, or queue_full when max_queue messages are "
      "held and none of lower priority can be evicted (an evicted one is reported as "
      "UitdFailed), or when max_outputs outputs wait for poll().");
  c.def(
      "answer_duty_check",
      [](uitd_py& x, std::uint8_t operator_id, double now) {
        std::error_code ec;
        const gb::uitd_duty_answer r = x.s().answer_duty_check(operator_id, py_mono_time(now), ec);
        check(ec, "gb26875.UitdSession.answer_duty_check");
        return r;
      },
      py::arg("operator_id"), py::arg("now"),
      "Submits the operator's answer to a duty check (查岗, §8.3): a type-24 object with flag "
      "bit 5, priority alarm. Returns a UitdDutyAnswer (its id, whether a duty check was "
      "pending and answered in time); the pending check is cleared. Errors as submit().");
  c.def_property_readonly(
      "duty_check_deadline",
      [](const uitd_py& x) -> std::optional<double> {
        const auto d = x.s().duty_check_deadline();
        if (!d) return std::nullopt;
        return to_py_seconds(*d);
      },
      "When the pending duty check's answer is due (monotonic seconds); None if none waits.");
  c.def(
      "connected", [](uitd_py& x, double now) { x.s().connected(py_mono_time(now)); },
      py::arg("now"),
      "The transport has connected to the centre: sending starts (the head of the queue is "
      "sent at once) and the back-off sequence restarts. Ignored if already connected.");
  c.def(
      "disconnected", [](uitd_py& x, double now) { x.s().disconnected(py_mono_time(now)); },
      py::arg("now"),
      "The connection is lost: the message in flight goes back to the head of its queue (sent "
      "again, same serial number, after the next connected()); frames not yet polled are "
      "discarded (other outputs are kept).");
  c.def_property_readonly(
      "is_connected", [](const uitd_py& x) { return x.s().is_connected(); },
      "True between connected() and disconnected().");
  c.def(
      "next_reconnect_delay",
      [](uitd_py& x) { return to_py_seconds(x.s().next_reconnect_delay()); },
      "Seconds to wait before the next connection attempt: backoff_initial * backoff_factor**k "
      "for the k-th call since the last connected(), capped at backoff_max, minus a "
      "deterministic jitter. Each call is one attempt further.");
  c.def(
      "receive",
      [](uitd_py& x, const frame_in& f, double now) {
        const firebus::mono_time t = py_mono_time(now);
        std::error_code ec;
        x.run([&] {
          if (f.is_frame) {
            const gb::frame_view fv{f.hdr, view_of(f.bytes)};
            x.s().receive(fv, t);
          } else {
            x.s().receive(view_of(f.bytes), t, ec);
          }
        });
        check(ec, "gb26875.UitdSession.receive");
      },
      py::arg("frame"), py::arg("now"),
      "Handles one frame from the centre: a Frame, or the bytes of exactly one frame (as a "
      "Deframer cuts them). Answers it (confirm, response from data_provider, or deny) or "
      "settles the message in flight. Bytes that are not a valid frame raise GB26875Error "
      "(checksum_mismatch, bad_start, ...) after the engine has dealt with them: a frame refused "
      "for its checksum, its end bytes or an ADU length over 1024 is denied (§6.5.3; the last "
      "two only with protocol version 1), unless it reads as an answer. Frames received "
      "while disconnected are counted and ignored. Re-raises what data_provider raised.");
  c.def(
      "advance", [](uitd_py& x, double now) { x.s().advance(py_mono_time(now)); }, py::arg("now"),
      "Handles what is due at `now`: retransmissions (after answer_timeout), failures after the "
      "last retry, max_age, heartbeats.");
  c.def(
      "next_deadline",
      [](const uitd_py& x) -> std::optional<double> {
        const auto d = x.s().next_deadline();
        if (!d) return std::nullopt;
        return to_py_seconds(*d);
      },
      "When advance() next has something to do (monotonic seconds), or None.");
  c.def(
      "poll",
      [](uitd_py& x) -> std::optional<gb::uitd_output> {
        gb::uitd_output out;
        if (!poll_uitd(x.s(), out)) return std::nullopt;
        return out;
      },
      "Takes the next output: a UitdSend, UitdDelivered, UitdFailed or UitdEvent; None if "
      "there is none.");
  c.def(
      "outputs",
      [](uitd_py& x) {
        std::vector<gb::uitd_output> all;
        gb::uitd_output out;
        while (poll_uitd(x.s(), out)) all.push_back(std::move(out));
        return all;
      },
      "Takes every waiting output, in order (poll() until None).");
  c.def_property_readonly(
      "pending_outputs", [](const uitd_py& x) { return x.s().pending_outputs(); },
      "Outputs waiting for poll().");
  c.def(
      "queued",
      [](const uitd_py& x, std::optional<gb::message_priority> priority) {
        return priority ? x.s().queued(*priority) : x.s().queued();
      },
      py::arg("priority") = py::none(),
      "Messages waiting to be sent (not the one in flight), of `priority` or of all "
      "priorities.");
  c.def_property_readonly(
      "in_flight", [](const uitd_py& x) { return x.s().in_flight(); },
      "The id of the message awaiting its answer (0 for a heartbeat), or None.");
  c.def_property_readonly(
      "in_flight_priority", [](const uitd_py& x) { return x.s().in_flight_priority(); },
      "The MessagePriority of the message in flight, or None (nothing, or a heartbeat).");
  c.def_property_readonly(
      "next_serial", [](const uitd_py& x) { return x.s().next_serial(); },
      "The serial number the next new transaction will take.");
  c.def(
      "counters", [](const uitd_py& x, double now) { return x.s().counters(py_mono_time(now)); },
      py::arg("now"),
      "A snapshot of the counters (UitdCounters), with the queue depths and the age of the "
      "oldest waiting fire message at `now`.");
  c.def(
      "__repr__",
      [](const uitd_py& x) {
        std::ostringstream s;
        const auto f = x.s().in_flight();
        s << "<UitdSession " << hex_address(x.s().config().address) << " -> "
          << hex_address(x.s().config().centre_address) << " "
          << (x.s().is_connected() ? "connected" : "disconnected") << ", queued=" << x.s().queued()
          << ", in_flight=" << (f ? std::to_string(*f) : "None")
          << ", pending_outputs=" << x.s().pending_outputs() << ">";
        return s.str();
      },
      "<UitdSession address -> centre connected, queued=..., in_flight=...>.");

  m.def(
      "classify",
      [](const adu_in& a) {
        const gb::adu cpp = adu_of(a, nullptr, "gb26875.classify");
        return gb::classify(cpp);
      },
      py::arg("adu"),
      "The usual MessagePriority of an upstream ADU (an Adu or ADU bytes): fire for a fire "
      "alarm or manual alarm bit, alarm for faults, supervisory, power faults and duty-check "
      "answers, else routine; the most urgent object decides. GB26875Error for bytes that do "
      "not decode.");
}

// =============================================================================================
// Centre side
// =============================================================================================

struct centre_config_py {
  gb::centre_config c;
  py::object users = py::none();  // a UserTypes or None
};

using cs = gb::centre_session;

// Outputs that may decode with the registry keep it alive.
struct message_py {
  cs::message m;
  py::object users;
};
struct answer_py {
  cs::answer a;
  py::object users;
};
using centre_output = std::variant<cs::send, message_py, cs::heartbeat, answer_py, cs::failed,
                                   cs::denied_input, cs::dropped_input, cs::close>;

class centre_py {
 public:
  centre_py(const centre_config_py& cfg, double start) : cfg_(cfg) {
    gb::centre_config c = cfg.c;
    c.users = user_types_of(cfg_.users);
    std::error_code ec;
    c.validate(ec);
    check(ec, "gb26875.CentreSession: invalid configuration");
    s_.emplace(c, py_mono_time(start), ec);
    check(ec, "gb26875.CentreSession: invalid configuration");
  }
  centre_py(const centre_py&) = delete;
  centre_py& operator=(const centre_py&) = delete;

  gb::centre_session& s() { return *s_; }
  const gb::centre_session& s() const { return *s_; }
  const centre_config_py& config() const { return cfg_; }
  const gb::user_types* users() const { return s_->config().users; }

  std::optional<centre_output> poll() {
    cs::output out;
    if (!s_->poll(out)) return std::nullopt;
    return std::visit(
        [this](auto& o) -> centre_output {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, cs::message>) {
            return message_py{std::move(o), cfg_.users};
          } else if constexpr (std::is_same_v<T, cs::answer>) {
            return answer_py{std::move(o), cfg_.users};
          } else {
            return std::move(o);
          }
        },
        out);
  }

 private:
  centre_config_py cfg_;
  std::optional<gb::centre_session> s_;
};

struct centre_config_visit {
  template <class F>
  void operator()(const centre_config_py& x, F&& f) const {
    f(x.users);
  }
};
struct centre_config_clear {
  void operator()(centre_config_py& x) const { x.users = py::none(); }
};
struct centre_visit {
  template <class F>
  void operator()(const centre_py& x, F&& f) const {
    f(x.config().users);
  }
};
// The engine points into the UserTypes: the session keeps it to the end (the cycle is broken
// elsewhere, e.g. by UserTypes' own clear).
struct centre_clear {
  void operator()(centre_py&) const {}
};

py::object decode_with(const std::vector<std::uint8_t>& bytes, const py::object& users,
                       const char* context) {
  std::error_code ec;
  const gb::adu a =
      gb::decode_adu(firebus::byte_view(bytes.data(), bytes.size()), ec, user_types_of(users));
  check(ec, context);
  return adu_to_py(a);
}

std::string header_repr(const gb::header& h) { return repr_of(py::cast(h)); }

void bind_centre_config(py::module_& m) {
  using cfg = centre_config_py;
  const gb::centre_config d;
  py::class_<cfg> c(m, "CentreSessionConfig",
                    gc_support<centre_config_py, centre_config_visit, centre_config_clear>(),
                    "Settings of a CentreSession (C++ gb26875::centre_config). Durations are "
                    "float seconds; validate() checks the ranges (CentreSession does too).");
  c.def(py::init([](std::uint64_t address, gb::confirm_policy confirm, double answer_timeout,
                    int retries, double idle_timeout, std::size_t rate_max_frames,
                    double rate_window, std::size_t max_consecutive_errors,
                    std::size_t max_pending_requests, std::size_t max_unconfirmed,
                    std::size_t duplicate_history, std::size_t max_outputs,
                    std::uint16_t first_serial, int utc_offset_minutes, const users_arg& users) {
          cfg x;
          x.c.address = address;
          x.c.confirm = confirm;
          x.c.answer_timeout = py_duration(answer_timeout);
          x.c.retries = retries;
          x.c.idle_timeout = py_duration(idle_timeout);
          x.c.rate_max_frames = rate_max_frames;
          x.c.rate_window = py_duration(rate_window);
          x.c.max_consecutive_errors = max_consecutive_errors;
          x.c.max_pending_requests = max_pending_requests;
          x.c.max_unconfirmed = max_unconfirmed;
          x.c.duplicate_history = duplicate_history;
          x.c.max_outputs = max_outputs;
          x.c.first_serial = first_serial;
          x.c.utc_offset = std::chrono::minutes(utc_offset_minutes);
          x.users = users.obj;
          return x;
        }),
        py::kw_only(), py::arg("address") = d.address,
        py::arg_v("confirm", d.confirm, "ConfirmPolicy.immediate"),
        py::arg("answer_timeout") = to_py_seconds(d.answer_timeout), py::arg("retries") = d.retries,
        py::arg("idle_timeout") = to_py_seconds(d.idle_timeout),
        py::arg("rate_max_frames") = d.rate_max_frames,
        py::arg("rate_window") = to_py_seconds(d.rate_window),
        py::arg("max_consecutive_errors") = d.max_consecutive_errors,
        py::arg("max_pending_requests") = d.max_pending_requests,
        py::arg("max_unconfirmed") = d.max_unconfirmed,
        py::arg("duplicate_history") = d.duplicate_history, py::arg("max_outputs") = d.max_outputs,
        py::arg("first_serial") = d.first_serial,
        py::arg("utc_offset_minutes") = static_cast<int>(d.utc_offset.count()),
        py::arg("users") = py::none(),
        "Every setting as a keyword argument; the defaults are the C++ defaults (confirm at "
        "once, answer timeout 10 s, 3 retries, idle timeout 90 s, 200 inputs per second). Not "
        "validated here: see validate().");
  c.def_property(
      "address", [](const cfg& x) { return x.c.address; },
      [](cfg& x, std::uint64_t v) { x.c.address = v; },
      "The centre's own 6-byte address: the source of the requests it sends.");
  c.def_property(
      "confirm", [](const cfg& x) { return x.c.confirm; },
      [](cfg& x, gb::confirm_policy v) { x.c.confirm = v; },
      "When messages are confirmed (ConfirmPolicy): immediate, or after_accept (the caller "
      "calls CentreSession.accept(token) once it stored the message).");
#define FIREBUS_PY_SECONDS(NAME, DOC)                              \
  c.def_property(                                                  \
      #NAME, [](const cfg& x) { return to_py_seconds(x.c.NAME); }, \
      [](cfg& x, double v) { x.c.NAME = py_duration(v); }, DOC)
#define FIREBUS_PY_FIELD(NAME, DOC)                 \
  c.def_property(                                   \
      #NAME, [](const cfg& x) { return x.c.NAME; }, \
      [](cfg& x, decltype(gb::centre_config::NAME) v) { x.c.NAME = v; }, DOC)
  FIREBUS_PY_SECONDS(answer_timeout,
                     "Seconds to wait for a confirm or response to a request (§6.5.4; 0.001 .. "
                     "3600).");
  FIREBUS_PY_FIELD(retries, "Retransmissions of a request after the first (§6.5.5: 3; 0..100).");
  FIREBUS_PY_SECONDS(idle_timeout,
                     "Close after this many seconds without a valid frame (heartbeats count); 0: "
                     "never.");
  FIREBUS_PY_FIELD(rate_max_frames, "At most this many inputs per rate_window (1..65536) ...");
  FIREBUS_PY_SECONDS(rate_window, "... within any span shorter than this many seconds.");
  FIREBUS_PY_FIELD(max_consecutive_errors, "Bad inputs in a row tolerated; one more closes.");
  FIREBUS_PY_FIELD(max_pending_requests, "Requests waiting behind the one in flight (1..4096).");
  FIREBUS_PY_FIELD(max_unconfirmed,
                   "Messages awaiting accept() under ConfirmPolicy.after_accept (1..4096).");
  FIREBUS_PY_FIELD(duplicate_history,
                   "Confirmed messages remembered for duplicate detection (0 disables).");
  FIREBUS_PY_FIELD(max_outputs, "Outputs that may wait for poll() (16..1048576).");
  FIREBUS_PY_FIELD(first_serial, "The serial number of the centre's first request.");
#undef FIREBUS_PY_FIELD
#undef FIREBUS_PY_SECONDS
  c.def_property(
      "utc_offset_minutes", [](const cfg& x) { return static_cast<int>(x.c.utc_offset.count()); },
      [](cfg& x, int v) { x.c.utc_offset = std::chrono::minutes(v); },
      "The UTC offset of the time tags the centre writes, in minutes (default 480, China).");
  c.def_property(
      "users", [](const cfg& x) { return typed<user_types_or_none_t>{x.users}; },
      [](cfg& x, const users_arg& u) { x.users = u.obj; },
      "User-defined ADU types (a UserTypes registry) to check and decode object by object, or "
      "None. Kept alive by the config and its sessions.");
  c.def(
      "validate",
      [](const cfg& x) {
        std::error_code ec;
        x.c.validate(ec);
        check(ec, "gb26875.CentreSessionConfig");
      },
      "Raises CoreError (invalid_argument) if a setting is out of range; returns None if usable.");
  c.def(
      "__eq__",
      [](const cfg& a, const cfg& b) {
        const gb::centre_config& x = a.c;
        const gb::centre_config& y = b.c;
        return x.address == y.address && x.confirm == y.confirm &&
               x.answer_timeout == y.answer_timeout && x.retries == y.retries &&
               x.idle_timeout == y.idle_timeout && x.rate_max_frames == y.rate_max_frames &&
               x.rate_window == y.rate_window &&
               x.max_consecutive_errors == y.max_consecutive_errors &&
               x.max_pending_requests == y.max_pending_requests &&
               x.max_unconfirmed == y.max_unconfirmed &&
               x.duplicate_history == y.duplicate_history && x.max_outputs == y.max_outputs &&
               x.first_serial == y.first_serial && x.utc_offset == y.utc_offset &&
               a.users.is(b.users);
      },
      py::is_operator(), py::arg("other"),
      "Equal if every setting is equal (users: the same object).");
  c.def(
      "__copy__", [](const cfg& x) { return x; }, "A copy (sharing the UserTypes).");
  c.def(
      "__deepcopy__", [](const cfg& x, const py::dict&) { return x; }, py::arg("memo"),
      "A copy (sharing the UserTypes).");
  c.def(
      "__repr__",
      [](const cfg& x) {
        std::ostringstream s;
        s << "CentreSessionConfig(address=" << hex_address(x.c.address)
          << ", confirm=" << enum_repr(x.c.confirm)
          << ", answer_timeout=" << seconds_text(to_py_seconds(x.c.answer_timeout))
          << ", retries=" << x.c.retries
          << ", idle_timeout=" << seconds_text(to_py_seconds(x.c.idle_timeout))
          << ", rate_max_frames=" << x.c.rate_max_frames
          << ", rate_window=" << seconds_text(to_py_seconds(x.c.rate_window))
          << ", max_consecutive_errors=" << x.c.max_consecutive_errors
          << ", max_pending_requests=" << x.c.max_pending_requests
          << ", max_unconfirmed=" << x.c.max_unconfirmed
          << ", duplicate_history=" << x.c.duplicate_history << ", max_outputs=" << x.c.max_outputs
          << ", first_serial=" << x.c.first_serial
          << ", utc_offset_minutes=" << x.c.utc_offset.count() << ", users=" << repr_of(x.users)
          << ")";
        return s.str();
      },
      "CentreSessionConfig(...) with every setting.");
}

void bind_centre_values(py::module_& m, py::class_<centre_py>& session) {
  py::class_<cs::send>(m, "CentreSend",
                       "Output of CentreSession.poll(): bytes to write to the connection (one "
                       "whole frame).")
      .def_property_readonly(
          "bytes", [](const cs::send& x) { return to_bytes(x.bytes); }, "The frame.")
      .def(
          "__repr__",
          [](const cs::send& x) {
            std::string cmd = "?";
            if (x.bytes.size() >= gb::header_size) {
              cmd = enum_repr(static_cast<gb::command>(x.bytes[26]));
            }
            return "CentreSend(command=" + cmd + ", bytes=<" + std::to_string(x.bytes.size()) +
                   " bytes>)";
          },
          "CentreSend(command=..., bytes=<n bytes>).");

  py::class_<message_py>(m, "CentreMessage",
                         "Output of CentreSession.poll(): a message from the UITD (send data or "
                         "control with an ADU), checked. Under ConfirmPolicy.after_accept pass "
                         "its token to accept() or reject().")
      .def_property_readonly(
          "header", [](const message_py& x) { return x.m.hdr; }, "Its Header, as received.")
      .def_property_readonly(
          "adu", [](const message_py& x) { return to_bytes(x.m.adu_bytes); },
          "Its ADU bytes (C++ adu_bytes).")
      .def_property_readonly(
          "token", [](const message_py& x) { return x.m.token; },
          "ConfirmPolicy.after_accept: the token for accept()/reject(); 0: already confirmed.")
      .def_property_readonly(
          "duplicate", [](const message_py& x) { return x.m.duplicate; },
          "A retransmission of a message already confirmed (confirmed again; store it "
          "idempotently).")
      .def_property_readonly(
          "users", [](const message_py& x) { return typed<user_types_or_none_t>{x.users}; },
          "The UserTypes it was checked with, or None.")
      .def_property_readonly(
          "serial", [](const message_py& x) { return x.m.hdr.serial; }, "header.serial.")
      .def_property_readonly(
          "command", [](const message_py& x) { return x.m.hdr.cmd; }, "header.command.")
      .def(
          "decode",
          [](const message_py& x) {
            return typed<adu_t>{decode_with(x.m.adu_bytes, x.users, "CentreSession.Message")};
          },
          "The ADU as an Adu (decoded with `users`).")
      .def(
          "__repr__",
          [](const message_py& x) {
            return "CentreMessage(header=" + header_repr(x.m.hdr) +
                   ", adu=" + repr_of(to_bytes(x.m.adu_bytes)) +
                   ", token=" + std::to_string(x.m.token) +
                   ", duplicate=" + (x.m.duplicate ? "True" : "False") + ")";
          },
          "CentreMessage(header=..., adu=..., token=..., duplicate=...).");

  py::class_<cs::heartbeat>(m, "CentreHeartbeat",
                            "Output of CentreSession.poll(): an empty send-data frame from the "
                            "UITD, already confirmed.")
      .def_readonly("header", &cs::heartbeat::hdr, "Its Header.")
      .def(
          "__repr__",
          [](const cs::heartbeat& x) {
            return "CentreHeartbeat(header=" + header_repr(x.hdr) + ")";
          },
          "CentreHeartbeat(header=...).");

  py::class_<answer_py>(m, "CentreAnswer",
                        "Output of CentreSession.poll(): the answer to a request() (a response "
                        "with its ADU) or to a control() (a confirm, empty ADU).")
      .def_property_readonly(
          "id", [](const answer_py& x) { return x.a.id; }, "What request()/control() returned.")
      .def_property_readonly(
          "header", [](const answer_py& x) { return x.a.hdr; }, "The answer's Header.")
      .def_property_readonly(
          "adu", [](const answer_py& x) { return to_bytes(x.a.adu_bytes); },
          "The response's ADU bytes (checked); b'' for a confirm.")
      .def(
          "decode",
          [](const answer_py& x) -> typed<adu_or_none_t> {
            if (x.a.adu_bytes.empty()) return {py::none()};
            return {decode_with(x.a.adu_bytes, x.users, "CentreSession.Answer")};
          },
          "The response's ADU as an Adu; None for a confirm (empty ADU).")
      .def(
          "__repr__",
          [](const answer_py& x) {
            return "CentreAnswer(id=" + std::to_string(x.a.id) +
                   ", header=" + header_repr(x.a.hdr) +
                   ", adu=" + repr_of(to_bytes(x.a.adu_bytes)) + ")";
          },
          "CentreAnswer(id=..., header=..., adu=...).");

  py::class_<cs::failed>(m, "CentreFailed",
                         "Output of CentreSession.poll(): a request() or control() ended "
                         "without an answer.")
      .def_readonly("id", &cs::failed::id, "What request()/control() returned.")
      .def_property_readonly(
          "reason", [](const cs::failed& x) { return error_obj{error_object(x.reason)}; },
          "Why, a firebus.GB26875Error instance (not raised): denied, no_answer, or "
          "not_connected (closed first).")
      .def(
          "__repr__",
          [](const cs::failed& x) {
            return "CentreFailed(id=" + std::to_string(x.id) + ", reason=" + error_repr(x.reason) +
                   ")";
          },
          "CentreFailed(id=..., reason=...).");

  py::class_<cs::denied_input>(m, "CentreDeniedInput",
                               "Output of CentreSession.poll(): a frame answered with deny "
                               "(§6.5.3), and why.")
      .def_property_readonly(
          "reason", [](const cs::denied_input& x) { return error_obj{error_object(x.reason)}; },
          "Why, a firebus.Error instance (not raised): the ADU's decoding error, unknown_command, "
          "checksum_mismatch, ...")
      .def_readonly("serial", &cs::denied_input::serial, "The serial number the deny echoes.")
      .def(
          "__repr__",
          [](const cs::denied_input& x) {
            return "CentreDeniedInput(reason=" + error_repr(x.reason) +
                   ", serial=" + std::to_string(x.serial) + ")";
          },
          "CentreDeniedInput(reason=..., serial=...).");

  py::class_<cs::dropped_input>(m, "CentreDroppedInput",
                                "Output of CentreSession.poll(): input neither delivered nor "
                                "answered.")
      .def_property_readonly(
          "reason", [](const cs::dropped_input& x) { return error_obj{error_object(x.reason)}; },
          "Why, a firebus.GB26875Error instance (not raised): unexpected_answer, queue_full, or "
          "the deframer's reason (garbage, bad_end, ...).")
      .def_readonly("has_serial", &cs::dropped_input::has_serial,
                    "Whether `serial` is known (not for rejected bytes).")
      .def_property_readonly(
          "serial",
          [](const cs::dropped_input& x) -> std::optional<std::uint16_t> {
            if (!x.has_serial) return std::nullopt;
            return x.serial;
          },
          "The frame's serial number, or None if unknown.")
      .def(
          "__repr__",
          [](const cs::dropped_input& x) {
            return "CentreDroppedInput(reason=" + error_repr(x.reason) +
                   ", serial=" + (x.has_serial ? std::to_string(x.serial) : std::string("None")) +
                   ")";
          },
          "CentreDroppedInput(reason=..., serial=...).");

  py::class_<cs::close>(m, "CentreClose",
                        "Output of CentreSession.poll(): close the connection; the engine has "
                        "stopped (its last output).")
      .def_property_readonly(
          "reason", [](const cs::close& x) { return x.reason; }, "Why (a CentreCloseReason).")
      .def(
          "__repr__",
          [](const cs::close& x) { return "CentreClose(reason=" + enum_repr(x.reason) + ")"; },
          "CentreClose(reason=...).");

  using cc = gb::centre_counters;
  // C++ nests them in centre_session; CentreSession.Send etc. name the same classes.
  for (const char* n : {"Send", "Message", "Heartbeat", "Answer", "Failed", "DeniedInput",
                        "DroppedInput", "Close"}) {
    session.attr(n) = m.attr((std::string("Centre") + n).c_str());
  }

  py::class_<cc> c(m, "CentreCounters",
                   "A snapshot of a CentreSession's counters; every count only grows.");
#define FIREBUS_PY_CENTRE_COUNTERS(X)                                            \
  X(frames_in, "Frames given to on_frame()/receive() and handled.")              \
  X(messages, "Messages delivered (duplicates included).")                       \
  X(heartbeats, "Empty send-data frames.")                                       \
  X(duplicates, "Retransmissions recognised.")                                   \
  X(confirms_sent, "Confirm frames written.")                                    \
  X(denies_sent, "Deny frames written.")                                         \
  X(rejections, "Rejected bytes given to on_rejection()/receive().")             \
  X(unexpected_answers, "Answers that matched nothing.")                         \
  X(dropped, "Messages neither delivered nor answered (queue_full).")            \
  X(requests_sent, "First transmissions of the centre's requests and controls.") \
  X(retransmissions, "Repeated transmissions of them.")                          \
  X(answers, "Requests answered.")                                               \
  X(failures, "Requests failed.")                                                \
  X(rate_limited, "1 if the connection was closed for its rate.")                \
  X(ignored_after_close, "Inputs that arrived after the close.")
#define FIREBUS_PY_RO(NAME, DOC) c.def_readonly(#NAME, &cc::NAME, DOC);
  FIREBUS_PY_CENTRE_COUNTERS(FIREBUS_PY_RO)
#undef FIREBUS_PY_RO
  c.def(
      "to_dict",
      [](const cc& x) {
        py::dict d;
#define FIREBUS_PY_ITEM(NAME, DOC) d[#NAME] = x.NAME;
        FIREBUS_PY_CENTRE_COUNTERS(FIREBUS_PY_ITEM)
#undef FIREBUS_PY_ITEM
        return d;
      },
      "Every counter in a dict, e.g. for metrics.");
  c.def(
      "__repr__",
      [](const cc& x) {
        std::ostringstream s;
        s << "CentreCounters(";
        bool first = true;
#define FIREBUS_PY_ITEM(NAME, DOC) \
  if (!first) s << ", ";           \
  first = false;                   \
  s << #NAME << "=" << x.NAME;
        FIREBUS_PY_CENTRE_COUNTERS(FIREBUS_PY_ITEM)
#undef FIREBUS_PY_ITEM
        s << ")";
        return s.str();
      },
      "CentreCounters(frames_in=..., ...).");
#undef FIREBUS_PY_CENTRE_COUNTERS
}

// A gb::rejection from a firebus.gb26875.Rejection (duck-typed: its class is private to
// bind_gb26875.cpp). `candidate` keeps the bytes the view points into.
gb::rejection rejection_of(py::handle r, std::string& candidate) {
  gb::rejection x;
  x.reason = gb::make_error_code(static_cast<gb::errc>(r.attr("code").cast<int>()));
  x.stream_offset = r.attr("stream_offset").cast<std::uint64_t>();
  x.length = r.attr("length").cast<std::uint64_t>();
  x.diag.offset = r.attr("offset").cast<std::size_t>();
  x.diag.expected = r.attr("expected").cast<std::uint32_t>();
  x.diag.found = r.attr("found").cast<std::uint32_t>();
  candidate = r.attr("candidate").cast<std::string>();
  x.candidate = view_of(candidate);
  return x;
}

void bind_centre(py::module_& m) {
  py::class_<centre_py> c(
      m, "CentreSession", gc_support<centre_py, centre_visit, centre_clear>(),
      "The sans-I/O protocol engine of one UITD connection at the monitoring centre (C++ "
      "gb26875::centre_session): GB/T 26875.3 without sockets, threads or clocks.\n\n"
      "Create one per accepted connection. Feed it every frame (receive() or on_frame()) and "
      "every rejection of your Deframer (on_rejection()), call advance(now) at next_deadline(), "
      "and handle what poll() gives: CentreSend (bytes to write), CentreMessage (a checked "
      "message; confirmed at once, or after accept(token) under ConfirmPolicy.after_accept), "
      "CentreHeartbeat, CentreAnswer / CentreFailed (of your request() and control()), "
      "CentreDeniedInput, CentreDroppedInput, and at most one CentreClose (close the connection: "
      "idle timeout, rate limit, too many errors, "
      "output overflow, or on_disconnected()). Times are float seconds on your monotonic time "
      "line; the engine's clock never runs backwards. Not thread-safe.");
  bind_centre_values(m, c);
  c.def(py::init<const centre_config_py&, double>(), py::arg("config"), py::arg("start") = 0.0,
        "An engine for a connection accepted at monotonic `start` (the idle timer starts then). "
        "Raises CoreError (invalid_argument) if config.validate() does.");
  c.def_property_readonly(
      "config", [](const centre_py& x) { return x.config(); },
      "A copy of the configuration (CentreSessionConfig).");
  c.def(
      "set_wall_clock",
      [](centre_py& x, double at, double utc) {
        x.s().set_wall_clock(py_mono_time(at), py_utc_time(utc));
      },
      py::arg("at"), py::arg("utc"),
      "Sets the wall clock: monotonic `at` is UTC `utc` (Unix seconds). The time tags of the "
      "frames the engine writes derive from it (at utc_offset_minutes). Until called, answers "
      "carry the time tag of the frame they answer and requests 2000-01-01 00:00:00.");
  c.def(
      "on_frame",
      [](centre_py& x, const frame_in& f, double now) {
        if (f.is_frame) {
          x.s().on_frame(gb::frame_view{f.hdr, view_of(f.bytes)}, py_mono_time(now));
          return;
        }
        std::error_code ec;
        const gb::frame_view fv = gb::decode_frame(view_of(f.bytes), ec);
        check(ec, "gb26875.CentreSession.on_frame");
        x.s().on_frame(fv, py_mono_time(now));
      },
      py::arg("frame"), py::arg("now"),
      "Handles one valid frame from the UITD (a Frame, or a valid frame's bytes): messages, "
      "heartbeats, answers (rules 1-6 of the C++ documentation). Bytes that are not a valid "
      "frame raise GB26875Error and change nothing (receive() handles them as a Deframer "
      "would).");
  c.def(
      "on_rejection",
      [](centre_py& x, const typed<rejection_t>& r, double now) {
        if (PyObject_IsInstance(r.obj.ptr(), rejection_class) != 1) {
          PyErr_Clear();
          throw py::type_error("gb26875.CentreSession.on_rejection: a Rejection expected, " +
                               repr_of(py::type::of(r.obj)) + " found");
        }
        std::string candidate;
        const gb::rejection rej = rejection_of(r.obj, candidate);
        x.s().on_rejection(rej, py_mono_time(now));
      },
      py::arg("rejection"), py::arg("now"),
      "Handles a Rejection from a Deframer: checksum_mismatch is denied echoing its serial "
      "number (§6.5.3); other rejections are counted and reported as DroppedInput. Both count "
      "towards max_consecutive_errors.");
  c.def(
      "receive",
      [](centre_py& x, const frame_in& f, double now) {
        const firebus::mono_time t = py_mono_time(now);
        if (f.is_frame) {
          x.s().on_frame(gb::frame_view{f.hdr, view_of(f.bytes)}, t);
          return;
        }
        std::error_code ec;
        gb::frame_diagnostic diag;
        const firebus::byte_view bytes = view_of(f.bytes);
        const gb::frame_view fv = gb::decode_frame(bytes, ec, &diag);
        if (!ec) {
          x.s().on_frame(fv, t);
          return;
        }
        gb::rejection r;
        r.reason = ec;
        r.length = to_u64(bytes.size());
        r.diag = diag;
        // The candidate as the deframer gives it: the frame, or its 27 header bytes for a
        // length over 1024.
        if (ec == gb::errc::checksum_mismatch || ec == gb::errc::bad_end) r.candidate = bytes;
        if (ec == gb::errc::adu_too_long) r.candidate = bytes.first(gb::header_size);
        x.s().on_rejection(r, t);
      },
      py::arg("frame"), py::arg("now"),
      "Handles one frame from the UITD (a Frame, or the bytes of one frame). Bytes that are no "
      "valid frame are handled as the Deframer's rejection of them: a frame refused for its "
      "checksum, its end bytes or an ADU length over 1024 is denied echoing its serial number "
      "(§6.5.3; the last two only when it reads as a frame start, protocol version 1), anything "
      "else is counted and reported as a DroppedInput. Never raises for bad bytes.");
  c.def(
      "advance", [](centre_py& x, double now) { x.s().advance(py_mono_time(now)); }, py::arg("now"),
      "Runs what is due at or before `now`: retransmissions, request failures, the idle "
      "timeout.");
  c.def(
      "next_deadline",
      [](const centre_py& x) -> std::optional<double> {
        const firebus::mono_time d = x.s().next_deadline();
        if (d == firebus::mono_time::max()) return std::nullopt;
        return to_py_seconds(d);
      },
      "When advance() next has something to do (monotonic seconds), or None.");
  c.def(
      "request",
      [](centre_py& x, const adu_in& a, double now) {
        const gb::adu cpp = adu_of(a, x.users(), "gb26875.CentreSession.request");
        std::error_code ec;
        const std::uint64_t id = x.s().request(cpp, py_mono_time(now), ec);
        check(ec, "gb26875.CentreSession.request");
        return id;
      },
      py::arg("adu"), py::arg("now"),
      "Sends a read (command 4; ADU types 61-88 or user-defined; an Adu or ADU bytes) to the "
      "UITD and returns its id (>= 1): it ends as an Answer or a Failed. One is in flight at a "
      "time, the others queue. Raises GB26875Error not_connected (closed, or no frame from the "
      "UITD yet: its address is unknown), queue_full, a decoding/encoding error, or CoreError "
      "invalid_argument for another ADU type.");
  c.def(
      "control",
      [](centre_py& x, const adu_in& a, double now) {
        const gb::adu cpp = adu_of(a, x.users(), "gb26875.CentreSession.control");
        std::error_code ec;
        const std::uint64_t id = x.s().control(cpp, py_mono_time(now), ec);
        check(ec, "gb26875.CentreSession.control");
        return id;
      },
      py::arg("adu"), py::arg("now"),
      "Sends a control command (command 1; ADU type 89 initialise, 90 clock sync, 91 duty "
      "check, or user-defined) and returns its id; the Answer is the UITD's confirm. Errors as "
      "request().");
  c.def(
      "accept",
      [](centre_py& x, std::uint64_t token, double now) {
        std::error_code ec;
        x.s().accept(token, py_mono_time(now), ec);
        check(ec, "gb26875.CentreSession.accept");
      },
      py::arg("token"), py::arg("now"),
      "ConfirmPolicy.after_accept: the message with `token` is stored; sends its confirm. "
      "Raises CoreError invalid_argument for an unknown token, GB26875Error not_connected after "
      "the close.");
  c.def(
      "reject",
      [](centre_py& x, std::uint64_t token, double now) {
        std::error_code ec;
        x.s().reject(token, py_mono_time(now), ec);
        check(ec, "gb26875.CentreSession.reject");
      },
      py::arg("token"), py::arg("now"),
      "ConfirmPolicy.after_accept: the message with `token` was not stored; sends a deny (the "
      "UITD keeps it and sends it again). Errors as accept().");
  c.def(
      "on_disconnected", [](centre_py& x) { x.s().on_disconnected(); },
      "The transport saw the connection end: pending requests fail (not_connected), the engine "
      "closes (Close with CentreCloseReason.disconnected). Does nothing if already closed.");
  c.def("poll", &centre_py::poll,
        "Takes the oldest output (CentreSend, CentreMessage, CentreHeartbeat, CentreAnswer, "
        "CentreFailed, CentreDeniedInput, CentreDroppedInput or CentreClose); None if there is "
        "none.");
  c.def(
      "outputs",
      [](centre_py& x) {
        std::vector<centre_output> all;
        while (auto o = x.poll()) all.push_back(std::move(*o));
        return all;
      },
      "Takes every waiting output, in order (poll() until None).");
  c.def_property_readonly(
      "pending_outputs", [](const centre_py& x) { return x.s().pending_outputs(); },
      "Outputs waiting for poll().");
  c.def_property_readonly(
      "pending_requests", [](const centre_py& x) { return x.s().pending_requests(); },
      "Requests and controls not yet ended (in flight and queued).");
  c.def_property_readonly(
      "unconfirmed", [](const centre_py& x) { return x.s().unconfirmed(); },
      "Messages waiting for accept() or reject().");
  c.def_property_readonly(
      "closed", [](const centre_py& x) { return x.s().closed(); },
      "True once the engine has closed (it then ignores every input).");
  c.def_property_readonly(
      "has_peer", [](const centre_py& x) { return x.s().has_peer(); },
      "Whether the UITD's address is known (from its first frame).");
  c.def_property_readonly(
      "peer_address", [](const centre_py& x) { return x.s().peer_address(); },
      "The UITD's address (its first frame's source); 0 before.");
  c.def(
      "counters", [](const centre_py& x) { return x.s().counters(); },
      "A snapshot of the counters (CentreCounters).");
  c.def(
      "__repr__",
      [](const centre_py& x) {
        std::ostringstream s;
        s << "<CentreSession " << hex_address(x.s().config().address) << " peer="
          << (x.s().has_peer() ? hex_address(x.s().peer_address()) : std::string("None")) << " "
          << (x.s().closed() ? "closed" : "open")
          << ", pending_requests=" << x.s().pending_requests()
          << ", unconfirmed=" << x.s().unconfirmed()
          << ", pending_outputs=" << x.s().pending_outputs() << ">";
        return s.str();
      },
      "<CentreSession address peer=... open, ...>.");
}

template <class E>
void ensure_enum(py::module_& m, const char* name,
                 std::initializer_list<std::pair<const char*, E>> values, const char* doc) {
  if (enum_registry<E>::type != nullptr && py::hasattr(m, name)) return;
  make_enum<E>(m, name, "firebus.gb26875", values, doc);
}

}  // namespace session_detail

void bind_session(py::module_& m) {
  using namespace session_detail;
  frame_class = py::object(m.attr("Frame")).release().ptr();
  adu_class = py::object(m.attr("Adu")).release().ptr();
  rejection_class = py::object(m.attr("Rejection")).release().ptr();
  // Shared with bind_io.cpp (created there first; created here if that file did not).
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
      "When the centre confirms a message: at once, or after accept().");
  ensure_enum<gb::uitd_event_kind>(m, "ClientEventKind",
                                   {{"init_request", gb::uitd_event_kind::init_request},
                                    {"clock_sync", gb::uitd_event_kind::clock_sync},
                                    {"duty_check", gb::uitd_event_kind::duty_check},
                                    {"unexpected_answer", gb::uitd_event_kind::unexpected_answer},
                                    {"heartbeat_failed", gb::uitd_event_kind::heartbeat_failed},
                                    {"request_denied", gb::uitd_event_kind::request_denied}},
                                   "What a ClientEvent or UitdEvent reports.");
  ensure_enum<gb::close_reason>(
      m, "CentreCloseReason",
      {{"idle_timeout", gb::close_reason::idle_timeout},
       {"rate_limit", gb::close_reason::rate_limit},
       {"too_many_errors", gb::close_reason::too_many_errors},
       {"output_overflow", gb::close_reason::output_overflow},
       {"disconnected", gb::close_reason::disconnected}},
      "Why a CentreSession tells the transport to close the connection (C++ "
      "gb26875::close_reason).");
  bind_uitd_config(m);
  bind_uitd_values(m);
  bind_uitd(m);
  bind_centre_config(m);
  bind_centre(m);
}

}  // namespace firebus_py
