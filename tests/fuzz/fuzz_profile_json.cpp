// firebus — fire-safety IoT SDK.
// libFuzzer target for the device profile loader (<firebus/profile_json.hpp>) and the codec
// built from what it accepts (<firebus/profile/codec.hpp>).
//
// The input is a profile's JSON text, then optionally a NUL byte and register data: 16-bit
// words (big-endian pairs of bytes) stored at every point's address in every table, so that the
// codec decodes whatever the profile describes. Checked with __builtin_trap() (besides ASan and
// UBSan):
//   - a profile the loader accepts passes validate() and builds a codec;
//   - decoding yields at most one value, condition and status per point, in point order, every
//     index inside the profile; a value of good quality is finite; NaN values have bad quality;
//   - a refusal names a problem (a non-empty message);
//   - encode_write() of every writable point at its min and max either succeeds with requests
//     the Modbus codec can encode, or fails with an error code, never both.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include <firebus/modbus/pdu.hpp>
#include <firebus/profile/codec.hpp>
#include <firebus/profile_json.hpp>

#define FIREBUS_FUZZ_CHECK(cond)   \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

namespace {

namespace pf = firebus::profile;
namespace mb = firebus::modbus;

template <class T>
void check_order(const std::vector<T>& items, std::size_t n) {
  std::size_t next = 0;
  for (const T& x : items) {
    FIREBUS_FUZZ_CHECK(x.point < n);
    FIREBUS_FUZZ_CHECK(x.point >= next);
    next = x.point + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto* text = reinterpret_cast<const char*>(data);
  const void* nul = std::memchr(data, 0, size);
  const std::size_t json_size =
      nul != nullptr ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - data)
                     : size;
  pf::device_profile p;
  std::error_code ec;
  pf::profile_error err;
  if (!pf::parse_profile(std::string_view(text, json_size), p, ec, err)) {
    FIREBUS_FUZZ_CHECK(ec == pf::errc::invalid_profile);
    FIREBUS_FUZZ_CHECK(!err.message.empty());
    return 0;
  }
  FIREBUS_FUZZ_CHECK(!ec);
  pf::profile_error again;
  FIREBUS_FUZZ_CHECK(pf::validate(p, again));
  pf::codec c;
  FIREBUS_FUZZ_CHECK(c.assign(p, again));
  FIREBUS_FUZZ_CHECK(c.size() == p.points.size());

  // Register data: words from the bytes after the NUL, repeated.
  std::vector<std::uint16_t> words;
  for (std::size_t i = json_size + 1; i + 1 < size; i += 2) {
    words.push_back(static_cast<std::uint16_t>((data[i] << 8) | data[i + 1]));
  }
  if (words.empty()) words.push_back(0);
  pf::register_image image;
  std::size_t w = 0;
  for (const pf::point_def& d : p.points) {
    std::vector<std::uint16_t> regs(d.count());
    for (auto& r : regs) r = words[w++ % words.size()];
    if (mb::is_bit_table(d.tbl)) {
      for (auto& r : regs) r &= 1;
    }
    image.store(d.tbl, d.address, regs);
  }
  pf::readings out;
  c.decode(image, out);
  check_order(out.values, c.size());
  check_order(out.conditions, c.size());
  check_order(out.statuses, c.size());
  for (const pf::point_value& v : out.values) {
    if (v.quality == firebus::quality_code::good) FIREBUS_FUZZ_CHECK(std::isfinite(v.value));
    if (std::isnan(v.value)) FIREBUS_FUZZ_CHECK(firebus::is_bad(v.quality));
  }

  for (std::size_t i = 0; i < c.size(); ++i) {
    const pf::point_def& d = c.point(i);
    if (!d.writable) continue;
    for (double value : {d.writable->min, d.writable->max}) {
      std::vector<mb::request> reqs;
      std::error_code wec;
      const bool ok = c.encode_write(i, value, std::uint32_t{1234}, image, reqs, wec);
      FIREBUS_FUZZ_CHECK(ok == !wec);
      FIREBUS_FUZZ_CHECK(ok == !reqs.empty());
      for (const mb::request& r : reqs) {
        std::error_code eec;
        std::vector<std::uint8_t> buf(mb::max_pdu_size);
        mb::encode_request(r, firebus::mutable_byte_view(buf.data(), buf.size()), eec);
        FIREBUS_FUZZ_CHECK(!eec);
      }
    }
  }
  return 0;
}
