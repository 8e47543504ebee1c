// firebus — fire-safety IoT SDK.
//
// firebus.Error and its subclasses, one per std::error_code category, and the translation of
// C++ exceptions (firebus::system_error, std::system_error, std::invalid_argument) into them.
#include <map>
#include <stdexcept>
#include <string>

#include <firebus/core/error.hpp>

#include "common.hpp"

namespace firebus_py {

// This file's own helpers: in a namespace of their own, so that the binding sources can also be
// compiled together (the CMake unity build of firebus_python).
namespace errors_detail {
namespace {

// category name → Python class (strong references, kept for the process's life).
std::map<std::string, PyObject*>& classes() {
  static auto* m = new std::map<std::string, PyObject*>();
  return *m;
}
PyObject* base_error = nullptr;

PyObject* class_for(const std::error_category& cat) {
  auto it = classes().find(cat.name());
  return it != classes().end() ? it->second : base_error;
}

py::object make_class(py::module_& m, const char* name, PyObject* base, const char* doc) {
  py::dict ns;
  ns["__doc__"] = doc;
  ns["__module__"] = "firebus";
  py::object cls = py::reinterpret_borrow<py::object>(reinterpret_cast<PyObject*>(&PyType_Type))(
      name, py::make_tuple(py::handle(base)), ns);
  m.attr(name) = cls;
  return cls;
}

// The message as a str. C++ messages may quote the bytes they refused (a Sparkplug B metric
// name that is not UTF-8, ...): those are shown as \x escapes instead of failing the
// conversion, which would replace the firebus error by a UnicodeDecodeError.
py::object message_str(const std::string& s) {
  PyObject* o =
      PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "backslashreplace");
  if (o == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(o);
}

}  // namespace
}  // namespace errors_detail

void raise(const std::error_code& ec, const std::string& context) {
  using namespace errors_detail;
  const std::string message = context.empty() ? ec.message() : context + ": " + ec.message();
  py::object cls = py::reinterpret_borrow<py::object>(class_for(ec.category()));
  py::object exc = cls(message_str(message));
  exc.attr("code") = ec.value();
  exc.attr("category") = ec.category().name();
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}

void register_errors(py::module_& m) {
  using namespace errors_detail;
  py::object error = make_class(
      m, "Error", PyExc_Exception,
      "Base class of firebus errors. Attributes: code (int, the std::error_code value) and "
      "category (str, e.g. 'firebus.gb26875'); str() is the C++ message.");
  error.attr("code") = 0;
  error.attr("category") = "";
  base_error = error.inc_ref().ptr();
  struct entry {
    const char* category;
    const char* name;
    const char* doc;
  };
  const entry entries[] = {
      {"firebus.core", "CoreError", "Errors of the core types (category firebus.core)."},
      {"firebus.gb26875", "GB26875Error",
       "GB/T 26875.3 codec and session errors (category firebus.gb26875)."},
      {"firebus.alarm", "AlarmError", "Alarm engine errors (category firebus.alarm)."},
      {"firebus.text", "TextError", "GB 18030 text conversion errors (category firebus.text)."},
      {"firebus.modbus", "ModbusError",
       "Modbus codec and bus errors, exception replies included (category firebus.modbus)."},
      {"firebus.profile", "ProfileError",
       "Device profile errors: refused profiles ('<file>: <JSON path>: <message>') and refused "
       "uses of a profile (category firebus.profile)."},
      {"firebus.telemetry", "TelemetryError",
       "Telemetry encoding errors: refused messages on the way out or in, with where and what "
       "(category firebus.telemetry; codes: Errc of firebus.telemetry)."},
      {"firebus.mqtt", "MqttError",
       "MQTT client errors: refused options and publishes, refusals by the broker, TLS "
       "failures, lost connections (category firebus.mqtt; codes: firebus.mqtt.Errc)."},
      {"firebus.journal", "JournalError",
       "Store-and-forward journal errors: a full journal, storage failures, unopenable or "
       "damaged files (category firebus.journal; codes: JournalErrc of firebus.uplink)."},
      {"generic", "SystemError",
       "Operating-system errors (std::generic_category and std::system_category: errno values; "
       "not the built-in SystemError)."},
      {"system", "SystemError", "Operating-system errors (std::system_category)."},
  };
  for (const auto& e : entries) {
    py::object cls;
    if (py::hasattr(m, e.name)) {
      cls = m.attr(e.name);
    } else {
      cls = make_class(m, e.name, base_error, e.doc);
    }
    classes()[e.category] = cls.inc_ref().ptr();
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const std::system_error& e) {
      const std::error_code ec = e.code();
      py::object cls = py::reinterpret_borrow<py::object>(class_for(ec.category()));
      py::object exc = cls(message_str(e.what()));
      exc.attr("code") = ec.value();
      exc.attr("category") = ec.category().name();
      PyErr_SetObject(cls.ptr(), exc.ptr());
    }
  });
}

}  // namespace firebus_py
