// firebus — fire-safety IoT SDK.
/// @file
/// The code tables of GB/T 26875.3-2011: system types (Table 4), component types (Table 5),
/// analog-value types with their units and resolutions, and the bits of the status and
/// operation bytes (system status, component status, UITD status, operation records), which
/// the standard draws as figures (Figures 6–14).
///
/// These codes fill the fields of the ADU objects (types 1–8, 21 and 24 and the read commands
/// that name a system or component). Every table comes with its English names (stable
/// snake_case, the enumerator names, for logs, JSON and Python) and the standard's Chinese terms
/// (for operators and dissectors). Codes 128–255 are user-defined by the standard and every other
/// code not listed is reserved; the enumerations can hold them all, and the name functions
/// answer "user_defined"/"用户自定义" or "reserved"/"预留" for them.
///
/// Bit 0 of the status words is the one trap: the standard says 1 = normal operation and
/// 0 = test, but many devices in the field leave it at 0 while running normally. Every decoder
/// therefore takes a firebus::gb26875::bit0_policy describing the peer (see there).
///
/// Nothing here allocates except describe_status(), which returns a std::string, and the
/// message of the exception thrown by the throwing analog_raw().
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// gb::english_name(gb::system_type::hydrant);                  // "hydrant"
/// gb::chinese_name(static_cast<gb::component_type>(42));       // "点型光电感烟火灾探测器"
/// gb::english_name(static_cast<gb::component_type>(200));      // "user_defined"
/// gb::analog_value(gb::analog_type::temperature, -105);        // -10.5 (°C)
///
/// gb::status_flags s = gb::decode_system_status(0x0006, gb::bit0_policy::zero_means_normal);
/// if (s.fire_alarm && !s.test_mode) { /* a real alarm */ }
/// gb::describe_status(0x0006, gb::status_kind::system, gb::bit0_policy::standard,
///                     gb::name_language::chinese);             // "测试状态|火警|故障"
///
/// for (const gb::code_name& c : gb::component_type_table()) print(c.code, c.chinese);
/// @endcode
#ifndef FIREBUS_GB26875_CODES_HPP
#define FIREBUS_GB26875_CODES_HPP

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/gb26875/error.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

// ---------------------------------------------------------------------------------------------
// Code enumerations
// ---------------------------------------------------------------------------------------------

/// Type of a building fire-protection system (系统类型), GB/T 26875.3-2011 Table 4.
/// 2–9 and 25–127 are reserved, 128–255 user-defined; the enumeration holds every byte.
enum class system_type : std::uint8_t {
  general = 0,                       ///< 通用
  fire_alarm = 1,                    ///< 火灾报警系统
  linkage_controller = 10,           ///< 消防联动控制器
  hydrant = 11,                      ///< 消火栓系统
  sprinkler = 12,                    ///< 自动喷水灭火系统
  gas_extinguishing = 13,            ///< 气体灭火系统
  water_spray_pump = 14,             ///< 水喷雾灭火系统(泵启动方式)
  water_spray_pressure_vessel = 15,  ///< 水喷雾灭火系统(压力容器启动方式)
  foam = 16,                         ///< 泡沫灭火系统
  dry_powder = 17,                   ///< 干粉灭火系统
  smoke_control = 18,                ///< 防烟排烟系统
  fire_doors_shutters = 19,          ///< 防火门及卷帘系统
  fire_elevator = 20,                ///< 消防电梯
  emergency_broadcast = 21,          ///< 消防应急广播
  emergency_lighting = 22,           ///< 消防应急照明和疏散指示系统
  fire_power_supply = 23,            ///< 消防电源
  fire_telephone = 24,               ///< 消防电话
};

/// Type of a component of a fire-protection system (部件类型), GB/T 26875.3-2011 Table 5.
/// Codes not listed below 128 are reserved, 128–255 user-defined.
enum class component_type : std::uint8_t {
  general = 0,                                     ///< 通用
  fire_alarm_controller = 1,                       ///< 火灾报警控制器
  combustible_gas_detector = 10,                   ///< 可燃气体探测器
  point_combustible_gas_detector = 11,             ///< 点型可燃气体探测器
  standalone_combustible_gas_detector = 12,        ///< 独立式可燃气体探测器
  line_combustible_gas_detector = 13,              ///< 线型可燃气体探测器
  electrical_fire_monitor = 16,                    ///< 电气火灾监控报警器
  residual_current_electrical_fire_detector = 17,  ///< 剩余电流式电气火灾监控探测器
  temperature_electrical_fire_detector = 18,       ///< 测温式电气火灾监控探测器
  detection_loop = 21,                             ///< 探测回路
  fire_display_panel = 22,                         ///< 火灾显示盘
  manual_call_point = 23,                          ///< 手动火灾报警按钮
  hydrant_button = 24,                             ///< 消火栓按钮
  fire_detector = 25,                              ///< 火灾探测器
  heat_detector = 30,                              ///< 感温火灾探测器
  point_heat_detector = 31,                        ///< 点型感温火灾探测器
  point_heat_detector_s = 32,                      ///< 点型感温火灾探测器(S型)
  point_heat_detector_r = 33,                      ///< 点型感温火灾探测器(R型)
  line_heat_detector = 34,                         ///< 线型感温火灾探测器
  line_heat_detector_s = 35,                       ///< 线型感温火灾探测器(S型)
  line_heat_detector_r = 36,                       ///< 线型感温火灾探测器(R型)
  fibre_optic_heat_detector = 37,                  ///< 光纤感温火灾探测器
  smoke_detector = 40,                             ///< 感烟火灾探测器
  point_ionisation_smoke_detector = 41,            ///< 点型离子感烟火灾探测器
  point_photoelectric_smoke_detector = 42,         ///< 点型光电感烟火灾探测器
  linear_beam_smoke_detector = 43,                 ///< 线型光束感烟火灾探测器
  aspirating_smoke_detector = 44,                  ///< 吸气式感烟火灾探测器
  multi_sensor_detector = 50,                      ///< 复合式火灾探测器
  multi_sensor_smoke_heat_detector = 51,           ///< 复合式感烟感温火灾探测器
  multi_sensor_flame_heat_detector = 52,           ///< 复合式感光感温火灾探测器
  multi_sensor_flame_smoke_detector = 53,          ///< 复合式感光感烟火灾探测器
  uv_flame_detector = 61,                          ///< 紫外火焰探测器
  ir_flame_detector = 62,                          ///< 红外火焰探测器
  flame_detector = 69,                             ///< 感光火灾探测器
  gas_detector = 74,                               ///< 气体探测器
  video_image_fire_detector = 78,                  ///< 图像摄像方式火灾探测器
  acoustic_fire_detector = 79,                     ///< 感声火灾探测器
  gas_extinguishing_controller = 81,               ///< 气体灭火控制器
  fire_electrical_control_device = 82,             ///< 消防电气控制装置
  control_room_graphic_display = 83,               ///< 消防控制室图形显示装置
  module = 84,                                     ///< 模块
  input_module = 85,                               ///< 输入模块
  output_module = 86,                              ///< 输出模块
  input_output_module = 87,                        ///< 输入/输出模块
  relay_module = 88,                               ///< 中继模块
  fire_pump = 91,                                  ///< 消防水泵
  fire_water_tank = 92,                            ///< 消防水箱
  sprinkler_pump = 95,                             ///< 喷淋泵
  water_flow_indicator = 96,                       ///< 水流指示器
  signal_valve = 97,                               ///< 信号阀
  alarm_valve = 98,                                ///< 报警阀
  pressure_switch = 99,                            ///< 压力开关
  valve_actuator = 101,                            ///< 阀驱动装置
  fire_door = 102,                                 ///< 防火门
  fire_damper = 103,                               ///< 防火阀
  ventilation_air_conditioning = 104,              ///< 通风空调
  foam_pump = 105,                                 ///< 泡沫液泵
  pipe_network_solenoid_valve = 106,               ///< 管网电磁阀
  smoke_control_fan = 111,                         ///< 防烟排烟风机
  smoke_exhaust_fire_damper = 113,                 ///< 排烟防火阀
  normally_closed_air_inlet = 114,                 ///< 常闭送风口
  smoke_outlet = 115,                              ///< 排烟口
  electric_smoke_curtain = 116,                    ///< 电控挡烟垂壁
  fire_shutter_controller = 117,                   ///< 防火卷帘控制器
  fire_door_monitor = 118,                         ///< 防火门监控器
  warning_device = 121,                            ///< 警报装置
};

/// Type of an analog value (模拟量类型) carried by ADU type 3. 0 and 13–127 are reserved,
/// 128–255 user-defined. Units and resolutions: see analog_info_of().
enum class analog_type : std::uint8_t {
  event_count = 1,        ///< 事件计数, ×1
  height = 2,             ///< 高度, m ×0.01
  temperature = 3,        ///< 温度, °C ×0.1
  pressure_mpa = 4,       ///< 压力(MPa), MPa ×0.1
  pressure_kpa = 5,       ///< 压力(kPa), kPa ×0.1
  gas_concentration = 6,  ///< 气体浓度, %LEL ×0.1
  time = 7,               ///< 时间, s ×1
  voltage = 8,            ///< 电压, V ×0.1
  current = 9,            ///< 电流, A ×0.1
  flow = 10,              ///< 流量, L/s ×0.1
  air_volume = 11,        ///< 风量, m³/min ×0.1
  wind_speed = 12,        ///< 风速, m/s ×1
};

// ---------------------------------------------------------------------------------------------
// Tables and name lookup
// ---------------------------------------------------------------------------------------------

/// One row of a code table: the code, its stable English name and the standard's Chinese term.
struct code_name {
  std::uint8_t code;
  std::string_view english;
  std::string_view chinese;
};

/// One bit of a status or operation byte: its index (0 = least significant) and names.
/// The names are those of the bit's value 1 (bit 0 of a status word: "normal operation").
struct bit_name {
  std::uint8_t bit;
  std::string_view english;
  std::string_view chinese;
};

/// An analog type with its unit and resolution: value = raw int16 × resolution.
struct analog_info {
  analog_type type;
  std::string_view english;
  std::string_view chinese;
  std::string_view unit;  ///< "" for the dimensionless event count
  double resolution;
};

/// A read-only view of a whole table, in ascending order of code or bit, for listing it.
template <class T>
class code_table {
 public:
  using value_type = T;
  using const_iterator = const T*;
  using iterator = const_iterator;

  constexpr code_table(const T* data, std::size_t size) noexcept : data_(data), size_(size) {}
  constexpr const T* begin() const noexcept { return data_; }
  constexpr const T* end() const noexcept { return data_ + size_; }
  constexpr const T* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  /// The `i`-th row; `i` must be below size().
  constexpr const T& operator[](std::size_t i) const noexcept { return data_[i]; }

 private:
  const T* data_;
  std::size_t size_;
};

namespace detail {

inline constexpr code_name system_type_names[] = {
    {0, "general", "通用"},
    {1, "fire_alarm", "火灾报警系统"},
    {10, "linkage_controller", "消防联动控制器"},
    {11, "hydrant", "消火栓系统"},
    {12, "sprinkler", "自动喷水灭火系统"},
    {13, "gas_extinguishing", "气体灭火系统"},
    {14, "water_spray_pump", "水喷雾灭火系统(泵启动方式)"},
    {15, "water_spray_pressure_vessel", "水喷雾灭火系统(压力容器启动方式)"},
    {16, "foam", "泡沫灭火系统"},
    {17, "dry_powder", "干粉灭火系统"},
    {18, "smoke_control", "防烟排烟系统"},
    {19, "fire_doors_shutters", "防火门及卷帘系统"},
    {20, "fire_elevator", "消防电梯"},
    {21, "emergency_broadcast", "消防应急广播"},
    {22, "emergency_lighting", "消防应急照明和疏散指示系统"},
    {23, "fire_power_supply", "消防电源"},
    {24, "fire_telephone", "消防电话"},
};

inline constexpr code_name component_type_names[] = {
    {0, "general", "通用"},
    {1, "fire_alarm_controller", "火灾报警控制器"},
    {10, "combustible_gas_detector", "可燃气体探测器"},
    {11, "point_combustible_gas_detector", "点型可燃气体探测器"},
    {12, "standalone_combustible_gas_detector", "独立式可燃气体探测器"},
    {13, "line_combustible_gas_detector", "线型可燃气体探测器"},
    {16, "electrical_fire_monitor", "电气火灾监控报警器"},
    {17, "residual_current_electrical_fire_detector", "剩余电流式电气火灾监控探测器"},
    {18, "temperature_electrical_fire_detector", "测温式电气火灾监控探测器"},
    {21, "detection_loop", "探测回路"},
    {22, "fire_display_panel", "火灾显示盘"},
    {23, "manual_call_point", "手动火灾报警按钮"},
    {24, "hydrant_button", "消火栓按钮"},
    {25, "fire_detector", "火灾探测器"},
    {30, "heat_detector", "感温火灾探测器"},
    {31, "point_heat_detector", "点型感温火灾探测器"},
    {32, "point_heat_detector_s", "点型感温火灾探测器(S型)"},
    {33, "point_heat_detector_r", "点型感温火灾探测器(R型)"},
    {34, "line_heat_detector", "线型感温火灾探测器"},
    {35, "line_heat_detector_s", "线型感温火灾探测器(S型)"},
    {36, "line_heat_detector_r", "线型感温火灾探测器(R型)"},
    {37, "fibre_optic_heat_detector", "光纤感温火灾探测器"},
    {40, "smoke_detector", "感烟火灾探测器"},
    {41, "point_ionisation_smoke_detector", "点型离子感烟火灾探测器"},
    {42, "point_photoelectric_smoke_detector", "点型光电感烟火灾探测器"},
    {43, "linear_beam_smoke_detector", "线型光束感烟火灾探测器"},
    {44, "aspirating_smoke_detector", "吸气式感烟火灾探测器"},
    {50, "multi_sensor_detector", "复合式火灾探测器"},
    {51, "multi_sensor_smoke_heat_detector", "复合式感烟感温火灾探测器"},
    {52, "multi_sensor_flame_heat_detector", "复合式感光感温火灾探测器"},
    {53, "multi_sensor_flame_smoke_detector", "复合式感光感烟火灾探测器"},
    {61, "uv_flame_detector", "紫外火焰探测器"},
    {62, "ir_flame_detector", "红外火焰探测器"},
    {69, "flame_detector", "感光火灾探测器"},
    {74, "gas_detector", "气体探测器"},
    {78, "video_image_fire_detector", "图像摄像方式火灾探测器"},
    {79, "acoustic_fire_detector", "感声火灾探测器"},
    {81, "gas_extinguishing_controller", "气体灭火控制器"},
    {82, "fire_electrical_control_device", "消防电气控制装置"},
    {83, "control_room_graphic_display", "消防控制室图形显示装置"},
    {84, "module", "模块"},
    {85, "input_module", "输入模块"},
    {86, "output_module", "输出模块"},
    {87, "input_output_module", "输入/输出模块"},
    {88, "relay_module", "中继模块"},
    {91, "fire_pump", "消防水泵"},
    {92, "fire_water_tank", "消防水箱"},
    {95, "sprinkler_pump", "喷淋泵"},
    {96, "water_flow_indicator", "水流指示器"},
    {97, "signal_valve", "信号阀"},
    {98, "alarm_valve", "报警阀"},
    {99, "pressure_switch", "压力开关"},
    {101, "valve_actuator", "阀驱动装置"},
    {102, "fire_door", "防火门"},
    {103, "fire_damper", "防火阀"},
    {104, "ventilation_air_conditioning", "通风空调"},
    {105, "foam_pump", "泡沫液泵"},
    {106, "pipe_network_solenoid_valve", "管网电磁阀"},
    {111, "smoke_control_fan", "防烟排烟风机"},
    {113, "smoke_exhaust_fire_damper", "排烟防火阀"},
    {114, "normally_closed_air_inlet", "常闭送风口"},
    {115, "smoke_outlet", "排烟口"},
    {116, "electric_smoke_curtain", "电控挡烟垂壁"},
    {117, "fire_shutter_controller", "防火卷帘控制器"},
    {118, "fire_door_monitor", "防火门监控器"},
    {121, "warning_device", "警报装置"},
};

inline constexpr analog_info analog_infos[] = {
    {analog_type::event_count, "event_count", "事件计数", "", 1.0},
    {analog_type::height, "height", "高度", "m", 0.01},
    {analog_type::temperature, "temperature", "温度", "°C", 0.1},
    {analog_type::pressure_mpa, "pressure_mpa", "压力(MPa)", "MPa", 0.1},
    {analog_type::pressure_kpa, "pressure_kpa", "压力(kPa)", "kPa", 0.1},
    {analog_type::gas_concentration, "gas_concentration", "气体浓度", "%LEL", 0.1},
    {analog_type::time, "time", "时间", "s", 1.0},
    {analog_type::voltage, "voltage", "电压", "V", 0.1},
    {analog_type::current, "current", "电流", "A", 0.1},
    {analog_type::flow, "flow", "流量", "L/s", 0.1},
    {analog_type::air_volume, "air_volume", "风量", "m³/min", 0.1},
    {analog_type::wind_speed, "wind_speed", "风速", "m/s", 1.0},
};

// The same names as analog_infos, as a code_name table so that all three tables look alike;
// a static_assert below keeps the two in step.
inline constexpr code_name analog_type_names[] = {
    {1, "event_count", "事件计数"},
    {2, "height", "高度"},
    {3, "temperature", "温度"},
    {4, "pressure_mpa", "压力(MPa)"},
    {5, "pressure_kpa", "压力(kPa)"},
    {6, "gas_concentration", "气体浓度"},
    {7, "time", "时间"},
    {8, "voltage", "电压"},
    {9, "current", "电流"},
    {10, "flow", "流量"},
    {11, "air_volume", "风量"},
    {12, "wind_speed", "风速"},
};

template <std::size_t N>
constexpr bool codes_ascending(const code_name (&table)[N]) noexcept {
  for (std::size_t i = 1; i < N; ++i) {
    if (table[i - 1].code >= table[i].code) return false;
  }
  return true;
}

constexpr bool codes_analog_tables_agree() noexcept {
  constexpr std::size_t n = sizeof(analog_infos) / sizeof(analog_infos[0]);
  if (n != sizeof(analog_type_names) / sizeof(analog_type_names[0])) return false;
  for (std::size_t i = 0; i < n; ++i) {
    // analog_info_of() indexes analog_infos by code − 1.
    if (analog_type_names[i].code != i + 1 ||
        static_cast<std::uint8_t>(analog_infos[i].type) != analog_type_names[i].code ||
        analog_infos[i].english != analog_type_names[i].english ||
        analog_infos[i].chinese != analog_type_names[i].chinese) {
      return false;
    }
  }
  return true;
}

// find() relies on ascending order (binary search).
static_assert(codes_ascending(system_type_names), "system_type_names must be sorted");
static_assert(codes_ascending(component_type_names), "component_type_names must be sorted");
static_assert(codes_ascending(analog_type_names), "analog_type_names must be sorted");
static_assert(codes_analog_tables_agree(), "analog_infos and analog_type_names disagree");

// Binary search of a sorted code table: the index of `code`, or N if it is not in the table.
// (Indices rather than pointers: GCC does not fold `&inline_variable[i] != nullptr` in constant
// expressions, so the constexpr name functions never compare a table pointer with null.)
template <std::size_t N>
constexpr std::size_t codes_index(const code_name (&table)[N], std::uint8_t code) noexcept {
  std::size_t lo = 0;
  std::size_t hi = N;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (table[mid].code < code) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < N && table[lo].code == code ? lo : N;
}

template <std::size_t N>
constexpr const code_name* codes_find(const code_name (&table)[N], std::uint8_t code) noexcept {
  const std::size_t i = codes_index(table, code);
  return i < N ? &table[i] : nullptr;
}

template <std::size_t N>
constexpr bool codes_has(const code_name (&table)[N], std::uint8_t code) noexcept {
  return codes_index(table, code) < N;
}

constexpr std::string_view codes_fallback_english(std::uint8_t code) noexcept {
  return code >= 128 ? "user_defined" : "reserved";
}
constexpr std::string_view codes_fallback_chinese(std::uint8_t code) noexcept {
  return code >= 128 ? "用户自定义" : "预留";
}

template <std::size_t N>
constexpr std::string_view codes_english(const code_name (&table)[N], std::uint8_t code) noexcept {
  const std::size_t i = codes_index(table, code);
  return i < N ? table[i].english : codes_fallback_english(code);
}

template <std::size_t N>
constexpr std::string_view codes_chinese(const code_name (&table)[N], std::uint8_t code) noexcept {
  const std::size_t i = codes_index(table, code);
  return i < N ? table[i].chinese : codes_fallback_chinese(code);
}

}  // namespace detail

/// The whole of Table 4, in ascending code order.
constexpr code_table<code_name> system_type_table() noexcept {
  return {detail::system_type_names, std::size(detail::system_type_names)};
}
/// The whole of Table 5, in ascending code order.
constexpr code_table<code_name> component_type_table() noexcept {
  return {detail::component_type_names, std::size(detail::component_type_names)};
}
/// The whole analog-type table (names only), in ascending code order.
constexpr code_table<code_name> analog_type_table() noexcept {
  return {detail::analog_type_names, std::size(detail::analog_type_names)};
}
/// The whole analog-type table with units and resolutions, in ascending code order.
constexpr code_table<analog_info> analog_info_table() noexcept {
  return {detail::analog_infos, std::size(detail::analog_infos)};
}

/// The row of `t` in Table 4, or nullptr for a reserved or user-defined code.
constexpr const code_name* find(system_type t) noexcept {
  return detail::codes_find(detail::system_type_names, static_cast<std::uint8_t>(t));
}
/// The row of `t` in Table 5, or nullptr for a reserved or user-defined code.
constexpr const code_name* find(component_type t) noexcept {
  return detail::codes_find(detail::component_type_names, static_cast<std::uint8_t>(t));
}
/// The row of `t` in the analog-type table, or nullptr for a reserved or user-defined code.
constexpr const code_name* find(analog_type t) noexcept {
  return detail::codes_find(detail::analog_type_names, static_cast<std::uint8_t>(t));
}

/// True for 128–255, which the standard leaves to users (vendors).
constexpr bool is_user_defined(system_type t) noexcept {
  return static_cast<std::uint8_t>(t) >= 128;
}
/// True for 128–255, which the standard leaves to users (vendors).
constexpr bool is_user_defined(component_type t) noexcept {
  return static_cast<std::uint8_t>(t) >= 128;
}
/// True for 128–255, which the standard leaves to users (vendors).
constexpr bool is_user_defined(analog_type t) noexcept {
  return static_cast<std::uint8_t>(t) >= 128;
}

/// True for the codes listed in Table 4.
constexpr bool is_defined(system_type t) noexcept {
  return detail::codes_has(detail::system_type_names, static_cast<std::uint8_t>(t));
}
/// True for the codes listed in Table 5.
constexpr bool is_defined(component_type t) noexcept {
  return detail::codes_has(detail::component_type_names, static_cast<std::uint8_t>(t));
}
/// True for the codes listed in the analog-type table (1–12).
constexpr bool is_defined(analog_type t) noexcept {
  return detail::codes_has(detail::analog_type_names, static_cast<std::uint8_t>(t));
}

/// True for codes below 128 that the table does not list.
constexpr bool is_reserved(system_type t) noexcept { return !is_defined(t) && !is_user_defined(t); }
/// True for codes below 128 that the table does not list.
constexpr bool is_reserved(component_type t) noexcept {
  return !is_defined(t) && !is_user_defined(t);
}
/// True for codes below 128 that the table does not list.
constexpr bool is_reserved(analog_type t) noexcept { return !is_defined(t) && !is_user_defined(t); }

/// English name ("hydrant"); "user_defined" for 128–255, "reserved" for other unlisted codes.
constexpr std::string_view english_name(system_type t) noexcept {
  return detail::codes_english(detail::system_type_names, static_cast<std::uint8_t>(t));
}
/// English name ("manual_call_point"); "user_defined" for 128–255, "reserved" otherwise.
constexpr std::string_view english_name(component_type t) noexcept {
  return detail::codes_english(detail::component_type_names, static_cast<std::uint8_t>(t));
}
/// English name ("temperature"); "user_defined" for 128–255, "reserved" otherwise.
constexpr std::string_view english_name(analog_type t) noexcept {
  return detail::codes_english(detail::analog_type_names, static_cast<std::uint8_t>(t));
}

/// The standard's Chinese term ("消火栓系统"); "用户自定义" for 128–255, "预留" otherwise.
constexpr std::string_view chinese_name(system_type t) noexcept {
  return detail::codes_chinese(detail::system_type_names, static_cast<std::uint8_t>(t));
}
/// The standard's Chinese term ("手动火灾报警按钮"); "用户自定义" for 128–255, "预留" otherwise.
constexpr std::string_view chinese_name(component_type t) noexcept {
  return detail::codes_chinese(detail::component_type_names, static_cast<std::uint8_t>(t));
}
/// The standard's Chinese term ("温度"); "用户自定义" for 128–255, "预留" otherwise.
constexpr std::string_view chinese_name(analog_type t) noexcept {
  return detail::codes_chinese(detail::analog_type_names, static_cast<std::uint8_t>(t));
}

// ---------------------------------------------------------------------------------------------
// Analog values
// ---------------------------------------------------------------------------------------------

/// Unit and resolution of `t`, or nullptr for a reserved or user-defined type.
constexpr const analog_info* analog_info_of(analog_type t) noexcept {
  const auto code = static_cast<std::uint8_t>(t);
  return code >= 1 && std::size_t{code} <= std::size(detail::analog_infos)
             ? &detail::analog_infos[code - 1]
             : nullptr;
}

/// Resolution of `t` (0.1 for temperature); 1 for reserved and user-defined types, whose
/// scaling the standard does not define: their raw value is passed through unchanged.
constexpr double analog_resolution(analog_type t) noexcept {
  const auto code = static_cast<std::uint8_t>(t);
  return code >= 1 && std::size_t{code} <= std::size(detail::analog_infos)
             ? detail::analog_infos[code - 1].resolution
             : 1.0;
}

/// Unit of `t` ("°C"); empty for the event count and for reserved and user-defined types.
constexpr std::string_view analog_unit(analog_type t) noexcept {
  const auto code = static_cast<std::uint8_t>(t);
  return code >= 1 && std::size_t{code} <= std::size(detail::analog_infos)
             ? detail::analog_infos[code - 1].unit
             : std::string_view{};
}

/// The physical value of a raw analog reading: `raw` × resolution, in the unit of `t`
/// (temperature, −105 → −10.5 °C). Reserved and user-defined types are scaled by 1.
///
/// Computed as raw ÷ (1 / resolution) so that the result is the double nearest to the decimal
/// value (3 → exactly 0.3, where 3 × 0.1 gives 0.30000000000000004).
constexpr double analog_value(analog_type t, std::int16_t raw) noexcept {
  const double resolution = analog_resolution(t);
  return resolution < 1.0 ? static_cast<double>(raw) / (1.0 / resolution)
                          : static_cast<double>(raw) * resolution;
}

/// The raw int16 that encodes `value` (in the unit of `t`): value ÷ resolution rounded to
/// nearest, halves away from zero (25.34 °C → 253, −0.25 °C → −3). errc::out_of_range if
/// `value` is not finite or the rounded result does not fit int16 (temperature above 3276.7 °C).
/// Reserved and user-defined types are scaled by 1.
inline std::int16_t analog_raw(analog_type t, double value, std::error_code& ec) noexcept {
  const double resolution = analog_resolution(t);
  const double scaled = resolution < 1.0 ? value * (1.0 / resolution) : value / resolution;
  const double rounded = std::round(scaled);  // NaN and infinities fail the test below
  if (!(rounded >= -32768.0 && rounded <= 32767.0)) {
    ec = make_error_code(errc::out_of_range);
    return 0;
  }
  ec.clear();
  return static_cast<std::int16_t>(rounded);
}

#if FIREBUS_HAS_EXCEPTIONS
namespace detail {
inline std::string codes_format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
}  // namespace detail

/// Throwing overload of analog_raw(): firebus::system_error (gb26875::errc::out_of_range) saying
/// which range was expected and which value was found, e.g. "gb26875 analog temperature: value
/// within -3276.8 .. 3276.7 °C expected, 4000 found".
inline std::int16_t analog_raw(analog_type t, double value) {
  std::error_code ec;
  const std::int16_t raw = analog_raw(t, value, ec);
  if (ec) {
    const std::string_view unit = analog_unit(t);
    firebus::detail::throw_error(
        ec, "gb26875 analog " + std::string(english_name(t)) + ": value within " +
                detail::codes_format(analog_value(t, -32768)) + " .. " +
                detail::codes_format(analog_value(t, 32767)) + (unit.empty() ? "" : " ") +
                std::string(unit) + " expected, " + detail::codes_format(value) + " found");
  }
  return raw;
}
#endif

// ---------------------------------------------------------------------------------------------
// Status and operation bits
// ---------------------------------------------------------------------------------------------

/// Bits of a system status word (ADU type 1, u16; GB/T 26875.3-2011 Figure 6). Bits 14–15 are
/// reserved. Bit 0 means
/// "normal operation" when 1 and "test" when 0 — read it through decode_system_status().
enum class system_status_bit : std::uint16_t {
  normal_operation = 1u << 0,    ///< 正常运行状态 (0: 测试状态)
  fire_alarm = 1u << 1,          ///< 火警
  fault = 1u << 2,               ///< 故障
  disabled = 1u << 3,            ///< 屏蔽
  supervisory = 1u << 4,         ///< 监管
  started = 1u << 5,             ///< 启动(开启) (0: 停止(关闭))
  feedback = 1u << 6,            ///< 反馈
  delay = 1u << 7,               ///< 延时状态
  main_power_fault = 1u << 8,    ///< 主电故障
  backup_power_fault = 1u << 9,  ///< 备电故障
  bus_fault = 1u << 10,          ///< 总线故障
  manual_mode = 1u << 11,        ///< 手动状态 (0: 自动状态)
  config_changed = 1u << 12,     ///< 配置改变
  reset = 1u << 13,              ///< 复位
};

/// Bits of a component status word (ADU type 2, u16; GB/T 26875.3-2011 Figure 7): bits 0–7 as
/// system_status_bit, bit 8 power fault, bits 9–15 reserved.
enum class component_status_bit : std::uint16_t {
  normal_operation = 1u << 0,  ///< 正常运行状态 (0: 测试状态)
  fire_alarm = 1u << 1,        ///< 火警
  fault = 1u << 2,             ///< 故障
  disabled = 1u << 3,          ///< 屏蔽
  supervisory = 1u << 4,       ///< 监管
  started = 1u << 5,           ///< 启动(开启)
  feedback = 1u << 6,          ///< 反馈
  delay = 1u << 7,             ///< 延时状态
  power_fault = 1u << 8,       ///< 电源故障
};

/// Bits of the UITD (user information transmission device) status byte (ADU type 21). Bit 7 is
/// reserved. Bit 0 means "normal monitoring" when 1 and "test" when 0.
enum class uitd_status_bit : std::uint8_t {
  normal_monitoring = 1u << 0,     ///< 正常监视状态 (0: 测试状态)
  fire_alarm = 1u << 1,            ///< 火警
  fault = 1u << 2,                 ///< 故障
  main_power_fault = 1u << 3,      ///< 主电故障
  backup_power_fault = 1u << 4,    ///< 备电故障
  centre_link_fault = 1u << 5,     ///< 与监控中心通信信道故障
  monitored_line_fault = 1u << 6,  ///< 监测连接线路故障
};

/// Bits of an operation-record byte (ADU types 4 and 24). Bit 7 is reserved. Bit 5 is
/// "confirm" (确认) in a facility record (type 4) and the answer to a duty check (查岗应答,
/// type 24, the reply to command type 91) in a UITD record: the three names are one bit.
enum class operation_flag : std::uint8_t {
  reset = 1u << 0,                   ///< 复位
  silence = 1u << 1,                 ///< 消音
  manual_alarm = 1u << 2,            ///< 手动报警
  alarm_cleared = 1u << 3,           ///< 警情消除
  self_test = 1u << 4,               ///< 自检
  confirm_or_duty_answer = 1u << 5,  ///< 确认 (facility) / 查岗应答 (UITD)
  confirm = 1u << 5,                 ///< 确认: bit 5 in a facility record
  duty_check_answer = 1u << 5,       ///< 查岗应答: bit 5 in a UITD record
  test = 1u << 6,                    ///< 测试
};

/// True if `flag` is set in `bits`.
constexpr bool has(std::uint16_t bits, system_status_bit flag) noexcept {
  return (bits & static_cast<std::uint16_t>(flag)) != 0;
}
/// True if `flag` is set in `bits`.
constexpr bool has(std::uint16_t bits, component_status_bit flag) noexcept {
  return (bits & static_cast<std::uint16_t>(flag)) != 0;
}
/// True if `flag` is set in `bits` (the UITD status byte).
constexpr bool has(std::uint16_t bits, uitd_status_bit flag) noexcept {
  return (bits & static_cast<std::uint8_t>(flag)) != 0;
}
/// True if `flag` is set in `bits` (an operation-record byte).
constexpr bool has(std::uint16_t bits, operation_flag flag) noexcept {
  return (bits & static_cast<std::uint8_t>(flag)) != 0;
}

/// Which status or operation field a value comes from.
enum class status_kind : std::uint8_t {
  system,              ///< system status, u16 (ADU type 1)
  component,           ///< component status, u16 (ADU type 2)
  uitd,                ///< UITD status, u8 (ADU type 21)
  facility_operation,  ///< facility operation record, u8 (ADU type 4)
  uitd_operation,      ///< UITD operation record, u8 (ADU type 24)
};

/// Language of the names describe_status() writes.
enum class name_language : std::uint8_t {
  english,  ///< the stable snake_case names ("fire_alarm")
  chinese,  ///< the standard's terms ("火警")
};

namespace detail {
inline constexpr bit_name system_status_bit_names[] = {
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
inline constexpr bit_name component_status_bit_names[] = {
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
inline constexpr bit_name uitd_status_bit_names[] = {
    {0, "normal_monitoring", "正常监视状态"},
    {1, "fire_alarm", "火警"},
    {2, "fault", "故障"},
    {3, "main_power_fault", "主电故障"},
    {4, "backup_power_fault", "备电故障"},
    {5, "centre_link_fault", "与监控中心通信信道故障"},
    {6, "monitored_line_fault", "监测连接线路故障"},
};
inline constexpr bit_name facility_operation_bit_names[] = {
    {0, "reset", "复位"},
    {1, "silence", "消音"},
    {2, "manual_alarm", "手动报警"},
    {3, "alarm_cleared", "警情消除"},
    {4, "self_test", "自检"},
    {5, "confirm", "确认"},
    {6, "test", "测试"},
};
inline constexpr bit_name uitd_operation_bit_names[] = {
    {0, "reset", "复位"},
    {1, "silence", "消音"},
    {2, "manual_alarm", "手动报警"},
    {3, "alarm_cleared", "警情消除"},
    {4, "self_test", "自检"},
    {5, "duty_check_answer", "查岗应答"},
    {6, "test", "测试"},
};

constexpr std::uint16_t system_status_reserved_mask = 0xC000;     // bits 14–15
constexpr std::uint16_t component_status_reserved_mask = 0xFE00;  // bits 9–15
constexpr std::uint8_t uitd_status_reserved_mask = 0x80;          // bit 7
constexpr std::uint8_t operation_reserved_mask = 0x80;            // bit 7

constexpr bool status_bit_at(unsigned bits, unsigned index) noexcept {
  return ((bits >> index) & 1u) != 0;
}
constexpr unsigned status_bit_put(bool set, unsigned index) noexcept {
  return set ? 1u << index : 0u;
}
}  // namespace detail

/// Names of the bits of a system status word, bit 0 first (bits 14–15 are reserved).
constexpr code_table<bit_name> system_status_bits() noexcept {
  return {detail::system_status_bit_names, std::size(detail::system_status_bit_names)};
}
/// Names of the bits of a component status word, bit 0 first (bits 9–15 are reserved).
constexpr code_table<bit_name> component_status_bits() noexcept {
  return {detail::component_status_bit_names, std::size(detail::component_status_bit_names)};
}
/// Names of the bits of the UITD status byte, bit 0 first (bit 7 is reserved).
constexpr code_table<bit_name> uitd_status_bits() noexcept {
  return {detail::uitd_status_bit_names, std::size(detail::uitd_status_bit_names)};
}
/// Names of the bits of a facility operation record (bit 5: 确认), bit 0 first.
constexpr code_table<bit_name> facility_operation_bits() noexcept {
  return {detail::facility_operation_bit_names, std::size(detail::facility_operation_bit_names)};
}
/// Names of the bits of a UITD operation record (bit 5: 查岗应答), bit 0 first.
constexpr code_table<bit_name> uitd_operation_bits() noexcept {
  return {detail::uitd_operation_bit_names, std::size(detail::uitd_operation_bit_names)};
}
/// The bit-name table of `kind`.
constexpr code_table<bit_name> bit_names(status_kind kind) noexcept {
  switch (kind) {
    case status_kind::system:
      return system_status_bits();
    case status_kind::component:
      return component_status_bits();
    case status_kind::uitd:
      return uitd_status_bits();
    case status_kind::facility_operation:
      return facility_operation_bits();
    case status_kind::uitd_operation:
      return uitd_operation_bits();
  }
  return {nullptr, 0};
}

/// How to read bit 0 of the status words ("1 = normal operation, 0 = test" in the standard).
///
/// The policy describes the peer and is chosen per peer (per UITD or device model):
/// - `standard`: bit 0 = 1 is normal operation, bit 0 = 0 is test mode. Decoding and encoding
///   are exact inverses: encode(decode(w)) == w for every word.
/// - `zero_means_normal`: for peers that leave bit 0 at 0 while running normally, as many
///   devices in the field do. Bit 0 then carries no information and test_mode is never inferred
///   from it, whatever its value: 0 is this peer's "normal", and 1 is the standard's "normal".
///   The reason is safety: a centre that believes a device to be under test may discount its
///   fire alarms, so test mode is concluded only from peers known to implement the bit.
///   On encode, bit 0 is always written as 0, which is what such a device sends, and test
///   mode cannot be expressed. Use it on encode only to emulate those devices (simulators,
///   tests): software that produces status words for a centre, such as a UITD, encodes with
///   `standard`, because a standard reader takes bit 0 = 0 as test mode. Under this policy
///   encode(decode(w)) == w with bit 0 cleared.
enum class bit0_policy : std::uint8_t {
  standard,           ///< 1 = normal operation, 0 = test (GB/T 26875.3-2011)
  zero_means_normal,  ///< bit 0 ignored on decode (never test mode); written as 0 on encode
};

/// A system or component status word, decoded. Fields that the word's kind does not have stay
/// false: `power_fault` for a system; `main_power_fault` to `reset` for a component.
struct status_flags {
  bool test_mode = false;           ///< bit 0 read under a bit0_policy (standard: bit 0 = 0)
  bool fire_alarm = false;          ///< bit 1, 火警
  bool fault = false;               ///< bit 2, 故障
  bool disabled = false;            ///< bit 3, 屏蔽
  bool supervisory = false;         ///< bit 4, 监管
  bool started = false;             ///< bit 5, 启动(开启)
  bool feedback = false;            ///< bit 6, 反馈
  bool delay = false;               ///< bit 7, 延时状态
  bool main_power_fault = false;    ///< system bit 8, 主电故障
  bool backup_power_fault = false;  ///< system bit 9, 备电故障
  bool bus_fault = false;           ///< system bit 10, 总线故障
  bool manual_mode = false;         ///< system bit 11, 手动状态
  bool config_changed = false;      ///< system bit 12, 配置改变
  bool reset = false;               ///< system bit 13, 复位
  bool power_fault = false;         ///< component bit 8, 电源故障
  /// The reserved bits as received, in place (system: bits 14–15; component: bits 9–15).
  std::uint16_t reserved_bits = 0;
};

/// The UITD status byte, decoded.
struct uitd_flags {
  bool test_mode = false;             ///< bit 0 read under a bit0_policy (standard: bit 0 = 0)
  bool fire_alarm = false;            ///< bit 1, 火警
  bool fault = false;                 ///< bit 2, 故障
  bool main_power_fault = false;      ///< bit 3, 主电故障
  bool backup_power_fault = false;    ///< bit 4, 备电故障
  bool centre_link_fault = false;     ///< bit 5, 与监控中心通信信道故障
  bool monitored_line_fault = false;  ///< bit 6, 监测连接线路故障
  std::uint8_t reserved_bits = 0;     ///< bit 7 as received, in place (0x80 or 0)
};

/// An operation-record byte (facility or UITD), decoded.
struct operation_flags {
  bool reset = false;                   ///< bit 0, 复位
  bool silence = false;                 ///< bit 1, 消音
  bool manual_alarm = false;            ///< bit 2, 手动报警
  bool alarm_cleared = false;           ///< bit 3, 警情消除
  bool self_test = false;               ///< bit 4, 自检
  bool confirm_or_duty_answer = false;  ///< bit 5, 确认 (facility) / 查岗应答 (UITD)
  bool test = false;                    ///< bit 6, 测试
  std::uint8_t reserved_bits = 0;       ///< bit 7 as received, in place (0x80 or 0)
};

namespace detail {
constexpr bool status_test_mode(unsigned bits, bit0_policy policy) noexcept {
  return policy == bit0_policy::standard && !status_bit_at(bits, 0);
}
constexpr unsigned status_bit0(bool test_mode, bit0_policy policy) noexcept {
  return policy == bit0_policy::standard && !test_mode ? 1u : 0u;
}
}  // namespace detail

/// Decodes a system status word (ADU type 1). Bits 14–15 go to reserved_bits.
constexpr status_flags decode_system_status(std::uint16_t bits, bit0_policy policy) noexcept {
  status_flags f{};
  f.test_mode = detail::status_test_mode(bits, policy);
  f.fire_alarm = detail::status_bit_at(bits, 1);
  f.fault = detail::status_bit_at(bits, 2);
  f.disabled = detail::status_bit_at(bits, 3);
  f.supervisory = detail::status_bit_at(bits, 4);
  f.started = detail::status_bit_at(bits, 5);
  f.feedback = detail::status_bit_at(bits, 6);
  f.delay = detail::status_bit_at(bits, 7);
  f.main_power_fault = detail::status_bit_at(bits, 8);
  f.backup_power_fault = detail::status_bit_at(bits, 9);
  f.bus_fault = detail::status_bit_at(bits, 10);
  f.manual_mode = detail::status_bit_at(bits, 11);
  f.config_changed = detail::status_bit_at(bits, 12);
  f.reset = detail::status_bit_at(bits, 13);
  f.reserved_bits = static_cast<std::uint16_t>(bits & detail::system_status_reserved_mask);
  return f;
}

/// Decodes a component status word (ADU type 2). Bit 8 → power_fault; bits 9–15 go to
/// reserved_bits; the system-only fields stay false.
constexpr status_flags decode_component_status(std::uint16_t bits, bit0_policy policy) noexcept {
  status_flags f{};
  f.test_mode = detail::status_test_mode(bits, policy);
  f.fire_alarm = detail::status_bit_at(bits, 1);
  f.fault = detail::status_bit_at(bits, 2);
  f.disabled = detail::status_bit_at(bits, 3);
  f.supervisory = detail::status_bit_at(bits, 4);
  f.started = detail::status_bit_at(bits, 5);
  f.feedback = detail::status_bit_at(bits, 6);
  f.delay = detail::status_bit_at(bits, 7);
  f.power_fault = detail::status_bit_at(bits, 8);
  f.reserved_bits = static_cast<std::uint16_t>(bits & detail::component_status_reserved_mask);
  return f;
}

/// Decodes the UITD status byte (ADU type 21). Bit 7 goes to reserved_bits.
constexpr uitd_flags decode_uitd_status(std::uint8_t bits, bit0_policy policy) noexcept {
  uitd_flags f{};
  f.test_mode = detail::status_test_mode(bits, policy);
  f.fire_alarm = detail::status_bit_at(bits, 1);
  f.fault = detail::status_bit_at(bits, 2);
  f.main_power_fault = detail::status_bit_at(bits, 3);
  f.backup_power_fault = detail::status_bit_at(bits, 4);
  f.centre_link_fault = detail::status_bit_at(bits, 5);
  f.monitored_line_fault = detail::status_bit_at(bits, 6);
  f.reserved_bits = static_cast<std::uint8_t>(bits & detail::uitd_status_reserved_mask);
  return f;
}

/// Decodes an operation-record byte (ADU types 4 and 24). Bit 7 goes to reserved_bits.
constexpr operation_flags decode_operations(std::uint8_t bits) noexcept {
  operation_flags f{};
  f.reset = detail::status_bit_at(bits, 0);
  f.silence = detail::status_bit_at(bits, 1);
  f.manual_alarm = detail::status_bit_at(bits, 2);
  f.alarm_cleared = detail::status_bit_at(bits, 3);
  f.self_test = detail::status_bit_at(bits, 4);
  f.confirm_or_duty_answer = detail::status_bit_at(bits, 5);
  f.test = detail::status_bit_at(bits, 6);
  f.reserved_bits = static_cast<std::uint8_t>(bits & detail::operation_reserved_mask);
  return f;
}

/// Encodes a system status word. power_fault is ignored (components only); reserved_bits are
/// written in bits 14–15 only. Under bit0_policy::standard, encode(decode(w)) == w for every w.
constexpr std::uint16_t encode_system_status(const status_flags& f, bit0_policy policy) noexcept {
  const unsigned bits =
      detail::status_bit0(f.test_mode, policy) | detail::status_bit_put(f.fire_alarm, 1) |
      detail::status_bit_put(f.fault, 2) | detail::status_bit_put(f.disabled, 3) |
      detail::status_bit_put(f.supervisory, 4) | detail::status_bit_put(f.started, 5) |
      detail::status_bit_put(f.feedback, 6) | detail::status_bit_put(f.delay, 7) |
      detail::status_bit_put(f.main_power_fault, 8) |
      detail::status_bit_put(f.backup_power_fault, 9) | detail::status_bit_put(f.bus_fault, 10) |
      detail::status_bit_put(f.manual_mode, 11) | detail::status_bit_put(f.config_changed, 12) |
      detail::status_bit_put(f.reset, 13) | (f.reserved_bits & detail::system_status_reserved_mask);
  return static_cast<std::uint16_t>(bits);
}

/// Encodes a component status word. The system-only fields (main_power_fault .. reset) are
/// ignored; reserved_bits are written in bits 9–15 only. Under bit0_policy::standard,
/// encode(decode(w)) == w for every w.
constexpr std::uint16_t encode_component_status(const status_flags& f,
                                                bit0_policy policy) noexcept {
  const unsigned bits =
      detail::status_bit0(f.test_mode, policy) | detail::status_bit_put(f.fire_alarm, 1) |
      detail::status_bit_put(f.fault, 2) | detail::status_bit_put(f.disabled, 3) |
      detail::status_bit_put(f.supervisory, 4) | detail::status_bit_put(f.started, 5) |
      detail::status_bit_put(f.feedback, 6) | detail::status_bit_put(f.delay, 7) |
      detail::status_bit_put(f.power_fault, 8) |
      (f.reserved_bits & detail::component_status_reserved_mask);
  return static_cast<std::uint16_t>(bits);
}

/// Encodes the UITD status byte; reserved_bits are written in bit 7 only. Under
/// bit0_policy::standard, encode(decode(b)) == b for every b.
constexpr std::uint8_t encode_uitd_status(const uitd_flags& f, bit0_policy policy) noexcept {
  const unsigned bits =
      detail::status_bit0(f.test_mode, policy) | detail::status_bit_put(f.fire_alarm, 1) |
      detail::status_bit_put(f.fault, 2) | detail::status_bit_put(f.main_power_fault, 3) |
      detail::status_bit_put(f.backup_power_fault, 4) |
      detail::status_bit_put(f.centre_link_fault, 5) |
      detail::status_bit_put(f.monitored_line_fault, 6) |
      (f.reserved_bits & detail::uitd_status_reserved_mask);
  return static_cast<std::uint8_t>(bits);
}

/// Encodes an operation-record byte; reserved_bits are written in bit 7 only.
/// encode(decode(b)) == b for every b.
constexpr std::uint8_t encode_operations(const operation_flags& f) noexcept {
  const unsigned bits =
      detail::status_bit_put(f.reset, 0) | detail::status_bit_put(f.silence, 1) |
      detail::status_bit_put(f.manual_alarm, 2) | detail::status_bit_put(f.alarm_cleared, 3) |
      detail::status_bit_put(f.self_test, 4) | detail::status_bit_put(f.confirm_or_duty_answer, 5) |
      detail::status_bit_put(f.test, 6) | (f.reserved_bits & detail::operation_reserved_mask);
  return static_cast<std::uint8_t>(bits);
}

/// A one-line description of a status or operation value for logs and dissectors: the names of
/// the bits that are set, joined by '|', in bit order.
///
/// - Bit 0 of a status word is named only when it means test mode under `policy`
///   ("test_mode" / "测试状态"); normal operation is the quiet state and is not named.
/// - Set bits the standard reserves are named "reserved_bitN" / "预留位N" (for the one-byte
///   kinds, any bit above 7 is reported that way too).
/// - Nothing to report gives "normal" / "正常" for a status and "none" / "无操作" for an
///   operation record. `policy` does not apply to operation records.
///
/// @par Example
/// @code
/// describe_status(0x0007, status_kind::system);                 // "fire_alarm|fault"
/// describe_status(0x0006, status_kind::system);                 // "test_mode|fire_alarm|fault"
/// describe_status(0x0006, status_kind::system, bit0_policy::zero_means_normal,
///                 name_language::chinese);                      // "火警|故障"
/// describe_status(0x20, status_kind::uitd_operation);           // "duty_check_answer"
/// @endcode
inline std::string describe_status(std::uint16_t bits, status_kind kind,
                                   bit0_policy policy = bit0_policy::standard,
                                   name_language language = name_language::english) {
  const bool chinese = language == name_language::chinese;
  const bool operation =
      kind == status_kind::facility_operation || kind == status_kind::uitd_operation;
  const code_table<bit_name> names = bit_names(kind);
  std::string out;
  const auto append = [&out](std::string_view name) {
    if (!out.empty()) out += '|';
    out.append(name.data(), name.size());
  };
  for (unsigned i = 0; i < 16; ++i) {
    const bool set = detail::status_bit_at(bits, i);
    if (!operation && i == 0) {
      if (detail::status_test_mode(bits, policy)) append(chinese ? "测试状态" : "test_mode");
      continue;
    }
    if (!set) continue;
    const bit_name* row = nullptr;
    for (const bit_name& b : names) {
      if (b.bit == i) row = &b;
    }
    if (row != nullptr) {
      append(chinese ? row->chinese : row->english);
    } else {
      append(chinese ? "预留位" : "reserved_bit");
      out += std::to_string(i);
    }
  }
  if (out.empty()) {
    if (operation) return chinese ? "无操作" : "none";
    return chinese ? "正常" : "normal";
  }
  return out;
}

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_GB26875_CODES_HPP
