// firebus — fire-safety IoT SDK.
// Tests of <firebus/core/bytes.hpp>: byte_view, mutable_byte_view, endian.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/core/bytes.hpp>

TEST_CASE("byte_view: construction from arrays, std::array, vectors and pointers") {
  const std::uint8_t raw[] = {1, 2, 3, 4};
  const std::array<std::uint8_t, 3> arr = {5, 6, 7};
  const std::vector<std::uint8_t> vec = {8, 9};

  const firebus::byte_view a(raw);
  CHECK(a.size() == 4);
  CHECK(a.data() == raw);
  CHECK(a[3] == 4);
  const firebus::byte_view b(arr);
  CHECK(b.size() == 3);
  CHECK(b.data() == arr.data());
  const firebus::byte_view c(vec);
  CHECK(c.size() == 2);
  CHECK(c.data() == vec.data());
  CHECK(c[1] == 9);

  const firebus::byte_view p(raw + 1, 2);
  CHECK(p.size() == 2);
  CHECK(p[0] == 2);
  CHECK(p.to_vector() == std::vector<std::uint8_t>{2, 3});
}

TEST_CASE("byte_view: empty and null views") {
  const firebus::byte_view def;
  CHECK(def.empty());
  CHECK(def.size() == 0);
  CHECK(def.data() == nullptr);
  CHECK(def.begin() == def.end());

  // A null pointer with a non-zero size is taken as empty, never as a dangling range.
  const firebus::byte_view null_sized(nullptr, 10);
  CHECK(null_sized.empty());
  CHECK(null_sized.size() == 0);

  const std::uint8_t raw[] = {1};
  const firebus::byte_view zero(raw, 0);
  CHECK(zero.empty());
  CHECK(zero.data() == nullptr);

  const std::vector<std::uint8_t> none;
  CHECK(firebus::byte_view(none).empty());
  CHECK(def.to_vector().empty());
}

TEST_CASE("byte_view: iteration visits every byte in order") {
  const std::uint8_t raw[] = {10, 20, 30};
  const firebus::byte_view v(raw);
  std::vector<std::uint8_t> seen;
  for (std::uint8_t b : v) seen.push_back(b);
  CHECK(seen == std::vector<std::uint8_t>{10, 20, 30});
  CHECK(v.end() - v.begin() == 3);
}

TEST_CASE("byte_view: subview, first and last clamp to the view") {
  const std::uint8_t raw[] = {0, 1, 2, 3, 4, 5};
  const firebus::byte_view v(raw);

  CHECK(v.subview(2, 2).to_vector() == std::vector<std::uint8_t>{2, 3});
  CHECK(v.subview(2).to_vector() == std::vector<std::uint8_t>{2, 3, 4, 5});
  CHECK(v.subview(4, 100).to_vector() == std::vector<std::uint8_t>{4, 5});
  CHECK(v.subview(4, firebus::byte_view::npos).size() == 2);
  CHECK(v.subview(5, SIZE_MAX).size() == 1);
  CHECK(v.subview(6).empty());
  CHECK(v.subview(7, 1).empty());
  CHECK(v.subview(SIZE_MAX, SIZE_MAX).empty());
  CHECK(v.subview(1, 0).empty());

  CHECK(v.first(2).to_vector() == std::vector<std::uint8_t>{0, 1});
  CHECK(v.first(0).empty());
  CHECK(v.first(100).size() == 6);
  CHECK(v.last(2).to_vector() == std::vector<std::uint8_t>{4, 5});
  CHECK(v.last(0).empty());
  CHECK(v.last(6) == v);
  CHECK(v.last(SIZE_MAX) == v);

  // Every slice stays inside the original bytes.
  for (std::size_t off = 0; off <= 8; ++off) {
    for (std::size_t n = 0; n <= 8; ++n) {
      const firebus::byte_view s = v.subview(off, n);
      CAPTURE(off);
      CAPTURE(n);
      if (!s.empty()) {
        CHECK(s.data() >= v.data());
        CHECK(s.data() + s.size() <= v.data() + v.size());
        CHECK(s.data() == v.data() + off);
      }
      CHECK(s.size() == (off >= 6 ? 0 : std::min<std::size_t>(n, 6 - off)));
    }
  }
}

TEST_CASE("byte_view: equality compares contents, not addresses") {
  const std::uint8_t a[] = {1, 2, 3};
  const std::uint8_t b[] = {1, 2, 3};
  const std::uint8_t c[] = {1, 2, 4};
  CHECK(firebus::byte_view(a) == firebus::byte_view(b));
  CHECK(firebus::byte_view(a) != firebus::byte_view(c));
  CHECK(firebus::byte_view(a) != firebus::byte_view(a).first(2));
  CHECK(firebus::byte_view() == firebus::byte_view(a).subview(3));
  CHECK(firebus::byte_view() == firebus::byte_view(nullptr, 5));
}

TEST_CASE("byte_view::from_chars views the bytes of a string, including NUL and high bytes") {
  const std::string s("A\0\xff", 3);
  const firebus::byte_view v = firebus::byte_view::from_chars(s);
  CHECK(v.size() == 3);
  CHECK(v[0] == 0x41);
  CHECK(v[1] == 0x00);
  CHECK(v[2] == 0xFF);
  CHECK(firebus::byte_view::from_chars("").empty());
}

TEST_CASE("mutable_byte_view: writable and convertible to byte_view") {
  std::uint8_t raw[4] = {};
  firebus::mutable_byte_view m(raw);
  CHECK(m.size() == 4);
  CHECK(m.data() == raw);
  *m.begin() = 7;
  m.data()[3] = 9;
  CHECK(raw[0] == 7);
  CHECK(raw[3] == 9);
  const firebus::byte_view v = m;
  CHECK(v.data() == raw);
  CHECK(v.size() == 4);

  std::array<std::uint8_t, 2> arr{};
  CHECK(firebus::mutable_byte_view(arr).size() == 2);
  std::vector<std::uint8_t> vec(5);
  CHECK(firebus::mutable_byte_view(vec).data() == vec.data());
  CHECK(firebus::mutable_byte_view(nullptr, 3).empty());
  CHECK(firebus::mutable_byte_view(raw, 0).data() == nullptr);
  CHECK(firebus::mutable_byte_view().begin() == firebus::mutable_byte_view().end());
}

namespace {
// At namespace scope: GCC's -fsanitize=null rejects comparing a function-local static's address
// with nullptr in a constant expression.
constexpr std::uint8_t constexpr_bytes[] = {1, 2, 3, 4};
}  // namespace

TEST_CASE("byte_view is usable in constant expressions") {
  constexpr firebus::byte_view v(constexpr_bytes);
  static_assert(v.size() == 4, "size");
  static_assert(v.subview(1, 2).size() == 2, "subview");
  static_assert(v.subview(1, 2)[0] == 2, "subview contents");
  static_assert(v.last(1)[0] == 4, "last");
  static_assert(v.subview(9).empty(), "clamped");
  CHECK(v.size() == 4);
}
