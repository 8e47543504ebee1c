// firebus — fire-safety IoT SDK.
//
// firebus._firebus.uplink: the store-and-forward journal (<firebus/io/journal.hpp>).
//
// Journal wraps uplink::journal, which is internally synchronised: every call that touches the
// file (open, append, next, ack, read, wait, compact, close) runs with the GIL released, so one
// Python thread can append while another sends and acknowledges. Arguments are copied out of
// their Python objects before the GIL is released (a bytearray may change meanwhile). The log
// handler (on_log) is called on the thread whose call caused the message, with the GIL taken;
// what it raises goes to sys.unraisablehook. Times are float Unix seconds (produced).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/core/bytes.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/io/journal.hpp>
#include <firebus/io/mqtt_uplink.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::uplink::durability, UlDurability, "firebus._firebus.uplink.Durability")
FIREBUS_PY_ENUM(firebus::uplink::payload_format, UlPayloadFormat,
                "firebus._firebus.uplink.PayloadFormat")
FIREBUS_PY_ENUM(firebus::uplink::journal_errc, UlErrc, "firebus._firebus.uplink.JournalErrc")

namespace firebus_py {
namespace journal_detail {

namespace ul = firebus::uplink;

constexpr const char* module_name = "firebus.uplink";

struct buffer_t {
  static constexpr auto name = py::detail::const_name("typing.Union[bytes, bytearray, memoryview]");
};
struct log_sig {
  static constexpr auto name = py::detail::const_name(
      "typing.Optional[typing.Callable[[firebus._firebus.uplink.LogLevel, str], None]]");
};
struct transform_sig {
  static constexpr auto name = py::detail::const_name(
      "typing.Optional[typing.Callable[[firebus._firebus.uplink.Entry], "
      "typing.Sequence[typing.Tuple[str, bytes, int, bool]]]]");
};
struct exc_type_t {
  static constexpr auto name =
      py::detail::const_name("typing.Optional[typing.Type[BaseException]]");
};
struct exc_t {
  static constexpr auto name = py::detail::const_name("typing.Optional[BaseException]");
};
struct tb_t {
  static constexpr auto name = py::detail::const_name("typing.Optional[types.TracebackType]");
};
using buffer = typed<buffer_t>;

std::string bytes_of(const buffer& b, const char* what) {
  std::string out;
  if (!bytes_like(b.obj, out)) {
    throw py::type_error(std::string(what) + ": bytes, bytearray or memoryview expected");
  }
  return out;
}

bool finalizing() noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

// A message with its bytes owned (C++ ul::message holds views).
struct message_py {
  ul::lane lane = ul::lane::telemetry;
  std::string topic;
  std::string payload;
  std::uint8_t qos = 1;
  bool retain = false;
  std::uint8_t format = 0;
  std::optional<double> produced;  // Unix seconds

  ul::message view() const {
    ul::message m;
    m.lane = lane;
    m.topic = topic;
    m.payload = firebus::byte_view::from_chars(payload);
    m.qos = qos;
    m.retain = retain;
    m.format = format;
    if (produced) m.produced = py_utc_time(*produced);
    return m;
  }
};

// A Python object shared with C++ callbacks: released with the GIL held (it may be dropped on
// any thread), or leaked once the interpreter is finalizing.
std::shared_ptr<py::object> gil_held(py::object f) {
  return std::shared_ptr<py::object>(new py::object(std::move(f)), [](py::object* p) {
    if (Py_IsInitialized() && !finalizing()) {
      py::gil_scoped_acquire gil;
      delete p;
    } else {  // too late to call into Python: leak rather than crash
      p->release();
      delete p;
    }
  });
}

// The Python log handler.
struct log_handler {
  std::shared_ptr<py::object> fn;

  explicit log_handler(py::object f) : fn(gil_held(std::move(f))) {}

  void operator()(ul::log_level level, const std::string& text) const {
    if (!Py_IsInitialized() || finalizing()) return;
    py::gil_scoped_acquire gil;
    try {
      (*fn)(level, text);
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("firebus.uplink.Journal on_log");
    }
  }
};

// The Python transform of an MqttUplink (mqtt_uplink_options::transform), called on the client's
// I/O thread without the uplink's lock, GIL taken. It returns (topic, payload, qos, retain) tuples;
// what it raises, or a result of another shape, is a failure: the entry is sent as stored and the
// uplink logs `why`.
struct transform_handler {
  std::shared_ptr<py::object> fn;

  explicit transform_handler(py::object f) : fn(gil_held(std::move(f))) {}

  std::vector<ul::publication> operator()(const ul::entry& e, std::error_code& ec,
                                          std::string& why) const {
    std::vector<ul::publication> out;
    if (!Py_IsInitialized() || finalizing()) {
      ec = make_error_code(firebus::errc::invalid_argument);
      why = "the Python interpreter is finalizing";
      return out;
    }
    py::gil_scoped_acquire gil;
    try {
      py::object r = (*fn)(e);
      for (py::handle item : py::iter(r)) {
        const py::tuple t = py::reinterpret_borrow<py::object>(item).cast<py::tuple>();
        if (t.size() != 4) throw py::value_error("a (topic, payload, qos, retain) tuple expected");
        ul::publication p;
        p.topic = t[0].cast<std::string>();
        std::string bytes;
        if (!bytes_like(t[1], bytes)) throw py::type_error("payload: bytes expected");
        p.payload.assign(bytes.begin(), bytes.end());
        p.qos = t[2].cast<int>();
        p.retain = t[3].cast<bool>();
        out.push_back(std::move(p));
      }
    } catch (py::error_already_set& x) {
      ec = make_error_code(firebus::errc::invalid_argument);
      why = std::string("the transform raised ") + x.what();
      out.clear();
    } catch (const std::exception& x) {  // pybind11's cast_error, value_error, ...
      ec = make_error_code(firebus::errc::invalid_argument);
      why = std::string("the transform returned an unusable result: ") + x.what();
      out.clear();
    }
    return out;
  }
};

// Raises the journal's error with its detail (SQLite's message, the path).
[[noreturn]] void raise_journal(const ul::journal& j, const std::error_code& ec) {
  std::string detail = j.last_error();
  raise(ec, detail);
}

std::string quoted(const std::string& s) { return py::repr(py::str(s)).cast<std::string>(); }

void bind_types(py::module_& m) {
  make_enum<ul::lane>(m, "Lane", module_name,
                      {{"alarm", ul::lane::alarm}, {"telemetry", ul::lane::telemetry}},
                      "The journal's lanes, in the order they are sent: alarm and fault events "
                      "(never dropped), then telemetry (thinned, then dropped oldest first, when "
                      "the journal is full).");
  make_enum<ul::durability>(
      m, "Durability", module_name,
      {{"full", ul::durability::full}, {"normal", ul::durability::normal}},
      "When an append is on disk. full: when append() returns (survives kill -9 and power "
      "loss); normal: in the operating system (survives kill -9; a power loss may lose the last "
      "appends).");
  make_enum<ul::log_level>(m, "LogLevel", module_name,
                           {{"info", ul::log_level::info},
                            {"warning", ul::log_level::warning},
                            {"error", ul::log_level::error}},
                           "Severity of a journal log message.");
  make_enum<ul::journal_errc>(
      m, "JournalErrc", module_name,
      {{"journal_full", ul::journal_errc::journal_full},
       {"message_too_large", ul::journal_errc::message_too_large},
       {"storage_full", ul::journal_errc::storage_full},
       {"read_only", ul::journal_errc::read_only},
       {"io_error", ul::journal_errc::io_error},
       {"cannot_open", ul::journal_errc::cannot_open},
       {"corrupt", ul::journal_errc::corrupt},
       {"not_a_journal", ul::journal_errc::not_a_journal},
       {"locked", ul::journal_errc::locked},
       {"closed", ul::journal_errc::closed},
       {"storage_error", ul::journal_errc::storage_error}},
      "JournalError codes (JournalError.code; category 'firebus.journal').");
  m.def(
      "errc_message", [](ul::journal_errc e) { return ul::make_error_code(e).message(); },
      py::arg("code"), "The C++ message of a JournalErrc.");
  m.attr("MESSAGE_OVERHEAD") = ul::journal_message_overhead;
  m.attr("THIN_WINDOW") = ul::journal_thin_window;

  py::class_<message_py> msg(
      m, "Message",
      "A message to append (Journal.append_batch). Its bytes are copied into the journal.");
  msg.def(py::init([](ul::lane lane, std::string topic, const buffer& payload, std::uint8_t qos,
                      bool retain, std::uint8_t format, std::optional<double> produced) {
            message_py x;
            x.lane = lane;
            x.topic = std::move(topic);
            x.payload = bytes_of(payload, "Message payload");
            x.qos = qos;
            x.retain = retain;
            x.format = format;
            x.produced = produced;
            return x;
          }),
          py::arg("lane"), py::arg("topic"), py::arg("payload"), py::kw_only(), py::arg("qos") = 1,
          py::arg("retain") = false, py::arg("format") = 0, py::arg("produced") = py::none(),
          "lane, MQTT topic and payload; qos (0-2) and retain are stored for the sender, format "
          "(0-255) is the payload's encoding as the application numbers it; produced: Unix "
          "seconds (None: the time of the append).");
  msg.def_readwrite("lane", &message_py::lane, "The lane.");
  msg.def_readwrite("topic", &message_py::topic, "Where to publish it.");
  msg.def_property(
      "payload", [](const message_py& x) { return py::bytes(x.payload); },
      [](message_py& x, const buffer& b) { x.payload = bytes_of(b, "Message payload"); },
      "The encoded message.");
  msg.def_readwrite("qos", &message_py::qos, "MQTT QoS (0-2).");
  msg.def_readwrite("retain", &message_py::retain, "MQTT retain flag.");
  msg.def_readwrite("format", &message_py::format, "The payload's encoding (0-255).");
  msg.def_readwrite("produced", &message_py::produced,
                    "When it was produced (Unix seconds), or None: at the append.");
  msg.def("__repr__", [](const message_py& x) {
    std::ostringstream s;
    s << "Message(lane=" << (x.lane == ul::lane::alarm ? "alarm" : "telemetry")
      << ", topic=" << quoted(x.topic) << ", payload=<" << x.payload.size() << " bytes>)";
    return s.str();
  });

  py::class_<ul::entry> e(m, "Entry", "A message read from the journal (Journal.next, read).");
  e.def_readonly("id", &ul::entry::id,
                 "Unique in the journal, never reused: Journal.ack takes it.");
  e.def_readonly("lane", &ul::entry::lane, "Its lane.");
  e.def_readonly("seq", &ul::entry::seq,
                 "1, 2, 3, ... in its lane, kept across restarts (receivers drop duplicates by "
                 "it).");
  e.def_property_readonly(
      "produced", [](const ul::entry& x) { return to_py_seconds(x.produced); },
      "When it was produced, Unix seconds.");
  e.def_property_readonly(
      "topic",
      [](const ul::entry& x) {
        return py::reinterpret_steal<py::str>(PyUnicode_DecodeUTF8(
            x.topic.data(), static_cast<Py_ssize_t>(x.topic.size()), "surrogateescape"));
      },
      "Where to publish it.");
  e.def_property_readonly(
      "payload",
      [](const ul::entry& x) {
        return py::bytes(reinterpret_cast<const char*>(x.payload.data()), x.payload.size());
      },
      "The encoded message.");
  e.def_readonly("qos", &ul::entry::qos, "MQTT QoS to publish with.");
  e.def_readonly("retain", &ul::entry::retain, "MQTT retain flag.");
  e.def_readonly("format", &ul::entry::format, "The payload's encoding, as appended.");
  e.def_readonly("attempts", &ul::entry::attempts,
                 "How many times next() handed it out since the journal was opened (0 from "
                 "read()).");
  e.def_readonly("historical", &ul::entry::historical,
                 "Appended before the last rewind() or before the journal was opened: replayed "
                 "data, to be marked historical when sent.");
  e.def("__repr__", [](const ul::entry& x) {
    std::ostringstream s;
    s << "Entry(id=" << x.id << ", lane=" << (x.lane == ul::lane::alarm ? "alarm" : "telemetry")
      << ", seq=" << x.seq << ", topic=" << quoted(x.topic) << ", payload=<" << x.payload.size()
      << " bytes>" << (x.historical ? ", historical" : "") << ")";
    return s.str();
  });

  py::class_<ul::journal_lane_stats> ls(m, "LaneStats", "One lane's content (Journal.stats).");
  ls.def_readonly("messages", &ul::journal_lane_stats::messages, "Stored, in flight included.");
  ls.def_readonly("bytes", &ul::journal_lane_stats::bytes,
                  "Accounted bytes stored (topic + payload + MESSAGE_OVERHEAD per message).");
  ls.def_readonly("in_flight", &ul::journal_lane_stats::in_flight,
                  "Handed out by next() since the last rewind(), not acknowledged.");
  ls.def_readonly("next_seq", &ul::journal_lane_stats::next_seq,
                  "The seq the lane's next message will get.");
  ls.def("__repr__", [](const ul::journal_lane_stats& x) {
    std::ostringstream s;
    s << "LaneStats(messages=" << x.messages << ", bytes=" << x.bytes
      << ", in_flight=" << x.in_flight << ", next_seq=" << x.next_seq << ")";
    return s.str();
  });

  using jc = ul::journal_counters;
  py::class_<jc> c(m, "JournalCounters", "What the journal did since it was opened.");
  c.def_readonly("appended", &jc::appended, "Messages appended.");
  c.def_readonly("acked", &jc::acked, "Messages removed by ack().");
  c.def_readonly("handed_out", &jc::handed_out, "Entries returned by next(), resends included.");
  c.def_readonly("thinned", &jc::thinned, "Telemetry deleted by thinning.");
  c.def_readonly("dropped", &jc::dropped, "Telemetry deleted oldest first.");
  c.def_readonly("refused_alarms", &jc::refused_alarms, "Alarm messages refused (journal full).");
  c.def_readonly("refused_telemetry", &jc::refused_telemetry,
                 "Telemetry messages refused (journal full).");
  c.def_readonly("storage_errors", &jc::storage_errors,
                 "Operations failed by the storage (disk full, I/O, ...).");
  c.def_readonly("log_errors", &jc::log_errors, "Exceptions raised by the log handler.");
  c.def("__repr__", [](const jc& x) {
    std::ostringstream s;
    s << "JournalCounters(appended=" << x.appended << ", acked=" << x.acked
      << ", handed_out=" << x.handed_out << ", thinned=" << x.thinned << ", dropped=" << x.dropped
      << ", refused_alarms=" << x.refused_alarms << ", refused_telemetry=" << x.refused_telemetry
      << ", storage_errors=" << x.storage_errors << ", log_errors=" << x.log_errors << ")";
    return s.str();
  });
}

void bind_journal_class(py::module_& m) {
  using J = ul::journal;
  const ul::journal_options d;
  py::class_<J> j(m, "Journal",
                  "The store-and-forward journal (C++ firebus::uplink::journal, "
                  "<firebus/io/journal.hpp>; docs/journal.md). Thread-safe; every call that "
                  "touches the file releases the GIL. A context manager: closed on exit.");
  j.def(py::init([](const std::string& path, std::uint64_t max_bytes, std::uint64_t max_messages,
                    std::uint64_t max_file_bytes, std::uint64_t wal_limit_bytes,
                    ul::durability durability, double busy_timeout, bool exclusive, bool read_only,
                    bool verify, bool move_aside_damaged, const callable<log_sig>& on_log) {
          ul::journal_options o;
          o.path = path;
          o.max_bytes = max_bytes;
          o.max_messages = max_messages;
          o.max_file_bytes = max_file_bytes;
          o.wal_limit_bytes = wal_limit_bytes;
          o.durability = durability;
          o.busy_timeout = py_duration(busy_timeout);
          o.exclusive = exclusive;
          o.read_only = read_only;
          o.verify = verify;
          o.move_aside_damaged = move_aside_damaged;
          if (on_log.fn && !on_log.fn.is_none()) o.on_log = log_handler(on_log.fn);
          auto x = std::make_unique<J>();
          std::error_code ec;
          {
            py::gil_scoped_release nogil;
            x->open(o, ec);
          }
          if (ec) raise_journal(*x, ec);
          return x;
        }),
        py::arg("path"), py::kw_only(), py::arg("max_bytes") = d.max_bytes,
        py::arg("max_messages") = d.max_messages, py::arg("max_file_bytes") = d.max_file_bytes,
        py::arg("wal_limit_bytes") = d.wal_limit_bytes, py::arg("durability") = d.durability,
        py::arg("busy_timeout") = to_py_seconds(d.busy_timeout), py::arg("exclusive") = d.exclusive,
        py::arg("read_only") = d.read_only, py::arg("verify") = d.verify,
        py::arg("move_aside_damaged") = d.move_aside_damaged, py::arg("on_log") = py::none(),
        "Opens the journal at `path`, creating it if missing, or resumes it (every message not "
        "acknowledged is there, in order; ids and seqs go on). max_bytes: the size bound on "
        "accounted bytes (topic + payload + MESSAGE_OVERHEAD per message); max_messages: a bound "
        "on messages (0: none); max_file_bytes: a hard cap on the file (0: none; reached: "
        "storage_full, as a full disk); durability: Durability.full (on disk when append "
        "returns) or normal; busy_timeout (seconds): how long to wait for another connection's "
        "lock; exclusive: hold the file lock until close; read_only: inspection only; verify: "
        "check the file at open; move_aside_damaged: a damaged file (corrupt) is renamed to "
        "<path>.damaged-<UTC time>, kept for salvage, and a new journal started instead of "
        "raising (moved_aside says where it went); on_log(level, text): the journal's log "
        "messages. Raises "
        "JournalError (cannot_open, corrupt, not_a_journal, locked, ...) or CoreError.");
  j.def(
      "append",
      [](J& x, ul::lane lane, const std::string& topic, const buffer& payload, std::uint8_t qos,
         bool retain, std::uint8_t format, std::optional<double> produced) {
        message_py mp;
        mp.lane = lane;
        mp.topic = topic;
        mp.payload = bytes_of(payload, "append payload");
        mp.qos = qos;
        mp.retain = retain;
        mp.format = format;
        mp.produced = produced;
        const ul::message one = mp.view();
        std::error_code ec;
        std::uint64_t id = 0;
        {
          py::gil_scoped_release nogil;
          id = x.append(one, ec);
        }
        if (ec) raise_journal(x, ec);
        return id;
      },
      py::arg("lane"), py::arg("topic"), py::arg("payload"), py::kw_only(), py::arg("qos") = 1,
      py::arg("retain") = false, py::arg("format") = 0, py::arg("produced") = py::none(),
      "Appends one message and returns its id; with Durability.full it is on disk when this "
      "returns. Raises JournalError: journal_full (no telemetry left to drop: an alarm must be "
      "reported loudly), message_too_large, storage_full, read_only, io_error, closed.");
  j.def(
      "append_batch",
      [](J& x, const std::vector<message_py>& batch) {
        std::vector<ul::message> ms;
        ms.reserve(batch.size());
        for (const auto& b : batch) ms.push_back(b.view());
        std::error_code ec;
        std::vector<std::uint64_t> ids;
        {
          py::gil_scoped_release nogil;
          ids = x.append(ms, ec);
        }
        if (ec) raise_journal(x, ec);
        return ids;
      },
      py::arg("messages"),
      "Appends Messages in one transaction (group commit: one sync for all), all or none; "
      "returns their ids in order.");
  j.def(
      "next",
      [](J& x, std::size_t max_count, std::optional<std::size_t> max_bytes) {
        std::error_code ec;
        std::vector<ul::entry> out;
        {
          py::gil_scoped_release nogil;
          out = x.next(max_count, max_bytes.value_or(std::numeric_limits<std::size_t>::max()), ec);
        }
        if (ec) raise_journal(x, ec);
        return out;
      },
      py::arg("max_count") = 64, py::arg("max_bytes") = py::none(),
      "The oldest messages not in flight, alarm lane first: at most max_count and, beyond the "
      "first, at most max_bytes of topic and payload. They are in flight until rewind().");
  j.def("rewind", &J::rewind, py::call_guard<py::gil_scoped_release>(),
        "Forgets what is in flight: next() starts again at the oldest message of each lane, and "
        "everything appended until now is historical. Call it on every (re)connection.");
  j.def(
      "ack",
      [](J& x, std::uint64_t id) {
        std::error_code ec;
        std::size_t n = 0;
        {
          py::gil_scoped_release nogil;
          n = x.ack(id, ec);
        }
        if (ec) raise_journal(x, ec);
        return n;
      },
      py::arg("id"),
      "Removes an acknowledged message; returns 1, or 0 for an unknown id (already "
      "acknowledged, thinned or dropped).");
  j.def(
      "ack",
      [](J& x, const std::vector<std::uint64_t>& ids) {
        std::error_code ec;
        std::size_t n = 0;
        {
          py::gil_scoped_release nogil;
          n = x.ack(ids, ec);
        }
        if (ec) raise_journal(x, ec);
        return n;
      },
      py::arg("ids"),
      "Removes acknowledged messages in one transaction; returns how many existed.");
  j.def(
      "wait",
      [](J& x, double timeout) {
        const auto t = py_duration(timeout);
        py::gil_scoped_release nogil;
        return x.wait(t);
      },
      py::arg("timeout"),
      "Waits up to `timeout` seconds until next() has something to hand out; returns whether "
      "it has (False at once when closed).");
  j.def(
      "read",
      [](J& x, ul::lane lane, std::uint64_t after_id, std::size_t max_count) {
        std::error_code ec;
        std::vector<ul::entry> out;
        {
          py::gil_scoped_release nogil;
          out = x.read(lane, after_id, max_count, ec);
        }
        if (ec) raise_journal(x, ec);
        return out;
      },
      py::arg("lane"), py::arg("after_id") = 0, py::arg("max_count") = 1000,
      "Reads without handing out (inspection): up to max_count messages of `lane` with an id "
      "above after_id, in order.");
  j.def(
      "compact",
      [](J& x) {
        std::error_code ec;
        {
          py::gil_scoped_release nogil;
          x.compact(ec);
        }
        if (ec) raise_journal(x, ec);
      },
      "Gives free space back to the file system (VACUUM); ids and seqs are kept.");
  j.def("stats", &J::stats, py::arg("lane"), py::call_guard<py::gil_scoped_release>(),
        "A lane's content: LaneStats.");
  j.def_property_readonly(
      "counters", [](const J& x) { return x.counters(); }, "JournalCounters since the open.");
  j.def_property_readonly(
      "last_id", [](const J& x) { return x.last_id(); }, "The highest id ever given (0: none).");
  j.def_property_readonly(
      "last_error", [](const J& x) { return x.last_error(); },
      "The message of the last failure (SQLite's, with the operation and the path), or ''.");
  j.def_property_readonly(
      "path", [](const J& x) { return x.path(); }, "The database file ('' when closed).");
  j.def_property_readonly(
      "moved_aside", [](const J& x) { return x.moved_aside(); },
      "Where the open moved a damaged file (move_aside_damaged), or ''.");
  j.def_static("damaged_files", &J::damaged_files, py::arg("path"),
               py::call_guard<py::gil_scoped_release>(),
               "The files moved aside from the journal at `path` (move_aside_damaged) still next "
               "to it, oldest first.");
  j.def_property_readonly(
      "closed", [](const J& x) { return !x.is_open(); }, "True once closed.");
  j.def("close", &J::close, py::call_guard<py::gil_scoped_release>(),
        "Checkpoints and closes; later calls raise JournalError (closed). Nothing is lost by "
        "not calling it.");
  j.def(
      "__enter__", [](J& x) -> J& { return x; }, py::return_value_policy::reference);
  j.def(
      "__exit__",
      [](J& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) {
        py::gil_scoped_release nogil;
        x.close();
      },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the journal.");
  j.def("__repr__", [](const J& x) {
    if (!x.is_open()) return std::string("Journal(closed)");
    std::ostringstream s;
    const auto a = x.stats(ul::lane::alarm);
    const auto t = x.stats(ul::lane::telemetry);
    s << "Journal(" << quoted(x.path()) << ", alarm=" << a.messages << ", telemetry=" << t.messages
      << ", last_id=" << x.last_id() << ")";
    return s.str();
  });
}

// --- MqttUplink --------------------------------------------------------------------------------

struct client_t {
  static constexpr auto name = py::detail::const_name("firebus._firebus.mqtt.Client");
};

// firebus.uplink.MqttUplink: the C++ mqtt_uplink on a firebus.mqtt.Client's C++ client. Every
// call holds the GIL, and so does Client.close(), which destroys the C++ uplink first (its
// closer): the C++ uplink never outlives the C++ client.
class py_uplink {
 public:
  py_uplink(ul::journal& j, const typed<client_t>& client, const ul::mqtt_uplink_options& o)
      : slot_(std::make_shared<std::unique_ptr<ul::mqtt_uplink>>()) {
    mqtt_client_access a = access_mqtt_client(client.obj);
    if (a.client == nullptr) {
      raise(firebus::mqtt::make_error_code(firebus::mqtt::errc::stopped),
            "MqttUplink: the client is closed");
    }
    if (a.running) {
      throw py::value_error(
          "MqttUplink: make the uplink before Client.start() (it takes over the client's "
          "callbacks, which must not change while the client runs)");
    }
    std::string why;
    if (const std::error_code ec = ul::validate(o, &why)) raise(ec, "MqttUplink: " + why);
    std::error_code ec;
    *slot_ = std::make_unique<ul::mqtt_uplink>(*a.io, j, *a.client, o, ec);
    check(ec, "MqttUplink");
    // The Client's own Python callbacks keep working: the uplink hands them on.
    (*slot_)->on_connection(a.connection);
    (*slot_)->on_published(a.published);
    std::weak_ptr<std::unique_ptr<ul::mqtt_uplink>> w = slot_;
    a.on_close([w] {
      if (auto s = w.lock()) destroy(*s);
    });
  }
  ~py_uplink() { close(); }
  py_uplink(const py_uplink&) = delete;
  py_uplink& operator=(const py_uplink&) = delete;

  ul::mqtt_uplink& get() {
    if (!*slot_) {
      raise(firebus::mqtt::make_error_code(firebus::mqtt::errc::stopped),
            "MqttUplink: closed (or its client was)");
    }
    return **slot_;
  }
  void close() {
    if (slot_) destroy(*slot_);
  }
  bool closed() const { return !*slot_; }

 private:
  // Destroys the C++ uplink the slot holds. Its destructor waits for a callback running on the
  // I/O thread (a transform, on_log, the Client's on_connection: Python code, which needs the
  // GIL), so the GIL is released for it; on the I/O thread itself, inside such a callback, the
  // destructor does not wait (the callback is the caller's own). The slot is emptied first,
  // with the GIL held: every other call sees the uplink closed.
  static void destroy(std::unique_ptr<ul::mqtt_uplink>& slot) {
    std::unique_ptr<ul::mqtt_uplink> u = std::move(slot);
    if (!u) return;
    py::gil_scoped_release nogil;
    u.reset();
  }

  std::shared_ptr<std::unique_ptr<ul::mqtt_uplink>> slot_;
};

void bind_uplink_class(py::module_& m) {
  make_enum<ul::payload_format>(
      m, "PayloadFormat", module_name,
      {{"raw", ul::payload_format::raw},
       {"firebus_envelope", ul::payload_format::firebus_envelope},
       {"transformed", ul::payload_format::transformed}},
      "How MqttUplink prepares a payload when it publishes it (a message's `format`): raw (as "
      "stored), firebus_envelope (a firebus.telemetry envelope: its lane, seq — the "
      "journal's, per lane — and, on replay, its batch's historical flag are stamped) or "
      "transformed (handed to the uplink's transform when published, which makes the messages "
      "to publish for it: how Sparkplug B, whose seq counts a connection's messages, goes "
      "through the journal).");

  using uc = ul::mqtt_uplink_counters;
  py::class_<uc> c(m, "MqttUplinkCounters", "What an MqttUplink did since it was made.");
  c.def_readonly("published", &uc::published, "Publishes handed to the client, resends included.");
  c.def_readonly("acked", &uc::acked, "Messages acknowledged by the broker and removed.");
  c.def_readonly("resent", &uc::resent, "Of published: messages sent again.");
  c.def_readonly("historical", &uc::historical, "Of published: marked historical (replay).");
  c.def_readonly("refused", &uc::refused, "Publishes refused (by the broker or client), retried.");
  c.def_readonly("stamp_failures", &uc::stamp_failures,
                 "firebus_envelope payloads that could not be stamped (sent as stored).");
  c.def_readonly("transformed", &uc::transformed,
                 "transformed entries turned into messages by the transform.");
  c.def_readonly("transform_failures", &uc::transform_failures,
                 "transformed entries the transform failed on (sent as stored).");
  c.def_readonly("journal_errors", &uc::journal_errors, "Journal reads or acks that failed.");
  c.def_readonly("connections", &uc::connections, "Connections that came up.");
  c.def_readonly("callback_errors", &uc::callback_errors, "Exceptions raised by callbacks.");
  c.def("__repr__", [](const uc& x) {
    std::ostringstream s;
    s << "MqttUplinkCounters(published=" << x.published << ", acked=" << x.acked
      << ", resent=" << x.resent << ", historical=" << x.historical << ", refused=" << x.refused
      << ", stamp_failures=" << x.stamp_failures << ", transformed=" << x.transformed
      << ", transform_failures=" << x.transform_failures << ", journal_errors=" << x.journal_errors
      << ", connections=" << x.connections << ", callback_errors=" << x.callback_errors << ")";
    return s.str();
  });

  const ul::mqtt_uplink_options d;
  py::class_<py_uplink> u(
      m, "MqttUplink",
      "Sends a Journal over a firebus.mqtt.Client (C++ firebus::uplink::mqtt_uplink, "
      "<firebus/io/mqtt_uplink.hpp>; docs/telemetry.md, 'Delivery'): send() appends to the "
      "journal (on disk when it returns); the uplink publishes alarm lane first, each lane in "
      "order, and removes a message when the broker acknowledged it; on every connection "
      "everything not acknowledged goes again, marked historical. Make it before Client.start(); "
      "the Client's on_connection and on_published keep working (on_published sees only the "
      "application's own publishes). Client.close() detaches it. A context manager.");
  u.def(py::init([](ul::journal& j, const typed<client_t>& client, std::size_t window,
                    std::size_t read_bytes, std::size_t max_payload, double poll_interval,
                    double retry_delay, const callable<log_sig>& on_log,
                    const callable<transform_sig>& transform) {
          ul::mqtt_uplink_options o;
          o.window = window;
          o.read_bytes = read_bytes;
          o.max_payload = max_payload;
          o.poll_interval = py_duration(poll_interval);
          o.retry_delay = py_duration(retry_delay);
          if (on_log.fn && !on_log.fn.is_none()) o.on_log = log_handler(on_log.fn);
          if (transform.fn && !transform.fn.is_none()) {
            o.transform = transform_handler(transform.fn);
          }
          return std::make_unique<py_uplink>(j, client, o);
        }),
        py::arg("journal"), py::arg("client"), py::kw_only(), py::arg("window") = d.window,
        py::arg("read_bytes") = d.read_bytes, py::arg("max_payload") = d.max_payload,
        py::arg("poll_interval") = to_py_seconds(d.poll_interval),
        py::arg("retry_delay") = to_py_seconds(d.retry_delay), py::arg("on_log") = py::none(),
        py::arg("transform") = py::none(), py::keep_alive<1, 2>(), py::keep_alive<1, 3>(),
        "window: messages published and not yet acknowledged at once (1..1000); read_bytes: "
        "payload bytes taken from the journal at once; max_payload: the largest payload send() "
        "accepts (the client's); poll_interval, retry_delay: seconds; on_log(level, text): "
        "refusals and failures, on the client's I/O thread; transform(entry): for each entry "
        "of format PayloadFormat.transformed, when it is published (on the client's I/O "
        "thread; entry.historical: produced before this connection), the messages to publish "
        "for it as (topic, payload, qos, retain) tuples — none: the entry is removed at once; "
        "it is removed once all were acknowledged (QoS 1) or written (QoS 0); if it raises or "
        "returns anything else, the entry is published as stored, counted "
        "(transform_failures) and logged. Raises ValueError when the client already started, "
        "CoreError for an option out of range.");
  u.def(
      "send",
      [](py_uplink& x, ul::lane lane, const std::string& topic, const buffer& payload,
         std::uint8_t qos, bool retain, ul::payload_format format, std::optional<double> produced) {
        message_py mp;
        mp.lane = lane;
        mp.topic = topic;
        mp.payload = bytes_of(payload, "send payload");
        mp.qos = qos;
        mp.retain = retain;
        mp.format = ul::format_byte(format);
        mp.produced = produced;
        std::error_code ec;
        const std::uint64_t id = x.get().send(mp.view(), ec);
        if (ec) raise(ec, "MqttUplink.send " + topic);
        return id;
      },
      py::arg("lane"), py::arg("topic"), py::arg("payload"), py::kw_only(), py::arg("qos") = 1,
      py::arg("retain") = false, py::arg("format") = ul::payload_format::raw,
      py::arg("produced") = py::none(),
      "Appends one message to the journal (on disk when this returns) and wakes the uplink; "
      "returns its journal id. Raises JournalError (journal_full: report it loudly, keep the "
      "message; storage_full, read_only, ...), MqttError (invalid_topic, payload_too_large) or "
      "CoreError (qos not 0 or 1). Holds the GIL while the journal writes.");
  u.def(
      "send_batch",
      [](py_uplink& x, const std::vector<message_py>& batch) {
        std::vector<ul::message> ms;
        ms.reserve(batch.size());
        for (const auto& b : batch) ms.push_back(b.view());
        std::error_code ec;
        std::vector<std::uint64_t> ids = x.get().send(ms, ec);
        if (ec) raise(ec, "MqttUplink.send_batch");
        return ids;
      },
      py::arg("messages"),
      "Appends Messages in one transaction (one sync), all or none; returns their ids. Set a "
      "Message's format to int(PayloadFormat.firebus_envelope) for envelopes.");
  u.def(
      "notify", [](py_uplink& x) { x.get().notify(); },
      "Wakes the uplink after messages were appended to the journal directly.");
  u.def_property_readonly(
      "counters", [](py_uplink& x) { return x.get().counters(); }, "MqttUplinkCounters.");
  u.def_property_readonly(
      "in_flight", [](py_uplink& x) { return x.get().in_flight(); },
      "Messages published and not yet acknowledged.");
  u.def_property_readonly("closed", &py_uplink::closed,
                          "Closed, or its client was closed: send() raises MqttError (stopped).");
  u.def("close", &py_uplink::close,
        "Detaches from the client (idempotent). What is in flight stays in the journal.");
  u.def(
      "__enter__", [](py_uplink& x) -> py_uplink& { return x; },
      py::return_value_policy::reference);
  u.def(
      "__exit__",
      [](py_uplink& x, const typed<exc_type_t>&, const typed<exc_t>&, const typed<tb_t>&) {
        x.close();
      },
      py::arg("exc_type"), py::arg("exc"), py::arg("traceback"), "Closes the uplink.");
}

}  // namespace journal_detail

void bind_journal(py::module_& uplink) {
  journal_detail::bind_types(uplink);
  journal_detail::bind_journal_class(uplink);
}

void bind_mqtt_uplink(py::module_& uplink) { journal_detail::bind_uplink_class(uplink); }

}  // namespace firebus_py
