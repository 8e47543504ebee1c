// firebus — fire-safety IoT SDK.
//
// firebus.mqtt: the MQTT client (C++ firebus::mqtt::client, <firebus/io/mqtt_client.hpp>) on the
// bindings' I/O thread, with the threading and lifetime rules of the other transports
// (bind_io.cpp): callbacks run on the I/O thread with the GIL held, close() is idempotent and safe
// from a callback, and every open client is closed at interpreter exit.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <firebus/io/mqtt_client.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "io_common.hpp"

FIREBUS_PY_ENUM(firebus::mqtt::protocol_version, MqVersion, "firebus._firebus.mqtt.ProtocolVersion")
FIREBUS_PY_ENUM(firebus::mqtt::errc, MqErrc, "firebus._firebus.mqtt.Errc")

namespace firebus_py {
// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace mqtt_detail {
namespace {

namespace mq = firebus::mqtt;
using io_detail::error_object;

constexpr const char* module_name = "firebus.mqtt";
constexpr std::chrono::milliseconds close_grace{1500};

#define FIREBUS_PY_TYPED(TAG, TEXT)                            \
  struct TAG {                                                 \
    static constexpr auto name = py::detail::const_name(TEXT); \
  };
FIREBUS_PY_TYPED(exc_type_t, "typing.Optional[typing.Type[BaseException]]")
FIREBUS_PY_TYPED(exc_t, "typing.Optional[BaseException]")
FIREBUS_PY_TYPED(tb_t, "typing.Optional[types.TracebackType]")
FIREBUS_PY_TYPED(error_or_none_t, "typing.Optional[firebus._firebus.Error]")
FIREBUS_PY_TYPED(str_or_none_t, "typing.Optional[str]")
FIREBUS_PY_TYPED(bytes_or_none_t, "typing.Optional[bytes]")
FIREBUS_PY_TYPED(will_t,
                 "typing.Union[None, firebus._firebus.mqtt.WillMessage, "
                 "typing.Callable[[], typing.Optional[firebus._firebus.mqtt.WillMessage]]]")
#undef FIREBUS_PY_TYPED
#define FIREBUS_PY_CALLABLE(TAG, TEXT)                   \
  struct TAG {                                           \
    static constexpr auto name = py::detail::const_name( \
        "typing.Optional["                               \
        "typing.Callable[" TEXT "]]");                   \
  };
FIREBUS_PY_CALLABLE(connection_sig, "[firebus._firebus.mqtt.ConnectionEvent], None")
FIREBUS_PY_CALLABLE(message_sig, "[firebus._firebus.mqtt.Message], None")
FIREBUS_PY_CALLABLE(published_sig, "[int, typing.Optional[firebus._firebus.Error]], None")
#undef FIREBUS_PY_CALLABLE

enum slot : std::size_t { s_connection, s_message, s_published, s_count };
using client_hooks = io_detail::hooks<s_count>;

// A connection event as Python sees it: the error as a firebus.Error (or None).
struct py_connection_event {
  bool up = false;
  py::object error;
  std::string detail;
  bool session_present = false;
  py::object will_topic = py::none();    // str or None
  py::object will_payload = py::none();  // bytes or None
};

struct py_message {
  std::string topic;
  py::bytes payload;
  int qos = 0;
  bool retain = false;
};

// The options as Python holds them: the Will is a WillMessage, a callable returning one (or
// None), or None.
struct options_py : mq::client_options {
  py::object will_py = py::none();
};

class py_client final : public io_detail::closeable {
 public:
  explicit py_client(const options_py& o)
      : runner_(close_grace),
        hooks_(std::make_shared<client_hooks>("firebus.mqtt.Client callback")),
        options_(o) {
    mq::client_options c = o;
    c.will = will_provider(o.will_py);
    std::string why;
    if (const std::error_code ec = mq::validate(c, &why)) raise(ec, "mqtt.Client: " + why);
    std::error_code ec;
    client_ = std::make_unique<mq::client>(runner_.io(), std::move(c), ec);
    check(ec, "mqtt.Client");
    install();
    io_detail::live().insert(this);
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

  client_hooks& h() { return *hooks_; }
  const options_py& options() const { return options_; }

  void start() {
    client();
    if (!runner_.on_io_thread()) {
      {
        py::gil_scoped_release nogil;
        runner_.run();
      }
      mq::client& c = client();  // again: another thread may have closed meanwhile
      const io_detail::call_gate::pass in_call(gate_);
      py::gil_scoped_release nogil;
      c.start();
    } else {
      runner_.run();
      client().start();
    }
    started_ = true;
  }

  void stop() {
    if (!client_) return;
    started_ = false;
    mq::client& c = *client_;
    // close() in another thread waits for c.stop() before it destroys the client.
    std::optional<io_detail::call_gate::pass> in_call;
    in_call.emplace(gate_);
    if (runner_.on_io_thread()) {
      // The client's thread takes the GIL only for a Will callable: release it while joining.
      py::gil_scoped_release nogil;
      c.stop();
      runner_.wind_down();
      return;
    }
    py::gil_scoped_release nogil;
    c.stop();
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
    // What depends on the C++ client (an uplink) lets go of it first.
    std::vector<std::function<void()>> closers;
    closers.swap(closers_);
    for (auto& f : closers) f();
    io_detail::live().erase(this);
    if (client_ && runner_.on_io_thread()) {
      py::gil_scoped_release nogil;
      client_->stop();
    }
    io_detail::end_transport(runner_, *hooks_, std::move(client_), close_grace, &gate_);
  }
  bool closed() const { return closed_; }
  bool running() const { return client_ && started_; }
  bool connected() const { return client_ && client_->connected(); }

  std::uint64_t publish(const std::string& topic, const std::string& payload, int qos,
                        bool retain) {
    mq::client& c = client();
    std::error_code ec;
    const auto* data = reinterpret_cast<const std::uint8_t*>(payload.data());
    const std::uint64_t token = c.publish(topic, data, payload.size(), qos, retain, ec);
    if (ec) raise(ec, "mqtt.Client.publish " + topic);
    return token;
  }

  void subscribe(const std::string& filter, int qos) {
    std::error_code ec;
    client().subscribe(filter, qos, ec);
    if (ec) raise(ec, "mqtt.Client.subscribe " + filter);
  }

  mq::client_counters counters() {
    mq::client_counters c = client().counters();
    c.callback_errors += hooks_->errors.load();
    return c;
  }

  std::string repr() const {
    std::ostringstream s;
    s << "<Client " << options_.client_id << "@" << options_.host << ":" << options_.port << " "
      << (closed()      ? "closed"
          : connected() ? "connected"
          : running()   ? "connecting"
                        : "stopped")
      << ">";
    return s.str();
  }

 private:
  mq::client& client() {
    if (!client_) raise(mq::make_error_code(mq::errc::stopped), "mqtt.Client: closed");
    return *client_;
  }

  // The C++ Will provider for `w`: a fixed WillMessage, or a callable called (GIL taken) before
  // every CONNECT, on the client's thread.
  std::function<std::optional<mq::will_message>()> will_provider(const py::object& w) {
    if (w.is_none()) return {};
    if (py::isinstance<mq::will_message>(w)) {
      const auto fixed = w.cast<mq::will_message>();
      return [fixed] { return std::optional<mq::will_message>(fixed); };
    }
    auto h = hooks_;
    auto fn = std::make_shared<py::object>(w);
    return [h, fn]() -> std::optional<mq::will_message> {
      std::optional<mq::will_message> out;
      h->call([&] {
        py::object r = (*fn)();
        if (!r.is_none()) out = r.cast<mq::will_message>();
      });
      return out;
    };
  }

  void install() {
    auto h = hooks_;
    client_->on_connection([h](const mq::connection_event& e) { dispatch_connection(*h, e); });
    client_->on_message([h](const mq::message& m) {
      h->call([&] {
        py::object f = h->get(s_message);
        if (!f) return;
        py_message x;
        x.topic = m.topic;
        x.payload = py::bytes(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
        x.qos = m.qos;
        x.retain = m.retain;
        f(x);
      });
    });
    client_->on_published(
        [h](std::uint64_t token, std::error_code ec) { dispatch_published(*h, token, ec); });
  }

 public:
  static void dispatch_connection(client_hooks& h, const mq::connection_event& e) {
    h.call([&] {
      py::object f = h.get(s_connection);
      if (!f) return;
      py_connection_event x;
      x.up = e.up;
      x.error = e.error ? error_object(e.error, e.detail) : py::none();
      x.detail = e.detail;
      x.session_present = e.session_present;
      if (e.will) {
        x.will_topic = py::str(e.will->topic);
        x.will_payload = py::bytes(reinterpret_cast<const char*>(e.will->payload.data()),
                                   e.will->payload.size());
      }
      f(x);
    });
  }
  static void dispatch_published(client_hooks& h, std::uint64_t token, std::error_code ec) {
    h.call([&] {
      py::object f = h.get(s_published);
      if (!f) return;
      f(token, ec ? error_object(ec) : py::none());
    });
  }

  // For firebus.uplink.MqttUplink (access_mqtt_client).
  mqtt_client_access access() {
    mqtt_client_access a;
    a.client = client_.get();
    a.io = &runner_.io();
    a.running = running();
    auto h = hooks_;
    a.connection = [h](const mq::connection_event& e) { dispatch_connection(*h, e); };
    a.published = [h](std::uint64_t t, std::error_code ec) { dispatch_published(*h, t, ec); };
    a.on_close = [this](std::function<void()> f) { closers_.push_back(std::move(f)); };
    return a;
  }

 private:
  io_detail::runner runner_;   // first: destroyed last, after the client
  io_detail::call_gate gate_;  // start() and stop() in progress without the GIL
  std::shared_ptr<client_hooks> hooks_;
  options_py options_;
  std::unique_ptr<mq::client> client_;
  std::vector<std::function<void()>> closers_;  // run first by close()
  bool started_ = false;
  bool closed_ = false;
};

template <class Tag>
void callback_property(py::class_<py_client>& cls, const char* name, std::size_t slot,
                       const char* doc) {
  cls.def_property(
      name, [slot](py_client& self) { return callable<Tag>{self.h().slots[slot]}; },
      [slot](py_client& self, const callable<Tag>& f) { self.h().slots[slot] = f.fn; }, doc);
}

double seconds(firebus::duration d) { return to_py_seconds(d); }

}  // namespace
}  // namespace mqtt_detail

mqtt_client_access access_mqtt_client(py::handle client) {
  using namespace mqtt_detail;
  if (!py::isinstance<py_client>(client)) {
    throw py::type_error("firebus.mqtt.Client expected, not " +
                         py::str(py::type::of(client)).cast<std::string>());
  }
  return client.cast<py_client&>().access();
}

void bind_mqtt(py::module_& m) {
  using namespace mqtt_detail;
  make_enum<mq::errc>(m, "Errc", module_name,
                      {{"invalid_options", mq::errc::invalid_options},
                       {"invalid_topic", mq::errc::invalid_topic},
                       {"payload_too_large", mq::errc::payload_too_large},
                       {"queue_full", mq::errc::queue_full},
                       {"not_connected", mq::errc::not_connected},
                       {"stopped", mq::errc::stopped},
                       {"connection_lost", mq::errc::connection_lost},
                       {"connect_timeout", mq::errc::connect_timeout},
                       {"keepalive_timeout", mq::errc::keepalive_timeout},
                       {"resolve_failed", mq::errc::resolve_failed},
                       {"connect_failed", mq::errc::connect_failed},
                       {"tls_error", mq::errc::tls_error},
                       {"refused_protocol_version", mq::errc::refused_protocol_version},
                       {"refused_client_id", mq::errc::refused_client_id},
                       {"refused_server_unavailable", mq::errc::refused_server_unavailable},
                       {"refused_bad_credentials", mq::errc::refused_bad_credentials},
                       {"refused_not_authorised", mq::errc::refused_not_authorised},
                       {"refused_other", mq::errc::refused_other},
                       {"publish_refused", mq::errc::publish_refused},
                       {"protocol_error", mq::errc::protocol_error}},
                      "The codes of firebus.MqttError (category firebus.mqtt).");
  make_enum<mq::protocol_version>(
      m, "ProtocolVersion", module_name,
      {{"v311", mq::protocol_version::v311}, {"v5", mq::protocol_version::v5}},
      "The MQTT protocol version: v311 (3.1.1) or v5.");

  py::class_<mq::tls_options> t(m, "TlsOptions",
                                "TLS settings (C++ mqtt::tls_options). The broker's certificate "
                                "chain and host name are always verified.");
  t.def(py::init([](std::string ca_file, std::string ca_path, std::string cert_file,
                    std::string key_file, std::string version, std::string ciphers,
                    bool insecure_skip_hostname) {
          mq::tls_options x;
          x.ca_file = std::move(ca_file);
          x.ca_path = std::move(ca_path);
          x.cert_file = std::move(cert_file);
          x.key_file = std::move(key_file);
          x.version = std::move(version);
          x.ciphers = std::move(ciphers);
          x.insecure_skip_hostname = insecure_skip_hostname;
          return x;
        }),
        py::kw_only(), py::arg("ca_file") = "", py::arg("ca_path") = "", py::arg("cert_file") = "",
        py::arg("key_file") = "", py::arg("version") = "", py::arg("ciphers") = "",
        py::arg("insecure_skip_hostname") = false,
        "ca_file/ca_path: trusted CAs (both empty: the system's); cert_file/key_file: the "
        "client certificate and its unencrypted key (PEM); version: 'tlsv1.2' or 'tlsv1.3' "
        "(empty: the library's default); insecure_skip_hostname: tests only.");
  t.def_readwrite("ca_file", &mq::tls_options::ca_file, "PEM file of trusted CAs.");
  t.def_readwrite("ca_path", &mq::tls_options::ca_path, "Directory of trusted CAs.");
  t.def_readwrite("cert_file", &mq::tls_options::cert_file, "Client certificate (PEM).");
  t.def_readwrite("key_file", &mq::tls_options::key_file, "Its private key (PEM).");
  t.def_readwrite("version", &mq::tls_options::version, "'tlsv1.2', 'tlsv1.3' or ''.");
  t.def_readwrite("ciphers", &mq::tls_options::ciphers, "OpenSSL cipher list or ''.");
  t.def_readwrite("insecure_skip_hostname", &mq::tls_options::insecure_skip_hostname,
                  "Skip the host name check (tests only).");

  py::class_<mq::will_message> w(m, "WillMessage",
                                 "The Will: what the broker publishes when the client goes away "
                                 "without a DISCONNECT.");
  w.def(py::init([](std::string topic, const py::bytes& payload, int qos, bool retain) {
          mq::will_message x;
          x.topic = std::move(topic);
          const std::string p = payload;
          x.payload.assign(p.begin(), p.end());
          x.qos = qos;
          x.retain = retain;
          return x;
        }),
        py::arg("topic"), py::arg("payload") = py::bytes(), py::kw_only(), py::arg("qos") = 1,
        py::arg("retain") = false);
  w.def_readwrite("topic", &mq::will_message::topic, "Its topic.");
  w.def_property(
      "payload",
      [](const mq::will_message& x) {
        return py::bytes(reinterpret_cast<const char*>(x.payload.data()), x.payload.size());
      },
      [](mq::will_message& x, const py::bytes& b) {
        const std::string p = b;
        x.payload.assign(p.begin(), p.end());
      },
      "Its payload (bytes).");
  w.def_readwrite("qos", &mq::will_message::qos, "0 or 1.");
  w.def_readwrite("retain", &mq::will_message::retain, "Retained or not.");

  py::class_<py_message> msg(m, "Message", "A message received on a subscription.");
  msg.def_readonly("topic", &py_message::topic, "Its topic.");
  msg.def_readonly("payload", &py_message::payload, "Its payload (bytes).");
  msg.def_readonly("qos", &py_message::qos, "The QoS it was delivered with.");
  msg.def_readonly("retain", &py_message::retain, "True for a retained message.");
  msg.def("__repr__", [](const py_message& x) {
    return "<Message " + x.topic + " " + std::to_string(py::len(x.payload)) + " bytes>";
  });

  py::class_<py_connection_event> ev(m, "ConnectionEvent",
                                     "The connection came up (up=True) or went down, or an attempt "
                                     "failed (up=False, error says why).");
  ev.def_readonly("up", &py_connection_event::up, "True: connected (CONNACK accepted).");
  ev.def_property_readonly(
      "error", [](const py_connection_event& x) { return typed<error_or_none_t>{x.error}; },
      "Down: why, as a firebus.MqttError (a refusal, a TLS failure, a lost connection); else "
      "None.");
  ev.def_readonly("detail", &py_connection_event::detail,
                  "For people: the broker's or TLS's own words, when there are any.");
  ev.def_readonly("session_present", &py_connection_event::session_present,
                  "Up: the broker resumed a session.");
  ev.def_property_readonly(
      "will_topic", [](const py_connection_event& x) { return typed<str_or_none_t>{x.will_topic}; },
      "Up: the topic of the Will this connection's CONNECT registered; else None.");
  ev.def_property_readonly(
      "will_payload",
      [](const py_connection_event& x) { return typed<bytes_or_none_t>{x.will_payload}; },
      "Up: the payload of that Will (it may be older than the latest Will asked for: pass it to "
      "sparkplug.EdgeNode.on_connected); else None.");
  ev.def("__repr__", [](const py_connection_event& x) {
    return std::string("<ConnectionEvent ") + (x.up ? "up" : "down") +
           (x.detail.empty() ? "" : " " + x.detail) + ">";
  });

  py::class_<mq::client_counters> cc(m, "ClientCounters", "A snapshot of a client's counters.");
  cc.def_readonly("connects", &mq::client_counters::connects, "Connections established.");
  cc.def_readonly("connect_failures", &mq::client_counters::connect_failures,
                  "Attempts that did not end in an accepted CONNACK.");
  cc.def_readonly("disconnects", &mq::client_counters::disconnects,
                  "Established connections lost or closed.");
  cc.def_readonly("published", &mq::client_counters::published,
                  "Publishes acknowledged (QoS 1) or sent (QoS 0).");
  cc.def_readonly("publish_failures", &mq::client_counters::publish_failures,
                  "Publishes reported with an error.");
  cc.def_readonly("received", &mq::client_counters::received, "Messages received.");
  cc.def_readonly("callback_errors", &mq::client_counters::callback_errors,
                  "Exceptions raised by callbacks (reported through sys.unraisablehook).");

  const options_py d;
  py::class_<options_py> o(m, "ClientOptions",
                           "Settings of a Client (C++ mqtt::client_options). Times in seconds.");
  o.def(py::init([](std::string client_id, std::string host, std::uint16_t port,
                    mq::protocol_version version, bool clean_session, double keepalive,
                    std::optional<std::string> username, std::optional<std::string> password,
                    std::optional<mq::tls_options> tls, const typed<will_t>& will,
                    double connect_timeout, double reconnect_min, double reconnect_max,
                    double reconnect_jitter, std::uint16_t max_inflight, std::size_t max_pending,
                    std::size_t max_payload) {
          options_py x;
          x.client_id = std::move(client_id);
          x.host = std::move(host);
          x.port = port;
          x.version = version;
          x.clean_session = clean_session;
          x.keepalive = py_duration(keepalive);
          x.username = std::move(username);
          x.password = std::move(password);
          x.tls = std::move(tls);
          x.will_py = will.obj;
          x.connect_timeout = py_duration(connect_timeout);
          x.reconnect_min = py_duration(reconnect_min);
          x.reconnect_max = py_duration(reconnect_max);
          x.reconnect_jitter = reconnect_jitter;
          x.max_inflight = max_inflight;
          x.max_pending = max_pending;
          x.max_payload = max_payload;
          return x;
        }),
        py::kw_only(), py::arg("client_id"), py::arg("host") = d.host, py::arg("port") = d.port,
        py::arg("version") = d.version, py::arg("clean_session") = d.clean_session,
        py::arg("keepalive") = seconds(d.keepalive), py::arg("username") = py::none(),
        py::arg("password") = py::none(), py::arg("tls") = py::none(), py::arg("will") = py::none(),
        py::arg("connect_timeout") = seconds(d.connect_timeout),
        py::arg("reconnect_min") = seconds(d.reconnect_min),
        py::arg("reconnect_max") = seconds(d.reconnect_max),
        py::arg("reconnect_jitter") = d.reconnect_jitter, py::arg("max_inflight") = d.max_inflight,
        py::arg("max_pending") = d.max_pending, py::arg("max_payload") = d.max_payload,
        "client_id is required. will: a WillMessage, or a callable returning one (or None), "
        "called before every CONNECT on the client's thread (a Sparkplug node puts a new bdSeq "
        "in each). Checked by Client() (MqttError, Errc.invalid_options, naming the field).");
  o.def_readwrite("client_id", &options_py::client_id, "The client identifier.");
  o.def_readwrite("host", &options_py::host, "The broker: a name or an address.");
  o.def_readwrite("port", &options_py::port, "The broker's port.");
  o.def_readwrite("version", &options_py::version, "ProtocolVersion.v311 or v5.");
  o.def_readwrite("username", &options_py::username, "User name, or None.");
  o.def_readwrite("password", &options_py::password, "Password, or None.");
  o.def_readwrite("tls", &options_py::tls, "TlsOptions, or None for plain TCP.");
  o.def_property_readonly(
      "keepalive", [](const options_py& x) { return seconds(x.keepalive); },
      "Keep-alive, in seconds.");

  py::class_<py_client> c(m, "Client",
                          "An MQTT client that reconnects by itself (C++ mqtt::client on "
                          "libmosquitto). Callbacks run on the client's I/O thread with the GIL "
                          "held; publish() returns a token that on_published reports exactly "
                          "once. Use it as a context manager, or call close().");
  c.def(py::init<const options_py&>(), py::arg("options"),
        "A stopped client of `options` (MqttError for invalid options).");
  c.def_property_readonly("options", &py_client::options, "The options.");
  c.def("start", &py_client::start,
        "Starts the client: connect, and reconnect with back-off after every loss.");
  c.def("stop", &py_client::stop,
        "Sends DISCONNECT (the Will is not published), reports every pending publish with "
        "Errc.stopped, and joins the I/O thread.");
  c.def("close", &py_client::close,
        "Stops and frees the C++ client. Idempotent; safe from a callback.");
  c.def(
      "publish",
      [](py_client& x, const std::string& topic, const py::bytes& payload, int qos, bool retain) {
        return x.publish(topic, payload, qos, retain);
      },
      py::arg("topic"), py::arg("payload"), py::arg("qos") = 1, py::arg("retain") = false,
      "Publishes `payload` (bytes) on `topic`; returns its token (>= 1), which on_published "
      "reports later: None when acknowledged (QoS 1) or sent (QoS 0), else a firebus.MqttError "
      "(Errc.connection_lost, publish_refused, stopped). Raises MqttError at once, with nothing "
      "reported later, when not connected (Errc.not_connected), for an invalid topic or qos, a "
      "payload above max_payload, or max_pending publishes unreported (Errc.queue_full).");
  c.def("subscribe", &py_client::subscribe, py::arg("filter"), py::arg("qos") = 1,
        "Subscribes to `filter` now if connected, and again on every reconnect.");
  c.def_property_readonly("connected", &py_client::connected, "True while connected.");
  c.def_property_readonly("running", &py_client::running, "True between start() and stop().");
  c.def_property_readonly("closed", &py_client::closed, "True once close() was called.");
  c.def("counters", &py_client::counters, "A snapshot of the ClientCounters.");
  callback_property<connection_sig>(c, "on_connection", s_connection,
                                    "Called as f(event) with a ConnectionEvent whenever the "
                                    "connection comes up or goes down, or an attempt fails.");
  callback_property<message_sig>(c, "on_message", s_message,
                                 "Called as f(message) for every Message received.");
  callback_property<published_sig>(c, "on_published", s_published,
                                   "Called as f(token, error) once for every token publish() "
                                   "returned.");
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
  c.def("__repr__", &py_client::repr);
}

}  // namespace firebus_py
