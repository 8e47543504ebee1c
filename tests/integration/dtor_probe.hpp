// firebus — fire-safety IoT SDK.
// The probe of the "destroyed on another thread while one of its callbacks runs" tests: the
// transports promise that no callback of theirs runs once their destructor has returned, also
// when the destructor runs on another thread than the io thread (always the case in Python).
//
//   firebus_test::dtor_probe probe;
//   obj->on_x([&](...) { probe.slow(); });    // the callback the test destroys `obj` under
//   obj->on_y([&](...) { probe.other(); });   // every other callback
//   ... make on_x run ...
//   REQUIRE(probe.wait_entered(5s));
//   probe.destroy(obj);                       // obj.reset(), timed, on this thread
//   probe.check(300ms);
#ifndef FIREBUS_TESTS_DTOR_PROBE_HPP
#define FIREBUS_TESTS_DTOR_PROBE_HPP

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace firebus_test {

class dtor_probe {
 public:
  using ms = std::chrono::milliseconds;

  /// The slow callback: its first call sleeps `hold_` and then touches the test's state, which
  /// must still exist then. Later calls return at once.
  void slow() {
    if (destroyed_.load()) ++after_;
    if (entered_.exchange(true)) return;
    std::this_thread::sleep_for(hold_);
    owned_.push_back(1);
    finished_ = true;
  }
  /// Any other callback: counted when it starts after the destructor returned.
  void other() {
    if (destroyed_.load()) ++after_;
  }

  /// Waits until the slow callback runs.
  bool wait_entered(ms timeout) const { return wait(entered_, timeout); }

  /// Destroys `object` (a std::unique_ptr) on this thread and times the destructor.
  template <class Owner>
  void destroy(Owner& object) {
    const auto t0 = std::chrono::steady_clock::now();
    object.reset();
    finished_at_return_ = finished_.load();
    destroyed_ = true;
    waited_ = std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0);
    MESSAGE("the destructor took ", waited_.count(), " ms");
  }

  /// The promise: the slow callback was over when the destructor returned, and no callback
  /// started during `quiet` after it. Then, whatever happened, waits for the slow callback to
  /// end before the probe (its state) goes.
  void check(ms quiet) {
    CHECK(finished_at_return_);
    std::this_thread::sleep_for(quiet);
    CHECK(after_.load() == 0);
    wait(finished_, ms(2000));
  }

  ms waited() const noexcept { return waited_; }

 private:
  static bool wait(const std::atomic<bool>& flag, ms timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!flag.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(ms(5));
    }
    return flag.load();
  }

  ms hold_{200};
  std::vector<int> owned_;  // the test's state, touched by the slow callback
  std::atomic<bool> entered_{false};
  std::atomic<bool> finished_{false};
  std::atomic<bool> destroyed_{false};
  std::atomic<int> after_{0};  // callbacks started once the destructor had returned
  bool finished_at_return_ = false;
  ms waited_{0};
};

}  // namespace firebus_test

#endif  // FIREBUS_TESTS_DTOR_PROBE_HPP
