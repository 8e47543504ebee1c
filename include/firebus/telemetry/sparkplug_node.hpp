// firebus — fire-safety IoT SDK.
/// @file
/// firebus::telemetry::sparkplug::edge_node: a Sparkplug B edge node (Sparkplug 3.0) as a pure,
/// deterministic state machine. It does no I/O and reads no clock: the application passes the
/// time (ms since 1970, UTC) and publishes what it returns, each message with its topic, QoS and
/// retain flag. docs/telemetry.md, "Sparkplug B", explains the rules it follows.
///
/// The life of a connection:
/// 1. will() before every MQTT CONNECT: the NDEATH Will, carrying only the next `bdSeq`
///    (Int64). bdSeq counts CONNECTs 0, 1, ..., 255, 0, ...: firebus::mqtt::client asks for a
///    Will before each CONNECT (client_options::will), which is exactly when to call it.
/// 2. on_connected(now) once the broker accepted the CONNECT: NBIRTH (seq 0, the bdSeq of the
///    Will, `Node Control/Rebirth` false, every node metric with name, alias, datatype and
///    current value) and a DBIRTH for every device that is online; subscribe to subscriptions().
/// 3. data(), alarms(): NDATA and DDATA with aliases only (no names, no datatypes), metric
///    timestamps and the next seq (0..255, wrapping). device_death() and device_birth() when a
///    field device goes offline and comes back.
/// 4. on_message() for every NCMD and DCMD received: a `Node Control/Rebirth` of true gives the
///    births again (same bdSeq, seq from 0); writes to declared metrics come back as commands;
///    anything else is reported, never thrown.
/// 5. on_disconnected() when the connection is lost. While disconnected, data() and alarms()
///    update the current values (the next births carry them) and return nothing: keep what was
///    produced meanwhile (the journal) and send it after on_connected() with `historical` true.
///
/// @par Primary host application
/// With node_config::primary_host_id set, the node also subscribes to that host's STATE topic
/// (`spBv1.0/STATE/<host_id>`, retained JSON `{"online": true, "timestamp": ms}`) and
/// publishes its births only once the host is online on the current connection:
/// on_connected() returns nothing and on_message() of the host's STATE `online: true` returns
/// the births (incoming::publish). Until then (born() false) data() and alarms() return nothing,
/// as while disconnected: hold what is produced and send it after the births, historical. A
/// STATE `online: false` sets incoming::disconnect: publish death() and disconnect, then connect
/// again (possibly to another broker) and wait for the host anew. STATE messages older (by their
/// timestamp) than the latest one seen are ignored.
///
/// Threading: an edge_node is a plain value, not synchronised. firebus::mqtt::client calls its
/// Will provider on the client's own thread while the rest of the application runs on the
/// io_context: guard the node with a mutex (as below), or make the Will on the node's thread.
///
/// Alarms: Sparkplug has no alarm model. Each alarm is one String metric
/// `Alarms/<point or zone>/<alarm>` whose value is the alarm state ("normal", "unack", "acked",
/// "rtn_unack", "latched_unack", "latched_acked"), with properties `class`, `priority`,
/// `active`, `acked`, `latched`, `value` (the value at the transition, Double, null when none),
/// `event` (the last event's kind), `reason` and `eventSeq`; a point's fault is the metric
/// `Alarms/<point>/fault` ("active" or "normal"). Alarms declared in the configuration are in
/// the births; an event of an alarm not declared adds its metric, and the node publishes its
/// births again before the DATA (births must list every metric).
///
/// @par Example
/// @code
/// namespace spb = firebus::telemetry::sparkplug;
/// spb::node_config cfg;
/// cfg.group_id = "fire";
/// cfg.edge_node_id = "gw-0001";
/// spb::device_decl panel{"panel1"};
/// spb::metric_decl ir{"loop1/ir", spb::data_type::float_};
/// ir.point = firebus::point_id("b1/rcm1/ir");
/// ir.unit = "mA";
/// panel.metrics.push_back(ir);
/// cfg.devices.push_back(panel);
/// spb::edge_node node(cfg);                       // throws on a bad configuration
///
/// std::mutex mutex;  // the MQTT client asks for the Will on its own thread
/// firebus::mqtt::client_options o;
/// o.will = [&] {      // before every CONNECT
///   std::lock_guard<std::mutex> lock(mutex);
///   spb::message w = node.will();
///   return firebus::mqtt::will_message{w.topic, w.payload, w.qos, w.retain};
/// };
/// // The connection is up (on the io_context):
/// std::lock_guard<std::mutex> lock(mutex);
/// for (const spb::message& m : node.on_connected(now_ms)) {
///   client.publish(m.topic, m.payload, m.qos, m.retain, ec);
/// }
/// auto out = node.data(samples, now_ms, false, ec);  // DDATA of panel1
/// @endcode
#ifndef FIREBUS_TELEMETRY_SPARKPLUG_NODE_HPP
#define FIREBUS_TELEMETRY_SPARKPLUG_NODE_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/export.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/sparkplug.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace sparkplug {

/// The name of the bdSeq metric (NBIRTH and NDEATH).
inline constexpr std::string_view bd_seq_metric = "bdSeq";
/// The name of the rebirth command metric (NBIRTH, NCMD).
inline constexpr std::string_view rebirth_metric = "Node Control/Rebirth";

/// A metric the edge node or one of its devices publishes.
struct metric_decl {
  std::string name{};                   ///< the Sparkplug metric name (UTF-8, not empty)
  data_type type = data_type::double_;  ///< a scalar, Bytes, File or array type
  metric_value value{};                 ///< the value until data() changes it; none: null
  point_id point{};                     ///< the firebus point whose samples feed it, if any
  std::string unit{};                   ///< property `engUnit` (String), if not empty
  std::optional<double> low{};          ///< property `engLow` (Double)
  std::optional<double> high{};         ///< property `engHigh` (Double)
  std::string description{};            ///< property `Documentation` (String), if not empty
  property_set properties{};            ///< further properties of the births
};

/// An alarm (or a point's fault) the edge node publishes as a metric.
struct alarm_decl {
  std::string source{};                 ///< the point id or zone of the alarm
  std::string alarm{};                  ///< the alarm's id ("HI", "FIRE"); "fault": a fault
  alarm_class cls = alarm_class::none;  ///< its class (property `class`, `priority`)
};

/// A device of the edge node (a fire panel, a Modbus unit).
struct device_decl {
  std::string id{};                    ///< the device id (a topic level: no '/', '+', '#')
  std::vector<metric_decl> metrics{};  ///< every metric it publishes
  std::vector<alarm_decl> alarms{};    ///< the alarms of its points
};

/// What an edge node publishes.
struct node_config {
  std::string group_id{};              ///< Sparkplug group id
  std::string edge_node_id{};          ///< Sparkplug edge node id
  std::vector<metric_decl> metrics{};  ///< the node's own metrics (bdSeq and the rebirth command
                                       ///< are added by the node)
  std::vector<alarm_decl> alarms{};    ///< the alarms of the node's own points
  std::vector<device_decl> devices{};  ///< its devices
  /// The primary host application's id (a valid topic level); empty: none (births at once).
  std::string primary_host_id{};
};

/// One MQTT message to publish.
struct message {
  std::string topic{};
  bytes payload{};
  int qos = 0;          ///< 0 for births, data and deaths; 1 for the Will (Sparkplug 3.0 §6.4.7)
  bool retain = false;  ///< never retained
};

/// A new value of a declared metric, by name.
struct metric_update {
  std::string name{};                        ///< the declared metric name
  metric_value value{};                      ///< none: null
  std::optional<std::uint64_t> timestamp{};  ///< ms since 1970; the call's time if not given
};

/// A write that a host asked for in an NCMD or DCMD, for the application to carry out.
struct command {
  std::string device{};                      ///< the device; empty for the node itself
  std::string name{};                        ///< the declared metric
  data_type type = data_type::unknown;       ///< its declared datatype
  metric_value value{};                      ///< resolved to the datatype; none: null
  std::optional<std::uint64_t> timestamp{};  ///< as the host sent it
};

/// What on_message() makes of a message.
struct incoming {
  std::vector<message> publish{};       ///< to publish now (the births, after a rebirth request)
  std::vector<command> commands{};      ///< writes for the application
  std::vector<std::string> problems{};  ///< what was not understood or refused, and why
  std::error_code error{};              ///< the code of the first problem
  bool rebirth = false;                 ///< a rebirth was asked for
  /// The primary host went offline: publish death(), disconnect, and connect again.
  bool disconnect = false;
};

/// A Sparkplug B edge node: births, deaths, bdSeq, seq and aliases, with no I/O and no clock.
class FIREBUS_API edge_node {
 public:
  /// The node for `config`, or an empty node (valid() false) and the error: errc::invalid_topic
  /// (a group, edge node or device id that is not a valid topic level), errc::duplicate_point
  /// (a metric name twice in the node or one device, or a reserved name: bdSeq, Node Control/*),
  /// errc::invalid_point_name (an empty name), errc::unknown_datatype (PropertySet(List) or
  /// unknown), errc::value_mismatch (an initial value that does not fit its datatype),
  /// errc::unknown_device (a device id twice). `why` receives where and what.
  static edge_node make(node_config config, std::error_code& ec, std::string* why = nullptr);
#if FIREBUS_HAS_EXCEPTIONS
  /// The node for `config`; throws firebus::system_error as make() fails.
  explicit edge_node(node_config config);
#endif
  /// An empty node (valid() false): every call returns nothing.
  edge_node();
  edge_node(const edge_node& other);
  edge_node(edge_node&& other) noexcept;
  edge_node& operator=(const edge_node& other);
  edge_node& operator=(edge_node&& other) noexcept;
  ~edge_node();

  /// True if the node was made from a valid configuration.
  bool valid() const noexcept;
  const std::string& group_id() const noexcept;
  const std::string& edge_node_id() const noexcept;
  /// True between on_connected() and on_disconnected().
  bool connected() const noexcept;
  /// True once this connection's births were published (at on_connected(), or with a primary
  /// host when its STATE said online): data flows.
  bool born() const noexcept;
  /// True while the primary host is online by its latest STATE on this connection (always true
  /// without a primary host).
  bool host_online() const noexcept;
  /// The bdSeq of the latest Will (that of the current session when connected).
  std::uint8_t bd_seq() const noexcept;
  /// The seq of the next message.
  std::uint8_t next_seq() const noexcept;
  /// The alias of a metric of the node (`device` empty) or a device, or nothing.
  std::optional<std::uint64_t> alias_of(std::string_view device, std::string_view name) const;
  /// The topic filters to subscribe to: this node's NCMD and its devices' DCMD, and the primary
  /// host's STATE topic when there is one.
  std::vector<std::string> subscriptions() const;

  /// The NDEATH Will for the next MQTT CONNECT: QoS 1, not retained, payload only `bdSeq`
  /// (Int64), no seq. Each call is one CONNECT: it takes the next bdSeq (0 first, then 1, ...,
  /// 255, 0), which the births of that connection carry.
  message will();

  /// The NDEATH of the current session (its Will's bdSeq), for an intentional disconnect: publish
  /// it before the DISCONNECT (the broker publishes the Will only for a lost connection).
  message death() const;

  /// The connection is up: NBIRTH and the DBIRTH of each online device (seq 0, 1, ...). Without
  /// a will() since the last connection, one is made first (bdSeq advances). With a primary host:
  /// nothing until its STATE says online (see the file comment).
  std::vector<message> on_connected(std::uint64_t now_ms);
  /// As on_connected(now_ms), with the payload of the Will this connection registered
  /// (firebus::mqtt::connection_event::will): the births and death() carry its bdSeq. The
  /// latest will() may already be that of the next CONNECT when the connection event is handled
  /// late (the client reconnected at once), and births with another bdSeq than the broker's Will
  /// would make a host ignore the NDEATH. A payload without a bdSeq: as on_connected(now_ms).
  std::vector<message> on_connected(std::uint64_t now_ms, byte_view will_payload);
  /// The connection is down; nothing is published until on_connected().
  void on_disconnected() noexcept;

  /// NDATA (`device` empty) or DDATA of the given values: aliases, metric timestamps (the call's
  /// time where a value has none), `is_historical` when `historical`. Updates the current values
  /// (unless historical). Nothing is returned while disconnected. Errors: errc::unknown_device
  /// (not declared, or offline after device_death()), errc::unknown_point (a name not declared),
  /// errc::value_mismatch (a value that does not fit the datatype); nothing is changed then.
  std::vector<message> data(std::string_view device, const std::vector<metric_update>& values,
                            std::uint64_t now_ms, bool historical, std::error_code& ec,
                            std::string* why = nullptr);

  /// NDATA and DDATA of samples, each sent as the metric whose `point` is the sample's (one
  /// message per device, node first, in declaration order). The value is converted to the
  /// metric's datatype (Float, Double; integers when the value is whole and fits; Boolean: not
  /// 0); a sample whose quality is not good carries the properties `Quality` (Int32, 192 good,
  /// 64 uncertain, 0 bad, as OPC) and `qualityReason` (String, firebus's name). Errors as
  /// data(device, ...): errc::unknown_point for a sample of no declared metric.
  std::vector<message> data(const std::vector<sample>& samples, std::uint64_t now_ms,
                            bool historical, std::error_code& ec, std::string* why = nullptr);

  /// The alarm metrics of `events` (see the file comment): NDATA/DDATA, preceded by the births
  /// when an event concerns an alarm not declared yet. Events that concern no alarm or fault
  /// (flood, buzzer, clock jumps, dropped inputs, linkage, commands) are skipped; `skipped`, if
  /// given, receives how many.
  std::vector<message> alarms(const std::vector<event>& events, std::uint64_t now_ms,
                              bool historical, std::error_code& ec, std::size_t* skipped = nullptr);

  /// The device went offline: DDEATH (seq, timestamp, no metrics). Its data is refused until
  /// device_birth(). errc::unknown_device if not declared.
  std::vector<message> device_death(std::string_view device, std::uint64_t now_ms,
                                    std::error_code& ec);
  /// The device is back: its DBIRTH with its current values. errc::unknown_device if not
  /// declared.
  std::vector<message> device_birth(std::string_view device, std::uint64_t now_ms,
                                    std::error_code& ec);

  /// Handles a message received on one of subscriptions(): NCMD, DCMD, the primary host's STATE.
  /// Never throws on bad input: what is not understood goes to incoming::problems.
  incoming on_message(std::string_view topic, const std::uint8_t* data, std::size_t size,
                      std::uint64_t now_ms);
  incoming on_message(std::string_view topic, const std::vector<std::uint8_t>& payload,
                      std::uint64_t now_ms) {
    return on_message(topic, payload.data(), payload.size(), now_ms);
  }

#if FIREBUS_HAS_EXCEPTIONS
  /// Throwing overloads: firebus::system_error with where and what.
  std::vector<message> data(std::string_view device, const std::vector<metric_update>& values,
                            std::uint64_t now_ms, bool historical = false);
  std::vector<message> data(const std::vector<sample>& samples, std::uint64_t now_ms,
                            bool historical = false);
  std::vector<message> alarms(const std::vector<event>& events, std::uint64_t now_ms,
                              bool historical = false);
  std::vector<message> device_death(std::string_view device, std::uint64_t now_ms);
  std::vector<message> device_birth(std::string_view device, std::uint64_t now_ms);
#endif

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace sparkplug
}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_TELEMETRY_SPARKPLUG_NODE_HPP
