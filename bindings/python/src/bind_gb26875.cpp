// firebus — fire-safety IoT SDK.
//
// firebus._firebus.gb26875: the GB/T 26875.3-2011 codec — frames, ADUs and their objects, code
// tables, status words, the streaming deframer, batch decoding — and (bind_text.cpp) GB 18030
// text.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <pybind11/stl.h>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/gb26875/deframer.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>
#include <firebus/text.hpp>

#include "bindings.hpp"
#include "common.hpp"
#include "shared_enums.hpp"

namespace gb = firebus::gb26875;

FIREBUS_PY_ENUM(firebus::gb26875::adu_type, GbAduType, "firebus._firebus.gb26875.AduType")
FIREBUS_PY_ENUM(firebus::gb26875::system_type, GbSystemType, "firebus._firebus.gb26875.SystemType")
FIREBUS_PY_ENUM(firebus::gb26875::component_type, GbComponentType,
                "firebus._firebus.gb26875.ComponentType")
FIREBUS_PY_ENUM(firebus::gb26875::analog_type, GbAnalogType, "firebus._firebus.gb26875.AnalogType")
FIREBUS_PY_ENUM(firebus::gb26875::system_status_bit, GbSystemStatus,
                "firebus._firebus.gb26875.SystemStatus")
FIREBUS_PY_ENUM(firebus::gb26875::component_status_bit, GbComponentStatus,
                "firebus._firebus.gb26875.ComponentStatus")
FIREBUS_PY_ENUM(firebus::gb26875::uitd_status_bit, GbUitdStatus,
                "firebus._firebus.gb26875.UitdStatus")
FIREBUS_PY_ENUM(firebus::gb26875::operation_flag, GbOperationFlag,
                "firebus._firebus.gb26875.OperationFlag")
FIREBUS_PY_ENUM(firebus::gb26875::bit0_policy, GbBit0Policy, "firebus._firebus.gb26875.Bit0Policy")
FIREBUS_PY_ENUM(firebus::gb26875::status_kind, GbStatusKind, "firebus._firebus.gb26875.StatusKind")
FIREBUS_PY_ENUM(firebus::gb26875::name_language, GbNameLanguage,
                "firebus._firebus.gb26875.NameLanguage")
FIREBUS_PY_ENUM(firebus::gb26875::adu_limits, GbAduLimits, "firebus._firebus.gb26875.AduLimits")
FIREBUS_PY_ENUM(firebus::gb26875::errc, GbErrc, "firebus._firebus.gb26875.Errc")

namespace firebus_py {

// The size callable of UserTypes.add_variable().
struct size_callable {
  py::object fn;
};

}  // namespace firebus_py

namespace pybind11 {
namespace detail {

template <>
struct type_caster<firebus_py::size_callable> {
  PYBIND11_TYPE_CASTER(firebus_py::size_callable, const_name("typing.Callable[[bytes], int]"));
  bool load(handle src, bool) {
    if (!src || !PyCallable_Check(src.ptr())) return false;
    value.fn = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const firebus_py::size_callable& v, return_value_policy, handle) {
    return v.fn ? v.fn.inc_ref() : none().release();
  }
};

}  // namespace detail
}  // namespace pybind11

namespace firebus_py {

void bind_text(py::module_& gb26875);  // bind_text.cpp

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace gb26875_detail {
namespace {

constexpr const char* module_name = "firebus.gb26875";

// --- bytes
// ----------------------------------------------------------------------------------------

std::string to_string(firebus::byte_view v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

[[noreturn]] void raise_errc(gb::errc e, const std::string& context) {
  raise(gb::make_error_code(e), context);
}

bool chinese(const std::string& lang) {
  if (lang == "en" || lang == "english") return false;
  if (lang == "zh" || lang == "chinese") return true;
  throw py::value_error("lang must be 'en' or 'zh', not '" + lang + "'");
}
std::string pick(std::string_view en, std::string_view zh, const std::string& lang) {
  return std::string(chinese(lang) ? zh : en);
}

// --- owning mirrors of the object types that hold views
// -------------------------------------------

// A GB 18030 text (types 6 and 26): bytes as sent; str accepted on input.
struct gb_text {
  std::string b;
  friend bool operator==(const gb_text& x, const gb_text& y) { return x.b == y.b; }
};
// Raw bytes (user-defined objects).
struct raw_bytes {
  std::string b;
  friend bool operator==(const raw_bytes& x, const raw_bytes& y) { return x.b == y.b; }
};

struct system_config_obj {
  static constexpr gb::adu_type type = gb::adu_type::system_config;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  gb_text text;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.text);
  }
  friend bool operator==(const system_config_obj& a, const system_config_obj& b) {
    return fields(a) == fields(b);
  }
};
struct uitd_config_obj {
  static constexpr gb::adu_type type = gb::adu_type::uitd_config;
  gb_text text;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.text);
  }
  friend bool operator==(const uitd_config_obj& a, const uitd_config_obj& b) {
    return fields(a) == fields(b);
  }
};
struct user_object_obj {
  std::uint8_t type = 128;
  raw_bytes data;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.type, s.data);
  }
  friend bool operator==(const user_object_obj& a, const user_object_obj& b) {
    return fields(a) == fields(b);
  }
};
struct user_blob_obj {
  std::uint8_t type = 128;
  std::uint8_t count = 0;
  raw_bytes body;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.type, s.count, s.body);
  }
  friend bool operator==(const user_blob_obj& a, const user_blob_obj& b) {
    return fields(a) == fields(b);
  }
};

// --- field conversions
// ----------------------------------------------------------------------------

using text_arg = std::variant<py::bytes, std::string>;

// Plain fields (integers, time tags): the property is the C++ member itself.
template <class F>
struct field_traits {
  static constexpr bool plain = true;
  using arg_type = F;
  static F from(const F& v) { return v; }
  static F default_arg() { return F{}; }
};

gb::description make_description(const text_arg& v) {
  if (const auto* b = std::get_if<py::bytes>(&v)) {
    const firebus::byte_view bytes = view_of(*b);
    std::error_code ec;
    gb::description d = gb::make_description(bytes, ec);
    if (ec) raise(ec, "description of " + std::to_string(bytes.size()) + " bytes (at most 31)");
    return d;
  }
  return firebus::utf8_to_description(std::get<std::string>(v));
}

template <>
struct field_traits<gb::description> {
  static constexpr bool plain = false;
  using arg_type = text_arg;
  static gb::description from(const text_arg& v) { return make_description(v); }
  static py::bytes to(const gb::description& d) { return py::bytes(to_bytes(d)); }
  static text_arg default_arg() { return py::bytes(); }
};

template <>
struct field_traits<gb_text> {
  static constexpr bool plain = false;
  using arg_type = text_arg;
  static gb_text from(const text_arg& v) {
    if (const auto* b = std::get_if<py::bytes>(&v)) {
      const firebus::byte_view bytes = view_of(*b);
      if (bytes.size() > 255) {
        raise_errc(
            gb::errc::text_too_long,
            "configuration text of " + std::to_string(bytes.size()) + " bytes (at most 255)");
      }
      return {to_string(bytes)};
    }
    return {to_string(firebus::utf8_to_gb18030_field(std::get<std::string>(v), 255))};
  }
  static py::bytes to(const gb_text& t) { return py::bytes(t.b); }
  static text_arg default_arg() { return py::bytes(); }
};

template <>
struct field_traits<raw_bytes> {
  static constexpr bool plain = false;
  using arg_type = py::bytes;
  static raw_bytes from(const py::bytes& v) { return {to_string(view_of(v))}; }
  static py::bytes to(const raw_bytes& t) { return py::bytes(t.b); }
  static py::bytes default_arg() { return py::bytes(); }
};

struct field_doc {
  const char* name;
  const char* doc;
};

template <class T>
using fields_tuple = decltype(T::fields(std::declval<T&>()));
template <class T, std::size_t I>
using field_t = std::remove_reference_t<std::tuple_element_t<I, fields_tuple<T>>>;

template <class T, std::size_t N, std::size_t... I>
void bind_fields(py::class_<T>& c, const char* name, const std::array<field_doc, N>& f,
                 std::index_sequence<I...>) {
  c.def(py::init([](const typename field_traits<field_t<T, I>>::arg_type&... args) {
          T t{};
          ((std::get<I>(T::fields(t)) = field_traits<field_t<T, I>>::from(args)), ...);
          return t;
        }),
        py::arg(f[I].name) = field_traits<field_t<T, I>>::default_arg()...,
        "Builds the object from its fields (all optional, in wire order).");
  (
      [&] {
        using F = field_t<T, I>;
        using tr = field_traits<F>;
        if constexpr (tr::plain) {
          c.def_property(f[I].name,
                         py::cpp_function([](T& t) -> F& { return std::get<I>(T::fields(t)); },
                                          py::return_value_policy::reference_internal),
                         py::cpp_function([](T& t, const F& v) { std::get<I>(T::fields(t)) = v; }),
                         f[I].doc);
        } else {
          c.def_property(
              f[I].name, [](const T& t) { return tr::to(std::get<I>(T::fields(t))); },
              [](T& t, const typename tr::arg_type& v) { std::get<I>(T::fields(t)) = tr::from(v); },
              f[I].doc);
        }
      }(),
      ...);
  c.def(
      "__repr__",
      [name, f](py::object self) {
        std::string s = std::string(name) + "(";
        for (std::size_t i = 0; i < N; ++i) {
          if (i != 0) s += ", ";
          s += f[i].name;
          s += "=";
          s += std::string(py::repr(self.attr(f[i].name)));
        }
        return s + ")";
      },
      "The object with its fields.");
  c.def(
      "__eq__", [](const T& a, const T& b) { return a == b; }, py::is_operator(),
      "Equal if every field is equal.");
  c.def(
      "__copy__", [](const T& t) { return T(t); }, "A copy.");
  c.def(
      "__deepcopy__", [](const T& t, const py::dict&) { return T(t); }, py::arg("memo"), "A copy.");
}

template <class T, std::size_t N>
py::class_<T> bind_object(py::module_& m, const char* name, const char* doc,
                          const std::array<field_doc, N>& f) {
  py::class_<T> c(m, name, doc);
  bind_fields<T, N>(c, name, f, std::make_index_sequence<N>());
  return c;
}

template <class T>
void add_type_attr(py::class_<T>& c) {
  c.attr("TYPE") = py::cast(T::type);
}

template <class T>
void add_text_method(py::class_<T>& c) {
  c.def(
      "decode_text",
      [](const T& t, firebus::text_policy policy) -> std::string {
        if constexpr (std::is_same_v<std::decay_t<decltype(t.text)>, gb::description>) {
          return firebus::description_to_utf8(t.text, policy);
        } else {
          const firebus::byte_view all = view_of(t.text.b);
          return firebus::gb18030_to_utf8(gb::trimmed(gb::config_text{all}), policy);
        }
      },
      py::arg("policy") = firebus::text_policy::strict,
      "The text as str (GB 18030 decoded; its padding, trailing 0x00 and spaces, removed, as the "
      "CLI and the centre show it; the field itself keeps every byte). TextError under "
      "TextPolicy.strict for undecodable bytes; TextPolicy.replace shows them as U+FFFD.");
}

// --- object <-> Python
// ----------------------------------------------------------------------------

template <class... Ts>
struct type_list {};

using bound_objects =
    type_list<gb::system_status, gb::component_status, gb::component_analog, gb::system_operation,
              gb::system_software_version, system_config_obj, gb::component_config, gb::system_time,
              gb::uitd_status, gb::uitd_operation, gb::uitd_software_version, uitd_config_obj,
              gb::uitd_time, gb::read_system_status, gb::read_component_status,
              gb::read_component_analog, gb::read_system_operations,
              gb::read_system_software_version, gb::read_system_config, gb::read_component_config,
              gb::read_system_time, gb::read_uitd_status, gb::read_uitd_operations,
              gb::read_uitd_software_version, gb::read_uitd_config, gb::read_uitd_time,
              gb::init_uitd, gb::sync_uitd_time, gb::duty_check, user_object_obj, user_blob_obj>;

py::object object_to_python(const gb::object& o) {
  return std::visit(
      [](const auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, gb::system_config>) {
          return py::cast(
              system_config_obj{x.system_type, x.system_address, gb_text{to_string(x.text.bytes)}});
        } else if constexpr (std::is_same_v<T, gb::uitd_config>) {
          return py::cast(uitd_config_obj{gb_text{to_string(x.text.bytes)}});
        } else if constexpr (std::is_same_v<T, gb::user_object>) {
          return py::cast(user_object_obj{x.type, raw_bytes{to_string(x.bytes)}});
        } else if constexpr (std::is_same_v<T, gb::user_blob>) {
          return py::cast(user_blob_obj{x.type, x.count, raw_bytes{to_string(x.body)}});
        } else {
          return py::cast(x);
        }
      },
      o);
}

// The C++ object of a Python object; views point into the Python object, which must outlive it.
template <class T>
gb::object to_cpp(const T& x) {
  if constexpr (std::is_same_v<T, system_config_obj>) {
    return gb::system_config{x.system_type, x.system_address, gb::config_text{view_of(x.text.b)}};
  } else if constexpr (std::is_same_v<T, uitd_config_obj>) {
    return gb::uitd_config{gb::config_text{view_of(x.text.b)}};
  } else if constexpr (std::is_same_v<T, user_object_obj>) {
    return gb::user_object{x.type, view_of(x.data.b)};
  } else if constexpr (std::is_same_v<T, user_blob_obj>) {
    return gb::user_blob{x.type, x.count, view_of(x.body.b)};
  } else {
    return x;
  }
}

template <class T, class... Rest>
bool object_from_python(py::handle h, gb::object& out, type_list<T, Rest...>) {
  if (py::isinstance<T>(h)) {
    out = to_cpp(h.cast<const T&>());
    return true;
  }
  if constexpr (sizeof...(Rest) == 0) {
    return false;
  } else {
    return object_from_python(h, out, type_list<Rest...>());
  }
}

// --- frames, ADUs
// ---------------------------------------------------------------------------------

struct frame_obj {
  gb::header header;
  std::string adu;
  friend bool operator==(const frame_obj& a, const frame_obj& b) {
    return a.header == b.header && a.adu == b.adu;
  }
};

struct adu_obj {
  std::uint8_t type = 1;
  py::list objects;
};

// The Python callable of a variable-size user type: the context of python_size().
struct size_fn {
  py::object fn;
  std::uint8_t type = 128;
  std::string name;
};

// Storage only grows: a registration replaced keeps its name and callable, so that a copy of
// `types` (a Server's snapshot) never points at freed memory while this object lives.
struct user_types_obj {
  user_types_obj() = default;
  user_types_obj(const user_types_obj&) = delete;  // the registry points into this object
  user_types_obj& operator=(const user_types_obj&) = delete;
  gb::user_types types;
  std::deque<std::string> names;  // the registry keeps views of them
  std::deque<size_fn> sizes;      // ... and pointers to them (contexts)
};

// --- variable-size user types -------------------------------------------------------------------
// python_size() is the C++ size function of every type registered with UserTypes.add_variable():
// it calls the Python callable (its context) with the GIL taken, from whatever thread walks the
// ADU (a Server's I/O thread included), and never lets an exception out. What went wrong goes to
// the size_capture of the calling thread when there is one (decode_adu(), Frame.decode_adu():
// the cause of the GB26875Error they raise); elsewhere a bug in the callable (an exception that
// is not a firebus.Error, a result that is not an int) is reported through sys.unraisablehook.
struct size_capture {
  py::object cause;  // the first exception raised or made, for __cause__
  bool failed = false;
};
thread_local size_capture* current_capture = nullptr;

struct capture_scope {
  explicit capture_scope(size_capture* c) noexcept : prev(current_capture) { current_capture = c; }
  ~capture_scope() { current_capture = prev; }
  capture_scope(const capture_scope&) = delete;
  capture_scope& operator=(const capture_scope&) = delete;
  size_capture* prev;
};

bool python_finalizing() noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

std::string size_fn_text(const size_fn& f) {
  return "UserTypes size function of type " + std::to_string(f.type) + " '" + f.name + "'";
}

// With the GIL: an exception object of `type` (not raised), or null.
py::object exception_object(PyObject* type, const std::string& message) {
  PyObject* e = PyObject_CallFunction(type, "s", message.c_str());
  if (e == nullptr) PyErr_Clear();
  return py::reinterpret_steal<py::object>(e);
}

// With the GIL: records a failure of `f`; `bug` says whether it is worth reporting when nobody
// captures it (a firebus.Error or a size that does not fit just rejects the ADU).
void size_failed(const size_fn& f, py::object cause, bool bug) noexcept {
  try {
    if (size_capture* c = current_capture) {
      c->failed = true;
      if (!c->cause) c->cause = std::move(cause);
      return;
    }
    if (!bug || !cause) return;
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(cause.ptr())), cause.ptr());
    PyErr_WriteUnraisable(py::str(size_fn_text(f)).ptr());
  } catch (...) {
    PyErr_Clear();
  }
}

std::size_t python_size(firebus::byte_view rest, const void* context,
                        std::error_code& ec) noexcept {
  // Until the callable says otherwise: the error of an object that does not fit.
  ec = gb::make_error_code(gb::errc::truncated);
  const auto* f = static_cast<const size_fn*>(context);
  // No bytes left (a count larger than the objects sent): no object fits, whatever it says.
  if (f == nullptr || rest.empty() || !Py_IsInitialized() || python_finalizing()) return 0;
  try {
    py::gil_scoped_acquire gil;
    try {
      const py::object r = f->fn(to_bytes(rest));
      if (PyBool_Check(r.ptr()) || !PyIndex_Check(r.ptr())) {
        size_failed(
            *f,
            exception_object(PyExc_TypeError,
                             size_fn_text(*f) + " returned " +
                                 py::str(py::type::of(r).attr("__name__")).cast<std::string>() +
                                 ", not int"),
            true);
        return 0;
      }
      const py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(r.ptr()));
      if (!index) throw py::error_already_set();
      int overflow = 0;
      const long long n = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
      if (n == -1 && PyErr_Occurred()) throw py::error_already_set();
      if (overflow != 0 || n < 1 || static_cast<unsigned long long>(n) > rest.size()) {
        size_failed(
            *f,
            exception_object(PyExc_ValueError,
                             size_fn_text(*f) + " returned " + py::repr(index).cast<std::string>() +
                                 " with " + std::to_string(rest.size()) + " bytes left (1.." +
                                 std::to_string(rest.size()) + " expected)"),
            false);
        return 0;
      }
      ec.clear();
      return static_cast<std::size_t>(n);
    } catch (py::error_already_set& e) {
      const bool ours = e.matches(py::module_::import("firebus._firebus").attr("Error"));
      size_failed(*f, e.value(), !ours);
    } catch (const std::exception& e) {
      size_failed(*f, exception_object(PyExc_RuntimeError, e.what()), true);
    }
  } catch (...) {  // nothing may leave: the walker is noexcept
  }
  return 0;
}

// A variable-size type whose size function answered differently on the second walk (the one that
// collects the objects) leaves objects that are not user objects or do not cover the body.
bool user_objects_cover(const gb::adu& a, firebus::byte_view data) {
  std::size_t total = 0;
  for (const gb::object& o : a.objects) {
    const auto* u = std::get_if<gb::user_object>(&o);
    if (u == nullptr) return false;
    total += u->bytes.size();
  }
  return total + 2 == data.size();
}

adu_obj adu_to_python(const gb::adu& a) {
  adu_obj r;
  r.type = static_cast<std::uint8_t>(a.type);
  for (const gb::object& o : a.objects) r.objects.append(object_to_python(o));
  return r;
}

gb::adu adu_from_python(const adu_obj& a) {
  gb::adu r;
  r.type = static_cast<gb::adu_type>(a.type);
  r.objects.reserve(py::len(a.objects));
  for (py::handle h : a.objects) {
    gb::object o;
    if (!object_from_python(h, o, bound_objects())) {
      throw py::type_error("Adu.objects: an ADU object (e.g. ComponentStatusRecord) expected, " +
                           py::repr(py::type::of(h)).cast<std::string>() + " found");
    }
    r.objects.push_back(o);
  }
  return r;
}

// decode_adu() with `users` (or null); GB26875Error with the C++ message, its __cause__ the
// exception of a variable-size type's callable if one failed.
adu_obj decode_adu_bytes(firebus::byte_view data, const gb::user_types* users) {
  size_capture capture;
  std::error_code ec;
  gb::adu a;
  {
    const capture_scope scope(&capture);
    a = gb::decode_adu(data, ec, users);
  }
  if (!ec && capture.failed) ec = gb::make_error_code(gb::errc::truncated);
  if (!ec && users != nullptr && data.size() >= 2 && gb::is_user_defined(a.type)) {
    const gb::user_types::entry* e = users->find(data[0]);
    if (e != nullptr && e->fixed_size == 0 && !user_objects_cover(a, data)) {
      ec = gb::make_error_code(gb::errc::adu_count_mismatch);
    }
  }
  if (ec) {
    const std::string context = "gb26875 ADU of " + std::to_string(data.size()) + " bytes, type " +
                                std::to_string(data.empty() ? 0 : data[0]);
    try {
      raise(ec, context);
    } catch (py::error_already_set& err) {
      if (capture.cause) err.value().attr("__cause__") = capture.cause;
      throw;
    }
  }
  return adu_to_python(a);
}

py::bytes encode_adu_obj(const adu_obj& a, gb::adu_limits limits) {
  const gb::adu cpp = adu_from_python(a);  // views into the Python objects held by `a`
  return to_bytes(gb::encode_adu(cpp, limits));
}

frame_obj decode_frame_bytes(firebus::byte_view data) {
  std::error_code ec;
  gb::frame_diagnostic d;
  const gb::frame_view f = gb::decode_frame(data, ec, &d);
  if (ec) {
    try {
      raise(ec, "gb26875 frame: " + gb::describe(ec, d));
    } catch (py::error_already_set& e) {
      e.value().attr("offset") = d.offset;
      e.value().attr("expected") = d.expected;
      e.value().attr("found") = d.found;
      throw;
    }
  }
  return {f.hdr, to_string(f.adu)};
}

// --- deframer
// -------------------------------------------------------------------------------------

struct rejection_obj {
  std::error_code reason;
  std::uint64_t stream_offset = 0;
  std::uint64_t length = 0;
  gb::frame_diagnostic diag;
  std::string candidate;
  std::string message;
};

using stream_item = std::variant<frame_obj, rejection_obj>;

struct collector {
  std::vector<stream_item>* out;
  void operator()(const gb::frame_view& f) const {
    out->emplace_back(frame_obj{f.hdr, to_string(f.adu)});
  }
  void operator()(const gb::rejection& r) const {
    out->emplace_back(rejection_obj{r.reason, r.stream_offset, r.length, r.diag,
                                    to_string(r.candidate), gb::describe(r)});
  }
};

struct deframer_obj {
  gb::deframer d;
  mutable std::mutex mu;  // feed() and flush() run without the GIL: every access takes it

  // A consistent copy of the counters (they change in feed() meanwhile).
  gb::deframer counters() const {
    const std::lock_guard<std::mutex> lock(mu);
    return d;
  }
};

py::list items_to_python(std::vector<stream_item>& items) {
  py::list out;
  for (auto& it : items) {
    if (auto* f = std::get_if<frame_obj>(&it)) {
      out.append(py::cast(std::move(*f)));
    } else {
      out.append(py::cast(std::move(std::get<rejection_obj>(it))));
    }
  }
  return out;
}

py::object make_error(const std::error_code& ec, const std::string& message) {
  py::object cls = py::module_::import("firebus._firebus").attr("GB26875Error");
  py::object e = cls(message);
  e.attr("code") = ec.value();
  e.attr("category") = ec.category().name();
  return e;
}

// --- batch
// ----------------------------------------------------------------------------------------

struct row {
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
  bool ok = false;
  std::int32_t error = 0;
  bool is_frame = false;
  std::uint16_t serial = 0;
  std::uint8_t command = 0;
  std::uint64_t source = 0;
  std::uint64_t destination = 0;
  std::uint8_t adu_type = 0;
  std::uint16_t n_objects = 0;
  std::int64_t time = 0;  // seconds since 1970 of the time tag read as UTC; INT64_MIN if invalid
};

constexpr std::int64_t no_time = std::numeric_limits<std::int64_t>::min();

std::int64_t tag_seconds(const gb::time_tag& t) {
  std::error_code ec;
  const firebus::utc_time u = t.to_utc(std::chrono::minutes(0), ec);
  if (ec) return no_time;
  return std::chrono::duration_cast<std::chrono::seconds>(u.time_since_epoch()).count();
}

void fill_header(row& r, const gb::header& h) {
  r.serial = h.serial;
  r.command = static_cast<std::uint8_t>(h.cmd);
  r.source = h.source;
  r.destination = h.destination;
  r.time = tag_seconds(h.time);
}

// A numpy array (copied) of one field of every row; `dtype` names the numpy type of T.
template <class T, class F>
py::object column(const py::module_& np, const std::vector<row>& rows, const char* dtype, F get) {
  std::vector<T> values;
  values.reserve(rows.size());
  for (const row& r : rows) values.push_back(static_cast<T>(get(r)));
  const py::bytes raw(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
  return np.attr("frombuffer")(raw, py::arg("dtype") = dtype).attr("copy")();
}

py::object decode_frames(const py::bytes& buffer, bool as_arrays) {
  const firebus::byte_view data = view_of(buffer);
  std::vector<stream_item> items;
  std::vector<row> rows;
  {
    py::gil_scoped_release release;
    gb::deframer d;
    if (!as_arrays) {
      const collector c{&items};
      d.feed(data, c, c);
      d.flush(c, c);
    } else {
      auto on_frame = [&](const gb::frame_view& f) {
        row r;
        // Frames and rejections come in stream order: a frame starts where the bytes before it
        // were delivered or discarded.
        r.offset = d.bytes_delivered() + d.bytes_discarded() - gb::frame_size(f.adu.size());
        r.length = static_cast<std::uint32_t>(gb::frame_size(f.adu.size()));
        r.is_frame = true;
        fill_header(r, f.hdr);
        r.ok = true;
        if (!f.adu.empty()) {
          std::error_code ec;
          const gb::adu_view v = gb::parse_adu(f.adu, ec);
          r.adu_type = f.adu[0];
          if (ec) {
            r.ok = false;
            r.error = ec.value();
          } else {
            r.n_objects = static_cast<std::uint16_t>(v.count());
          }
        }
        rows.push_back(r);
      };
      auto on_reject = [&](const gb::rejection& rej) {
        row r;
        r.offset = rej.stream_offset;
        r.length = static_cast<std::uint32_t>(rej.length);
        r.error = rej.reason.value();
        if (rej.reason == gb::errc::checksum_mismatch && rej.candidate.size() >= gb::header_size) {
          fill_header(r, gb::detail::read_checked_header(rej.candidate.data()));
        } else {
          r.time = no_time;
        }
        rows.push_back(r);
      };
      d.feed(data, on_frame, on_reject);
      d.flush(on_frame, on_reject);
    }
  }
  if (!as_arrays) return items_to_python(items);
  const py::module_ np = py::module_::import("numpy");
  py::dict out;
  out["offset"] = column<std::uint64_t>(np, rows, "u8", [](const row& r) { return r.offset; });
  out["length"] = column<std::uint32_t>(np, rows, "u4", [](const row& r) { return r.length; });
  out["is_frame"] = column<std::uint8_t>(np, rows, "?", [](const row& r) { return r.is_frame; });
  out["ok"] = column<std::uint8_t>(np, rows, "?", [](const row& r) { return r.ok; });
  out["error"] = column<std::int32_t>(np, rows, "i4", [](const row& r) { return r.error; });
  out["serial"] = column<std::uint16_t>(np, rows, "u2", [](const row& r) { return r.serial; });
  out["command"] = column<std::uint8_t>(np, rows, "u1", [](const row& r) { return r.command; });
  out["source"] = column<std::uint64_t>(np, rows, "u8", [](const row& r) { return r.source; });
  out["destination"] =
      column<std::uint64_t>(np, rows, "u8", [](const row& r) { return r.destination; });
  out["adu_type"] = column<std::uint8_t>(np, rows, "u1", [](const row& r) { return r.adu_type; });
  out["n_objects"] =
      column<std::uint16_t>(np, rows, "u2", [](const row& r) { return r.n_objects; });
  out["time"] = column<std::int64_t>(np, rows, "M8[s]", [](const row& r) { return r.time; });
  return std::move(out);
}

// --- time tags
// ------------------------------------------------------------------------------------

gb::time_tag make_tag(int year, int month, int day, int hour, int minute, int second) {
  auto byte = [](int v, const char* what) {
    if (v < 0 || v > 255) {
      raise_errc(gb::errc::out_of_range,
                 std::string("time tag ") + what + " " + std::to_string(v) + " (one byte)");
    }
    return static_cast<std::uint8_t>(v);
  };
  if (year < 2000 || year > 2255) {
    raise_errc(gb::errc::out_of_range,
               "time tag year " + std::to_string(year) + " (2000..2255 expected)");
  }
  return {byte(second, "second"), byte(minute, "minute"), byte(hour, "hour"),
          byte(day, "day"),       byte(month, "month"),   static_cast<std::uint8_t>(year - 2000)};
}

py::object tag_to_datetime(const gb::time_tag& t, std::optional<int> utc_offset_minutes) {
  if (!t.valid()) {
    raise_errc(gb::errc::invalid_time,
               "time tag " + std::to_string(2000 + t.year) + "-" + std::to_string(t.month) + "-" +
                   std::to_string(t.day) + " " + std::to_string(t.hour) + ":" +
                   std::to_string(t.minute) + ":" + std::to_string(t.second));
  }
  py::module_ dt = py::module_::import("datetime");
  py::object tz = py::none();
  if (utc_offset_minutes) {
    tz = dt.attr("timezone")(dt.attr("timedelta")(py::arg("minutes") = *utc_offset_minutes));
  }
  return dt.attr("datetime")(2000 + t.year, t.month, t.day, t.hour, t.minute, t.second,
                             py::arg("tzinfo") = tz);
}

gb::time_tag tag_from_datetime(const py::object& when, std::optional<int> utc_offset_minutes) {
  py::object d = when;
  if (utc_offset_minutes && !when.attr("tzinfo").is_none()) {
    py::module_ dt = py::module_::import("datetime");
    d = when.attr("astimezone")(
        dt.attr("timezone")(dt.attr("timedelta")(py::arg("minutes") = *utc_offset_minutes)));
  }
  firebus::civil_time c{d.attr("year").cast<int>(),   d.attr("month").cast<int>(),
                        d.attr("day").cast<int>(),    d.attr("hour").cast<int>(),
                        d.attr("minute").cast<int>(), d.attr("second").cast<int>()};
  std::error_code ec;
  const gb::time_tag t = gb::time_tag::from_civil(c, ec);
  check(ec, "time tag from datetime");
  return t;
}

std::string tag_str(const gb::time_tag& t) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", 2000 + t.year, t.month, t.day,
                t.hour, t.minute, t.second);
  return buf;
}

// --- status flags
// ---------------------------------------------------------------------------------

template <class T>
struct bool_field {
  const char* name;
  bool T::*member;
  const char* doc;
};

template <class T, class R, std::size_t N>
void bind_flags(py::class_<T>& c, const std::array<bool_field<T>, N>& fields, R T::*reserved,
                const char* name) {
  c.def(py::init<>(), "All flags false.");
  for (const auto& f : fields) c.def_readwrite(f.name, f.member, f.doc);
  c.def_readwrite("reserved_bits", reserved, "The reserved bits as received, in place.");
  c.def(
      "__eq__",
      [fields, reserved](const T& a, const T& b) {
        for (const auto& f : fields) {
          if (a.*(f.member) != b.*(f.member)) return false;
        }
        return a.*reserved == b.*reserved;
      },
      py::is_operator(), "Equal if every flag and the reserved bits are equal.");
  c.def(
      "__repr__",
      [fields, reserved, name](const T& t) {
        std::string s = std::string(name) + "(";
        bool first = true;
        for (const auto& f : fields) {
          if (!(t.*(f.member))) continue;
          if (!first) s += ", ";
          first = false;
          s += std::string(f.name) + "=True";
        }
        if (t.*reserved != 0) {
          if (!first) s += ", ";
          s += "reserved_bits=" + std::to_string(t.*reserved);
        }
        return s + ")";
      },
      "The flags that are set.");
}

}  // namespace
}  // namespace gb26875_detail

bool is_user_types(py::handle h) { return py::isinstance<gb26875_detail::user_types_obj>(h); }

const gb::user_types* user_types_of(py::handle h) {
  using namespace gb26875_detail;
  if (h.is_none()) return nullptr;
  if (!is_user_types(h)) {
    throw py::type_error("expected a firebus.gb26875.UserTypes or None, found " +
                         std::string(py::str(py::type::of(h).attr("__name__"))));
  }
  return &h.cast<const user_types_obj&>().types;
}

py::object adu_to_py(const gb::adu& a) { return py::cast(gb26875_detail::adu_to_python(a)); }

gb::adu adu_from_py(py::handle h) {
  using namespace gb26875_detail;
  return adu_from_python(h.cast<const adu_obj&>());
}

void bind_gb26875(py::module_& m) {
  using namespace gb26875_detail;
  m.doc() =
      "GB/T 26875.3-2011 (urban fire remote monitoring, user information transmission device "
      "protocol): frames, application data units (ADUs) and their objects, code tables, status "
      "words, a streaming deframer and batch decoding.\n\n"
      "Bytes in, bytes out: decode_frame(bytes) -> Frame, Frame.decode_adu() -> Adu, "
      "encode_adu(Adu) -> bytes, encode_frame(Header, adu) -> bytes. Errors raise "
      "firebus.GB26875Error with the C++ messages (attribute code: an Errc value).\n\n"
      "ADU object classes (one per ADU type, attribute TYPE): SystemStatusRecord (1), "
      "ComponentStatusRecord (2), ComponentAnalog (3), SystemOperation (4), "
      "SystemSoftwareVersion (5), SystemConfig (6), ComponentConfig (7), SystemTime (8), "
      "UitdStatusRecord (21), UitdOperation (24), UitdSoftwareVersion (25), UitdConfig (26), "
      "UitdTime (28), ReadSystemStatus (61) ... DutyCheck (91); UserObject and UserBlob for the "
      "user-defined types 128-254. The *Record names keep SystemStatus, ComponentStatus and "
      "UitdStatus for the IntFlag classes of the status bits.\n\n"
      "Time tags are TimeTag values (year 2000..2255 and five one-byte fields, not validated on "
      "decode); TimeTag.to_datetime()/from_datetime() convert to and from datetime.datetime.";

  // --- enums
  // --------------------------------------------------------------------------------------
  make_enum<gb::command>(m, "Command", module_name,
                         {{"control", gb::command::control},
                          {"send_data", gb::command::send_data},
                          {"confirm", gb::command::confirm},
                          {"request", gb::command::request},
                          {"response", gb::command::response},
                          {"deny", gb::command::deny}},
                         "The command byte (§6.4, Table 3). 0 and 7..127 are reserved, 128..255 "
                         "user-defined: those come back as plain ints.");
  make_enum<gb::adu_type>(
      m, "AduType", module_name,
      {
          {"system_status", gb::adu_type::system_status},
          {"component_status", gb::adu_type::component_status},
          {"component_analog", gb::adu_type::component_analog},
          {"system_operation", gb::adu_type::system_operation},
          {"system_software_version", gb::adu_type::system_software_version},
          {"system_config", gb::adu_type::system_config},
          {"component_config", gb::adu_type::component_config},
          {"system_time", gb::adu_type::system_time},
          {"uitd_status", gb::adu_type::uitd_status},
          {"uitd_operation", gb::adu_type::uitd_operation},
          {"uitd_software_version", gb::adu_type::uitd_software_version},
          {"uitd_config", gb::adu_type::uitd_config},
          {"uitd_time", gb::adu_type::uitd_time},
          {"read_system_status", gb::adu_type::read_system_status},
          {"read_component_status", gb::adu_type::read_component_status},
          {"read_component_analog", gb::adu_type::read_component_analog},
          {"read_system_operations", gb::adu_type::read_system_operations},
          {"read_system_software_version", gb::adu_type::read_system_software_version},
          {"read_system_config", gb::adu_type::read_system_config},
          {"read_component_config", gb::adu_type::read_component_config},
          {"read_system_time", gb::adu_type::read_system_time},
          {"read_uitd_status", gb::adu_type::read_uitd_status},
          {"read_uitd_operations", gb::adu_type::read_uitd_operations},
          {"read_uitd_software_version", gb::adu_type::read_uitd_software_version},
          {"read_uitd_config", gb::adu_type::read_uitd_config},
          {"read_uitd_time", gb::adu_type::read_uitd_time},
          {"init_uitd", gb::adu_type::init_uitd},
          {"sync_uitd_time", gb::adu_type::sync_uitd_time},
          {"duty_check", gb::adu_type::duty_check},
      },
      "ADU type codes (§8, Table 7): 1-28 upstream (UITD -> centre), 61-91 "
      "downstream; 128-254 user-defined (plain ints).");
  make_enum<gb::system_type>(
      m, "SystemType", module_name,
      {
          {"general", gb::system_type::general},
          {"fire_alarm", gb::system_type::fire_alarm},
          {"linkage_controller", gb::system_type::linkage_controller},
          {"hydrant", gb::system_type::hydrant},
          {"sprinkler", gb::system_type::sprinkler},
          {"gas_extinguishing", gb::system_type::gas_extinguishing},
          {"water_spray_pump", gb::system_type::water_spray_pump},
          {"water_spray_pressure_vessel", gb::system_type::water_spray_pressure_vessel},
          {"foam", gb::system_type::foam},
          {"dry_powder", gb::system_type::dry_powder},
          {"smoke_control", gb::system_type::smoke_control},
          {"fire_doors_shutters", gb::system_type::fire_doors_shutters},
          {"fire_elevator", gb::system_type::fire_elevator},
          {"emergency_broadcast", gb::system_type::emergency_broadcast},
          {"emergency_lighting", gb::system_type::emergency_lighting},
          {"fire_power_supply", gb::system_type::fire_power_supply},
          {"fire_telephone", gb::system_type::fire_telephone},
      },
      "Type of a building fire-protection system (Table 4). Names: "
      "name(code, lang) or system_type_name().");
  make_enum<gb::component_type>(
      m, "ComponentType", module_name,
      {
          {"general", gb::component_type::general},
          {"fire_alarm_controller", gb::component_type::fire_alarm_controller},
          {"combustible_gas_detector", gb::component_type::combustible_gas_detector},
          {"point_combustible_gas_detector", gb::component_type::point_combustible_gas_detector},
          {"standalone_combustible_gas_detector",
           gb::component_type::standalone_combustible_gas_detector},
          {"line_combustible_gas_detector", gb::component_type::line_combustible_gas_detector},
          {"electrical_fire_monitor", gb::component_type::electrical_fire_monitor},
          {"residual_current_electrical_fire_detector",
           gb::component_type::residual_current_electrical_fire_detector},
          {"temperature_electrical_fire_detector",
           gb::component_type::temperature_electrical_fire_detector},
          {"detection_loop", gb::component_type::detection_loop},
          {"fire_display_panel", gb::component_type::fire_display_panel},
          {"manual_call_point", gb::component_type::manual_call_point},
          {"hydrant_button", gb::component_type::hydrant_button},
          {"fire_detector", gb::component_type::fire_detector},
          {"heat_detector", gb::component_type::heat_detector},
          {"point_heat_detector", gb::component_type::point_heat_detector},
          {"point_heat_detector_s", gb::component_type::point_heat_detector_s},
          {"point_heat_detector_r", gb::component_type::point_heat_detector_r},
          {"line_heat_detector", gb::component_type::line_heat_detector},
          {"line_heat_detector_s", gb::component_type::line_heat_detector_s},
          {"line_heat_detector_r", gb::component_type::line_heat_detector_r},
          {"fibre_optic_heat_detector", gb::component_type::fibre_optic_heat_detector},
          {"smoke_detector", gb::component_type::smoke_detector},
          {"point_ionisation_smoke_detector", gb::component_type::point_ionisation_smoke_detector},
          {"point_photoelectric_smoke_detector",
           gb::component_type::point_photoelectric_smoke_detector},
          {"linear_beam_smoke_detector", gb::component_type::linear_beam_smoke_detector},
          {"aspirating_smoke_detector", gb::component_type::aspirating_smoke_detector},
          {"multi_sensor_detector", gb::component_type::multi_sensor_detector},
          {"multi_sensor_smoke_heat_detector",
           gb::component_type::multi_sensor_smoke_heat_detector},
          {"multi_sensor_flame_heat_detector",
           gb::component_type::multi_sensor_flame_heat_detector},
          {"multi_sensor_flame_smoke_detector",
           gb::component_type::multi_sensor_flame_smoke_detector},
          {"uv_flame_detector", gb::component_type::uv_flame_detector},
          {"ir_flame_detector", gb::component_type::ir_flame_detector},
          {"flame_detector", gb::component_type::flame_detector},
          {"gas_detector", gb::component_type::gas_detector},
          {"video_image_fire_detector", gb::component_type::video_image_fire_detector},
          {"acoustic_fire_detector", gb::component_type::acoustic_fire_detector},
          {"gas_extinguishing_controller", gb::component_type::gas_extinguishing_controller},
          {"fire_electrical_control_device", gb::component_type::fire_electrical_control_device},
          {"control_room_graphic_display", gb::component_type::control_room_graphic_display},
          {"module", gb::component_type::module},
          {"input_module", gb::component_type::input_module},
          {"output_module", gb::component_type::output_module},
          {"input_output_module", gb::component_type::input_output_module},
          {"relay_module", gb::component_type::relay_module},
          {"fire_pump", gb::component_type::fire_pump},
          {"fire_water_tank", gb::component_type::fire_water_tank},
          {"sprinkler_pump", gb::component_type::sprinkler_pump},
          {"water_flow_indicator", gb::component_type::water_flow_indicator},
          {"signal_valve", gb::component_type::signal_valve},
          {"alarm_valve", gb::component_type::alarm_valve},
          {"pressure_switch", gb::component_type::pressure_switch},
          {"valve_actuator", gb::component_type::valve_actuator},
          {"fire_door", gb::component_type::fire_door},
          {"fire_damper", gb::component_type::fire_damper},
          {"ventilation_air_conditioning", gb::component_type::ventilation_air_conditioning},
          {"foam_pump", gb::component_type::foam_pump},
          {"pipe_network_solenoid_valve", gb::component_type::pipe_network_solenoid_valve},
          {"smoke_control_fan", gb::component_type::smoke_control_fan},
          {"smoke_exhaust_fire_damper", gb::component_type::smoke_exhaust_fire_damper},
          {"normally_closed_air_inlet", gb::component_type::normally_closed_air_inlet},
          {"smoke_outlet", gb::component_type::smoke_outlet},
          {"electric_smoke_curtain", gb::component_type::electric_smoke_curtain},
          {"fire_shutter_controller", gb::component_type::fire_shutter_controller},
          {"fire_door_monitor", gb::component_type::fire_door_monitor},
          {"warning_device", gb::component_type::warning_device},
      },
      "Type of a component (Table 5). Names: name(code, lang) or "
      "component_type_name().");
  make_enum<gb::analog_type>(m, "AnalogType", module_name,
                             {
                                 {"event_count", gb::analog_type::event_count},
                                 {"height", gb::analog_type::height},
                                 {"temperature", gb::analog_type::temperature},
                                 {"pressure_mpa", gb::analog_type::pressure_mpa},
                                 {"pressure_kpa", gb::analog_type::pressure_kpa},
                                 {"gas_concentration", gb::analog_type::gas_concentration},
                                 {"time", gb::analog_type::time},
                                 {"voltage", gb::analog_type::voltage},
                                 {"current", gb::analog_type::current},
                                 {"flow", gb::analog_type::flow},
                                 {"air_volume", gb::analog_type::air_volume},
                                 {"wind_speed", gb::analog_type::wind_speed},
                             },
                             "Type of an analog value (ADU type 3), with unit and resolution: "
                             "analog_info().");
  make_enum<gb::system_status_bit>(
      m, "SystemStatus", module_name,
      {
          {"normal_operation", gb::system_status_bit::normal_operation},
          {"fire_alarm", gb::system_status_bit::fire_alarm},
          {"fault", gb::system_status_bit::fault},
          {"disabled", gb::system_status_bit::disabled},
          {"supervisory", gb::system_status_bit::supervisory},
          {"started", gb::system_status_bit::started},
          {"feedback", gb::system_status_bit::feedback},
          {"delay", gb::system_status_bit::delay},
          {"main_power_fault", gb::system_status_bit::main_power_fault},
          {"backup_power_fault", gb::system_status_bit::backup_power_fault},
          {"bus_fault", gb::system_status_bit::bus_fault},
          {"manual_mode", gb::system_status_bit::manual_mode},
          {"config_changed", gb::system_status_bit::config_changed},
          {"reset", gb::system_status_bit::reset},
      },
      "Bits of a system status word (ADU type 1, Figure 6). Bit 0: "
      "1 = normal operation, 0 = test; decode with "
      "decode_system_status() and a Bit0Policy.",
      true);
  make_enum<gb::component_status_bit>(
      m, "ComponentStatus", module_name,
      {
          {"normal_operation", gb::component_status_bit::normal_operation},
          {"fire_alarm", gb::component_status_bit::fire_alarm},
          {"fault", gb::component_status_bit::fault},
          {"disabled", gb::component_status_bit::disabled},
          {"supervisory", gb::component_status_bit::supervisory},
          {"started", gb::component_status_bit::started},
          {"feedback", gb::component_status_bit::feedback},
          {"delay", gb::component_status_bit::delay},
          {"power_fault", gb::component_status_bit::power_fault},
      },
      "Bits of a component status word (ADU type 2, Figure 7).", true);
  make_enum<gb::uitd_status_bit>(
      m, "UitdStatus", module_name,
      {
          {"normal_monitoring", gb::uitd_status_bit::normal_monitoring},
          {"fire_alarm", gb::uitd_status_bit::fire_alarm},
          {"fault", gb::uitd_status_bit::fault},
          {"main_power_fault", gb::uitd_status_bit::main_power_fault},
          {"backup_power_fault", gb::uitd_status_bit::backup_power_fault},
          {"centre_link_fault", gb::uitd_status_bit::centre_link_fault},
          {"monitored_line_fault", gb::uitd_status_bit::monitored_line_fault},
      },
      "Bits of the UITD status byte (ADU type 21).", true);
  make_enum<gb::operation_flag>(
      m, "OperationFlag", module_name,
      {
          {"reset", gb::operation_flag::reset},
          {"silence", gb::operation_flag::silence},
          {"manual_alarm", gb::operation_flag::manual_alarm},
          {"alarm_cleared", gb::operation_flag::alarm_cleared},
          {"self_test", gb::operation_flag::self_test},
          {"confirm_or_duty_answer", gb::operation_flag::confirm_or_duty_answer},
          {"confirm", gb::operation_flag::confirm},
          {"duty_check_answer", gb::operation_flag::duty_check_answer},
          {"test", gb::operation_flag::test},
      },
      "Bits of an operation-record byte (ADU types 4 and 24). Bit 5 is "
      "confirm (facility) / duty_check_answer (UITD): one bit, three "
      "names.",
      true);
  make_enum<gb::bit0_policy>(
      m, "Bit0Policy", module_name,
      {{"standard", gb::bit0_policy::standard},
       {"zero_means_normal", gb::bit0_policy::zero_means_normal}},
      "How to read bit 0 of the status words: standard (1 = normal, 0 = test) or "
      "zero_means_normal (for peers that leave it at 0: never test mode; written as 0).");
  make_enum<gb::status_kind>(m, "StatusKind", module_name,
                             {{"system", gb::status_kind::system},
                              {"component", gb::status_kind::component},
                              {"uitd", gb::status_kind::uitd},
                              {"facility_operation", gb::status_kind::facility_operation},
                              {"uitd_operation", gb::status_kind::uitd_operation}},
                             "Which status or operation field a value comes from.");
  make_enum<gb::name_language>(
      m, "NameLanguage", module_name,
      {{"english", gb::name_language::english}, {"chinese", gb::name_language::chinese}},
      "Language of names: english (stable snake_case) or chinese (the standard's terms). "
      "Functions here take lang='en' or 'zh'.");
  make_enum<gb::adu_limits>(
      m, "AduLimits", module_name,
      {{"standard", gb::adu_limits::standard}, {"size_only", gb::adu_limits::size_only}},
      "Which limits encode_adu() enforces: the standard's object counts and 1024 bytes, or only "
      "the 1024 bytes.");
  make_enum<gb::errc>(m, "Errc", module_name,
                      {{"bad_start", gb::errc::bad_start},
                       {"truncated", gb::errc::truncated},
                       {"adu_too_long", gb::errc::adu_too_long},
                       {"checksum_mismatch", gb::errc::checksum_mismatch},
                       {"bad_end", gb::errc::bad_end},
                       {"trailing_bytes", gb::errc::trailing_bytes},
                       {"unknown_command", gb::errc::unknown_command},
                       {"reserved_adu_type", gb::errc::reserved_adu_type},
                       {"adu_count_mismatch", gb::errc::adu_count_mismatch},
                       {"too_many_objects", gb::errc::too_many_objects},
                       {"invalid_time", gb::errc::invalid_time},
                       {"text_too_long", gb::errc::text_too_long},
                       {"out_of_range", gb::errc::out_of_range},
                       {"garbage", gb::errc::garbage},
                       {"object_type_mismatch", gb::errc::object_type_mismatch},
                       {"no_answer", gb::errc::no_answer},
                       {"denied", gb::errc::denied},
                       {"queue_full", gb::errc::queue_full},
                       {"not_connected", gb::errc::not_connected},
                       {"unexpected_answer", gb::errc::unexpected_answer}},
                      "GB26875Error codes (GB26875Error.code; category 'firebus.gb26875').");

  // The text submodule first: the ADU objects' decode_text() takes its TextPolicy.
  bind_text(m);

  // --- constants
  // ----------------------------------------------------------------------------------
  m.attr("MAX_ADU_SIZE") = gb::max_adu_size;
  m.attr("HEADER_SIZE") = gb::header_size;
  m.attr("TRAILER_SIZE") = gb::trailer_size;
  m.attr("MIN_FRAME_SIZE") = gb::min_frame_size;
  m.attr("MAX_FRAME_SIZE") = gb::max_frame_size;
  m.attr("LENGTH_OFFSET") = gb::length_offset;
  m.attr("MAX_ADDRESS") = gb::max_address;

  m.def(
      "errc_message", [](gb::errc e) { return gb::make_error_code(e).message(); }, py::arg("code"),
      "The C++ message of an Errc ('checksum mismatch').");

  // --- time tags
  // ----------------------------------------------------------------------------------
  py::class_<gb::time_tag> tt(
      m, "TimeTag",
      "A 6-byte time tag (§6.6): second, minute, hour, day, month, year (2000..2255). Not "
      "validated on decode (valid() tells); the standard names no time zone, so conversions take "
      "an explicit UTC offset in minutes (480 for China Standard Time) or give naive datetimes.");
  tt.def(py::init(&make_tag), py::arg("year") = 2000, py::arg("month") = 1, py::arg("day") = 1,
         py::arg("hour") = 0, py::arg("minute") = 0, py::arg("second") = 0,
         "A time tag from calendar fields (year 2000..2255, others one byte each; not validated: "
         "see valid()). GB26875Error (out_of_range) for values that do not fit.");
  tt.def_property(
      "year", [](const gb::time_tag& t) { return 2000 + t.year; },
      [](gb::time_tag& t, int y) {
        if (y < 2000 || y > 2255) {
          raise_errc(gb::errc::out_of_range,
                     "time tag year " + std::to_string(y) + " (2000..2255 expected)");
        }
        t.year = static_cast<std::uint8_t>(y - 2000);
      },
      "The year, 2000..2255 (the wire byte is year - 2000).");
  tt.def_readwrite("month", &gb::time_tag::month, "Month byte (1..12 when valid).");
  tt.def_readwrite("day", &gb::time_tag::day, "Day byte (1..31 when valid).");
  tt.def_readwrite("hour", &gb::time_tag::hour, "Hour byte (0..23 when valid).");
  tt.def_readwrite("minute", &gb::time_tag::minute, "Minute byte (0..59 when valid).");
  tt.def_readwrite("second", &gb::time_tag::second, "Second byte (0..59 when valid).");
  tt.def("valid", &gb::time_tag::valid, "True if the fields form a valid date and time.");
  tt.def("to_datetime", &tag_to_datetime, py::arg("utc_offset_minutes") = py::none(),
         "The time as datetime.datetime: naive if utc_offset_minutes is None, else aware at that "
         "offset. GB26875Error (invalid_time) if not valid().");
  tt.def_static("from_datetime", &tag_from_datetime, py::arg("when"),
                py::arg("utc_offset_minutes") = py::none(),
                "A time tag from a datetime's calendar fields; an aware datetime is first "
                "converted to utc_offset_minutes when given. GB26875Error (invalid_time) outside "
                "2000..2255.");
  tt.def(
      "to_bytes",
      [](const gb::time_tag& t) {
        const std::uint8_t b[6] = {t.second, t.minute, t.hour, t.day, t.month, t.year};
        return to_bytes(firebus::byte_view(b));
      },
      "The 6 wire bytes: second, minute, hour, day, month, year - 2000.");
  tt.def(
      "__eq__", [](const gb::time_tag& a, const gb::time_tag& b) { return a == b; },
      py::is_operator(), "Equal if every field is equal.");
  tt.def("__str__", &tag_str, "'YYYY-MM-DD hh:mm:ss'.");
  tt.def(
      "__repr__",
      [](const gb::time_tag& t) {
        return "TimeTag(year=" + std::to_string(2000 + t.year) +
               ", month=" + std::to_string(t.month) + ", day=" + std::to_string(t.day) +
               ", hour=" + std::to_string(t.hour) + ", minute=" + std::to_string(t.minute) +
               ", second=" + std::to_string(t.second) + ")";
      },
      "TimeTag(year=..., ...).");
  tt.def(
      "__copy__", [](const gb::time_tag& t) { return t; }, "A copy.");
  tt.def(
      "__deepcopy__", [](const gb::time_tag& t, const py::dict&) { return t; }, py::arg("memo"),
      "A copy.");

  // --- header and frame
  // ---------------------------------------------------------------------------
  py::class_<gb::header> hdr(m, "Header",
                             "The fields of a frame other than its ADU (§6.6, Table 2).");
  hdr.def(py::init([](std::uint16_t serial, std::uint8_t command, std::uint64_t source,
                      std::uint64_t destination, const gb::time_tag& time,
                      std::uint8_t version_major, std::uint8_t version_minor) {
            gb::header h;
            h.serial = serial;
            h.cmd = static_cast<gb::command>(command);
            h.source = source;
            h.destination = destination;
            h.time = time;
            h.version_major = version_major;
            h.version_minor = version_minor;
            return h;
          }),
          py::arg("serial") = 0, py::arg("command") = 2, py::arg("source") = 0,
          py::arg("destination") = 0, py::arg("time") = gb::time_tag{},
          py::arg("version_major") = 1, py::arg("version_minor") = 0,
          "A header (command: a Command or any byte; addresses: 6 bytes, checked on encode).");
  hdr.def_readwrite("serial", &gb::header::serial,
                    "Business serial number (u16); a reply echoes it.");
  hdr.def_readwrite("version_major", &gb::header::version_major, "Protocol version, major (1).");
  hdr.def_readwrite("version_minor", &gb::header::version_minor, "Protocol version, user version.");
  hdr.def_readwrite("time", &gb::header::time, "When the frame was sent (TimeTag).");
  hdr.def_readwrite("source", &gb::header::source, "6-byte source address.");
  hdr.def_readwrite("destination", &gb::header::destination, "6-byte destination address.");
  hdr.def_property(
      "command", [](const gb::header& h) { return h.cmd; },
      [](gb::header& h, std::uint8_t c) { h.cmd = static_cast<gb::command>(c); },
      "The command byte: a Command, or a plain int for reserved and user-defined values.");
  hdr.def(
      "reply",
      [](const gb::header& h, std::uint8_t answer) {
        return gb::reply_header(h, static_cast<gb::command>(answer));
      },
      py::arg("answer"),
      "The header of the answer (confirm, deny, response): same serial and version, source and "
      "destination swapped. Set its time.");
  hdr.def(
      "__eq__", [](const gb::header& a, const gb::header& b) { return a == b; }, py::is_operator(),
      "Equal if every field is equal.");
  hdr.def(
      "__repr__",
      [](py::object self) {
        const auto& h = self.cast<const gb::header&>();
        return "Header(serial=" + std::to_string(h.serial) +
               ", command=" + py::repr(self.attr("command")).cast<std::string>() +
               ", source=" + std::to_string(h.source) +
               ", destination=" + std::to_string(h.destination) +
               ", time=" + py::repr(py::cast(h.time)).cast<std::string>() +
               ", version_major=" + std::to_string(h.version_major) +
               ", version_minor=" + std::to_string(h.version_minor) + ")";
      },
      "Header(...).");
  hdr.def(
      "__copy__", [](const gb::header& h) { return h; }, "A copy.");
  hdr.def(
      "__deepcopy__", [](const gb::header& h, const py::dict&) { return h; }, py::arg("memo"),
      "A copy.");

  // Classes first, so that signatures below name them (pybind11 writes a C++ type name for a
  // class not yet registered).
  // Garbage-collected: a size callable that refers back to its registry (a bound method of an
  // object that holds the UserTypes) forms a cycle the collector must see through.
  py::class_<user_types_obj> ut(
      m, "UserTypes",
      "Registered user-defined ADU types (128-254), so that decode_adu() splits their ADUs into "
      "UserObject items: with a fixed object size (add_fixed) or a Python callable that sizes "
      "each object (add_variable). Unregistered types decode as one UserBlob. Give it to "
      "decode_adu(), Frame.decode_adu() and ServerConfig.users.",
      py::custom_type_setup([](PyHeapTypeObject* heap_type) {
        PyTypeObject* type = &heap_type->ht_type;
        type->tp_flags |= Py_TPFLAGS_HAVE_GC;
        type->tp_traverse = [](PyObject* self, visitproc visit, void* arg) -> int {
#if PY_VERSION_HEX >= 0x03090000
          Py_VISIT(Py_TYPE(self));
#endif
          const user_types_obj* u = constructed<user_types_obj>(self);
          if (u == nullptr) return 0;  // not constructed yet: nothing to visit
          for (const size_fn& f : u->sizes) Py_VISIT(f.fn.ptr());
          return 0;
        };
        type->tp_clear = [](PyObject* self) -> int {
          // Unreachable garbage: a size function called from now on finds None and fails.
          if (user_types_obj* u = constructed<user_types_obj>(self)) {
            for (size_fn& f : u->sizes) f.fn = py::none();
          }
          return 0;
        };
      }));
  py::class_<adu_obj> adu_cls(m, "Adu",
                              "An application data unit: its type and its objects (instances of "
                              "the class of that type: OBJECT_CLASSES[type]; UserObject/UserBlob "
                              "for 128-254).");

  ut.def(py::init<>(), "An empty registry.")
      .def(
          "add_fixed",
          [](user_types_obj& u, std::uint8_t type, const std::string& name,
             std::size_t fixed_size) {
            u.names.push_back(name);
            std::error_code ec;
            u.types.add_fixed(type, u.names.back(), fixed_size, ec);
            check(ec, "user type");
          },
          py::arg("type"), py::arg("name"), py::arg("fixed_size"),
          "Registers `type` (128..254) whose objects have fixed_size bytes (>= 1); "
          "GB26875Error (out_of_range) otherwise. Replaces an earlier registration of `type`.")
      .def(
          "add_variable",
          [](user_types_obj& u, std::uint8_t type, const std::string& name,
             const size_callable& size) {
            if (type < 128 || type > 254) {
              raise(gb::make_error_code(gb::errc::out_of_range), "user type");
            }
            u.names.push_back(name);
            u.sizes.push_back(size_fn{size.fn, type, name});
            std::error_code ec;
            u.types.add_variable(type, u.names.back(), &python_size, ec, &u.sizes.back());
            check(ec, "user type");
          },
          py::arg("type"), py::arg("name"), py::arg("size"),
          "Registers `type` (128..254) whose objects differ in size: size(rest) gets the bytes "
          "left in the ADU (bytes, starting at the object; never empty) and returns the object's "
          "size, an int in 1..len(rest). Anything else -- an exception, a non-int, 0 or more than "
          "len(rest) -- "
          "rejects the ADU as a bad object would: GB26875Error (truncated) whose __cause__ is the "
          "callable's exception (or a TypeError/ValueError saying what it returned). To reject "
          "an object, raise firebus.GB26875Error or return 0. It is called with the GIL held, "
          "from the thread that decodes (a Server's I/O thread too), twice per object (once to "
          "check the ADU, once to collect its objects): it must answer the same both times and "
          "should be quick. On a Server's thread, an exception other than firebus.Error goes to "
          "sys.unraisablehook. The registry keeps `size` alive. GB26875Error (out_of_range) for "
          "a type outside 128..254.")
      .def(
          "find",
          [](const user_types_obj& u,
             std::uint8_t type) -> std::optional<std::pair<std::string, std::size_t>> {
            const gb::user_types::entry* e = u.types.find(type);
            if (e == nullptr) return std::nullopt;
            return std::make_pair(std::string(e->name), e->fixed_size);
          },
          py::arg("type"),
          "(name, fixed_size) of a registered type, or None; fixed_size is 0 for a type "
          "registered with add_variable().")
      .def(
          "size_function",
          [](const user_types_obj& u, std::uint8_t type) -> std::optional<size_callable> {
            const gb::user_types::entry* e = u.types.find(type);
            if (e == nullptr || e->context == nullptr) return std::nullopt;
            return size_callable{static_cast<const size_fn*>(e->context)->fn};
          },
          py::arg("type"),
          "The size callable of a type registered with add_variable(), or None (fixed-size or "
          "unregistered).");

  py::class_<frame_obj> fr(m, "Frame", "A decoded frame: its header and its ADU bytes.");
  fr.def(py::init([](const gb::header& h, const py::bytes& adu) {
           return frame_obj{h, to_string(view_of(adu))};
         }),
         py::arg_v("header", gb::header{}, "Header()"), py::arg("adu") = py::bytes(),
         "A frame from a header and ADU bytes (empty for confirm, deny, heartbeat).");
  fr.def_readwrite("header", &frame_obj::header, "The Header.");
  fr.def_property(
      "adu", [](const frame_obj& f) { return py::bytes(f.adu); },
      [](frame_obj& f, const py::bytes& b) { f.adu = to_string(view_of(b)); },
      "The ADU bytes (type, count, objects), b'' for confirm/deny/heartbeat.");
  fr.def_property_readonly(
      "command", [](const frame_obj& f) { return f.header.cmd; }, "header.command.");
  fr.def_property_readonly(
      "serial", [](const frame_obj& f) { return f.header.serial; }, "header.serial.");
  fr.def(
      "decode_adu",
      [](const frame_obj& f, const users_arg& users) {
        return decode_adu_bytes(view_of(f.adu), users.types());
      },
      py::arg("user_types") = py::none(),
      "decode_adu(self.adu). GB26875Error for a bad or empty ADU (check self.adu first).");
  fr.def(
      "encode",
      [](const frame_obj& f) { return to_bytes(gb::encode_frame(f.header, view_of(f.adu))); },
      "encode_frame(self.header, self.adu).");
  fr.def(
      "__eq__", [](const frame_obj& a, const frame_obj& b) { return a == b; }, py::is_operator(),
      "Equal headers and ADUs.");
  fr.def(
      "__repr__",
      [](py::object self) {
        return "Frame(header=" + py::repr(self.attr("header")).cast<std::string>() +
               ", adu=" + py::repr(self.attr("adu")).cast<std::string>() + ")";
      },
      "Frame(header=..., adu=...).");

  py::class_<gb::frame_diagnostic>(m, "FrameDiagnostic",
                                   "Where and why a frame was refused: offset of the offending "
                                   "field, what was expected there and what was found.")
      .def(py::init([](std::size_t offset, std::uint32_t expected, std::uint32_t found) {
             return gb::frame_diagnostic{offset, expected, found};
           }),
           py::arg("offset") = 0, py::arg("expected") = 0, py::arg("found") = 0,
           "A diagnostic from its fields.")
      .def_readwrite("offset", &gb::frame_diagnostic::offset, "Offset of the offending field.")
      .def_readwrite("expected", &gb::frame_diagnostic::expected, "What was expected there.")
      .def_readwrite("found", &gb::frame_diagnostic::found, "What was found.")
      .def(
          "__repr__",
          [](const gb::frame_diagnostic& d) {
            return "FrameDiagnostic(offset=" + std::to_string(d.offset) +
                   ", expected=" + std::to_string(d.expected) +
                   ", found=" + std::to_string(d.found) + ")";
          },
          "FrameDiagnostic(...).");

  m.def(
      "decode_frame", [](const py::bytes& data) { return decode_frame_bytes(view_of(data)); },
      py::arg("data"),
      "Decodes exactly one frame. GB26875Error otherwise, with the C++ message ('gb26875 frame: "
      "checksum 0x68 expected, 0x63 found at offset 75: checksum mismatch') and attributes code "
      "(Errc), offset, expected, found. Reserved commands and invalid time tags are not errors "
      "here.");
  m.def(
      "encode_frame",
      [](const gb::header& h, const py::bytes& adu) {
        return to_bytes(gb::encode_frame(h, view_of(adu)));
      },
      py::arg("header"), py::arg("adu") = py::bytes(),
      "A whole frame carrying `adu` (length and checksum computed). GB26875Error: adu_too_long "
      "(over 1024 bytes), out_of_range (an address >= 2**48).");
  m.def(
      "diagnose_frame",
      [](const py::bytes& data) -> std::optional<std::tuple<gb::errc, gb::frame_diagnostic>> {
        std::error_code ec;
        gb::frame_diagnostic d;
        (void)gb::decode_frame(view_of(data), ec, &d);
        if (!ec) return std::nullopt;
        return std::make_tuple(static_cast<gb::errc>(ec.value()), d);
      },
      py::arg("data"),
      "None if `data` is exactly one valid frame, else (Errc, FrameDiagnostic) without raising.");
  m.def(
      "describe",
      [](gb::errc code, const gb::frame_diagnostic& d) {
        return gb::describe(gb::make_error_code(code), d);
      },
      py::arg("code"), py::arg("diagnostic"),
      "Describes a frame error: 'checksum 0x46 expected, 0x47 found at offset 75'.");
  m.def(
      "checksum", [](const py::bytes& data) { return gb::checksum(view_of(data)); },
      py::arg("data"),
      "The sum of `data` modulo 256 (a frame's checksum covers bytes 2 .. 26 + L).");
  m.def("frame_size", &gb::frame_size, py::arg("adu_size"),
        "Size of a frame carrying adu_size ADU bytes (30 + adu_size).");
  m.def(
      "check_frame_head",
      [](const py::bytes& data) {
        std::error_code ec;
        gb::frame_diagnostic d;
        const std::size_t n = gb::check_frame_head(view_of(data), ec, &d);
        if (ec) raise(ec, "gb26875 frame: " + gb::describe(ec, d));
        return n;
      },
      py::arg("data"),
      "The size of the whole frame (30 + L) from its first 27 bytes; GB26875Error (truncated, "
      "bad_start, adu_too_long) otherwise.");
  m.def(
      "is_defined_command",
      [](std::uint8_t c) { return gb::is_defined(static_cast<gb::command>(c)); }, py::arg("code"),
      "True for 1..6.");
  m.def(
      "is_user_defined_command",
      [](std::uint8_t c) { return gb::is_user_defined(static_cast<gb::command>(c)); },
      py::arg("code"), "True for 128..255.");
  m.def(
      "is_reserved_command",
      [](std::uint8_t c) { return gb::is_reserved(static_cast<gb::command>(c)); }, py::arg("code"),
      "True for 0 and 7..127 (answered with deny, §6.5.3).");

  // --- ADU objects
  // --------------------------------------------------------------------------------
  const field_doc st{"system_type", "System type code (SystemType, Table 4)."};
  const field_doc sa{"system_address", "Address of the system."};
  const field_doc ct{"component_type", "Component type code (ComponentType, Table 5)."};
  const field_doc ca{"component_address", "4-byte component address."};
  const field_doc tm{"time", "Time tag (TimeTag)."};
  const field_doc desc{"text",
                       "Description: the 31 GB 18030 bytes as sent (padding included); set "
                       "bytes (<= 31, padded with 0x00) or str (converted). decode_text() gives "
                       "str."};
  const field_doc cfg{"text",
                      "Configuration text: GB 18030 bytes (<= 255); set bytes or str "
                      "(converted). decode_text() gives str."};

  auto c1 = bind_object<gb::system_status, 4>(
      m, "SystemStatusRecord", "ADU type 1: the state of a building fire-safety system.",
      {{st, sa, {"status", "Status bits (SystemStatus; decode_system_status())."}, tm}});
  add_type_attr(c1);
  auto c2 = bind_object<gb::component_status, 7>(
      m, "ComponentStatusRecord",
      "ADU type 2: the state of a component, e.g. a detector in fire alarm.",
      {{st,
        sa,
        ct,
        ca,
        {"status", "Status bits (ComponentStatus; decode_component_status())."},
        desc,
        tm}});
  add_type_attr(c2);
  add_text_method(c2);
  auto c3 = bind_object<gb::component_analog, 7>(
      m, "ComponentAnalog",
      "ADU type 3: an analog value of a component (analog_value(analog_type, value)).",
      {{st,
        sa,
        ct,
        ca,
        {"analog_type", "Analog type code (AnalogType)."},
        {"value", "Raw int16 value."},
        tm}});
  add_type_attr(c3);
  auto c4 = bind_object<gb::system_operation, 5>(
      m, "SystemOperation", "ADU type 4: an operation on a building fire-safety system.",
      {{st,
        sa,
        {"flags", "Operation bits (OperationFlag)."},
        {"operator_id", "Operator number."},
        tm}});
  add_type_attr(c4);
  auto c5 = bind_object<gb::system_software_version, 4>(
      m, "SystemSoftwareVersion", "ADU type 5: a system's software version.",
      {{st, sa, {"major", "Major version."}, {"minor", "Minor version."}}});
  add_type_attr(c5);
  auto c6 = bind_object<system_config_obj, 3>(
      m, "SystemConfig", "ADU type 6: a system's configuration text.", {{st, sa, cfg}});
  add_type_attr(c6);
  add_text_method(c6);
  auto c7 = bind_object<gb::component_config, 5>(
      m, "ComponentConfig", "ADU type 7: a component's configuration (its description).",
      {{st, sa, ct, ca, desc}});
  add_type_attr(c7);
  add_text_method(c7);
  auto c8 = bind_object<gb::system_time, 3>(m, "SystemTime", "ADU type 8: a system's clock.",
                                            {{st, sa, tm}});
  add_type_attr(c8);
  auto c21 = bind_object<gb::uitd_status, 2>(
      m, "UitdStatusRecord", "ADU type 21: the UITD's own state.",
      {{{"status", "UITD status bits (UitdStatus; decode_uitd_status())."}, tm}});
  add_type_attr(c21);
  auto c24 = bind_object<gb::uitd_operation, 3>(
      m, "UitdOperation", "ADU type 24: an operation on the UITD (bit 5: answer to a duty check).",
      {{{"flags", "Operation bits (OperationFlag)."}, {"operator_id", "Operator number."}, tm}});
  add_type_attr(c24);
  auto c25 = bind_object<gb::uitd_software_version, 2>(
      m, "UitdSoftwareVersion", "ADU type 25: the UITD's software version.",
      {{{"major", "Major version."}, {"minor", "Minor version."}}});
  add_type_attr(c25);
  auto c26 = bind_object<uitd_config_obj, 1>(
      m, "UitdConfig", "ADU type 26: the UITD's configuration text.", {{cfg}});
  add_type_attr(c26);
  add_text_method(c26);
  auto c28 = bind_object<gb::uitd_time, 1>(m, "UitdTime", "ADU type 28: the UITD's clock.", {{tm}});
  add_type_attr(c28);

  auto c61 = bind_object<gb::read_system_status, 2>(
      m, "ReadSystemStatus", "ADU type 61: read a system's state.", {{st, sa}});
  add_type_attr(c61);
  auto c62 = bind_object<gb::read_component_status, 3>(
      m, "ReadComponentStatus", "ADU type 62: read a component's state.", {{st, sa, ca}});
  add_type_attr(c62);
  auto c63 = bind_object<gb::read_component_analog, 3>(
      m, "ReadComponentAnalog", "ADU type 63: read a component's analog value.", {{st, sa, ca}});
  add_type_attr(c63);
  auto c64 = bind_object<gb::read_system_operations, 4>(
      m, "ReadSystemOperations", "ADU type 64: read `count` operation records from `start`.",
      {{st, sa, {"count", "Number of records."}, {"start", "First record time (TimeTag)."}}});
  add_type_attr(c64);
  auto c65 = bind_object<gb::read_system_software_version, 2>(
      m, "ReadSystemSoftwareVersion", "ADU type 65: read a system's software version.", {{st, sa}});
  add_type_attr(c65);
  auto c66 = bind_object<gb::read_system_config, 2>(
      m, "ReadSystemConfig", "ADU type 66: read a system's configuration.", {{st, sa}});
  add_type_attr(c66);
  auto c67 = bind_object<gb::read_component_config, 3>(
      m, "ReadComponentConfig", "ADU type 67: read a component's configuration.", {{st, sa, ca}});
  add_type_attr(c67);
  auto c68 = bind_object<gb::read_system_time, 2>(
      m, "ReadSystemTime", "ADU type 68: read a system's clock.", {{st, sa}});
  add_type_attr(c68);
  const field_doc rsv{"reserved", "Reserved byte: sent as 0, kept as received."};
  auto c81 = bind_object<gb::read_uitd_status, 1>(m, "ReadUitdStatus",
                                                  "ADU type 81: read the UITD's state.", {{rsv}});
  add_type_attr(c81);
  auto c84 = bind_object<gb::read_uitd_operations, 2>(
      m, "ReadUitdOperations", "ADU type 84: read the UITD's operation records.",
      {{{"count", "Number of records."}, {"start", "First record time (TimeTag)."}}});
  add_type_attr(c84);
  auto c85 = bind_object<gb::read_uitd_software_version, 1>(
      m, "ReadUitdSoftwareVersion", "ADU type 85: read the UITD's software version.", {{rsv}});
  add_type_attr(c85);
  auto c86 = bind_object<gb::read_uitd_config, 1>(
      m, "ReadUitdConfig", "ADU type 86: read the UITD's configuration.", {{rsv}});
  add_type_attr(c86);
  auto c88 = bind_object<gb::read_uitd_time, 1>(m, "ReadUitdTime",
                                                "ADU type 88: read the UITD's clock.", {{rsv}});
  add_type_attr(c88);
  auto c89 =
      bind_object<gb::init_uitd, 1>(m, "InitUitd", "ADU type 89: initialise the UITD.", {{rsv}});
  add_type_attr(c89);
  auto c90 = bind_object<gb::sync_uitd_time, 1>(m, "SyncUitdTime",
                                                "ADU type 90: set the UITD's clock.", {{tm}});
  add_type_attr(c90);
  auto c91 = bind_object<gb::duty_check, 1>(
      m, "DutyCheck", "ADU type 91: duty check (查岗); answered with type 24, flag bit 5.",
      {{{"timeout_minutes", "Minutes the operator has to answer."}}});
  add_type_attr(c91);
  bind_object<user_object_obj, 2>(
      m, "UserObject", "One object of a registered user-defined type (128-254): its bytes.",
      {{{"type", "The ADU type (128..254)."}, {"data", "The object's bytes as sent."}}});
  bind_object<user_blob_obj, 3>(
      m, "UserBlob",
      "The whole body of an ADU of an unregistered user-defined type (128-254): count byte and "
      "bytes, undivided. Alone in its Adu.",
      {{{"type", "The ADU type (128..254)."},
        {"count", "The object count byte as sent."},
        {"body", "The bytes after the count."}}});

  py::dict classes;
  for (const char* name : {"SystemStatusRecord",
                           "ComponentStatusRecord",
                           "ComponentAnalog",
                           "SystemOperation",
                           "SystemSoftwareVersion",
                           "SystemConfig",
                           "ComponentConfig",
                           "SystemTime",
                           "UitdStatusRecord",
                           "UitdOperation",
                           "UitdSoftwareVersion",
                           "UitdConfig",
                           "UitdTime",
                           "ReadSystemStatus",
                           "ReadComponentStatus",
                           "ReadComponentAnalog",
                           "ReadSystemOperations",
                           "ReadSystemSoftwareVersion",
                           "ReadSystemConfig",
                           "ReadComponentConfig",
                           "ReadSystemTime",
                           "ReadUitdStatus",
                           "ReadUitdOperations",
                           "ReadUitdSoftwareVersion",
                           "ReadUitdConfig",
                           "ReadUitdTime",
                           "InitUitd",
                           "SyncUitdTime",
                           "DutyCheck"}) {
    py::object cls = m.attr(name);
    classes[py::object(cls.attr("TYPE"))] = cls;
  }
  m.attr("OBJECT_CLASSES") = classes;

  // --- ADU
  // ----------------------------------------------------------------------------------------
  adu_cls.def(py::init([](std::uint8_t type, const py::list& objects) {
                adu_obj a;
                a.type = type;
                a.objects = py::list();  // a new list: never the (shared) default argument
                for (py::handle o : objects) a.objects.append(o);
                return a;
              }),
              py::arg("type"), py::arg("objects") = py::list(),
              "An ADU of `type` (an AduType or any byte) holding `objects`.");
  adu_cls.def_property(
      "type", [](const adu_obj& a) { return static_cast<gb::adu_type>(a.type); },
      [](adu_obj& a, std::uint8_t t) { a.type = t; },
      "The ADU type: an AduType, or a plain int for user-defined and reserved codes.");
  adu_cls.def_property(
      "objects", [](const adu_obj& a) { return a.objects; },
      [](adu_obj& a, const py::list& l) { a.objects = l; }, "The list of objects (mutable).");
  adu_cls.def(
      "encode", [](const adu_obj& a, gb::adu_limits limits) { return encode_adu_obj(a, limits); },
      py::arg("limits") = gb::adu_limits::standard, "encode_adu(self, limits).");
  adu_cls.def(
      "__len__", [](const adu_obj& a) { return py::len(a.objects); }, "Number of objects.");
  adu_cls.def(
      "__iter__", [](const adu_obj& a) { return a.objects.attr("__iter__")(); },
      "Iterates over the objects.");
  adu_cls.def(
      "__eq__",
      [](const adu_obj& a, const adu_obj& b) {
        return a.type == b.type && a.objects.equal(b.objects);
      },
      py::is_operator(), "Same type and equal objects.");
  adu_cls.def(
      "__repr__",
      [](py::object self) {
        return "Adu(type=" + py::repr(self.attr("type")).cast<std::string>() +
               ", objects=" + py::repr(self.attr("objects")).cast<std::string>() + ")";
      },
      "Adu(type=..., objects=[...]).");

  m.def(
      "decode_adu",
      [](const py::bytes& data, const users_arg& users) {
        return decode_adu_bytes(view_of(data), users.types());
      },
      py::arg("data"), py::arg("user_types") = py::none(),
      "Decodes a whole ADU into an Adu. GB26875Error ('gb26875 ADU of 3 bytes, type 1: ...'): "
      "truncated (including an empty ADU), reserved_adu_type, adu_too_long, adu_count_mismatch. "
      "User-defined types give one UserBlob unless registered in user_types.");
  m.def("encode_adu", &encode_adu_obj, py::arg("adu"), py::arg("limits") = gb::adu_limits::standard,
        "Encodes an Adu. GB26875Error: reserved_adu_type, object_type_mismatch, too_many_objects "
        "(over max_objects() under AduLimits.standard), text_too_long, adu_too_long. TypeError "
        "for an item that is not an ADU object.");
  m.def(
      "adu_type_of",
      [](py::handle obj) {
        gb::object o;
        if (!object_from_python(obj, o, bound_objects())) {
          throw py::type_error("an ADU object expected");
        }
        return gb::type_of(o);
      },
      py::arg("obj"), "The ADU type of an object (a UserObject's or UserBlob's own type byte).");
  m.def(
      "is_defined_adu_type",
      [](std::uint8_t t) { return gb::is_defined(static_cast<gb::adu_type>(t)); }, py::arg("code"),
      "True for the ADU types the standard defines.");
  m.def(
      "is_user_defined_adu_type",
      [](std::uint8_t t) { return gb::is_user_defined(static_cast<gb::adu_type>(t)); },
      py::arg("code"), "True for 128..254.");
  m.def(
      "is_upstream", [](std::uint8_t t) { return gb::is_upstream(static_cast<gb::adu_type>(t)); },
      py::arg("code"), "True for the types a UITD sends (1-28).");
  m.def(
      "max_objects", [](std::uint8_t t) { return gb::max_objects(static_cast<gb::adu_type>(t)); },
      py::arg("code"),
      "Most objects one ADU of the type carries (Table 7); 255 user-defined, 0 reserved.");
  m.def(
      "object_size", [](std::uint8_t t) { return gb::object_size(static_cast<gb::adu_type>(t)); },
      py::arg("code"),
      "Wire size of one object of a fixed-size type; 0 for types 6 and 26, user-defined and "
      "reserved.");
  m.def(
      "make_description",
      [](const text_arg& text) { return py::bytes(to_bytes(make_description(text))); },
      py::arg("text"),
      "31 description bytes from GB 18030 bytes (padded with 0x00) or str (converted). "
      "GB26875Error/TextError if longer than 31 bytes.");
  m.def(
      "trimmed",
      [](const py::bytes& d) { return to_bytes(gb::trimmed(make_description(text_arg(d)))); },
      py::arg("description"), "A description's bytes without their padding (0x00 and spaces).");

  // --- code tables
  // --------------------------------------------------------------------------------
  py::class_<gb::code_name>(m, "CodeName", "A row of a code table: code, English and Chinese name.")
      .def_property_readonly(
          "code", [](const gb::code_name& c) { return c.code; }, "The code.")
      .def_property_readonly(
          "english", [](const gb::code_name& c) { return std::string(c.english); },
          "Stable snake_case name.")
      .def_property_readonly(
          "chinese", [](const gb::code_name& c) { return std::string(c.chinese); },
          "The standard's term.")
      .def(
          "__repr__",
          [](const gb::code_name& c) {
            return "CodeName(code=" + std::to_string(c.code) + ", english='" +
                   std::string(c.english) + "', chinese='" + std::string(c.chinese) + "')";
          },
          "CodeName(...).");
  py::class_<gb::bit_name>(m, "BitName", "A bit of a status or operation byte with its names.")
      .def_property_readonly(
          "bit", [](const gb::bit_name& b) { return b.bit; }, "Bit index (0 = least significant).")
      .def_property_readonly(
          "english", [](const gb::bit_name& b) { return std::string(b.english); },
          "Stable snake_case name.")
      .def_property_readonly(
          "chinese", [](const gb::bit_name& b) { return std::string(b.chinese); },
          "The standard's term.")
      .def(
          "__repr__",
          [](const gb::bit_name& b) {
            return "BitName(bit=" + std::to_string(b.bit) + ", english='" + std::string(b.english) +
                   "', chinese='" + std::string(b.chinese) + "')";
          },
          "BitName(...).");
  py::class_<gb::analog_info>(m, "AnalogInfo",
                              "An analog type with unit and resolution: value = raw * resolution.")
      .def_property_readonly(
          "type", [](const gb::analog_info& a) { return a.type; }, "The AnalogType.")
      .def_property_readonly(
          "english", [](const gb::analog_info& a) { return std::string(a.english); },
          "Stable snake_case name.")
      .def_property_readonly(
          "chinese", [](const gb::analog_info& a) { return std::string(a.chinese); },
          "The standard's term.")
      .def_property_readonly(
          "unit", [](const gb::analog_info& a) { return std::string(a.unit); },
          "Unit ('°C'); '' for the event count.")
      .def_readonly("resolution", &gb::analog_info::resolution, "Resolution (0.1 for °C).")
      .def(
          "__repr__",
          [](const gb::analog_info& a) {
            return "AnalogInfo(type=" + std::to_string(static_cast<int>(a.type)) + ", english='" +
                   std::string(a.english) + "', unit='" + std::string(a.unit) +
                   "', resolution=" + py::repr(py::float_(a.resolution)).cast<std::string>() + ")";
          },
          "AnalogInfo(...).");

  auto table = [](gb::code_table<gb::code_name> t) {
    return std::vector<gb::code_name>(t.begin(), t.end());
  };
  m.def(
      "system_type_table", [table] { return table(gb::system_type_table()); },
      "Table 4 (system types), ascending.");
  m.def(
      "component_type_table", [table] { return table(gb::component_type_table()); },
      "Table 5 (component types), ascending.");
  m.def(
      "analog_type_table", [table] { return table(gb::analog_type_table()); },
      "The analog-type names, ascending.");
  m.def(
      "analog_info_table",
      [] {
        const auto t = gb::analog_info_table();
        return std::vector<gb::analog_info>(t.begin(), t.end());
      },
      "The analog types with units and resolutions, ascending.");
  m.def(
      "bit_names",
      [](gb::status_kind k) {
        const auto t = gb::bit_names(k);
        return std::vector<gb::bit_name>(t.begin(), t.end());
      },
      py::arg("kind"), "The bit names of a status or operation field, bit 0 first.");
  m.def(
      "find_system_type",
      [](std::uint8_t c) -> std::optional<gb::code_name> {
        const gb::code_name* r = gb::find(static_cast<gb::system_type>(c));
        if (r == nullptr) return std::nullopt;
        return *r;
      },
      py::arg("code"), "The Table 4 row of `code`, or None (reserved, user-defined).");
  m.def(
      "find_component_type",
      [](std::uint8_t c) -> std::optional<gb::code_name> {
        const gb::code_name* r = gb::find(static_cast<gb::component_type>(c));
        if (r == nullptr) return std::nullopt;
        return *r;
      },
      py::arg("code"), "The Table 5 row of `code`, or None.");
  m.def(
      "find_analog_type",
      [](std::uint8_t c) -> std::optional<gb::code_name> {
        const gb::code_name* r = gb::find(static_cast<gb::analog_type>(c));
        if (r == nullptr) return std::nullopt;
        return *r;
      },
      py::arg("code"), "The analog-type row of `code`, or None.");

  m.def(
      "command_name",
      [](std::uint8_t c, const std::string& lang) {
        const auto cmd = static_cast<gb::command>(c);
        return pick(gb::to_string(cmd), gb::chinese_name(cmd), lang);
      },
      py::arg("code"), py::arg("lang") = "en",
      "Name of a command ('send_data' / '发送数据'); '' for reserved and user-defined codes.");
  m.def(
      "adu_type_name",
      [](std::uint8_t c, const std::string& lang) {
        const auto t = static_cast<gb::adu_type>(c);
        return pick(gb::to_string(t), gb::chinese_name(t), lang);
      },
      py::arg("code"), py::arg("lang") = "en",
      "Name of an ADU type ('component_status' / '上传建筑消防设施部件运行状态'); "
      "'user_defined'/'用户自定义' or 'reserved'/'预留' otherwise.");
  m.def(
      "system_type_name",
      [](std::uint8_t c, const std::string& lang) {
        const auto t = static_cast<gb::system_type>(c);
        return pick(gb::english_name(t), gb::chinese_name(t), lang);
      },
      py::arg("code"), py::arg("lang") = "en",
      "Name of a system type ('hydrant' / '消火栓系统'); 'user_defined' or 'reserved' otherwise.");
  m.def(
      "component_type_name",
      [](std::uint8_t c, const std::string& lang) {
        const auto t = static_cast<gb::component_type>(c);
        return pick(gb::english_name(t), gb::chinese_name(t), lang);
      },
      py::arg("code"), py::arg("lang") = "en",
      "Name of a component type ('manual_call_point' / '手动火灾报警按钮').");
  m.def(
      "analog_type_name",
      [](std::uint8_t c, const std::string& lang) {
        const auto t = static_cast<gb::analog_type>(c);
        return pick(gb::english_name(t), gb::chinese_name(t), lang);
      },
      py::arg("code"), py::arg("lang") = "en", "Name of an analog type ('temperature' / '温度').");
  m.def(
      "name",
      [](py::object code, const std::string& lang) -> std::string {
        py::object mod = py::module_::import("firebus._firebus.gb26875");
        const char* fns[][2] = {{"Command", "command_name"},
                                {"AduType", "adu_type_name"},
                                {"SystemType", "system_type_name"},
                                {"ComponentType", "component_type_name"},
                                {"AnalogType", "analog_type_name"}};
        for (const auto& f : fns) {
          if (py::isinstance(code, mod.attr(f[0]))) {
            return mod.attr(f[1])(code, lang).cast<std::string>();
          }
        }
        throw py::type_error(
            "name(): a Command, AduType, SystemType, ComponentType or AnalogType member expected "
            "(for a plain int, use system_type_name() and the like)");
      },
      py::arg("code"), py::arg("lang") = "en",
      "The English ('en') or Chinese ('zh') name of a code enum member: Command, AduType, "
      "SystemType, ComponentType or AnalogType.");

  m.def(
      "analog_info",
      [](std::uint8_t c) -> std::optional<gb::analog_info> {
        const gb::analog_info* a = gb::analog_info_of(static_cast<gb::analog_type>(c));
        if (a == nullptr) return std::nullopt;
        return *a;
      },
      py::arg("type"), "Unit and resolution of an analog type, or None (reserved/user-defined).");
  m.def(
      "analog_resolution",
      [](std::uint8_t c) { return gb::analog_resolution(static_cast<gb::analog_type>(c)); },
      py::arg("type"), "Resolution (0.1 for temperature); 1 for reserved and user-defined.");
  m.def(
      "analog_unit",
      [](std::uint8_t c) { return std::string(gb::analog_unit(static_cast<gb::analog_type>(c))); },
      py::arg("type"), "Unit ('°C'); '' for event count, reserved and user-defined.");
  m.def(
      "analog_value",
      [](std::uint8_t c, std::int16_t raw) {
        return gb::analog_value(static_cast<gb::analog_type>(c), raw);
      },
      py::arg("type"), py::arg("raw"), "raw * resolution (temperature, -105 -> -10.5).");
  m.def(
      "analog_raw",
      [](std::uint8_t c, double value) {
        return gb::analog_raw(static_cast<gb::analog_type>(c), value);
      },
      py::arg("type"), py::arg("value"),
      "The raw int16 of a physical value (rounded, halves away from zero). GB26875Error "
      "(out_of_range) with the range expected.");

  // --- status words
  // -------------------------------------------------------------------------------
  py::class_<gb::status_flags> sf(m, "StatusFlags",
                                  "A system or component status word, decoded (fields the word's "
                                  "kind lacks stay False).");
  bind_flags<gb::status_flags, std::uint16_t, 15>(
      sf,
      {{{"test_mode", &gb::status_flags::test_mode, "Bit 0 read under a Bit0Policy."},
        {"fire_alarm", &gb::status_flags::fire_alarm, "Bit 1, 火警."},
        {"fault", &gb::status_flags::fault, "Bit 2, 故障."},
        {"disabled", &gb::status_flags::disabled, "Bit 3, 屏蔽."},
        {"supervisory", &gb::status_flags::supervisory, "Bit 4, 监管."},
        {"started", &gb::status_flags::started, "Bit 5, 启动."},
        {"feedback", &gb::status_flags::feedback, "Bit 6, 反馈."},
        {"delay", &gb::status_flags::delay, "Bit 7, 延时状态."},
        {"main_power_fault", &gb::status_flags::main_power_fault, "System bit 8, 主电故障."},
        {"backup_power_fault", &gb::status_flags::backup_power_fault, "System bit 9, 备电故障."},
        {"bus_fault", &gb::status_flags::bus_fault, "System bit 10, 总线故障."},
        {"manual_mode", &gb::status_flags::manual_mode, "System bit 11, 手动状态."},
        {"config_changed", &gb::status_flags::config_changed, "System bit 12, 配置改变."},
        {"reset", &gb::status_flags::reset, "System bit 13, 复位."},
        {"power_fault", &gb::status_flags::power_fault, "Component bit 8, 电源故障."}}},
      &gb::status_flags::reserved_bits, "StatusFlags");
  py::class_<gb::uitd_flags> uf(m, "UitdFlags", "The UITD status byte, decoded.");
  bind_flags<gb::uitd_flags, std::uint8_t, 7>(
      uf,
      {{{"test_mode", &gb::uitd_flags::test_mode, "Bit 0 read under a Bit0Policy."},
        {"fire_alarm", &gb::uitd_flags::fire_alarm, "Bit 1, 火警."},
        {"fault", &gb::uitd_flags::fault, "Bit 2, 故障."},
        {"main_power_fault", &gb::uitd_flags::main_power_fault, "Bit 3, 主电故障."},
        {"backup_power_fault", &gb::uitd_flags::backup_power_fault, "Bit 4, 备电故障."},
        {"centre_link_fault", &gb::uitd_flags::centre_link_fault, "Bit 5, 通信信道故障."},
        {"monitored_line_fault", &gb::uitd_flags::monitored_line_fault,
         "Bit 6, 监测连接线路故障."}}},
      &gb::uitd_flags::reserved_bits, "UitdFlags");
  py::class_<gb::operation_flags> of(m, "OperationFlags",
                                     "An operation-record byte (types 4 and 24), decoded.");
  bind_flags<gb::operation_flags, std::uint8_t, 7>(
      of,
      {{{"reset", &gb::operation_flags::reset, "Bit 0, 复位."},
        {"silence", &gb::operation_flags::silence, "Bit 1, 消音."},
        {"manual_alarm", &gb::operation_flags::manual_alarm, "Bit 2, 手动报警."},
        {"alarm_cleared", &gb::operation_flags::alarm_cleared, "Bit 3, 警情消除."},
        {"self_test", &gb::operation_flags::self_test, "Bit 4, 自检."},
        {"confirm_or_duty_answer", &gb::operation_flags::confirm_or_duty_answer,
         "Bit 5, 确认 / 查岗应答."},
        {"test", &gb::operation_flags::test, "Bit 6, 测试."}}},
      &gb::operation_flags::reserved_bits, "OperationFlags");

  m.def("decode_system_status", &gb::decode_system_status, py::arg("bits"),
        py::arg("policy") = gb::bit0_policy::standard,
        "Decodes a system status word (type 1) under a Bit0Policy.");
  m.def("decode_component_status", &gb::decode_component_status, py::arg("bits"),
        py::arg("policy") = gb::bit0_policy::standard,
        "Decodes a component status word (type 2) under a Bit0Policy.");
  m.def("decode_uitd_status", &gb::decode_uitd_status, py::arg("bits"),
        py::arg("policy") = gb::bit0_policy::standard,
        "Decodes the UITD status byte (type 21) under a Bit0Policy.");
  m.def("decode_operations", &gb::decode_operations, py::arg("bits"),
        "Decodes an operation-record byte (types 4 and 24).");
  m.def("encode_system_status", &gb::encode_system_status, py::arg("flags"),
        py::arg("policy") = gb::bit0_policy::standard,
        "Encodes a system status word; inverse of decode_system_status() under standard.");
  m.def("encode_component_status", &gb::encode_component_status, py::arg("flags"),
        py::arg("policy") = gb::bit0_policy::standard, "Encodes a component status word.");
  m.def("encode_uitd_status", &gb::encode_uitd_status, py::arg("flags"),
        py::arg("policy") = gb::bit0_policy::standard, "Encodes the UITD status byte.");
  m.def("encode_operations", &gb::encode_operations, py::arg("flags"),
        "Encodes an operation-record byte.");
  m.def(
      "describe_status",
      [](std::uint16_t bits, gb::status_kind kind, gb::bit0_policy policy,
         const std::string& lang) {
        return gb::describe_status(
            bits, kind, policy,
            chinese(lang) ? gb::name_language::chinese : gb::name_language::english);
      },
      py::arg("bits"), py::arg("kind"), py::arg("policy") = gb::bit0_policy::standard,
      py::arg("lang") = "en",
      "The names of the set bits joined by '|' ('fire_alarm|fault', '火警|故障'); 'normal'/'正常' "
      "or 'none'/'无操作' when nothing is set.");

  // --- deframer
  // -----------------------------------------------------------------------------------
  py::class_<rejection_obj>(m, "Rejection",
                            "Bytes the deframer threw away, and why (see Deframer).")
      .def_property_readonly(
          "reason", [](const rejection_obj& r) { return static_cast<gb::errc>(r.reason.value()); },
          "The Errc: garbage, adu_too_long, bad_end, checksum_mismatch or truncated.")
      .def_property_readonly(
          "code", [](const rejection_obj& r) { return r.reason.value(); }, "int(reason).")
      .def_readonly("message", &rejection_obj::message,
                    "describe(): 'checksum 0x46 expected, 0x47 found at offset 75 (78 bytes at "
                    "stream offset 1024 discarded)'.")
      .def_readonly("stream_offset", &rejection_obj::stream_offset,
                    "Stream offset of the first byte discarded.")
      .def_readonly("length", &rejection_obj::length, "Bytes discarded.")
      .def_property_readonly(
          "offset", [](const rejection_obj& r) { return r.diag.offset; },
          "Offset of the offending field, relative to stream_offset.")
      .def_property_readonly(
          "expected", [](const rejection_obj& r) { return r.diag.expected; },
          "What was expected there.")
      .def_property_readonly(
          "found", [](const rejection_obj& r) { return r.diag.found; }, "What was found.")
      .def_property_readonly(
          "candidate", [](const rejection_obj& r) { return py::bytes(r.candidate); },
          "The candidate bytes as far as examined (the whole frame for checksum_mismatch); b'' "
          "for garbage.")
      .def(
          "error", [](const rejection_obj& r) { return make_error(r.reason, r.message); },
          "A GB26875Error instance (not raised) with the message and code.")
      .def(
          "__repr__",
          [](const rejection_obj& r) {
            return "Rejection(reason=" +
                   py::repr(py::cast(static_cast<gb::errc>(r.reason.value()))).cast<std::string>() +
                   ", stream_offset=" + std::to_string(r.stream_offset) +
                   ", length=" + std::to_string(r.length) + ", message='" + r.message + "')";
          },
          "Rejection(...).");

  py::class_<deframer_obj>(
      m, "Deframer",
      "Cuts frames out of a byte stream fed in chunks of any size: valid frames are delivered, "
      "every byte thrown away is reported as a Rejection. Memory is bounded (a fixed buffer of "
      "BUFFER_CAPACITY bytes; at most MAX_BUFFERED held between calls). Feeding releases the GIL.")
      .def(py::init<>(), "An empty deframer at stream offset 0.")
      .def(
          "feed",
          [](deframer_obj& self, const py::bytes& chunk) {
            const firebus::byte_view v = view_of(chunk);
            std::vector<stream_item> items;
            {
              py::gil_scoped_release release;
              const std::lock_guard<std::mutex> lock(self.mu);
              const collector c{&items};
              self.d.feed(v, c, c);
            }
            return items_to_python(items);
          },
          py::arg("chunk"),
          "Processes every byte of `chunk`; returns the Frame and Rejection items completed, in "
          "stream order.")
      .def(
          "flush",
          [](deframer_obj& self) {
            std::vector<stream_item> items;
            {
              py::gil_scoped_release release;
              const std::lock_guard<std::mutex> lock(self.mu);
              const collector c{&items};
              self.d.flush(c, c);
            }
            return items_to_python(items);
          },
          "Ends the stream: a partial candidate becomes a 'truncated' Rejection, pending garbage "
          "is reported. Offsets and counters continue.")
      .def(
          "reset",
          [](deframer_obj& self) {
            const std::lock_guard<std::mutex> lock(self.mu);
            self.d.reset();
          },
          "Forgets everything (counters and unreported garbage included).")
      .def_property_readonly(
          "buffered", [](const deframer_obj& s) { return s.counters().buffered(); },
          "Bytes held, waiting for the rest of a candidate.")
      .def_property_readonly(
          "pending_garbage", [](const deframer_obj& s) { return s.counters().pending_garbage(); },
          "Bytes of the current garbage run, not yet reported.")
      .def_property_readonly(
          "frames", [](const deframer_obj& s) { return s.counters().frames(); },
          "Frames delivered.")
      .def_property_readonly(
          "rejected", [](const deframer_obj& s) { return s.counters().rejected(); },
          "Rejections reported.")
      .def_property_readonly(
          "bytes_fed", [](const deframer_obj& s) { return s.counters().bytes_fed(); }, "Bytes fed.")
      .def_property_readonly(
          "bytes_delivered", [](const deframer_obj& s) { return s.counters().bytes_delivered(); },
          "Bytes of the frames delivered.")
      .def_property_readonly(
          "bytes_discarded", [](const deframer_obj& s) { return s.counters().bytes_discarded(); },
          "Bytes discarded (rejections reported plus pending_garbage).")
      .def_property_readonly(
          "stats",
          [](const deframer_obj& s) {
            const gb::deframer c = s.counters();
            py::dict d;
            d["frames"] = c.frames();
            d["rejected"] = c.rejected();
            d["bytes_fed"] = c.bytes_fed();
            d["bytes_delivered"] = c.bytes_delivered();
            d["bytes_discarded"] = c.bytes_discarded();
            d["buffered"] = c.buffered();
            d["pending_garbage"] = c.pending_garbage();
            return d;
          },
          "All counters as a dict.")
      .def_property_readonly_static(
          "MAX_BUFFERED", [](const py::object&) { return gb::deframer::max_buffered; },
          "Most bytes held between calls (1053).")
      .def_property_readonly_static(
          "BUFFER_CAPACITY", [](const py::object&) { return gb::deframer::buffer_capacity; },
          "Size of the fixed internal buffer.");

  m.def("decode_frames", &decode_frames, py::arg("buffer"), py::arg("as_arrays") = false,
        "Decodes a buffer of concatenated frames in one call (a Deframer fed the whole buffer, "
        "then flushed; the GIL is released meanwhile).\n\n"
        "as_arrays=False: a list of Frame and Rejection items in stream order.\n"
        "as_arrays=True (needs numpy): a dict of equal-length numpy arrays, one row per frame or "
        "rejection in stream order: offset (uint64), length (uint32), is_frame (bool), ok (bool: "
        "a frame whose ADU is empty or decodes), error (int32: the Errc of a rejection or of the "
        "ADU, 0 if none), serial (uint16), command (uint8), source, destination (uint64), "
        "adu_type (uint8, 0 for an empty ADU), n_objects (uint16), time (datetime64[s], the time "
        "tag read as UTC; NaT if invalid). Header columns are 0 for rejections except "
        "checksum_mismatch, whose header is intact.");
}

}  // namespace firebus_py
