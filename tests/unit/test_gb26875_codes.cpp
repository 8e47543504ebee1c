// firebus — fire-safety IoT SDK.
// Tests of <firebus/gb26875/codes.hpp>: the code tables of GB/T 26875.3-2011 (system, component
// and analog types), analog scaling, and the status and operation bits with the bit-0 policy.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <ostream>  // doctest prints std::error_code with operator<<
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include <doctest/doctest.h>

#include <firebus/core/error.hpp>
#include <firebus/gb26875/codes.hpp>
#include <firebus/gb26875/error.hpp>

namespace {

namespace gb = firebus::gb26875;
using gb::analog_type;
using gb::bit0_policy;
using gb::component_type;
using gb::name_language;
using gb::status_kind;
using gb::system_type;

constexpr bit0_policy standard = bit0_policy::standard;
constexpr bit0_policy zero_normal = bit0_policy::zero_means_normal;

// ---- Expected data, written out from the digest (/work/shared/specs/gb26875-3.md) and the
// ---- standard's terms, independently of the header's tables.

struct expected_system {
  system_type type;
  int code;
  const char* english;
  const char* chinese;
};

// Table 4, every row.
constexpr expected_system expected_systems[] = {
    {system_type::general, 0, "general", "通用"},
    {system_type::fire_alarm, 1, "fire_alarm", "火灾报警系统"},
    {system_type::linkage_controller, 10, "linkage_controller", "消防联动控制器"},
    {system_type::hydrant, 11, "hydrant", "消火栓系统"},
    {system_type::sprinkler, 12, "sprinkler", "自动喷水灭火系统"},
    {system_type::gas_extinguishing, 13, "gas_extinguishing", "气体灭火系统"},
    {system_type::water_spray_pump, 14, "water_spray_pump", "水喷雾灭火系统(泵启动方式)"},
    {system_type::water_spray_pressure_vessel, 15, "water_spray_pressure_vessel",
     "水喷雾灭火系统(压力容器启动方式)"},
    {system_type::foam, 16, "foam", "泡沫灭火系统"},
    {system_type::dry_powder, 17, "dry_powder", "干粉灭火系统"},
    {system_type::smoke_control, 18, "smoke_control", "防烟排烟系统"},
    {system_type::fire_doors_shutters, 19, "fire_doors_shutters", "防火门及卷帘系统"},
    {system_type::fire_elevator, 20, "fire_elevator", "消防电梯"},
    {system_type::emergency_broadcast, 21, "emergency_broadcast", "消防应急广播"},
    {system_type::emergency_lighting, 22, "emergency_lighting", "消防应急照明和疏散指示系统"},
    {system_type::fire_power_supply, 23, "fire_power_supply", "消防电源"},
    {system_type::fire_telephone, 24, "fire_telephone", "消防电话"},
};

struct expected_component {
  int code;
  const char* chinese;
};

// Table 5, every row: code and the standard's term.
constexpr expected_component expected_components[] = {
    {0, "通用"},
    {1, "火灾报警控制器"},
    {10, "可燃气体探测器"},
    {11, "点型可燃气体探测器"},
    {12, "独立式可燃气体探测器"},
    {13, "线型可燃气体探测器"},
    {16, "电气火灾监控报警器"},
    {17, "剩余电流式电气火灾监控探测器"},
    {18, "测温式电气火灾监控探测器"},
    {21, "探测回路"},
    {22, "火灾显示盘"},
    {23, "手动火灾报警按钮"},
    {24, "消火栓按钮"},
    {25, "火灾探测器"},
    {30, "感温火灾探测器"},
    {31, "点型感温火灾探测器"},
    {32, "点型感温火灾探测器(S型)"},
    {33, "点型感温火灾探测器(R型)"},
    {34, "线型感温火灾探测器"},
    {35, "线型感温火灾探测器(S型)"},
    {36, "线型感温火灾探测器(R型)"},
    {37, "光纤感温火灾探测器"},
    {40, "感烟火灾探测器"},
    {41, "点型离子感烟火灾探测器"},
    {42, "点型光电感烟火灾探测器"},
    {43, "线型光束感烟火灾探测器"},
    {44, "吸气式感烟火灾探测器"},
    {50, "复合式火灾探测器"},
    {51, "复合式感烟感温火灾探测器"},
    {52, "复合式感光感温火灾探测器"},
    {53, "复合式感光感烟火灾探测器"},
    {61, "紫外火焰探测器"},
    {62, "红外火焰探测器"},
    {69, "感光火灾探测器"},
    {74, "气体探测器"},
    {78, "图像摄像方式火灾探测器"},
    {79, "感声火灾探测器"},
    {81, "气体灭火控制器"},
    {82, "消防电气控制装置"},
    {83, "消防控制室图形显示装置"},
    {84, "模块"},
    {85, "输入模块"},
    {86, "输出模块"},
    {87, "输入/输出模块"},
    {88, "中继模块"},
    {91, "消防水泵"},
    {92, "消防水箱"},
    {95, "喷淋泵"},
    {96, "水流指示器"},
    {97, "信号阀"},
    {98, "报警阀"},
    {99, "压力开关"},
    {101, "阀驱动装置"},
    {102, "防火门"},
    {103, "防火阀"},
    {104, "通风空调"},
    {105, "泡沫液泵"},
    {106, "管网电磁阀"},
    {111, "防烟排烟风机"},
    {113, "排烟防火阀"},
    {114, "常闭送风口"},
    {115, "排烟口"},
    {116, "电控挡烟垂壁"},
    {117, "防火卷帘控制器"},
    {118, "防火门监控器"},
    {121, "警报装置"},
};

struct expected_component_english {
  component_type type;
  int code;
  const char* english;
};

// Spot checks of the digest's component list: enumerator, code and English name.
constexpr expected_component_english component_spot_checks[] = {
    {component_type::general, 0, "general"},
    {component_type::fire_alarm_controller, 1, "fire_alarm_controller"},
    {component_type::point_combustible_gas_detector, 11, "point_combustible_gas_detector"},
    {component_type::line_combustible_gas_detector, 13, "line_combustible_gas_detector"},
    {component_type::electrical_fire_monitor, 16, "electrical_fire_monitor"},
    {component_type::residual_current_electrical_fire_detector, 17,
     "residual_current_electrical_fire_detector"},
    {component_type::detection_loop, 21, "detection_loop"},
    {component_type::manual_call_point, 23, "manual_call_point"},
    {component_type::hydrant_button, 24, "hydrant_button"},
    {component_type::point_heat_detector_s, 32, "point_heat_detector_s"},
    {component_type::line_heat_detector_r, 36, "line_heat_detector_r"},
    {component_type::fibre_optic_heat_detector, 37, "fibre_optic_heat_detector"},
    {component_type::point_ionisation_smoke_detector, 41, "point_ionisation_smoke_detector"},
    {component_type::aspirating_smoke_detector, 44, "aspirating_smoke_detector"},
    {component_type::multi_sensor_flame_smoke_detector, 53, "multi_sensor_flame_smoke_detector"},
    {component_type::uv_flame_detector, 61, "uv_flame_detector"},
    {component_type::flame_detector, 69, "flame_detector"},
    {component_type::video_image_fire_detector, 78, "video_image_fire_detector"},
    {component_type::control_room_graphic_display, 83, "control_room_graphic_display"},
    {component_type::relay_module, 88, "relay_module"},
    {component_type::fire_water_tank, 92, "fire_water_tank"},
    {component_type::pressure_switch, 99, "pressure_switch"},
    {component_type::valve_actuator, 101, "valve_actuator"},
    {component_type::pipe_network_solenoid_valve, 106, "pipe_network_solenoid_valve"},
    {component_type::smoke_control_fan, 111, "smoke_control_fan"},
    {component_type::smoke_exhaust_fire_damper, 113, "smoke_exhaust_fire_damper"},
    {component_type::fire_door_monitor, 118, "fire_door_monitor"},
    {component_type::warning_device, 121, "warning_device"},
};

// The digest's component code list as ranges: 0, 1, 10–13, 16–18, 21–25, 30–37, 40–44, 50–53,
// 61, 62, 69, 74, 78, 79, 81–88, 91, 92, 95–99, 101–106, 111, 113–118, 121.
struct code_range {
  int first;
  int last;
};
constexpr code_range component_ranges[] = {
    {0, 1},   {10, 13}, {16, 18},   {21, 25},   {30, 37},   {40, 44},
    {50, 53}, {61, 62}, {69, 69},   {74, 74},   {78, 79},   {81, 88},
    {91, 92}, {95, 99}, {101, 106}, {111, 111}, {113, 118}, {121, 121},
};
constexpr code_range system_ranges[] = {{0, 1}, {10, 24}};
constexpr code_range analog_ranges[] = {{1, 12}};

template <std::size_t N>
bool in_ranges(const code_range (&ranges)[N], int code) {
  for (const code_range& r : ranges) {
    if (code >= r.first && code <= r.last) return true;
  }
  return false;
}

struct expected_analog {
  analog_type type;
  int code;
  const char* english;
  const char* chinese;
  const char* unit;
  double resolution;
};

constexpr expected_analog expected_analogs[] = {
    {analog_type::event_count, 1, "event_count", "事件计数", "", 1.0},
    {analog_type::height, 2, "height", "高度", "m", 0.01},
    {analog_type::temperature, 3, "temperature", "温度", "°C", 0.1},
    {analog_type::pressure_mpa, 4, "pressure_mpa", "压力(MPa)", "MPa", 0.1},
    {analog_type::pressure_kpa, 5, "pressure_kpa", "压力(kPa)", "kPa", 0.1},
    {analog_type::gas_concentration, 6, "gas_concentration", "气体浓度", "%LEL", 0.1},
    {analog_type::time, 7, "time", "时间", "s", 1.0},
    {analog_type::voltage, 8, "voltage", "电压", "V", 0.1},
    {analog_type::current, 9, "current", "电流", "A", 0.1},
    {analog_type::flow, 10, "flow", "流量", "L/s", 0.1},
    {analog_type::air_volume, 11, "air_volume", "风量", "m³/min", 0.1},
    {analog_type::wind_speed, 12, "wind_speed", "风速", "m/s", 1.0},
};

// ---- Helpers

// True if `s` is well-formed UTF-8 and contains at least one multi-byte sequence.
bool is_utf8_with_non_ascii(std::string_view s) {
  bool non_ascii = false;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c < 0x80) {
      n = 1;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4;
    } else {
      return false;
    }
    if (i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (n > 1) non_ascii = true;
    i += n;
  }
  return non_ascii;
}

bool is_snake_case(std::string_view s) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return false;
  if (!(s.front() >= 'a' && s.front() <= 'z')) return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return s.find("__") == std::string_view::npos;
}

// Checks the shape of a code table: ascending unique codes, unique non-empty names, English
// snake_case, Chinese well-formed UTF-8 with Chinese characters, no fallback name in the table.
template <class Row>
void check_table_shape(const gb::code_table<Row>& table) {
  std::set<std::string_view> english;
  std::set<std::string_view> chinese;
  int previous = -1;
  for (const Row& row : table) {
    const int code = [&row]() {
      if constexpr (std::is_same_v<Row, gb::analog_info>) {
        return static_cast<int>(row.type);
      } else if constexpr (std::is_same_v<Row, gb::bit_name>) {
        return static_cast<int>(row.bit);
      } else {
        return static_cast<int>(row.code);
      }
    }();
    CAPTURE(code);
    CHECK(code > previous);
    previous = code;
    CHECK(is_snake_case(row.english));
    CHECK(is_utf8_with_non_ascii(row.chinese));
    CHECK(row.english != "reserved");
    CHECK(row.english != "user_defined");
    CHECK(row.chinese != "预留");
    CHECK(row.chinese != "用户自定义");
    english.insert(row.english);
    chinese.insert(row.chinese);
  }
  CHECK(english.size() == table.size());
  CHECK(chinese.size() == table.size());
}

// Checks every byte value of one code enumeration against the expected set of defined codes.
template <class E, std::size_t N>
void check_all_codes(const code_range (&defined)[N]) {
  int defined_count = 0;
  for (int code = 0; code <= 255; ++code) {
    CAPTURE(code);
    const auto t = static_cast<E>(code);
    const bool expect_defined = in_ranges(defined, code);
    const gb::code_name* row = gb::find(t);
    CHECK((row != nullptr) == expect_defined);
    CHECK(gb::is_defined(t) == expect_defined);
    CHECK(gb::is_user_defined(t) == (code >= 128));
    CHECK(gb::is_reserved(t) == (!expect_defined && code < 128));
    if (row != nullptr) {
      ++defined_count;
      CHECK(row->code == code);
      CHECK(gb::english_name(t) == row->english);
      CHECK(gb::chinese_name(t) == row->chinese);
    } else if (code >= 128) {
      CHECK(gb::english_name(t) == "user_defined");
      CHECK(gb::chinese_name(t) == "用户自定义");
    } else {
      CHECK(gb::english_name(t) == "reserved");
      CHECK(gb::chinese_name(t) == "预留");
    }
  }
  int expected_count = 0;
  for (const code_range& r : defined) expected_count += r.last - r.first + 1;
  CHECK(defined_count == expected_count);
}

// One bit per field of status_flags, in declaration order, so that tests can compare which
// fields are set without listing them every time.
std::uint32_t field_mask(const gb::status_flags& f) {
  const bool fields[] = {f.test_mode,          f.fire_alarm,  f.fault,
                         f.disabled,           f.supervisory, f.started,
                         f.feedback,           f.delay,       f.main_power_fault,
                         f.backup_power_fault, f.bus_fault,   f.manual_mode,
                         f.config_changed,     f.reset,       f.power_fault};
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    if (fields[i]) mask |= 1u << i;
  }
  return mask;
}
enum field : unsigned {
  f_test_mode,
  f_fire_alarm,
  f_fault,
  f_disabled,
  f_supervisory,
  f_started,
  f_feedback,
  f_delay,
  f_main_power_fault,
  f_backup_power_fault,
  f_bus_fault,
  f_manual_mode,
  f_config_changed,
  f_reset,
  f_power_fault,
};
constexpr std::uint32_t bit_of(field f) { return 1u << f; }

// Compile-time checks: the lookups are usable in constant expressions.
static_assert(gb::english_name(system_type::hydrant) == "hydrant");
static_assert(gb::chinese_name(static_cast<component_type>(23)) == "手动火灾报警按钮");
static_assert(gb::find(static_cast<component_type>(14)) == nullptr);
static_assert(gb::english_name(static_cast<analog_type>(0)) == "reserved");
static_assert(gb::analog_value(analog_type::temperature, 253) == 25.3);
static_assert(gb::encode_system_status(gb::decode_system_status(0x1234, standard), standard) ==
              0x1234);
static_assert(gb::system_type_table().size() == 17);
static_assert(gb::is_defined(component_type::warning_device));
static_assert(!gb::is_defined(static_cast<component_type>(14)));
static_assert(gb::is_reserved(static_cast<system_type>(25)));

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("system types: every row of Table 4, with enumerator, code and both names") {
  REQUIRE(gb::system_type_table().size() == std::size(expected_systems));
  std::size_t i = 0;
  for (const expected_system& e : expected_systems) {
    CAPTURE(e.code);
    CHECK(static_cast<int>(e.type) == e.code);
    const gb::code_name* row = gb::find(e.type);
    REQUIRE(row != nullptr);
    CHECK(row->code == e.code);
    CHECK(row->english == e.english);
    CHECK(row->chinese == e.chinese);
    CHECK(gb::english_name(e.type) == e.english);
    CHECK(gb::chinese_name(e.type) == e.chinese);
    CHECK(gb::is_defined(e.type));
    CHECK_FALSE(gb::is_user_defined(e.type));
    CHECK_FALSE(gb::is_reserved(e.type));
    // The table lists the rows in the same (ascending) order.
    CHECK(gb::system_type_table()[i].code == e.code);
    CHECK(&gb::system_type_table()[i] == row);
    ++i;
  }
}

TEST_CASE("component types: every row of Table 5 has the standard's Chinese term") {
  REQUIRE(gb::component_type_table().size() == std::size(expected_components));
  CHECK(gb::component_type_table().size() == 66);
  std::size_t i = 0;
  for (const expected_component& e : expected_components) {
    CAPTURE(e.code);
    const auto t = static_cast<component_type>(e.code);
    const gb::code_name* row = gb::find(t);
    REQUIRE(row != nullptr);
    CHECK(row->code == e.code);
    CHECK(row->chinese == e.chinese);
    CHECK(gb::chinese_name(t) == e.chinese);
    CHECK(gb::english_name(t) == row->english);
    CHECK(gb::component_type_table()[i].code == e.code);
    ++i;
  }
}

TEST_CASE("component types: spot checks of enumerators and English names against the digest") {
  for (const expected_component_english& e : component_spot_checks) {
    CAPTURE(e.code);
    CHECK(static_cast<int>(e.type) == e.code);
    CHECK(gb::english_name(e.type) == e.english);
    REQUIRE(gb::find(e.type) != nullptr);
    CHECK(gb::find(e.type)->english == e.english);
  }
  // Neighbours of defined codes that the standard leaves reserved.
  CHECK(gb::english_name(static_cast<component_type>(14)) == "reserved");
  CHECK(gb::english_name(static_cast<component_type>(26)) == "reserved");
  CHECK(gb::english_name(static_cast<component_type>(112)) == "reserved");
  CHECK(gb::english_name(static_cast<component_type>(122)) == "reserved");
  CHECK(gb::chinese_name(static_cast<component_type>(127)) == "预留");
}

TEST_CASE("every code table has ascending codes and unique, well-formed names") {
  SUBCASE("system types") { check_table_shape(gb::system_type_table()); }
  SUBCASE("component types") { check_table_shape(gb::component_type_table()); }
  SUBCASE("analog types") { check_table_shape(gb::analog_type_table()); }
  SUBCASE("analog infos") { check_table_shape(gb::analog_info_table()); }
  SUBCASE("system status bits") { check_table_shape(gb::system_status_bits()); }
  SUBCASE("component status bits") { check_table_shape(gb::component_status_bits()); }
  SUBCASE("UITD status bits") { check_table_shape(gb::uitd_status_bits()); }
  SUBCASE("facility operation bits") { check_table_shape(gb::facility_operation_bits()); }
  SUBCASE("UITD operation bits") { check_table_shape(gb::uitd_operation_bits()); }
}

TEST_CASE("every row of every table round-trips through find() and the name functions") {
  for (const gb::code_name& row : gb::system_type_table()) {
    const auto t = static_cast<system_type>(row.code);
    CHECK(gb::find(t) == &row);
    CHECK(gb::english_name(t) == row.english);
    CHECK(gb::chinese_name(t) == row.chinese);
  }
  for (const gb::code_name& row : gb::component_type_table()) {
    const auto t = static_cast<component_type>(row.code);
    CHECK(gb::find(t) == &row);
    CHECK(gb::english_name(t) == row.english);
    CHECK(gb::chinese_name(t) == row.chinese);
  }
  for (const gb::code_name& row : gb::analog_type_table()) {
    const auto t = static_cast<analog_type>(row.code);
    CHECK(gb::find(t) == &row);
    CHECK(gb::english_name(t) == row.english);
    CHECK(gb::chinese_name(t) == row.chinese);
  }
}

TEST_CASE("all 256 codes: defined, user-defined (128-255) or reserved, with fallback names") {
  SUBCASE("system types") { check_all_codes<system_type>(system_ranges); }
  SUBCASE("component types") { check_all_codes<component_type>(component_ranges); }
  SUBCASE("analog types") { check_all_codes<analog_type>(analog_ranges); }
  CHECK(gb::english_name(static_cast<system_type>(2)) == "reserved");
  CHECK(gb::english_name(static_cast<system_type>(25)) == "reserved");
  CHECK(gb::english_name(static_cast<system_type>(127)) == "reserved");
  CHECK(gb::english_name(static_cast<system_type>(128)) == "user_defined");
  CHECK(gb::chinese_name(static_cast<system_type>(255)) == "用户自定义");
  CHECK(gb::english_name(static_cast<analog_type>(13)) == "reserved");
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("analog types: names, units and resolutions") {
  REQUIRE(gb::analog_info_table().size() == std::size(expected_analogs));
  REQUIRE(gb::analog_type_table().size() == std::size(expected_analogs));
  for (const expected_analog& e : expected_analogs) {
    CAPTURE(e.code);
    CHECK(static_cast<int>(e.type) == e.code);
    const gb::analog_info* info = gb::analog_info_of(e.type);
    REQUIRE(info != nullptr);
    CHECK(info->type == e.type);
    CHECK(info->english == e.english);
    CHECK(info->chinese == e.chinese);
    CHECK(info->unit == e.unit);
    CHECK(info->resolution == e.resolution);
    CHECK(gb::analog_unit(e.type) == e.unit);
    CHECK(gb::analog_resolution(e.type) == e.resolution);
    CHECK(gb::english_name(e.type) == e.english);
    CHECK(gb::chinese_name(e.type) == e.chinese);
  }
  CHECK(gb::analog_info_of(static_cast<analog_type>(0)) == nullptr);
  CHECK(gb::analog_info_of(static_cast<analog_type>(13)) == nullptr);
  CHECK(gb::analog_info_of(static_cast<analog_type>(128)) == nullptr);
  CHECK(gb::analog_resolution(static_cast<analog_type>(200)) == 1.0);
  CHECK(gb::analog_unit(static_cast<analog_type>(200)).empty());
}

TEST_CASE("analog_value scales raw int16 readings, negative ones included") {
  CHECK(gb::analog_value(analog_type::temperature, 253) == 25.3);
  CHECK(gb::analog_value(analog_type::temperature, 3) == 0.3);  // not 0.30000000000000004
  CHECK(gb::analog_value(analog_type::temperature, -105) == -10.5);
  CHECK(gb::analog_value(analog_type::temperature, -1) == -0.1);
  CHECK(gb::analog_value(analog_type::temperature, -32768) == -3276.8);
  CHECK(gb::analog_value(analog_type::temperature, 32767) == 3276.7);
  CHECK(gb::analog_value(analog_type::height, 12345) == 123.45);
  CHECK(gb::analog_value(analog_type::height, -1) == -0.01);
  CHECK(gb::analog_value(analog_type::pressure_mpa, 12) == 1.2);
  CHECK(gb::analog_value(analog_type::pressure_kpa, -7) == -0.7);
  CHECK(gb::analog_value(analog_type::gas_concentration, 250) == 25.0);
  CHECK(gb::analog_value(analog_type::voltage, 2201) == 220.1);
  CHECK(gb::analog_value(analog_type::current, 15) == 1.5);
  CHECK(gb::analog_value(analog_type::flow, 50) == 5.0);
  CHECK(gb::analog_value(analog_type::air_volume, 1234) == 123.4);
  CHECK(gb::analog_value(analog_type::event_count, -5) == -5.0);
  CHECK(gb::analog_value(analog_type::time, 32767) == 32767.0);
  CHECK(gb::analog_value(analog_type::wind_speed, 7) == 7.0);
  // Reserved and user-defined types: the raw value, unscaled.
  CHECK(gb::analog_value(static_cast<analog_type>(0), 1234) == 1234.0);
  CHECK(gb::analog_value(static_cast<analog_type>(13), -3) == -3.0);
  CHECK(gb::analog_value(static_cast<analog_type>(200), 1234) == 1234.0);
}

TEST_CASE("analog_raw rounds to nearest, halves away from zero, and clears ec") {
  std::error_code ec = gb::errc::checksum_mismatch;  // must be cleared on success
  CHECK(gb::analog_raw(analog_type::temperature, 25.3, ec) == 253);
  CHECK_FALSE(ec);
  CHECK(gb::analog_raw(analog_type::temperature, 25.34, ec) == 253);
  CHECK(gb::analog_raw(analog_type::temperature, 25.36, ec) == 254);
  CHECK(gb::analog_raw(analog_type::temperature, -10.5, ec) == -105);
  CHECK(gb::analog_raw(analog_type::temperature, 0.25, ec) == 3);    // 2.5 → 3
  CHECK(gb::analog_raw(analog_type::temperature, -0.25, ec) == -3);  // −2.5 → −3
  CHECK(gb::analog_raw(analog_type::temperature, -0.24, ec) == -2);
  CHECK(gb::analog_raw(analog_type::height, 123.45, ec) == 12345);
  CHECK(gb::analog_raw(analog_type::event_count, 2.5, ec) == 3);
  CHECK(gb::analog_raw(analog_type::event_count, -2.5, ec) == -3);
  CHECK(gb::analog_raw(analog_type::wind_speed, 2.49, ec) == 2);
  CHECK(gb::analog_raw(analog_type::temperature, 3276.7, ec) == 32767);
  CHECK(gb::analog_raw(analog_type::temperature, -3276.8, ec) == -32768);
  CHECK(gb::analog_raw(analog_type::temperature, -0.0, ec) == 0);
  CHECK(gb::analog_raw(static_cast<analog_type>(200), 1234.4, ec) == 1234);
  CHECK_FALSE(ec);
}

TEST_CASE("analog_raw reports values that do not fit int16 as errc::out_of_range") {
  const double bad[] = {3276.75,  // 32767.5 rounds to 32768
                        -3276.85,
                        3276.8,
                        1e9,
                        -1e9,
                        std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity()};
  for (const double v : bad) {
    CAPTURE(v);
    std::error_code ec;
    CHECK(gb::analog_raw(analog_type::temperature, v, ec) == 0);
    CHECK(ec == gb::errc::out_of_range);
    CHECK(&ec.category() == &gb::category());
  }
  std::error_code ec;
  CHECK(gb::analog_raw(analog_type::height, 327.68, ec) == 0);  // 32768 × 0.01
  CHECK(ec == gb::errc::out_of_range);
  CHECK(gb::analog_raw(analog_type::event_count, 32767.4, ec) == 32767);
  CHECK_FALSE(ec);
  CHECK(gb::analog_raw(analog_type::event_count, 32767.5, ec) == 0);
  CHECK(ec == gb::errc::out_of_range);
  CHECK(gb::analog_raw(analog_type::event_count, -32768.5, ec) == 0);
  CHECK(ec == gb::errc::out_of_range);
}

TEST_CASE("analog_raw throwing overload") {
  CHECK(gb::analog_raw(analog_type::voltage, 220.1) == 2201);
  CHECK_THROWS_AS(gb::analog_raw(analog_type::temperature, 4000.0), firebus::system_error);
  try {
    gb::analog_raw(analog_type::temperature, 4000.0);
    FAIL("no exception");
  } catch (const firebus::system_error& e) {
    CHECK(e.code() == gb::errc::out_of_range);
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("temperature") != std::string::npos);
    CHECK(what.find("4000") != std::string::npos);
    CHECK(what.find("-3276.8 .. 3276.7 °C") != std::string::npos);
  }
}

TEST_CASE("analog_raw inverts analog_value for every int16 of every defined type") {
  std::size_t failures = 0;
  for (const gb::analog_info& info : gb::analog_info_table()) {
    for (int raw = -32768; raw <= 32767; ++raw) {
      const auto r = static_cast<std::int16_t>(raw);
      std::error_code ec;
      const std::int16_t back = gb::analog_raw(info.type, gb::analog_value(info.type, r), ec);
      if (ec || back != r) ++failures;
    }
  }
  CHECK(failures == 0);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("status and operation bit enumerations have the standard's bit positions") {
  CHECK(static_cast<unsigned>(gb::system_status_bit::normal_operation) == 0x0001);
  CHECK(static_cast<unsigned>(gb::system_status_bit::fire_alarm) == 0x0002);
  CHECK(static_cast<unsigned>(gb::system_status_bit::fault) == 0x0004);
  CHECK(static_cast<unsigned>(gb::system_status_bit::disabled) == 0x0008);
  CHECK(static_cast<unsigned>(gb::system_status_bit::supervisory) == 0x0010);
  CHECK(static_cast<unsigned>(gb::system_status_bit::started) == 0x0020);
  CHECK(static_cast<unsigned>(gb::system_status_bit::feedback) == 0x0040);
  CHECK(static_cast<unsigned>(gb::system_status_bit::delay) == 0x0080);
  CHECK(static_cast<unsigned>(gb::system_status_bit::main_power_fault) == 0x0100);
  CHECK(static_cast<unsigned>(gb::system_status_bit::backup_power_fault) == 0x0200);
  CHECK(static_cast<unsigned>(gb::system_status_bit::bus_fault) == 0x0400);
  CHECK(static_cast<unsigned>(gb::system_status_bit::manual_mode) == 0x0800);
  CHECK(static_cast<unsigned>(gb::system_status_bit::config_changed) == 0x1000);
  CHECK(static_cast<unsigned>(gb::system_status_bit::reset) == 0x2000);

  CHECK(static_cast<unsigned>(gb::component_status_bit::delay) == 0x0080);
  CHECK(static_cast<unsigned>(gb::component_status_bit::power_fault) == 0x0100);

  CHECK(static_cast<unsigned>(gb::uitd_status_bit::normal_monitoring) == 0x01);
  CHECK(static_cast<unsigned>(gb::uitd_status_bit::main_power_fault) == 0x08);
  CHECK(static_cast<unsigned>(gb::uitd_status_bit::backup_power_fault) == 0x10);
  CHECK(static_cast<unsigned>(gb::uitd_status_bit::centre_link_fault) == 0x20);
  CHECK(static_cast<unsigned>(gb::uitd_status_bit::monitored_line_fault) == 0x40);

  CHECK(static_cast<unsigned>(gb::operation_flag::reset) == 0x01);
  CHECK(static_cast<unsigned>(gb::operation_flag::silence) == 0x02);
  CHECK(static_cast<unsigned>(gb::operation_flag::manual_alarm) == 0x04);
  CHECK(static_cast<unsigned>(gb::operation_flag::alarm_cleared) == 0x08);
  CHECK(static_cast<unsigned>(gb::operation_flag::self_test) == 0x10);
  CHECK(static_cast<unsigned>(gb::operation_flag::confirm_or_duty_answer) == 0x20);
  CHECK(gb::operation_flag::confirm == gb::operation_flag::confirm_or_duty_answer);
  CHECK(gb::operation_flag::duty_check_answer == gb::operation_flag::confirm_or_duty_answer);
  CHECK(static_cast<unsigned>(gb::operation_flag::test) == 0x40);
}

TEST_CASE("bit-name tables: positions and names") {
  struct row {
    unsigned bit;
    const char* english;
    const char* chinese;
  };
  const auto check = [](const gb::code_table<gb::bit_name>& table, const auto& expected) {
    REQUIRE(table.size() == std::size(expected));
    for (std::size_t i = 0; i < table.size(); ++i) {
      CAPTURE(i);
      CHECK(table[i].bit == expected[i].bit);
      CHECK(table[i].english == expected[i].english);
      CHECK(table[i].chinese == expected[i].chinese);
    }
  };
  const row system[] = {
      {0, "normal_operation", "正常运行状态"},
      {1, "fire_alarm", "火警"},
      {2, "fault", "故障"},
      {3, "disabled", "屏蔽"},
      {4, "supervisory", "监管"},
      {5, "started", "启动(开启)"},
      {6, "feedback", "反馈"},
      {7, "delay", "延时状态"},
      {8, "main_power_fault", "主电故障"},
      {9, "backup_power_fault", "备电故障"},
      {10, "bus_fault", "总线故障"},
      {11, "manual_mode", "手动状态"},
      {12, "config_changed", "配置改变"},
      {13, "reset", "复位"},
  };
  check(gb::system_status_bits(), system);
  check(gb::bit_names(status_kind::system), system);

  const row component[] = {
      {0, "normal_operation", "正常运行状态"},
      {1, "fire_alarm", "火警"},
      {2, "fault", "故障"},
      {3, "disabled", "屏蔽"},
      {4, "supervisory", "监管"},
      {5, "started", "启动(开启)"},
      {6, "feedback", "反馈"},
      {7, "delay", "延时状态"},
      {8, "power_fault", "电源故障"},
  };
  check(gb::component_status_bits(), component);
  check(gb::bit_names(status_kind::component), component);

  const row uitd[] = {
      {0, "normal_monitoring", "正常监视状态"},
      {1, "fire_alarm", "火警"},
      {2, "fault", "故障"},
      {3, "main_power_fault", "主电故障"},
      {4, "backup_power_fault", "备电故障"},
      {5, "centre_link_fault", "与监控中心通信信道故障"},
      {6, "monitored_line_fault", "监测连接线路故障"},
  };
  check(gb::uitd_status_bits(), uitd);
  check(gb::bit_names(status_kind::uitd), uitd);

  const row facility_ops[] = {
      {0, "reset", "复位"},
      {1, "silence", "消音"},
      {2, "manual_alarm", "手动报警"},
      {3, "alarm_cleared", "警情消除"},
      {4, "self_test", "自检"},
      {5, "confirm", "确认"},
      {6, "test", "测试"},
  };
  check(gb::facility_operation_bits(), facility_ops);
  check(gb::bit_names(status_kind::facility_operation), facility_ops);

  const row uitd_ops[] = {
      {0, "reset", "复位"},
      {1, "silence", "消音"},
      {2, "manual_alarm", "手动报警"},
      {3, "alarm_cleared", "警情消除"},
      {4, "self_test", "自检"},
      {5, "duty_check_answer", "查岗应答"},
      {6, "test", "测试"},
  };
  check(gb::uitd_operation_bits(), uitd_ops);
  check(gb::bit_names(status_kind::uitd_operation), uitd_ops);
}

TEST_CASE("has() tests exactly the flag's bit") {
  for (unsigned i = 0; i < 16; ++i) {
    CAPTURE(i);
    const auto word = static_cast<std::uint16_t>(1u << i);
    CHECK(gb::has(word, gb::system_status_bit::fire_alarm) == (i == 1));
    CHECK(gb::has(word, gb::system_status_bit::reset) == (i == 13));
    CHECK(gb::has(word, gb::component_status_bit::power_fault) == (i == 8));
    CHECK(gb::has(word, gb::uitd_status_bit::centre_link_fault) == (i == 5));
    CHECK(gb::has(word, gb::operation_flag::duty_check_answer) == (i == 5));
    CHECK(gb::has(word, gb::operation_flag::test) == (i == 6));
  }
  CHECK(gb::has(0x0006, gb::system_status_bit::fault));
  CHECK_FALSE(gb::has(0x0004, gb::system_status_bit::fire_alarm));
  CHECK(gb::has(0xFFFF, gb::system_status_bit::normal_operation));
}

TEST_CASE("system status: each bit maps to its own field") {
  // Under `standard`, bit 0 set means normal, so set it to isolate the other bits.
  const std::uint32_t expected[16] = {
      0,
      bit_of(f_fire_alarm),
      bit_of(f_fault),
      bit_of(f_disabled),
      bit_of(f_supervisory),
      bit_of(f_started),
      bit_of(f_feedback),
      bit_of(f_delay),
      bit_of(f_main_power_fault),
      bit_of(f_backup_power_fault),
      bit_of(f_bus_fault),
      bit_of(f_manual_mode),
      bit_of(f_config_changed),
      bit_of(f_reset),
      0,  // reserved
      0,  // reserved
  };
  for (unsigned i = 0; i < 16; ++i) {
    CAPTURE(i);
    const auto word = static_cast<std::uint16_t>(0x0001u | (1u << i));
    const gb::status_flags f = gb::decode_system_status(word, standard);
    CHECK(field_mask(f) == expected[i]);
    CHECK(f.reserved_bits == (i >= 14 ? word & 0xC000u : 0u));
  }
  CHECK(field_mask(gb::decode_system_status(0x0000, standard)) == bit_of(f_test_mode));
  CHECK(field_mask(gb::decode_system_status(0x0000, zero_normal)) == 0);

  const gb::status_flags f = gb::decode_system_status(0x0301, standard);
  CHECK(f.main_power_fault);
  CHECK(f.backup_power_fault);
  CHECK_FALSE(f.power_fault);  // a component field
}

TEST_CASE("component status: bit 8 is power_fault, bits 9-15 are reserved") {
  const std::uint32_t expected[16] = {
      0,
      bit_of(f_fire_alarm),
      bit_of(f_fault),
      bit_of(f_disabled),
      bit_of(f_supervisory),
      bit_of(f_started),
      bit_of(f_feedback),
      bit_of(f_delay),
      bit_of(f_power_fault),
      0,
      0,
      0,
      0,
      0,
      0,
      0,
  };
  for (unsigned i = 0; i < 16; ++i) {
    CAPTURE(i);
    const auto word = static_cast<std::uint16_t>(0x0001u | (1u << i));
    const gb::status_flags f = gb::decode_component_status(word, standard);
    CHECK(field_mask(f) == expected[i]);
    CHECK(f.reserved_bits == (i >= 9 ? (1u << i) : 0u));
  }
  // The system-only fields are never set from a component word.
  const gb::status_flags all = gb::decode_component_status(0xFFFF, standard);
  CHECK(field_mask(all) ==
        (bit_of(f_fire_alarm) | bit_of(f_fault) | bit_of(f_disabled) | bit_of(f_supervisory) |
         bit_of(f_started) | bit_of(f_feedback) | bit_of(f_delay) | bit_of(f_power_fault)));
  CHECK(all.reserved_bits == 0xFE00);
}

TEST_CASE("status words round-trip decode -> encode for all 65536 values under `standard`") {
  std::size_t system_failures = 0;
  std::size_t component_failures = 0;
  for (unsigned v = 0; v <= 0xFFFF; ++v) {
    const auto w = static_cast<std::uint16_t>(v);
    if (gb::encode_system_status(gb::decode_system_status(w, standard), standard) != w) {
      ++system_failures;
    }
    if (gb::encode_component_status(gb::decode_component_status(w, standard), standard) != w) {
      ++component_failures;
    }
  }
  CHECK(system_failures == 0);
  CHECK(component_failures == 0);

  std::size_t uitd_failures = 0;
  std::size_t operation_failures = 0;
  for (unsigned v = 0; v <= 0xFF; ++v) {
    const auto b = static_cast<std::uint8_t>(v);
    if (gb::encode_uitd_status(gb::decode_uitd_status(b, standard), standard) != b) {
      ++uitd_failures;
    }
    if (gb::encode_operations(gb::decode_operations(b)) != b) ++operation_failures;
  }
  CHECK(uitd_failures == 0);
  CHECK(operation_failures == 0);
}

TEST_CASE("bit 0 under `standard`: 1 = normal operation, 0 = test mode") {
  for (unsigned v = 0; v <= 0xFFFF; v += 0x0101) {  // a spread of words, both bit-0 values
    CAPTURE(v);
    const auto w = static_cast<std::uint16_t>(v);
    CHECK(gb::decode_system_status(w, standard).test_mode == ((w & 1u) == 0));
    CHECK(gb::decode_component_status(w, standard).test_mode == ((w & 1u) == 0));
  }
  CHECK(gb::decode_uitd_status(0x00, standard).test_mode);
  CHECK_FALSE(gb::decode_uitd_status(0x01, standard).test_mode);

  gb::status_flags normal{};
  CHECK(gb::encode_system_status(normal, standard) == 0x0001);
  CHECK(gb::encode_component_status(normal, standard) == 0x0001);
  gb::status_flags test{};
  test.test_mode = true;
  CHECK(gb::encode_system_status(test, standard) == 0x0000);
  gb::uitd_flags uitd_test{};
  uitd_test.test_mode = true;
  CHECK(gb::encode_uitd_status(uitd_test, standard) == 0x00);
  CHECK(gb::encode_uitd_status(gb::uitd_flags{}, standard) == 0x01);
}

TEST_CASE("bit 0 under `zero_means_normal`: never test mode; written as 0") {
  std::size_t failures = 0;
  for (unsigned v = 0; v <= 0xFFFF; ++v) {
    const auto w = static_cast<std::uint16_t>(v);
    const gb::status_flags zs = gb::decode_system_status(w, zero_normal);
    const gb::status_flags ss = gb::decode_system_status(w, standard);
    const gb::status_flags zc = gb::decode_component_status(w, zero_normal);
    const gb::status_flags sc = gb::decode_component_status(w, standard);
    // Never test mode; every other field as under `standard`.
    if (zs.test_mode || zc.test_mode) ++failures;
    if (field_mask(zs) != (field_mask(ss) & ~bit_of(f_test_mode))) ++failures;
    if (field_mask(zc) != (field_mask(sc) & ~bit_of(f_test_mode))) ++failures;
    if (zs.reserved_bits != ss.reserved_bits || zc.reserved_bits != sc.reserved_bits) ++failures;
    // Encoding writes bit 0 as 0 and everything else unchanged.
    if (gb::encode_system_status(zs, zero_normal) != (w & 0xFFFEu)) ++failures;
    if (gb::encode_component_status(zc, zero_normal) != (w & 0xFFFEu)) ++failures;
  }
  CHECK(failures == 0);

  for (unsigned v = 0; v <= 0xFF; ++v) {
    CAPTURE(v);
    const auto b = static_cast<std::uint8_t>(v);
    const gb::uitd_flags z = gb::decode_uitd_status(b, zero_normal);
    CHECK_FALSE(z.test_mode);
    CHECK(gb::encode_uitd_status(z, zero_normal) == (b & 0xFEu));
  }

  // A fire alarm from a device that leaves bit 0 at 0 is a real alarm, not a test.
  const gb::status_flags alarm = gb::decode_system_status(0x0002, zero_normal);
  CHECK(alarm.fire_alarm);
  CHECK_FALSE(alarm.test_mode);
  CHECK(gb::decode_system_status(0x0002, standard).test_mode);
  // Test mode cannot be expressed: bit 0 stays 0 either way.
  gb::status_flags test{};
  test.test_mode = true;
  CHECK(gb::encode_system_status(test, zero_normal) == 0x0000);
  CHECK(gb::encode_system_status(gb::status_flags{}, zero_normal) == 0x0000);
}

TEST_CASE("encoders ignore fields of the other kind and mask reserved bits") {
  gb::status_flags system_only{};
  system_only.main_power_fault = true;
  system_only.backup_power_fault = true;
  system_only.bus_fault = true;
  system_only.manual_mode = true;
  system_only.config_changed = true;
  system_only.reset = true;
  CHECK(gb::encode_component_status(system_only, standard) == 0x0001);
  CHECK(gb::encode_system_status(system_only, standard) == 0x3F01);

  gb::status_flags component_only{};
  component_only.power_fault = true;
  CHECK(gb::encode_system_status(component_only, standard) == 0x0001);
  CHECK(gb::encode_component_status(component_only, standard) == 0x0101);

  gb::status_flags stray{};
  stray.reserved_bits = 0xFFFF;
  CHECK(gb::encode_system_status(stray, standard) == 0xC001);
  CHECK(gb::encode_component_status(stray, standard) == 0xFE01);
  gb::uitd_flags uitd_stray{};
  uitd_stray.reserved_bits = 0xFF;
  CHECK(gb::encode_uitd_status(uitd_stray, standard) == 0x81);
  gb::operation_flags op_stray{};
  op_stray.reserved_bits = 0xFF;
  CHECK(gb::encode_operations(op_stray) == 0x80);
}

TEST_CASE("UITD status byte") {
  const gb::uitd_flags f = gb::decode_uitd_status(0x21, standard);
  CHECK(f.centre_link_fault);
  CHECK_FALSE(f.test_mode);
  CHECK_FALSE(f.fire_alarm);
  CHECK_FALSE(f.monitored_line_fault);
  const gb::uitd_flags g = gb::decode_uitd_status(0xDE, standard);  // 1101 1110
  CHECK(g.test_mode);
  CHECK(g.fire_alarm);
  CHECK(g.fault);
  CHECK(g.main_power_fault);
  CHECK(g.backup_power_fault);
  CHECK_FALSE(g.centre_link_fault);
  CHECK(g.monitored_line_fault);
  CHECK(g.reserved_bits == 0x80);

  gb::uitd_flags e{};
  e.fire_alarm = true;
  e.monitored_line_fault = true;
  CHECK(gb::encode_uitd_status(e, standard) == 0x43);
}

TEST_CASE("operation records: flags, bit 5 and the reserved bit") {
  for (unsigned i = 0; i < 8; ++i) {
    CAPTURE(i);
    const gb::operation_flags f = gb::decode_operations(static_cast<std::uint8_t>(1u << i));
    const bool fields[] = {f.reset,         f.silence,   f.manual_alarm,
                           f.alarm_cleared, f.self_test, f.confirm_or_duty_answer,
                           f.test};
    for (unsigned k = 0; k < 7; ++k) CHECK(fields[k] == (k == i));
    CHECK(f.reserved_bits == (i == 7 ? 0x80u : 0u));
  }
  gb::operation_flags answer{};
  answer.confirm_or_duty_answer = true;
  CHECK(gb::encode_operations(answer) == 0x20);
  gb::operation_flags several{};
  several.reset = true;
  several.silence = true;
  several.test = true;
  CHECK(gb::encode_operations(several) == 0x43);
}

TEST_CASE("describe_status names the bits that are set") {
  using gb::describe_status;
  // System status.
  CHECK(describe_status(0x0007, status_kind::system) == "fire_alarm|fault");
  CHECK(describe_status(0x0007, status_kind::system, standard, name_language::chinese) ==
        "火警|故障");
  CHECK(describe_status(0x0006, status_kind::system) == "test_mode|fire_alarm|fault");
  CHECK(describe_status(0x0006, status_kind::system, standard, name_language::chinese) ==
        "测试状态|火警|故障");
  CHECK(describe_status(0x0006, status_kind::system, zero_normal) == "fire_alarm|fault");
  CHECK(describe_status(0x0006, status_kind::system, zero_normal, name_language::chinese) ==
        "火警|故障");
  CHECK(describe_status(0x0001, status_kind::system) == "normal");
  CHECK(describe_status(0x0000, status_kind::system, zero_normal) == "normal");
  CHECK(describe_status(0x0001, status_kind::system, standard, name_language::chinese) == "正常");
  CHECK(describe_status(0x0000, status_kind::system) == "test_mode");
  CHECK(describe_status(0x0101, status_kind::system) == "main_power_fault");
  CHECK(describe_status(0x2801, status_kind::system) == "manual_mode|reset");
  CHECK(describe_status(0x4001, status_kind::system) == "reserved_bit14");
  CHECK(describe_status(0x8021, status_kind::system, standard, name_language::chinese) ==
        "启动(开启)|预留位15");
  // Component status.
  CHECK(describe_status(0x0101, status_kind::component) == "power_fault");
  CHECK(describe_status(0x0101, status_kind::component, standard, name_language::chinese) ==
        "电源故障");
  CHECK(describe_status(0x0201, status_kind::component) == "reserved_bit9");
  CHECK(describe_status(0x0050, status_kind::component, zero_normal) == "supervisory|feedback");
  // UITD status.
  CHECK(describe_status(0x21, status_kind::uitd) == "centre_link_fault");
  CHECK(describe_status(0x41, status_kind::uitd, standard, name_language::chinese) ==
        "监测连接线路故障");
  CHECK(describe_status(0x81, status_kind::uitd) == "reserved_bit7");
  CHECK(describe_status(0x0101, status_kind::uitd) == "reserved_bit8");
  // Operation records: bit 0 is "reset", and bit 5 depends on the record.
  CHECK(describe_status(0x00, status_kind::facility_operation) == "none");
  CHECK(describe_status(0x00, status_kind::uitd_operation, standard, name_language::chinese) ==
        "无操作");
  CHECK(describe_status(0x01, status_kind::facility_operation) == "reset");
  CHECK(describe_status(0x20, status_kind::facility_operation) == "confirm");
  CHECK(describe_status(0x20, status_kind::facility_operation, standard, name_language::chinese) ==
        "确认");
  CHECK(describe_status(0x20, status_kind::uitd_operation) == "duty_check_answer");
  CHECK(describe_status(0x20, status_kind::uitd_operation, standard, name_language::chinese) ==
        "查岗应答");
  CHECK(describe_status(0x5E, status_kind::facility_operation, zero_normal) ==
        "silence|manual_alarm|alarm_cleared|self_test|test");
  CHECK(describe_status(0x80, status_kind::uitd_operation) == "reserved_bit7");
}
