// firebus — fire-safety IoT SDK.
// GB 18030 ⇄ UTF-8 (<firebus/text.hpp>, compiled library). Known vectors were computed with
// Python 3's gb18030 codec; the exhaustive and random tests check round trips and that no input
// crashes or overruns its output bound.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#if defined(FIREBUS_TEST_HAS_LIBRARY)
#include <firebus/core/error.hpp>
#include <firebus/gb26875/adu.hpp>
#include <firebus/text.hpp>

namespace {

using bytes = std::vector<std::uint8_t>;
using firebus::text_errc;
using firebus::text_policy;

// The UTF-8 form of a code point (no checks: the tests pass scalar values).
std::string utf8(char32_t cp) {
  std::string s;
  const auto add = [&s](std::uint32_t b) { s += static_cast<char>(static_cast<unsigned char>(b)); };
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) {
    add(c);
  } else if (c < 0x800) {
    add(0xc0 | c >> 6);
    add(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    add(0xe0 | c >> 12);
    add(0x80 | (c >> 6 & 0x3f));
    add(0x80 | (c & 0x3f));
  } else {
    add(0xf0 | c >> 18);
    add(0x80 | (c >> 12 & 0x3f));
    add(0x80 | (c >> 6 & 0x3f));
    add(0x80 | (c & 0x3f));
  }
  return s;
}

bytes raw(std::string_view s) { return bytes(s.begin(), s.end()); }

// The 24 private-use code points that GB 18030-2005 gave two-byte codes to and that GB 18030-2022
// moved to standard characters. Whether the platform can still encode them depends on its table
// (glibc 2.36: it cannot; text_errc::unrepresentable).
constexpr std::array<char32_t, 24> moved_private_use = {
    0xE78D, 0xE78E, 0xE78F, 0xE790, 0xE791, 0xE792, 0xE793, 0xE794, 0xE795, 0xE796, 0xE816, 0xE817,
    0xE818, 0xE81E, 0xE826, 0xE82B, 0xE82C, 0xE831, 0xE832, 0xE83B, 0xE843, 0xE854, 0xE855, 0xE864};

bool is_moved_private_use(char32_t cp) {
  return std::find(moved_private_use.begin(), moved_private_use.end(), cp) !=
         moved_private_use.end();
}

struct vector_case {
  const char* name;
  std::string utf8;
  bytes gb18030;
};

// Python 3: s.encode('gb18030').
const std::vector<vector_case>& known_vectors() {
  static const std::vector<vector_case> v = {
      {"empty", "", {}},
      {"ASCII", "Loop 1, point 7: smoke!", raw("Loop 1, point 7: smoke!")},
      {"7楼02室会议室烟感",
       "7楼02室会议室烟感",
       {0x37, 0xc2, 0xa5, 0x30, 0x32, 0xca, 0xd2, 0xbb, 0xe1, 0xd2, 0xe9, 0xca, 0xd2, 0xd1, 0xcc,
        0xb8, 0xd0}},
      {"Ａ区１层呷哺走廊 (full-width)",
       "Ａ区１层呷哺走廊",
       {0xa3, 0xc1, 0xc7, 0xf8, 0xa3, 0xb1, 0xb2, 0xe3, 0xdf, 0xc8, 0xb2, 0xb8, 0xd7, 0xdf, 0xc0,
        0xc8}},
      {"symbols", "℃°①·\u3000", {0xa1, 0xe6, 0xa1, 0xe3, 0xa2, 0xd9, 0xa1, 0xa4, 0xa1, 0xa1}},
      {"euro", "€", {0xa2, 0xe3}},
      {"é Ω アイ", "é Ω アイ", {0xa8, 0xa6, 0x20, 0xa6, 0xb8, 0x20, 0xa5, 0xa2, 0xa5, 0xa4}},
      // Four-byte sequences: BMP code points outside GBK, and the supplementary planes.
      {"U+0080", utf8(0x80), {0x81, 0x30, 0x81, 0x30}},
      {"¥ U+00A5", "¥", {0x81, 0x30, 0x84, 0x36}},
      {"U+07FF U+0800",
       utf8(0x7ff) + utf8(0x800),
       {0x81, 0x31, 0xb3, 0x31, 0x81, 0x31, 0xb3, 0x32}},
      {"한 (Hangul)", "한", {0x83, 0x36, 0x84, 0x33}},
      {"U+FFFD", utf8(0xfffd), {0x84, 0x31, 0xa4, 0x37}},
      {"U+FFFF", utf8(0xffff), {0x84, 0x31, 0xa4, 0x39}},
      {"U+20000 𠀀", "𠀀", {0x95, 0x32, 0x82, 0x36}},
      {"U+2A6D6 𪛖", "𪛖", {0x98, 0x35, 0xf3, 0x36}},
      {"U+1F525 🔥", "🔥", {0x94, 0x39, 0xe6, 0x37}},
      {"U+10FFFF", utf8(0x10ffff), {0xe3, 0x32, 0x9a, 0x35}},
      {"mixed", "A🔥B烟C", {0x41, 0x94, 0x39, 0xe6, 0x37, 0x42, 0xd1, 0xcc, 0x43}},
  };
  return v;
}

// Well-formed UTF-8, checked independently of the library.
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80                 ? 1
                    : b >= 0xc2 && b <= 0xdf ? 2
                    : b >= 0xe0 && b <= 0xef ? 3
                    : b >= 0xf0 && b <= 0xf4 ? 4
                                             : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = n == 1 ? b : n == 2 ? b & 0x1fu : n == 3 ? b & 0x0fu : b & 0x07u;
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return false;
      cp = cp << 6 | (c & 0x3fu);
    }
    const std::uint32_t min = n == 1 ? 0 : n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE("text: known GB 18030 vectors convert both ways") {
  for (const vector_case& c : known_vectors()) {
    CAPTURE(c.name);
    std::error_code ec = text_errc::unavailable;
    std::size_t at = 99;
    CHECK(firebus::gb18030_to_utf8(c.gb18030, ec, text_policy::strict, &at) == c.utf8);
    CHECK(ec == std::error_code());
    CHECK(at == 99);  // untouched on success
    ec = text_errc::unavailable;
    CHECK(firebus::utf8_to_gb18030(c.utf8, ec) == c.gb18030);
    CHECK(ec == std::error_code());
    // Throwing overloads and the replace policy agree on valid input.
    CHECK(firebus::gb18030_to_utf8(c.gb18030) == c.utf8);
    CHECK(firebus::utf8_to_gb18030(c.utf8) == c.gb18030);
    CHECK(firebus::gb18030_to_utf8(c.gb18030, text_policy::replace) == c.utf8);
    CHECK(firebus::utf8_to_gb18030(c.utf8, text_policy::replace) == c.gb18030);
  }
}

TEST_CASE("text: invalid GB 18030 is reported at the first bad byte") {
  struct bad_case {
    const char* name;
    bytes input;
    text_errc error;
    std::size_t offset;
  };
  const std::vector<bad_case> cases = {
      {"lone lead byte at the end", {0x41, 0x81}, text_errc::incomplete_sequence, 1},
      {"lead byte before a space", {0x81, 0x20, 0x41}, text_errc::invalid_sequence, 0},
      {"0xFF", {0x41, 0x42, 0xff}, text_errc::invalid_sequence, 2},
      {"0x80", {0x80}, text_errc::invalid_sequence, 0},
      {"bad trail byte 0x7F", {0xd1, 0xcc, 0x81, 0x7f}, text_errc::invalid_sequence, 2},
      {"truncated 4-byte sequence",
       {0x61, 0x62, 0x95, 0x32, 0x82},
       text_errc::incomplete_sequence,
       2},
      {"4-byte sequence cut after two", {0x81, 0x30}, text_errc::incomplete_sequence, 0},
      {"4-byte sequence with a bad third byte",
       {0x81, 0x30, 0x20, 0x30},
       text_errc::invalid_sequence,
       0},
      {"4-byte code above U+10FFFF", {0xe3, 0x32, 0x9a, 0x36}, text_errc::invalid_sequence, 0},
      {"last 4-byte code FE39FE39", {0x41, 0xfe, 0x39, 0xfe, 0x39}, text_errc::invalid_sequence, 1},
      {"unassigned 4-byte code after the BMP",
       {0x84, 0x31, 0xa5, 0x30},
       text_errc::invalid_sequence,
       0},
  };
  for (const bad_case& c : cases) {
    CAPTURE(c.name);
    std::error_code ec;
    std::size_t at = 99;
    CHECK(firebus::gb18030_to_utf8(c.input, ec, text_policy::strict, &at).empty());
    CHECK(ec == c.error);
    CHECK(at == c.offset);
    CHECK_THROWS_AS(firebus::gb18030_to_utf8(c.input), firebus::system_error);
  }

  const bytes sample = {0x37, 0xc2, 0xa5, 0x30, 0x32, 0xff, 0xca, 0xd2};  // 7楼02 0xFF 室
  try {
    firebus::gb18030_to_utf8(sample);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == text_errc::invalid_sequence);
    CHECK(std::string(e.what()).find("GB 18030: invalid byte sequence at offset 5 (0xff)") !=
          std::string::npos);
  }
}

TEST_CASE("text: invalid UTF-8 is reported at the first bad byte") {
  struct bad_case {
    const char* name;
    std::string input;
    text_errc error;
    std::size_t offset;
  };
  const std::vector<bad_case> cases = {
      {"lone continuation byte", "ab\x80", text_errc::invalid_sequence, 2},
      {"overlong slash C0 AF", "烟\xc0\xaf", text_errc::invalid_sequence, 3},
      {"overlong E0 80 80", "\xe0\x80\x80", text_errc::invalid_sequence, 0},
      {"surrogate ED A0 80", "x\xed\xa0\x80", text_errc::invalid_sequence, 1},
      {"above U+10FFFF", "\xf4\x90\x80\x80", text_errc::invalid_sequence, 0},
      {"F5", "\xf5\x80\x80\x80", text_errc::invalid_sequence, 0},
      {"FF", "\xff", text_errc::invalid_sequence, 0},
      {"cut short before ASCII", "\xe7\x83\x41", text_errc::invalid_sequence, 0},
      {"cut short by the end", "烟\xe7\x83", text_errc::incomplete_sequence, 3},
      {"4-byte cut short by the end", "\xf0\x9f\x94", text_errc::incomplete_sequence, 0},
  };
  for (const bad_case& c : cases) {
    CAPTURE(c.name);
    std::error_code ec;
    std::size_t at = 99;
    CHECK(firebus::utf8_to_gb18030(c.input, ec, text_policy::strict, &at).empty());
    CHECK(ec == c.error);
    CHECK(at == c.offset);
    CHECK_THROWS_AS(firebus::utf8_to_gb18030(c.input), firebus::system_error);
    CHECK(firebus::utf8_to_description(c.input, ec) == firebus::gb26875::description{});
    CHECK(ec == c.error);
  }
  try {
    firebus::utf8_to_gb18030("烟\xc0\xaf");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(std::string(e.what()).find("UTF-8: invalid byte sequence at offset 3 (0xc0)") !=
          std::string::npos);
  }
}

TEST_CASE("text: the replace policy shows U+FFFD for what cannot be decoded") {
  const std::string fffd = utf8(0xfffd);
  struct replace_case {
    const char* name;
    bytes input;
    std::string output;
  };
  const std::vector<replace_case> cases = {
      {"0xFF between letters", {0x61, 0xff, 0x62}, "a" + fffd + "b"},
      {"lead byte before a space: the space survives", {0x81, 0x20}, fffd + " "},
      {"unassigned 4-byte code: one U+FFFD", {0xe3, 0x32, 0x9a, 0x36, 0x58}, fffd + "X"},
      {"incomplete tail: one U+FFFD", {0x61, 0x62, 0x81, 0x30, 0x81}, "ab" + fffd},
      {"bad third byte: the digits survive", {0x81, 0x30, 0x20, 0x30}, fffd + "0 0"},
      {"bad then good", {0x80, 0xd1, 0xcc, 0xff, 0xb8, 0xd0}, fffd + "烟" + fffd + "感"},
  };
  for (const replace_case& c : cases) {
    CAPTURE(c.name);
    std::error_code ec = text_errc::unavailable;
    CHECK(firebus::gb18030_to_utf8(c.input, ec, text_policy::replace) == c.output);
    CHECK(ec == std::error_code());
    CHECK(firebus::gb18030_to_utf8(c.input, text_policy::replace) == c.output);
  }

  // UTF-8 → GB 18030: one U+FFFD (84 31 A4 37) per maximal ill-formed subpart (Unicode §3.9).
  const bytes gb_fffd = {0x84, 0x31, 0xa4, 0x37};
  const auto join = [](std::initializer_list<bytes> parts) {
    bytes all;
    for (const bytes& p : parts) all.insert(all.end(), p.begin(), p.end());
    return all;
  };
  std::error_code ec;
  CHECK(firebus::utf8_to_gb18030("a\xc0\xaf"
                                 "b",
                                 ec,
                                 text_policy::replace) == join({{0x61}, gb_fffd, gb_fffd, {0x62}}));
  CHECK_FALSE(ec);
  CHECK(firebus::utf8_to_gb18030("\xed\xa0\x80", ec, text_policy::replace) ==
        join({gb_fffd, gb_fffd, gb_fffd}));
  CHECK(firebus::utf8_to_gb18030("烟\xe7\x83", ec, text_policy::replace) ==
        join({{0xd1, 0xcc}, gb_fffd}));
  CHECK(firebus::utf8_to_gb18030("\xf0\x9f\x94"
                                 "A",
                                 ec, text_policy::replace) == join({gb_fffd, {0x41}}));
  CHECK_FALSE(ec);
}

TEST_CASE("text: descriptions are padded with 0x00 and trimmed of 0x00 and spaces") {
  namespace gb = firebus::gb26875;
  std::error_code ec;
  const gb::description d = firebus::utf8_to_description("7楼02室会议室烟感", ec);
  REQUIRE_FALSE(ec);
  const bytes expected = {0x37, 0xc2, 0xa5, 0x30, 0x32, 0xca, 0xd2, 0xbb, 0xe1,
                          0xd2, 0xe9, 0xca, 0xd2, 0xd1, 0xcc, 0xb8, 0xd0};
  CHECK(bytes(d.begin(), d.begin() + 17) == expected);
  CHECK(std::all_of(d.begin() + 17, d.end(), [](std::uint8_t b) { return b == 0x00; }));
  CHECK(firebus::description_to_utf8(d, ec) == "7楼02室会议室烟感");
  CHECK_FALSE(ec);
  CHECK(firebus::description_to_utf8(firebus::utf8_to_description("Ａ区１层呷哺走廊")) ==
        "Ａ区１层呷哺走廊");

  // Padded with spaces, as some panels send it; and with spaces then 0x00.
  gb::description spaces;
  spaces.fill(0x20);
  spaces[0] = 0xd1;
  spaces[1] = 0xcc;
  spaces[2] = 0xb8;
  spaces[3] = 0xd0;
  CHECK(firebus::description_to_utf8(spaces, ec) == "烟感");
  gb::description mixed{};
  mixed[0] = 0x20;  // a leading space is text, kept
  mixed[1] = 0x41;
  mixed[2] = 0x20;
  mixed[3] = 0x00;
  mixed[4] = 0x20;
  CHECK(firebus::description_to_utf8(mixed, ec) == " A");
  CHECK(firebus::description_to_utf8(gb::description{}, ec).empty());
  CHECK_FALSE(ec);
  CHECK(firebus::utf8_to_description("", ec) == gb::description{});
  CHECK_FALSE(ec);

  // Exactly 31 bytes: no padding at all.
  const std::string full = std::string(29, 'a') + "烟";
  const gb::description f = firebus::utf8_to_description(full, ec);
  REQUIRE_FALSE(ec);
  CHECK(f[29] == 0xd1);
  CHECK(f[30] == 0xcc);
  CHECK(firebus::description_to_utf8(f) == full);

  // A bad byte in a received description: strict names its offset, replace shows the rest.
  gb::description broken{};
  broken[0] = 0xd1;
  broken[1] = 0xcc;
  broken[2] = 0xff;
  std::size_t at = 0;
  CHECK(firebus::description_to_utf8(broken, ec, text_policy::strict, &at).empty());
  CHECK(ec == text_errc::invalid_sequence);
  CHECK(at == 2);
  CHECK(firebus::description_to_utf8(broken, ec, text_policy::replace) == "烟" + utf8(0xfffd));
  CHECK_FALSE(ec);
  // A 2-byte character whose trail was cut by the sender: the lead byte is the last one kept.
  gb::description cut{};
  cut[0] = 0x41;
  cut[1] = 0xd1;
  CHECK(firebus::description_to_utf8(cut, ec, text_policy::strict, &at).empty());
  CHECK(ec == text_errc::incomplete_sequence);
  CHECK(at == 1);
  CHECK_THROWS_AS(firebus::description_to_utf8(cut), firebus::system_error);
}

TEST_CASE("text: a field limit is never met by cutting a character") {
  namespace gb = firebus::gb26875;
  std::error_code ec;
  std::size_t at = 0;

  // 30 + 2 bytes: the 2-byte 烟 would straddle byte 31.
  const std::string straddles = std::string(30, 'a') + "烟";
  gb::description d = firebus::utf8_to_description(straddles, ec, &at);
  CHECK(ec == text_errc::too_long);
  CHECK(at == 30);
  CHECK(d == gb::description{});
  try {
    firebus::utf8_to_description(straddles);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == text_errc::too_long);
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("at most 31 bytes") != std::string::npos);
    CHECK(what.find("needs 32") != std::string::npos);
    CHECK(what.find("offset 30") != std::string::npos);
  }

  // A 4-byte character straddling the limit; and one that just fits.
  CHECK(firebus::utf8_to_gb18030_field(std::string(28, 'a') + "🔥", 31, ec, &at).empty());
  CHECK(ec == text_errc::too_long);
  CHECK(at == 28);
  CHECK(firebus::utf8_to_gb18030_field(std::string(27, 'a') + "🔥", 31, ec).size() == 31);
  CHECK_FALSE(ec);

  // Only Chinese: 17 × 2 = 34 bytes; 15 fit, and the 16th starts at UTF-8 offset 15 × 3 = 45.
  const std::string sixteen = "消防控制室一号主机回路二十三四五六";
  CHECK(firebus::utf8_to_description(sixteen, ec, &at) == gb::description{});
  CHECK(ec == text_errc::too_long);
  CHECK(at == 45);

  // ASCII: the first byte that does not fit.
  CHECK(firebus::utf8_to_gb18030_field("abcdef", 4, ec, &at).empty());
  CHECK(ec == text_errc::too_long);
  CHECK(at == 4);
  CHECK(firebus::utf8_to_gb18030_field("", 0, ec).empty());
  CHECK_FALSE(ec);
  CHECK(firebus::utf8_to_gb18030_field("烟", 1, ec, &at).empty());
  CHECK(ec == text_errc::too_long);
  CHECK(at == 0);
  CHECK_THROWS_AS(firebus::utf8_to_gb18030_field("烟", 1), firebus::system_error);

  // The first problem in the text is the one reported.
  CHECK(firebus::utf8_to_gb18030_field("ab\xff" + std::string(40, 'c'), 31, ec, &at).empty());
  CHECK(ec == text_errc::invalid_sequence);
  CHECK(at == 2);
  CHECK(firebus::utf8_to_gb18030_field(std::string(40, 'c') + "\xff", 31, ec, &at).empty());
  CHECK(ec == text_errc::too_long);
  CHECK(at == 31);

  // A configuration text (types 6 and 26): up to 255 bytes, then into a config_text view.
  std::string long_text;
  for (int i = 0; i < 127; ++i) long_text += "烟";
  const bytes t = firebus::utf8_to_gb18030_field(long_text + "a", 255, ec);
  REQUIRE_FALSE(ec);
  CHECK(t.size() == 255);
  const gb::config_text text{t};
  CHECK(firebus::gb18030_to_utf8(text.bytes) == long_text + "a");
  CHECK(firebus::utf8_to_gb18030_field(long_text + "烟", 255, ec, &at).empty());
  CHECK(ec == text_errc::too_long);
  CHECK(at == 127 * 3);
}

TEST_CASE("text: the firebus.text error category") {
  const std::error_code ec = text_errc::invalid_sequence;
  CHECK(&ec.category() == &firebus::text_category());
  CHECK(std::string(ec.category().name()) == "firebus.text");
  CHECK(ec.message() == "invalid byte sequence");
  CHECK(std::error_code(text_errc::incomplete_sequence).message() == "incomplete byte sequence");
  CHECK_FALSE(std::error_code(text_errc::unrepresentable).message().empty());
  CHECK(std::error_code(text_errc::too_long).message() == "text longer than its field");
  CHECK(std::error_code(text_errc::unavailable).message().find("GB 18030") != std::string::npos);
  CHECK(firebus::text_category().message(77) == "unknown firebus.text error 77");
  CHECK(ec != firebus::errc::truncated);
  CHECK(ec != firebus::gb26875::errc::text_too_long);

  // A code made inside the library carries the same category instance.
  std::error_code made;
  const bytes bad = {0xff};
  firebus::gb18030_to_utf8(bad, made);
  CHECK(&made.category() == &firebus::text_category());
  CHECK(made == text_errc::invalid_sequence);
}

TEST_CASE("text: the platform's GB 18030 edition shows in 24 two-byte codes") {
  // GB 18030-2005 decoded these to private-use code points; GB 18030-2022 (and glibc) to the
  // standard characters. Either is accepted; the round trip from UTF-8 is exact in both.
  struct edition_case {
    bytes gb;
    char32_t y2022;
    char32_t y2005;
  };
  const std::vector<edition_case> cases = {
      {{0xa6, 0xd9}, 0xFE10, 0xE78D},   // ︐ vertical comma
      {{0xfe, 0x59}, 0x9FB4, 0xE81E},   // 龴
      {{0xfe, 0x51}, 0x20087, 0xE816},  // 𠂇
  };
  for (const edition_case& c : cases) {
    std::error_code ec;
    const std::string s = firebus::gb18030_to_utf8(c.gb, ec);
    REQUIRE_FALSE(ec);
    CHECK((s == utf8(c.y2022) || s == utf8(c.y2005)));
    CHECK(firebus::utf8_to_gb18030(s) == c.gb);
  }
  // Since GB 18030-2005, ḿ (U+1E3F) is A8 BC; Python's codec still has the 2000 mapping.
  CHECK(firebus::gb18030_to_utf8(bytes{0xa8, 0xbc}) == utf8(0x1E3F));
  CHECK(firebus::utf8_to_gb18030(utf8(0x1E3F)) == bytes{0xa8, 0xbc});

  // The private-use code points that lost their two-byte code: unrepresentable, or encoded in a
  // way that decodes back to them.
  for (char32_t cp : moved_private_use) {
    CAPTURE(static_cast<std::uint32_t>(cp));
    std::error_code ec;
    std::size_t at = 99;
    const bytes gb = firebus::utf8_to_gb18030("ab" + utf8(cp), ec, text_policy::strict, &at);
    if (ec) {
      CHECK(ec == text_errc::unrepresentable);
      CHECK(at == 2);
      CHECK(firebus::utf8_to_gb18030("ab" + utf8(cp), ec, text_policy::replace) ==
            bytes{0x61, 0x62, 0x84, 0x31, 0xa4, 0x37});
      CHECK_FALSE(ec);
    } else {
      CHECK(firebus::gb18030_to_utf8(gb) == "ab" + utf8(cp));
    }
  }
}

TEST_CASE("text: every Unicode scalar value round-trips through GB 18030") {
  std::size_t checked = 0;
  std::string chunk;
  const auto flush = [&] {
    std::error_code ec;
    std::size_t at = 0;
    const bytes gb = firebus::utf8_to_gb18030(chunk, ec, text_policy::strict, &at);
    CAPTURE(at);
    REQUIRE_FALSE(ec);
    REQUIRE(gb.size() <= 2 * chunk.size());
    const std::string back = firebus::gb18030_to_utf8(gb, ec, text_policy::strict, &at);
    REQUIRE_FALSE(ec);
    REQUIRE(back == chunk);
    chunk.clear();
  };
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    if (is_moved_private_use(cp)) continue;  // the case above
    chunk += utf8(cp);
    ++checked;
    if (chunk.size() >= 16384) flush();
  }
  flush();
  CHECK(checked == 0x110000 - 0x800 - moved_private_use.size());
}

TEST_CASE("text: random Unicode text round-trips through GB 18030") {
  std::mt19937 rng(26875);
  std::uniform_int_distribution<std::uint32_t> kind(0, 4);
  std::uniform_int_distribution<std::uint32_t> length(0, 40);
  const auto draw = [&rng, &kind]() -> char32_t {
    for (;;) {
      std::uint32_t cp = 0;
      switch (kind(rng)) {
        case 0:  // ASCII
          cp = std::uniform_int_distribution<std::uint32_t>(0, 0x7f)(rng);
          break;
        case 1:  // CJK unified ideographs (the 2-byte GBK area)
          cp = std::uniform_int_distribution<std::uint32_t>(0x4e00, 0x9fff)(rng);
          break;
        case 2:  // anywhere in the BMP
          cp = std::uniform_int_distribution<std::uint32_t>(0x80, 0xffff)(rng);
          break;
        default:  // anywhere at all
          cp = std::uniform_int_distribution<std::uint32_t>(0, 0x10ffff)(rng);
          break;
      }
      if (cp >= 0xd800 && cp <= 0xdfff) continue;  // surrogates are not scalar values
      return static_cast<char32_t>(cp);
    }
  };
  int unrepresentable = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    std::vector<char32_t> cps;
    const std::uint32_t n = length(rng);
    for (std::uint32_t k = 0; k < n; ++k) {
      cps.push_back(draw());
      text += utf8(cps.back());
    }
    CAPTURE(text.size());
    std::error_code ec;
    std::size_t at = 0;
    const bytes gb = firebus::utf8_to_gb18030(text, ec, text_policy::strict, &at);
    if (ec) {
      // Only the private-use code points the platform's table may lack.
      REQUIRE(ec == text_errc::unrepresentable);
      REQUIRE(at < text.size());
      const bool moved = std::any_of(cps.begin(), cps.end(), is_moved_private_use);
      CHECK(moved);
      ++unrepresentable;
      continue;
    }
    CHECK(gb.size() <= 2 * text.size());
    const std::string back = firebus::gb18030_to_utf8(gb, ec);
    REQUIRE_FALSE(ec);
    CHECK(back == text);
  }
  CHECK(unrepresentable < 10);
}

TEST_CASE("text: arbitrary bytes never crash and stay within the output bound") {
  std::mt19937 rng(18030);
  std::uniform_int_distribution<int> length(0, 64);
  std::uniform_int_distribution<int> any(0, 255);
  std::uniform_int_distribution<int> pick(0, 9);
  // Mostly bytes that look like GB 18030 (lead bytes, digits, trail bytes), to reach deep paths.
  const auto byte = [&]() -> std::uint8_t {
    switch (pick(rng)) {
      case 0:
      case 1:
        return static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0x81, 0xfe)(rng));
      case 2:
      case 3:
        return static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0x30, 0x39)(rng));
      case 4:
        return static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0x80, 0xbf)(rng));
      default:
        return static_cast<std::uint8_t>(any(rng));
    }
  };
  for (int i = 0; i < 20000; ++i) {
    bytes input(static_cast<std::size_t>(length(rng)));
    for (std::uint8_t& b : input) b = byte();
    std::error_code ec;
    std::size_t at = 0;

    const std::string strict = firebus::gb18030_to_utf8(input, ec, text_policy::strict, &at);
    if (ec) {
      CHECK(strict.empty());
      CHECK(at < input.size());
      CHECK((ec == text_errc::invalid_sequence || ec == text_errc::incomplete_sequence));
    } else {
      CHECK(is_utf8(strict));
      CHECK(strict.size() <= input.size() * 3 / 2 + 1);
    }
    const std::string shown = firebus::gb18030_to_utf8(input, ec, text_policy::replace);
    CHECK_FALSE(ec);
    CHECK(is_utf8(shown));
    CHECK(shown.size() <= 3 * input.size());
    if (strict.size() != 0) CHECK(shown == strict);

    // The same bytes taken as (mostly ill-formed) UTF-8.
    const std::string_view as_text(reinterpret_cast<const char*>(input.data()), input.size());
    const bytes gb = firebus::utf8_to_gb18030(as_text, ec, text_policy::strict, &at);
    if (ec) {
      CHECK(gb.empty());
      CHECK(at < input.size());
    }
    const bytes gb_shown = firebus::utf8_to_gb18030(as_text, ec, text_policy::replace);
    CHECK_FALSE(ec);
    CHECK(gb_shown.size() <= 4 * input.size());
    (void)firebus::utf8_to_gb18030_field(as_text, 31, ec);

    firebus::gb26875::description d{};
    std::copy_n(input.begin(), std::min(input.size(), d.size()), d.begin());
    (void)firebus::description_to_utf8(d, ec, text_policy::strict);
    CHECK_FALSE(firebus::description_to_utf8(d, ec, text_policy::replace).size() > 3 * d.size());
    CHECK_FALSE(ec);
  }
}

TEST_CASE("text: conversions run concurrently on several threads") {
  const vector_case& c = known_vectors()[2];  // 7楼02室会议室烟感
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&c, &failures, t] {
      for (int i = 0; i < 2000; ++i) {
        std::error_code ec;
        if (firebus::gb18030_to_utf8(c.gb18030, ec) != c.utf8 || ec) ++failures[t];
        if (firebus::utf8_to_gb18030(c.utf8, ec) != c.gb18030 || ec) ++failures[t];
        const bytes bad = {0xd1, 0xcc, 0x81};  // leaves no state behind for the next call
        firebus::gb18030_to_utf8(bad, ec);
        if (ec != text_errc::incomplete_sequence) ++failures[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
}
#endif
