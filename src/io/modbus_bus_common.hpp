// firebus — fire-safety IoT SDK.
//
// Private to the compiled library: what the Modbus buses (TCP, RTU) share — a device's read
// items per poll class built from its profile, and turning the scheduler's outcomes into
// readings, failures and write results for the user's callbacks.
#ifndef FIREBUS_SRC_IO_MODBUS_BUS_COMMON_HPP
#define FIREBUS_SRC_IO_MODBUS_BUS_COMMON_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

#include <firebus/io/modbus_bus.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/scheduler.hpp>
#include <firebus/profile/codec.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {
namespace detail {

// A device of a bus.
struct bus_device {
  std::uint8_t unit = 0;
  std::shared_ptr<const profile::codec> codec;
  profile::register_image image;
  std::array<std::vector<std::size_t>, 3> item_points;  // class → item index → point
};

// The read items of each poll class of `d` (its points, and the sources of their decimal
// places, read with them so that a value never waits for them); fills d.item_points.
inline std::array<std::vector<read_item>, 3> make_items(bus_device& d) {
  std::array<std::vector<read_item>, 3> items;
  for (std::size_t c = 0; c < 3; ++c) {
    std::vector<std::size_t> pts = d.codec->points(static_cast<profile::poll_class>(c));
    const std::size_t n = pts.size();
    for (std::size_t k = 0; k < n; ++k) {
      const std::string& from = d.codec->point(pts[k]).decimals_from;
      if (from.empty()) continue;
      const std::size_t src = d.codec->find(from);
      if (src != profile::codec::npos && std::find(pts.begin(), pts.end(), src) == pts.end()) {
        pts.push_back(src);
      }
    }
    for (std::size_t p : pts) {
      const profile::point_def& def = d.codec->point(p);
      items[c].push_back(read_item{def.tbl, def.address, def.count()});
    }
    d.item_points[c] = std::move(pts);
  }
  return items;
}

// The user's callbacks, and the writes in progress.
struct bus_callbacks {
  bus_readings_handler readings;
  bus_failure_handler failure;
  bus_write_handler write;
  bus_connection_handler connection;
};

struct write_state {
  std::uint64_t user_id;
  std::size_t steps_left;
};

using call_list = std::vector<std::function<void()>>;

// One on_readings call waiting to run: the handler, the device, the time and the readings, in
// one allocation (the call that holds it is no bigger than a std::function keeps in place).
struct deferred_readings {
  bus_readings_handler f;
  std::uint32_t dev = 0;
  mono_time t{};
  profile::readings r;
};

// Reuses the deferred_readings of calls that have run (with their vectors' capacity), and a
// scratch list of points. For a bus whose outcomes are handled and whose calls run on one
// thread (the TCP bus): whether a call still holds one is told by use_count().
class readings_pool {
 public:
  std::shared_ptr<deferred_readings> get() {
    for (const auto& p : pool_) {
      if (p.use_count() == 1) {
        p->r.clear();
        return p;
      }
    }
    auto p = std::make_shared<deferred_readings>();
    if (pool_.size() < max_pooled) pool_.push_back(p);
    return p;
  }
  std::vector<std::size_t> points;

 private:
  static constexpr std::size_t max_pooled = 8;
  std::vector<std::shared_ptr<deferred_readings>> pool_;
};

// Turns one outcome into the calls it means (run later, without the bus's lock): readings for
// a valid reply (`resp`, for the job that got it), failures for a read that failed for good,
// the end of a write. With `pool`, the readings are decoded into reused storage.
inline void handle_outcome(bus_device& d, const outcome& o, mono_time t, const response* resp,
                           const bus_callbacks& cb,
                           std::unordered_map<std::uint64_t, write_state>& writes, call_list& calls,
                           readings_pool* pool = nullptr) {
  const std::uint32_t dev = o.j.device;
  if (o.j.write_id != 0) {
    auto it = writes.find(o.j.write_id);
    if (it == writes.end()) return;
    if (it->second.steps_left > 0) --it->second.steps_left;
    if (o.ec || it->second.steps_left == 0) {
      const std::uint64_t uid = it->second.user_id;
      writes.erase(it);
      if (cb.write) calls.emplace_back([f = cb.write, uid, e = o.ec] { f(uid, e); });
    }
    return;
  }
  const auto cls = static_cast<std::size_t>(o.j.prio);
  const auto points_of_read = [&](std::vector<std::size_t>& points) {
    points.clear();
    points.reserve(o.j.read.items.size());
    for (std::size_t k : o.j.read.items) {
      if (k < d.item_points[cls].size()) points.push_back(d.item_points[cls][k]);
    }
  };
  if (!o.ec && resp != nullptr) {
    d.image.store(o.j.read.req, *resp);
    if (!cb.readings) return;  // decoding has no other effect
    std::vector<std::size_t> own;
    std::vector<std::size_t>& points = pool != nullptr ? pool->points : own;
    points_of_read(points);
    std::shared_ptr<deferred_readings> e =
        pool != nullptr ? pool->get() : std::make_shared<deferred_readings>();
    e->f = cb.readings;
    e->dev = dev;
    e->t = t;
    d.codec->decode(d.image, points, e->r);
    calls.emplace_back([e = std::move(e)] { e->f(e->dev, e->t, e->r); });
    return;
  }
  if (!o.final_failure) return;
  std::vector<std::size_t> points;
  points_of_read(points);
  d.image.forget(o.j.read.tbl, o.j.read.req.address, o.j.read.req.quantity);
  if (cb.failure) {
    calls.emplace_back(
        [f = cb.failure, dev, t, points = std::move(points), e = o.ec] { f(dev, t, points, e); });
  }
}

// Every point of every device failed (a lost connection or line); images cleared.
inline void fail_all(std::vector<bus_device>& devices, mono_time t, std::error_code why,
                     const bus_callbacks& cb, call_list& calls) {
  for (std::uint32_t d = 0; d < devices.size(); ++d) {
    devices[d].image.clear();
    if (!cb.failure) continue;
    std::vector<std::size_t> all(devices[d].codec->size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    calls.emplace_back([f = cb.failure, d, t, all = std::move(all), why] { f(d, t, all, why); });
  }
}

}  // namespace detail
}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_SRC_IO_MODBUS_BUS_COMMON_HPP
