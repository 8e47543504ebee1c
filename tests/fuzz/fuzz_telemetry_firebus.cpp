// firebus — fire-safety IoT SDK.
// libFuzzer target for the firebus telemetry decoder (<firebus/telemetry/firebus_codec.hpp>).
//
// The input is the bytes of a firebus.v1.Envelope. They are decoded with a birth registry that
// knows birth 7 of source "gw-0001" (points p0..p15, aliases 0..15) and birth 8 (aliases 100,
// 1000, 2^32 - 1), and without one. Checked with __builtin_trap() (besides ASan and UBSan):
//   - success and error are exclusive: an error leaves an empty envelope and says why;
//   - what decodes encodes again with the same aliases, and that decodes to an equal envelope
//     (the encoder accepts everything the decoder does);
//   - what decodes also converts to JSON (wire_to_json), and the JSON of the envelope parses
//     back to an equal envelope;
//   - without aliases, decoding fails only where the registry was needed (unknown_birth) or
//     where it fails with them too;
//   - stamping (what the uplink does when it sends) succeeds exactly where decoding without
//     aliases gets past the structure (aliases are not resolved), and what it makes decodes to
//     the envelope with the stamped seq, lane and historical flag, nothing else changed.
#include <cstddef>
#include <cstdint>
#include <string>
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

const tel::birth_registry& registry() {
  static const tel::birth_registry r = [] {
    tel::birth_registry reg;
    tel::birth a;
    a.birth_id = 7;
    for (int i = 0; i < 16; ++i) {
      tel::point_decl p;
      p.name = firebus::point_id("p" + std::to_string(i));
      a.points.push_back(p);
    }
    tel::assign_aliases(a);
    reg.add("gw-0001", a);
    tel::birth b;
    b.birth_id = 8;
    const std::uint64_t aliases[] = {100, 1000, 4'294'967'295u};
    for (std::uint64_t alias : aliases) {
      tel::point_decl p;
      p.alias = alias;
      p.name = firebus::point_id("b1/f3/rcm1/loop" + std::to_string(alias));
      b.points.push_back(p);
    }
    reg.add("gw-0001", b);
    return reg;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const firebus::byte_view bytes(data, size);
  tel::codec_limits limits;
  limits.max_samples = 100'000;
  std::error_code ec;
  std::string why;
  const tel::envelope env = tel::decode_envelope(bytes, registry(), ec, limits, &why);

  std::error_code bare_ec;
  const tel::envelope bare = tel::decode_envelope(bytes, bare_ec, limits);
  std::error_code json_ec;
  const std::string wire_json = tel::wire_to_json(bytes, json_ec, limits);
  tel::envelope_stamp stamp;
  stamp.seq = size + 1;
  stamp.lane = size % 2 == 0 ? tel::lane::alarm : tel::lane::telemetry;
  stamp.historical = size % 3 == 0;
  std::error_code stamp_ec;
  const std::vector<std::uint8_t> stamped = tel::stamp_envelope(bytes, stamp, stamp_ec, limits);
  // Stamping checks what wire_to_json checks (the structure, not the aliases); only a size
  // limit may tell them apart.
  if (!json_ec) FIREBUS_FUZZ_CHECK(!stamp_ec || stamp_ec == tel::errc::message_too_large);
  if (json_ec && json_ec != tel::errc::message_too_large) FIREBUS_FUZZ_CHECK(stamp_ec == json_ec);
  FIREBUS_FUZZ_CHECK(stamp_ec ? stamped.empty() : !stamped.empty());

  if (ec) {
    FIREBUS_FUZZ_CHECK(!why.empty());
    FIREBUS_FUZZ_CHECK(env == tel::envelope());
    FIREBUS_FUZZ_CHECK(bare_ec);
    // Only aliases need the registry: structural errors show in wire_to_json too.
    if (ec != tel::errc::unknown_alias && ec != tel::errc::unknown_birth) {
      FIREBUS_FUZZ_CHECK(json_ec == ec);
    }
    return 0;
  }
  FIREBUS_FUZZ_CHECK(!json_ec);
  FIREBUS_FUZZ_CHECK(!wire_json.empty());
  FIREBUS_FUZZ_CHECK(!bare_ec || bare_ec == tel::errc::unknown_birth);
  if (!bare_ec) FIREBUS_FUZZ_CHECK(bare == env);
  {
    // The stamped message is the envelope with seq, lane and (if asked) historical replaced
    // (a size limit aside: the stamp may make the message a few bytes longer).
    std::error_code sec;
    tel::envelope want = env;
    want.seq = stamp.seq;
    want.lane = stamp.lane;
    if (auto* b = std::get_if<tel::batch>(&want.body); b != nullptr && stamp.historical) {
      b->historical = true;
    }
    if (!stamp_ec) {
      const tel::envelope got = tel::decode_envelope(stamped, registry(), sec, limits);
      FIREBUS_FUZZ_CHECK(sec || got == want);
      FIREBUS_FUZZ_CHECK(!sec || sec == tel::errc::message_too_large);
    }
  }

  const tel::alias_table* aliases = nullptr;
  if (const auto* b = std::get_if<tel::batch>(&env.body); b != nullptr && !b->samples.empty()) {
    aliases = registry().find(env.source_id, b->birth_id);
    FIREBUS_FUZZ_CHECK(aliases != nullptr);
  }
  static const tel::alias_table none;
  const tel::alias_table& table = aliases != nullptr ? *aliases : none;

  std::error_code again_ec;
  const std::vector<std::uint8_t> again = aliases != nullptr
                                              ? tel::encode_envelope(env, table, again_ec, limits)
                                              : tel::encode_envelope(env, again_ec, limits);
  FIREBUS_FUZZ_CHECK(!again_ec);
  const tel::envelope back = tel::decode_envelope(again, registry(), again_ec, limits);
  FIREBUS_FUZZ_CHECK(!again_ec);
  FIREBUS_FUZZ_CHECK(back == env);

  std::error_code text_ec;
  const std::string json = aliases != nullptr ? tel::to_json(env, table, text_ec, limits)
                                              : tel::to_json(env, text_ec, limits);
  FIREBUS_FUZZ_CHECK(!text_ec);
  const tel::envelope from_json = tel::envelope_from_json(json, registry(), text_ec, limits);
  FIREBUS_FUZZ_CHECK(!text_ec);
  FIREBUS_FUZZ_CHECK(from_json == env);
  return 0;
}
