// firebus — fire-safety IoT SDK.
//
// firebus._firebus.modbus: the bus scheduler (<firebus/modbus/scheduler.hpp>) and the buses that
// drive it: Modbus TCP over a socket (<firebus/io/modbus_tcp_bus.hpp>) and Modbus RTU over a
// serial line (<firebus/io/modbus_rtu_bus.hpp>).
//
// Scheduler is pure: every call runs on the caller's thread with the GIL held, and times are float
// seconds on the caller's time line (common.hpp), so a Python simulation replays exactly as a C++
// one. Outcomes carry their error as a firebus.Error (None for a valid reply); complete() takes a
// firebus.modbus.Errc, a firebus.Error (e.g. the ModbusError parse_tcp_reply raised) or None.
//
// TcpBus and RtuBus are one class template, py_bus<Bus>, over the two C++ buses, which share
// their devices, callbacks, writes and counters (<firebus/io/modbus_bus.hpp>); bus_traits<Bus>
// holds what differs. They follow gb26875.Client (bind_io.cpp, io_common.hpp): each owns an
// io_context and the I/O thread that runs it (the RTU bus's libmodbus thread posts its results
// there); the C++ callbacks take the GIL there and call the Python callables (their exceptions go
// to sys.unraisablehook). Readings come as firebus.profile.Readings and failed points as point
// ids, through the device's Codec (held by std::shared_ptr, shared with the C++ bus). stop() and
// close() join the I/O thread with the GIL released, so that no callback runs once they return
// (unless called from a callback). Times of readings are float seconds since the bus's epoch, a
// time.monotonic() reading (TcpBusConfig.epoch, RtuBusConfig.epoch), so that several buses and an
// alarm engine can share one time line.
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <asio.hpp>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/io/modbus_rtu_bus.hpp>
#include <firebus/io/modbus_tcp_bus.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/modbus/scheduler.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile/error.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "io_common.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::modbus::poll_priority, MbPollPriority,
                "firebus._firebus.modbus.PollPriority")
FIREBUS_PY_ENUM(firebus::modbus::rts_mode, MbRtsMode, "firebus._firebus.modbus.RtsMode")

namespace firebus_py {
namespace bus_detail {

// An error passed to Scheduler.complete(): a firebus.modbus.Errc, a firebus.Error, or None.
struct error_arg {
  std::error_code ec;
};

// Three durations, one per poll class (alarm, measurement, config), as float seconds.
struct period_arg {
  std::array<double, 3> seconds{};
};

}  // namespace bus_detail
}  // namespace firebus_py

namespace pybind11 {
namespace detail {

template <>
struct type_caster<firebus_py::bus_detail::error_arg> {
  PYBIND11_TYPE_CASTER(
      firebus_py::bus_detail::error_arg,
      const_name("typing.Union[firebus._firebus.modbus.Errc, firebus._firebus.Error, None]"));
  bool load(handle src, bool) {
    namespace mb = firebus::modbus;
    if (!src) return false;
    if (src.is_none()) {
      value.ec = {};
      return true;
    }
    if (PyLong_Check(src.ptr())) {
      if (PyBool_Check(src.ptr())) return false;
      make_caster<mb::errc> code;
      if (!code.load(src, true)) return false;
      value.ec = mb::make_error_code(cast_op<mb::errc&>(code));
      return true;
    }
    object error = module_::import("firebus._firebus").attr("Error");
    if (!isinstance(src, error)) return false;
    try {
      const std::string cat = str(src.attr("category")).cast<std::string>();
      const int code = src.attr("code").cast<int>();
      const std::error_category* c = nullptr;
      if (cat == mb::category().name()) c = &mb::category();
      if (cat == firebus::profile::category().name()) c = &firebus::profile::category();
      if (cat == firebus::core_category().name()) c = &firebus::core_category();
      if (cat == std::generic_category().name()) c = &std::generic_category();
      if (cat == std::system_category().name()) c = &std::system_category();
      if (c == nullptr || code == 0) return false;
      value.ec = std::error_code(code, *c);
      return true;
    } catch (const std::exception&) {  // no such attributes, or not an int
      PyErr_Clear();
      return false;
    }
  }
  static handle cast(const firebus_py::bus_detail::error_arg& v, return_value_policy, handle) {
    if (!v.ec) return none().release();
    return firebus_py::io_detail::error_object(v.ec).release();
  }
};

template <>
struct type_caster<firebus_py::bus_detail::period_arg> {
  PYBIND11_TYPE_CASTER(firebus_py::bus_detail::period_arg,
                       const_name("typing.Tuple[float, float, float]"));
  bool load(handle src, bool) {
    if (!src || !PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr()) ||
        PyBytes_Check(src.ptr())) {
      return false;
    }
    const Py_ssize_t n = PySequence_Size(src.ptr());
    if (n != 3) {
      PyErr_Clear();
      return false;
    }
    for (Py_ssize_t i = 0; i < 3; ++i) {
      object item = reinterpret_steal<object>(PySequence_GetItem(src.ptr(), i));
      if (!item || PyBool_Check(item.ptr()) ||
          !(PyFloat_Check(item.ptr()) || PyLong_Check(item.ptr()))) {
        PyErr_Clear();
        return false;
      }
      const double s = PyFloat_AsDouble(item.ptr());
      if (s == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return false;
      }
      value.seconds[static_cast<std::size_t>(i)] = s;
    }
    return true;
  }
  static handle cast(const firebus_py::bus_detail::period_arg& v, return_value_policy, handle) {
    return make_tuple(v.seconds[0], v.seconds[1], v.seconds[2]).release();
  }
};

}  // namespace detail
}  // namespace pybind11

namespace firebus_py {
namespace bus_detail {

namespace mb = firebus::modbus;
namespace prof = firebus::profile;
using io_detail::error_object;

constexpr const char* module_name = "firebus.modbus";

// How long stop() and close() let the I/O thread end before they stop its io_context.
constexpr std::chrono::milliseconds close_grace{1500};

#define FIREBUS_PY_TYPED(TAG, TEXT)                            \
  struct TAG {                                                 \
    static constexpr auto name = py::detail::const_name(TEXT); \
  };
FIREBUS_PY_TYPED(error_or_none_t, "typing.Optional[firebus._firebus.Error]")
FIREBUS_PY_TYPED(exc_type_t, "typing.Optional[typing.Type[BaseException]]")
FIREBUS_PY_TYPED(exc_t, "typing.Optional[BaseException]")
FIREBUS_PY_TYPED(tb_t, "typing.Optional[types.TracebackType]")
FIREBUS_PY_TYPED(bounds_t, "typing.Tuple[float, ...]")
#undef FIREBUS_PY_TYPED
#define FIREBUS_PY_CALLABLE(TAG, TEXT)                   \
  struct TAG {                                           \
    static constexpr auto name = py::detail::const_name( \
        "typing.Optional["                               \
        "typing.Callable[" TEXT "]]");                   \
  };
FIREBUS_PY_CALLABLE(readings_sig, "[int, float, firebus._firebus.profile.Readings], None")
FIREBUS_PY_CALLABLE(failure_sig, "[int, float, typing.List[str], firebus._firebus.Error], None")
FIREBUS_PY_CALLABLE(write_sig, "[int, typing.Optional[firebus._firebus.Error]], None")
FIREBUS_PY_CALLABLE(connection_sig, "[bool, typing.Optional[firebus._firebus.Error]], None")
#undef FIREBUS_PY_CALLABLE

using error_or_none = typed<error_or_none_t>;

error_or_none error_or_none_of(const std::error_code& ec) {
  return error_or_none{ec ? error_object(ec) : py::object(py::none())};
}

// Python's shortest repr of a float.
std::string seconds_text(double s) { return py::repr(py::float_(s)).cast<std::string>(); }
std::string seconds_text(firebus::duration d) { return seconds_text(to_py_seconds(d)); }

std::string quoted(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

// The shortest text that reads back to the same double (18, 0.5, 1e-06), as in bind_profile.cpp.
std::string number_text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

const char* priority_name(mb::poll_priority p) {
  switch (p) {
    case mb::poll_priority::alarm:
      return "alarm";
    case mb::poll_priority::measurement:
      return "measurement";
    case mb::poll_priority::config:
      break;
  }
  return "config";
}

// --- the scheduler's values ------------------------------------------------------------------

// A bucket bound in seconds; the last bucket's (INT64_MAX µs) is infinity.
double bound_seconds(std::int64_t us) {
  return us == std::numeric_limits<std::int64_t>::max() ? std::numeric_limits<double>::infinity()
                                                        : static_cast<double>(us) / 1e6;
}

bool same(const mb::latency_histogram& a, const mb::latency_histogram& b) {
  return a.counts == b.counts;
}

bool same(const mb::bus_counters& a, const mb::bus_counters& b) {
  return a.requests == b.requests && a.replies == b.replies && a.exceptions == b.exceptions &&
         a.timeouts == b.timeouts && a.bad_replies == b.bad_replies &&
         a.other_errors == b.other_errors && a.retries == b.retries && a.splits == b.splits &&
         a.quarantines == b.quarantines && a.dropped == b.dropped &&
         a.skipped_cycles == b.skipped_cycles && a.overruns == b.overruns && a.busy == b.busy &&
         same(a.latency, b.latency);
}

bool same(const mb::request& a, const mb::request& b) {
  return a.fn == b.fn && a.address == b.address && a.quantity == b.quantity &&
         a.write_address == b.write_address && a.values == b.values;
}

bool same(const mb::job& a, const mb::job& b) {
  return a.id == b.id && a.device == b.device && a.unit == b.unit && a.prio == b.prio &&
         same(a.read.req, b.read.req) && a.read.items == b.read.items && a.write_id == b.write_id &&
         a.probe == b.probe && a.attempt == b.attempt && a.sent == b.sent &&
         a.deadline == b.deadline;
}

bool same(const mb::device_policy& a, const mb::device_policy& b) {
  return a.period == b.period && a.timeout == b.timeout && a.retries == b.retries &&
         a.quarantine_after == b.quarantine_after && a.backoff_initial == b.backoff_initial &&
         a.backoff_max == b.backoff_max;
}

std::string job_repr(const mb::job& j) {
  std::ostringstream s;
  s << "Job(id=" << j.id << ", device=" << j.device << ", unit=" << int{j.unit}
    << ", priority=PollPriority." << priority_name(j.prio)
    << ", request=" << py::repr(py::cast(j.read.req)).cast<std::string>();
  if (j.write_id != 0) s << ", write_id=" << j.write_id;
  if (j.probe) s << ", probe=True";
  if (j.attempt != 0) s << ", attempt=" << j.attempt;
  s << ", sent=" << seconds_text(to_py_seconds(j.sent))
    << ", deadline=" << seconds_text(to_py_seconds(j.deadline)) << ")";
  return s.str();
}

std::string counters_repr(const mb::bus_counters& c) {
  std::ostringstream s;
  s << "BusCounters(requests=" << c.requests << ", replies=" << c.replies
    << ", exceptions=" << c.exceptions << ", timeouts=" << c.timeouts
    << ", bad_replies=" << c.bad_replies << ", other_errors=" << c.other_errors
    << ", retries=" << c.retries << ", splits=" << c.splits << ", quarantines=" << c.quarantines
    << ", dropped=" << c.dropped << ", skipped_cycles=" << c.skipped_cycles
    << ", overruns=" << c.overruns << ", busy=" << seconds_text(c.busy) << ")";
  return s.str();
}

mb::device_policy policy_of(const period_arg& period, double timeout, int retries,
                            int quarantine_after, double backoff_initial, double backoff_max) {
  mb::device_policy p;
  for (std::size_t c = 0; c < 3; ++c) p.period[c] = py_duration(period.seconds[c]);
  p.timeout = py_duration(timeout);
  p.retries = retries;
  p.quarantine_after = quarantine_after;
  p.backoff_initial = py_duration(backoff_initial);
  p.backoff_max = py_duration(backoff_max);
  return p;
}

period_arg period_of(const mb::device_policy& p) {
  return period_arg{
      {to_py_seconds(p.period[0]), to_py_seconds(p.period[1]), to_py_seconds(p.period[2])}};
}

void bind_values(py::module_& m) {
  make_enum<mb::poll_priority>(m, "PollPriority", module_name,
                               {{"alarm", mb::poll_priority::alarm},
                                {"measurement", mb::poll_priority::measurement},
                                {"config", mb::poll_priority::config}},
                               "Poll classes, in the order a bus serves them: alarm-state points, "
                               "measured values, configuration reads and writes.");

  using pol = mb::device_policy;
  const pol d;
  py::class_<pol> p(m, "DevicePolicy",
                    "How a device is polled and when it is given up on. Times in seconds.");
  p.def(py::init(&policy_of), py::kw_only(), py::arg("period") = period_of(d),
        py::arg("timeout") = to_py_seconds(d.timeout), py::arg("retries") = d.retries,
        py::arg("quarantine_after") = d.quarantine_after,
        py::arg("backoff_initial") = to_py_seconds(d.backoff_initial),
        py::arg("backoff_max") = to_py_seconds(d.backoff_max),
        "Every setting as a keyword argument; the defaults are the C++ defaults (periods 1 s, "
        "10 s, 5 min; timeout 1 s; one retry; quarantine after 2 failed transactions, back-off "
        "5 s doubling up to 5 min).");
  p.def_property(
      "period", [](const pol& x) { return period_of(x); },
      [](pol& x, const period_arg& v) {
        const pol n = policy_of(v, 0, 0, 0, 0, 0);
        x.period = n.period;
      },
      "The poll period of each class (alarm, measurement, config), seconds; 0: never polled.");
#define FIREBUS_PY_DURATION(NAME, DOC)                           \
  p.def_property(                                                \
      #NAME, [](const pol& x) { return to_py_seconds(x.NAME); }, \
      [](pol& x, double v) { x.NAME = py_duration(v); }, DOC)
  FIREBUS_PY_DURATION(timeout, "The response timeout of one request, seconds.");
  FIREBUS_PY_DURATION(backoff_initial, "The first quarantine, seconds.");
  FIREBUS_PY_DURATION(backoff_max, "Quarantines double up to this, seconds.");
#undef FIREBUS_PY_DURATION
  p.def_readwrite("retries", &pol::retries, "Immediate retries after a timeout or a broken reply.");
  p.def_readwrite("quarantine_after", &pol::quarantine_after,
                  "Consecutive failed transactions that put the device into quarantine.");
  p.def(
      "__eq__", [](const pol& a, const pol& b) { return same(a, b); }, py::arg("other"),
      "Field-wise equality.");
  p.def(
      "__repr__",
      [](const pol& x) {
        std::ostringstream s;
        s << "DevicePolicy(period=(" << seconds_text(x.period[0]) << ", "
          << seconds_text(x.period[1]) << ", " << seconds_text(x.period[2])
          << "), timeout=" << seconds_text(x.timeout) << ", retries=" << x.retries
          << ", quarantine_after=" << x.quarantine_after
          << ", backoff_initial=" << seconds_text(x.backoff_initial)
          << ", backoff_max=" << seconds_text(x.backoff_max) << ")";
        return s.str();
      },
      "DevicePolicy(period=(...), timeout=..., ...).");

  using hist = mb::latency_histogram;
  py::class_<hist> h(m, "LatencyHistogram",
                     "Reply latencies: bucket i counts replies faster than BOUNDS[i] seconds (the "
                     "last bucket, bound infinity, counts the rest).");
  {
    py::list bounds;
    for (const std::int64_t b : hist::bounds_us) bounds.append(bound_seconds(b));
    h.attr("BOUNDS") = py::tuple(bounds);
  }
  h.def(py::init<>(), "An empty histogram.")
      .def_property_readonly(
          "counts",
          [](const hist& x) {
            return std::vector<std::uint64_t>(x.counts.begin(), x.counts.end());
          },
          "The count of each bucket (a list of 12 ints).")
      .def(
          "add", [](hist& x, double seconds) { x.add(py_duration(seconds)); }, py::arg("latency"),
          "Counts one reply of `latency` seconds.")
      .def("total", &hist::total, "The replies counted.")
      .def(
          "quantile_bound",
          [](const hist& x, double q) { return bound_seconds(x.quantile_bound(q)); }, py::arg("q"),
          "The upper bound (seconds) of the bucket holding quantile q (0..1); 0.0 when empty, "
          "infinity for the last bucket.")
      .def(
          "__eq__", [](const hist& a, const hist& b) { return same(a, b); }, py::arg("other"),
          "Equal counts.")
      .def(
          "__repr__",
          [](const hist& x) {
            return "<LatencyHistogram total=" + std::to_string(x.total()) +
                   " median<=" + seconds_text(bound_seconds(x.quantile_bound(0.5))) + "s>";
          },
          "<LatencyHistogram total=N median<=S s>.");

  using bc = mb::bus_counters;
  py::class_<bc> c(m, "BusCounters",
                   "What happened on a bus or to one device (a snapshot; every field only grows).");
  c.def(py::init<>(), "All zero.");
#define FIREBUS_PY_RO(NAME, DOC) c.def_readonly(#NAME, &bc::NAME, DOC)
  FIREBUS_PY_RO(requests, "Requests sent (retries and probes included).");
  FIREBUS_PY_RO(replies, "Valid replies (not exceptions).");
  FIREBUS_PY_RO(exceptions, "Exception replies.");
  FIREBUS_PY_RO(timeouts, "Requests without a valid reply within the timeout.");
  FIREBUS_PY_RO(bad_replies, "Broken or mismatched replies (CRC, unit, function ...).");
  FIREBUS_PY_RO(other_errors, "Disconnections and other transport errors.");
  FIREBUS_PY_RO(retries, "Retries sent.");
  FIREBUS_PY_RO(splits, "Merged reads split after a failure.");
  FIREBUS_PY_RO(quarantines, "Times a device went into quarantine.");
  FIREBUS_PY_RO(dropped, "Queued requests dropped (quarantine).");
  FIREBUS_PY_RO(skipped_cycles, "Cycles not polled because of quarantine.");
  FIREBUS_PY_RO(overruns, "Cycles still running when the next fell due.");
#undef FIREBUS_PY_RO
  c.def_property_readonly(
      "busy", [](const bc& x) { return to_py_seconds(x.busy); },
      "Time with a request in flight, seconds.");
  c.def_property_readonly(
      "latency", [](const bc& x) { return x.latency; },
      "The LatencyHistogram of request to reply (a copy).");
  c.def(
      "__eq__", [](const bc& a, const bc& b) { return same(a, b); }, py::arg("other"),
      "Field-wise equality.");
  c.def("__repr__", &counters_repr, "BusCounters(requests=..., ...).");

  using job = mb::job;
  py::class_<job>(m, "Job",
                  "A request for the transport to send, handed out by Scheduler.next(). Times in "
                  "seconds on the scheduler's time line.")
      .def_readonly("id", &job::id, "Unique per scheduler.")
      .def_readonly("device", &job::device, "The device index given by add_device().")
      .def_readonly("unit", &job::unit, "The unit id.")
      .def_readonly("priority", &job::prio, "The PollPriority.")
      .def_property_readonly(
          "read", [](const job& j) { return j.read; },
          "The PlannedRead (for a write: its request is the write request, without items).")
      .def_property_readonly(
          "request", [](const job& j) { return j.read.req; }, "The Request to send (read.request).")
      .def_readonly("write_id", &job::write_id,
                    "Non-zero: a step of the write submit_write() "
                    "returned this id for.")
      .def_readonly("probe", &job::probe, "The probe of a device leaving quarantine.")
      .def_readonly("attempt", &job::attempt, "0 first, then 1, 2 ... for retries.")
      .def_property_readonly(
          "sent", [](const job& j) { return to_py_seconds(j.sent); }, "When next() handed it out.")
      .def_property_readonly(
          "deadline", [](const job& j) { return to_py_seconds(j.deadline); },
          "sent + the device's timeout: call complete() with Errc.timeout then.")
      .def(
          "__eq__", [](const job& a, const job& b) { return same(a, b); }, py::arg("other"),
          "Field-wise equality.")
      .def("__repr__", &job_repr, "Job(id=..., device=..., ...).");

  using out = mb::outcome;
  py::class_<out>(m, "Outcome",
                  "How a job ended, as Scheduler.complete() reports it: a valid reply (error None) "
                  "or a failure.")
      .def_property_readonly(
          "job", [](const out& o) { return o.j; }, "The Job.")
      .def_property_readonly(
          "error", [](const out& o) { return error_or_none_of(o.ec); },
          "None for a valid reply; else a firebus.Error: a ModbusError with an exception code "
          "(Errc.illegal_data_address, ...), Errc.timeout, Errc.quarantined (dropped when the "
          "device went into quarantine), a broken reply's code, or the error given to "
          "complete().")
      .def_readonly("final_failure", &out::final_failure,
                    "True when the points of the read are now without fresh data (a failed read "
                    "not retried or split): mark them failed.")
      .def(
          "__repr__",
          [](const out& o) {
            std::string e = "None";
            if (o.ec) e = py::repr(error_object(o.ec)).cast<std::string>();
            return "Outcome(job=" + job_repr(o.j) + ", error=" + e +
                   ", final_failure=" + (o.final_failure ? "True" : "False") + ")";
          },
          "Outcome(job=..., error=..., final_failure=...).");
}

// --- the scheduler ---------------------------------------------------------------------------

void bind_scheduler(py::module_& m) {
  using sch = mb::scheduler;
  py::class_<sch> s(
      m, "Scheduler",
      "The bus scheduler (C++ modbus::scheduler): which request a bus sends next, and what its "
      "outcome means. Pure: no sockets, threads or clocks; times are float seconds on your time "
      "line, and the same calls at the same times give the same decisions.\n\nAsk next(now) for "
      "a Job when the bus is idle, send job.request to job.unit, and report complete(now, error) "
      "when the reply came (error None), the device answered an exception, the reply was broken, "
      "or job.deadline passed (Errc.timeout). Alarm reads go first, then measurements, then "
      "configuration reads and writes; merged reads refused with exception 02/03 are split; "
      "timeouts are retried; a device that keeps failing goes into quarantine with back-off. "
      "Not thread-safe.");
  s.def(py::init<mb::cost_model>(), py::arg("cost") = mb::cost_model{},
        "A scheduler whose devices' planners use the CostModel `cost`.");
  s.def(
      "add_device",
      [](sch& x, std::uint8_t unit, std::vector<mb::read_item> alarm,
         std::vector<mb::read_item> measurement, std::vector<mb::read_item> config,
         const mb::device_limits& limits, const mb::device_policy& policy, double start) {
        return x.add_device(unit, {std::move(alarm), std::move(measurement), std::move(config)},
                            limits, policy, py_mono_time(start));
      },
      py::arg("unit"), py::arg("alarm") = std::vector<mb::read_item>{},
      py::arg("measurement") = std::vector<mb::read_item>{},
      py::arg("config") = std::vector<mb::read_item>{}, py::arg("limits") = mb::device_limits{},
      py::arg("policy") = mb::device_policy{}, py::arg("start") = 0.0,
      "Adds a device at `unit` with the ReadItems of each poll class (planned together by the "
      "device's own PollPlanner under `limits`); its cycles first fall due at `start`. Returns "
      "the device's index.");
  s.def_property_readonly("device_count", &sch::device_count, "The number of devices.");
  s.def(
      "plan", [](const sch& x, std::uint32_t dev, mb::poll_priority c) { return x.plan(dev, c); },
      py::arg("device"), py::arg("priority"),
      "The PlannedReads of a device's class, after the splits learned so far (IndexError for an "
      "unknown device).");
  s.def(
      "planner", [](const sch& x, std::uint32_t dev) { return x.planner(dev); }, py::arg("device"),
      "A copy of the device's PollPlanner (with its learned splits).");
  s.def(
      "submit_write",
      [](sch& x, std::uint32_t dev, std::vector<mb::request> steps) {
        if (dev >= x.device_count()) {
          throw py::index_error("device " + std::to_string(dev) + " (the scheduler has " +
                                std::to_string(x.device_count()) + " devices)");
        }
        if (steps.empty()) throw py::value_error("submit_write: no steps");
        return x.submit_write(dev, std::move(steps));
      },
      py::arg("device"), py::arg("steps"),
      "Queues a write at configuration priority: the Requests in order (e.g. "
      "firebus.profile.Codec.encode_write()'s, the password first); a step that fails cancels "
      "the rest. Returns its id (the jobs' write_id). IndexError for an unknown device, "
      "ValueError for no steps.");
  s.def(
      "next", [](sch& x, double now) { return x.next(py_mono_time(now)); }, py::arg("now"),
      "The Job to send at `now`, or None (one is in flight, or none is due).");
  s.def_property_readonly(
      "in_flight", [](const sch& x) { return x.in_flight(); },
      "The Job in flight (a copy), or None.");
  s.def(
      "next_deadline",
      [](const sch& x) -> std::optional<double> {
        const auto t = x.next_deadline();
        if (!t) return std::nullopt;
        return to_py_seconds(*t);
      },
      "When next() or complete() must next be called (the in-flight job's deadline, the "
      "earliest due cycle or quarantine end; a time already past when something is due now), "
      "or None when there is nothing to wait for.");
  s.def(
      "complete",
      [](sch& x, double now, const error_arg& error) {
        return x.complete(py_mono_time(now), error.ec);
      },
      py::arg("now"), py::arg("error") = py::none(),
      "Reports how the job in flight ended at `now`: None for a valid reply, an exception code "
      "(Errc 1-11, e.g. Errc.illegal_data_address), Errc.timeout, a broken reply's code "
      "(Errc.crc_mismatch ...), or the firebus.Error the codec raised (ModbusError). Returns "
      "the Outcomes to act on: the job itself when it ended for good (a success, or a final "
      "failure), and the jobs dropped because the device went into quarantine. [] when "
      "nothing is in flight, or the job is retried or split.");
  s.def(
      "counters",
      [](const sch& x, std::optional<std::uint32_t> dev) {
        return dev ? x.counters(*dev) : x.counters();
      },
      py::arg("device") = py::none(), "A snapshot of the bus's BusCounters, or of one device's.");
  s.def("quarantined", &sch::quarantined, py::arg("device"), "Whether a device is in quarantine.");
  s.def(
      "quarantine_until",
      [](const sch& x, std::uint32_t dev) { return to_py_seconds(x.quarantine_until(dev)); },
      py::arg("device"), "When a device's (last) quarantine ends, seconds.");
  s.def(
      "utilisation",
      [](const sch& x, double elapsed) { return x.utilisation(py_duration(elapsed)); },
      py::arg("elapsed"), "Busy time over `elapsed` seconds (0..1; 0 for elapsed <= 0).");
  s.def(
      "__repr__",
      [](const sch& x) {
        return "<Scheduler " + std::to_string(x.device_count()) + " devices, " +
               (x.in_flight() ? "a request in flight" : "idle") + ">";
      },
      "<Scheduler N devices, idle>.");
}

// --- the buses: TcpBus and RtuBus ------------------------------------------------------------
// One Python class, py_bus<Bus>, for both C++ buses: they share their devices, callbacks, writes
// and counters (<firebus/io/modbus_bus.hpp>). bus_traits<Bus> holds what differs: the settings,
// the line-level counters, the unit ids a bus takes, and the names in messages.

// A bus's settings: the C++ ones, with the epoch as a time.monotonic() reading.
template <class Config>
struct bus_config_py : Config {
  std::optional<double> monotonic_epoch;
};
using tcp_bus_config_py = bus_config_py<mb::tcp_bus_config>;
using rtu_bus_config_py = bus_config_py<mb::rtu_bus_config>;

std::string expected(const char* what, const std::string& exp, const std::string& found) {
  return std::string(what) + ": " + exp + " expected, " + found + " found";
}

// The first setting validate() refuses, as "<setting>: <expected> expected, <found> found"; empty
// when there is none (or none named here).
std::string problem(const mb::tcp_bus_config& c) {
  const firebus::duration zero{0};
  if (c.host.empty()) return expected("host", "a name or an address", "''");
  if (c.port == 0) return expected("port", "> 0", "0");
  if (c.connect_timeout <= zero) {
    return expected("connect_timeout", "> 0", seconds_text(c.connect_timeout));
  }
  if (c.reconnect_min <= zero) {
    return expected("reconnect_min", "> 0", seconds_text(c.reconnect_min));
  }
  if (c.reconnect_max < c.reconnect_min) {
    return expected("reconnect_max", ">= reconnect_min (" + seconds_text(c.reconnect_min) + ")",
                    seconds_text(c.reconnect_max));
  }
  return {};
}

std::string problem(const mb::rtu_bus_config& c) {
  const firebus::duration zero{0};
  if (c.device.empty()) return expected("device", "a serial port", "''");
  {
    mb::rtu_bus_config probe;  // the C++ check of the rate alone
    probe.device = "-";
    probe.baud = c.baud;
    if (mb::validate(probe)) {
      return expected("baud", "a standard rate (300 ... 9600, 19200, ... 1000000)",
                      std::to_string(c.baud));
    }
  }
  if (c.parity != 'N' && c.parity != 'E' && c.parity != 'O') {
    return expected("parity", "'N', 'E' or 'O'", quoted(std::string(1, c.parity)));
  }
  if (c.data_bits != 7 && c.data_bits != 8) {
    return expected("data_bits", "7 or 8", std::to_string(c.data_bits));
  }
  if (c.stop_bits != 1 && c.stop_bits != 2) {
    return expected("stop_bits", "1 or 2", std::to_string(c.stop_bits));
  }
  const std::pair<const char*, firebus::duration> at_least_0[] = {{"rts_delay", c.rts_delay},
                                                                  {"byte_timeout", c.byte_timeout},
                                                                  {"late_guard", c.late_guard},
                                                                  {"turnaround", c.turnaround}};
  for (const auto& [name, d] : at_least_0) {
    if (d < zero) return expected(name, ">= 0", seconds_text(d));
  }
  if (c.reopen_min <= zero) return expected("reopen_min", "> 0", seconds_text(c.reopen_min));
  if (c.reopen_max < c.reopen_min) {
    return expected("reopen_max", ">= reopen_min (" + seconds_text(c.reopen_min) + ")",
                    seconds_text(c.reopen_max));
  }
  return {};
}

// Raises CoreError (Errc.invalid_argument) naming the first setting of `c` validate() refuses.
template <class Config>
void check_config(const Config& c, const char* who) {
  const std::error_code ec = mb::validate(c);
  if (!ec) return;
  const std::string what = problem(c);
  raise(ec, std::string(who) + ": " + (what.empty() ? "invalid configuration" : what));
}

// A parity given as a str: one character (the rest is validate()'s to check).
char parity_of(const std::string& s) {
  if (s.size() != 1) {
    raise(firebus::make_error_code(firebus::errc::invalid_argument),
          "modbus.RtuBusConfig: " + expected("parity", "'N', 'E' or 'O'", quoted(s)));
  }
  return s[0];
}

template <class Bus>
struct bus_traits;

template <>
struct bus_traits<mb::tcp_bus> {
  using config = tcp_bus_config_py;
  using cpp_config = mb::tcp_bus_config;
  using line_counters = mb::tcp_bus_counters;
  static constexpr const char* name = "modbus.TcpBus";
  static constexpr const char* callback_context = "firebus.modbus.TcpBus callback";
  static constexpr const char* units = "0..255";
  static bool unit_ok(std::uint8_t) { return true; }  // 0 and 255 address a gateway itself
  static bool up(const mb::tcp_bus& b) noexcept { return b.connected(); }
  static line_counters counters(const mb::tcp_bus& b) { return b.connection_counters(); }
  // What the errors given to on_connection are prefixed with ("": nothing).
  static std::string subject(const config&) { return {}; }
  static std::string describe(const config& c) { return c.host + ":" + std::to_string(c.port); }
  static constexpr const char* up_text = "connected";
  static constexpr const char* down_text = "not connected";
};

template <>
struct bus_traits<mb::rtu_bus> {
  using config = rtu_bus_config_py;
  using cpp_config = mb::rtu_bus_config;
  using line_counters = mb::rtu_bus_counters;
  static constexpr const char* name = "modbus.RtuBus";
  static constexpr const char* callback_context = "firebus.modbus.RtuBus callback";
  static constexpr const char* units = "1..247";
  // Modbus over Serial Line V1.02 §2.2: 1..247 are the individual addresses, 0 is broadcast.
  static bool unit_ok(std::uint8_t u) { return u >= 1 && u <= 247; }
  static bool up(const mb::rtu_bus& b) noexcept { return b.open(); }
  static line_counters counters(const mb::rtu_bus& b) { return b.line_counters(); }
  // The port's errors (ENOENT, EACCES, ENOTTY ...) say which port.
  static std::string subject(const config& c) { return "modbus.RtuBus " + c.device; }
  static std::string describe(const config& c) {
    std::ostringstream s;
    s << c.device << " " << c.baud << " " << c.data_bits << c.parity << c.stop_bits;
    return s.str();
  }
  static constexpr const char* up_text = "open";
  static constexpr const char* down_text = "not open";
};

enum bus_slot : std::size_t { bs_readings, bs_failure, bs_write, bs_connection, bs_count };
using bus_hooks = io_detail::hooks<bs_count>;
// The devices' codecs, by device index; touched only with the GIL held.
using codec_list = std::vector<std::shared_ptr<const prof::codec>>;

using point_ref = std::variant<std::size_t, std::string>;

template <class Bus>
class py_bus final : public io_detail::closeable {
 public:
  using traits = bus_traits<Bus>;
  using config_type = typename traits::config;

  explicit py_bus(const config_type& cfg)
      : runner_(close_grace),
        hooks_(std::make_shared<bus_hooks>(traits::callback_context)),
        codecs_(std::make_shared<codec_list>()),
        config_(cfg) {
    check_config(cfg, traits::name);
    // The epoch: time.monotonic() `epoch` is steady_clock's now - (monotonic() - epoch).
    const double mono_now = py::module_::import("time").attr("monotonic")().cast<double>();
    const auto steady_now = std::chrono::steady_clock::now();
    if (cfg.monotonic_epoch) {
      epoch_ = steady_now - std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                py_duration(mono_now - *cfg.monotonic_epoch));
    } else {
      epoch_ = steady_now;
      config_.monotonic_epoch = mono_now;
    }
    typename traits::cpp_config c = cfg;
    c.epoch = epoch_;
    std::error_code ec;
    bus_ = std::make_unique<Bus>(runner_.io(), c, ec);
    check(ec, traits::name);
    install();
    io_detail::live().insert(this);
  }
  ~py_bus() override {
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
  py_bus(const py_bus&) = delete;
  py_bus& operator=(const py_bus&) = delete;

  const config_type& config() const { return config_; }
  bus_hooks& h() { return *hooks_; }

  std::uint32_t add_device(std::uint8_t unit, std::shared_ptr<prof::codec> codec,
                           const mb::device_policy& policy) {
    Bus& b = bus();
    const std::string who = std::string(traits::name) + ".add_device: ";
    const std::error_code invalid = firebus::make_error_code(firebus::errc::invalid_argument);
    if (started_) raise(invalid, who + "the bus is running (add devices before start())");
    if (!traits::unit_ok(unit)) {
      raise(invalid, who + expected("unit", traits::units, std::to_string(unit)));
    }
    if (const std::error_code ec = mb::validate(policy)) {
      raise(ec, who + "policy " + py::repr(py::cast(policy)).cast<std::string>());
    }
    const std::uint32_t id = b.add_device(unit, codec, policy);
    if (id == UINT32_MAX) raise(invalid, who + "refused by the bus");
    if (codecs_->size() <= id) codecs_->resize(id + 1);
    (*codecs_)[id] = std::move(codec);
    return id;
  }

  void start() {
    bus();
    if (!runner_.on_io_thread()) {
      py::gil_scoped_release nogil;
      runner_.run();
    } else {
      runner_.run();
    }
    bus().start();  // again: another thread may have closed meanwhile
    started_ = true;
  }

  void stop() {
    if (!bus_) return;
    started_ = false;
    if (runner_.on_io_thread()) {
      // TCP: runs at once, calling its callbacks before it returns. RTU: waits for the request on
      // the line, with the GIL held; the line's thread never takes it, so this ends.
      bus_->stop();
      runner_.wind_down();
      return;
    }
    Bus& b = *bus_;
    std::optional<io_detail::call_gate::pass> in_call;
    in_call.emplace(gate_);  // close() in another thread waits for b.stop()
    py::gil_scoped_release nogil;
    b.stop();
    in_call.reset();  // (not while joining: close() may be waiting on the I/O thread)
    runner_.wind_down();
    runner_.join(close_grace);
  }

  void close() override {
    if (closed_) {
      runner_.join_left(close_grace);
      return;
    }
    closed_ = true;
    started_ = false;
    io_detail::live().erase(this);
    io_detail::end_transport(runner_, *hooks_, std::move(bus_), close_grace, &gate_);
  }
  bool closed() const { return closed_; }
  bool running() const { return bus_ && started_; }

  std::uint64_t write(std::uint32_t dev, const point_ref& point, double value,
                      std::optional<std::uint32_t> password) {
    Bus& b = bus();
    const prof::codec& c = codec(dev);
    std::size_t i = 0;
    if (const auto* n = std::get_if<std::size_t>(&point)) {
      if (*n >= c.size()) {
        raise(prof::make_error_code(prof::errc::unknown_point),
              "point index " + std::to_string(*n) + " (the profile has " +
                  std::to_string(c.size()) + " points)");
      }
      i = *n;
    } else {
      const std::string& id = std::get<std::string>(point);
      i = c.find(id);
      if (i == prof::codec::npos) {
        raise(prof::make_error_code(prof::errc::unknown_point), "point " + quoted(id));
      }
    }
    std::error_code ec;
    const std::uint64_t wid = b.write(dev, i, value, password, ec);
    if (ec) {
      const prof::point_def& p = c.point(i);
      std::string context = "point " + quoted(p.id);
      if (ec == prof::errc::value_out_of_range && p.writable) {
        context += ": " + number_text(value) + " (writable " + number_text(p.writable->min) + ".." +
                   number_text(p.writable->max) + ")";
      }
      raise(ec, context);
    }
    return wid;
  }

  std::size_t device_count() const { return codecs_->size(); }
  const prof::codec& codec(std::uint32_t dev) const {
    if (dev >= codecs_->size() || !(*codecs_)[dev]) {
      throw py::index_error("device " + std::to_string(dev) + " (the bus has " +
                            std::to_string(codecs_->size()) + " devices)");
    }
    return *(*codecs_)[dev];
  }
  mb::bus_counters counters() { return bus().counters(); }
  mb::bus_counters device_counters(std::uint32_t dev) {
    codec(dev);  // IndexError for an unknown device
    return bus().device_counters(dev);
  }
  typename traits::line_counters line_counters() {
    typename traits::line_counters c = traits::counters(bus());
    c.callback_errors += hooks_->errors.load();
    return c;
  }
  bool up() const { return bus_ && traits::up(*bus_); }
  double utilisation() { return bus().utilisation(); }
  double now() const {
    return to_py_seconds(
        std::chrono::duration_cast<firebus::duration>(std::chrono::steady_clock::now() - epoch_));
  }

  std::string repr() const {
    std::ostringstream s;
    s << "<" << (std::strchr(traits::name, '.') + 1) << " " << traits::describe(config_) << " "
      << (closed()    ? "closed"
          : up()      ? traits::up_text
          : running() ? traits::down_text
                      : "stopped")
      << ", " << device_count() << " devices>";
    return s.str();
  }

 private:
  Bus& bus() {
    if (!bus_)
      raise(mb::make_error_code(mb::errc::cancelled), std::string(traits::name) + ": closed");
    return *bus_;
  }

  void install() {
    auto h = hooks_;
    auto codecs = codecs_;
    Bus* raw = bus_.get();
    raw->on_readings([h, codecs](std::uint32_t dev, firebus::mono_time t, const prof::readings& r) {
      h->call([&] {
        py::object f = h->get(bs_readings);
        if (!f || dev >= codecs->size() || !(*codecs)[dev]) return;
        f(dev, to_py_seconds(t), readings_to_py(*(*codecs)[dev], r));
      });
    });
    raw->on_failure([h, codecs](std::uint32_t dev, firebus::mono_time t,
                                const std::vector<std::size_t>& points, std::error_code ec) {
      h->call([&] {
        py::object f = h->get(bs_failure);
        if (!f || dev >= codecs->size() || !(*codecs)[dev]) return;
        const prof::codec& c = *(*codecs)[dev];
        py::list ids;
        for (const std::size_t p : points) {
          if (p < c.size()) ids.append(c.point(p).id);
        }
        f(dev, to_py_seconds(t), ids, error_object(ec));
      });
    });
    raw->on_write([h](std::uint64_t id, std::error_code ec) {
      h->call([&] {
        if (py::object f = h->get(bs_write)) f(id, error_or_none_of(ec).obj);
      });
    });
    raw->on_connection([h, subject = traits::subject(config_)](bool up, std::error_code ec) {
      h->call([&] {
        py::object f = h->get(bs_connection);
        if (!f) return;
        f(up, ec ? error_object(ec, subject) : py::object(py::none()));
      });
    });
  }

  io_detail::runner runner_;   // first: destroyed last, after the bus
  io_detail::call_gate gate_;  // stop() in progress without the GIL
  std::shared_ptr<bus_hooks> hooks_;
  std::shared_ptr<codec_list> codecs_;
  config_type config_;
  std::chrono::steady_clock::time_point epoch_;
  std::unique_ptr<Bus> bus_;
  bool started_ = false;
  bool closed_ = false;
};

template <class Tag, class Cls>
void callback_property(py::class_<Cls>& cls, const char* name, std::size_t slot, const char* doc) {
  cls.def_property(
      name, [slot](Cls& self) { return callable<Tag>{self.h().slots[slot]}; },
      [slot](Cls& self, const callable<Tag>& f) { self.h().slots[slot] = f.fn; }, doc);
}

// What the docstrings of TcpBus and RtuBus say differently.
struct bus_docs {
  const char* cls;
  const char* init;
  const char* start;
  const char* stop;
  const char* connected;
  const char* write_while_stopped;
  const char* on_failure;
  const char* on_connection;
  const char* line_counters;      // the method's name
  const char* line_counters_doc;  // its docstring
};

// The methods TcpBus and RtuBus share.
template <class Bus>
void bind_bus(py::module_& m, const char* name, const bus_docs& d) {
  using pb = py_bus<Bus>;
  using cfg_t = typename pb::config_type;
  py::class_<pb> b(m, name, d.cls);
  b.def(py::init<const cfg_t&>(), py::arg("config"), d.init);
  b.def_property_readonly(
      "config", [](const pb& x) { return x.config(); },
      "A copy of the configuration (epoch set to the bus's).");
  b.def(
      "add_device",
      [](pb& x, std::uint8_t unit, std::shared_ptr<prof::codec> codec,
         const mb::device_policy& policy) { return x.add_device(unit, std::move(codec), policy); },
      py::arg("unit"), py::arg("codec").none(false), py::arg("policy") = mb::device_policy{},
      "Adds a device at unit id `unit` read through `codec` (a firebus.profile.Codec, shared: "
      "devices of one profile may share one), polled by `policy` (a DevicePolicy). Returns the "
      "device's index. Before start() only (CoreError, Errc.invalid_argument, afterwards, and "
      "for a unit id or a policy the bus refuses).");
  b.def_property_readonly("device_count", &pb::device_count, "The number of devices.");
  b.def("start", &pb::start, d.start);
  b.def("stop", &pb::stop, d.stop);
  b.def("close", &pb::close,
        "Stops, joins the I/O thread and frees the C++ bus. Idempotent; safe from a callback.");
  b.def_property_readonly("closed", &pb::closed, "True once close() was called.");
  b.def_property_readonly("running", &pb::running, "True between start() and stop()/close().");
  b.def_property_readonly("connected", &pb::up, d.connected);
  const std::string write_doc =
      std::string(
          "Queues a setpoint write of `value` (in the point's unit) to `point` (an index or id) "
          "of `device`, at configuration priority: the password register first when the "
          "setpoint is protected (Codec.encode_write()). Returns its id; on_write(id, error) "
          "reports how it ended. Raises at once what the codec refuses: ProfileError "
          "(Errc.unknown_point, not_writable, value_out_of_range, password_required); "
          "IndexError for an unknown device. ") +
      d.write_while_stopped;
  b.def("write", &pb::write, py::arg("device"), py::arg("point"), py::arg("value"),
        py::arg("password") = py::none(), write_doc.c_str());
  b.def("counters", &pb::counters, "A snapshot of the bus's BusCounters.");
  b.def("device_counters", &pb::device_counters, py::arg("device"),
        "A snapshot of one device's BusCounters (IndexError for an unknown device).");
  b.def(d.line_counters, &pb::line_counters, d.line_counters_doc);
  b.def("utilisation", &pb::utilisation,
        "Busy time over the time since start() (0..1); 0 while stopped.");
  b.def("now", &pb::now, "The bus's time now: seconds since the epoch, as readings are stamped.");
  callback_property<readings_sig>(
      b, "on_readings", bs_readings,
      "Called as f(device, t, readings) for every completed read: the firebus.profile.Readings "
      "of the points it covered (named by id), at time t.");
  callback_property<failure_sig>(b, "on_failure", bs_failure, d.on_failure);
  callback_property<write_sig>(
      b, "on_write", bs_write,
      "Called as f(id, error) when write `id` ended: error None when every step was "
      "acknowledged, else the first failure (a firebus.Error).");
  callback_property<connection_sig>(b, "on_connection", bs_connection, d.on_connection);
  b.def(
      "__enter__",
      [](pb& x) -> pb& {
        x.start();
        return x;
      },
      "Starts the bus; returns it.");
  b.def(
      "__exit__",
      [](pb& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) { x.close(); },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the bus.");
  b.def("__repr__", &pb::repr);
}

// --- the TCP bus -----------------------------------------------------------------------------

void bind_tcp_bus(py::module_& m) {
  using cfg_t = tcp_bus_config_py;
  const cfg_t d;
  py::class_<cfg_t> c(m, "TcpBusConfig",
                      "Settings of a TcpBus (C++ modbus::tcp_bus_config). Times in seconds.");
  c.def(py::init([](std::string host, std::uint16_t port, double connect_timeout,
                    double reconnect_min, double reconnect_max, const mb::cost_model& cost,
                    std::optional<double> epoch) {
          cfg_t x;
          x.host = std::move(host);
          x.port = port;
          x.connect_timeout = py_duration(connect_timeout);
          x.reconnect_min = py_duration(reconnect_min);
          x.reconnect_max = py_duration(reconnect_max);
          x.cost = cost;
          x.monotonic_epoch = epoch;
          return x;
        }),
        py::kw_only(), py::arg("host") = d.host, py::arg("port") = d.port,
        py::arg("connect_timeout") = to_py_seconds(d.connect_timeout),
        py::arg("reconnect_min") = to_py_seconds(d.reconnect_min),
        py::arg("reconnect_max") = to_py_seconds(d.reconnect_max), py::arg("cost") = d.cost,
        py::arg("epoch") = py::none(),
        "Every setting as a keyword argument; the defaults are the C++ defaults (port 502, "
        "connect timeout 3 s, reconnect 0.5 s doubling up to 30 s, CostModel.tcp(0.001)).");
  c.def_readwrite("host", &cfg_t::host, "The device or gateway: a name or a numeric address.");
  c.def_readwrite("port", &cfg_t::port, "Its TCP port (> 0).");
#define FIREBUS_PY_DURATION(NAME, DOC)                             \
  c.def_property(                                                  \
      #NAME, [](const cfg_t& x) { return to_py_seconds(x.NAME); }, \
      [](cfg_t& x, double v) { x.NAME = py_duration(v); }, DOC)
  FIREBUS_PY_DURATION(connect_timeout, "Give up a connection attempt after this long (> 0).");
  FIREBUS_PY_DURATION(reconnect_min, "The first reconnect delay (> 0).");
  FIREBUS_PY_DURATION(reconnect_max, "Reconnect delays double up to this (>= reconnect_min).");
#undef FIREBUS_PY_DURATION
  c.def_property(
      "cost", [](const cfg_t& x) { return x.cost; },
      [](cfg_t& x, const mb::cost_model& v) { x.cost = v; },
      "The planners' CostModel (a copy). For a TCP-to-RTU gateway use CostModel.rtu() of its "
      "serial line.");
  c.def_readwrite("epoch", &cfg_t::monotonic_epoch,
                  "Time 0 of the times the bus reports, as a time.monotonic() reading (give "
                  "several buses the same epoch to share one time line); None: when the TcpBus "
                  "is made (TcpBus.config then says when).");
  c.def(
      "validate", [](const cfg_t& x) { check_config(x, "modbus.TcpBusConfig"); },
      "Raises CoreError (Errc.invalid_argument), naming the setting, if a setting is out of "
      "range (as the TcpBus constructor would).");
  c.def("__repr__", [](const cfg_t& x) {
    std::ostringstream s;
    s << "TcpBusConfig(host=" << quoted(x.host) << ", port=" << x.port
      << ", connect_timeout=" << seconds_text(x.connect_timeout)
      << ", reconnect_min=" << seconds_text(x.reconnect_min)
      << ", reconnect_max=" << seconds_text(x.reconnect_max)
      << ", epoch=" << (x.monotonic_epoch ? seconds_text(*x.monotonic_epoch) : std::string("None"))
      << ")";
    return s.str();
  });

  using tc = mb::tcp_bus_counters;
  py::class_<tc> k(m, "TcpBusCounters",
                   "Connection-level counters of a TcpBus (a snapshot; the scheduler's are "
                   "TcpBus.counters()).");
#define FIREBUS_PY_RO(NAME, DOC) k.def_readonly(#NAME, &tc::NAME, DOC)
  FIREBUS_PY_RO(connects, "Connections established.");
  FIREBUS_PY_RO(disconnects, "Established connections lost.");
  FIREBUS_PY_RO(connect_failures, "Connection attempts that failed.");
  FIREBUS_PY_RO(stale_replies, "Replies to earlier requests, discarded.");
  FIREBUS_PY_RO(skipped_bytes, "Bytes skipped to find the next frame (garbage).");
  FIREBUS_PY_RO(framing_errors, "Byte streams that stayed garbage (connection closed).");
  FIREBUS_PY_RO(callback_errors, "Exceptions raised by callbacks (Python ones included).");
#undef FIREBUS_PY_RO
  k.def("__repr__", [](const tc& x) {
    std::ostringstream s;
    s << "TcpBusCounters(connects=" << x.connects << ", disconnects=" << x.disconnects
      << ", connect_failures=" << x.connect_failures << ", stale_replies=" << x.stale_replies
      << ", skipped_bytes=" << x.skipped_bytes << ", framing_errors=" << x.framing_errors
      << ", callback_errors=" << x.callback_errors << ")";
    return s.str();
  });

  bus_docs docs{};
  docs.cls =
      "A Modbus TCP bus (C++ modbus::tcp_bus): one connection, to a device or to a TCP-to-RTU "
      "gateway, polling the devices behind it through their profiles' Codecs, with its own "
      "I/O thread.\n\nadd_device() the devices, set the callbacks, start(): the bus connects "
      "(and reconnects with back-off), reads alarm-state points first, then measurements, then "
      "configuration, one request at a time, with timeouts, retries, quarantine of dead "
      "devices and splits of refused merged reads (a Scheduler inside). Decoded readings go to "
      "on_readings as firebus.profile.Readings, points a read could not update to on_failure, "
      "write() results to on_write. Callbacks run on the I/O thread with the GIL held; an "
      "exception they raise goes to sys.unraisablehook and the bus carries on. Times are float "
      "seconds since the epoch (TcpBusConfig.epoch, a time.monotonic() reading; now()). Use as a "
      "context manager: `with TcpBus(cfg) as bus:` starts and closes.";
  docs.init =
      "A bus of `config`; raises CoreError (Errc.invalid_argument) if the configuration is "
      "invalid. Does not connect until start().";
  docs.start =
      "Starts the I/O thread: connects, polls, and reconnects with back-off until stop(). "
      "Returns at once.";
  docs.stop =
      "Closes the connection (on_failure reports every point with Errc.disconnected, "
      "on_connection the end), cancels the timers and joins the I/O thread: no callback runs "
      "once it returns (unless called from a callback). Writes still queued stay queued and "
      "are sent after the next start(). Safe from a callback.";
  docs.connected = "True while the connection is established.";
  docs.write_while_stopped =
      "A write made while the bus is stopped is reported Errc.cancelled on the next start().";
  docs.on_failure =
      "Called as f(device, t, point_ids, error) with the points a read could not update, and "
      "why (a ModbusError: Errc.timeout, quarantined, disconnected, an exception code or a "
      "broken reply's code): mark them not updated.";
  docs.on_connection =
      "Called as f(connected, error) when the connection came up (True, None) or went down "
      "(False, the reason).";
  docs.line_counters = "connection_counters";
  docs.line_counters_doc = "A snapshot of the connection counters (TcpBusCounters).";
  bind_bus<mb::tcp_bus>(m, "TcpBus", docs);
}

// --- the RTU bus -----------------------------------------------------------------------------

void bind_rtu_bus(py::module_& m) {
  make_enum<mb::rts_mode>(
      m, "RtsMode", module_name,
      {{"none", mb::rts_mode::none}, {"up", mb::rts_mode::up}, {"down", mb::rts_mode::down}},
      "How libmodbus drives RTS around a request (modbus_rtu_set_rts): none "
      "leaves it alone (the adapter, or the kernel's RS-485 mode, switches "
      "the direction), up: high while sending, down: low while sending.");

  using cfg_t = rtu_bus_config_py;
  const cfg_t d;
  py::class_<cfg_t> c(m, "RtuBusConfig",
                      "Settings of an RtuBus (C++ modbus::rtu_bus_config): the serial port and "
                      "its line. Times in seconds.");
  c.def(py::init([](std::string device, std::uint32_t baud, const std::string& parity,
                    int data_bits, int stop_bits, bool rs485, mb::rts_mode rts, double rts_delay,
                    double byte_timeout, double late_guard, double reopen_min, double reopen_max,
                    double turnaround, std::optional<double> epoch) {
          cfg_t x;
          x.device = std::move(device);
          x.baud = baud;
          x.parity = parity_of(parity);
          x.data_bits = data_bits;
          x.stop_bits = stop_bits;
          x.rs485 = rs485;
          x.rts = rts;
          x.rts_delay = py_duration(rts_delay);
          x.byte_timeout = py_duration(byte_timeout);
          x.late_guard = py_duration(late_guard);
          x.reopen_min = py_duration(reopen_min);
          x.reopen_max = py_duration(reopen_max);
          x.turnaround = py_duration(turnaround);
          x.monotonic_epoch = epoch;
          return x;
        }),
        py::kw_only(), py::arg("device"), py::arg("baud") = d.baud,
        py::arg("parity") = std::string(1, d.parity), py::arg("data_bits") = d.data_bits,
        py::arg("stop_bits") = d.stop_bits, py::arg("rs485") = d.rs485, py::arg("rts") = d.rts,
        py::arg("rts_delay") = to_py_seconds(d.rts_delay),
        py::arg("byte_timeout") = to_py_seconds(d.byte_timeout),
        py::arg("late_guard") = to_py_seconds(d.late_guard),
        py::arg("reopen_min") = to_py_seconds(d.reopen_min),
        py::arg("reopen_max") = to_py_seconds(d.reopen_max),
        py::arg("turnaround") = to_py_seconds(d.turnaround), py::arg("epoch") = py::none(),
        "Every setting as a keyword argument, `device` required; the defaults are the C++ "
        "defaults (9600 baud 8N1, no RS-485 mode, RTS left alone, late guard 0.1 s, reopen 0.5 s "
        "doubling up to 30 s). A parity that is not one character raises CoreError "
        "(Errc.invalid_argument) here; every other range is checked by validate() and RtuBus().");
  c.def_readwrite("device", &cfg_t::device,
                  "The serial port, e.g. '/dev/ttyUSB0' (a pseudo-terminal will do).");
  c.def_readwrite("baud", &cfg_t::baud,
                  "The baud rate: a standard one (300, 600, 1200, 2400, 4800, 9600, 19200, 38400, "
                  "57600, 115200, 230400, 460800, 500000, 576000, 921600 or 1000000).");
  c.def_property(
      "parity", [](const cfg_t& x) { return std::string(1, x.parity); },
      [](cfg_t& x, const std::string& v) { x.parity = parity_of(v); },
      "'N' (none), 'E' (even) or 'O' (odd).");
  c.def_readwrite("data_bits", &cfg_t::data_bits, "Data bits of a character: 7 or 8.");
  c.def_readwrite("stop_bits", &cfg_t::stop_bits, "Stop bits of a character: 1 or 2.");
  c.def_readwrite("rs485", &cfg_t::rs485,
                  "Put the port into the kernel's RS-485 mode (TIOCSRS485; RTS as the driver "
                  "enable). A port that does not support it (a pseudo-terminal, many USB "
                  "adapters) fails to open: on_connection reports ENOTTY, and the bus retries.");
  c.def_readwrite("rts", &cfg_t::rts, "RTS direction control by libmodbus (an RtsMode).");
#define FIREBUS_PY_DURATION(NAME, DOC)                             \
  c.def_property(                                                  \
      #NAME, [](const cfg_t& x) { return to_py_seconds(x.NAME); }, \
      [](cfg_t& x, double v) { x.NAME = py_duration(v); }, DOC)
  FIREBUS_PY_DURATION(rts_delay, "RTS delay before and after sending (>= 0; with rts only).");
  FIREBUS_PY_DURATION(byte_timeout,
                      "The longest silence inside a reply before it is taken as ended (>= 0; 0: "
                      "20 ms or 4 characters, whichever is longer).");
  FIREBUS_PY_DURATION(late_guard,
                      "After a request that got no valid reply, the line is listened to for this "
                      "long and what arrives is discarded (RTU frames carry no transaction id: a "
                      "late reply must not be taken for the next request's). Set it above the "
                      "longest a device may answer late; 0 turns it off.");
  FIREBUS_PY_DURATION(reopen_min, "The first retry to open the port (> 0).");
  FIREBUS_PY_DURATION(reopen_max, "Retries to open the port double up to this (>= reopen_min).");
  FIREBUS_PY_DURATION(turnaround,
                      "The devices' reply delay the planners' cost model assumes (>= 0).");
#undef FIREBUS_PY_DURATION
  c.def_readwrite("epoch", &cfg_t::monotonic_epoch,
                  "Time 0 of the times the bus reports, as a time.monotonic() reading (give "
                  "several buses the same epoch to share one time line); None: when the RtuBus "
                  "is made (RtuBus.config then says when).");
  c.def(
      "line", [](const cfg_t& x) { return x.line(); },
      "The line's timing as the planners see it (a LineTiming: the baud rate, 1 start bit + "
      "data bits + parity bit + stop bits per character, the turnaround).");
  c.def(
      "validate", [](const cfg_t& x) { check_config(x, "modbus.RtuBusConfig"); },
      "Raises CoreError (Errc.invalid_argument), naming the setting, if a setting is out of "
      "range (as the RtuBus constructor would). Whether the port exists is not checked: it is "
      "opened by start().");
  c.def("__repr__", [](const cfg_t& x) {
    std::ostringstream s;
    s << "RtuBusConfig(device=" << quoted(x.device) << ", baud=" << x.baud
      << ", parity=" << quoted(std::string(1, x.parity)) << ", data_bits=" << x.data_bits
      << ", stop_bits=" << x.stop_bits << ", rs485=" << (x.rs485 ? "True" : "False")
      << ", rts=RtsMode." << py::str(py::cast(x.rts).attr("name")).cast<std::string>()
      << ", rts_delay=" << seconds_text(x.rts_delay)
      << ", byte_timeout=" << seconds_text(x.byte_timeout)
      << ", late_guard=" << seconds_text(x.late_guard)
      << ", reopen_min=" << seconds_text(x.reopen_min)
      << ", reopen_max=" << seconds_text(x.reopen_max)
      << ", turnaround=" << seconds_text(x.turnaround)
      << ", epoch=" << (x.monotonic_epoch ? seconds_text(*x.monotonic_epoch) : std::string("None"))
      << ")";
    return s.str();
  });

  using rc = mb::rtu_bus_counters;
  py::class_<rc> k(m, "RtuBusCounters",
                   "Line-level counters of an RtuBus (a snapshot; the scheduler's are "
                   "RtuBus.counters()).");
#define FIREBUS_PY_RO(NAME, DOC) k.def_readonly(#NAME, &rc::NAME, DOC)
  FIREBUS_PY_RO(opens, "Times the port was opened.");
  FIREBUS_PY_RO(open_failures, "Attempts to open the port that failed.");
  FIREBUS_PY_RO(crc_errors, "Replies with a bad CRC.");
  FIREBUS_PY_RO(bad_replies, "Replies from another unit, or not matching the request.");
  FIREBUS_PY_RO(stale_bytes, "Bytes discarded after failed requests (late replies).");
  FIREBUS_PY_RO(callback_errors, "Exceptions raised by callbacks (Python ones included).");
#undef FIREBUS_PY_RO
  k.def("__repr__", [](const rc& x) {
    std::ostringstream s;
    s << "RtuBusCounters(opens=" << x.opens << ", open_failures=" << x.open_failures
      << ", crc_errors=" << x.crc_errors << ", bad_replies=" << x.bad_replies
      << ", stale_bytes=" << x.stale_bytes << ", callback_errors=" << x.callback_errors << ")";
    return s.str();
  });

  bus_docs docs{};
  docs.cls =
      "A Modbus RTU bus (C++ modbus::rtu_bus): one serial line (RS-485), polling the devices on "
      "it through their profiles' Codecs. libmodbus drives the port on a thread of the bus's "
      "own; the results go to the bus's I/O thread.\n\nadd_device() the devices, set the "
      "callbacks, start(): the bus opens the port (and reopens it with back-off), reads "
      "alarm-state points first, then measurements, then configuration, one request at a time, "
      "with timeouts, retries, quarantine of dead devices and splits of refused merged reads "
      "(a Scheduler inside, planning for the line's timing). RTU frames carry no transaction "
      "id: after a request that got no valid reply the line is listened to for "
      "RtuBusConfig.late_guard and what arrives is dropped. Decoded readings go to on_readings "
      "as firebus.profile.Readings, points a read could not update to on_failure, write() "
      "results to on_write. Callbacks run on the I/O thread with the GIL held; an exception "
      "they raise goes to sys.unraisablehook and the bus carries on. Times are float seconds "
      "since the epoch (RtuBusConfig.epoch, a time.monotonic() reading; now()). Use as a "
      "context manager: `with RtuBus(cfg) as bus:` starts and closes.";
  docs.init =
      "A bus of `config`; raises CoreError (Errc.invalid_argument), naming the setting, if the "
      "configuration is invalid. Does not open the port until start().";
  docs.start =
      "Starts the line's thread and the I/O thread: opens the port, polls, and reopens it with "
      "back-off (RtuBusConfig.reopen_min to reopen_max) until stop(). Returns at once: a port "
      "that cannot be opened (no such device, no permission, not a serial port) is reported to "
      "on_connection as (False, error) with the port named in the error, and tried again.";
  docs.stop =
      "Stops polling once the request on the line has ended (at most its timeout, then twice "
      "the late guard), closes the port and joins the I/O thread: no callback runs once it returns "
      "(unless called from a callback). The line did not fail: on_connection and on_failure "
      "are not called. Writes still queued stay queued and are sent after the next start(). "
      "Safe from a callback (which then waits for the request on the line).";
  docs.connected = "True while the serial port is open.";
  docs.write_while_stopped = "A write made while the bus is stopped is sent after start().";
  docs.on_failure =
      "Called as f(device, t, point_ids, error) with the points a read could not update, and "
      "why (a ModbusError: Errc.timeout, quarantined, an exception code, a broken reply's code "
      "such as crc_mismatch, or disconnected when the port failed): mark them not updated.";
  docs.on_connection =
      "Called as f(open, error) when the port was opened (True, None), could not be opened "
      "(False, the reason: a firebus.SystemError naming the port, e.g. ENOENT) or failed "
      "(False, the reason).";
  docs.line_counters = "line_counters";
  docs.line_counters_doc = "A snapshot of the line counters (RtuBusCounters).";
  bind_bus<mb::rtu_bus>(m, "RtuBus", docs);
}

}  // namespace bus_detail

void bind_modbus_bus(py::module_& m) {
  bus_detail::bind_values(m);
  bus_detail::bind_scheduler(m);
  bus_detail::bind_tcp_bus(m);
  bus_detail::bind_rtu_bus(m);
}

}  // namespace firebus_py
