// firebus — fire-safety IoT SDK.
/// @file
/// The bus scheduler: which Modbus request a bus sends next, and what its outcome means.
///
/// A bus — an RS-485 line, or a TCP connection to a device or to a TCP→RTU gateway — carries
/// exactly one request at a time. The scheduler decides which, for all devices of the bus, and
/// is pure: no sockets, threads or clocks. The transport asks next(now) for a request when the
/// bus is idle, sends it, and reports complete(now, ec) when the reply came (ec empty), the
/// device answered an exception, the reply was broken, or the response timeout passed. The
/// same calls with the same times give the same decisions, so every scenario replays exactly.
///
/// @par Polling
/// Each device has read items in three poll classes — alarm-state points, measurements,
/// configuration — each with its own period. When a class falls due, the planner's reads for it
/// join the queue. The queue serves alarm reads first, then measurements, then configuration
/// reads and writes; within a class, first come first served. A class never has two cycles
/// queued: a cycle that is still running when the next falls due is counted as an overrun — one
/// for every period it misses, counted as the periods pass, so a class that higher classes
/// starve (a line too slow for its alarm period) shows at once in `overruns` — and the next
/// cycle starts when it ends.
///
/// @par Failures
/// - A request that times out or gets a broken reply is retried `retries` times, at once
///   unless the device is suspect (below).
/// - A device whose last request timed out is *suspect* until it answers: its requests (the
///   retry, the rest of its cycle) go only when no other device's request is queued and the bus
///   stays idle for the suspect's timeout (no other device's cycle or write falls due before).
///   A device that stops answering thus costs the others its first timeout; the retries and
///   the second failed transaction that put it into quarantine use idle bus time. On a bus
///   that is never idle that long, a suspect's request waits one of the device's poll periods
///   (its shortest; `backoff_initial` at most), then goes whenever nothing else is queued (at
///   the end of the other devices' cycles: it delays one of their reads by its timeout at
///   most), and after four initial back-off periods in any case. So a reply lost to noise on a
///   busy line delays that device's own data by about one period, not more.
/// - A merged read that fails with exception 02 or 03 is split by the device's planner
///   (poll_planner::split()) and its halves are read at once; the split is kept for every
///   later plan. A merged read that still times out after its retries is split the same way
///   (devices that stay silent on an unimplemented register are common), but that split is
///   kept only if the device answers again (a reply or an exception) before it goes into
///   quarantine: a dead device's timeouts are no evidence, and must not fragment its plan.
/// - After `quarantine_after` consecutive failed transactions the device goes into quarantine
///   for `backoff_initial`, doubling up to `backoff_max`: its queued requests are dropped
///   (reported with errc::quarantined), and while in quarantine it is not polled. When the
///   quarantine ends one probe request is sent, without retries: a dead device thus costs at
///   most one timeout per back-off period. An answer ends the quarantine. A write submitted
///   while a device is in quarantine waits for the next probe: it is sent once the device
///   answers, and reported failed (errc::quarantined) when the probe fails. A device without
///   reads (write-only) is probed with the step of its first write, once it has one.
/// - The probe waits for idle bus time in the same way, so that a dead device's probes do not
///   delay the live devices' alarm reads. When the bus has no such gap for
///   one more back-off period, the probe is queued anyway (first read of its most urgent class,
///   behind what is already queued of that class): a busy bus still finds out that a device is
///   back, at worst one back-off period later.
///
/// @par Counters
/// Per device and per bus: requests, replies, timeouts, exceptions, broken or mismatched
/// replies, retries, splits, quarantines, skipped and overrun cycles, a latency histogram and
/// the time the bus was busy, from which utilisation() follows.
///
/// @par Example
/// @code
/// namespace mb = firebus::modbus;
/// mb::scheduler s(mb::cost_model::rtu(mb::line_timing{9600}));
/// mb::device_policy policy;  // 1 s / 10 s / 5 min periods, 1 s timeout, one retry
/// auto dev = s.add_device(3, {alarm_items, measurement_items, config_items}, {}, policy);
/// while (running) {
///   if (auto job = s.next(now)) {
///     send(job->unit, job->read.req);  // ... and when its reply, or its deadline, comes:
///     for (const mb::outcome& o : s.complete(now, ec)) handle(o);
///   }
/// }
/// @endcode
#ifndef FIREBUS_MODBUS_SCHEDULER_HPP
#define FIREBUS_MODBUS_SCHEDULER_HPP

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include <firebus/core/error.hpp>
#include <firebus/core/time.hpp>
#include <firebus/modbus/error.hpp>
#include <firebus/modbus/pdu.hpp>
#include <firebus/modbus/planner.hpp>

namespace firebus {
inline namespace v1 {
namespace modbus {

/// Poll classes, in the order the queue serves them.
enum class poll_priority : std::uint8_t {
  alarm = 0,        ///< alarm-state points
  measurement = 1,  ///< measured values
  config = 2,       ///< configuration reads, and writes
};

/// How a device is polled and when it is given up on.
struct device_policy {
  /// Poll period of each class (alarm, measurement, config). 0 = never polled.
  std::array<duration, 3> period{std::chrono::seconds(1), std::chrono::seconds(10),
                                 std::chrono::minutes(5)};
  duration timeout = std::chrono::seconds(1);  ///< response timeout of one request
  int retries = 1;                             ///< immediate retries after a timeout
  int quarantine_after = 2;                    ///< consecutive failed transactions
  duration backoff_initial = std::chrono::seconds(5);
  duration backoff_max = std::chrono::minutes(5);
};

/// Checks a policy: firebus::errc::invalid_argument for a negative period, a timeout or
/// back-off that is not positive, negative retries, a quarantine threshold below 1, or a
/// maximum back-off below the initial one.
inline std::error_code validate(const device_policy& p) noexcept {
  bool ok = p.timeout > duration::zero() && p.retries >= 0 && p.quarantine_after >= 1 &&
            p.backoff_initial > duration::zero() && p.backoff_max >= p.backoff_initial;
  for (const duration& d : p.period) ok = ok && d >= duration::zero();
  return ok ? std::error_code{} : firebus::make_error_code(firebus::errc::invalid_argument);
}

/// Latency histogram: bucket i counts replies faster than bounds[i] (the last: the rest).
struct latency_histogram {
  static constexpr std::array<std::int64_t, 12> bounds_us{500,     1'000,   2'000,     5'000,
                                                          10'000,  20'000,  50'000,    100'000,
                                                          200'000, 500'000, 1'000'000, INT64_MAX};
  std::array<std::uint64_t, 12> counts{};
  void add(duration d) noexcept {
    std::size_t i = 0;
    while (i + 1 < bounds_us.size() && d.count() >= bounds_us[i]) ++i;
    ++counts[i];
  }
  std::uint64_t total() const noexcept {
    std::uint64_t n = 0;
    for (auto c : counts) n += c;
    return n;
  }
  /// The upper bound (µs) of the bucket holding quantile q (0..1); 0 when empty.
  std::int64_t quantile_bound(double q) const noexcept {
    const std::uint64_t n = total();
    if (n == 0) return 0;
    const auto want = static_cast<std::uint64_t>(q * static_cast<double>(n - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts.size(); ++i) {
      seen += counts[i];
      if (seen >= want) return bounds_us[i];
    }
    return bounds_us.back();
  }
};

/// What happened on a bus or to one device.
struct bus_counters {
  std::uint64_t requests = 0;        ///< requests sent (retries and probes included)
  std::uint64_t replies = 0;         ///< valid replies (not exceptions)
  std::uint64_t exceptions = 0;      ///< exception replies
  std::uint64_t timeouts = 0;        ///< no valid reply within the timeout
  std::uint64_t bad_replies = 0;     ///< broken or mismatched replies (CRC, unit, function ...)
  std::uint64_t other_errors = 0;    ///< disconnections and other transport errors
  std::uint64_t retries = 0;         ///< retries sent
  std::uint64_t splits = 0;          ///< merged reads split after a failure
  std::uint64_t quarantines = 0;     ///< times a device went into quarantine
  std::uint64_t dropped = 0;         ///< queued requests dropped (quarantine)
  std::uint64_t skipped_cycles = 0;  ///< cycles not polled because of quarantine
  std::uint64_t overruns = 0;        ///< cycles still running when the next fell due
  duration busy{0};                  ///< time with a request in flight
  latency_histogram latency;         ///< request to reply
};

/// A request for the transport to send.
struct job {
  std::uint64_t id = 0;      ///< unique per scheduler
  std::uint32_t device = 0;  ///< index given by add_device()
  std::uint8_t unit = 0;     ///< unit id
  poll_priority prio = poll_priority::measurement;
  planned_read read;           ///< the request (for a write: read.req is the write request)
  std::uint64_t write_id = 0;  ///< non-zero: a step of submit_write()
  bool probe = false;          ///< the probe of a device leaving quarantine
  int attempt = 0;             ///< 0 first, then retries
  mono_time sent{};            ///< when next() handed it out
  mono_time deadline{};        ///< sent + the device's timeout
};

/// How a job ended. An empty `ec` means the reply came and is valid.
struct outcome {
  job j;
  std::error_code ec;
  /// True when the points of the read are now without fresh data (a failed read, not retried
  /// or split): the transport marks them failed.
  bool final_failure = false;
};

class scheduler {
 public:
  explicit scheduler(cost_model cost = {}) noexcept : cost_(cost) {}

  /// Adds a device with its read items per class (alarm, measurement, config); returns its
  /// index. The items of a class are planned together by the device's own planner.
  std::uint32_t add_device(std::uint8_t unit, std::array<std::vector<read_item>, 3> items,
                           device_limits limits = {}, device_policy policy = {},
                           mono_time start = mono_time{}) {
    device d;
    d.unit = unit;
    d.items = std::move(items);
    d.planner = poll_planner(cost_, limits);
    d.confirmed = d.planner;
    d.policy = policy;
    for (std::size_t c = 0; c < 3; ++c) {
      d.plans[c] = d.planner.plan(d.items[c]);
      d.next_due[c] = start;
    }
    devices_.push_back(std::move(d));
    wake_.push_back(mono_time::min());
    return static_cast<std::uint32_t>(devices_.size() - 1);
  }

  std::size_t device_count() const noexcept { return devices_.size(); }

  /// The planned reads of a device's class (after the splits learned so far).
  const std::vector<planned_read>& plan(std::uint32_t dev, poll_priority c) const {
    return devices_.at(dev).plans[static_cast<std::size_t>(c)];
  }
  const poll_planner& planner(std::uint32_t dev) const { return devices_.at(dev).planner; }

  /// Queues a write (e.g. profile::codec::encode_write()'s requests, sent in order: a step
  /// that fails cancels the rest) at configuration priority. Returns its id (non-zero).
  /// Returns 0 (nothing queued) for an unknown device or no steps.
  std::uint64_t submit_write(std::uint32_t dev, std::vector<request> steps) {
    if (dev >= devices_.size() || steps.empty()) return 0;
    const std::uint64_t wid = ++last_write_;
    device& d = devices_[dev];
    d.writes.push_back(pending_write{wid, std::move(steps), 0});
    wake_[dev] = mono_time::min();
    return wid;
  }

  /// The next request to send at `now`, or nothing (a request is in flight, or none is due).
  std::optional<job> next(mono_time now) {
    if (in_flight_) return std::nullopt;
    refill(now);
    std::size_t best = pick(now);
    if (best == keys_.size() && probes_waiting_ > 0 && idle_probe(now)) best = pick(now);
    if (best == keys_.size()) return std::nullopt;
    job j = std::move(queue_[best]);
    // The queue's order does not matter (the keys decide): move the last job into the hole.
    if (best + 1 != queue_.size()) {
      queue_[best] = std::move(queue_.back());
      keys_[best] = keys_.back();
    }
    queue_.pop_back();
    keys_.pop_back();
    device& d = devices_[j.device];
    j.sent = now;
    j.deadline = now + d.policy.timeout;
    ++d.counters.requests;
    ++bus_.requests;
    if (j.attempt > 0) {
      ++d.counters.retries;
      ++bus_.retries;
    }
    in_flight_ = j;
    return j;
  }

  /// The job in flight, if any.
  const std::optional<job>& in_flight() const noexcept { return in_flight_; }

  /// When the transport must next call next() or complete() (the in-flight deadline, the
  /// earliest due cycle or quarantine end), or nothing when there is no device.
  std::optional<mono_time> next_deadline() const {
    if (in_flight_) return in_flight_->deadline;
    std::optional<mono_time> t;
    const auto take = [&t](mono_time x) {
      if (!t || x < *t) t = x;
    };
    for (const job& j : queue_) {
      const device& d = devices_[j.device];
      if (gate_of(d, j) != gate::idle) return j.sent;  // due now
      take(j.sent + idle_wait(d));                     // a suspect's: in idle time, or then
    }
    for (const device& d : devices_) {
      if (d.quarantined) {  // its writes wait for it too
        if (!d.probing && can_probe(d)) {
          take(d.probe_waiting ? probe_forced_at(d) : d.quarantine_until);
        }
        continue;
      }
      if (!d.writes.empty() && !d.writing) take(mono_time{});
      for (std::size_t c = 0; c < 3; ++c) {
        if (d.policy.period[c].count() > 0 && !d.plans[c].empty() && d.running[c] == 0) {
          take(d.next_due[c]);
        }
      }
    }
    return t;
  }

  /// Reports how the job in flight ended at `now`: `ec` empty for a valid reply, an exception
  /// code (modbus::errc 1–11), errc::timeout, or a broken or mismatched reply. Returns what the
  /// transport must act on: the job itself (a success, or a final failure), plus the requests
  /// dropped because the device went into quarantine.
  std::vector<outcome> complete(mono_time now, std::error_code ec) {
    std::vector<outcome> out;
    if (!in_flight_) return out;
    job j = std::move(*in_flight_);
    in_flight_.reset();
    device& d = devices_[j.device];
    settle(d);                           // the overruns as of the last refill, before they change
    wake_[j.device] = mono_time::min();  // its cycles, writes or quarantine change below
    const duration took = now > j.sent ? now - j.sent : duration(0);
    d.counters.busy += took;
    bus_.busy += took;

    if (!ec) {
      ++d.counters.replies;
      ++bus_.replies;
      d.counters.latency.add(took);
      bus_.latency.add(took);
      d.failures = 0;
      d.alive = true;
      set_suspect(d, false);
      if (d.quarantined) leave_quarantine(d);
      if (d.unconfirmed) {
        d.confirmed = d.planner;
        d.unconfirmed = false;
      }
      finish_step(d, std::move(j), true, out, ec);
      return out;
    }

    const bool exception = is_exception(ec);
    const bool timed_out = ec == errc::timeout;
    if (exception) {
      ++d.counters.exceptions;
      ++bus_.exceptions;
      d.failures = 0;  // the device answered
      d.alive = true;
      set_suspect(d, false);
      if (d.quarantined) leave_quarantine(d);
      // An answer: the splits learned from its timeouts are evidence now, and so is the split
      // this exception may make (kept through a later quarantine, like after a reply).
      if (d.unconfirmed) {
        d.confirmed = d.planner;
        d.unconfirmed = false;
      }
    } else if (timed_out) {
      ++d.counters.timeouts;
      ++bus_.timeouts;
      set_suspect(d, true);
    } else if (ec == errc::disconnected || ec == errc::cancelled || ec == errc::queue_full) {
      ++d.counters.other_errors;
      ++bus_.other_errors;
    } else {
      ++d.counters.bad_replies;
      ++bus_.bad_replies;
    }

    if (exception) {
      // A merged read the device refuses: split it and read the halves at once.
      if ((ec == errc::illegal_data_address || ec == errc::illegal_data_value) &&
          split_and_requeue(d, j, now, /*confirmed=*/true)) {
        return out;
      }
      finish_step(d, std::move(j), false, out, ec);
      return out;
    }

    // A timeout or a broken reply is retried at once (not a probe's).
    if (!j.probe && j.attempt < d.policy.retries) {
      job again = j;
      ++again.attempt;
      again.sent = now;  // queued now (a suspect's retry waits from now: gate_of())
      enqueue(std::move(again), now, /*front=*/true);
      return out;
    }

    // The transaction failed.
    d.alive = false;
    ++d.failures;
    if (j.probe || d.failures >= d.policy.quarantine_after) {
      enter_quarantine(d, j.device, now, out);
      finish_step(d, std::move(j), false, out, ec);
      return out;
    }
    // A merged read that times out may cover a register the device does not answer for:
    // split it. The split is kept only if the device answers again before its quarantine.
    if (timed_out && split_and_requeue(d, j, now, /*confirmed=*/false)) return out;
    finish_step(d, std::move(j), false, out, ec);
    return out;
  }

  /// The bus's counters, and a device's. A cycle that overruns is counted as of the last
  /// next(), when asked for (these count it then: they change the scheduler, so that they too
  /// must not run concurrently with any other call).
  const bus_counters& counters() const noexcept {
    for (const device& d : devices_) settle(d);
    return bus_;
  }
  const bus_counters& counters(std::uint32_t dev) const {
    const device& d = devices_.at(dev);
    settle(d);
    return d.counters;
  }
  /// Whether a device is in quarantine, and until when.
  bool quarantined(std::uint32_t dev) const { return devices_.at(dev).quarantined; }
  mono_time quarantine_until(std::uint32_t dev) const { return devices_.at(dev).quarantine_until; }

  /// Busy time over `elapsed` (0..1).
  double utilisation(duration elapsed) const noexcept {
    return elapsed.count() <= 0
               ? 0.0
               : static_cast<double>(bus_.busy.count()) / static_cast<double>(elapsed.count());
  }

 private:
  struct pending_write {
    std::uint64_t id;
    std::vector<request> steps;
    std::size_t next;
  };
  struct device {
    std::uint8_t unit = 0;
    std::array<std::vector<read_item>, 3> items;
    std::array<std::vector<planned_read>, 3> plans;
    poll_planner planner;
    poll_planner confirmed;    // the planner as of the last reply
    bool unconfirmed = false;  // splits learned from timeouts since the last reply
    device_policy policy;
    std::array<mono_time, 3> next_due{};
    std::array<std::size_t, 3> running{};  // requests of the class's cycle not yet ended
    // The next missed due time not yet counted (see settle(): counted when looked at).
    mutable std::array<mono_time, 3> overrun_from{};
    std::deque<pending_write> writes;
    bool writing = false;
    int failures = 0;    // consecutive failed transactions
    bool alive = false;  // the last transaction got an answer
    bool quarantined = false;
    bool probing = false;
    bool probe_waiting = false;  // the quarantine is over; its probe waits for idle bus time
    bool suspect = false;        // its last request timed out (and it has not answered since)
    mono_time quarantine_until{};
    duration backoff{0};
    mutable bus_counters counters;
  };
  job make_job(std::uint32_t dev, poll_priority prio, const planned_read& r) {
    job j;
    j.id = ++last_job_;
    j.device = dev;
    j.unit = devices_[dev].unit;
    j.prio = prio;
    j.read = r;
    return j;
  }

  void enqueue(job j, mono_time now, bool front) {
    // Front of its class: sequences from far below every normal one, in order among
    // themselves.
    const std::int64_t seq = front ? INT64_MIN / 2 + static_cast<std::int64_t>(++front_seq_)
                                   : static_cast<std::int64_t>(++seq_);
    if (j.sent == mono_time{}) j.sent = now;
    keys_.emplace_back(static_cast<int>(j.prio), seq);
    queue_.push_back(std::move(j));
  }

  // Starts due cycles and writes. A device is looked at only from its wake_ on: with many
  // devices on a bus, most have a cycle running (its requests queued or in flight), and next()
  // runs for every request.
  void refill(mono_time now) {
    last_refill_ = now;
    for (std::uint32_t i = 0; i < devices_.size(); ++i) {
      if (now < wake_[i]) continue;
      device& d = devices_[i];
      refill(d, i, now);
      wake_[i] = wake_of(d);
    }
  }

  // When refill() next has something to do for `d` (just refilled) unless complete() or
  // submit_write() changes it first. A running cycle's overruns do not wake it: settle()
  // counts them when they are looked at.
  static mono_time wake_of(const device& d) {
    mono_time t = mono_time::max();
    for (std::size_t c = 0; c < 3; ++c) {
      if (d.policy.period[c].count() <= 0 || d.plans[c].empty()) continue;
      if (d.quarantined || d.running[c] == 0) t = std::min(t, d.next_due[c]);
    }
    if (d.quarantined) {
      if (!d.probing && can_probe(d)) {
        t = std::min(t, d.probe_waiting ? probe_forced_at(d) : d.quarantine_until);
      }
    } else if (!d.writing && !d.writes.empty()) {
      t = mono_time::min();
    }
    return t;
  }

  // Counts the overruns of `d`'s running cycles as refill() would have, had it looked at the
  // device at every call: up to the last one (only refill() moves time on, and `d` has not
  // changed since it was last looked at, or this is called first).
  void settle(const device& d) const noexcept {
    if (d.quarantined) return;
    for (std::size_t c = 0; c < 3; ++c) {
      const duration p = d.policy.period[c];
      if (p.count() <= 0 || d.plans[c].empty() || d.running[c] == 0) continue;
      count_overruns(d, c, last_refill_);
    }
  }

  // One overrun per period missed by the running cycle of class c, counted up to `now`.
  void count_overruns(const device& d, std::size_t c, mono_time now) const noexcept {
    const duration p = d.policy.period[c];
    if (now < d.next_due[c]) return;
    if (d.overrun_from[c] < d.next_due[c]) d.overrun_from[c] = d.next_due[c];
    if (d.overrun_from[c] <= now) {
      const auto missed = static_cast<std::uint64_t>((now - d.overrun_from[c]) / p) + 1;
      d.counters.overruns += missed;
      bus_.overruns += missed;
      d.overrun_from[c] += p * static_cast<std::int64_t>(missed);
    }
  }

  void refill(device& d, std::uint32_t i, mono_time now) {
    if (d.quarantined) {
      if (now < d.quarantine_until || d.probing) {
        // Cycles falling due meanwhile are skipped.
        for (std::size_t c = 0; c < 3; ++c) {
          const duration p = d.policy.period[c];
          if (p.count() <= 0 || d.plans[c].empty()) continue;
          if (d.next_due[c] <= now) {
            const auto missed = static_cast<std::uint64_t>((now - d.next_due[c]) / p) + 1;
            d.counters.skipped_cycles += missed;
            bus_.skipped_cycles += missed;
            d.next_due[c] += p * static_cast<std::int64_t>(missed);
          }
        }
        return;
      }
      // The quarantine is over: the probe waits for idle bus time (next()), for one more
      // back-off period at most, then it is queued. A device with nothing to probe with (no
      // read, no write waiting) waits for a write.
      if (!can_probe(d)) {
        set_probe_waiting(d, false);
        return;
      }
      if (now < probe_forced_at(d)) {
        set_probe_waiting(d, true);
        return;
      }
      start_probe(d, i, now);
      return;
    }
    for (std::size_t c = 0; c < 3; ++c) {
      const duration p = d.policy.period[c];
      if (p.count() <= 0 || d.plans[c].empty() || now < d.next_due[c]) continue;
      if (d.running[c] != 0) {
        // Still running at its due time: one overrun per period missed, counted now (a
        // starved cycle may never end; settle() counts them between).
        count_overruns(d, c, now);
        continue;
      }
      d.next_due[c] = std::max(d.next_due[c] + p, now);
      if (d.next_due[c] <= now) d.next_due[c] = now + p;
      d.running[c] = d.plans[c].size();
      for (const planned_read& r : d.plans[c]) {
        enqueue(make_job(i, static_cast<poll_priority>(c), r), now, false);
      }
    }
    if (!d.writing && !d.writes.empty()) enqueue(make_write_job(d, i), now, false);
  }

  // The job of the next step of `d`'s first write (there is one), which is now under way.
  job make_write_job(device& d, std::uint32_t i) {
    const pending_write& w = d.writes.front();
    job j;
    j.id = ++last_job_;
    j.device = i;
    j.unit = d.unit;
    j.prio = poll_priority::config;
    j.write_id = w.id;
    j.read.req = w.steps[w.next];
    d.writing = true;
    return j;
  }

  void finish_cycle_step(device& d, std::size_t cls) {
    if (d.running[cls] > 0) --d.running[cls];
  }

  // A job ended for good (success or final failure); it goes into `out`.
  void finish_step(device& d, job&& j, bool ok, std::vector<outcome>& out, std::error_code ec) {
    if (j.write_id != 0) {
      d.writing = false;
      if (!d.writes.empty() && d.writes.front().id == j.write_id) {
        pending_write& w = d.writes.front();
        ++w.next;
        const bool done = !ok || w.next >= w.steps.size();
        out.push_back(outcome{std::move(j), ec, !ok});
        if (done) d.writes.pop_front();
      }
      return;
    }
    const auto cls = static_cast<std::size_t>(j.prio);
    finish_cycle_step(d, cls);
    if (j.probe) d.probing = false;
    // Ended after its successor fell due, and refill() has not counted that yet.
    if (d.running[cls] == 0 && d.next_due[cls] <= j.sent &&
        d.overrun_from[cls] <= d.next_due[cls]) {
      ++d.counters.overruns;
      ++bus_.overruns;
      d.overrun_from[cls] = d.next_due[cls] + d.policy.period[cls];
    }
    out.push_back(outcome{std::move(j), ec, !ok});
  }

  void replan(device& d) {
    for (std::size_t c = 0; c < 3; ++c) d.plans[c] = d.planner.plan(d.items[c]);
  }

  // Splits the failed merged read `j` and queues the new reads that overlap its range at the
  // front of its class; false when it cannot be split (one item, or a write).
  bool split_and_requeue(device& d, const job& j, mono_time now, bool confirmed) {
    if (j.write_id != 0 || j.read.boundaries.empty() || !d.planner.split(j.read)) return false;
    ++d.counters.splits;
    ++bus_.splits;
    if (confirmed && !d.unconfirmed) {
      d.confirmed = d.planner;
    } else {
      d.unconfirmed = true;
    }
    replan(d);
    const auto cls = static_cast<std::size_t>(j.prio);
    const std::uint32_t b = j.read.req.address;
    const std::uint32_t e = b + j.read.req.quantity;
    // Every new read that overlaps the failed one: the new plan may move an item of the failed
    // read into a read that starts before it or ends after it (the cut frees room there), and
    // that item must still be read in this cycle, not one period late.
    for (const planned_read& r : d.plans[cls]) {
      if (r.tbl == j.read.tbl && r.req.address < e && r.req.address + r.req.quantity > b) {
        ++d.running[cls];
        enqueue(make_job(j.device, j.prio, r), now, /*front=*/true);
      }
    }
    finish_cycle_step(d, cls);
    return true;
  }

  void enter_quarantine(device& d, std::uint32_t dev, mono_time now, std::vector<outcome>& out) {
    if (d.unconfirmed) {  // splits learned from a device that then died: not evidence
      d.planner = d.confirmed;
      d.unconfirmed = false;
      replan(d);
    }
    if (!d.quarantined) {
      d.quarantined = true;
      d.backoff = d.policy.backoff_initial;
      ++d.counters.quarantines;
      ++bus_.quarantines;
    } else {
      d.backoff = std::min(d.backoff * 2, d.policy.backoff_max);
    }
    d.probing = false;
    set_probe_waiting(d, false);
    d.quarantine_until = now + d.backoff;
    // Drop what the device has queued: its points get no fresh data.
    for (std::size_t i = 0; i < queue_.size();) {
      if (queue_[i].device == dev) {
        job dropped = std::move(queue_[i]);
        queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
        keys_.erase(keys_.begin() + static_cast<std::ptrdiff_t>(i));
        ++d.counters.dropped;
        ++bus_.dropped;
        if (dropped.write_id != 0) {
          d.writing = false;
          if (!d.writes.empty()) d.writes.pop_front();
        } else {
          finish_cycle_step(d, static_cast<std::size_t>(dropped.prio));
        }
        out.push_back(outcome{std::move(dropped), make_error_code(errc::quarantined), true});
      } else {
        ++i;
      }
    }
    // Writes not yet queued fail too: an operator must not believe them pending.
    while (!d.writes.empty()) {
      job w;
      w.device = dev;
      w.unit = d.unit;
      w.prio = poll_priority::config;
      w.write_id = d.writes.front().id;
      d.writes.pop_front();
      out.push_back(outcome{std::move(w), make_error_code(errc::quarantined), true});
    }
  }

  void leave_quarantine(device& d) {
    d.quarantined = false;
    d.probing = false;
    set_probe_waiting(d, false);
    d.backoff = duration(0);
  }

  // Sets a device's flag and keeps the count of devices that have it.
  static void set_counted(bool& flag, bool value, std::size_t& count) {
    if (flag == value) return;
    flag = value;
    if (value) {
      ++count;
    } else {
      --count;
    }
  }
  void set_suspect(device& d, bool suspect) { set_counted(d.suspect, suspect, suspects_); }

  // When a probe that found no idle bus time is queued anyway.
  static mono_time probe_forced_at(const device& d) { return d.quarantine_until + d.backoff; }

  void set_probe_waiting(device& d, bool waiting) {
    set_counted(d.probe_waiting, waiting, probes_waiting_);
  }

  // Whether `d` has a request to probe with: a read, or else a write waiting.
  static bool can_probe(const device& d) {
    for (const auto& p : d.plans) {
      if (!p.empty()) return true;
    }
    return !d.writes.empty();
  }

  // Queues the probe of `d`: the first read of its most urgent class, without retries; for a
  // device without reads (write-only), the step of its first write. Without it such a device
  // would stay in quarantine for ever, its writes never sent nor failed, and next_deadline()
  // in the past (a transport spinning).
  void start_probe(device& d, std::uint32_t i, mono_time now) {
    set_probe_waiting(d, false);
    if (!can_probe(d)) return;
    for (std::size_t c = 0; c < 3; ++c) {
      if (!d.plans[c].empty()) {
        job j = make_job(i, static_cast<poll_priority>(c), d.plans[c].front());
        j.probe = true;
        d.probing = true;
        ++d.running[c];
        enqueue(std::move(j), now, false);
        return;
      }
    }
    job j = make_write_job(d, i);
    j.probe = true;
    d.probing = true;
    enqueue(std::move(j), now, false);
  }

  // How a queued job may go: `free` like any other; a suspect device's request (not a probe:
  // probes are queued only in idle time or when forced) `idle` only when no free job is queued
  // and the bus stays idle for its timeout, `last` when no free job is queued. A suspect's job
  // is `idle` for idle_wait() after it was queued, then `last` until four initial back-off
  // periods have passed, then free: a bus that is never idle still finds out whether the device
  // is back.
  enum class gate { free, last, idle };
  gate gate_of(const device& d, const job& j) const {
    if (!d.suspect || j.probe) return gate::free;
    const duration waited = last_refill_ - j.sent;
    if (waited < idle_wait(d)) return gate::idle;
    return waited < 4 * d.policy.backoff_initial ? gate::last : gate::free;
  }

  // How long a suspect's request waits for idle bus time: the device's shortest poll period
  // (its next cycle would be due then anyway), `backoff_initial` at most.
  static duration idle_wait(const device& d) {
    duration w = d.policy.backoff_initial;
    for (std::size_t c = 0; c < 3; ++c) {
      const duration p = d.policy.period[c];
      if (p.count() > 0 && !d.plans[c].empty()) w = std::min(w, p);
    }
    return w;
  }

  // Whether the bus stays idle from `now` for `t`: no device that answers has a cycle or a
  // write falling due before (refill() has just run, so wake_ is current).
  bool idle_for(mono_time now, duration t) const {
    mono_time busy_at = mono_time::max();
    for (std::uint32_t i = 0; i < devices_.size(); ++i) {
      const device& d = devices_[i];
      if (!d.quarantined && !d.suspect) busy_at = std::min(busy_at, wake_[i]);
    }
    return busy_at > now && (busy_at == mono_time::max() || busy_at - now >= t);
  }

  // The queued job to send at `now` (keys_.size() for none): the highest class, then the
  // oldest, of the free ones (gate_of()); else of the suspects' that may go.
  std::size_t pick(mono_time now) const {
    const std::size_t none = keys_.size();
    std::size_t best = none;
    std::size_t best_last = none;
    std::size_t best_idle = none;
    const auto better = [this](std::size_t i, std::size_t than) {
      return than == keys_.size() || keys_[i] < keys_[than];
    };
    if (suspects_ == 0) {  // every job is free: the keys alone decide (the common case)
      for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (better(i, best)) best = i;
      }
      return best;
    }
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      switch (gate_of(devices_[queue_[i].device], queue_[i])) {
        case gate::free:
          if (better(i, best)) best = i;
          break;
        case gate::last:
          if (better(i, best_last)) best_last = i;
          break;
        case gate::idle:
          if (better(i, best_idle)) best_idle = i;
          break;
      }
    }
    if (best != none) return best;
    if (best_last != none) return best_last;
    if (best_idle == none) return none;
    const device& d = devices_[queue_[best_idle].device];
    return idle_for(now, d.policy.timeout) ? best_idle : none;
  }

  // Nothing can be sent: queues the probe of the device whose quarantine ended first if the
  // bus stays idle for the probe's timeout. True when it did.
  bool idle_probe(mono_time now) {
    std::uint32_t best = 0;
    bool found = false;
    for (std::uint32_t i = 0; i < devices_.size(); ++i) {
      const device& d = devices_[i];
      if (d.quarantined && d.probe_waiting &&
          (!found || d.quarantine_until < devices_[best].quarantine_until)) {
        best = i;
        found = true;
      }
    }
    if (!found || !idle_for(now, devices_[best].policy.timeout)) return false;
    start_probe(devices_[best], best, now);
    wake_[best] = mono_time::min();
    return true;
  }

  cost_model cost_;
  std::vector<device> devices_;
  // The queued jobs, and their keys (class, sequence) at the same index: the lowest goes next.
  std::vector<job> queue_;
  std::vector<std::pair<int, std::int64_t>> keys_;
  std::vector<mono_time> wake_;  // by device: refill() has nothing to do for it before
  mono_time last_refill_ = mono_time::min();
  std::optional<job> in_flight_;
  mutable bus_counters bus_;  // and the devices' counters: settle() counts overruns late
  std::uint64_t last_job_ = 0;
  std::uint64_t last_write_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t front_seq_ = 0;
  std::size_t probes_waiting_ = 0;  // devices whose probe waits for idle bus time
  std::size_t suspects_ = 0;        // suspect devices (their jobs may have to wait)
};

}  // namespace modbus
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_MODBUS_SCHEDULER_HPP
