// firebus — fire-safety IoT SDK.
//
// firebus._firebus.modbus: the bus scheduler (<firebus/modbus/scheduler.hpp>) and the Modbus TCP
// bus (<firebus/io/modbus_tcp_bus.hpp>) that drives it over a socket.
//
// Scheduler is pure: every call runs on the caller's thread with the GIL held, and times are float
// seconds on the caller's time line (common.hpp), so a Python simulation replays exactly as a C++
// one. Outcomes carry their error as a firebus.Error (None for a valid reply); complete() takes a
// firebus.modbus.Errc, a firebus.Error (e.g. the ModbusError parse_tcp_reply raised) or None.
//
// TcpBus follows gb26875.Client (bind_io.cpp, io_common.hpp): it owns an io_context and the I/O
// thread that runs it; the C++ callbacks take the GIL there and call the Python callables (their
// exceptions go to sys.unraisablehook). Readings come as firebus.profile.Readings and failed points
// as point ids, through the device's Codec (held by std::shared_ptr, shared with the C++ bus).
// stop() and close() join the I/O thread with the GIL released, so that no callback runs once they
// return (unless called from a callback). Times of readings are float seconds since the bus's
// epoch, a time.monotonic() reading (TcpBusConfig.epoch), so that several buses and an alarm engine
// can share one time line.
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

FIREBUS_PY_ENUM(firebus::modbus::poll_priority, MbPollPriority,
                "firebus._firebus.modbus.PollPriority")
// Declared exactly as in bind_modbus.cpp (its Python class is made there).
FIREBUS_PY_ENUM(firebus::modbus::errc, MbErrc, "firebus._firebus.modbus.Errc")

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

// --- the TCP bus -----------------------------------------------------------------------------

// TcpBusConfig: the C++ settings, with the epoch as a time.monotonic() reading.
struct tcp_bus_config_py : mb::tcp_bus_config {
  std::optional<double> monotonic_epoch;
};

enum bus_slot : std::size_t { bs_readings, bs_failure, bs_write, bs_connection, bs_count };
using bus_hooks = io_detail::hooks<bs_count>;
// The devices' codecs, by device index; touched only with the GIL held.
using codec_list = std::vector<std::shared_ptr<const prof::codec>>;

using point_ref = std::variant<std::size_t, std::string>;

class py_tcp_bus final : public io_detail::closeable {
 public:
  explicit py_tcp_bus(const tcp_bus_config_py& cfg)
      : runner_(close_grace),
        hooks_(std::make_shared<bus_hooks>("firebus.modbus.TcpBus callback")),
        codecs_(std::make_shared<codec_list>()),
        config_(cfg) {
    mb::tcp_bus_config c = cfg;
    check(mb::validate(c), "modbus.TcpBus: invalid configuration");
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
    c.epoch = epoch_;
    std::error_code ec;
    bus_ = std::make_unique<mb::tcp_bus>(runner_.io(), c, ec);
    check(ec, "modbus.TcpBus: invalid configuration");
    install();
    io_detail::live().insert(this);
  }
  ~py_tcp_bus() override {
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
  py_tcp_bus(const py_tcp_bus&) = delete;
  py_tcp_bus& operator=(const py_tcp_bus&) = delete;

  const tcp_bus_config_py& config() const { return config_; }
  bus_hooks& h() { return *hooks_; }

  std::uint32_t add_device(std::uint8_t unit, std::shared_ptr<prof::codec> codec,
                           const mb::device_policy& policy) {
    mb::tcp_bus& b = bus();
    if (started_) {
      raise(firebus::make_error_code(firebus::errc::invalid_argument),
            "modbus.TcpBus.add_device: the bus is running (add devices before start())");
    }
    const std::uint32_t id = b.add_device(unit, codec, policy);
    if (id == UINT32_MAX) {
      raise(firebus::make_error_code(firebus::errc::invalid_argument),
            "modbus.TcpBus.add_device: the bus is running (add devices before start())");
    }
    if (codecs_->size() <= id) codecs_->resize(id + 1);
    (*codecs_)[id] = std::move(codec);
    return id;
  }

  void start() {
    mb::tcp_bus& b = bus();
    if (!runner_.on_io_thread()) {
      py::gil_scoped_release nogil;
      runner_.run();
    } else {
      runner_.run();
    }
    b.start();
    started_ = true;
  }

  void stop() {
    if (!bus_) return;
    started_ = false;
    if (runner_.on_io_thread()) {
      bus_->stop();  // runs at once: its callbacks are called before it returns
      runner_.wind_down();
      return;
    }
    py::gil_scoped_release nogil;
    bus_->stop();
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
    io_detail::end_transport(runner_, *hooks_, std::move(bus_), close_grace);
  }
  bool closed() const { return closed_; }
  bool running() const { return bus_ && started_; }

  std::uint64_t write(std::uint32_t dev, const point_ref& point, double value,
                      std::optional<std::uint32_t> password) {
    mb::tcp_bus& b = bus();
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
  mb::tcp_bus_counters connection_counters() {
    mb::tcp_bus_counters c = bus().connection_counters();
    c.callback_errors += hooks_->errors.load();
    return c;
  }
  bool connected() const { return bus_ && bus_->connected(); }
  double utilisation() { return bus().utilisation(); }
  double now() const {
    return to_py_seconds(
        std::chrono::duration_cast<firebus::duration>(std::chrono::steady_clock::now() - epoch_));
  }

 private:
  mb::tcp_bus& bus() {
    if (!bus_) raise(mb::make_error_code(mb::errc::cancelled), "modbus.TcpBus: closed");
    return *bus_;
  }

  void install() {
    auto h = hooks_;
    auto codecs = codecs_;
    mb::tcp_bus* raw = bus_.get();
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
    raw->on_connection([h](bool up, std::error_code ec) {
      h->call([&] {
        if (py::object f = h->get(bs_connection)) f(up, error_or_none_of(ec).obj);
      });
    });
  }

  io_detail::runner runner_;  // first: destroyed last, after the bus
  std::shared_ptr<bus_hooks> hooks_;
  std::shared_ptr<codec_list> codecs_;
  tcp_bus_config_py config_;
  std::chrono::steady_clock::time_point epoch_;
  std::unique_ptr<mb::tcp_bus> bus_;
  bool started_ = false;
  bool closed_ = false;
};

template <class Tag>
void callback_property(py::class_<py_tcp_bus>& cls, const char* name, std::size_t slot,
                       const char* doc) {
  cls.def_property(
      name, [slot](py_tcp_bus& self) { return callable<Tag>{self.h().slots[slot]}; },
      [slot](py_tcp_bus& self, const callable<Tag>& f) { self.h().slots[slot] = f.fn; }, doc);
}

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
      "validate", [](const cfg_t& x) { check(mb::validate(x), "modbus.TcpBusConfig"); },
      "Raises CoreError (Errc.invalid_argument) if a setting is out of range (as the TcpBus "
      "constructor would).");
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

  py::class_<py_tcp_bus> b(
      m, "TcpBus",
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
      "context manager: `with TcpBus(cfg) as bus:` starts and closes.");
  b.def(py::init<const cfg_t&>(), py::arg("config"),
        "A bus of `config`; raises CoreError (Errc.invalid_argument) if the configuration is "
        "invalid. Does not connect until start().");
  b.def_property_readonly(
      "config", [](const py_tcp_bus& x) { return x.config(); },
      "A copy of the configuration (epoch set to the bus's).");
  b.def(
      "add_device",
      [](py_tcp_bus& x, std::uint8_t unit, std::shared_ptr<prof::codec> codec,
         const mb::device_policy& policy) { return x.add_device(unit, std::move(codec), policy); },
      py::arg("unit"), py::arg("codec"), py::arg("policy") = mb::device_policy{},
      "Adds a device at unit id `unit` read through `codec` (a firebus.profile.Codec, shared: "
      "devices of one profile may share one), polled by `policy` (a DevicePolicy). Returns the "
      "device's index. Before start() only (CoreError, Errc.invalid_argument, afterwards).");
  b.def_property_readonly("device_count", &py_tcp_bus::device_count, "The number of devices.");
  b.def("start", &py_tcp_bus::start,
        "Starts the I/O thread: connects, polls, and reconnects with back-off until stop(). "
        "Returns at once.");
  b.def("stop", &py_tcp_bus::stop,
        "Closes the connection (on_failure reports every point with Errc.disconnected, "
        "on_connection the end), cancels the timers and joins the I/O thread: no callback runs "
        "once it returns (unless called from a callback). Writes still queued stay queued and "
        "are sent after the next start(). Safe from a callback.");
  b.def("close", &py_tcp_bus::close,
        "Stops, joins the I/O thread and frees the C++ bus. Idempotent; safe from a callback.");
  b.def_property_readonly("closed", &py_tcp_bus::closed, "True once close() was called.");
  b.def_property_readonly("running", &py_tcp_bus::running,
                          "True between start() and stop()/close().");
  b.def_property_readonly("connected", &py_tcp_bus::connected,
                          "True while the connection is established.");
  b.def("write", &py_tcp_bus::write, py::arg("device"), py::arg("point"), py::arg("value"),
        py::arg("password") = py::none(),
        "Queues a setpoint write of `value` (in the point's unit) to `point` (an index or id) of "
        "`device`, at configuration priority: the password register first when the setpoint is "
        "protected (Codec.encode_write()). Returns its id; on_write(id, error) reports how it "
        "ended. Raises at once what the codec refuses: ProfileError (Errc.unknown_point, "
        "not_writable, value_out_of_range, password_required); IndexError for an unknown "
        "device. A write made while the bus is stopped is reported Errc.cancelled on the next "
        "start().");
  b.def("counters", &py_tcp_bus::counters, "A snapshot of the bus's BusCounters.");
  b.def("device_counters", &py_tcp_bus::device_counters, py::arg("device"),
        "A snapshot of one device's BusCounters (IndexError for an unknown device).");
  b.def("connection_counters", &py_tcp_bus::connection_counters,
        "A snapshot of the connection counters (TcpBusCounters).");
  b.def("utilisation", &py_tcp_bus::utilisation,
        "Busy time over the time since start() (0..1); 0 while stopped.");
  b.def("now", &py_tcp_bus::now,
        "The bus's time now: seconds since the epoch, as readings are stamped.");
  callback_property<readings_sig>(
      b, "on_readings", bs_readings,
      "Called as f(device, t, readings) for every completed read: the firebus.profile.Readings "
      "of the points it covered (named by id), at time t.");
  callback_property<failure_sig>(
      b, "on_failure", bs_failure,
      "Called as f(device, t, point_ids, error) with the points a read could not update, and "
      "why (a ModbusError: Errc.timeout, quarantined, disconnected, an exception code or a "
      "broken reply's code): mark them not updated.");
  callback_property<write_sig>(
      b, "on_write", bs_write,
      "Called as f(id, error) when write `id` ended: error None when every step was "
      "acknowledged, else the first failure (a firebus.Error).");
  callback_property<connection_sig>(
      b, "on_connection", bs_connection,
      "Called as f(connected, error) when the connection came up (True, None) or went down "
      "(False, the reason).");
  b.def(
      "__enter__",
      [](py_tcp_bus& x) -> py_tcp_bus& {
        x.start();
        return x;
      },
      "Starts the bus; returns it.");
  b.def(
      "__exit__",
      [](py_tcp_bus& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) {
        x.close();
      },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the bus.");
  b.def("__repr__", [](py_tcp_bus& x) {
    std::ostringstream s;
    s << "<TcpBus " << x.config().host << ":" << x.config().port << " "
      << (x.closed()      ? "closed"
          : x.connected() ? "connected"
          : x.running()   ? "not connected"
                          : "stopped")
      << ", " << x.device_count() << " devices>";
    return s.str();
  });
}

}  // namespace bus_detail

void bind_modbus_bus(py::module_& m) {
  bus_detail::bind_values(m);
  bus_detail::bind_scheduler(m);
  bus_detail::bind_tcp_bus(m);
}

}  // namespace firebus_py
