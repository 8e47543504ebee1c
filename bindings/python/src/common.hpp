// firebus — fire-safety IoT SDK.
//
// What every bind_<area>.cpp shares: the error mapping (std::error_code categories to the
// firebus.Error hierarchy, with the same messages as C++), and C++ enums exposed as Python
// enum.IntEnum / enum.IntFlag classes with a type caster, so that functions take and return real
// Python enums.
#ifndef FIREBUS_BINDINGS_PYTHON_COMMON_HPP
#define FIREBUS_BINDINGS_PYTHON_COMMON_HPP

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include <pybind11/pybind11.h>

#include <firebus/core/bytes.hpp>
#include <firebus/core/time.hpp>

namespace firebus_py {

namespace py = pybind11;

// --- errors
// --------------------------------------------------------------------------------------- Defines
// firebus.Error (code, category attributes) and one subclass per error category, and the translator
// of firebus::system_error / std::system_error. Call once, first.
void register_errors(py::module_& m);

// Raises the Python exception for `ec` (the subclass of its category), message
// "<context>: <ec.message()>" or ec.message() alone.
[[noreturn]] void raise(const std::error_code& ec, const std::string& context = {});

// Raises if `ec` is set.
inline void check(const std::error_code& ec, const char* context = nullptr) {
  if (ec) raise(ec, context ? context : "");
}

// --- times --------------------------------------------------------------------------------------
// Python sees every time as float seconds: a firebus::duration as seconds, a firebus::mono_time as
// seconds since its time line's epoch (the engine's `t`), a firebus::utc_time as Unix seconds
// (like time.time(); leap seconds not counted). Within about ±285 years of the epoch (2^53 µs) a
// float round-trips every microsecond. On the way in seconds are rounded to the nearest
// microsecond; a non-finite value or one beyond ±9.2e12 s raises CoreError (Errc.out_of_range).
inline double to_py_seconds(firebus::duration d) noexcept { return firebus::to_seconds(d); }
inline double to_py_seconds(firebus::mono_time t) noexcept { return firebus::to_seconds(t); }
inline double to_py_seconds(firebus::utc_time t) noexcept {
  return firebus::to_seconds(t.time_since_epoch());
}
inline firebus::duration py_duration(double seconds) { return firebus::from_seconds(seconds); }
inline firebus::mono_time py_mono_time(double seconds) {
  return firebus::mono_time(firebus::from_seconds(seconds));
}
inline firebus::utc_time py_utc_time(double seconds) {
  return firebus::utc_time(firebus::from_seconds(seconds));
}

// The C++ object of a pybind11 instance, or nullptr while its holder is not constructed: the
// garbage collector may traverse an instance between tp_new and the end of __init__, when the
// value pointer is not yet a T (py::cast would read garbage). Never raises. For tp_traverse and
// tp_clear of garbage-collected classes.
template <class T>
T* constructed(PyObject* self) noexcept {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  const py::detail::value_and_holder vh = inst->get_value_and_holder(nullptr, false);
  if (!vh || !vh.holder_constructed()) return nullptr;
  return vh.value_ptr<T>();
}

// A Python callable or None, held as the object itself (so that an attribute reads back as the
// same object), shown in stubs as `Tag::name` (a struct with `static constexpr auto name`).
template <class Tag>
struct callable {
  py::object fn;
};

// A Python object passed through as is, shown in stubs as `Tag::name`.
template <class Tag>
struct typed {
  py::object obj;
};

// Bytes from bytes, bytearray or memoryview (not str, int or anything else): false otherwise.
inline bool bytes_like(py::handle src, std::string& out) {
  if (!src || (!PyBytes_Check(src.ptr()) && !PyByteArray_Check(src.ptr()) &&
               !PyMemoryView_Check(src.ptr()))) {
    return false;
  }
  PyObject* b = PyObject_Bytes(src.ptr());
  if (b == nullptr) {
    PyErr_Clear();
    return false;
  }
  char* data = nullptr;
  Py_ssize_t size = 0;
  PyBytes_AsStringAndSize(b, &data, &size);
  out.assign(data, static_cast<std::size_t>(size));
  Py_DECREF(b);
  return true;
}

// --- bytes and text ---------------------------------------------------------------------------
// The bytes of a Python bytes object (a view: valid while the object lives), or of a std::string.
inline firebus::byte_view view_of(const py::bytes& b) {
  char* data = nullptr;
  Py_ssize_t size = 0;
  PyBytes_AsStringAndSize(b.ptr(), &data, &size);
  return {reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)};
}
inline firebus::byte_view view_of(const std::string& s) {
  return firebus::byte_view::from_chars(s);
}

// A Python bytes object with a copy of `v` (a byte_view, or a std::vector<std::uint8_t>).
inline py::bytes to_bytes(firebus::byte_view v) {
  return py::bytes(reinterpret_cast<const char*>(v.data()), v.size());
}

// repr(h) as a std::string.
inline std::string py_repr(const py::handle& h) { return py::repr(h).cast<std::string>(); }

// --- enums
// ---------------------------------------------------------------------------------------- The
// Python class of a C++ enum, created by make_enum().
template <class E>
struct enum_registry {
  static inline PyObject* type = nullptr;  // a strong reference, kept for the process's life
  static inline std::uint64_t mask = 0;    // IntFlag: the bits that exist
  static inline bool flag = false;
};

// Creates `name` = enum.IntEnum (or enum.IntFlag when `flag`) in module `m` with `values`, and
// registers it for the caster. `module_name` is what __module__ says ("firebus.alarm").
template <class E>
py::object make_enum(py::module_& m, const char* name, const char* module_name,
                     std::initializer_list<std::pair<const char*, E>> values, const char* doc,
                     bool flag = false) {
  py::list members;
  std::uint64_t mask = 0;
  for (const auto& v : values) {
    const auto raw = static_cast<std::uint64_t>(static_cast<std::underlying_type_t<E>>(v.second));
    members.append(py::make_tuple(v.first, static_cast<long long>(raw)));
    mask |= raw;
  }
  py::object base = py::module_::import("enum").attr(flag ? "IntFlag" : "IntEnum");
  py::object cls = base(name, members, py::arg("module") = module_name);
  cls.attr("__doc__") = doc;
  cls.attr("__qualname__") = name;
  m.attr(name) = cls;
  enum_registry<E>::type = cls.inc_ref().ptr();
  enum_registry<E>::mask = mask;
  enum_registry<E>::flag = flag;
  return cls;
}

// The caster: accepts an int (the Python enum is one) whose value is a member (IntEnum) or a
// combination of known bits (IntFlag); returns an instance of the Python enum.
template <class E, class Name>
struct enum_caster {
  using U = std::underlying_type_t<E>;
  static constexpr auto name = Name::value;
  E value{};
  bool load(py::handle src, bool) {
    if (!src || !PyLong_Check(src.ptr())) return false;
    long long v = PyLong_AsLongLong(src.ptr());
    if (v == -1 && PyErr_Occurred()) {
      PyErr_Clear();
      return false;
    }
    if (v < 0 || static_cast<unsigned long long>(v) >
                     static_cast<unsigned long long>(std::numeric_limits<U>::max())) {
      return false;
    }
    if (enum_registry<E>::type) {
      if (enum_registry<E>::flag) {
        if ((static_cast<std::uint64_t>(v) & ~enum_registry<E>::mask) != 0) return false;
      } else {
        // Must be a member: ask the Python class.
        PyObject* r = PyObject_CallOneArg(enum_registry<E>::type, src.ptr());
        if (!r) {
          PyErr_Clear();
          return false;
        }
        Py_DECREF(r);
      }
    }
    value = static_cast<E>(static_cast<U>(v));
    return true;
  }
  static py::handle cast(E v, py::return_value_policy, py::handle) {
    const long long raw = static_cast<long long>(static_cast<U>(v));
    if (enum_registry<E>::type) {
      py::object arg = py::int_(raw);
      PyObject* r = PyObject_CallOneArg(enum_registry<E>::type, arg.ptr());
      if (r) return r;
      PyErr_Clear();  // a value outside the enumeration: a plain int
    }
    return PyLong_FromLongLong(raw);
  }
  operator E&() { return value; }
  template <typename T>
  using cast_op_type = E&;
};

}  // namespace firebus_py

// Declares the caster of C++ enum E; ID is a unique identifier, PYNAME the Python name shown in
// signatures and stubs ("firebus._firebus.alarm.AlarmClass"). Use at global scope.
#define FIREBUS_PY_ENUM(E, ID, PYNAME)                                         \
  namespace pybind11 {                                                         \
  namespace detail {                                                           \
  struct firebus_py_name_##ID {                                                \
    static constexpr auto value = const_name(PYNAME);                          \
  };                                                                           \
  template <>                                                                  \
  struct type_caster<E> : firebus_py::enum_caster<E, firebus_py_name_##ID> {}; \
  }                                                                            \
  }

namespace pybind11 {
namespace detail {

template <class Tag>
struct type_caster<firebus_py::callable<Tag>> {
  PYBIND11_TYPE_CASTER(firebus_py::callable<Tag>, Tag::name);
  bool load(handle src, bool) {
    if (!src) return false;
    if (src.is_none()) {
      value.fn = object();
      return true;
    }
    if (!PyCallable_Check(src.ptr())) return false;
    value.fn = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const firebus_py::callable<Tag>& v, return_value_policy, handle) {
    return v.fn ? v.fn.inc_ref() : none().release();
  }
};

template <class Tag>
struct type_caster<firebus_py::typed<Tag>> {
  PYBIND11_TYPE_CASTER(firebus_py::typed<Tag>, Tag::name);
  bool load(handle src, bool) {
    if (!src) return false;
    value.obj = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const firebus_py::typed<Tag>& v, return_value_policy, handle) {
    return v.obj ? v.obj.inc_ref() : none().release();
  }
};

}  // namespace detail
}  // namespace pybind11

#endif  // FIREBUS_BINDINGS_PYTHON_COMMON_HPP
