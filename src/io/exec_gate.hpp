// firebus — fire-safety IoT SDK.
// Internal to the transports: how an object whose handlers run the user's callbacks on an
// io_context makes its destructor wait for a callback running on another thread. Every handler
// holds the object's exec mutex while it runs (the callback included); the destructor marks the
// object closed, then takes the mutex. Recursive: a callback may destroy its own object (the io
// thread then holds it already, and does not wait for itself).
#ifndef FIREBUS_SRC_IO_EXEC_GATE_HPP
#define FIREBUS_SRC_IO_EXEC_GATE_HPP

#include <chrono>
#include <cstdio>
#include <mutex>

namespace firebus {
inline namespace v1 {
namespace io_detail {

using exec_mutex = std::recursive_timed_mutex;
using exec_lock = std::unique_lock<exec_mutex>;

/// The destructor's wait: returns `exec` locked, once no handler of another thread holds it.
/// Debug builds say on stderr after 10 s that `who` is still waiting (a callback that waits for
/// the destroying thread: a deadlock), then go on waiting.
inline exec_lock wait_for_callbacks(exec_mutex& exec, const char* who) {
  exec_lock g(exec, std::defer_lock);
#ifndef NDEBUG
  if (!g.try_lock_for(std::chrono::seconds(10))) {
    std::fprintf(stderr,
                 "firebus: %s destructor has waited 10 s for a callback running on another "
                 "thread; does that callback wait for the destroying thread? (deadlock)\n",
                 who);
    g.lock();
  }
#else
  (void)who;
  g.lock();
#endif
  return g;
}

}  // namespace io_detail
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_SRC_IO_EXEC_GATE_HPP
