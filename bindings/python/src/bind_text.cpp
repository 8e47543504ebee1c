// firebus — fire-safety IoT SDK.
//
// firebus._firebus.gb26875.text: GB 18030 ⇄ UTF-8 conversion (firebus/text.hpp), registered by
// bind_gb26875() (the text of GB/T 26875.3 descriptions and configuration texts).
#include <string>
#include <vector>

#include <firebus/text.hpp>

#include "common.hpp"
#include "shared_enums.hpp"

FIREBUS_PY_ENUM(firebus::text_errc, TextErrc, "firebus._firebus.gb26875.text.TextErrc")

namespace firebus_py {

void bind_text(py::module_& gb26875);

void bind_text(py::module_& gb26875) {
  py::module_ m = gb26875.def_submodule(
      "text",
      "GB 18030 <-> UTF-8 text conversion (GB/T 26875.3 descriptions and configuration texts are "
      "GB 18030 on the wire). Uses the platform converter (glibc iconv). Errors raise "
      "firebus.TextError with the C++ message, e.g. 'GB 18030: invalid byte sequence at offset "
      "5 (0xff): ...'.");
  py::module_::import("sys").attr("modules")["firebus._firebus.gb26875.text"] = m;

  make_enum<firebus::text_policy>(
      m, "TextPolicy", "firebus.gb26875.text",
      {{"strict", firebus::text_policy::strict}, {"replace", firebus::text_policy::replace}},
      "What to do with bytes that cannot be converted: strict raises TextError for the first of "
      "them, replace puts U+FFFD in their place.");
  make_enum<firebus::text_errc>(
      m, "TextErrc", "firebus.gb26875.text",
      {{"invalid_sequence", firebus::text_errc::invalid_sequence},
       {"incomplete_sequence", firebus::text_errc::incomplete_sequence},
       {"unrepresentable", firebus::text_errc::unrepresentable},
       {"too_long", firebus::text_errc::too_long},
       {"unavailable", firebus::text_errc::unavailable}},
      "Why a text conversion failed (TextError.code; category 'firebus.text').");

  m.def(
      "decode",
      [](const py::bytes& data, firebus::text_policy policy) {
        const firebus::byte_view v = view_of(data);
        return firebus::gb18030_to_utf8(v, policy);
      },
      py::arg("data"), py::arg("policy") = firebus::text_policy::strict,
      "GB 18030 bytes to str. strict: TextError on the first undecodable byte (message with its "
      "offset); replace: U+FFFD in place of each undecodable sequence.");
  m.def(
      "encode",
      [](const std::string& text, firebus::text_policy policy) {
        return to_bytes(firebus::utf8_to_gb18030(text, policy));
      },
      py::arg("text"), py::arg("policy") = firebus::text_policy::strict,
      "str to GB 18030 bytes. strict: TextError for a character GB 18030 lacks; replace: such "
      "characters become U+FFFD (84 31 A4 37).");
  m.def(
      "encode_field",
      [](const std::string& text, std::size_t max_bytes) {
        return to_bytes(firebus::utf8_to_gb18030_field(text, max_bytes));
      },
      py::arg("text"), py::arg("max_bytes"),
      "str to GB 18030 bytes for a field of at most max_bytes bytes: TextError (too_long) rather "
      "than cutting a character. GB/T 26875.3 fields: 31 bytes for a description, 255 for a "
      "configuration text.");
  m.def(
      "decode_description",
      [](const py::bytes& data, firebus::text_policy policy) {
        firebus::gb26875::description d{};
        const firebus::byte_view v = view_of(data);
        if (v.size() > d.size()) {
          raise(firebus::gb26875::make_error_code(firebus::gb26875::errc::text_too_long),
                "description of " + std::to_string(v.size()) + " bytes");
        }
        for (std::size_t i = 0; i < v.size(); ++i) d[i] = v[i];
        return firebus::description_to_utf8(d, policy);
      },
      py::arg("data"), py::arg("policy") = firebus::text_policy::strict,
      "A 31-byte GB/T 26875.3 description (types 2 and 7) to str, its padding (trailing 0x00 "
      "and spaces) removed. Shorter input is padded; over 31 bytes raises GB26875Error.");
  m.def(
      "encode_description",
      [](const std::string& text) {
        const firebus::gb26875::description d = firebus::utf8_to_description(text);
        return py::bytes(reinterpret_cast<const char*>(d.data()), d.size());
      },
      py::arg("text"),
      "str to a 31-byte GB/T 26875.3 description: GB 18030 padded with 0x00. TextError "
      "(too_long) if the text needs more than 31 bytes.");
}

}  // namespace firebus_py
