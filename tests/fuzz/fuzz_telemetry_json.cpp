// firebus — fire-safety IoT SDK.
// libFuzzer target for the canonical JSON of the firebus telemetry encoding
// (<firebus/telemetry/firebus_codec.hpp>: envelope_from_json, json_to_wire, to_json), which
// runs protobuf's JSON parser on untrusted text.
//
// The input is JSON text. It is read with a birth registry that knows birth 7 of source
// "gw-0001" (points p0..p15, aliases 0..15). Checked with __builtin_trap() (besides ASan and
// UBSan):
//   - success and error are exclusive: an error leaves an empty envelope and says why;
//   - what parses converts to bytes (json_to_wire), and those bytes decode to the same envelope;
//   - the envelope's own JSON parses back to an equal envelope, and it is a fixed point: printed
//     again, it is the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <firebus/core/point.hpp>
#include <firebus/telemetry/aliases.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/firebus_codec.hpp>
#include <firebus/telemetry/types.hpp>

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace {

namespace tel = firebus::telemetry;

const tel::alias_table& aliases() {
  static const tel::alias_table t = [] {
    tel::birth a;
    a.birth_id = 7;
    for (int i = 0; i < 16; ++i) {
      tel::point_decl p;
      p.name = firebus::point_id("p" + std::to_string(i));
      a.points.push_back(p);
    }
    tel::assign_aliases(a);
    return tel::alias_table(a);
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tel::codec_limits limits;
  limits.max_samples = 100'000;
  std::error_code ec;
  std::string why;
  const tel::envelope env = tel::envelope_from_json(text, aliases(), ec, limits, &why);
  std::error_code wire_ec;
  const std::vector<std::uint8_t> wire = tel::json_to_wire(text, wire_ec, limits);
  if (ec) {
    FIREBUS_FUZZ_CHECK(!why.empty());
    FIREBUS_FUZZ_CHECK(env == tel::envelope());
    if (ec != tel::errc::unknown_alias && ec != tel::errc::unknown_birth) {
      FIREBUS_FUZZ_CHECK(wire_ec == ec);
    }
    return 0;
  }
  FIREBUS_FUZZ_CHECK(!wire_ec);
  const tel::envelope from_wire = tel::decode_envelope(wire, aliases(), wire_ec, limits);
  FIREBUS_FUZZ_CHECK(!wire_ec);
  FIREBUS_FUZZ_CHECK(from_wire == env);

  const bool needs_aliases = std::holds_alternative<tel::batch>(env.body) &&
                             !std::get<tel::batch>(env.body).samples.empty();
  std::error_code text_ec;
  const std::string json = needs_aliases ? tel::to_json(env, aliases(), text_ec, limits)
                                         : tel::to_json(env, text_ec, limits);
  FIREBUS_FUZZ_CHECK(!text_ec);
  const tel::envelope back = tel::envelope_from_json(json, aliases(), text_ec, limits);
  FIREBUS_FUZZ_CHECK(!text_ec);
  FIREBUS_FUZZ_CHECK(back == env);
  const std::string again = needs_aliases ? tel::to_json(back, aliases(), text_ec, limits)
                                          : tel::to_json(back, text_ec, limits);
  FIREBUS_FUZZ_CHECK(!text_ec);
  FIREBUS_FUZZ_CHECK(again == json);
  return 0;
}
