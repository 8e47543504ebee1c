// firebus — fire-safety IoT SDK.
/// @file
/// The poll planner: which Modbus read requests cover a device's points in the least bus time.
///
/// @par Cost model
/// A read request costs a fixed overhead — its request frame, the reply's header and CRC, the
/// silences between frames and the device's turnaround — plus a cost per register (or per 8
/// bits) it returns. Reading across a gap between two items is cheaper than a second request
/// when the gap's registers cost less than the overhead: cost_model::rtu() derives both from the
/// line (modbus::line_timing), cost_model::tcp() from a round-trip time.
///
/// @par Plans
/// plan() sorts the items of each table (coils, discrete inputs, holding and input registers) by
/// address and partitions them into contiguous runs, one request per run, minimising the total
/// cost exactly (dynamic programming over the sorted items; items that overlap are kept in one
/// read, or in the pieces of one). A run never exceeds the device's
/// limits (125 registers and 2000 bits, or less), never reads across a gap when the device does
/// not allow it, and never crosses a split the planner has learned. Plans are deterministic:
/// the same items give the same requests, in table and address order.
///
/// @par Learning splits
/// A merged read may fail where each item alone would not: the device answers exception 0x02
/// (or 0x03) because the range covers an unimplemented register, or does not answer at all.
/// split() then adds a split inside the failed request, at the item boundary closest to its
/// middle, so the next plan reads the two halves separately; failures of the halves split them
/// again, which finds the offending boundary in log₂(items) failures and keeps every other
/// merge. A request of one item cannot be split: split() returns false, and the item itself is
/// at fault (a profile error). Learned splits are kept until forget_splits().
///
/// @par Example
/// @code
/// firebus::modbus::line_timing line;  // 9600 baud
/// firebus::modbus::poll_planner planner(firebus::modbus::cost_model::rtu(line));
/// std::vector<firebus::modbus::read_item> items = {
///     {firebus::modbus::table::holding_registers, 0x0000, 1},
///     {firebus::modbus::table::holding_registers, 0x0008, 2},
///     {firebus::modbus::table::holding_registers, 0x001B, 1}};
/// auto reads = planner.plan(items);
/// // Two requests: 0x0000..0x0009 (reading the 7 unused registers between costs less than a
/// // request of its own) and 0x001B alone (a gap of 17 registers costs more than a request).
/// @endcode
#ifndef FIREBUS_MODBUS_PLANNER_HPP
#define FIREBUS_MODBUS_PLANNER_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include <firebus/core/time.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/rtu.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// The four data tables of a Modbus device.
enum class table : std::uint8_t {
  coils,              ///< read with FC 1
  discrete_inputs,    ///< read with FC 2
  holding_registers,  ///< read with FC 3
  input_registers,    ///< read with FC 4
};

/// The function that reads `t`.
constexpr function read_function(table t) noexcept {
  switch (t) {
    case table::coils:
      return function::read_coils;
    case table::discrete_inputs:
      return function::read_discrete_inputs;
    case table::input_registers:
      return function::read_input_registers;
    case table::holding_registers:
      break;
  }
  return function::read_holding_registers;
}

/// Whether the table holds bits.
constexpr bool is_bit_table(table t) noexcept {
  return t == table::coils || t == table::discrete_inputs;
}

/// What must be read: `count` registers (or bits) from `address` of `tbl`.
struct read_item {
  table tbl = table::holding_registers;
  std::uint16_t address = 0;
  std::uint16_t count = 1;
};

/// What a read request costs on the bus.
struct cost_model {
  duration per_request{0};   ///< fixed: request frame, reply header and CRC, gaps, turnaround
  duration per_register{0};  ///< each register returned (2 bytes)
  duration per_8_bits{0};    ///< each byte of bits returned

  /// From an RTU line: the request (8 bytes) and the reply's 5 bytes of header and CRC, two
  /// t3.5 silences and the turnaround per request; 2 characters per register, 1 per 8 bits.
  static cost_model rtu(const line_timing& line) noexcept {
    cost_model c;
    c.per_request = line.transaction_time(8, 5);
    c.per_register = line.bytes_time(2);
    c.per_8_bits = line.bytes_time(1);
    return c;
  }
  /// Over TCP (to a device or a TCP→RTU gateway): a round trip per request, and the bytes at
  /// `bytes_per_second` (for a gateway, its serial line's rate).
  static cost_model tcp(duration round_trip, double bytes_per_second = 1e7) noexcept {
    cost_model c;
    c.per_request = round_trip;
    const double us_per_byte = bytes_per_second > 0 ? 1e6 / bytes_per_second : 0;
    c.per_register = duration(static_cast<std::int64_t>(2 * us_per_byte + 0.5));
    c.per_8_bits = duration(static_cast<std::int64_t>(us_per_byte + 0.5));
    return c;
  }
};

/// What the device accepts.
struct device_limits {
  std::uint16_t max_registers = max_read_registers;  ///< per read, ≤ 125
  std::uint16_t max_bits = max_read_bits;            ///< per read, ≤ 2000
  bool read_gaps = true;  ///< may a read cover registers no item needs (unimplemented ones)?
};

/// One planned request and the items it covers.
struct planned_read {
  table tbl = table::holding_registers;
  request req;                     ///< a read of tbl: address and quantity
  std::vector<std::size_t> items;  ///< indices into the items given to plan(), by address
  /// Where split() may cut: the item starts inside it, and the starts of the pieces of an
  /// item that overlaps another or exceeds one read.
  std::vector<std::uint32_t> boundaries;
  duration cost{0};  ///< per the cost model
};

class poll_planner {
 public:
  explicit poll_planner(cost_model cost = {}, device_limits limits = {}) noexcept
      : cost_(cost), limits_(limits) {
    limits_.max_registers = std::min<std::uint16_t>(
        std::max<std::uint16_t>(limits_.max_registers, 1), max_read_registers);
    limits_.max_bits =
        std::min<std::uint16_t>(std::max<std::uint16_t>(limits_.max_bits, 1), max_read_bits);
  }

  const cost_model& cost() const noexcept { return cost_; }
  const device_limits& limits() const noexcept { return limits_; }

  /// The cost of one read of `count` registers or bits of `t`.
  duration read_cost(table t, std::uint32_t count) const noexcept {
    if (is_bit_table(t)) {
      return cost_.per_request + cost_.per_8_bits * static_cast<std::int64_t>((count + 7) / 8);
    }
    return cost_.per_request + cost_.per_register * static_cast<std::int64_t>(count);
  }

  /// The requests that read all `items` at the least cost (see the file's documentation).
  /// Items of 0 count are ignored; an item longer than the device's limit for one read is
  /// read in pieces. Overlapping and duplicate items are covered once.
  std::vector<planned_read> plan(const std::vector<read_item>& items) const {
    std::vector<planned_read> out;
    for (table t :
         {table::coils, table::discrete_inputs, table::holding_registers, table::input_registers}) {
      plan_table(t, items, out);
    }
    return out;
  }

  /// The total cost of a plan: the predicted time to read it once.
  static duration total_cost(const std::vector<planned_read>& plan) noexcept {
    duration d{0};
    for (const planned_read& r : plan) d += r.cost;
    return d;
  }

  /// After `failed` (a request of a plan of this planner) failed with exception 0x02 or 0x03 or
  /// timed out: splits it at the item boundary nearest its middle, for every later plan.
  /// Returns false when it covers a single run of one item (nothing to split: the item is at
  /// fault).
  bool split(const planned_read& failed) {
    if (failed.boundaries.empty()) return false;
    const std::uint32_t middle = failed.req.address + failed.req.quantity / 2u;
    std::uint32_t best = failed.boundaries.front();
    for (std::uint32_t b : failed.boundaries) {
      const auto dist = [middle](std::uint32_t x) { return x > middle ? x - middle : middle - x; };
      if (dist(b) < dist(best)) best = b;
    }
    splits_[static_cast<std::size_t>(failed.tbl)].insert(best);
    return true;
  }

  /// Learned splits of `t`: boundaries b such that no read covers both b − 1 and b.
  std::vector<std::uint32_t> splits(table t) const {
    const auto& s = splits_[static_cast<std::size_t>(t)];
    return {s.begin(), s.end()};
  }
  /// Adds a split by hand (e.g. from a profile's known holes).
  void add_split(table t, std::uint32_t boundary) {
    splits_[static_cast<std::size_t>(t)].insert(boundary);
  }
  void forget_splits() noexcept {
    for (auto& s : splits_) s.clear();
  }

 private:
  struct span {
    std::uint32_t begin, end;  // [begin, end)
    std::vector<std::size_t> items;
  };

  bool crosses_split(table t, std::uint32_t begin, std::uint32_t end) const {
    const auto& s = splits_[static_cast<std::size_t>(t)];
    auto it = s.upper_bound(begin);
    return it != s.end() && *it < end;
  }

  void plan_table(table t, const std::vector<read_item>& items,
                  std::vector<planned_read>& out) const {
    const std::uint32_t max = is_bit_table(t) ? limits_.max_bits : limits_.max_registers;
    // Merge overlapping (and touching) items into spans, cutting at learned splits and at the
    // read limit.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].tbl == t && items[i].count > 0) order.push_back(i);
    }
    if (order.empty()) return;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return items[a].address < items[b].address;
    });
    std::vector<span> spans;
    for (std::size_t i : order) {
      const std::uint32_t b = items[i].address;
      const std::uint32_t e = std::min<std::uint32_t>(b + items[i].count, 0x10000);
      // Only overlapping items are merged here: items that merely touch stay apart, so that
      // the partition below may put them in different reads (merging them first could cost
      // a request when the read limit binds). b may lie before the last span: inside the
      // pieces of a longer item before it.
      if (!spans.empty() && b >= spans.back().begin && b < spans.back().end &&
          !crosses_split(t, spans.back().begin, e) && e - spans.back().begin <= max) {
        spans.back().end = std::max(spans.back().end, e);
        spans.back().items.push_back(i);
        continue;
      }
      // A span longer than one read (an item over the limit, or overlaps): pieces.
      std::uint32_t from = b;
      bool first = true;
      if (!spans.empty() && b < spans.back().end) {
        from = spans.back().end;  // the rest of the overlap
        // The item is listed with the span that holds its first register (the spans before
        // are contiguous from the item that b lies in), never with one that misses it.
        for (std::size_t k = spans.size(); k-- > 0;) {
          if (spans[k].begin <= b) {
            spans[k].items.push_back(i);
            break;
          }
        }
        first = false;
      }
      if (from >= e) continue;
      while (from < e) {
        std::uint32_t to = std::min(e, from + max);
        // Never across a learned split.
        const auto& s = splits_[static_cast<std::size_t>(t)];
        auto it = s.upper_bound(from);
        if (it != s.end() && *it < to) to = *it;
        spans.push_back(span{from, to, {}});
        if (first) spans.back().items.push_back(i);
        first = false;
        from = to;
      }
    }
    // Exact minimum-cost partition of the spans into contiguous runs.
    const std::size_t n = spans.size();
    std::vector<duration> best(n + 1, duration::max());
    std::vector<std::size_t> from(n + 1, 0);
    best[0] = duration(0);
    for (std::size_t j = 1; j <= n; ++j) {
      for (std::size_t i = j; i-- > 0;) {  // run = spans[i .. j-1]
        const std::uint32_t b = spans[i].begin, e = spans[j - 1].end;
        if (e - b > max) break;
        if (i + 1 < j && crosses_split(t, b, e)) break;
        // Without gap reads, a run is contiguous (extending it down adds one junction).
        if (i + 1 < j && !limits_.read_gaps && spans[i].end != spans[i + 1].begin) break;
        if (best[i] == duration::max()) continue;
        const duration c = best[i] + read_cost(t, e - b);
        if (c < best[j]) {
          best[j] = c;
          from[j] = i;
        }
      }
    }
    std::vector<planned_read> runs;
    for (std::size_t j = n; j > 0; j = from[j]) {
      const std::size_t i = from[j];
      planned_read r;
      r.tbl = t;
      r.req.fn = read_function(t);
      r.req.address = static_cast<std::uint16_t>(spans[i].begin);
      r.req.quantity = static_cast<std::uint16_t>(spans[j - 1].end - spans[i].begin);
      r.cost = read_cost(t, r.req.quantity);
      const std::uint32_t end = spans[j - 1].end;
      for (std::size_t k = i; k < j; ++k) {
        r.items.insert(r.items.end(), spans[k].items.begin(), spans[k].items.end());
        if (k > i) r.boundaries.push_back(spans[k].begin);
        for (std::size_t item : spans[k].items) {
          const std::uint32_t a = items[item].address;
          if (a > spans[i].begin && a < end) r.boundaries.push_back(a);
        }
      }
      std::sort(r.boundaries.begin(), r.boundaries.end());
      r.boundaries.erase(std::unique(r.boundaries.begin(), r.boundaries.end()), r.boundaries.end());
      runs.push_back(std::move(r));
    }
    out.insert(out.end(), std::make_move_iterator(runs.rbegin()),
               std::make_move_iterator(runs.rend()));
  }

  cost_model cost_;
  device_limits limits_;
  std::array<std::set<std::uint32_t>, 4> splits_;
};

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_MODBUS_PLANNER_HPP
