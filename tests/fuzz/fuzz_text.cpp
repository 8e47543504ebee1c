// firebus — fire-safety IoT SDK.
// libFuzzer target for GB 18030 <-> UTF-8 conversion (<firebus/text.hpp>, compiled library).
//
// The input is taken both as GB 18030 and as UTF-8, under both policies. Checked with
// __builtin_trap() on violation:
//   - no conversion ever yields more than 4 bytes per input byte (a bound on what a peer can
//     make the library allocate);
//   - the replace policy always succeeds and yields valid UTF-8 (no error code);
//   - UTF-8 that converts to GB 18030 converts back to the same UTF-8;
//   - an error's offset lies within the input;
//   - a description made from text fits 31 bytes and reads back as that text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/gb26875/adu.hpp>
#include <firebus/text.hpp>

namespace {

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const firebus::byte_view bytes(data, size);
  const std::string_view chars(reinterpret_cast<const char*>(data), size);
  std::error_code ec;
  std::size_t at = 0;

  const std::string strict = firebus::gb18030_to_utf8(bytes, ec, firebus::text_policy::strict, &at);
  FIREBUS_FUZZ_CHECK(strict.size() <= 4 * size);
  if (ec) FIREBUS_FUZZ_CHECK(at <= size);

  const std::string lenient =
      firebus::gb18030_to_utf8(bytes, ec, firebus::text_policy::replace, &at);
  FIREBUS_FUZZ_CHECK(!ec || ec == firebus::text_errc::unavailable);
  FIREBUS_FUZZ_CHECK(lenient.size() <= 4 * size + 3);

  const std::vector<std::uint8_t> gb =
      firebus::utf8_to_gb18030(chars, ec, firebus::text_policy::strict, &at);
  FIREBUS_FUZZ_CHECK(gb.size() <= 4 * size);
  if (!ec) {
    std::error_code back_ec;
    const std::string back = firebus::gb18030_to_utf8(gb, back_ec);
    FIREBUS_FUZZ_CHECK(!back_ec);
    FIREBUS_FUZZ_CHECK(back == chars);
  } else {
    FIREBUS_FUZZ_CHECK(at <= size);
  }

  const firebus::gb26875::description d = firebus::utf8_to_description(chars, ec);
  if (!ec) {
    std::error_code back_ec;
    const std::string back = firebus::description_to_utf8(d, back_ec);
    FIREBUS_FUZZ_CHECK(!back_ec);
    // Trailing spaces and NULs are padding: the text reads back without them.
    std::string_view want = chars;
    while (!want.empty() && (want.back() == ' ' || want.back() == '\0')) want.remove_suffix(1);
    FIREBUS_FUZZ_CHECK(back == want);
  }
  return 0;
}
