// firebus — fire-safety IoT SDK.
//
// What the bindings of the Asio transports share (bind_io.cpp: the GB 26875 Client and Server;
// bind_modbus_bus.cpp: the Modbus TcpBus): the I/O thread that runs an io_context (`runner`), the
// Python objects the C++ callbacks share (`hooks`: callables called with the GIL held, their
// exceptions reported through sys.unraisablehook), and the registry of open objects that atexit
// closes. See bind_io.cpp for the threading and lifetime rules they implement.
#ifndef FIREBUS_BINDINGS_PYTHON_IO_COMMON_HPP
#define FIREBUS_BINDINGS_PYTHON_IO_COMMON_HPP

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <pybind11/pybind11.h>

#include "common.hpp"

namespace firebus_py {
namespace io_detail {

inline bool interpreter_finalizing() noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

// The Python exception object (firebus.Error subclass) of `ec`, not raised.
inline py::object error_object(const std::error_code& ec, const std::string& context = {}) {
  try {
    raise(ec, context);
  } catch (py::error_already_set& e) {
    return e.value();
  }
  return py::none();
}

// --- the I/O thread ----------------------------------------------------------------------------
// One io_context and the thread that runs it. The thread holds a shared_ptr to the io_context, so
// a detached thread frees it itself. The methods take `mutex_` only briefly, never while joining.
class runner {
 public:
  // `grace`: how long run() lets a thread that is winding down finish before it stops it.
  explicit runner(std::chrono::milliseconds grace)
      : io_(std::make_shared<asio::io_context>(1)), grace_(grace) {}
  ~runner() {
    // close() ended the thread; this is the last resort (no GIL handling possible here).
    if (thread_.joinable()) {
      if (on_io_thread()) {
        thread_.detach();
      } else {
        io_->stop();
        thread_.join();
      }
    }
  }
  runner(const runner&) = delete;
  runner& operator=(const runner&) = delete;

  asio::io_context& io() { return *io_; }

  bool on_io_thread() const { return std::this_thread::get_id() == thread_id_.load(); }
  bool running() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return thread_.joinable() && guard_.has_value();
  }

  // Runs the io_context on the thread (GIL released by the caller, unless on the I/O thread).
  void run() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (joining_) return;
      if (thread_.joinable()) {
        if (guard_) return;
        if (on_io_thread()) {  // inside run(): keeping it going is enough
          guard_.emplace(io_->get_executor());
          return;
        }
      }
    }
    join(grace_);  // a thread winding down: let it finish, then start afresh
    std::lock_guard<std::mutex> lock(mutex_);
    if (thread_.joinable()) return;
    io_->restart();
    guard_.emplace(io_->get_executor());
    auto done = std::make_shared<std::promise<void>>();
    done_ = done->get_future().share();
    thread_ = std::thread([io = io_, done] {
      try {
        io->run();
      } catch (...) {  // a handler threw: nothing sensible to do but end the thread
      }
      done->set_value();
    });
    thread_id_ = thread_.get_id();
  }

  // Lets run() return once the queued work is done (a flush, a linger).
  void wind_down() {
    std::lock_guard<std::mutex> lock(mutex_);
    guard_.reset();
  }

  // Ends the thread: waits up to `grace` for run() to return, then stops the io_context; joins.
  // Not on the I/O thread; GIL released by the caller.
  void join(std::chrono::milliseconds grace) {
    std::thread t;
    std::shared_future<void> done;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!thread_.joinable() || on_io_thread() || joining_) return;
      guard_.reset();
      joining_ = true;
      t = std::move(thread_);
      done = done_;
    }
    if (done.valid() && done.wait_for(grace) != std::future_status::ready) io_->stop();
    t.join();
    std::lock_guard<std::mutex> lock(mutex_);
    joining_ = false;
    thread_id_ = std::thread::id();
  }

  // On the I/O thread, when the owner goes away: the thread ends and frees the io_context alone.
  void abandon() {
    std::lock_guard<std::mutex> lock(mutex_);
    guard_.reset();
    if (thread_.joinable()) thread_.detach();
  }

  bool has_thread() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return thread_.joinable();
  }

  // After a close() from a callback the thread was left to end by itself: joins it, GIL released
  // (nothing to do on the I/O thread itself, or without a thread).
  void join_left(std::chrono::milliseconds grace) {
    if (on_io_thread() || !has_thread()) return;
    py::gil_scoped_release nogil;
    join(grace);
  }

 private:
  std::shared_ptr<asio::io_context> io_;
  std::chrono::milliseconds grace_;
  mutable std::mutex mutex_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
  std::atomic<std::thread::id> thread_id_{};
  std::shared_future<void> done_;
  bool joining_ = false;
};

// --- calls without the GIL -----------------------------------------------------------------------
// The calls in progress that use a transport (or an uplink) with the GIL released: another Python
// thread may call close() meanwhile. close() takes the object away with the GIL held (no call can
// enter after that: they check for it first), then waits here, GIL released, before it destroys
// it. A call holds a pass only while it uses the object, never while it waits for the I/O thread
// (close() may run there).
class call_gate {
 public:
  class pass {
   public:
    // With the GIL held, after checking that the object is there.
    explicit pass(call_gate& g) : g_(g) {
      const std::lock_guard<std::mutex> lock(g_.mutex_);
      ++g_.calls_;
    }
    ~pass() {
      const std::lock_guard<std::mutex> lock(g_.mutex_);
      if (--g_.calls_ == 0) g_.idle_.notify_all();
    }
    pass(const pass&) = delete;
    pass& operator=(const pass&) = delete;

   private:
    call_gate& g_;
  };

  // GIL released.
  void wait_idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return calls_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t calls_ = 0;
};

// --- Python objects shared with the C++ callbacks
// -------------------------------------------------- Touched only with the GIL held. `closed`
// (atomic) lets the I/O thread skip the GIL entirely.
template <std::size_t N>
struct hooks {
  explicit hooks(const char* ctx) : context(ctx) {}
  ~hooks() {
    bool any = !futures.empty();
    for (const auto& s : slots) any = any || static_cast<bool>(s);
    if (!any) return;
    if (Py_IsInitialized() && !interpreter_finalizing()) {
      py::gil_scoped_acquire gil;
      clear();
    } else {  // too late to call into Python: leak rather than crash
      for (auto& s : slots) s.release();
      for (auto& kv : futures) kv.second.release();
    }
  }
  hooks(const hooks&) = delete;
  hooks& operator=(const hooks&) = delete;

  // Runs `f` with the GIL held unless closed; reports what it raises and carries on.
  template <class F>
  void call(F&& f) {
    if (closed.load() || !Py_IsInitialized() || interpreter_finalizing()) return;
    py::gil_scoped_acquire gil;
    if (closed.load()) return;
    try {
      f();
    } catch (py::error_already_set& e) {
      ++errors;
      e.discard_as_unraisable(context);
    } catch (const std::exception& e) {
      ++errors;
      PyErr_SetString(PyExc_RuntimeError, e.what());
      PyErr_WriteUnraisable(py::str(context).ptr());
    }
  }

  // The Python callable in `slot`, or None (a new reference: safe if the callable replaces it).
  py::object get(std::size_t slot) const { return slots[slot]; }

  py::object take_future(std::uint64_t id) {
    auto it = futures.find(id);
    if (it == futures.end()) return py::object();
    py::object f = std::move(it->second);
    futures.erase(it);
    return f;
  }
  static void settle(const py::object& fut, const py::object& result) {
    if (!fut || fut.attr("done")().cast<bool>()) return;
    fut.attr("set_result")(result);
  }
  static void settle_error(const py::object& fut, const std::error_code& ec) {
    if (!fut || fut.attr("done")().cast<bool>()) return;
    fut.attr("set_exception")(error_object(ec));
  }

  // With the GIL held: cancels the futures left and drops every Python object.
  void clear() {
    auto left = std::move(futures);
    futures.clear();
    for (auto& kv : left) {
      try {
        kv.second.attr("cancel")();
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable(context);
      }
    }
    left.clear();
    for (auto& s : slots) s = py::object();
  }

  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> errors{0};
  const char* context;
  std::array<py::object, N> slots;
  std::unordered_map<std::uint64_t, py::object> futures;
  std::vector<std::uint8_t> buffer;  // I/O thread: the data provider's last response
};

// Every open Client, Server and modbus TcpBus, closed at interpreter exit (before threads lose the
// GIL).
// Ends `transport` (a client, server or bus running on `r`) for its owner's close(): on the I/O
// thread at once, letting the thread end by itself; elsewhere stopping it, then joining the
// thread (up to `grace`, GIL released). Callbacks are off (`h.closed`) before the transport goes,
// and the hooks are cleared last. With `gate`, the calls that use the transport without the GIL
// end first.
template <class Hooks, class Transport>
void end_transport(runner& r, Hooks& h, std::unique_ptr<Transport> transport,
                   std::chrono::milliseconds grace, call_gate* gate = nullptr) {
  if (r.on_io_thread()) {
    if (gate != nullptr) {
      py::gil_scoped_release nogil;
      gate->wait_idle();
    }
    h.closed = true;
    transport.reset();
    r.wind_down();
  } else {
    py::gil_scoped_release nogil;
    if (gate != nullptr) gate->wait_idle();
    if (transport) transport->stop();
    r.wind_down();
    r.join(grace);
    h.closed = true;
    transport.reset();
  }
  h.clear();
}

struct closeable {
  virtual ~closeable() = default;
  virtual void close() = 0;
};
inline std::set<closeable*>& live() {
  static auto* s = new std::set<closeable*>();
  return *s;
}
inline void close_all() {
  const std::set<closeable*> all = live();
  for (closeable* c : all) {
    if (live().count(c) != 0) c->close();
  }
}

}  // namespace io_detail
}  // namespace firebus_py

#endif  // FIREBUS_BINDINGS_PYTHON_IO_COMMON_HPP
