// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/point.hpp>: point identifiers.
#include <cstddef>
#include <map>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

#include <doctest/doctest.h>

#include <firebus/core/point.hpp>

namespace {

using firebus::point_id;

// Checks that `name` is rejected at byte `at` by every entry point.
void check_invalid(std::string_view name, std::size_t at) {
  CAPTURE(std::string(name));
  CHECK_FALSE(point_id::is_valid(name));
  CHECK(point_id::first_invalid(name) == at);
  std::error_code ec;
  const point_id id = point_id::make(name, ec);
  CHECK(ec == firebus::errc::invalid_point_id);
  CHECK(id.empty());
  CHECK_THROWS_AS(point_id{name}, firebus::system_error);
}

void check_valid(std::string_view name) {
  CAPTURE(std::string(name));
  CHECK(point_id::is_valid(name));
  CHECK(point_id::first_invalid(name) == point_id::npos);
  std::error_code ec = firebus::errc::unknown_code;
  const point_id id = point_id::make(name, ec);
  CHECK_FALSE(ec);
  CHECK(id.view() == name);
  CHECK(point_id(name) == id);
}

}  // namespace

TEST_CASE("point_id: valid names") {
  check_valid("RC1");
  check_valid("a");
  check_valid("bus1/dev3/IR1");
  check_valid("gw-0001:modbus.unit_3/holding.40001");
  check_valid("~!$%&'()*,;<=>?@[]^_`{|}");
  check_valid("1号楼/3层/烟感12");  // Chinese, 3-byte UTF-8
  check_valid("温度");
  check_valid("Zürich/Straße");     // 2-byte UTF-8
  check_valid("\xF0\x9F\x94\xA5");  // U+1F525, 4-byte UTF-8
  check_valid("\xC2\xA0");          // U+00A0, the smallest 2-byte code point allowed
  check_valid("\xE0\xA0\x80");      // U+0800, smallest 3-byte
  check_valid("\xED\x9F\xBF");      // U+D7FF, just below the surrogates
  check_valid("\xEE\x80\x80");      // U+E000, just above them
  check_valid("\xEF\xBF\xBF");      // U+FFFF
  check_valid("\xF0\x90\x80\x80");  // U+10000, smallest 4-byte
  check_valid("\xF4\x8F\xBF\xBF");  // U+10FFFF, the largest code point
  check_valid("~");                 // 0x7E, the last printable ASCII
  check_valid("!");                 // 0x21, the first
}

TEST_CASE("point_id: length limits are in bytes") {
  check_valid(std::string(128, 'x'));
  check_invalid(std::string(129, 'x'), 128);
  check_invalid(std::string(1000, 'x'), 128);
  // 42 Chinese characters (126 bytes) + 2 ASCII = 128 bytes: valid; one more byte is not.
  std::string zh;
  for (int i = 0; i < 42; ++i) zh += "烟";
  REQUIRE(zh.size() == 126);
  check_valid(zh + "ab");
  check_invalid(zh + "abc", 128);
  // The limit wins over a bad byte beyond it and over a character cut at the limit.
  check_invalid(std::string(128, 'y') + " ", 128);
  check_invalid(std::string(127, 'y') + "烟", 128);
  check_invalid("", 0);
  CHECK(point_id::max_size == 128);
}

TEST_CASE("point_id: forbidden ASCII characters") {
  for (char c : {' ', '+', '#', '"', '\\'}) {
    const std::string s(1, c);
    check_invalid(s, 0);
    check_invalid("ab" + s, 2);
    check_invalid("ab" + s + "cd", 2);
  }
  // Every control character, NUL and DEL included.
  for (int c = 0; c < 0x20; ++c) {
    CAPTURE(c);
    const std::string s(1, static_cast<char>(c));
    check_invalid(s, 0);
    check_invalid("x/" + s + "/y", 2);
  }
  check_invalid(std::string("\x7F"), 0);
  check_invalid(std::string("abc\x7F"), 3);
  check_invalid(std::string("a\0b", 3), 1);
  check_invalid("RC1\n", 3);
  check_invalid("RC1\r\nX", 3);
  check_invalid("temp #1", 4);
  // Everything else printable is allowed.
  for (int c = 0x21; c < 0x7F; ++c) {
    if (c == '+' || c == '#' || c == '"' || c == '\\') continue;
    CAPTURE(c);
    CHECK(point_id::is_valid(std::string(1, static_cast<char>(c))));
  }
}

TEST_CASE("point_id: C1 control characters (U+0080..U+009F) are control characters too") {
  // Well-formed UTF-8, but C1 controls: U+0085 (NEL) breaks log lines, U+009B is a CSI.
  check_invalid("\xC2\x80", 0);
  check_invalid("ab\xC2\x85", 2);
  check_invalid("ab\xC2\x9B[31m", 2);
  check_invalid("\xC2\x9F", 0);
  check_valid("\xC2\xA0");
  check_valid("\xC2\xA9");  // ©
}

TEST_CASE("point_id: ill-formed UTF-8 is rejected at the offending sequence") {
  check_invalid("\xC0\x80", 0);              // overlong NUL
  check_invalid("\xC1\xBF", 0);              // overlong '\x7F'
  check_invalid("ab\xE0\x80\x80", 2);        // overlong 3-byte
  check_invalid("\xE0\x9F\xBF", 0);          // overlong U+07FF
  check_invalid("\xF0\x80\x80\x80", 0);      // overlong 4-byte
  check_invalid("\xF0\x8F\xBF\xBF", 0);      // overlong U+FFFF
  check_invalid("x\xED\xA0\x80", 1);         // U+D800, a surrogate
  check_invalid("\xED\xBF\xBF", 0);          // U+DFFF
  check_invalid("\xF4\x90\x80\x80", 0);      // U+110000, above the Unicode range
  check_invalid("\xF5\x80\x80\x80", 0);      // lead byte F5
  check_invalid("\xF8\x88\x80\x80\x80", 0);  // 5-byte form
  check_invalid("\xFE", 0);
  check_invalid("\xFF", 0);
  // Lone continuation bytes.
  check_invalid("\x80", 0);
  check_invalid("a\xBF", 1);
  check_invalid("烟\x80", 3);
  // Truncated sequences, at the end and followed by ASCII.
  check_invalid("\xC3", 0);
  check_invalid("ab\xE7\x83", 2);
  check_invalid(
      "\xE7\x83"
      "a",
      0);
  check_invalid("\xF0\x9F\x94", 0);
  check_invalid(
      "\xF0\x9F\x94"
      "A",
      0);
  check_invalid("\xF0\x9F", 0);
  check_invalid("\xF0", 0);
  // A bad second or third continuation byte.
  check_invalid("\xE7\x83\x41", 0);
  check_invalid("\xF0\x9F\x94\xC0", 0);
  check_invalid("\xC3\xC3\xA9", 0);
  // Valid text before the error: the offset points at the first bad byte.
  check_invalid("烟感\xED\xA0\x80", 6);
  check_invalid("Zürich\xC0", 7);
}

TEST_CASE("point_id: the throwing constructor says which byte offends") {
  try {
    point_id id("temp#1");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::invalid_point_id);
    const std::string what = e.what();
    CHECK(what.find("0x23") != std::string::npos);
    CHECK(what.find("offset 4") != std::string::npos);
  }
  try {
    point_id id("");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::invalid_point_id);
    CHECK(std::string(e.what()).find("empty") != std::string::npos);
  }
  try {
    point_id id(std::string(200, 'a'));
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == firebus::errc::invalid_point_id);
    CHECK(std::string(e.what()).find("200 bytes") != std::string::npos);
  }
  try {
    point_id id("ab\xED\xA0\x80");
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(std::string(e.what()).find("0xed at offset 2") != std::string::npos);
  }
}

TEST_CASE("point_id: default, accessors and comparisons") {
  const point_id none;
  CHECK(none.empty());
  CHECK(none.str().empty());
  CHECK(none == point_id());
  const point_id a("RC1");
  const point_id b("RC2");
  CHECK_FALSE(a.empty());
  CHECK(a.str() == "RC1");
  CHECK(a.view() == "RC1");
  CHECK(a == point_id("RC1"));
  CHECK(a != b);
  CHECK(a < b);
  CHECK_FALSE(b < a);
  CHECK_FALSE(a < a);
  CHECK(none < a);
  CHECK(none != a);
  // make() on failure returns an empty id even when the target held one before.
  std::error_code ec;
  point_id c = a;
  c = point_id::make("bad name", ec);
  CHECK(c.empty());
  CHECK(ec == firebus::errc::invalid_point_id);
}

TEST_CASE("point_id: hashable and ordered in standard containers") {
  std::unordered_map<point_id, double> last;
  last[point_id("RC1")] = 312.0;
  last[point_id("RC2")] = 15.5;
  last[point_id("烟感1")] = 1.0;
  last[point_id("RC1")] = 320.0;
  CHECK(last.size() == 3);
  CHECK(last.at(point_id("RC1")) == 320.0);
  CHECK(last.count(point_id("RC3")) == 0);

  std::unordered_set<point_id> seen;
  for (int i = 0; i < 200; ++i) seen.insert(point_id("p" + std::to_string(i % 50)));
  CHECK(seen.size() == 50);
  CHECK(seen.count(point_id("p49")) == 1);

  CHECK(std::hash<point_id>()(point_id("RC1")) == std::hash<point_id>()(point_id("RC1")));
  CHECK(std::hash<point_id>()(point_id("RC1")) == std::hash<std::string_view>()("RC1"));

  std::set<point_id> ordered = {point_id("b"), point_id("a"), point_id("c"), point_id("a")};
  CHECK(ordered.size() == 3);
  CHECK(ordered.begin()->str() == "a");
  CHECK(ordered.rbegin()->str() == "c");
  std::map<point_id, int> m;
  m[point_id("z")] = 1;
  m[point_id("y")] = 2;
  CHECK(m.begin()->second == 2);
}
