// firebus — fire-safety IoT SDK.
// The poll planner: plans that minimise bus time under the cost model, the device's limits,
// gap reads, and splits learned from failed merged reads.
#include <cstdint>
#include <ostream>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/modbus/planner.hpp>

namespace mb = firebus::modbus;
using firebus::duration;

namespace {

mb::read_item hr(std::uint16_t address, std::uint16_t count = 1) {
  return {mb::table::holding_registers, address, count};
}

// Every item is covered by a request of its table that holds it whole, and listed there.
void check_covers(const std::vector<mb::read_item>& items,
                  const std::vector<mb::planned_read>& plan, const mb::poll_planner& p) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].count == 0) continue;
    bool listed = false;
    for (const auto& r : plan) {
      for (std::size_t k : r.items) {
        if (k != i) continue;
        listed = true;
        CHECK(r.tbl == items[i].tbl);
      }
    }
    CHECK(listed);
    // ... by a read that holds its first register (the transport decodes it from that reply).
    for (const auto& r : plan) {
      for (std::size_t k : r.items) {
        if (k != i) continue;
        CHECK(items[i].address >= r.req.address);
        CHECK(items[i].address < r.req.address + r.req.quantity);
      }
    }
    for (std::uint32_t a = items[i].address; a < items[i].address + items[i].count; ++a) {
      bool covered = false;
      for (const auto& r : plan) {
        covered |=
            r.tbl == items[i].tbl && a >= r.req.address && a < r.req.address + r.req.quantity;
      }
      CHECK(covered);
    }
  }
  for (const auto& r : plan) {
    std::error_code ec;
    CHECK(mb::validate(r.req, ec));
    CHECK(r.req.fn == mb::read_function(r.tbl));
    CHECK(r.req.quantity <=
          (mb::is_bit_table(r.tbl) ? p.limits().max_bits : p.limits().max_registers));
    CHECK(r.cost == p.read_cost(r.tbl, r.req.quantity));
  }
}

// The brute-force optimum for items of one table: every partition of the sorted items into
// contiguous runs.
duration brute_force(const mb::poll_planner& p, std::vector<mb::read_item> items) {
  std::sort(items.begin(), items.end(),
            [](const mb::read_item& a, const mb::read_item& b) { return a.address < b.address; });
  const std::size_t n = items.size();
  duration best = duration::max();
  for (std::uint32_t mask = 0; mask < (1u << (n - 1)); ++mask) {  // bit k: cut after item k
    duration total{0};
    std::size_t start = 0;
    bool ok = true;
    for (std::size_t k = 0; k < n; ++k) {
      if (k + 1 == n || (mask >> k) & 1u) {
        std::uint32_t b = items[start].address, e = 0;
        for (std::size_t m = start; m <= k; ++m)
          e = std::max<std::uint32_t>(e, items[m].address + items[m].count);
        if (e - b > p.limits().max_registers) ok = false;
        total += p.read_cost(items[start].tbl, e - b);
        start = k + 1;
      }
    }
    if (ok && total < best) best = total;
  }
  return best;
}

}  // namespace

TEST_CASE("planner: reads across a gap only when it is cheaper than another request") {
  mb::line_timing line;  // 9600 baud: a request costs ~21 ms, a register ~2.3 ms
  const mb::poll_planner p(mb::cost_model::rtu(line));
  CHECK(p.cost().per_request > duration(20'000));
  CHECK(p.cost().per_register == duration(2292));
  // 0x00, 0x08..0x09 and 0x12: gaps of 7 and 8 registers cost less than a request each.
  auto plan = p.plan({hr(0x00), hr(0x08, 2), hr(0x12)});
  REQUIRE(plan.size() == 1);
  CHECK(plan[0].req.address == 0);
  CHECK(plan[0].req.quantity == 0x13);
  CHECK(plan[0].items == std::vector<std::size_t>{0, 1, 2});
  CHECK(plan[0].boundaries == std::vector<std::uint32_t>{0x08, 0x12});
  // A gap of 10 registers (22.9 ms) costs as much as a request (22.9 ms): either is optimal;
  // a gap of 17 registers costs more: two reads.
  plan = p.plan({hr(0), hr(18)});
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].req.quantity == 1);
  CHECK(plan[1].req.address == 18);
  CHECK(mb::poll_planner::total_cost(plan) == 2 * p.read_cost(mb::table::holding_registers, 1));
  // Over TCP with a 2 ms round trip and fast bytes, even a gap of 100 registers is merged.
  const mb::poll_planner tcp(mb::cost_model::tcp(duration(2000)));
  CHECK(tcp.plan({hr(0), hr(100)}).size() == 1);
}

TEST_CASE("planner: limits, tables, overlaps and devices without gap reads") {
  mb::device_limits lim;
  lim.max_registers = 10;
  const mb::poll_planner p(mb::cost_model::tcp(duration(5000)), lim);
  const std::vector<mb::read_item> items = {
      hr(0, 4),
      hr(2, 4),    // overlapping
      hr(12, 25),  // longer than one read: three pieces
      {mb::table::input_registers, 5, 1},
      {mb::table::coils, 0, 16},
      {mb::table::discrete_inputs, 3, 1},
      hr(50, 0),  // nothing to read
  };
  const auto plan = p.plan(items);
  check_covers(items, plan, p);
  std::size_t holding = 0;
  for (const auto& r : plan) holding += r.tbl == mb::table::holding_registers ? 1 : 0;
  CHECK(holding == 4);  // [0, 6) + 12..36 in reads of at most 10: [0,10),[10,20),[20,30),[30,37)
  CHECK(plan.front().tbl == mb::table::coils);  // table order, then address order
  mb::device_limits strict;
  strict.read_gaps = false;
  const mb::poll_planner q(mb::cost_model::tcp(duration(5000)), strict);
  const auto separate = q.plan({hr(0), hr(2), hr(3)});
  REQUIRE(separate.size() == 2);  // 0, then 2..3 (adjacent: one read)
  CHECK(separate[1].req.quantity == 2);
}

TEST_CASE("planner: the plan is optimal (against brute force)") {
  std::mt19937 rng(125);
  for (int round = 0; round < 300; ++round) {
    mb::device_limits lim;
    lim.max_registers = static_cast<std::uint16_t>(20 + rng() % 106);
    mb::line_timing line;
    line.baud = (rng() % 2) != 0 ? 9600 : 115200;
    line.turnaround = duration(rng() % 30'000);
    const mb::poll_planner p(mb::cost_model::rtu(line), lim);
    std::vector<mb::read_item> items;
    const std::size_t n = 1 + rng() % 10;
    for (std::size_t i = 0; i < n; ++i) {
      items.push_back(
          hr(static_cast<std::uint16_t>(rng() % 400), static_cast<std::uint16_t>(1 + rng() % 4)));
    }
    const auto plan = p.plan(items);
    check_covers(items, plan, p);
    CAPTURE(round);
    CHECK(mb::poll_planner::total_cost(plan) == brute_force(p, items));
  }
}

TEST_CASE("planner: a failed merged read is split, and the split is remembered") {
  const mb::poll_planner base(mb::cost_model::tcp(duration(5000)));
  mb::poll_planner p = base;
  // Eight items in one read; the device has no register 0x23 and refuses any read across it.
  std::vector<mb::read_item> items;
  for (int a : {0x00, 0x10, 0x20, 0x22, 0x24, 0x30, 0x40, 0x50}) {
    items.push_back(hr(static_cast<std::uint16_t>(a)));
  }
  auto fails = [](const mb::planned_read& r) {
    return r.req.address <= 0x23 && r.req.address + r.req.quantity > 0x23;
  };
  int failures = 0;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto plan = p.plan(items);
    bool any = false;
    for (const auto& r : plan) {
      if (!fails(r)) continue;
      any = true;
      ++failures;
      REQUIRE(p.split(r));
    }
    if (!any) break;
  }
  CHECK(failures <= 4);  // about log2(8) + 1
  const auto plan = p.plan(items);
  check_covers(items, plan, p);
  for (const auto& r : plan) CHECK_FALSE(fails(r));
  CHECK(plan.size() <= 3);  // the merges elsewhere survive
  CHECK_FALSE(p.splits(mb::table::holding_registers).empty());
  // One item alone cannot be split: it is at fault.
  const auto single = p.plan({hr(7)});
  CHECK_FALSE(p.split(single[0]));
  p.forget_splits();
  CHECK(p.plan(items).size() == 1);
  p.add_split(mb::table::holding_registers, 0x30);
  CHECK(p.plan(items).size() == 2);
}

TEST_CASE("planner: an item inside the pieces of a longer one is listed with the read holding it") {
  // A block of 2000 input registers is read in 16 pieces of 125; an item at 254..313 lies in
  // the third piece. It used to be listed with the last piece (1875..1999), which does not hold
  // it: the bus decoded the item from that reply (register image data reported as fresh) and
  // did not report it failed when its own piece failed. (Found by fuzz_modbus_scheduler.)
  const mb::poll_planner p(mb::cost_model::rtu(mb::line_timing{}));
  const std::vector<mb::read_item> items = {{mb::table::input_registers, 254, 60},
                                            {mb::table::input_registers, 0, 2000},
                                            {mb::table::input_registers, 1000, 1}};
  const auto plan = p.plan(items);
  check_covers(items, plan, p);
  REQUIRE(plan.size() == 16);
  CHECK(plan[2].req.address == 250);
  CHECK(plan[2].items == std::vector<std::size_t>{0});
  CHECK(plan[2].boundaries == std::vector<std::uint32_t>{254});
  CHECK(plan[8].req.address == 1000);
  CHECK(plan[8].items == std::vector<std::size_t>{2});
  CHECK(plan[15].items.empty());
}

TEST_CASE("planner: items that touch are not forced into one read when the limit binds") {
  // Reads of 10 registers at most, a request costing far more than a register: 0, 5..9,
  // 10..11 and 19 fit in two reads, [0, 10) and [10, 20). Touching items used to be merged
  // before the partition (5..11), which then needed three reads. (Found by reasoning from
  // fuzz_modbus_scheduler's optimality check, which now covers touching items.)
  mb::device_limits lim;
  lim.max_registers = 10;
  const mb::poll_planner p(mb::cost_model::tcp(duration(5000)), lim);
  const std::vector<mb::read_item> items = {hr(0), hr(5, 5), hr(10, 2), hr(19)};
  const auto plan = p.plan(items);
  check_covers(items, plan, p);
  REQUIRE(plan.size() == 2);
  CHECK(plan[0].req.address == 0);
  CHECK(plan[0].req.quantity == 10);
  CHECK(plan[1].req.address == 10);
  CHECK(plan[1].req.quantity == 10);
  CHECK(mb::poll_planner::total_cost(plan) == brute_force(p, items));
  // Random rows of touching and nearly touching items against the brute force.
  std::mt19937 rng(10);
  for (int round = 0; round < 300; ++round) {
    mb::device_limits small;
    small.max_registers = static_cast<std::uint16_t>(4 + rng() % 9);
    small.read_gaps = rng() % 4 != 0;
    mb::line_timing line;
    line.turnaround = duration(rng() % 30'000);
    const mb::poll_planner q(mb::cost_model::rtu(line), small);
    std::vector<mb::read_item> row;
    std::uint16_t a = 0;
    const std::size_t n = 1 + rng() % 10;
    for (std::size_t i = 0; i < n; ++i) {
      a = static_cast<std::uint16_t>(a + rng() % 3);  // touching when 0
      const auto count = static_cast<std::uint16_t>(1 + rng() % 3);
      row.push_back(hr(a, count));
      a = static_cast<std::uint16_t>(a + count);
    }
    const auto r = q.plan(row);
    check_covers(row, r, q);
    CAPTURE(round);
    if (small.read_gaps) CHECK(mb::poll_planner::total_cost(r) == brute_force(q, row));
  }
}
