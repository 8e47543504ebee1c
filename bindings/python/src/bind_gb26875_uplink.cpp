// firebus — fire-safety IoT SDK.
//
// firebus._firebus.uplink.Gb26875Uplink: the journal sent to a GB/T 26875.3 monitoring centre
// (C++ firebus::uplink::gb26875_uplink, <firebus/io/gb26875_uplink.hpp>).
//
// Unlike MqttUplink, which joins a firebus.mqtt.Client, a Gb26875Uplink owns its UITD client:
// it is made from a Journal and a firebus.gb26875.ClientConfig, and runs the C++
// gb26875::client and the uplink on an I/O thread of its own (io_common.hpp's runner), with the
// threading and lifetime rules of bind_io.cpp's Client: callbacks run on the I/O thread with
// the GIL held, what they raise goes to sys.unraisablehook; close() (also __exit__, the
// destructor and interpreter exit) stops, joins the thread, and frees the uplink before the
// client. Calls that take the uplink's lock or write the journal release the GIL: the I/O thread
// may need it (the Journal's on_log) while holding that lock. Times are float seconds (produced:
// Unix seconds), as in Journal and MqttUplink.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/core/error.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/io/gb26875_client.hpp>
#include <firebus/io/gb26875_uplink.hpp>
#include <firebus/io/journal.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "io_common.hpp"
#include "shared_enums.hpp"

namespace firebus_py {
namespace gb_uplink_detail {

namespace gb = firebus::gb26875;
namespace ul = firebus::uplink;
using namespace io_detail;
using namespace std::chrono_literals;

constexpr std::chrono::milliseconds close_grace = gb::client_close_linger + 500ms;

#define FIREBUS_PY_CALLABLE(TAG, TEXT)                   \
  struct TAG {                                           \
    static constexpr auto name = py::detail::const_name( \
        "typing.Optional["                               \
        "typing.Callable[" TEXT "]]");                   \
  };
FIREBUS_PY_CALLABLE(delivered_sig, "[firebus._firebus.uplink.Gb26875Delivery], None")
FIREBUS_PY_CALLABLE(denied_sig, "[firebus._firebus.uplink.Entry, firebus._firebus.Error], None")
FIREBUS_PY_CALLABLE(connected_sig, "[], None")
FIREBUS_PY_CALLABLE(disconnected_sig, "[firebus._firebus.Error], None")
FIREBUS_PY_CALLABLE(log_sig, "[firebus._firebus.uplink.LogLevel, str], None")
#undef FIREBUS_PY_CALLABLE
#define FIREBUS_PY_TYPED(TAG, TEXT)                            \
  struct TAG {                                                 \
    static constexpr auto name = py::detail::const_name(TEXT); \
  };
FIREBUS_PY_TYPED(adu_in_t,
                 "typing.Union[bytes, bytearray, memoryview, firebus._firebus.gb26875.Adu]")
FIREBUS_PY_TYPED(exc_type_t, "typing.Optional[typing.Type[BaseException]]")
FIREBUS_PY_TYPED(exc_t, "typing.Optional[BaseException]")
FIREBUS_PY_TYPED(tb_t, "typing.Optional[types.TracebackType]")
#undef FIREBUS_PY_TYPED

enum slot : std::size_t { s_delivered, s_denied, s_connected, s_disconnected, s_log, s_count };
using uplink_hooks = hooks<s_count>;

// An ADU from Python (bytes are decoded and checked; an Adu converted), kept with the bytes its
// views may point into.
struct adu_in {
  std::string bytes;
  gb::adu adu;
};

adu_in adu_of(const typed<adu_in_t>& a, const char* context) {
  adu_in out;
  if (bytes_like(a.obj, out.bytes)) {
    std::error_code ec;
    out.adu =
        gb::decode_adu(firebus::byte_view(reinterpret_cast<const std::uint8_t*>(out.bytes.data()),
                                          out.bytes.size()),
                       ec);
    check(ec, context);
  } else {
    const py::object adu_class = py::module_::import("firebus._firebus.gb26875").attr("Adu");
    if (!py::isinstance(a.obj, adu_class)) {
      throw py::type_error(std::string(context) +
                           ": bytes, bytearray, memoryview or Adu expected, not " +
                           py::str(py::type::of(a.obj).attr("__name__")).cast<std::string>());
    }
    out.adu = adu_from_py(a.obj);
  }
  return out;
}

class py_gb_uplink final : public closeable {
 public:
  py_gb_uplink(ul::journal& j, const gb::client_config& cfg, const ul::gb26875_uplink_options& o)
      : hooks_(std::make_shared<uplink_hooks>("firebus.uplink.Gb26875Uplink callback")),
        config_(cfg) {
    std::string why;
    if (const std::error_code ec = ul::validate(o, &why)) raise(ec, "Gb26875Uplink: " + why);
    std::error_code ec;
    client_ = std::make_unique<gb::client>(runner_.io(), cfg, ec);
    check(ec, "Gb26875Uplink: invalid client configuration");
    ul::gb26875_uplink_options opts = o;
    auto h = hooks_;
    opts.on_log = [h](ul::log_level level, const std::string& text) {
      h->call([&] {
        if (py::object f = h->get(s_log)) f(level, text);
      });
    };
    uplink_ = std::make_unique<ul::gb26875_uplink>(runner_.io(), j, *client_, opts, ec);
    check(ec, "Gb26875Uplink");
    uplink_->on_delivered([h](const ul::gb26875_delivery& d) {
      h->call([&] {
        if (py::object f = h->get(s_delivered)) f(d);
      });
    });
    uplink_->on_denied([h](const ul::entry& e, std::error_code reason) {
      h->call([&] {
        if (py::object f = h->get(s_denied)) f(e, error_object(reason));
      });
    });
    uplink_->on_connected([h] {
      h->call([&] {
        if (py::object f = h->get(s_connected)) f();
      });
    });
    client_->on_disconnected([h](std::error_code reason) {
      h->call([&] {
        if (py::object f = h->get(s_disconnected)) f(error_object(reason));
      });
    });
    live().insert(this);
  }
  ~py_gb_uplink() override {
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
  py_gb_uplink(const py_gb_uplink&) = delete;
  py_gb_uplink& operator=(const py_gb_uplink&) = delete;

  uplink_hooks& h() { return *hooks_; }
  const gb::client_config& config() const { return config_; }

  void start() {
    cl();
    if (!runner_.on_io_thread()) {
      py::gil_scoped_release nogil;
      runner_.run();
    } else {
      runner_.run();
    }
    cl().start();  // again: another thread may have closed meanwhile
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
    {
      // The uplink first (it holds the client's callbacks), without the GIL: the I/O thread may
      // wait for it while holding the uplink's lock.
      std::unique_ptr<ul::gb26875_uplink> u = std::move(uplink_);
      py::gil_scoped_release nogil;
      gate_.wait_idle();  // send() and the others in other threads
      u.reset();
    }
    end_transport(runner_, *hooks_, std::move(client_), close_grace, &gate_);
  }
  bool closed() const { return closed_; }

  std::vector<std::uint64_t> send(const std::vector<adu_in>& adus, const char* context) {
    ul::gb26875_uplink& u = up();
    std::vector<gb::adu> v;
    v.reserve(adus.size());
    for (const adu_in& a : adus) v.push_back(a.adu);
    std::error_code ec;
    std::vector<std::uint64_t> ids;
    {
      const call_gate::pass in_call(gate_);
      py::gil_scoped_release nogil;
      ids = u.send(v, ec);
    }
    check(ec, context);
    return ids;
  }
  void notify() { up().notify(); }
  ul::gb26875_uplink_counters counters() {
    ul::gb26875_uplink& u = up();
    const call_gate::pass in_call(gate_);
    py::gil_scoped_release nogil;
    return u.counters();
  }
  std::size_t in_flight() {
    ul::gb26875_uplink& u = up();
    const call_gate::pass in_call(gate_);
    py::gil_scoped_release nogil;
    return u.in_flight();
  }
  std::optional<double> oldest_unsent(ul::lane l) {
    ul::gb26875_uplink& u = up();
    std::error_code ec;
    std::optional<firebus::utc_time> t;
    {
      const call_gate::pass in_call(gate_);
      py::gil_scoped_release nogil;
      t = u.oldest_unsent(l, ec);
    }
    check(ec, "Gb26875Uplink.oldest_unsent");
    if (!t) return std::nullopt;
    return to_py_seconds(*t);
  }
  bool is_connected() { return client_ && client_->is_connected(); }
  gb::client_counters client_counters() { return cl().counters(); }

 private:
  gb::client& cl() {
    if (!client_) raise(gb::make_error_code(gb::errc::not_connected), "Gb26875Uplink: closed");
    return *client_;
  }
  ul::gb26875_uplink& up() {
    if (!uplink_) raise(gb::make_error_code(gb::errc::not_connected), "Gb26875Uplink: closed");
    return *uplink_;
  }

  runner runner_{close_grace};  // first: destroyed last, after the client
  call_gate gate_;              // the calls that use the uplink without the GIL
  std::shared_ptr<uplink_hooks> hooks_;
  std::unique_ptr<gb::client> client_;
  std::unique_ptr<ul::gb26875_uplink> uplink_;  // destroyed before the client
  gb::client_config config_;
  bool closed_ = false;
};

template <class Tag>
void callback_property(py::class_<py_gb_uplink>& cls, const char* name, std::size_t s,
                       const char* doc) {
  cls.def_property(
      name, [s](py_gb_uplink& self) { return callable<Tag>{self.h().slots[s]}; },
      [s](py_gb_uplink& self, const callable<Tag>& f) { self.h().slots[s] = f.fn; }, doc);
}

}  // namespace gb_uplink_detail

void bind_gb26875_uplink(py::module_& m) {
  using namespace gb_uplink_detail;
  m.attr("GB26875_FORMAT") = ul::gb26875_format;

  using gc = ul::gb26875_uplink_counters;
  py::class_<gc> c(m, "Gb26875UplinkCounters", "What a Gb26875Uplink did since it was made.");
  c.def_readonly("sent", &gc::sent, "Submissions to the client, resends included.");
  c.def_readonly("delivered", &gc::delivered, "Messages confirmed by the centre and removed.");
  c.def_readonly("denied", &gc::denied, "Messages denied by the centre (removed, reported).");
  c.def_readonly("unsendable", &gc::unsendable,
                 "Journal entries that are no sendable ADU (removed, reported).");
  c.def_readonly("resent", &gc::resent, "Of sent: messages handed out again.");
  c.def_readonly("failed", &gc::failed,
                 "Failures that keep the message (no answer, not connected, queue full).");
  c.def_readonly("journal_errors", &gc::journal_errors, "Journal reads or acks that failed.");
  c.def_readonly("connections", &gc::connections, "Connections that came up.");
  c.def_readonly("callback_errors", &gc::callback_errors, "Exceptions thrown by callbacks.");
  c.def("__repr__", [](const gc& x) {
    std::ostringstream s;
    s << "Gb26875UplinkCounters(sent=" << x.sent << ", delivered=" << x.delivered
      << ", denied=" << x.denied << ", unsendable=" << x.unsendable << ", resent=" << x.resent
      << ", failed=" << x.failed << ", journal_errors=" << x.journal_errors
      << ", connections=" << x.connections << ", callback_errors=" << x.callback_errors << ")";
    return s.str();
  });

  using gd = ul::gb26875_delivery;
  py::class_<gd> d(m, "Gb26875Delivery",
                   "A message confirmed by the centre (Gb26875Uplink.on_delivered).");
  d.def_readonly("id", &gd::id, "Its journal id (what send() returned).");
  d.def_readonly("lane", &gd::lane, "Its lane (Lane).");
  d.def_readonly("seq", &gd::seq, "Its sequence number in its lane.");
  d.def_readonly("priority", &gd::priority,
                 "Its priority as classified (firebus.gb26875.MessagePriority).");
  d.def_property_readonly(
      "produced", [](const gd& x) { return to_py_seconds(x.produced); },
      "When it was appended (Unix seconds).");
  d.def_property_readonly(
      "latency", [](const gd& x) { return to_py_seconds(x.latency); },
      "Seconds from produced to the confirm (outages included).");
  d.def_readonly("attempts", &gd::attempts, "Transmissions of its last submission.");
  d.def_readonly("submissions", &gd::submissions,
                 "Times the uplink handed it out since the journal was opened.");
  d.def("__repr__", [](const gd& x) {
    std::ostringstream s;
    s << "Gb26875Delivery(id=" << x.id << ", seq=" << x.seq
      << ", priority=" << static_cast<int>(x.priority) << ", latency=" << to_py_seconds(x.latency)
      << ", attempts=" << x.attempts << ")";
    return s.str();
  });

  const ul::gb26875_uplink_options o;
  py::class_<py_gb_uplink> u(
      m, "Gb26875Uplink",
      "Sends a Journal to a GB/T 26875.3 monitoring centre (C++ firebus::uplink::gb26875_uplink, "
      "<firebus/io/gb26875_uplink.hpp>; docs/gb26875-uplink.md) through a UITD client of its "
      "own, made from a firebus.gb26875.ClientConfig. send() encodes and classifies an ADU and "
      "appends it to the journal (fire and alarms: Lane.alarm, routine: Lane.telemetry; on disk "
      "when it returns); the uplink sends alarms first, fire ahead of everything, and removes a "
      "message when the centre confirmed it. A denied message is removed and reported to "
      "on_denied. On every connection everything not confirmed goes again (at least once). "
      "Callbacks run on the uplink's I/O thread with the GIL held. A context manager: "
      "`with Gb26875Uplink(j, cfg) as up:` starts and closes.");
  u.def(py::init([](ul::journal& j, const gb::client_config& cfg, std::size_t window,
                    std::size_t alarm_window, double poll_interval, double retry_delay,
                    bool keep_denied) {
          ul::gb26875_uplink_options opts;
          opts.window = window;
          opts.alarm_window = alarm_window;
          opts.poll_interval = py_duration(poll_interval);
          opts.retry_delay = py_duration(retry_delay);
          opts.keep_denied = keep_denied;
          return std::make_unique<py_gb_uplink>(j, cfg, opts);
        }),
        py::arg("journal"), py::arg("config"), py::kw_only(), py::arg("window") = o.window,
        py::arg("alarm_window") = o.alarm_window,
        py::arg("poll_interval") = to_py_seconds(o.poll_interval),
        py::arg("retry_delay") = to_py_seconds(o.retry_delay),
        py::arg("keep_denied") = o.keep_denied, py::keep_alive<1, 2>(),
        "window: telemetry messages submitted and not yet reported (1..1000); alarm_window: the "
        "same for alarms, independent (an alarm never waits for telemetry); poll_interval, "
        "retry_delay: seconds; keep_denied: keep and resend a denied message instead of removing "
        "it. Raises CoreError for an option out of range, firebus.Error for an invalid "
        "configuration.");
  u.def("start", &py_gb_uplink::start,
        "Starts the I/O thread and connects to the centre (reconnecting with back-off).");
  u.def("stop", &py_gb_uplink::stop,
        "Closes the connection; what is not confirmed stays in the journal (and in the client) "
        "and is sent after the next start().");
  u.def("close", &py_gb_uplink::close,
        "Detaches the uplink, stops and frees the client, joins the I/O thread. Idempotent.");
  u.def_property_readonly("closed", &py_gb_uplink::closed, "True once close() was called.");
  u.def_property_readonly(
      "config", [](const py_gb_uplink& x) { return x.config(); },
      "A copy of the client's configuration.");
  u.def(
      "send",
      [](py_gb_uplink& x, const typed<adu_in_t>& a) {
        std::vector<adu_in> v;
        v.push_back(adu_of(a, "Gb26875Uplink.send"));
        return x.send(v, "Gb26875Uplink.send").front();
      },
      py::arg("adu"),
      "Appends the ADU (bytes, checked, or an Adu) to the journal (on disk when this returns) "
      "and wakes the uplink; returns its journal id. Raises GB26875Error when it cannot be "
      "encoded within the standard's limits, JournalError when the journal refused it "
      "(journal_full: report it loudly and keep the message; storage_full, read_only, ...).");
  u.def(
      "send_batch",
      [](py_gb_uplink& x, const std::vector<typed<adu_in_t>>& adus) {
        std::vector<adu_in> v;
        v.reserve(adus.size());
        for (const auto& a : adus) v.push_back(adu_of(a, "Gb26875Uplink.send_batch"));
        return x.send(v, "Gb26875Uplink.send_batch");
      },
      py::arg("adus"), "Appends several ADUs in one transaction (one sync), all or none.");
  u.def("notify", &py_gb_uplink::notify,
        "Wakes the uplink after messages were appended to the journal directly.");
  u.def_property_readonly("counters", &py_gb_uplink::counters, "Gb26875UplinkCounters.");
  u.def_property_readonly("in_flight", &py_gb_uplink::in_flight,
                          "Messages submitted to the client and not yet reported.");
  u.def("oldest_unsent", &py_gb_uplink::oldest_unsent, py::arg("lane"),
        "When the oldest message of `lane` not yet confirmed was produced (Unix seconds), or "
        "None when the lane is empty.");
  u.def_property_readonly("is_connected", &py_gb_uplink::is_connected,
                          "True while a connection to the centre is established.");
  u.def("client_counters", &py_gb_uplink::client_counters,
        "The client's counters (firebus.gb26875.ClientCounters).");
  callback_property<delivered_sig>(u, "on_delivered", s_delivered,
                                   "Called as f(delivery) when the centre confirmed a message "
                                   "(already removed from the journal).");
  callback_property<denied_sig>(u, "on_denied", s_denied,
                                "Called as f(entry, error) when a message was removed without "
                                "being delivered: denied by the centre (GB26875Error denied), "
                                "or a journal entry that is no sendable ADU.");
  callback_property<connected_sig>(u, "on_connected", s_connected,
                                   "Called as f() on every connection (after the rewind).");
  callback_property<disconnected_sig>(u, "on_disconnected", s_disconnected,
                                      "Called as f(error) when an established connection ends.");
  callback_property<log_sig>(u, "on_log", s_log,
                             "Called as f(level, text) for denied and unsendable messages, "
                             "failures and journal errors.");
  u.def(
      "__enter__",
      [](py_gb_uplink& x) -> py_gb_uplink& {
        x.start();
        return x;
      },
      py::return_value_policy::reference, "Starts the uplink; returns it.");
  u.def(
      "__exit__",
      [](py_gb_uplink& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) {
        x.close();
      },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the uplink.");
  u.def("__repr__", [](py_gb_uplink& x) {
    std::ostringstream s;
    s << "<Gb26875Uplink " << x.config().host << ":" << x.config().port << " "
      << (x.closed()         ? "closed"
          : x.is_connected() ? "connected"
                             : "not connected")
      << ">";
    return s.str();
  });
}

}  // namespace firebus_py
