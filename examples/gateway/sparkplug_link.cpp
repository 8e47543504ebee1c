// firebus — fire-safety IoT SDK.
// The gateway's Sparkplug B uplink: see sparkplug_link.hpp.
#include "sparkplug_link.hpp"

#include <chrono>
#include <utility>
#include <variant>

#include <firebus/core/error.hpp>
#include <firebus/telemetry/firebus_codec.hpp>

namespace fbgw {

namespace spb = firebus::telemetry::sparkplug;
namespace tm = firebus::telemetry;
namespace ul = firebus::uplink;

std::unique_ptr<sparkplug_link> sparkplug_link::make(const sparkplug_setup& s, std::string& why) {
  spb::node_config nc;
  nc.group_id = s.group_id;
  nc.edge_node_id = s.edge_node_id;
  nc.primary_host_id = s.primary_host;
  std::map<std::string, std::size_t> device_index;
  for (const std::string& d : s.devices) {
    device_index.emplace(d, nc.devices.size());
    nc.devices.push_back(spb::device_decl{d, {}, {}});
  }
  std::map<std::string, std::string> device_of_point;
  for (const sparkplug_point& p : s.points) {
    std::error_code ec;
    spb::metric_decl m;
    m.type = spb::data_type::double_;
    m.point = firebus::point_id::make(p.id, ec);
    if (ec) {
      why = "point '" + p.id + "': " + ec.message();
      return nullptr;
    }
    m.unit = p.unit;
    const std::size_t slash = p.id.find('/');
    const auto dev =
        slash == std::string::npos ? device_index.end() : device_index.find(p.id.substr(0, slash));
    if (dev != device_index.end()) {
      m.name = p.id.substr(slash + 1);
      nc.devices[dev->second].metrics.push_back(std::move(m));
      device_of_point.emplace(p.id, dev->first);
    } else {
      m.name = p.id;
      nc.metrics.push_back(std::move(m));
    }
    // Alarms are the node's: a DDEATH must never hide one.
    nc.alarms.push_back(spb::alarm_decl{p.id, "fault", firebus::alarm_class::fault});
    for (const auto& [alarm, cls] : p.alarms) {
      if (alarm == "fault") continue;
      nc.alarms.push_back(spb::alarm_decl{p.id, alarm, cls});
    }
  }
  std::error_code ec;
  spb::edge_node node = spb::edge_node::make(std::move(nc), ec, &why);
  if (ec) return nullptr;
  std::unique_ptr<sparkplug_link> link(new sparkplug_link(std::move(node), s.qos));
  link->device_of_point_ = std::move(device_of_point);
  return link;
}

sparkplug_link::sparkplug_link(spb::edge_node node, int qos) : node_(std::move(node)), qos_(qos) {}

std::vector<ul::publication> sparkplug_link::wrap(std::vector<spb::message> ms) const {
  std::vector<ul::publication> out;
  out.reserve(ms.size());
  for (spb::message& m : ms) {
    // Sparkplug 3.0: births and data at QoS 0 (the configuration may say 1), never retained.
    out.push_back(ul::publication{std::move(m.topic), std::move(m.payload), qos_, false});
  }
  return out;
}

std::optional<firebus::mqtt::will_message> sparkplug_link::will() {
  std::lock_guard<std::mutex> g(mu_);
  spb::message w = node_.will();
  return firebus::mqtt::will_message{std::move(w.topic), std::move(w.payload), w.qos, w.retain};
}

std::optional<ul::publication> sparkplug_link::death() const {
  std::lock_guard<std::mutex> g(mu_);
  if (!node_.connected()) return std::nullopt;
  spb::message d = node_.death();
  return ul::publication{std::move(d.topic), std::move(d.payload), d.qos, false};
}

void sparkplug_link::seed(const std::vector<firebus::event>& current, std::uint64_t now_ms) {
  if (node_.born()) return;  // born: the metrics hold what was published (the host's view)
  // Not born (disconnected, or waiting for the primary host): alarms() updates the current
  // values and publishes nothing.
  std::error_code ec;
  node_.alarms(current, now_ms, false, ec);
}

std::vector<ul::publication> sparkplug_link::on_connected(
    std::uint64_t now_ms, const std::vector<firebus::event>& current,
    const std::optional<firebus::mqtt::will_message>& will) {
  std::lock_guard<std::mutex> g(mu_);
  seed(current, now_ms);
  if (will) return wrap(node_.on_connected(now_ms, firebus::byte_view(will->payload)));
  return wrap(node_.on_connected(now_ms));
}

void sparkplug_link::on_disconnected() {
  std::lock_guard<std::mutex> g(mu_);
  node_.on_disconnected();
}

sparkplug_link::reaction sparkplug_link::on_message(const firebus::mqtt::message& m,
                                                    std::uint64_t now_ms,
                                                    const std::vector<firebus::event>& current) {
  std::lock_guard<std::mutex> g(mu_);
  const bool was_born = node_.born();
  seed(current, now_ms);
  spb::incoming in = node_.on_message(m.topic, m.payload, now_ms);
  reaction r;
  r.problems = std::move(in.problems);
  for (const spb::command& c : in.commands) {
    r.problems.push_back("write to '" + (c.device.empty() ? "" : c.device + "/") + c.name +
                         "' refused: the gateway takes no writes over Sparkplug");
  }
  r.born = !was_born && node_.born();
  r.disconnect = in.disconnect;
  r.publish = wrap(std::move(in.publish));
  return r;
}

std::vector<std::string> sparkplug_link::subscriptions() const {
  std::lock_guard<std::mutex> g(mu_);
  return node_.subscriptions();
}

void sparkplug_link::add_birth(const std::string& source_id, const tm::birth& b) {
  std::lock_guard<std::mutex> g(mu_);
  std::error_code ec;
  births_.add(source_id, b, ec);
}

std::uint64_t sparkplug_link::skipped_samples() const {
  std::lock_guard<std::mutex> g(mu_);
  return skipped_samples_;
}

std::uint64_t sparkplug_link::skipped_events() const {
  std::lock_guard<std::mutex> g(mu_);
  return skipped_events_;
}

std::vector<ul::publication> sparkplug_link::transform(const ul::entry& e, std::error_code& ec,
                                                       std::string& why) {
  std::lock_guard<std::mutex> g(mu_);
  if (!node_.born()) {
    // Connected, the births waiting for the primary host: hold the journal (it is replayed
    // after the births, historical).
    ec = std::make_error_code(std::errc::resource_unavailable_try_again);
    why = "waiting for the primary host's STATE online";
    return {};
  }
  tm::envelope env = tm::decode_envelope(firebus::byte_view(e.payload.data(), e.payload.size()),
                                         births_, ec, {}, &why);
  if (ec) return {};
  if (const auto* b = std::get_if<tm::birth>(&env.body)) {
    // The gateway's declaration: its aliases decode the batches behind it; Sparkplug's own
    // births come from the edge node on every connection.
    births_.add(env.source_id, *b, ec);
    if (ec) why = "the birth's aliases";
    return {};
  }
  const tm::batch& b = std::get<tm::batch>(env.body);
  const auto now_ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::vector<spb::message> out;
  auto append = [&out](std::vector<spb::message> ms) {
    for (spb::message& m : ms) out.push_back(std::move(m));
  };
  // Device states first: a device back online is born again before its data.
  for (const tm::device_status& st : b.statuses) {
    const bool dead =
        st.state == tm::device_state::offline || st.state == tm::device_state::quarantined;
    const bool alive = st.state == tm::device_state::online || st.state == tm::device_state::fault;
    std::error_code dec;
    if (dead && dead_.count(st.device) == 0) {
      append(node_.device_death(st.device, now_ms, dec));
      if (!dec) dead_.insert(st.device);
    } else if (alive && dead_.count(st.device) != 0) {
      append(node_.device_birth(st.device, now_ms, dec));
      if (!dec) dead_.erase(st.device);
    }
    // An undeclared device (dec set) has no Sparkplug device: nothing to say.
  }
  if (!b.samples.empty()) {
    std::vector<firebus::sample> live;
    live.reserve(b.samples.size());
    for (const firebus::sample& s : b.samples) {
      const auto d = device_of_point_.find(std::string(s.point.view()));
      if (d != device_of_point_.end() && dead_.count(d->second) != 0) {
        ++skipped_samples_;
        continue;
      }
      live.push_back(s);
    }
    if (!live.empty()) {
      append(node_.data(live, now_ms, e.historical, ec, &why));
      if (ec) return {};
    }
  }
  if (!b.events.empty()) {
    std::size_t skipped = 0;
    append(node_.alarms(b.events, now_ms, e.historical, ec, &skipped));
    skipped_events_ += skipped;
    if (ec) {
      why = "alarms: " + ec.message();
      return {};
    }
  }
  return wrap(std::move(out));
}

}  // namespace fbgw
