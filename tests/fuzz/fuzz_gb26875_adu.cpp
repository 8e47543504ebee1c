// firebus — fire-safety IoT SDK.
// libFuzzer target for GB/T 26875.3 ADU and frame decoding.
//
// The first input byte chooses whether user-defined types 128 (fixed 4-byte objects) and 129
// (length-prefixed objects) are registered; the rest is decoded as an ADU and as a frame.
// Checked with __builtin_trap() on violation:
//   - parse_adu() and decode_adu() agree (same error, same objects in the same order);
//   - an accepted ADU re-encodes to exactly its bytes (adu_limits::size_only);
//   - an accepted ADU wrapped in a frame decodes back to the same ADU bytes;
//   - decode_frame() accepts only bytes that encode_frame() reproduces exactly.
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/frame.hpp>

namespace gb = firebus::gb26875;

namespace {

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

std::size_t tlv_size(firebus::byte_view rest, const void*, std::error_code& ec) {
  if (rest.empty() || rest.size() < 1u + rest[0]) {
    ec = gb::errc::truncated;
    return 0;
  }
  ec.clear();
  return 1u + rest[0];
}

const gb::user_types& registry() {
  static const gb::user_types users = [] {
    gb::user_types u;
    std::error_code ec;
    u.add_fixed(128, "fixed4", 4, ec);
    u.add_variable(129, "tlv", &tlv_size, ec);
    return u;
  }();
  return users;
}

void check_adu(firebus::byte_view input, const gb::user_types* users) {
  std::error_code parse_ec;
  const gb::adu_view v = gb::parse_adu(input, parse_ec, users);
  std::error_code decode_ec;
  const gb::adu a = gb::decode_adu(input, decode_ec, users);
  FIREBUS_FUZZ_CHECK(parse_ec == decode_ec);
  if (parse_ec) return;
  std::size_t k = 0;
  for (const gb::object& o : v) {
    FIREBUS_FUZZ_CHECK(k < a.objects.size());
    FIREBUS_FUZZ_CHECK(o == a.objects[k]);
    ++k;
  }
  FIREBUS_FUZZ_CHECK(k == a.objects.size());

  std::vector<std::uint8_t> out;
  firebus::byte_writer w(out, gb::max_adu_size);
  std::error_code ec;
  gb::encode_adu(a, w, ec, gb::adu_limits::size_only);
  FIREBUS_FUZZ_CHECK(!ec);
  FIREBUS_FUZZ_CHECK(firebus::byte_view(out) == input);

  std::vector<std::uint8_t> frame;
  firebus::byte_writer fw(frame, gb::max_frame_size);
  gb::encode_frame(gb::header{}, input, fw, ec);
  FIREBUS_FUZZ_CHECK(!ec);
  const gb::frame_view f = gb::decode_frame(frame, ec);
  FIREBUS_FUZZ_CHECK(!ec);
  FIREBUS_FUZZ_CHECK(f.adu == input);
}

void check_frame(firebus::byte_view input) {
  std::error_code ec;
  gb::frame_diagnostic d;
  const gb::frame_view f = gb::decode_frame(input, ec, &d);
  if (ec) {
    FIREBUS_FUZZ_CHECK(!gb::describe(ec, d).empty());
    return;
  }
  std::vector<std::uint8_t> out;
  firebus::byte_writer w(out, gb::max_frame_size);
  gb::encode_frame(f.hdr, f.adu, w, ec);
  FIREBUS_FUZZ_CHECK(!ec);
  FIREBUS_FUZZ_CHECK(firebus::byte_view(out) == input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const firebus::byte_view input(data + 1, size - 1);
  check_adu(input, (data[0] & 1) != 0 ? &registry() : nullptr);
  check_frame(input);
  return 0;
}
