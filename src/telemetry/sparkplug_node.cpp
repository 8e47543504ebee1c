// firebus — fire-safety IoT SDK.
//
// The Sparkplug B edge node (<firebus/telemetry/sparkplug_node.hpp>): a pure state machine over
// the payload codec of sparkplug.cpp. Rules and their clauses (Sparkplug 3.0):
//   - bdSeq: 0..255, advanced by every Will (one per CONNECT), carried by the Will and by the
//     NBIRTH of that connection, kept by a rebirth (§7.1, "bdSeq");
//   - seq: 0..255 wrapping, one per message of the node (births, data, device deaths), 0 in
//     every NBIRTH, none in the NDEATH (§6.4.x, "seq");
//   - births list every metric with name, alias, datatype, timestamp and current value; data
//     messages carry aliases and timestamps only (§6.4.2);
//   - aliases are unique across the node and its devices (§6.4.6);
//   - births, data and device deaths are QoS 0, not retained; the Will QoS 1, not retained.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/core/error.hpp>
#include <firebus/core/event.hpp>
#include <firebus/core/point.hpp>
#include <firebus/core/quality.hpp>
#include <firebus/core/sample.hpp>
#include <firebus/core/time.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/sparkplug.hpp>
#include <firebus/telemetry/sparkplug_node.hpp>

#include "sparkplug_detail.hpp"

namespace firebus {
inline namespace v1 {
namespace telemetry {
namespace sparkplug {
namespace {

constexpr std::string_view alarm_prefix = "Alarms/";
constexpr std::string_view fault_alarm = "fault";

// One metric of the node or of a device, with its current value.
struct slot {
  std::string name;
  std::optional<std::uint64_t> alias;  // bdSeq has none
  data_type type = data_type::unknown;
  metric_value value;
  std::optional<std::uint64_t> timestamp;
  property_set properties;
  point_id point;
};

// The node (units[0]) or one device.
struct unit {
  std::string id;  // empty for the node
  std::vector<slot> metrics;
  std::unordered_map<std::string, std::size_t> by_name;
  bool online = true;
};

struct ref {
  std::size_t unit = 0;
  std::size_t metric = 0;
};

std::string quoted(std::string_view s) { return "\"" + std::string(s.substr(0, 100)) + "\""; }

bool fail(std::error_code& ec, std::string* why, errc e, std::string what) {
  ec = make_error_code(e);
  if (why != nullptr) *why = std::move(what);
  return false;
}

property_value string_property(std::string s) {
  return make_property(data_type::string, std::move(s));
}
property_value bool_property(bool b) { return make_property(data_type::boolean, b); }
property_value double_property(std::optional<double> d) {
  property_value v = make_property(data_type::double_, metric_value{});
  if (d) {
    v.value = *d;
  } else {
    v.is_null = true;
  }
  return v;
}

void set_property(property_set& set, std::string_view key, property_value value) {
  for (property& p : set.items) {
    if (p.key == key) {
      p.value = std::move(value);
      return;
    }
  }
  set.items.push_back({std::string(key), std::move(value)});
}

// The properties of an alarm metric in its initial state.
property_set alarm_properties(alarm_class cls) {
  property_set p;
  set_property(p, "class", string_property(std::string(to_string(cls))));
  set_property(p, "priority", make_property(data_type::int32, std::int64_t{priority(cls)}));
  set_property(p, "active", bool_property(false));
  set_property(p, "acked", bool_property(true));
  set_property(p, "latched", bool_property(false));
  set_property(p, "value", double_property(std::nullopt));
  set_property(p, "event", string_property(""));
  set_property(p, "reason", string_property("none"));
  set_property(p, "eventSeq", make_property(data_type::uint64, std::uint64_t{0}));
  return p;
}

std::string alarm_metric_name(std::string_view source, std::string_view alarm) {
  std::string n(alarm_prefix);
  n += source;
  n += '/';
  n += alarm;
  return n;
}

// The OPC DA quality of a firebus quality (Ignition reads a metric's `Quality` property so).
std::int64_t opc_quality(quality_code q) {
  if (is_good(q)) return 192;
  if (is_uncertain(q)) return 64;
  return 0;
}

// A sample's double → the value of a metric of datatype `t`.
bool sample_value(double d, data_type t, metric_value& out, std::string& why) {
  switch (value_kind(t)) {
    case 1:
      out = d != 0.0 && !std::isnan(d);
      return true;
    case 2:
    case 3: {
      if (!std::isfinite(d) || std::floor(d) != d) {
        why = std::string(to_string(t)) + " metric: sample value is not a whole number";
        return false;
      }
      if (d >= -9.2e18 && d < 0) {
        out = static_cast<std::int64_t>(d);
      } else if (d >= 0 && d < 1.8e19) {
        out = static_cast<std::uint64_t>(d);
      } else {
        why = std::string(to_string(t)) + " metric: sample value out of range";
        return false;
      }
      out = detail::canonical_value(out, t, why);
      return why.empty();
    }
    case 4:
    case 5:
      out = detail::canonical_value(d, t, why);
      return why.empty();
    default:
      why = std::string(to_string(t)) + " metric: a sample (a number) does not fit";
      return false;
  }
}

}  // namespace

struct edge_node::impl {
  std::string group;
  std::string edge;
  std::vector<unit> units;  // [0]: the node, then the devices in declaration order
  std::unordered_map<std::string, std::size_t> unit_of_device;
  std::unordered_map<std::uint64_t, ref> by_alias;
  std::unordered_map<point_id, ref> by_point;
  std::map<std::pair<std::string, std::string>, ref> alarms;  // (source, alarm id)
  std::uint64_t next_alias = 0;
  unsigned next_bd_seq = 0;         // the bdSeq of the next Will
  std::uint8_t will_bd_seq = 0;     // of the latest Will
  std::uint8_t session_bd_seq = 0;  // of the current connection's births
  bool will_pending = false;        // a Will was made since the last on_connected()
  bool connected = false;
  bool born = false;  // this connection's births were published
  // Primary host application (Sparkplug 3.0): births wait for its STATE online.
  std::string primary_host;
  bool host_online = false;                     // by its latest STATE on this connection
  std::optional<std::uint64_t> host_timestamp;  // of the latest STATE seen (any connection)
  std::uint8_t seq = 0;                         // of the next message

  // An NDEATH carrying `bd_seq` (the Will, or the session's death()).
  message death_message(std::uint8_t bd_seq) const;
  // The connection is up with `bd_seq` (its Will's): the births, unless a primary host waits.
  std::vector<message> connect(std::uint64_t now_ms, std::uint8_t bd_seq);

  // --- building ------------------------------------------------------------------------------

  slot& add(std::size_t u, slot s, bool with_alias) {
    unit& un = units[u];
    if (with_alias) {
      s.alias = next_alias++;
      by_alias[*s.alias] = {u, un.metrics.size()};
    }
    if (!s.point.empty()) by_point[s.point] = {u, un.metrics.size()};
    un.by_name[s.name] = un.metrics.size();
    un.metrics.push_back(std::move(s));
    return un.metrics.back();
  }

  bool add_metric(std::size_t u, const metric_decl& d, const std::string& where,
                  std::error_code& ec, std::string* why) {
    if (d.name.empty()) return fail(ec, why, errc::invalid_point_name, where + ": empty name");
    if (units[u].by_name.count(d.name) != 0 ||
        (u == 0 && (d.name == bd_seq_metric || d.name.rfind("Node Control/", 0) == 0))) {
      return fail(ec, why, errc::duplicate_point,
                  where + ": name " + quoted(d.name) + " declared twice or reserved");
    }
    if (!is_known(d.type) || d.type == data_type::property_set ||
        d.type == data_type::property_set_list) {
      return fail(ec, why, errc::unknown_datatype,
                  where + ": datatype " + std::to_string(static_cast<std::uint32_t>(d.type)) +
                      " cannot be a metric's");
    }
    std::string bad;
    metric_value v = detail::canonical_value(d.value, d.type, bad);
    if (!bad.empty()) return fail(ec, why, errc::value_mismatch, where + ": " + bad);
    if (!d.point.empty() && by_point.count(d.point) != 0) {
      return fail(ec, why, errc::duplicate_point,
                  where + ": point " + quoted(d.point.view()) + " fed to two metrics");
    }
    slot s;
    s.name = d.name;
    s.type = d.type;
    s.value = std::move(v);
    s.point = d.point;
    if (!d.unit.empty()) set_property(s.properties, "engUnit", string_property(d.unit));
    if (d.low) set_property(s.properties, "engLow", double_property(d.low));
    if (d.high) set_property(s.properties, "engHigh", double_property(d.high));
    if (!d.description.empty()) {
      set_property(s.properties, "Documentation", string_property(d.description));
    }
    for (const property& p : d.properties.items) set_property(s.properties, p.key, p.value);
    add(u, std::move(s), true);
    return true;
  }

  // device_death() and device_birth(): the declared device (not the node) `device` goes offline
  // or online; its unit in `u`.
  bool set_online(std::string_view device, bool online, std::size_t& u, std::error_code& ec) {
    if (device.empty()) {
      ec = make_error_code(errc::unknown_device);
      return false;
    }
    if (!find_unit(device, u, ec, nullptr, false)) return false;
    units[u].online = online;
    return true;
  }

  bool add_alarm(std::size_t u, const alarm_decl& a, const std::string& where, std::error_code& ec,
                 std::string* why) {
    if (a.source.empty() || a.alarm.empty()) {
      return fail(ec, why, errc::invalid_point_name, where + ": empty source or alarm id");
    }
    const std::string name = alarm_metric_name(a.source, a.alarm);
    if (alarms.count({a.source, a.alarm}) != 0 || units[u].by_name.count(name) != 0) {
      return fail(ec, why, errc::duplicate_point, where + ": " + quoted(name) + " declared twice");
    }
    new_alarm(u, a.source, a.alarm, a.cls);
    return true;
  }

  ref new_alarm(std::size_t u, const std::string& source, const std::string& alarm,
                alarm_class cls) {
    if (alarm == fault_alarm && cls == alarm_class::none) cls = alarm_class::fault;
    slot s;
    s.name = alarm_metric_name(source, alarm);
    s.type = data_type::string;
    s.value = std::string("normal");
    s.properties = alarm_properties(cls);
    add(u, std::move(s), true);
    const ref r{u, units[u].metrics.size() - 1};
    alarms[{source, alarm}] = r;
    return r;
  }

  // --- messages ------------------------------------------------------------------------------

  std::string topic_of(message_type t, std::string_view device) const {
    topic tp;
    tp.group = group;
    tp.type = t;
    tp.edge = edge;
    if (is_device_message(t)) tp.device = std::string(device);
    std::error_code ec;
    return to_string(tp, ec);
  }

  std::uint8_t take_seq() noexcept {
    const std::uint8_t s = seq;
    seq = static_cast<std::uint8_t>(seq + 1);
    return s;
  }

  metric birth_metric(const slot& s, std::uint64_t now_ms) const {
    metric m;
    m.name = s.name;
    m.alias = s.alias;
    m.timestamp = s.timestamp ? *s.timestamp : now_ms;
    m.datatype = s.type;
    m.properties = s.properties;
    if (std::holds_alternative<std::monostate>(s.value)) {
      m.is_null = true;
    } else {
      m.value = s.value;
    }
    return m;
  }

  bool birth_of(std::size_t u, std::uint64_t now_ms, std::uint8_t seq_no, message& out,
                std::error_code& ec, std::string* why) {
    payload p;
    p.timestamp = now_ms;
    p.seq = seq_no;
    p.metrics.reserve(units[u].metrics.size());
    for (const slot& s : units[u].metrics) p.metrics.push_back(birth_metric(s, now_ms));
    out.topic =
        u == 0 ? topic_of(message_type::nbirth, {}) : topic_of(message_type::dbirth, units[u].id);
    out.payload = encode(p, ec, limits{}, why);
    out.qos = 0;
    out.retain = false;
    return !ec;
  }

  // NBIRTH (seq 0) and the DBIRTH of every online device.
  std::vector<message> births(std::uint64_t now_ms) {
    std::vector<message> out;
    units[0].metrics[0].value = std::int64_t{session_bd_seq};
    units[0].metrics[0].timestamp = now_ms;
    seq = 0;
    for (std::size_t u = 0; u < units.size(); ++u) {
      if (u != 0 && !units[u].online) continue;
      message m;
      std::error_code ec;
      // The configuration was checked by encoding these births in make(): no error here but a
      // value set since that does not encode (which data() refuses) or a payload grown too large.
      if (birth_of(u, now_ms, take_seq(), m, ec, nullptr)) out.push_back(std::move(m));
    }
    return out;
  }

  message data_message(std::size_t u, std::vector<metric> metrics, std::uint64_t now_ms,
                       std::error_code& ec, std::string* why) {
    payload p;
    p.timestamp = now_ms;
    p.seq = seq;
    p.metrics = std::move(metrics);
    message out;
    out.topic =
        u == 0 ? topic_of(message_type::ndata, {}) : topic_of(message_type::ddata, units[u].id);
    out.payload = encode_without_datatypes(p, ec, limits{}, why);
    if (!ec) take_seq();
    return out;
  }

  metric data_metric(const slot& s, const metric_value& v, std::uint64_t ts, bool historical) {
    metric m;
    m.alias = s.alias;
    m.timestamp = ts;
    m.datatype = s.type;  // selects the value field; not sent (encode_without_datatypes)
    m.is_historical = historical;
    if (std::holds_alternative<std::monostate>(v)) {
      m.is_null = true;
    } else {
      m.value = v;
    }
    return m;
  }

  // Looks up a unit by device id ("" = the node): errc::unknown_device if undeclared or offline.
  bool find_unit(std::string_view device, std::size_t& u, std::error_code& ec, std::string* why,
                 bool need_online) const {
    if (device.empty()) {
      u = 0;
      return true;
    }
    const auto it = unit_of_device.find(std::string(device));
    if (it == unit_of_device.end()) {
      return fail(ec, why, errc::unknown_device, "device " + quoted(device) + " not declared");
    }
    u = it->second;
    if (need_online && !units[u].online) {
      return fail(ec, why, errc::unknown_device,
                  "device " + quoted(device) + " is offline (DDEATH sent): device_birth() first");
    }
    return true;
  }
};

// --- construction ---------------------------------------------------------------------------

edge_node::edge_node() = default;
edge_node::~edge_node() = default;
edge_node::edge_node(edge_node&& other) noexcept = default;
edge_node& edge_node::operator=(edge_node&& other) noexcept = default;
edge_node::edge_node(const edge_node& other)
    : impl_(other.impl_ ? std::make_unique<impl>(*other.impl_) : nullptr) {}
edge_node& edge_node::operator=(const edge_node& other) {
  if (this != &other) impl_ = other.impl_ ? std::make_unique<impl>(*other.impl_) : nullptr;
  return *this;
}

edge_node edge_node::make(node_config config, std::error_code& ec, std::string* why) {
  ec.clear();
  edge_node node;
  auto im = std::make_unique<impl>();
  if (!is_valid_id(config.group_id) || !is_valid_id(config.edge_node_id)) {
    fail(ec, why, errc::invalid_topic,
         "group id " + quoted(config.group_id) + " or edge node id " + quoted(config.edge_node_id) +
             ": not empty, UTF-8, no '/', '+' or '#'");
    return node;
  }
  if (!config.primary_host_id.empty() && !is_valid_id(config.primary_host_id)) {
    fail(ec, why, errc::invalid_topic,
         "primary host id " + quoted(config.primary_host_id) +
             ": not empty, UTF-8, no '/', '+' or '#'");
    return node;
  }
  im->group = config.group_id;
  im->edge = config.edge_node_id;
  im->primary_host = config.primary_host_id;
  im->units.resize(1 + config.devices.size());
  for (std::size_t d = 0; d < config.devices.size(); ++d) {
    const std::string& id = config.devices[d].id;
    if (!is_valid_id(id)) {
      fail(ec, why, errc::invalid_topic,
           "devices[" + std::to_string(d) + "]: id " + quoted(id) +
               ": not empty, UTF-8, no '/', '+' or '#'");
      return node;
    }
    if (!im->unit_of_device.emplace(id, d + 1).second) {
      fail(ec, why, errc::unknown_device,
           "devices[" + std::to_string(d) + "]: id " + quoted(id) + " declared twice");
      return node;
    }
    im->units[d + 1].id = id;
  }
  // The node's own metrics: bdSeq (no alias: the Will carries it by name), the rebirth command.
  slot bd;
  bd.name = std::string(bd_seq_metric);
  bd.type = data_type::int64;
  bd.value = std::int64_t{0};
  im->add(0, std::move(bd), false);
  slot rebirth;
  rebirth.name = std::string(rebirth_metric);
  rebirth.type = data_type::boolean;
  rebirth.value = false;
  im->add(0, std::move(rebirth), true);
  for (std::size_t i = 0; i < config.metrics.size(); ++i) {
    if (!im->add_metric(0, config.metrics[i], "metrics[" + std::to_string(i) + "]", ec, why)) {
      return node;
    }
  }
  for (std::size_t d = 0; d < config.devices.size(); ++d) {
    const device_decl& dev = config.devices[d];
    const std::string at = "devices[" + std::to_string(d) + "] (" + quoted(dev.id) + ")";
    for (std::size_t i = 0; i < dev.metrics.size(); ++i) {
      if (!im->add_metric(d + 1, dev.metrics[i], at + ".metrics[" + std::to_string(i) + "]", ec,
                          why)) {
        return node;
      }
    }
  }
  for (std::size_t i = 0; i < config.alarms.size(); ++i) {
    if (!im->add_alarm(0, config.alarms[i], "alarms[" + std::to_string(i) + "]", ec, why)) {
      return node;
    }
  }
  for (std::size_t d = 0; d < config.devices.size(); ++d) {
    const device_decl& dev = config.devices[d];
    const std::string at = "devices[" + std::to_string(d) + "] (" + quoted(dev.id) + ")";
    for (std::size_t i = 0; i < dev.alarms.size(); ++i) {
      if (!im->add_alarm(d + 1, dev.alarms[i], at + ".alarms[" + std::to_string(i) + "]", ec,
                         why)) {
        return node;
      }
    }
  }
  // Every birth must encode (properties, sizes): check once, here.
  for (std::size_t u = 0; u < im->units.size(); ++u) {
    message m;
    std::string inner;
    if (!im->birth_of(u, 0, 0, m, ec, &inner)) {
      if (why != nullptr) {
        *why = (u == 0 ? std::string("node birth: ")
                       : "devices[" + std::to_string(u - 1) + "] birth: ") +
               inner;
      }
      return node;
    }
  }
  node.impl_ = std::move(im);
  return node;
}

#if FIREBUS_HAS_EXCEPTIONS
edge_node::edge_node(node_config config) {
  std::error_code ec;
  std::string why;
  *this = make(std::move(config), ec, &why);
  if (ec) firebus::detail::throw_error(ec, "sparkplug edge node: " + why);
}
#endif

// --- state ----------------------------------------------------------------------------------

bool edge_node::valid() const noexcept { return impl_ != nullptr; }

namespace {
const std::string& empty_string() {
  static const std::string s;
  return s;
}
}  // namespace

const std::string& edge_node::group_id() const noexcept {
  return impl_ ? impl_->group : empty_string();
}
const std::string& edge_node::edge_node_id() const noexcept {
  return impl_ ? impl_->edge : empty_string();
}
bool edge_node::connected() const noexcept { return impl_ && impl_->connected; }
bool edge_node::born() const noexcept { return impl_ && impl_->born; }
bool edge_node::host_online() const noexcept {
  return impl_ && (impl_->primary_host.empty() || impl_->host_online);
}
std::uint8_t edge_node::bd_seq() const noexcept { return impl_ ? impl_->will_bd_seq : 0; }
std::uint8_t edge_node::next_seq() const noexcept { return impl_ ? impl_->seq : 0; }

std::optional<std::uint64_t> edge_node::alias_of(std::string_view device,
                                                 std::string_view name) const {
  if (!impl_) return std::nullopt;
  std::size_t u = 0;
  std::error_code ec;
  if (!impl_->find_unit(device, u, ec, nullptr, false)) return std::nullopt;
  const auto it = impl_->units[u].by_name.find(std::string(name));
  if (it == impl_->units[u].by_name.end()) return std::nullopt;
  return impl_->units[u].metrics[it->second].alias;
}

std::vector<std::string> edge_node::subscriptions() const {
  if (!impl_) return {};
  std::string base = std::string(topic_namespace) + "/" + impl_->group + "/";
  std::vector<std::string> out{base + "NCMD/" + impl_->edge, base + "DCMD/" + impl_->edge + "/+"};
  if (!impl_->primary_host.empty()) {
    out.push_back(std::string(topic_namespace) + "/STATE/" + impl_->primary_host);
  }
  return out;
}

// --- connection -----------------------------------------------------------------------------

message edge_node::will() {
  if (!impl_) return {};
  impl& im = *impl_;
  im.will_bd_seq = static_cast<std::uint8_t>(im.next_bd_seq);
  im.next_bd_seq = (im.next_bd_seq + 1) % 256;
  im.will_pending = true;
  return im.death_message(im.will_bd_seq);
}

message edge_node::death() const {
  if (!impl_) return {};
  const impl& im = *impl_;
  return im.death_message(im.connected ? im.session_bd_seq : im.will_bd_seq);
}

message edge_node::impl::death_message(std::uint8_t bd_seq) const {
  const impl& im = *this;
  payload p;  // only bdSeq: no timestamp, no seq (Sparkplug 3.0: NDEATH)
  metric m;
  m.name = std::string(bd_seq_metric);
  m.datatype = data_type::int64;
  m.value = std::int64_t{bd_seq};
  p.metrics.push_back(std::move(m));
  message out;
  out.topic = im.topic_of(message_type::ndeath, {});
  std::error_code ec;
  out.payload = encode(p, ec);
  out.qos = 1;
  out.retain = false;
  return out;
}

std::vector<message> edge_node::on_connected(std::uint64_t now_ms, byte_view will_payload) {
  if (!impl_) return {};
  std::error_code ec;
  const payload p = decode_payload(will_payload, ec);
  if (!ec) {
    for (const metric& m : p.metrics) {
      std::optional<std::uint64_t> bd;
      if (const auto* i = std::get_if<std::int64_t>(&m.value); i != nullptr && *i >= 0) {
        bd = static_cast<std::uint64_t>(*i);
      } else if (const auto* u = std::get_if<std::uint64_t>(&m.value)) {
        bd = *u;
      }
      if (m.name != bd_seq_metric || !bd || *bd > 255) continue;
      impl& im = *impl_;
      im.will_pending = false;  // this connection's Will was made: it is the one given
      return im.connect(now_ms, static_cast<std::uint8_t>(*bd));
    }
  }
  return on_connected(now_ms);
}

std::vector<message> edge_node::on_connected(std::uint64_t now_ms) {
  if (!impl_) return {};
  impl& im = *impl_;
  if (!im.will_pending) will();
  im.will_pending = false;
  return im.connect(now_ms, im.will_bd_seq);
}

std::vector<message> edge_node::impl::connect(std::uint64_t now_ms, std::uint8_t bd_seq) {
  impl& im = *this;
  im.connected = true;
  im.session_bd_seq = bd_seq;
  im.host_online = false;  // a primary host's retained STATE comes again on this connection
  im.born = im.primary_host.empty();
  if (!im.born) return {};
  return im.births(now_ms);
}

void edge_node::on_disconnected() noexcept {
  if (!impl_) return;
  impl_->connected = false;
  impl_->born = false;
  impl_->host_online = false;
}

// --- data -----------------------------------------------------------------------------------

std::vector<message> edge_node::data(std::string_view device,
                                     const std::vector<metric_update>& values, std::uint64_t now_ms,
                                     bool historical, std::error_code& ec, std::string* why) {
  ec.clear();
  if (!impl_) return {};
  impl& im = *impl_;
  std::size_t u = 0;
  if (!im.find_unit(device, u, ec, why, true)) return {};
  unit& un = im.units[u];
  std::vector<metric> metrics;
  std::vector<std::pair<std::size_t, metric_value>> updates;
  metrics.reserve(values.size());
  updates.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const metric_update& up = values[i];
    const auto it = un.by_name.find(up.name);
    if (it == un.by_name.end() || (u == 0 && it->second < 2)) {
      fail(ec, why, errc::unknown_point,
           "values[" + std::to_string(i) + "]: metric " + quoted(up.name) +
               (it == un.by_name.end() ? " not declared" : " is the node's own"));
      return {};
    }
    const slot& s = un.metrics[it->second];
    std::string bad;
    metric_value v = detail::canonical_value(up.value, s.type, bad);
    if (!bad.empty()) {
      fail(ec, why, errc::value_mismatch,
           "values[" + std::to_string(i) + "] (" + quoted(up.name) + "): " + bad);
      return {};
    }
    metrics.push_back(im.data_metric(s, v, up.timestamp ? *up.timestamp : now_ms, historical));
    updates.emplace_back(it->second, std::move(v));
  }
  if (!historical) {
    for (std::size_t i = 0; i < updates.size(); ++i) {
      slot& s = un.metrics[updates[i].first];
      s.value = std::move(updates[i].second);
      s.timestamp = metrics[i].timestamp;
    }
  }
  if (!im.born || metrics.empty()) return {};
  message m = im.data_message(u, std::move(metrics), now_ms, ec, why);
  if (ec) return {};
  return {std::move(m)};
}

std::vector<message> edge_node::data(const std::vector<sample>& samples, std::uint64_t now_ms,
                                     bool historical, std::error_code& ec, std::string* why) {
  ec.clear();
  if (!impl_) return {};
  impl& im = *impl_;
  struct pending {
    std::vector<metric> metrics;
    std::vector<std::pair<std::size_t, metric_value>> updates;
  };
  std::vector<pending> per_unit(im.units.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const sample& smp = samples[i];
    const auto it = im.by_point.find(smp.point);
    if (it == im.by_point.end()) {
      fail(ec, why, errc::unknown_point,
           "samples[" + std::to_string(i) + "]: point " + quoted(smp.point.view()) +
               " feeds no metric");
      return {};
    }
    const ref r = it->second;
    if (r.unit != 0 && !im.units[r.unit].online) {
      fail(ec, why, errc::unknown_device,
           "samples[" + std::to_string(i) + "]: device " + quoted(im.units[r.unit].id) +
               " is offline (DDEATH sent): device_birth() first");
      return {};
    }
    const slot& s = im.units[r.unit].metrics[r.metric];
    metric_value v;
    std::string bad;
    if (!sample_value(smp.value, s.type, v, bad)) {
      fail(ec, why, errc::value_mismatch,
           "samples[" + std::to_string(i) + "] (" + quoted(smp.point.view()) + "): " + bad);
      return {};
    }
    const std::int64_t ms = to_unix_ms(smp.time);
    metric m = im.data_metric(s, v, ms < 0 ? 0 : static_cast<std::uint64_t>(ms), historical);
    if (smp.quality != quality_code::good) {
      set_property(m.properties, "Quality",
                   make_property(data_type::int32, opc_quality(smp.quality)));
      set_property(m.properties, "qualityReason", string_property(to_string(smp.quality)));
    }
    per_unit[r.unit].metrics.push_back(std::move(m));
    per_unit[r.unit].updates.emplace_back(r.metric, std::move(v));
  }
  if (!historical) {
    for (std::size_t u = 0; u < per_unit.size(); ++u) {
      for (std::size_t i = 0; i < per_unit[u].updates.size(); ++i) {
        slot& s = im.units[u].metrics[per_unit[u].updates[i].first];
        s.value = std::move(per_unit[u].updates[i].second);
        s.timestamp = per_unit[u].metrics[i].timestamp;
      }
    }
  }
  if (!im.born) return {};
  std::vector<message> out;
  for (std::size_t u = 0; u < per_unit.size(); ++u) {
    if (per_unit[u].metrics.empty()) continue;
    message m = im.data_message(u, std::move(per_unit[u].metrics), now_ms, ec, why);
    if (ec) return out;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<message> edge_node::alarms(const std::vector<event>& events, std::uint64_t now_ms,
                                       bool historical, std::error_code& ec, std::size_t* skipped) {
  ec.clear();
  if (skipped != nullptr) *skipped = 0;
  if (!impl_) return {};
  impl& im = *impl_;
  bool declared = false;
  std::vector<std::vector<metric>> per_unit(im.units.size());
  for (const event& e : events) {
    const bool fault = e.kind == event_kind::fault_on || e.kind == event_kind::fault_off;
    const std::string& source = e.point.empty() ? e.zone : e.point.str();
    const bool of_alarm = !e.alarm.empty() && e.kind != event_kind::command;
    if (source.empty() || (!fault && !of_alarm)) {
      if (skipped != nullptr) ++*skipped;
      continue;
    }
    const std::string alarm_id = fault ? std::string(fault_alarm) : e.alarm;
    ref r;
    const auto it = im.alarms.find({source, alarm_id});
    if (it != im.alarms.end()) {
      r = it->second;
    } else {
      // Not declared: add it to the device whose metric the point feeds (else the node).
      std::size_t u = 0;
      if (!e.point.empty()) {
        const auto p = im.by_point.find(e.point);
        if (p != im.by_point.end()) u = p->second.unit;
      }
      const std::string name = alarm_metric_name(source, alarm_id);
      if (im.units[u].by_name.count(name) != 0) {  // a plain metric of that name
        if (skipped != nullptr) ++*skipped;
        continue;
      }
      r = im.new_alarm(u, source, alarm_id, fault ? alarm_class::fault : e.cls);
      declared = true;
    }
    slot& s = im.units[r.unit].metrics[r.metric];
    property_set props = s.properties;
    metric_value value;
    if (fault) {
      const bool on = e.kind == event_kind::fault_on;
      value = std::string(on ? "active" : "normal");
      set_property(props, "active", bool_property(on));
    } else {
      value = std::string(to_string(e.state));
      const bool active = e.state == alarm_state::unack || e.state == alarm_state::acked;
      const bool acked = e.state == alarm_state::normal || e.state == alarm_state::acked ||
                         e.state == alarm_state::latched_acked;
      const bool latched =
          e.state == alarm_state::latched_unack || e.state == alarm_state::latched_acked;
      set_property(props, "active", bool_property(active));
      set_property(props, "acked", bool_property(acked));
      set_property(props, "latched", bool_property(latched));
      if (e.cls != alarm_class::none) {
        set_property(props, "class", string_property(std::string(to_string(e.cls))));
        set_property(props, "priority",
                     make_property(data_type::int32, std::int64_t{priority(e.cls)}));
      }
    }
    set_property(props, "value", double_property(e.value));
    set_property(props, "event", string_property(std::string(to_string(e.kind))));
    set_property(props, "reason", string_property(std::string(to_string(e.reason))));
    set_property(props, "eventSeq", make_property(data_type::uint64, e.seq));
    std::uint64_t ts = now_ms;
    if (e.time) {
      const std::int64_t ms = to_unix_ms(*e.time);
      ts = ms < 0 ? 0 : static_cast<std::uint64_t>(ms);
    }
    metric m = im.data_metric(s, value, ts, historical);
    m.properties = props;
    if (!historical) {
      s.value = std::move(value);
      s.properties = std::move(props);
      s.timestamp = ts;
    }
    per_unit[r.unit].push_back(std::move(m));
  }
  if (!im.born) return {};
  std::vector<message> out;
  if (declared) out = im.births(now_ms);  // births must list every metric
  for (std::size_t u = 0; u < per_unit.size(); ++u) {
    if (per_unit[u].empty() || (u != 0 && !im.units[u].online)) continue;
    message m = im.data_message(u, std::move(per_unit[u]), now_ms, ec, nullptr);
    if (ec) return out;
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<message> edge_node::device_death(std::string_view device, std::uint64_t now_ms,
                                             std::error_code& ec) {
  ec.clear();
  if (!impl_) return {};
  impl& im = *impl_;
  std::size_t u = 0;
  if (!im.set_online(device, false, u, ec) || !im.born) return {};
  payload p;
  p.timestamp = now_ms;
  p.seq = im.seq;
  message m;
  m.topic = im.topic_of(message_type::ddeath, im.units[u].id);
  m.payload = encode(p, ec);
  if (ec) return {};
  im.take_seq();
  return {std::move(m)};
}

std::vector<message> edge_node::device_birth(std::string_view device, std::uint64_t now_ms,
                                             std::error_code& ec) {
  ec.clear();
  if (!impl_) return {};
  impl& im = *impl_;
  std::size_t u = 0;
  if (!im.set_online(device, true, u, ec) || !im.born) return {};
  message m;
  if (!im.birth_of(u, now_ms, im.seq, m, ec, nullptr)) return {};
  im.take_seq();
  return {std::move(m)};
}

// --- commands -------------------------------------------------------------------------------

namespace {

// A primary host's STATE payload: Sparkplug 3.0's JSON {"online": true|false, "timestamp": ms}
// (keys in any order, other keys ignored), or Sparkplug 2.2's plain "ONLINE" / "OFFLINE".
struct host_state {
  bool online = false;
  std::optional<std::uint64_t> timestamp;
};

bool parse_host_state(const std::uint8_t* data, std::size_t size, host_state& out) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (text == "ONLINE" || text == "OFFLINE") {
    out.online = text == "ONLINE";
    return true;
  }
  const auto skip_ws = [&text](std::size_t i) {
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) {
      ++i;
    }
    return i;
  };
  // The position just after `"key"` and its colon, or npos.
  const auto value_of = [&](std::string_view key) -> std::size_t {
    const std::string quoted_key = "\"" + std::string(key) + "\"";
    const std::size_t at = text.find(quoted_key);
    if (at == std::string_view::npos) return std::string_view::npos;
    std::size_t i = skip_ws(at + quoted_key.size());
    if (i >= text.size() || text[i] != ':') return std::string_view::npos;
    return skip_ws(i + 1);
  };
  const std::size_t first = skip_ws(0);
  if (first >= text.size() || text[first] != '{' || text.find('}') == std::string_view::npos) {
    return false;
  }
  const std::size_t o = value_of("online");
  if (o == std::string_view::npos) return false;
  if (text.compare(o, 4, "true") == 0) {
    out.online = true;
  } else if (text.compare(o, 5, "false") == 0) {
    out.online = false;
  } else {
    return false;
  }
  const std::size_t t = value_of("timestamp");
  if (t != std::string_view::npos) {
    std::uint64_t v = 0;
    std::size_t i = t;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
      if (v > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return false;
      v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    if (i == t) return false;
    out.timestamp = v;
  }
  return true;
}

}  // namespace

incoming edge_node::on_message(std::string_view topic_text, const std::uint8_t* data,
                               std::size_t size, std::uint64_t now_ms) {
  incoming in;
  const auto problem = [&in](errc e, std::string what) {
    if (!in.error) in.error = make_error_code(e);
    in.problems.push_back(std::move(what));
  };
  if (!impl_) {
    problem(errc::unknown_device, "not a configured edge node");
    return in;
  }
  impl& im = *impl_;
  std::error_code ec;
  const topic t = parse_topic(topic_text, ec);
  if (ec) {
    problem(errc::invalid_topic, "topic " + quoted(topic_text) + ": not a Sparkplug B topic");
    return in;
  }
  if (t.type == message_type::state) {
    if (im.primary_host.empty() || t.host_id != im.primary_host) {
      problem(errc::invalid_topic,
              "topic " + quoted(topic_text) + ": not this node's primary host (ignored)");
      return in;
    }
    host_state st;
    if (!parse_host_state(data, size, st)) {
      problem(errc::malformed, "STATE of " + quoted(im.primary_host) +
                                   ": expected {\"online\": true|false, \"timestamp\": ms}");
      return in;
    }
    // Sparkplug 3.0: a STATE older than the latest one seen is stale (a retained message of an
    // earlier session delivered late).
    if (st.timestamp && im.host_timestamp && *st.timestamp < *im.host_timestamp) {
      problem(errc::value_mismatch, "STATE of " + quoted(im.primary_host) + ": timestamp " +
                                        std::to_string(*st.timestamp) + " older than " +
                                        std::to_string(*im.host_timestamp) + " (ignored)");
      return in;
    }
    if (st.timestamp) im.host_timestamp = st.timestamp;
    im.host_online = st.online;
    if (!im.connected) return in;
    if (st.online && !im.born) {
      im.born = true;
      in.publish = im.births(now_ms);
    } else if (!st.online && im.born) {
      in.disconnect = true;  // publish death(), disconnect, connect again
    }
    return in;
  }
  if ((t.type != message_type::ncmd && t.type != message_type::dcmd) || t.group != im.group ||
      t.edge != im.edge) {
    problem(errc::invalid_topic,
            "topic " + quoted(topic_text) + ": not a command for this edge node (ignored)");
    return in;
  }
  std::size_t u = 0;
  if (t.type == message_type::dcmd) {
    std::string why;
    if (!im.find_unit(t.device, u, ec, &why, false)) {
      problem(errc::unknown_device, "DCMD: " + why);
      return in;
    }
  }
  std::string why;
  const payload p = decode_payload(data, size, ec, limits{}, &why);
  if (ec) {
    problem(static_cast<errc>(ec.value()), std::string(to_string(t.type)) + ": " + why);
    return in;
  }
  unit& un = im.units[u];
  for (std::size_t i = 0; i < p.metrics.size(); ++i) {
    const metric& m = p.metrics[i];
    const std::string at = std::string(to_string(t.type)) + " metrics[" + std::to_string(i) + "]";
    std::size_t idx = 0;
    if (!m.name.empty()) {
      const auto it = un.by_name.find(m.name);
      if (it == un.by_name.end()) {
        problem(errc::unknown_point,
                at + ": metric " + quoted(m.name) + " not declared" +
                    (u == 0 && m.name.rfind("Node Control/", 0) == 0 ? " (command not supported)"
                                                                     : ""));
        continue;
      }
      idx = it->second;
    } else if (m.alias) {
      const auto it = im.by_alias.find(*m.alias);
      if (it == im.by_alias.end() || it->second.unit != u) {
        problem(errc::unknown_alias, at + ": alias " + std::to_string(*m.alias) + " not declared");
        continue;
      }
      idx = it->second.metric;
    } else {
      problem(errc::unknown_point, at + ": neither a name nor an alias");
      continue;
    }
    const slot& s = un.metrics[idx];
    if (m.datatype != data_type::unknown && m.datatype != s.type) {
      problem(errc::value_mismatch, at + " (" + quoted(s.name) + "): datatype " +
                                        std::string(to_string(m.datatype)) + ", " +
                                        std::string(to_string(s.type)) + " declared");
      continue;
    }
    metric_value v = resolve_datatype(m.value, s.type, ec);
    if (ec) {
      problem(errc::value_mismatch, at + " (" + quoted(s.name) + "): value does not fit " +
                                        std::string(to_string(s.type)));
      continue;
    }
    if (u == 0 && idx == 0) {
      problem(errc::unknown_point, at + ": bdSeq cannot be written");
      continue;
    }
    if (u == 0 && idx == 1) {  // Node Control/Rebirth
      const bool* yes = std::get_if<bool>(&v);
      if (yes != nullptr && *yes) {
        in.rebirth = true;
      } else {
        problem(errc::value_mismatch, at + ": Node Control/Rebirth without the value true");
      }
      continue;
    }
    command c;
    c.device = un.id;
    c.name = s.name;
    c.type = s.type;
    c.value = m.is_null ? metric_value{} : std::move(v);
    c.timestamp = m.timestamp;
    in.commands.push_back(std::move(c));
  }
  if (in.rebirth && im.born) in.publish = im.births(now_ms);  // same bdSeq, seq from 0
  return in;
}

// --- throwing overloads -------------------------------------------------------------------------

#if FIREBUS_HAS_EXCEPTIONS
namespace {
template <class T>
T or_throw(T value, const std::error_code& ec, const std::string& why, const char* what) {
  if (ec) {
    firebus::detail::throw_error(
        ec, std::string("sparkplug edge node: ") + what + (why.empty() ? "" : ": " + why));
  }
  return value;
}
}  // namespace

std::vector<message> edge_node::data(std::string_view device,
                                     const std::vector<metric_update>& values, std::uint64_t now_ms,
                                     bool historical) {
  std::error_code ec;
  std::string why;
  auto out = data(device, values, now_ms, historical, ec, &why);
  return or_throw(std::move(out), ec, why, "data");
}
std::vector<message> edge_node::data(const std::vector<sample>& samples, std::uint64_t now_ms,
                                     bool historical) {
  std::error_code ec;
  std::string why;
  auto out = data(samples, now_ms, historical, ec, &why);
  return or_throw(std::move(out), ec, why, "data");
}
std::vector<message> edge_node::alarms(const std::vector<event>& events, std::uint64_t now_ms,
                                       bool historical) {
  std::error_code ec;
  auto out = alarms(events, now_ms, historical, ec, nullptr);
  return or_throw(std::move(out), ec, std::string(), "alarms");
}
std::vector<message> edge_node::device_death(std::string_view device, std::uint64_t now_ms) {
  std::error_code ec;
  auto out = device_death(device, now_ms, ec);
  return or_throw(std::move(out), ec, "device " + quoted(device), "device_death");
}
std::vector<message> edge_node::device_birth(std::string_view device, std::uint64_t now_ms) {
  std::error_code ec;
  auto out = device_birth(device, now_ms, ec);
  return or_throw(std::move(out), ec, "device " + quoted(device), "device_birth");
}
#endif

}  // namespace sparkplug
}  // namespace telemetry
}  // namespace v1
}  // namespace firebus
