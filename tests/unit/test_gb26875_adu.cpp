// firebus — fire-safety IoT SDK.
// GB/T 26875.3 ADUs: vendor vectors, every type round-trips, variable-length walking,
// user-defined types, errors.
#include <cstdint>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <random>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include <firebus/gb26875/adu.hpp>

namespace gb = firebus::gb26875;
using bytes = std::vector<std::uint8_t>;

namespace {

// "7楼02室会议室烟感" in GB 18030, as in the public vectors of shootingfans/codec_gb26875_3_2011.
const bytes smoke_text = {0x37, 0xc2, 0xa5, 0x30, 0x32, 0xca, 0xd2, 0xbb, 0xe1,
                          0xd2, 0xe9, 0xca, 0xd2, 0xd1, 0xcc, 0xb8, 0xd0};
// 2021-07-02 09:00:04 and 09:00:05.
const gb::time_tag t4{0x04, 0x00, 0x09, 0x02, 0x07, 0x15};
const gb::time_tag t5{0x05, 0x00, 0x09, 0x02, 0x07, 0x15};

bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

template <class T>
const T& only(const gb::adu& a) {
  REQUIRE(a.objects.size() == 1);
  REQUIRE(std::holds_alternative<T>(a.objects[0]));
  return std::get<T>(a.objects[0]);
}

}  // namespace

TEST_CASE("vendor vector: two system states (type 1)") {
  const bytes adu = {0x01, 0x02, 0x01, 0x02, 0x04, 0x02, 0x04, 0x00, 0x09, 0x02, 0x07,
                     0x15, 0x0d, 0x03, 0x05, 0x01, 0x05, 0x00, 0x09, 0x02, 0x07, 0x15};
  const gb::adu a = gb::decode_adu(adu);
  CHECK(a.type == gb::adu_type::system_status);
  REQUIRE(a.objects.size() == 2);
  const auto& s0 = std::get<gb::system_status>(a.objects[0]);
  const auto& s1 = std::get<gb::system_status>(a.objects[1]);
  CHECK(s0 == gb::system_status{1, 2, 0x0204, t4});
  CHECK(s1 == gb::system_status{13, 3, 0x0105, t5});
  CHECK(gb::encode_adu(a) == adu);
}

TEST_CASE("vendor vector: component state with a GB 18030 description (type 2)") {
  const bytes adu = cat({{0x02, 0x01, 0x01, 0x02, 0x79, 0x01, 0x02, 0x03, 0x04, 0x04, 0x02},
                         smoke_text,
                         bytes(14, 0x00),
                         {0x04, 0x00, 0x09, 0x02, 0x07, 0x15}});
  REQUIRE(adu.size() == 48);
  const gb::adu a = gb::decode_adu(adu);
  const auto& c = only<gb::component_status>(a);
  CHECK(c.system_type == 1);
  CHECK(c.system_address == 2);
  CHECK(c.component_type == 0x79);
  CHECK(c.component_address == 0x04030201u);
  CHECK(c.status == 0x0204);
  CHECK(gb::trimmed(c.text) == firebus::byte_view(smoke_text));
  CHECK(c.time == t4);
  CHECK(gb::encode_adu(a) == adu);
}

TEST_CASE("vendor vector: analog values (type 3)") {
  const bytes adu = {0x03, 0x02, 0x01, 0x02, 0x28, 0x01, 0x02, 0x03, 0x04, 0x03, 0x20, 0x03,
                     0x04, 0x00, 0x09, 0x02, 0x07, 0x15, 0x0d, 0x03, 0x79, 0x03, 0x04, 0x05,
                     0x06, 0x02, 0x01, 0x50, 0x05, 0x00, 0x09, 0x02, 0x07, 0x15};
  const gb::adu a = gb::decode_adu(adu);
  REQUIRE(a.objects.size() == 2);
  const auto& v0 = std::get<gb::component_analog>(a.objects[0]);
  const auto& v1 = std::get<gb::component_analog>(a.objects[1]);
  CHECK(v0.analog_type == 3);  // temperature
  CHECK(v0.value == 0x0320);   // 800 × 0.1 °C
  CHECK(v1.analog_type == 2);
  CHECK(v1.value == 0x5001);
  CHECK(v1.component_address == 0x06050403u);
  CHECK(gb::encode_adu(a) == adu);
}

TEST_CASE("vendor vectors: operations, versions, clocks, UITD state (types 4, 5, 8, 21, 24)") {
  const bytes op = {0x04, 0x01, 0x01, 0x02, 0x84, 0xfa, 0x04, 0x00, 0x09, 0x02, 0x07, 0x15};
  CHECK(only<gb::system_operation>(gb::decode_adu(op)) ==
        gb::system_operation{1, 2, 0x84, 0xfa, t4});
  const bytes ver = {0x05, 0x02, 0x01, 0x02, 0x03, 0x04, 0x0d, 0x03, 0x01, 0x01};
  const gb::adu v = gb::decode_adu(ver);
  REQUIRE(v.objects.size() == 2);
  CHECK(std::get<gb::system_software_version>(v.objects[1]) ==
        gb::system_software_version{13, 3, 1, 1});
  const bytes clk = {0x08, 0x01, 0x01, 0x02, 0x04, 0x00, 0x09, 0x02, 0x07, 0x15};
  CHECK(only<gb::system_time>(gb::decode_adu(clk)) == gb::system_time{1, 2, t4});
  const bytes st = {0x15, 0x01, 0x08, 0x04, 0x00, 0x09, 0x02, 0x07, 0x15};
  CHECK(only<gb::uitd_status>(gb::decode_adu(st)) == gb::uitd_status{0x08, t4});
  const bytes uop = {0x18, 0x01, 0x31, 0xfa, 0x04, 0x00, 0x09, 0x02, 0x07, 0x15};
  CHECK(only<gb::uitd_operation>(gb::decode_adu(uop)) == gb::uitd_operation{0x31, 0xfa, t4});
  for (const bytes* b : {&op, &clk, &st, &uop}) CHECK(gb::encode_adu(gb::decode_adu(*b)) == *b);
  // The vendor sends two version objects where the standard's table allows one (n = 1): accepted
  // on decode, refused on a standard encode, reproduced on a faithful one.
  CHECK_THROWS_AS(gb::encode_adu(v), firebus::system_error);
  CHECK(gb::encode_adu(v, gb::adu_limits::size_only) == ver);
}

TEST_CASE("variable-length system configurations are walked one by one (type 6)") {
  // Three objects of 30, 0 and 5 text bytes: splitting the ADU evenly by count breaks this.
  const bytes padded = cat({smoke_text, bytes(13, 0x00)});
  const bytes adu = cat({{0x06, 0x03, 0x01, 0x02, 30},
                         padded,
                         {0x0d, 0x03, 0},
                         {0x11, 0x04, 5},
                         {'a', 'b', 0x40, 0x40, 'c'}});
  const gb::adu a = gb::decode_adu(adu);
  REQUIRE(a.objects.size() == 3);
  const auto& c0 = std::get<gb::system_config>(a.objects[0]);
  const auto& c1 = std::get<gb::system_config>(a.objects[1]);
  const auto& c2 = std::get<gb::system_config>(a.objects[2]);
  CHECK(c0.text.bytes == firebus::byte_view(padded));
  CHECK(c1.text.bytes.empty());
  CHECK(c1.system_type == 0x0d);
  CHECK(c2.text.bytes.size() == 5);
  CHECK(c2.text.bytes.data() == adu.data() + adu.size() - 5);  // a view into the ADU
  CHECK(gb::encode_adu(a) == adu);

  std::error_code ec;
  bytes longer = adu;
  longer[4] = 31;  // the first text claims one byte more: everything after shifts
  (void)gb::parse_adu(longer, ec);
  CHECK(ec);
  bytes extra = adu;
  extra.push_back(0);
  (void)gb::parse_adu(extra, ec);
  CHECK(ec == gb::errc::adu_count_mismatch);
}

TEST_CASE("UITD configuration text (type 26)") {
  const bytes adu = cat({{0x1a, 0x01, 17}, smoke_text});
  const gb::adu a = gb::decode_adu(adu);
  CHECK(only<gb::uitd_config>(a).text.bytes == firebus::byte_view(smoke_text));
  CHECK(gb::encode_adu(a) == adu);
}

TEST_CASE("every defined type round-trips with random field values") {
  std::mt19937 rng(61);
  auto r8 = [&] { return static_cast<std::uint8_t>(rng()); };
  auto random_time = [&] { return gb::time_tag{r8(), r8(), r8(), r8(), r8(), r8()}; };
  bytes text(200);
  for (auto& b : text) b = r8();
  int types = 0;
  for (int code = 0; code < 256; ++code) {
    const auto t = static_cast<gb::adu_type>(code);
    if (!gb::is_defined(t)) continue;
    ++types;
    for (std::size_t n : {std::size_t{1}, gb::max_objects(t)}) {
      gb::adu a;
      a.type = t;
      for (std::size_t i = 0; i < n; ++i) {
        firebus::gb26875::detail::with_object_type(t, [&](auto tag) {
          using T = typename decltype(tag)::type;
          T o{};
          std::apply(
              [&](auto&... f) {
                auto fill = [&](auto& field) {
                  using F = std::decay_t<decltype(field)>;
                  if constexpr (std::is_same_v<F, gb::time_tag>) {
                    field = random_time();
                  } else if constexpr (std::is_same_v<F, gb::description>) {
                    for (auto& b : field) b = r8();
                  } else if constexpr (std::is_same_v<F, gb::config_text>) {
                    field.bytes = firebus::byte_view(text).first(rng() % 60);
                  } else {
                    field = static_cast<F>(rng());
                  }
                };
                (fill(f), ...);
              },
              T::fields(o));
          a.objects.push_back(o);
        });
      }
      std::error_code ec;
      bytes out;
      firebus::byte_writer w(out, gb::max_adu_size);
      gb::encode_adu(a, w, ec);
      if (ec == gb::errc::adu_too_long) continue;  // variable texts of a full ADU may not fit
      REQUIRE_MESSAGE(!ec, gb::to_string(t), " n=", n, ": ", ec.message());
      const std::size_t size = gb::object_size(t);
      if (size != 0) CHECK(out.size() == 2 + n * size);
      const gb::adu back = gb::decode_adu(out, ec);
      REQUIRE_FALSE(ec);
      CHECK_MESSAGE(back == a, gb::to_string(t));
    }
  }
  CHECK(types == 29);
}

TEST_CASE("full upstream ADUs fit 1024 bytes and one more object does not") {
  for (const auto t : {gb::adu_type::system_status, gb::adu_type::component_status,
                       gb::adu_type::component_analog, gb::adu_type::system_operation,
                       gb::adu_type::component_config, gb::adu_type::uitd_operation}) {
    CHECK(2 + gb::max_objects(t) * gb::object_size(t) <= gb::max_adu_size);
    CHECK(2 + (gb::max_objects(t) + 1) * gb::object_size(t) > gb::max_adu_size);
  }
  gb::adu a{gb::adu_type::component_status, {}};
  a.objects.assign(23, gb::component_status{});
  std::error_code ec;
  bytes out;
  firebus::byte_writer w(out, 4096);
  gb::encode_adu(a, w, ec);
  CHECK(ec == gb::errc::too_many_objects);
  CHECK(out.empty());
}

TEST_CASE("decoding is lenient about counts that still fit; exact about bytes") {
  // 3 read-system-time objects: more than the standard's n = 1, but well formed.
  const bytes adu = {68, 3, 1, 1, 1, 2, 1, 3};
  std::error_code ec;
  const gb::adu a = gb::decode_adu(adu, ec);
  CHECK_FALSE(ec);
  CHECK(a.objects.size() == 3);
  CHECK_THROWS_AS(gb::encode_adu(a), firebus::system_error);
  CHECK(gb::encode_adu(a, gb::adu_limits::size_only) == adu);

  const bytes short_adu = {1, 2, 1, 2, 4, 2, 4, 0, 9, 2, 7, 21, 13, 3};  // second object cut
  (void)gb::parse_adu(short_adu, ec);
  CHECK(ec == gb::errc::truncated);
  const bytes none = {1, 0};
  CHECK(gb::decode_adu(none, ec).objects.empty());
  CHECK_FALSE(ec);
  const bytes one = {1};
  (void)gb::parse_adu(one, ec);
  CHECK(ec == gb::errc::truncated);
  (void)gb::parse_adu({}, ec);
  CHECK(ec == gb::errc::truncated);
}

TEST_CASE("reserved types are refused, user-defined ones pass through") {
  std::error_code ec;
  for (int code : {0, 9, 20, 22, 27, 29, 60, 69, 80, 82, 87, 92, 127, 255}) {
    const bytes adu = {static_cast<std::uint8_t>(code), 0};
    (void)gb::parse_adu(adu, ec);
    CHECK_MESSAGE(ec == gb::errc::reserved_adu_type, code);
  }
  const bytes user = {200, 2, 0xAA, 0xBB, 0xCC};
  const gb::adu a = gb::decode_adu(user, ec);
  REQUIRE_FALSE(ec);
  const auto& blob = only<gb::user_blob>(a);
  CHECK(blob.type == 200);
  CHECK(blob.count == 2);
  CHECK(blob.body == firebus::byte_view(user).subview(2));
  CHECK(gb::encode_adu(a) == user);
  CHECK(gb::to_string(gb::adu_type{200}) == "user_defined");
  CHECK(gb::to_string(gb::adu_type{9}) == "reserved");
}

TEST_CASE("registered user-defined types are walked object by object") {
  gb::user_types users;
  std::error_code ec;
  users.add_fixed(128, "residual_current_mA", 4, ec);
  REQUIRE_FALSE(ec);
  // Type 129: a length byte then that many bytes.
  users.add_variable(
      129, "tlv",
      [](firebus::byte_view rest, const void*, std::error_code& e) -> std::size_t {
        if (rest.empty() || rest.size() < 1u + rest[0]) {
          e = gb::errc::truncated;
          return 0;
        }
        e.clear();
        return 1u + rest[0];
      },
      ec);
  REQUIRE_FALSE(ec);
  users.add_fixed(127, "not user-defined", 4, ec);
  CHECK(ec == gb::errc::out_of_range);
  users.add_fixed(130, "empty", 0, ec);
  CHECK(ec == gb::errc::out_of_range);

  const bytes fixed = {128, 2, 1, 2, 3, 4, 5, 6, 7, 8};
  const gb::adu a = gb::decode_adu(fixed, ec, &users);
  REQUIRE_FALSE(ec);
  REQUIRE(a.objects.size() == 2);
  CHECK(std::get<gb::user_object>(a.objects[1]).bytes == firebus::byte_view(fixed).subview(6));
  CHECK(gb::encode_adu(a) == fixed);

  const bytes tlv = {129, 3, 2, 9, 9, 0, 1, 7};
  CHECK(gb::decode_adu(tlv, ec, &users).objects.size() == 3);
  const bytes tlv_bad = {129, 2, 2, 9, 9, 5, 1};
  (void)gb::parse_adu(tlv_bad, ec, &users);
  CHECK(ec == gb::errc::truncated);
  const bytes fixed_extra = {128, 1, 1, 2, 3, 4, 5};
  (void)gb::parse_adu(fixed_extra, ec, &users);
  CHECK(ec == gb::errc::adu_count_mismatch);
}

TEST_CASE("a variable-size user type's size function gets its registered context") {
  // The context carries state a plain function pointer cannot: here the size of the header that
  // precedes the length byte, and a count of calls.
  struct layout {
    std::size_t header = 0;
    mutable int calls = 0;
  };
  const auto size = [](firebus::byte_view rest, const void* context,
                       std::error_code& e) -> std::size_t {
    const auto* l = static_cast<const layout*>(context);
    if (l == nullptr) {
      e = gb::errc::out_of_range;
      return 0;
    }
    ++l->calls;
    if (rest.size() <= l->header || rest.size() < l->header + 1u + rest[l->header]) {
      e = gb::errc::truncated;
      return 0;
    }
    e.clear();
    return l->header + 1u + rest[l->header];
  };
  const layout two{2};
  const layout none{0};
  gb::user_types users;
  std::error_code ec;
  users.add_variable(140, "header2", size, ec, &two);
  REQUIRE_FALSE(ec);
  users.add_variable(141, "header0", size, ec, &none);
  REQUIRE_FALSE(ec);
  users.add_variable(142, "no context", size, ec);  // context defaults to null
  REQUIRE_FALSE(ec);
  users.add_variable(143, "null function", nullptr, ec, &two);
  CHECK(ec == gb::errc::out_of_range);
  CHECK(users.find(143) == nullptr);

  const gb::user_types::entry* e = users.find(140);
  REQUIRE(e != nullptr);
  CHECK(e->context == &two);
  CHECK(e->fixed_size == 0);
  CHECK(e->name == "header2");
  CHECK(users.find(142)->context == nullptr);

  // Type 140: two header bytes, a length, the data.
  const bytes h2 = {140, 2, 0xA, 0xB, 1, 0x55, 0xC, 0xD, 0};
  const gb::adu a = gb::decode_adu(h2, ec, &users);
  REQUIRE_FALSE(ec);
  REQUIRE(a.objects.size() == 2);
  CHECK(std::get<gb::user_object>(a.objects[0]).bytes == firebus::byte_view(h2).subview(2, 4));
  CHECK(std::get<gb::user_object>(a.objects[1]).bytes == firebus::byte_view(h2).subview(6, 3));
  CHECK(two.calls == 4);  // each object once when checked, once when collected
  CHECK(gb::encode_adu(a) == h2);

  // The same bytes under type 141 (no header) split differently: 0x0A is a length.
  const bytes h0 = {141, 1, 2, 7, 7};
  CHECK(gb::decode_adu(h0, ec, &users).objects.size() == 1);
  CHECK_FALSE(ec);
  CHECK(none.calls == 2);

  // The size function's own error comes through as is.
  const bytes nc = {142, 1, 0, 1};
  (void)gb::parse_adu(nc, ec, &users);
  CHECK(ec == gb::errc::out_of_range);
  const bytes cut = {140, 1, 0xA, 0xB, 5, 1};
  (void)gb::parse_adu(cut, ec, &users);
  CHECK(ec == gb::errc::truncated);
}

TEST_CASE("encode refuses mixed, oversized and mistyped content") {
  std::error_code ec;
  bytes out;
  firebus::byte_writer w(out, 4096);

  gb::adu mixed{gb::adu_type::system_status, {gb::system_status{}, gb::uitd_status{}}};
  gb::encode_adu(mixed, w, ec);
  CHECK(ec == gb::errc::object_type_mismatch);

  const bytes long_text(256, 'x');
  gb::system_config cfg;
  cfg.text.bytes = long_text;
  gb::encode_adu(gb::adu{gb::adu_type::system_config, {cfg}}, w, ec);
  CHECK(ec == gb::errc::text_too_long);

  const bytes text_400(250, 'y');
  gb::system_config c250;
  c250.text.bytes = text_400;
  gb::encode_adu(gb::adu{gb::adu_type::system_config, {c250, c250, c250, c250}}, w, ec);
  CHECK(ec == gb::errc::too_many_objects);  // n ≤ 3
  gb::encode_adu(gb::adu{gb::adu_type::system_config, {c250, c250, c250}}, w, ec);
  CHECK_FALSE(ec);  // 2 + 3 × 253 = 761 bytes
  out.clear();

  gb::adu reserved{gb::adu_type{9}, {}};
  gb::encode_adu(reserved, w, ec);
  CHECK(ec == gb::errc::reserved_adu_type);
  CHECK(out.empty());

  std::uint8_t tiny[5];
  firebus::byte_writer tw(tiny);
  gb::encode_adu(gb::adu{gb::adu_type::uitd_status, {gb::uitd_status{}}}, tw, ec);
  CHECK(ec == firebus::errc::buffer_full);
  CHECK(tw.position() == 0);
}

TEST_CASE("descriptions: trimming and making") {
  std::error_code ec;
  const gb::description d = gb::make_description(smoke_text, ec);
  REQUIRE_FALSE(ec);
  CHECK(gb::trimmed(d) == firebus::byte_view(smoke_text));
  gb::description spaces{};
  for (auto& b : spaces) b = 0x20;
  spaces[0] = 'A';
  CHECK(gb::trimmed(spaces).size() == 1);
  const bytes too_long(32, 'x');
  (void)gb::make_description(too_long, ec);
  CHECK(ec == gb::errc::text_too_long);
}

TEST_CASE("configuration texts: padding trimmed, inner spaces and bytes kept") {
  const bytes padded = {'a', ' ', 0x00, 'b', ' ', 0x00, ' ', 0x00};
  CHECK(gb::trimmed(gb::config_text{firebus::byte_view(padded)}) ==
        firebus::byte_view(padded).first(4));
  const bytes blank = {0x20, 0x00};
  CHECK(gb::trimmed(gb::config_text{firebus::byte_view(blank)}).empty());
  CHECK(gb::trimmed(gb::config_text{}).empty());
}

TEST_CASE("object sizes and limits per type match the standard's table") {
  CHECK(gb::object_size(gb::adu_type::system_status) == 10);
  CHECK(gb::object_size(gb::adu_type::component_status) == 46);
  CHECK(gb::object_size(gb::adu_type::component_analog) == 16);
  CHECK(gb::object_size(gb::adu_type::component_config) == 38);
  CHECK(gb::object_size(gb::adu_type::uitd_operation) == 8);
  CHECK(gb::object_size(gb::adu_type::read_system_operations) == 9);
  CHECK(gb::object_size(gb::adu_type::read_component_status) == 6);
  CHECK(gb::object_size(gb::adu_type::duty_check) == 1);
  CHECK(gb::object_size(gb::adu_type::system_config) == 0);  // variable
  CHECK(gb::max_objects(gb::adu_type::uitd_operation) == 127);
  CHECK(gb::max_objects(gb::adu_type::system_config) == 3);
  CHECK(gb::max_objects(gb::adu_type::duty_check) == 1);
  CHECK(gb::max_objects(gb::adu_type{9}) == 0);
  CHECK(gb::is_upstream(gb::adu_type::uitd_time));
  CHECK_FALSE(gb::is_upstream(gb::adu_type::read_uitd_time));
}

TEST_CASE("parse_adu iteration equals decode_adu; random bytes never crash") {
  std::mt19937 rng(2011);
  std::error_code ec;
  int accepted = 0;
  for (int i = 0; i < 50000; ++i) {
    bytes junk(rng() % 64);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (!junk.empty() && rng() % 2) junk[0] = static_cast<std::uint8_t>(rng() % 30);
    if (junk.size() > 1) junk[1] = static_cast<std::uint8_t>(junk[1] % 4);
    const gb::adu_view v = gb::parse_adu(junk, ec);
    if (ec) continue;
    ++accepted;
    const gb::adu a = gb::decode_adu(junk, ec);
    REQUIRE_FALSE(ec);
    std::size_t k = 0;
    for (const gb::object& o : v) CHECK(o == a.objects[k++]);
    CHECK(k == a.objects.size());
    // Whatever is accepted re-encodes identically (counts above the standard's n included).
    CHECK(gb::encode_adu(a, gb::adu_limits::size_only) == junk);
  }
  CHECK(accepted > 100);
}
