// firebus — fire-safety IoT SDK.
/// @file
/// Per-source sequence numbers: firebus::event_sequencer numbers what a source produces,
/// firebus::sequence_tracker tells a receiver what it lost and what it got twice.
///
/// A source numbers its events 1, 2, 3, ... without gaps; the number survives restarts only if
/// the source persists firebus::event_sequencer::next() and passes it back to the constructor
/// (the sequencer keeps nothing itself; the store-and-forward journal numbers and persists its
/// messages' `seq` per lane in the same way). Delivery is at least once,
/// so a receiver sees duplicates after a retransmission and gaps when something was lost; the
/// tracker classifies every number it observes, in bounded memory.
///
/// @par Example
/// @code
/// firebus::event_sequencer seq("gw-0001");
/// firebus::event a, b;
/// seq.stamp(a);                        // a.source_id == "gw-0001", a.seq == 1
/// seq.stamp(b);                        // b.seq == 2
///
/// firebus::sequence_tracker rx;
/// rx.observe(1).verdict;               // sequence_verdict::first
/// auto r = rx.observe(4);              // sequence_verdict::gap, r.missing == 2 (2 and 3)
/// rx.observe(2).verdict;               // sequence_verdict::late: a missing one arrived
/// rx.observe(4).verdict;               // sequence_verdict::duplicate
/// rx.missing();                        // 1 (number 3)
/// @endcode
#ifndef FIREBUS_CORE_SEQUENCE_HPP
#define FIREBUS_CORE_SEQUENCE_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <firebus/core/config.hpp>
#include <firebus/core/event.hpp>

namespace firebus {
inline namespace v1 {

/// Stamps events with a source id and consecutive sequence numbers starting at `next_seq`.
class event_sequencer {
 public:
  /// `next_seq` is the number the first stamped event gets: 1 for a new source, the persisted
  /// value of next() after a restart. 0 is not a valid sequence number and is taken as 1.
  explicit event_sequencer(std::string source_id, std::uint64_t next_seq = 1)
      : source_id_(std::move(source_id)), next_(next_seq == 0 ? 1 : next_seq) {}

  /// Sets `e.source_id` and `e.seq`, and advances. Returns the number given.
  std::uint64_t stamp(event& e) {
    e.source_id = source_id_;
    e.seq = take();
    return e.seq;
  }
  /// Takes the next number without an event (for messages that are not events).
  std::uint64_t take() noexcept {
    const std::uint64_t n = next_;
    // 2^64 - 1 events cannot happen (584 years at 1e9/s); still, never hand out 0.
    next_ = next_ == UINT64_MAX ? 1 : next_ + 1;
    return n;
  }
  /// The number the next event will get: persist it to resume after a restart.
  std::uint64_t next() const noexcept { return next_; }
  const std::string& source_id() const noexcept { return source_id_; }

 private:
  std::string source_id_;
  std::uint64_t next_;
};

/// How an observed sequence number relates to those seen before.
enum class sequence_verdict : std::uint8_t {
  first,      ///< the first number seen from this source
  in_order,   ///< exactly one more than the highest seen
  gap,        ///< more than one above the highest seen: `missing` numbers were skipped
  late,       ///< below the highest seen, and one of the missing numbers: now received
  duplicate,  ///< seen before (or below the first number seen, or forgotten as missing)
  invalid,    ///< 0, which no source sends
};

/// The result of sequence_tracker::observe.
struct sequence_result {
  sequence_verdict verdict = sequence_verdict::invalid;
  std::uint64_t missing = 0;  ///< for `gap`: how many numbers were skipped
};

/// Tracks one source's sequence numbers at a receiver, in bounded memory: it remembers at most
/// `max_gaps` ranges of missing numbers. When more gaps open, the oldest range is given up: its
/// numbers stay counted in missing() and lost(), and if they arrive after all they are reported
/// as `duplicate` (the receiver may have to accept a rare duplicate, never a silent loss).
class sequence_tracker {
 public:
  static constexpr std::size_t default_max_gaps = 64;

  explicit sequence_tracker(std::size_t max_gaps = default_max_gaps)
      : max_gaps_(max_gaps == 0 ? 1 : max_gaps) {
    // Capped: a huge bound ("never forget") must not allocate, or throw, up front.
    gaps_.reserve((std::min)(max_gaps_, default_max_gaps) + 1);
  }

  /// Classifies `seq` and updates the counters.
  sequence_result observe(std::uint64_t seq) {
    if (seq == 0) return {sequence_verdict::invalid, 0};
    if (!started_) {
      started_ = true;
      highest_ = seq;
      ++received_;
      return {sequence_verdict::first, 0};
    }
    if (seq == highest_ + 1) {
      highest_ = seq;
      ++received_;
      return {sequence_verdict::in_order, 0};
    }
    if (seq > highest_) {
      const std::uint64_t skipped = seq - highest_ - 1;
      gaps_.emplace_back(highest_ + 1, seq - 1);
      if (gaps_.size() > max_gaps_) forget_oldest();
      missing_ += skipped;
      highest_ = seq;
      ++received_;
      return {sequence_verdict::gap, skipped};
    }
    for (std::size_t i = 0; i < gaps_.size(); ++i) {
      auto& [lo, hi] = gaps_[i];
      if (seq < lo || seq > hi) continue;
      if (lo == hi) {
        gaps_.erase(gaps_.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (seq == lo) {
        ++lo;
      } else if (seq == hi) {
        --hi;
      } else {
        const std::uint64_t old_hi = hi;
        hi = seq - 1;
        gaps_.insert(gaps_.begin() + static_cast<std::ptrdiff_t>(i) + 1, {seq + 1, old_hi});
        if (gaps_.size() > max_gaps_) forget_oldest();
      }
      --missing_;
      ++received_;
      return {sequence_verdict::late, 0};
    }
    ++duplicates_;
    return {sequence_verdict::duplicate, 0};
  }

  /// Forgets everything, e.g. when the source announces that it starts numbering afresh.
  void reset() noexcept {
    started_ = false;
    highest_ = received_ = duplicates_ = missing_ = lost_ = 0;
    gaps_.clear();
  }

  bool started() const noexcept { return started_; }
  /// The highest number seen (0 before the first).
  std::uint64_t highest() const noexcept { return highest_; }
  /// Distinct numbers received.
  std::uint64_t received() const noexcept { return received_; }
  /// Numbers received more than once.
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  /// Numbers skipped and not (yet) received, including those given up.
  std::uint64_t missing() const noexcept { return missing_; }
  /// Of missing(), the numbers given up because too many gaps were open.
  std::uint64_t lost() const noexcept { return lost_; }
  /// The ranges [first, last] of missing numbers still awaited, oldest first.
  const std::vector<std::pair<std::uint64_t, std::uint64_t>>& gaps() const noexcept {
    return gaps_;
  }

 private:
  void forget_oldest() {
    lost_ += gaps_.front().second - gaps_.front().first + 1;
    gaps_.erase(gaps_.begin());
  }

  std::size_t max_gaps_;
  bool started_ = false;
  std::uint64_t highest_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t missing_ = 0;
  std::uint64_t lost_ = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> gaps_;
};

}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_CORE_SEQUENCE_HPP
