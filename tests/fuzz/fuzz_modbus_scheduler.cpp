// firebus — fire-safety IoT SDK.
// libFuzzer target for the Modbus poll planner and bus scheduler (<firebus/modbus/planner.hpp>,
// <firebus/modbus/scheduler.hpp>): pure code that decides what goes on a bus, driven here by a
// simulated bus whose devices answer, refuse, stay silent, die and come back as the input says.
//
// The input is a plan problem, then a program. Missing bytes read as 0.
//
//   line                      cost model: byte % 5 → RTU 9600 / 19200 / 115200 baud (bit 3: 10
//                             or 11 bits per character, bits 4-6: turnaround), TCP (round trip
//                             and gateway byte rate from bits 4-7), or the zero cost model
//   devices                   1 + byte % 4 devices, each:
//     unit limits gaps        unit id; max_registers (low nibble: 125, 200, 60, 16, 8, 3, 1, 0
//                             …), max_bits (high nibble: 2000, 3000, 100, 8, 1, 0 …); gaps: bit 0
//                             read_gaps
//     periods                 three bytes: the period of each class (0 = never polled)
//     policy                  timeout (low 2 bits), retries 0-2, quarantine_after 1-3, back-off
//                             initial (4 values) and its maximum (×1, ×2, ×4, ×8)
//     items × 3               per class: n = byte % 7 items of 2 bytes each: table (bits 0-1),
//                             count (bits 2-5: 1 … 2000), address (bits 6-7: byte, byte × 4,
//                             0xFF00 + byte near the top of the address space, byte × 257);
//                             the address byte follows
//     refused                 an address (of item byte % items) answered with exception 0x02
//
// Then operations, one byte each (kind = byte % op_count) followed by their argument bytes:
//
//   step k          now += steps[k]  (no call: a request in flight may overstay its deadline)
//   next            next(now)
//   reply k         the request in flight answered by the device model, its latency k (none in
//                   flight: complete() must do nothing)
//   complete e k    the request in flight ended with error e (success, timeout, exceptions 01,
//                   02, 03, 04, 06, 0B, unknown exception, CRC, unit / function / transaction /
//                   byte-count mismatch, disconnected, cancelled, queue full, a foreign code),
//                   after latency k (a timeout at its deadline)
//   run k           a transport loop for run_len[k]: next(), the device model answers, sleeps
//                   until next_deadline()
//   write d n …     submit_write(d, n steps) (d = device count: an unknown device)
//   die d / revive d
//   refuse d a      reads covering an address of the device get exception 0x02 (a = 0: none)
//   silent d a      reads covering an address time out (a = 0: none)
//   latency d k     the device's reply latency
//   deadline        now = next_deadline() when later
//
// Then two final phases: the dead phase (live devices answer at once, dead ones stay dead) and
// the revive phase (every device answers at once, refused addresses stay refused).
//
// Checked with __builtin_trap() (besides ASan and UBSan):
// Planner (every plan of the problem, fresh and inside the scheduler after every change):
//   - every item with a count covers its registers with reads of its table and is listed in
//     exactly one read, the one holding its first register; reads are valid requests of
//     read_function(table), 1 ≤ quantity ≤ the device's limit (≤ 125 registers, ≤ 2000 bits),
//     inside the address space, in table then address order without overlaps, never across a
//     learned split, never over registers no item needs when the device has no gap reads;
//     boundaries are sorted cut points strictly inside the read; cost == read_cost() (finite),
//     total_cost() their sum; plans are deterministic;
//   - the plan is optimal: for tables whose items do not overlap, fit one read and cross no
//     split (≤ 12 items), its cost equals the brute-force minimum over all partitions into
//     contiguous runs;
//   - split() returns false exactly for reads without boundaries, adds exactly one new split
//     strictly inside the read; splitting the reads that cover a refused address converges in
//     at most 2 × (distinct item starts) + (pieces) splits, leaving it in reads without
//     boundaries.
// Scheduler:
//   - one job in flight: next() returns nothing while one is; in_flight() is it; busy time never
//     exceeds the elapsed time;
//   - jobs: unit, sent, deadline, valid read of the class's items, fresh ids (a retry repeats its
//     job's id with attempt + 1, and only after a timeout or broken reply with retries left);
//   - priorities: the job next() hands out is the first a copy of the scheduler hands out, and
//     draining that copy at the same instant (every job answered) never finds a later read of a
//     device that is neither suspect nor quarantined of a more urgent class;
//   - complete() follows the documented rules exactly: reply, exception (0x02/0x03 on a read with
//     boundaries splits it, no outcome), timeout or broken reply (retried while retries are
//     left, not a probe's; then a failed transaction; quarantine after quarantine_after
//     consecutive ones or a failed probe; otherwise a timed-out read with boundaries is split);
//     outcomes concern the device, final_failure is set exactly for failures; requests dropped
//     by quarantine come with errc::quarantined;
//   - quarantine: next() never hands out a quarantined device's job except its probe, and the
//     probe not before quarantine_until(); back-off is backoff_initial, doubling to backoff_max
//     on each failed probe, reset by an answer; splits learned from timeouts are discarded at
//     quarantine unless the device answered (reply or exception) since;
//   - counters: every field of counters() is the sum of the devices' and equals what the harness
//     counted (requests, replies, exceptions, timeouts, broken, other errors, retries, splits,
//     quarantines, dropped, busy, latency total); overruns and skipped cycles never decrease;
//   - writes: ids non-zero and increasing (0 for an unknown device or no steps), steps go in
//     order, one outcome ends each write (last step answered, a step failed, or quarantine),
//     nothing after it; at the end every write has ended;
//   - next_deadline(): after next() found nothing, it is later than now, and nothing (not
//     infinite) only when no work is pending; a copy asked next() 1 µs before it finds nothing;
//   - queues: at one instant with every job answered at once, the scheduler runs dry within a
//     bound (a split cannot go on for ever); plans never hold more reads than the items' pieces
//     plus the learned splits;
//   - dead phase: devices dead at the end of the program are quarantined within their bound
//     (quarantine_after transactions of 1 + retries attempts, each waiting 4 × backoff_initial at
//     most); then each dead device sends only probes, at least backoff_initial + timeout apart,
//     and each live device's alarm reads are at most its period plus the dead devices' timeouts
//     apart;
//   - revive phase: within 2 × backoff_max plus 4 × backoff_initial plus two periods every device
//     leaves quarantine, every write and retry is resolved and no device is suspect; then, over
//     two of the longest periods, every polled class is read exactly once per period, no split
//     is learned (the splits converged) and every register of every polled item is read or
//     lies in a failed read of one item (its refused address).
//
// Build for fuzzing: the `fuzz` preset (tests/fuzz/CMakeLists.txt). Corpus replay (any compiler):
//   g++ -std=c++17 -I include tests/fuzz/fuzz_modbus_scheduler.cpp tests/fuzz/replay_main.cpp
// Seeds: tests/fuzz/corpus/modbus_scheduler/, written by make_modbus_scheduler_seeds.py.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include <firebus/core/time.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>
#include <firebus/modbus/rtu.hpp>
#include <firebus/modbus/scheduler.hpp>

namespace {

namespace mb = firebus::modbus;
using firebus::duration;
using firebus::mono_time;

// An explicit check: stays active in every build mode, unlike assert().
#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr std::int64_t ms = 1000;
constexpr std::int64_t sec = 1'000'000;
constexpr std::size_t max_ops = 300;
constexpr std::size_t max_initial_reads = 120;  // larger problems: planner checks only
constexpr std::uint64_t program_calls = 3'000;  // scheduler calls of the program
constexpr std::uint64_t final_calls = 8'000;    // ... and of the final phases
constexpr std::uint64_t max_drain_steps = 6'000;
constexpr std::size_t drain_depth = 48;  // jobs drained per priority check
constexpr std::size_t max_writes = 24;

constexpr std::array<mb::table, 4> tables{mb::table::coils, mb::table::discrete_inputs,
                                          mb::table::holding_registers, mb::table::input_registers};
constexpr std::uint16_t counts[16] = {1, 1, 1, 2, 2, 3, 4, 5, 8, 10, 16, 60, 125, 126, 250, 2000};
constexpr std::uint16_t max_regs[16] = {125, 200, 60, 16, 8, 3,  1,   0,
                                        125, 125, 10, 2,  4, 30, 124, 126};
constexpr std::uint16_t max_bits_table[16] = {2000, 3000, 100, 8,    1,   0,    2000, 16,
                                              2000, 1999, 64,  2000, 250, 2001, 9,    2000};
constexpr std::int64_t periods[8] = {0, 100 * ms, 250 * ms, sec, 2 * sec, 5 * sec, 30 * sec, 0};
constexpr std::int64_t timeouts[4] = {50 * ms, 100 * ms, 300 * ms, sec};
constexpr std::int64_t backoffs[4] = {200 * ms, 500 * ms, sec, 3 * sec};
constexpr std::int64_t steps[16] = {0,        1,        999,       10 * ms,   50 * ms, 100 * ms,
                                    250 * ms, 500 * ms, sec,       2 * sec,   5 * sec, 10 * sec,
                                    30 * sec, 60 * sec, 300 * sec, 3600 * sec};
constexpr std::int64_t latencies[8] = {0, 1, 5 * ms, 20 * ms, 90 * ms, 250 * ms, sec, 10 * sec};
constexpr std::int64_t run_lengths[8] = {10 * ms,  100 * ms,  sec,       5 * sec,
                                         30 * sec, 120 * sec, 600 * sec, 0};
constexpr std::int64_t turnarounds[8] = {0, ms, 5 * ms, 20 * ms, 100 * ms, 500, 2 * ms, 50 * ms};

enum op_kind : std::uint8_t {
  op_step,
  op_next,
  op_reply,
  op_complete,
  op_run,
  op_write,
  op_die,
  op_revive,
  op_refuse,
  op_silent,
  op_latency,
  op_deadline,
  op_count
};

struct input {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t pos = 0;
  std::uint8_t u8() { return pos < size ? data[pos++] : 0; }
  bool done() const { return pos >= size; }
};

mono_time at(std::int64_t us) { return mono_time(duration(us)); }

std::error_code error_of(std::uint8_t e) {
  switch (e % 18) {
    case 0:
      return {};
    case 1:
      return mb::errc::timeout;
    case 2:
      return mb::errc::illegal_function;
    case 3:
      return mb::errc::illegal_data_address;
    case 4:
      return mb::errc::illegal_data_value;
    case 5:
      return mb::errc::server_device_failure;
    case 6:
      return mb::errc::server_device_busy;
    case 7:
      return mb::errc::gateway_target_no_response;
    case 8:
      return mb::errc::unknown_exception;
    case 9:
      return mb::errc::crc_mismatch;
    case 10:
      return mb::errc::unit_mismatch;
    case 11:
      return mb::errc::function_mismatch;
    case 12:
      return mb::errc::transaction_mismatch;
    case 13:
      return mb::errc::byte_count_mismatch;
    case 14:
      return mb::errc::disconnected;
    case 15:
      return mb::errc::cancelled;
    case 16:
      return mb::errc::queue_full;
    default:
      return std::make_error_code(std::errc::io_error);
  }
}

std::uint32_t limit_of(const mb::device_limits& l, mb::table t) {
  return mb::is_bit_table(t) ? l.max_bits : l.max_registers;
}

std::uint32_t end_of(const mb::read_item& it) {
  return std::min<std::uint32_t>(std::uint32_t{it.address} + it.count, 0x10000);
}
std::uint32_t end_of(const mb::request& r) { return std::uint32_t{r.address} + r.quantity; }

bool same_read(const mb::planned_read& a, const mb::planned_read& b) {
  return a.tbl == b.tbl && a.req.fn == b.req.fn && a.req.address == b.req.address &&
         a.req.quantity == b.req.quantity && a.items == b.items && a.boundaries == b.boundaries &&
         a.cost == b.cost;
}
bool same_plan(const std::vector<mb::planned_read>& a, const std::vector<mb::planned_read>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same_read(a[i], b[i])) return false;
  }
  return true;
}

// Whether every register of [b, e) lies in one of the sorted, disjoint `spans`.
bool inside(const std::vector<std::pair<std::uint32_t, std::uint32_t>>& spans, std::uint32_t b,
            std::uint32_t e) {
  std::uint32_t pos = b;
  for (const auto& s : spans) {
    if (pos >= e) break;
    if (s.second <= pos) continue;
    if (s.first > pos) return false;
    pos = s.second;
  }
  return pos >= e;
}

// Sorted union of intervals.
std::vector<std::pair<std::uint32_t, std::uint32_t>> merge(
    std::vector<std::pair<std::uint32_t, std::uint32_t>> v) {
  std::sort(v.begin(), v.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& x : v) {
    if (x.first >= x.second) continue;
    if (!out.empty() && x.first <= out.back().second) {
      out.back().second = std::max(out.back().second, x.second);
    } else {
      out.push_back(x);
    }
  }
  return out;
}

// --- the planner ----------------------------------------------------------------------------

// The brute-force minimum cost of reading `sorted` (one table, no overlaps, each fitting one read
// and crossing no split) in contiguous runs.
duration brute_force(const mb::poll_planner& p, mb::table t,
                     const std::vector<mb::read_item>& sorted) {
  const std::size_t n = sorted.size();
  const std::uint32_t max = limit_of(p.limits(), t);
  const std::vector<std::uint32_t> splits = p.splits(t);
  const auto crosses = [&](std::uint32_t b, std::uint32_t e) {
    for (std::uint32_t s : splits) {
      if (s > b && s < e) return true;
    }
    return false;
  };
  duration best = duration::max();
  for (std::uint32_t mask = 0; mask < (1u << (n - 1)); ++mask) {  // bit k: cut after item k
    duration total{0};
    std::size_t start = 0;
    bool ok = true;
    for (std::size_t k = 0; k < n && ok; ++k) {
      if (k + 1 < n && ((mask >> k) & 1u) == 0) continue;
      const std::uint32_t b = sorted[start].address;
      const std::uint32_t e = end_of(sorted[k]);
      if (e - b > max || crosses(b, e)) ok = false;
      for (std::size_t m = start; ok && m < k; ++m) {
        if (!p.limits().read_gaps && end_of(sorted[m]) != sorted[m + 1].address) ok = false;
      }
      total += p.read_cost(t, e - b);
      start = k + 1;
    }
    if (ok && total < best) best = total;
  }
  return best;
}

void check_plan(const mb::poll_planner& p, const std::vector<mb::read_item>& items,
                const std::vector<mb::planned_read>& plan) {
  std::vector<int> listed(items.size(), 0);
  duration total{0};
  std::size_t last_table = 0;
  std::uint32_t last_end = 0;
  bool first = true;
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, 4> reads_by_table;
  std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, 4> items_by_table;
  for (const mb::read_item& it : items) {
    if (it.count > 0) {
      items_by_table[static_cast<std::size_t>(it.tbl)].emplace_back(it.address, end_of(it));
    }
  }
  for (auto& v : items_by_table) v = merge(std::move(v));
  for (const mb::planned_read& r : plan) {
    const auto ti = static_cast<std::size_t>(r.tbl);
    FIREBUS_FUZZ_CHECK(ti < 4);
    FIREBUS_FUZZ_CHECK(r.req.fn == mb::read_function(r.tbl));
    FIREBUS_FUZZ_CHECK(r.req.quantity >= 1 && r.req.quantity <= limit_of(p.limits(), r.tbl));
    FIREBUS_FUZZ_CHECK(r.req.quantity <=
                       (mb::is_bit_table(r.tbl) ? mb::max_read_bits : mb::max_read_registers));
    const std::uint32_t b = r.req.address;
    const std::uint32_t e = end_of(r.req);
    FIREBUS_FUZZ_CHECK(e <= 0x10000);
    std::error_code ec;
    FIREBUS_FUZZ_CHECK(mb::validate(r.req, ec) && !ec);
    FIREBUS_FUZZ_CHECK(r.cost == p.read_cost(r.tbl, r.req.quantity));
    FIREBUS_FUZZ_CHECK(r.cost >= duration::zero() && r.cost < duration::max() / 1024);
    total += r.cost;
    // Table order, then address order, without overlaps.
    if (!first) {
      FIREBUS_FUZZ_CHECK(ti >= last_table);
      if (ti == last_table) FIREBUS_FUZZ_CHECK(b >= last_end);
    }
    first = false;
    last_table = ti;
    last_end = e;
    for (std::size_t k = 0; k < r.boundaries.size(); ++k) {
      FIREBUS_FUZZ_CHECK(r.boundaries[k] > b && r.boundaries[k] < e);
      if (k > 0) FIREBUS_FUZZ_CHECK(r.boundaries[k] > r.boundaries[k - 1]);
    }
    for (std::size_t i : r.items) {
      FIREBUS_FUZZ_CHECK(i < items.size());
      FIREBUS_FUZZ_CHECK(items[i].tbl == r.tbl && items[i].count > 0);
      // Listed with the read that holds its first register (the transport decodes it there).
      FIREBUS_FUZZ_CHECK(items[i].address >= b && items[i].address < e);
      ++listed[i];
    }
    for (std::uint32_t s : p.splits(r.tbl)) FIREBUS_FUZZ_CHECK(!(s > b && s < e));
    if (!p.limits().read_gaps) FIREBUS_FUZZ_CHECK(inside(items_by_table[ti], b, e));
    reads_by_table[ti].emplace_back(b, e);
  }
  FIREBUS_FUZZ_CHECK(total == mb::poll_planner::total_cost(plan));
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].count == 0) {
      FIREBUS_FUZZ_CHECK(listed[i] == 0);
      continue;
    }
    FIREBUS_FUZZ_CHECK(listed[i] == 1);
    FIREBUS_FUZZ_CHECK(inside(reads_by_table[static_cast<std::size_t>(items[i].tbl)],
                              items[i].address, end_of(items[i])));
  }
  // Optimality where a brute force is exact and cheap.
  for (mb::table t : tables) {
    std::vector<mb::read_item> sorted;
    for (const mb::read_item& it : items) {
      if (it.tbl == t && it.count > 0) sorted.push_back(it);
    }
    if (sorted.empty() || sorted.size() > 12) continue;
    std::stable_sort(
        sorted.begin(), sorted.end(),
        [](const mb::read_item& a, const mb::read_item& c) { return a.address < c.address; });
    bool simple = true;
    const std::vector<std::uint32_t> splits = p.splits(t);
    for (std::size_t k = 0; k < sorted.size() && simple; ++k) {
      const std::uint32_t b = sorted[k].address, e = end_of(sorted[k]);
      if (e - b != sorted[k].count || e - b > limit_of(p.limits(), t)) simple = false;
      if (k + 1 < sorted.size() && e > sorted[k + 1].address) simple = false;
      for (std::uint32_t s : splits) {
        if (s > b && s < e) simple = false;
      }
    }
    if (!simple) continue;
    duration planned{0};
    for (const mb::planned_read& r : plan) {
      if (r.tbl == t) planned += r.cost;
    }
    FIREBUS_FUZZ_CHECK(planned == brute_force(p, t, sorted));
  }
}

// An upper bound on a plan's size: the pieces of its items, plus one per learned split.
std::size_t plan_bound(const mb::poll_planner& p, const std::vector<mb::read_item>& items) {
  std::size_t n = 0;
  for (const mb::read_item& it : items) {
    if (it.count == 0) continue;
    const std::uint32_t max = limit_of(p.limits(), it.tbl);
    n += (end_of(it) - it.address + max - 1) / max;
  }
  for (mb::table t : tables) n += p.splits(t).size();
  return n;
}

// split() on the reads covering `bad` until none has boundaries.
void check_split_convergence(mb::poll_planner p, const std::vector<mb::read_item>& items,
                             mb::table t, std::uint32_t bad) {
  std::set<std::uint32_t> starts;
  std::size_t pieces = 0;
  for (const mb::read_item& it : items) {
    if (it.tbl != t || it.count == 0) continue;
    starts.insert(it.address);
    pieces += (end_of(it) - it.address + limit_of(p.limits(), t) - 1) / limit_of(p.limits(), t);
  }
  std::size_t done = 0;
  for (;;) {
    const auto plan = p.plan(items);
    check_plan(p, items, plan);
    bool split = false;
    for (const mb::planned_read& r : plan) {
      if (r.tbl != t || bad < r.req.address || bad >= end_of(r.req)) continue;
      const std::size_t before = p.splits(t).size();
      const bool ok = p.split(r);
      FIREBUS_FUZZ_CHECK(ok == !r.boundaries.empty());
      if (!ok) continue;
      const std::vector<std::uint32_t> after = p.splits(t);
      FIREBUS_FUZZ_CHECK(after.size() == before + 1);
      split = true;
      ++done;
      break;
    }
    if (!split) break;
    // Each split is a new cut at an item start, or at a piece start of overlapping items.
    FIREBUS_FUZZ_CHECK(done <= 2 * starts.size() + pieces);
  }
}

// --- the scheduler ----------------------------------------------------------------------------

struct tally {
  std::uint64_t requests = 0, replies = 0, exceptions = 0, timeouts = 0, bad_replies = 0,
                other_errors = 0, retries = 0, splits = 0, quarantines = 0, dropped = 0;
  duration busy{0};
};

struct device_model {
  // the problem
  std::uint8_t unit = 0;
  std::array<std::vector<mb::read_item>, 3> items;
  mb::device_limits limits;
  mb::device_policy policy;
  // how it answers
  bool dead = false;
  std::optional<std::pair<mb::table, std::uint32_t>> refused;
  std::optional<std::pair<mb::table, std::uint32_t>> silent;
  duration latency{0};
  // what the harness knows of the scheduler's view of it
  int failures = 0;
  bool suspect = false;
  bool quarantined = false;
  duration backoff{0};
  std::array<std::vector<std::uint32_t>, 4> confirmed;  // splits as of the last answer
  std::map<std::uint64_t, int> pending_retry;           // job id → attempt expected
  tally counted;
  std::uint64_t overruns = 0, skipped = 0;
};

struct write_model {
  std::uint32_t dev = 0;
  std::vector<mb::request> steps;
  std::size_t next = 0;
  bool done = false;
};

// One request as sent, for the final phases' checks.
struct sent_job {
  mono_time at;
  mb::job j;
  std::error_code ec;
  bool split = false;
};

bool same_request(const mb::request& a, const mb::request& b) {
  return a.fn == b.fn && a.address == b.address && a.quantity == b.quantity &&
         a.write_address == b.write_address && a.values == b.values;
}

bool covers(const mb::job& j, const std::optional<std::pair<mb::table, std::uint32_t>>& a) {
  return a && j.write_id == 0 && j.read.tbl == a->first && a->second >= j.read.req.address &&
         a->second < end_of(j.read.req);
}

struct harness {
  mb::scheduler s;
  std::vector<device_model> devs;
  std::map<std::uint64_t, write_model> writes;
  std::uint64_t last_write = 0;
  std::set<std::uint64_t> seen_ids;
  std::optional<mb::job> flight;
  mono_time now = at(0);
  mono_time start = at(0);
  std::uint64_t calls = 0;
  std::uint64_t drain_steps = 0;
  std::uint64_t bus_overruns = 0, bus_skipped = 0;
  mono_time instant = at(-1);
  std::uint32_t at_instant = 0;
  bool zero_latency = false;      // the final phases: the scheduler must run dry at each instant
  std::uint64_t instant_cap = 0;  // calls at one instant, at most
  std::vector<sent_job>* log = nullptr;

  explicit harness(mb::cost_model c) : s(c) {}

  std::uint64_t max_calls = program_calls;
  bool out_of_budget() const { return calls >= max_calls; }

  void count_instant() {
    if (now != instant) {
      instant = now;
      at_instant = 0;
    }
    ++at_instant;
    // Answered at once, the scheduler runs dry: a split cannot go on for ever.
    if (zero_latency) FIREBUS_FUZZ_CHECK(at_instant < instant_cap);
  }

  bool work_pending() const {
    for (const auto& w : writes) {
      if (!w.second.done) return true;
    }
    for (std::uint32_t d = 0; d < devs.size(); ++d) {
      for (std::size_t c = 0; c < 3; ++c) {
        if (devs[d].policy.period[c].count() > 0 &&
            !s.plan(d, static_cast<mb::poll_priority>(c)).empty()) {
          return true;
        }
      }
      if ((devs[d].quarantined && can_probe(d)) || !devs[d].pending_retry.empty()) return true;
    }
    return false;
  }

  void check_device_plans(std::uint32_t d) {
    const mb::poll_planner& p = s.planner(d);
    for (std::size_t c = 0; c < 3; ++c) {
      const auto& plan = s.plan(d, static_cast<mb::poll_priority>(c));
      check_plan(p, devs[d].items[c], plan);
      FIREBUS_FUZZ_CHECK(same_plan(plan, p.plan(devs[d].items[c])));
      FIREBUS_FUZZ_CHECK(plan.size() <= plan_bound(p, devs[d].items[c]));
    }
  }

  std::array<std::vector<std::uint32_t>, 4> splits_of(std::uint32_t d) const {
    std::array<std::vector<std::uint32_t>, 4> out;
    for (std::size_t t = 0; t < 4; ++t) out[t] = s.planner(d).splits(tables[t]);
    return out;
  }

  void check_counters() {
    const mb::bus_counters& bus = s.counters();
    tally sum;
    std::uint64_t overruns = 0, skipped = 0, latency_total = 0;
    for (std::uint32_t d = 0; d < devs.size(); ++d) {
      const mb::bus_counters c = s.counters(d);
      const tally& t = devs[d].counted;
      FIREBUS_FUZZ_CHECK(
          c.requests == t.requests && c.replies == t.replies && c.exceptions == t.exceptions &&
          c.timeouts == t.timeouts && c.bad_replies == t.bad_replies &&
          c.other_errors == t.other_errors && c.retries == t.retries && c.splits == t.splits &&
          c.quarantines == t.quarantines && c.dropped == t.dropped && c.busy == t.busy);
      FIREBUS_FUZZ_CHECK(c.latency.total() == c.replies);
      FIREBUS_FUZZ_CHECK(c.overruns >= devs[d].overruns && c.skipped_cycles >= devs[d].skipped);
      devs[d].overruns = c.overruns;
      devs[d].skipped = c.skipped_cycles;
      overruns += c.overruns;
      skipped += c.skipped_cycles;
      latency_total += c.latency.total();
      sum.requests += c.requests;
      sum.replies += c.replies;
      sum.exceptions += c.exceptions;
      sum.timeouts += c.timeouts;
      sum.bad_replies += c.bad_replies;
      sum.other_errors += c.other_errors;
      sum.retries += c.retries;
      sum.splits += c.splits;
      sum.quarantines += c.quarantines;
      sum.dropped += c.dropped;
      sum.busy += c.busy;
    }
    FIREBUS_FUZZ_CHECK(bus.requests == sum.requests && bus.replies == sum.replies &&
                       bus.exceptions == sum.exceptions && bus.timeouts == sum.timeouts &&
                       bus.bad_replies == sum.bad_replies && bus.other_errors == sum.other_errors &&
                       bus.retries == sum.retries && bus.splits == sum.splits &&
                       bus.quarantines == sum.quarantines && bus.dropped == sum.dropped &&
                       bus.busy == sum.busy && bus.overruns == overruns &&
                       bus.skipped_cycles == skipped && bus.latency.total() == latency_total);
    FIREBUS_FUZZ_CHECK(bus.overruns >= bus_overruns && bus.skipped_cycles >= bus_skipped);
    bus_overruns = bus.overruns;
    bus_skipped = bus.skipped_cycles;
    // One request at a time: the bus is never busy longer than the time that passed.
    FIREBUS_FUZZ_CHECK(bus.busy <= now - start);
    const double u = s.utilisation(now - start);
    FIREBUS_FUZZ_CHECK(u >= 0.0 && u <= 1.0 + 1e-9);
  }

  // Drains a copy of the scheduler as it was before next(now) handed out `j`: every job it
  // hands out at `now` is answered at once. Checks determinism, priorities and that it runs dry.
  void check_priority(const mb::scheduler& before, const mb::job& j) {
    if (drain_steps >= max_drain_steps) return;
    std::vector<bool> free_device(devs.size());
    for (std::uint32_t d = 0; d < devs.size(); ++d) {
      free_device[d] = !devs[d].suspect && !devs[d].quarantined;
    }
    mb::scheduler c = before;
    std::optional<mb::job> k = c.next(now);
    FIREBUS_FUZZ_CHECK(k && k->id == j.id && k->device == j.device && k->prio == j.prio &&
                       k->attempt == j.attempt && k->probe == j.probe &&
                       k->write_id == j.write_id && same_request(k->read.req, j.read.req));
    (void)c.complete(now, {});
    for (std::size_t n = 0; n < drain_depth; ++n) {
      ++drain_steps;
      k = c.next(now);
      if (!k) break;
      if (k->write_id == 0 && !k->probe && free_device[k->device]) {
        FIREBUS_FUZZ_CHECK(k->prio >= j.prio);
      }
      (void)c.complete(now, {});
    }
  }

  void check_job(const mb::job& j) {
    FIREBUS_FUZZ_CHECK(j.device < devs.size());
    device_model& dm = devs[j.device];
    FIREBUS_FUZZ_CHECK(j.unit == dm.unit);
    FIREBUS_FUZZ_CHECK(j.sent == now && j.deadline == now + dm.policy.timeout);
    FIREBUS_FUZZ_CHECK(static_cast<std::size_t>(j.prio) < 3);
    FIREBUS_FUZZ_CHECK(j.id != 0);
    if (j.attempt == 0) {
      FIREBUS_FUZZ_CHECK(seen_ids.insert(j.id).second);
    } else {
      auto it = dm.pending_retry.find(j.id);
      FIREBUS_FUZZ_CHECK(it != dm.pending_retry.end() && it->second == j.attempt);
      dm.pending_retry.erase(it);
      ++dm.counted.retries;
    }
    FIREBUS_FUZZ_CHECK(j.attempt <= dm.policy.retries);
    // Quarantine: the probe alone, and not before the quarantine ends.
    FIREBUS_FUZZ_CHECK(s.quarantined(j.device) == dm.quarantined);
    FIREBUS_FUZZ_CHECK(j.probe == dm.quarantined);
    if (j.probe) {
      FIREBUS_FUZZ_CHECK(now >= s.quarantine_until(j.device));
      FIREBUS_FUZZ_CHECK(j.attempt == 0);
      // A read; a write step only for a device without reads.
      if (j.write_id != 0) {
        for (std::size_t c = 0; c < 3; ++c) {
          FIREBUS_FUZZ_CHECK(s.plan(j.device, static_cast<mb::poll_priority>(c)).empty());
        }
      }
    }
    if (j.write_id != 0) {
      auto it = writes.find(j.write_id);
      FIREBUS_FUZZ_CHECK(it != writes.end() && !it->second.done && it->second.dev == j.device);
      FIREBUS_FUZZ_CHECK(j.prio == mb::poll_priority::config);
      FIREBUS_FUZZ_CHECK(same_request(j.read.req, it->second.steps[it->second.next]));
      return;
    }
    const mb::planned_read& r = j.read;
    FIREBUS_FUZZ_CHECK(r.req.fn == mb::read_function(r.tbl));
    FIREBUS_FUZZ_CHECK(r.req.quantity >= 1 &&
                       r.req.quantity <= limit_of(s.planner(j.device).limits(), r.tbl));
    std::error_code ec;
    FIREBUS_FUZZ_CHECK(mb::validate(r.req, ec));
    const auto& items = dm.items[static_cast<std::size_t>(j.prio)];
    for (std::size_t i : r.items) {
      FIREBUS_FUZZ_CHECK(i < items.size() && items[i].tbl == r.tbl);
      FIREBUS_FUZZ_CHECK(items[i].address < end_of(r.req) && end_of(items[i]) > r.req.address);
    }
  }

  // `deep`: with the checks that copy the scheduler (every call of the program's own next(),
  // every 16th of a transport loop's).
  void do_next(bool deep = true) {
    ++calls;
    count_instant();
    if (flight) {
      FIREBUS_FUZZ_CHECK(!s.next(now));
      FIREBUS_FUZZ_CHECK(s.in_flight() && s.in_flight()->id == flight->id);
      FIREBUS_FUZZ_CHECK(s.next_deadline() && *s.next_deadline() == flight->deadline);
      return;
    }
    const bool drain = (deep || calls % 16 == 0) && drain_steps < max_drain_steps;
    std::optional<mb::scheduler> before;
    if (drain) before.emplace(s);
    std::optional<mb::job> j = s.next(now);
    if (j) {
      check_job(*j);
      ++devs[j->device].counted.requests;
      FIREBUS_FUZZ_CHECK(s.in_flight() && s.in_flight()->id == j->id);
      FIREBUS_FUZZ_CHECK(!s.next(now));  // one in flight
      if (before) check_priority(*before, *j);
      flight = std::move(j);
      return;
    }
    FIREBUS_FUZZ_CHECK(!s.in_flight());
    const std::optional<mono_time> d = s.next_deadline();
    if (!d) {
      FIREBUS_FUZZ_CHECK(!work_pending());
      return;
    }
    FIREBUS_FUZZ_CHECK(*d > now && *d < mono_time::max());
    if (drain && *d - now > duration(1)) {
      mb::scheduler c = s;
      FIREBUS_FUZZ_CHECK(!c.next(*d - duration(1)));
    }
  }

  // Ends the job in flight at `t` (≥ now) with `ec`, checking complete() against its rules.
  void do_complete(mono_time when, std::error_code ec) {
    ++calls;
    if (when > now) now = when;
    count_instant();
    if (!flight) {
      FIREBUS_FUZZ_CHECK(s.complete(now, ec).empty());
      return;
    }
    const mb::job j = std::move(*flight);
    flight.reset();
    device_model& dm = devs[j.device];
    const auto splits_before = splits_of(j.device);
    const duration took = now - j.sent;
    dm.counted.busy += took;

    enum class expect { ok, final_failure, retry, split, quarantine };
    expect e = expect::final_failure;
    const bool exception = mb::is_exception(ec);
    const bool timed_out = ec == mb::errc::timeout;
    bool answered = false;
    if (!ec) {
      ++dm.counted.replies;
      e = expect::ok;
      answered = true;
    } else if (exception) {
      ++dm.counted.exceptions;
      answered = true;
      if ((ec == mb::errc::illegal_data_address || ec == mb::errc::illegal_data_value) &&
          j.write_id == 0 && !j.read.boundaries.empty()) {
        e = expect::split;
      }
    } else {
      if (timed_out) {
        ++dm.counted.timeouts;
        dm.suspect = true;
      } else if (ec == mb::errc::disconnected || ec == mb::errc::cancelled ||
                 ec == mb::errc::queue_full) {
        ++dm.counted.other_errors;
      } else {
        ++dm.counted.bad_replies;
      }
      if (!j.probe && j.attempt < dm.policy.retries) {
        e = expect::retry;
      } else {
        ++dm.failures;
        if (j.probe || dm.failures >= dm.policy.quarantine_after) {
          e = expect::quarantine;
        } else if (timed_out && j.write_id == 0 && !j.read.boundaries.empty()) {
          e = expect::split;
        }
      }
    }
    if (answered) {
      dm.failures = 0;
      dm.suspect = false;
      if (dm.quarantined) {
        dm.quarantined = false;
        dm.backoff = duration(0);
      }
    }
    if (e == expect::quarantine) {
      if (!dm.quarantined) {
        dm.quarantined = true;
        dm.backoff = dm.policy.backoff_initial;
        ++dm.counted.quarantines;
      } else {
        dm.backoff = std::min(dm.backoff * 2, dm.policy.backoff_max);
      }
    }
    if (e == expect::split) ++dm.counted.splits;

    const std::vector<mb::outcome> out = s.complete(now, ec);
    FIREBUS_FUZZ_CHECK(!s.in_flight());
    int own = 0;
    for (const mb::outcome& o : out) {
      FIREBUS_FUZZ_CHECK(o.j.device == j.device);
      if (o.j.id == j.id) {
        ++own;
        FIREBUS_FUZZ_CHECK(o.ec == ec && o.final_failure == static_cast<bool>(ec));
        FIREBUS_FUZZ_CHECK(o.j.attempt == j.attempt && o.j.write_id == j.write_id);
        if (j.write_id != 0) {
          write_model& w = writes.at(j.write_id);
          FIREBUS_FUZZ_CHECK(!w.done);
          if (!ec) {
            ++w.next;
            w.done = w.next >= w.steps.size();
          } else {
            w.done = true;
          }
        }
        continue;
      }
      // Dropped by the quarantine the device entered now.
      FIREBUS_FUZZ_CHECK(e == expect::quarantine);
      FIREBUS_FUZZ_CHECK(o.ec == mb::errc::quarantined && o.final_failure);
      if (o.j.id != 0) {
        ++dm.counted.dropped;
        if (o.j.attempt > 0) {
          auto it = dm.pending_retry.find(o.j.id);
          FIREBUS_FUZZ_CHECK(it != dm.pending_retry.end() && it->second == o.j.attempt);
          dm.pending_retry.erase(it);
        } else {
          FIREBUS_FUZZ_CHECK(seen_ids.insert(o.j.id).second);  // queued, never sent
        }
      } else {
        FIREBUS_FUZZ_CHECK(o.j.write_id != 0);  // a write not yet queued
      }
      if (o.j.write_id != 0) {
        auto it = writes.find(o.j.write_id);
        FIREBUS_FUZZ_CHECK(it != writes.end() && !it->second.done && it->second.dev == j.device);
        it->second.done = true;
      }
    }
    switch (e) {
      case expect::ok:
      case expect::final_failure:
        FIREBUS_FUZZ_CHECK(own == 1);
        break;
      case expect::retry:
        FIREBUS_FUZZ_CHECK(own == 0 && out.empty());
        dm.pending_retry[j.id] = j.attempt + 1;
        break;
      case expect::split:
        FIREBUS_FUZZ_CHECK(own == 0 && out.empty());
        break;
      case expect::quarantine:
        // A write that fails into quarantine is reported with the device's other writes.
        FIREBUS_FUZZ_CHECK(own == 1 || (own == 0 && j.write_id != 0));
        break;
    }
    if (j.write_id != 0) {
      // A failed step ends its write; the last answered step ends it too.
      const write_model& w = writes.at(j.write_id);
      if (e != expect::retry) FIREBUS_FUZZ_CHECK(w.done || (!ec && w.next < w.steps.size()));
    }
    FIREBUS_FUZZ_CHECK(s.quarantined(j.device) == dm.quarantined);
    if (e == expect::quarantine) {
      FIREBUS_FUZZ_CHECK(s.quarantine_until(j.device) == now + dm.backoff);
      // Splits learned from timeouts since the last answer are no evidence.
      FIREBUS_FUZZ_CHECK(splits_of(j.device) == dm.confirmed);
      // Nothing of it is left to retry.
      FIREBUS_FUZZ_CHECK(dm.pending_retry.empty());
    }
    const auto splits_after = splits_of(j.device);
    if (e == expect::split) {
      const auto ti = static_cast<std::size_t>(j.read.tbl);
      // One new split; none when the read, queued before a split of a read it overlaps, is cut
      // already (then it is re-read as the current plan reads it).
      bool stale = false;
      for (std::uint32_t x : splits_before[ti]) {
        stale = stale || (x > j.read.req.address && x < end_of(j.read.req));
      }
      FIREBUS_FUZZ_CHECK(splits_after[ti].size() == splits_before[ti].size() + 1 ||
                         (stale && splits_after[ti] == splits_before[ti]));
      for (std::size_t t = 0; t < 4; ++t) {
        if (t != ti) FIREBUS_FUZZ_CHECK(splits_after[t] == splits_before[t]);
      }
      for (std::uint32_t x : splits_after[ti]) {
        if (!std::binary_search(splits_before[ti].begin(), splits_before[ti].end(), x)) {
          FIREBUS_FUZZ_CHECK(x > j.read.req.address && x < end_of(j.read.req));
        }
      }
    } else if (e != expect::quarantine) {
      FIREBUS_FUZZ_CHECK(splits_after == splits_before);
    }
    if (answered) dm.confirmed = splits_after;
    if (e == expect::split || e == expect::quarantine) check_device_plans(j.device);
    if (log) log->push_back(sent_job{now, j, ec, e == expect::split});
  }

  // How the device model answers the job in flight, `lat` after it was sent.
  std::pair<mono_time, std::error_code> model_answer(duration lat) const {
    const mb::job& j = *flight;
    const device_model& dm = devs[j.device];
    const duration timeout = dm.policy.timeout;
    if (dm.dead || covers(j, dm.silent) || lat >= timeout) {
      return {j.deadline, mb::errc::timeout};
    }
    if (covers(j, dm.refused)) return {j.sent + lat, mb::errc::illegal_data_address};
    return {j.sent + lat, {}};
  }

  void reply(duration lat) {
    if (!flight) {
      do_complete(now, {});
      return;
    }
    const auto a = model_answer(lat);
    do_complete(a.first, a.second);
  }

  // A transport: next(), the device answers, sleep until next_deadline(); until `end`.
  void run_until(mono_time end) {
    while (now < end && !out_of_budget()) {
      if (flight) {
        reply(devs[flight->device].latency);
        continue;
      }
      do_next(false);
      if (flight) continue;
      const std::optional<mono_time> d = s.next_deadline();
      if (!d || *d > end) {
        now = end;
        break;
      }
      now = *d;
    }
  }

  void submit(std::uint32_t dev, std::vector<mb::request> st) {
    const bool valid = dev < devs.size() && !st.empty();
    const std::size_t n = st.size();
    const std::uint64_t id = s.submit_write(dev, st);
    if (!valid) {
      FIREBUS_FUZZ_CHECK(id == 0);
      return;
    }
    FIREBUS_FUZZ_CHECK(id > last_write);
    last_write = id;
    write_model w;
    w.dev = dev;
    w.steps = std::move(st);
    FIREBUS_FUZZ_CHECK(w.steps.size() == n);
    writes.emplace(id, std::move(w));
  }

  bool polled(std::uint32_t d) const {
    for (std::size_t c = 0; c < 3; ++c) {
      if (devs[d].policy.period[c].count() > 0 &&
          !s.plan(d, static_cast<mb::poll_priority>(c)).empty()) {
        return true;
      }
    }
    return false;
  }

  // Whether the device has a request to probe with: a read, or a write waiting.
  bool can_probe(std::uint32_t d) const {
    for (std::size_t c = 0; c < 3; ++c) {
      if (!s.plan(d, static_cast<mb::poll_priority>(c)).empty()) return true;
    }
    for (const auto& w : writes) {
      if (w.second.dev == d && !w.second.done) return true;
    }
    return false;
  }

  // Nothing left over from the program: no quarantine (but of a device without reads, until it
  // has a write), retry or write, no polled suspect.
  bool settled() const {
    for (std::uint32_t d = 0; d < devs.size(); ++d) {
      const device_model& m = devs[d];
      if ((m.quarantined && can_probe(d)) || !m.pending_retry.empty() || (m.suspect && polled(d))) {
        return false;
      }
    }
    for (const auto& w : writes) {
      if (!w.second.done) return false;
    }
    return !flight;
  }
};

std::pair<mb::table, std::uint32_t> address_in(const device_model& d, std::uint8_t a) {
  std::vector<const mb::read_item*> all;
  for (const auto& cls : d.items) {
    for (const mb::read_item& it : cls) {
      if (it.count > 0) all.push_back(&it);
    }
  }
  if (all.empty()) return {mb::table::holding_registers, a};
  const mb::read_item& it = *all[a % all.size()];
  const std::uint32_t span = end_of(it) - it.address;
  // Mostly inside the item; sometimes just after it (a gap register).
  const std::uint32_t off = (a & 0x80) != 0 ? span : (a >> 3) % span;
  return {it.tbl, std::min<std::uint32_t>(it.address + off, 0xFFFF)};
}

mb::request write_step(std::uint8_t k, std::uint8_t a) {
  switch (k % 4) {
    case 0:
      return mb::request{mb::function::write_single_register, a, 1, 0, {a}};
    case 1:
      return mb::request{mb::function::write_multiple_registers, a, 2, 0, {1, 2}};
    case 2:
      return mb::request{mb::function::write_single_coil, a, 1, 0, {1}};
    default:
      return mb::request{mb::function::write_multiple_coils, a, 3, 0, {1, 0, 1}};
  }
}

mb::cost_model cost_of(std::uint8_t b) {
  mb::line_timing line;
  line.bits_per_char = (b & 0x08) != 0 ? 10 : 11;
  line.turnaround = duration(turnarounds[(b >> 4) & 7]);
  switch (b % 5) {
    case 0:
      line.baud = 9600;
      return mb::cost_model::rtu(line);
    case 1:
      line.baud = 19200;
      return mb::cost_model::rtu(line);
    case 2:
      line.baud = 115200;
      return mb::cost_model::rtu(line);
    case 3:
      return mb::cost_model::tcp(duration(turnarounds[(b >> 4) & 7] + 200),
                                 (b & 0x80) != 0 ? 960.0 : 1e7);
    default:
      return mb::cost_model{};
  }
}

// --- the final phases ---------------------------------------------------------------------------

// Live devices answer at once; dead ones stay dead.
void dead_phase(harness& h) {
  std::vector<std::uint32_t> dead, live;
  for (std::uint32_t d = 0; d < h.devs.size(); ++d) {
    device_model& dm = h.devs[d];
    if (dm.dead) {
      dead.push_back(d);
    } else {
      live.push_back(d);
      dm.latency = duration(0);
      dm.silent.reset();
    }
  }
  if (dead.empty()) return;
  const auto polled = [&h](std::uint32_t d) { return h.polled(d); };
  duration max_period{0}, dead_timeouts{0}, max_backoff{0}, max_timeout{0};
  duration detect{0};
  for (const device_model& dm : h.devs) {
    for (const duration& p : dm.policy.period) max_period = std::max(max_period, p);
    max_timeout = std::max(max_timeout, dm.policy.timeout);
  }
  for (std::uint32_t d : dead) {
    const device_model& dm = h.devs[d];
    dead_timeouts += dm.policy.timeout;
    max_backoff = std::max(max_backoff, dm.policy.backoff_max);
    detect += dm.policy.quarantine_after *
              (max_period +
               (dm.policy.retries + 1) * (4 * dm.policy.backoff_initial + dm.policy.timeout));
  }
  h.zero_latency = true;
  // Detection: every polled dead device goes into quarantine within its bound.
  mono_time detect_end = h.now + detect + 2 * max_timeout + duration(1);
  for (std::uint32_t d : live) {  // ... and the live ones in quarantine are probed and back
    if (h.devs[d].quarantined) {
      detect_end = std::max(detect_end, h.s.quarantine_until(d) + h.devs[d].backoff + detect +
                                            2 * max_timeout + duration(1));
    }
  }
  for (;;) {
    bool all = true;
    for (std::uint32_t d : dead) all = all && (h.devs[d].quarantined || !polled(d));
    for (std::uint32_t d : live) {
      all = all && !(h.devs[d].suspect && polled(d)) && !(h.devs[d].quarantined && h.can_probe(d));
    }
    if (all || h.out_of_budget()) break;
    FIREBUS_FUZZ_CHECK(h.now < detect_end);
    h.run_until(std::min(detect_end, h.now + duration(100 * ms)));
  }
  if (h.out_of_budget()) return;
  // The window: dead devices cost one timeout per back-off period, live alarm reads stay on time.
  std::vector<sent_job> log;
  h.log = &log;
  const mono_time from = h.now;
  h.run_until(from + std::max(4 * max_backoff, 3 * max_period) + max_timeout);
  h.log = nullptr;
  if (h.out_of_budget()) return;
  std::map<std::uint32_t, std::vector<mono_time>> alarm_reads, dead_sends;
  for (const sent_job& x : log) {
    const device_model& dm = h.devs[x.j.device];
    if (dm.dead) {
      if (x.j.probe) dead_sends[x.j.device].push_back(x.j.sent);
      FIREBUS_FUZZ_CHECK(x.j.probe || !polled(x.j.device));
    } else if (x.j.prio == mb::poll_priority::alarm && x.j.write_id == 0 && !x.j.probe) {
      auto& v = alarm_reads[x.j.device];
      if (v.empty() || v.back() != x.j.sent) v.push_back(x.j.sent);
    }
  }
  for (const auto& [d, times] : dead_sends) {
    const device_model& dm = h.devs[d];
    for (std::size_t i = 1; i < times.size(); ++i) {
      FIREBUS_FUZZ_CHECK(times[i] - times[i - 1] >= dm.policy.backoff_initial + dm.policy.timeout);
    }
  }
  for (const auto& [d, times] : alarm_reads) {
    const duration p = h.devs[d].policy.period[0];
    if (p.count() <= 0) continue;
    for (std::size_t i = 1; i < times.size(); ++i) {
      FIREBUS_FUZZ_CHECK(times[i] - times[i - 1] <= p + dead_timeouts);
    }
  }
  for (std::uint32_t d : live) {
    const duration p = h.devs[d].policy.period[0];
    if (p.count() > 0 && !h.s.plan(d, mb::poll_priority::alarm).empty() &&
        h.now - from >= 2 * (p + dead_timeouts)) {
      FIREBUS_FUZZ_CHECK(alarm_reads.count(d) == 1);
    }
  }
}

// Every device answers at once (refused addresses stay refused).
void revive_phase(harness& h) {
  duration max_period{0}, max_backoff{0}, max_initial{0}, max_timeout{0};
  for (device_model& dm : h.devs) {
    dm.dead = false;
    dm.silent.reset();
    dm.latency = duration(0);
    for (const duration& p : dm.policy.period) max_period = std::max(max_period, p);
    max_backoff = std::max(max_backoff, dm.policy.backoff_max);
    max_initial = std::max(max_initial, dm.policy.backoff_initial);
    max_timeout = std::max(max_timeout, dm.policy.timeout);
  }
  h.zero_latency = true;
  const mono_time settle_end =
      h.now + 2 * max_backoff + 4 * max_initial + 2 * max_period + 2 * max_timeout + duration(1);
  while (!h.settled() && !h.out_of_budget()) {
    FIREBUS_FUZZ_CHECK(h.now < settle_end);
    h.run_until(std::min(settle_end, h.now + duration(100 * ms)));
  }
  if (h.out_of_budget() || max_period.count() == 0) return;
  // One cycle of every class, to learn the splits of addresses refused since its last one.
  h.run_until(h.now + max_period + duration(1));
  if (h.out_of_budget()) return;
  h.check_counters();
  std::vector<sent_job> log;
  h.log = &log;
  const mono_time from = h.now;
  const mono_time to = from + 2 * max_period;
  const std::uint64_t splits = h.s.counters().splits;
  h.run_until(to);
  h.log = nullptr;
  if (h.out_of_budget()) return;
  FIREBUS_FUZZ_CHECK(h.s.counters().splits == splits);  // converged, and remembered
  for (std::uint32_t d = 0; d < h.devs.size(); ++d) {
    FIREBUS_FUZZ_CHECK(!h.s.quarantined(d) || !h.can_probe(d));
    const device_model& dm = h.devs[d];
    for (std::size_t c = 0; c < 3; ++c) {
      const duration p = dm.policy.period[c];
      const auto prio = static_cast<mb::poll_priority>(c);
      if (p.count() <= 0 || h.s.plan(d, prio).empty()) continue;
      std::vector<mono_time> times;
      std::array<std::vector<std::pair<std::uint32_t, std::uint32_t>>, 4> read, failed;
      for (const sent_job& x : log) {
        if (x.j.device != d || x.j.prio != prio || x.j.write_id != 0) continue;
        FIREBUS_FUZZ_CHECK(!x.split);
        if (times.empty() || times.back() != x.j.sent) times.push_back(x.j.sent);
        const auto ti = static_cast<std::size_t>(x.j.read.tbl);
        const std::pair<std::uint32_t, std::uint32_t> span{x.j.read.req.address,
                                                           end_of(x.j.read.req)};
        if (!x.ec) {
          read[ti].push_back(span);
        } else {
          // Only a refused address fails, and only in a read of one item (converged).
          FIREBUS_FUZZ_CHECK(x.ec == mb::errc::illegal_data_address);
          FIREBUS_FUZZ_CHECK(covers(x.j, dm.refused) && x.j.read.boundaries.empty());
          failed[ti].push_back(span);
        }
      }
      // Exactly once per period.
      FIREBUS_FUZZ_CHECK(!times.empty());
      for (std::size_t i = 1; i < times.size(); ++i)
        FIREBUS_FUZZ_CHECK(times[i] - times[i - 1] == p);
      FIREBUS_FUZZ_CHECK(times.front() - from <= p);
      // Every register of every item read, or in the failed read of its refused address.
      for (std::size_t t = 0; t < 4; ++t) {
        std::vector<std::pair<std::uint32_t, std::uint32_t>> all = read[t];
        all.insert(all.end(), failed[t].begin(), failed[t].end());
        read[t] = merge(std::move(all));
      }
      for (const mb::read_item& it : dm.items[c]) {
        if (it.count == 0) continue;
        FIREBUS_FUZZ_CHECK(inside(read[static_cast<std::size_t>(it.tbl)], it.address, end_of(it)));
      }
    }
  }
  h.check_counters();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  input in{data, size};
  const mb::cost_model cost = cost_of(in.u8());
  const std::size_t ndev = 1 + in.u8() % 4u;
  std::vector<device_model> devs(ndev);
  std::vector<std::uint8_t> refused_bytes;
  for (device_model& dm : devs) {
    dm.unit = in.u8();
    const std::uint8_t lim = in.u8();
    dm.limits.max_registers = max_regs[lim & 15];
    dm.limits.max_bits = max_bits_table[lim >> 4];
    dm.limits.read_gaps = (in.u8() & 1) == 0;
    for (std::size_t c = 0; c < 3; ++c) dm.policy.period[c] = duration(periods[in.u8() & 7]);
    const std::uint8_t pol = in.u8();
    dm.policy.timeout = duration(timeouts[pol & 3]);
    dm.policy.retries = ((pol >> 2) & 3) % 3;
    dm.policy.quarantine_after = 1 + ((pol >> 4) & 3) % 3;
    const std::uint8_t bo = in.u8();
    dm.policy.backoff_initial = duration(backoffs[bo & 3]);
    dm.policy.backoff_max = dm.policy.backoff_initial * (std::int64_t{1} << ((bo >> 2) & 3));
    FIREBUS_FUZZ_CHECK(!mb::validate(dm.policy));
    for (std::size_t c = 0; c < 3; ++c) {
      const std::size_t n = in.u8() % 7u;
      for (std::size_t k = 0; k < n; ++k) {
        const std::uint8_t a = in.u8();
        const std::uint8_t b = in.u8();
        mb::read_item it;
        it.tbl = tables[a & 3];
        it.count = counts[(a >> 2) & 15];
        switch (a >> 6) {
          case 0:
            it.address = b;
            break;
          case 1:
            it.address = static_cast<std::uint16_t>(b * 4);
            break;
          case 2:
            it.address = static_cast<std::uint16_t>(0xFF00 + b);
            break;
          default:
            it.address = static_cast<std::uint16_t>(b * 257);
            break;
        }
        dm.items[c].push_back(it);
      }
    }
    refused_bytes.push_back(in.u8());
  }

  // The planner alone.
  std::size_t initial_reads = 0;
  for (std::size_t d = 0; d < ndev; ++d) {
    device_model& dm = devs[d];
    const mb::poll_planner p(cost, dm.limits);
    FIREBUS_FUZZ_CHECK(p.limits().max_registers >= 1 &&
                       p.limits().max_registers <= mb::max_read_registers &&
                       p.limits().max_bits >= 1 && p.limits().max_bits <= mb::max_read_bits);
    std::vector<mb::read_item> all;
    for (const auto& cls : dm.items) {
      const auto plan = p.plan(cls);
      check_plan(p, cls, plan);
      FIREBUS_FUZZ_CHECK(same_plan(plan, p.plan(cls)));
      initial_reads += plan.size();
      all.insert(all.end(), cls.begin(), cls.end());
    }
    check_plan(p, all, p.plan(all));
    if (refused_bytes[d] != 0) {
      dm.refused = address_in(dm, refused_bytes[d]);
      check_split_convergence(p, all, dm.refused->first, dm.refused->second);
    }
  }
  if (initial_reads > max_initial_reads) return 0;

  // The scheduler.
  harness h(cost);
  h.devs = devs;
  for (std::uint32_t d = 0; d < ndev; ++d) {
    const device_model& dm = h.devs[d];
    FIREBUS_FUZZ_CHECK(h.s.add_device(dm.unit, dm.items, dm.limits, dm.policy, h.start) == d);
    h.check_device_plans(d);
  }
  FIREBUS_FUZZ_CHECK(h.s.device_count() == ndev);
  // Calls at one instant with every job answered at once: each read of every cycle (pieces, and
  // one more per split, at most one split per distinct item start), its retries, a probe, the
  // writes' steps; next() and complete() for each.
  std::uint64_t jobs = 3 * max_writes;
  for (std::uint32_t d = 0; d < ndev; ++d) {
    std::size_t starts = 0;
    for (const auto& cls : h.devs[d].items) starts += cls.size();
    for (const auto& cls : h.devs[d].items) {
      jobs += (plan_bound(h.s.planner(d), cls) + 3 * starts + 1) *
              static_cast<std::uint64_t>(1 + h.devs[d].policy.retries);
    }
  }
  h.instant_cap = 2 * jobs + 16;
  FIREBUS_FUZZ_CHECK(!h.s.in_flight());

  for (std::size_t n = 0; n < max_ops && !in.done() && !h.out_of_budget(); ++n) {
    const std::uint8_t b = in.u8();
    switch (static_cast<op_kind>(b % op_count)) {
      case op_step:
        h.now += duration(steps[in.u8() & 15]);
        break;
      case op_next:
        h.do_next();
        break;
      case op_reply:
        h.reply(duration(latencies[in.u8() & 7]));
        break;
      case op_complete: {
        const std::error_code ec = error_of(in.u8());
        const duration lat(latencies[in.u8() & 7]);
        if (!h.flight) {
          h.do_complete(h.now, ec);
        } else if (ec == mb::errc::timeout) {
          h.do_complete(h.flight->deadline, ec);
        } else {
          h.do_complete(std::min(h.flight->sent + lat, h.flight->deadline), ec);
        }
        break;
      }
      case op_run: {
        const std::int64_t len = run_lengths[in.u8() & 7];
        h.run_until(h.now + duration(len));
        break;
      }
      case op_write: {
        const std::uint32_t dev = in.u8() % static_cast<std::uint32_t>(ndev + 1);
        const std::size_t nsteps = in.u8() % 4u;
        std::vector<mb::request> st;
        for (std::size_t k = 0; k < nsteps; ++k) {
          const std::uint8_t kind = in.u8();
          st.push_back(write_step(kind, in.u8()));
        }
        if (h.writes.size() < max_writes) h.submit(dev, std::move(st));
        break;
      }
      case op_die:
        h.devs[in.u8() % ndev].dead = true;
        break;
      case op_revive:
        h.devs[in.u8() % ndev].dead = false;
        break;
      case op_refuse:
      case op_silent: {
        device_model& dm = h.devs[in.u8() % ndev];
        const std::uint8_t a = in.u8();
        auto& target = (b % op_count) == op_refuse ? dm.refused : dm.silent;
        if (a == 0) {
          target.reset();
        } else {
          target = address_in(dm, a);
        }
        break;
      }
      case op_latency: {
        device_model& dm = h.devs[in.u8() % ndev];
        dm.latency = duration(latencies[in.u8() & 7]);
        break;
      }
      case op_deadline: {
        const std::optional<mono_time> d = h.s.next_deadline();
        if (d && *d > h.now) h.now = *d;
        break;
      }
      case op_count:
        break;
    }
    if (n % 16 == 0) h.check_counters();
  }
  h.check_counters();
  // Answer what is in flight, then the final phases.
  h.max_calls = h.calls + final_calls;
  if (h.flight) h.reply(h.devs[h.flight->device].latency);
  dead_phase(h);
  if (h.out_of_budget()) return 0;
  revive_phase(h);
  if (h.out_of_budget()) return 0;
  for (const auto& w : h.writes) FIREBUS_FUZZ_CHECK(w.second.done);
  return 0;
}
