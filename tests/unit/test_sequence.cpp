// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/sequence.hpp>: event_sequencer and sequence_tracker.
#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/core/sequence.hpp>

namespace {

using firebus::event_sequencer;
using firebus::sequence_tracker;
using firebus::sequence_verdict;

using gap_list = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

std::uint64_t awaited(const sequence_tracker& t) {
  std::uint64_t n = 0;
  for (const auto& g : t.gaps()) n += g.second - g.first + 1;
  return n;
}

// missing() counts both the numbers still awaited and those given up.
void check_invariants(const sequence_tracker& t) {
  CHECK(t.missing() == awaited(t) + t.lost());
  std::uint64_t prev_hi = 0;
  for (const auto& g : t.gaps()) {
    CHECK(g.first <= g.second);
    CHECK(g.first > prev_hi);  // sorted and disjoint
    CHECK(g.second < t.highest());
    prev_hi = g.second;
  }
}

// A tracker that never forgets, as plainly as possible.
struct reference_tracker {
  bool started = false;
  std::uint64_t first = 0;
  std::uint64_t highest = 0;
  std::set<std::uint64_t> received;
  std::uint64_t duplicates = 0;
  std::uint64_t skipped = 0;

  firebus::sequence_result observe(std::uint64_t seq) {
    if (seq == 0) return {sequence_verdict::invalid, 0};
    if (!started) {
      started = true;
      first = highest = seq;
      received.insert(seq);
      return {sequence_verdict::first, 0};
    }
    if (seq > highest) {
      const std::uint64_t gap = seq - highest - 1;
      skipped += gap;
      highest = seq;
      received.insert(seq);
      return {gap == 0 ? sequence_verdict::in_order : sequence_verdict::gap, gap};
    }
    if (seq < first || received.count(seq) != 0) {
      ++duplicates;
      return {sequence_verdict::duplicate, 0};
    }
    received.insert(seq);
    return {sequence_verdict::late, 0};
  }
  std::uint64_t missing() const { return highest - first + 1 - (received.size()); }
};

}  // namespace

TEST_CASE("event_sequencer numbers events from 1 and stamps the source id") {
  event_sequencer seq("gw-0001");
  CHECK(seq.source_id() == "gw-0001");
  CHECK(seq.next() == 1);
  firebus::event a, b, c;
  CHECK(seq.stamp(a) == 1);
  CHECK(seq.stamp(b) == 2);
  CHECK(a.source_id == "gw-0001");
  CHECK(a.seq == 1);
  CHECK(b.source_id == "gw-0001");
  CHECK(b.seq == 2);
  CHECK(seq.take() == 3);  // a message that is not an event uses up a number too
  CHECK(seq.stamp(c) == 4);
  CHECK(c.seq == 4);
  CHECK(seq.next() == 5);
  // Restamping overwrites what the event held.
  c.source_id = "other";
  seq.stamp(c);
  CHECK(c.source_id == "gw-0001");
  CHECK(c.seq == 5);
}

TEST_CASE("event_sequencer resumes from a persisted next() and never hands out 0") {
  event_sequencer resumed("gw", 1000);
  CHECK(resumed.next() == 1000);
  CHECK(resumed.take() == 1000);
  CHECK(resumed.next() == 1001);

  event_sequencer zero("gw", 0);
  CHECK(zero.next() == 1);
  CHECK(zero.take() == 1);

  event_sequencer last("gw", UINT64_MAX);
  CHECK(last.take() == UINT64_MAX);
  CHECK(last.next() == 1);
  CHECK(last.take() == 1);
}

TEST_CASE("sequence_tracker: first, in_order, gap, late, duplicate, invalid") {
  sequence_tracker rx;
  CHECK_FALSE(rx.started());
  CHECK(rx.highest() == 0);
  CHECK(rx.observe(0).verdict == sequence_verdict::invalid);
  CHECK_FALSE(rx.started());

  auto r = rx.observe(1);
  CHECK(r.verdict == sequence_verdict::first);
  CHECK(r.missing == 0);
  CHECK(rx.started());
  CHECK(rx.observe(2).verdict == sequence_verdict::in_order);
  r = rx.observe(5);
  CHECK(r.verdict == sequence_verdict::gap);
  CHECK(r.missing == 2);
  CHECK(rx.highest() == 5);
  CHECK(rx.missing() == 2);
  CHECK(rx.gaps() == gap_list{{3, 4}});
  CHECK(rx.observe(3).verdict == sequence_verdict::late);
  CHECK(rx.missing() == 1);
  CHECK(rx.gaps() == gap_list{{4, 4}});
  CHECK(rx.observe(3).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(5).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(1).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(4).verdict == sequence_verdict::late);
  CHECK(rx.gaps().empty());
  CHECK(rx.missing() == 0);
  CHECK(rx.observe(0).verdict == sequence_verdict::invalid);
  CHECK(rx.observe(6).verdict == sequence_verdict::in_order);

  CHECK(rx.received() == 6);
  CHECK(rx.duplicates() == 3);
  CHECK(rx.lost() == 0);
  CHECK(rx.highest() == 6);
  check_invariants(rx);
}

TEST_CASE("sequence_tracker: the first number need not be 1; lower numbers are duplicates") {
  sequence_tracker rx;
  CHECK(rx.observe(1000).verdict == sequence_verdict::first);
  CHECK(rx.observe(999).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(1).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(1001).verdict == sequence_verdict::in_order);
  CHECK(rx.missing() == 0);
  CHECK(rx.duplicates() == 2);
  CHECK(rx.received() == 2);
}

TEST_CASE("sequence_tracker: a late number splits a gap") {
  sequence_tracker rx;
  rx.observe(1);
  CHECK(rx.observe(11).missing == 9);
  CHECK(rx.gaps() == gap_list{{2, 10}});
  CHECK(rx.observe(6).verdict == sequence_verdict::late);  // middle
  CHECK(rx.gaps() == gap_list{{2, 5}, {7, 10}});
  CHECK(rx.observe(2).verdict == sequence_verdict::late);  // low end
  CHECK(rx.gaps() == gap_list{{3, 5}, {7, 10}});
  CHECK(rx.observe(10).verdict == sequence_verdict::late);  // high end
  CHECK(rx.gaps() == gap_list{{3, 5}, {7, 9}});
  CHECK(rx.observe(4).verdict == sequence_verdict::late);
  CHECK(rx.gaps() == gap_list{{3, 3}, {5, 5}, {7, 9}});
  CHECK(rx.observe(5).verdict == sequence_verdict::late);  // single-number gap: removed
  CHECK(rx.gaps() == gap_list{{3, 3}, {7, 9}});
  CHECK(rx.observe(6).verdict == sequence_verdict::duplicate);
  CHECK(rx.missing() == 4);
  CHECK(rx.received() == 7);
  check_invariants(rx);
}

TEST_CASE("sequence_tracker: at most max_gaps ranges; older ones are given up and counted lost") {
  sequence_tracker rx(3);
  rx.observe(1);
  // Open five gaps: {2}, {4}, {6}, {8}, {10..11}.
  for (std::uint64_t s : {3u, 5u, 7u, 9u}) CHECK(rx.observe(s).verdict == sequence_verdict::gap);
  CHECK(rx.observe(12).missing == 2);
  CHECK(rx.gaps().size() == 3);
  CHECK(rx.gaps() == gap_list{{6, 6}, {8, 8}, {10, 11}});
  CHECK(rx.lost() == 2);  // 2 and 4 given up
  CHECK(rx.missing() == 6);
  check_invariants(rx);

  // A number that was given up arrives: reported as duplicate, never as a silent late arrival.
  CHECK(rx.observe(2).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(4).verdict == sequence_verdict::duplicate);
  CHECK(rx.duplicates() == 2);
  CHECK(rx.lost() == 2);
  CHECK(rx.missing() == 6);
  // One still awaited is late.
  CHECK(rx.observe(8).verdict == sequence_verdict::late);
  CHECK(rx.gaps() == gap_list{{6, 6}, {10, 11}});
  CHECK(rx.missing() == 5);
  check_invariants(rx);
}

TEST_CASE("sequence_tracker: splitting a gap at the bound gives up the oldest range") {
  sequence_tracker rx(2);
  rx.observe(1);
  rx.observe(10);  // gap 2..9
  rx.observe(20);  // gap 11..19
  CHECK(rx.gaps().size() == 2);
  CHECK(rx.observe(5).verdict == sequence_verdict::late);  // would make 3 ranges
  CHECK(rx.gaps().size() == 2);
  CHECK(rx.gaps() == gap_list{{6, 9}, {11, 19}});
  CHECK(rx.lost() == 3);  // 2, 3, 4
  CHECK(rx.missing() == 3 + 4 + 9);
  CHECK(rx.observe(3).verdict == sequence_verdict::duplicate);
  check_invariants(rx);
}

TEST_CASE("sequence_tracker: memory stays bounded under many gaps") {
  for (std::size_t bound : {std::size_t{1}, std::size_t{4}, std::size_t{64}}) {
    CAPTURE(bound);
    sequence_tracker rx(bound);
    rx.observe(1);
    std::uint64_t s = 1;
    std::uint64_t skipped = 0;
    for (int i = 0; i < 10'000; ++i) {
      const std::uint64_t gap = 1 + static_cast<std::uint64_t>(i % 3);
      s += gap + 1;
      skipped += gap;
      REQUIRE(rx.observe(s).verdict == sequence_verdict::gap);
      REQUIRE(rx.gaps().size() <= bound);
    }
    CHECK(rx.gaps().size() == bound);
    CHECK(rx.missing() == skipped);
    CHECK(rx.lost() == skipped - awaited(rx));
    CHECK(rx.lost() > 0);
    check_invariants(rx);
    // Splitting the remembered gaps in the middle keeps the bound too.
    const gap_list now = rx.gaps();
    for (const auto& g : now) {
      if (g.second - g.first >= 2) rx.observe(g.first + 1);
      REQUIRE(rx.gaps().size() <= bound);
    }
    check_invariants(rx);
  }
  // A bound of 0 is taken as 1.
  sequence_tracker one(0);
  one.observe(1);
  one.observe(3);
  one.observe(5);
  CHECK(one.gaps() == gap_list{{4, 4}});
  CHECK(one.lost() == 1);
}

TEST_CASE("sequence_tracker: a huge bound does not allocate up front") {
  // "Never forget" configurations must be constructible.
  sequence_tracker rx(std::size_t{1} << 40);
  rx.observe(1);
  rx.observe(3);
  CHECK(rx.gaps() == gap_list{{2, 2}});
  sequence_tracker max(SIZE_MAX);
  max.observe(1);
  max.observe(4);
  max.observe(9);
  CHECK(max.gaps().size() == 2);
  CHECK(max.lost() == 0);
}

TEST_CASE("sequence_tracker: numbers near 2^64") {
  sequence_tracker rx;
  rx.observe(UINT64_MAX - 3);
  auto r = rx.observe(UINT64_MAX);
  CHECK(r.verdict == sequence_verdict::gap);
  CHECK(r.missing == 2);
  CHECK(rx.gaps() == gap_list{{UINT64_MAX - 2, UINT64_MAX - 1}});
  CHECK(rx.observe(UINT64_MAX).verdict == sequence_verdict::duplicate);
  CHECK(rx.observe(UINT64_MAX - 1).verdict == sequence_verdict::late);
  CHECK(rx.missing() == 1);
  CHECK(rx.gaps() == gap_list{{UINT64_MAX - 2, UINT64_MAX - 2}});

  sequence_tracker big;
  big.observe(1);
  CHECK(big.observe(UINT64_MAX).missing == UINT64_MAX - 2);
  CHECK(big.missing() == UINT64_MAX - 2);
}

TEST_CASE("sequence_tracker: reset() forgets everything") {
  sequence_tracker rx(1);
  rx.observe(5);
  rx.observe(7);
  rx.observe(9);
  rx.observe(9);
  REQUIRE(rx.lost() == 1);
  rx.reset();
  CHECK_FALSE(rx.started());
  CHECK(rx.highest() == 0);
  CHECK(rx.received() == 0);
  CHECK(rx.duplicates() == 0);
  CHECK(rx.missing() == 0);
  CHECK(rx.lost() == 0);
  CHECK(rx.gaps().empty());
  // Numbering afresh: 1 is a first again, not a duplicate.
  CHECK(rx.observe(1).verdict == sequence_verdict::first);
  CHECK(rx.observe(2).verdict == sequence_verdict::in_order);
}

TEST_CASE("sequence_tracker matches a reference model on random traffic") {
  std::mt19937 rng(26875);
  for (int run = 0; run < 20; ++run) {
    CAPTURE(run);
    sequence_tracker rx(100'000);  // never reached: nothing is ever given up
    reference_tracker ref;
    std::uint64_t next = 1 + rng() % 50;
    std::vector<std::uint64_t> sent;
    for (int i = 0; i < 3000; ++i) {
      std::uint64_t seq;
      const auto dice = rng() % 100;
      if (dice < 55 || sent.empty()) {
        seq = next++;  // in order
      } else if (dice < 70) {
        next += 1 + rng() % 5;  // lose some
        seq = next++;
      } else if (dice < 97) {
        seq = sent[rng() % sent.size()];  // retransmission: late or duplicate
      } else if (dice < 99) {
        seq = 1 + rng() % (next + 10);  // anything, including below the first and ahead
        if (seq >= next) next = seq + 1;
      } else {
        seq = 0;
      }
      if (seq != 0) sent.push_back(seq);
      const auto want = ref.observe(seq);
      const auto got = rx.observe(seq);
      CAPTURE(i);
      CAPTURE(seq);
      REQUIRE(static_cast<int>(got.verdict) == static_cast<int>(want.verdict));
      REQUIRE(got.missing == want.missing);
    }
    CHECK(rx.highest() == ref.highest);
    CHECK(rx.received() == ref.received.size());
    CHECK(rx.duplicates() == ref.duplicates);
    CHECK(rx.missing() == ref.missing());
    CHECK(rx.lost() == 0);
    // The gaps are exactly the numbers between first and highest not received.
    std::uint64_t hole_count = 0;
    for (const auto& g : rx.gaps()) {
      for (std::uint64_t s = g.first; s <= g.second; ++s) {
        REQUIRE(ref.received.count(s) == 0);
        ++hole_count;
      }
    }
    CHECK(hole_count == ref.missing());
    check_invariants(rx);
  }
}
