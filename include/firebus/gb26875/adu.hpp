// firebus — fire-safety IoT SDK.
/// @file
/// GB/T 26875.3-2011 application data units (§7–8): every ADU type as typed objects, walked one
/// by one, with encode and decode.
///
/// An ADU is `type (1) | object count n (1) | object × n`. Objects are walked one at a time by
/// their type's layout — types 6 and 26 are variable length, so an ADU is never split evenly by
/// its count. Fixed-size objects decode without allocation (descriptions are copied into a
/// 31-byte array; configuration texts are views into the input). Types 128–254 are user-defined:
/// register their object size in a firebus::gb26875::user_types to walk them object by object;
/// unregistered, their body is passed through whole as a firebus::gb26875::user_blob.
///
/// Multi-byte fields are little-endian (§6.6). Texts are GB 18030 bytes as sent; converting them
/// to UTF-8 is a separate step in the compiled library.
///
/// @par Example
/// @code
/// namespace gb = firebus::gb26875;
/// gb::component_status fire;
/// fire.system_type = 1;                // fire alarm system
/// fire.component_type = 42;            // point photoelectric smoke detector
/// fire.component_address = 0x00010007; // loop 1, point 7
/// fire.status = 0x0003;                // normal operation + fire alarm
/// std::vector<std::uint8_t> adu = gb::encode_adu(gb::adu{gb::adu_type::component_status, {fire}});
///
/// std::error_code ec;
/// gb::adu_view v = gb::parse_adu(adu, ec);   // checks the whole ADU, allocates nothing
/// for (const gb::object& o : v) {
///   if (auto* s = std::get_if<gb::component_status>(&o)) { /* s->status, s->description */ }
/// }
/// @endcode
#ifndef FIREBUS_GB26875_ADU_HPP
#define FIREBUS_GB26875_ADU_HPP

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <firebus/core/byte_reader.hpp>
#include <firebus/core/byte_writer.hpp>
#include <firebus/core/bytes.hpp>
#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/gb26875/error.hpp>
#include <firebus/gb26875/frame.hpp>

namespace firebus {
inline namespace v1 {
namespace gb26875 {

/// ADU type codes (§8, Table 7). Upstream (UITD → centre): 1–28; downstream (centre → UITD):
/// 61–91; 128–254 user-defined; all others reserved.
enum class adu_type : std::uint8_t {
  system_status = 1,                  ///< 上传建筑消防设施系统状态
  component_status = 2,               ///< 上传建筑消防设施部件运行状态
  component_analog = 3,               ///< 上传建筑消防设施部件模拟量值
  system_operation = 4,               ///< 上传建筑消防设施操作信息
  system_software_version = 5,        ///< 上传建筑消防设施软件版本
  system_config = 6,                  ///< 上传建筑消防设施系统配置情况
  component_config = 7,               ///< 上传建筑消防设施部件配置情况
  system_time = 8,                    ///< 上传建筑消防设施系统时间
  uitd_status = 21,                   ///< 上传用户信息传输装置运行状态
  uitd_operation = 24,                ///< 上传用户信息传输装置操作信息
  uitd_software_version = 25,         ///< 上传用户信息传输装置软件版本
  uitd_config = 26,                   ///< 上传用户信息传输装置配置情况
  uitd_time = 28,                     ///< 上传用户信息传输装置系统时间
  read_system_status = 61,            ///< 读建筑消防设施系统状态
  read_component_status = 62,         ///< 读建筑消防设施部件运行状态
  read_component_analog = 63,         ///< 读建筑消防设施部件模拟量值
  read_system_operations = 64,        ///< 读建筑消防设施操作信息
  read_system_software_version = 65,  ///< 读建筑消防设施软件版本
  read_system_config = 66,            ///< 读建筑消防设施系统配置情况
  read_component_config = 67,         ///< 读建筑消防设施部件配置情况
  read_system_time = 68,              ///< 读建筑消防设施系统时间
  read_uitd_status = 81,              ///< 读用户信息传输装置运行状态
  read_uitd_operations = 84,          ///< 读用户信息传输装置操作信息记录
  read_uitd_software_version = 85,    ///< 读用户信息传输装置软件版本
  read_uitd_config = 86,              ///< 读用户信息传输装置配置情况
  read_uitd_time = 88,                ///< 读用户信息传输装置系统时间
  init_uitd = 89,                     ///< 初始化用户信息传输装置
  sync_uitd_time = 90,                ///< 同步用户信息传输装置时钟
  duty_check = 91,                    ///< 查岗命令
};

/// True for 128..254, which the standard leaves to users.
constexpr bool is_user_defined(adu_type t) noexcept {
  return static_cast<std::uint8_t>(t) >= 128 && static_cast<std::uint8_t>(t) <= 254;
}

/// A 31-byte description (GB 18030, padded with 0x00 or spaces), as types 2 and 7 carry it.
using description = std::array<std::uint8_t, 31>;

/// A length-prefixed text (GB 18030, at most 255 bytes), as types 6 and 26 carry it. A view:
/// on decode into the ADU's bytes, on encode into the caller's.
struct config_text {
  byte_view bytes;
  friend bool operator==(const config_text& a, const config_text& b) noexcept {
    return a.bytes == b.bytes;
  }
  friend bool operator!=(const config_text& a, const config_text& b) noexcept { return !(a == b); }
};

// Each object type names its ADU type and ties its fields in wire order (fields()), from which
// one generic reader, writer, size and equality are made.
#define FIREBUS_GB26875_EQUALITY(T)                                                          \
  friend bool operator==(const T& a, const T& b) noexcept { return fields(a) == fields(b); } \
  friend bool operator!=(const T& a, const T& b) noexcept { return !(a == b); }

/// Type 1: the state of a building fire-safety system (§8.2.1.1).
struct system_status {
  static constexpr adu_type type = adu_type::system_status;
  std::uint8_t system_type = 0;     ///< Table 4 code
  std::uint8_t system_address = 0;  ///< address of the system
  std::uint16_t status = 0;         ///< status bits (see codes.hpp)
  time_tag time;                    ///< when the state began
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.status, s.time);
  }
  FIREBUS_GB26875_EQUALITY(system_status)
};

/// Type 2: the state of a component, e.g. a detector in fire alarm (§8.2.1.2).
struct component_status {
  static constexpr adu_type type = adu_type::component_status;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t component_type = 0;      ///< component type code
  std::uint32_t component_address = 0;  ///< 4-byte component address
  std::uint16_t status = 0;             ///< status bits
  description text{};                   ///< component description (GB 18030)
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.component_type, s.component_address,
                    s.status, s.text, s.time);
  }
  FIREBUS_GB26875_EQUALITY(component_status)
};

/// Type 3: an analog value of a component; engineering value = value × the analog type's
/// resolution (§8.2.1.3).
struct component_analog {
  static constexpr adu_type type = adu_type::component_analog;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t component_type = 0;
  std::uint32_t component_address = 0;
  std::uint8_t analog_type = 0;  ///< analog type code (unit and resolution)
  std::int16_t value = 0;        ///< raw value
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.component_type, s.component_address,
                    s.analog_type, s.value, s.time);
  }
  FIREBUS_GB26875_EQUALITY(component_analog)
};

/// Type 4: an operation on a building fire-safety system (reset, silence, ...) (§8.2.1.4).
struct system_operation {
  static constexpr adu_type type = adu_type::system_operation;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t flags = 0;        ///< operation flags
  std::uint8_t operator_id = 0;  ///< operator number
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.flags, s.operator_id, s.time);
  }
  FIREBUS_GB26875_EQUALITY(system_operation)
};

/// Type 5: a system's software version (no time tag).
struct system_software_version {
  static constexpr adu_type type = adu_type::system_software_version;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.major, s.minor);
  }
  FIREBUS_GB26875_EQUALITY(system_software_version)
};

/// Type 6: a system's configuration text (variable length, no time tag).
struct system_config {
  static constexpr adu_type type = adu_type::system_config;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  config_text text;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.text);
  }
  FIREBUS_GB26875_EQUALITY(system_config)
};

/// Type 7: a component's configuration (its description; no time tag).
struct component_config {
  static constexpr adu_type type = adu_type::component_config;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t component_type = 0;
  std::uint32_t component_address = 0;
  description text{};
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.component_type, s.component_address, s.text);
  }
  FIREBUS_GB26875_EQUALITY(component_config)
};

/// Type 8: a system's clock (the time is the payload).
struct system_time {
  static constexpr adu_type type = adu_type::system_time;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.time);
  }
  FIREBUS_GB26875_EQUALITY(system_time)
};

/// Type 21: the UITD's own state.
struct uitd_status {
  static constexpr adu_type type = adu_type::uitd_status;
  std::uint8_t status = 0;  ///< UITD status bits
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.status, s.time);
  }
  FIREBUS_GB26875_EQUALITY(uitd_status)
};

/// Type 24: an operation on the UITD (including the answer to a duty check, flag bit 5).
struct uitd_operation {
  static constexpr adu_type type = adu_type::uitd_operation;
  std::uint8_t flags = 0;
  std::uint8_t operator_id = 0;
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.flags, s.operator_id, s.time);
  }
  FIREBUS_GB26875_EQUALITY(uitd_operation)
};

/// Type 25: the UITD's software version.
struct uitd_software_version {
  static constexpr adu_type type = adu_type::uitd_software_version;
  std::uint8_t major = 0;
  std::uint8_t minor = 0;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.major, s.minor);
  }
  FIREBUS_GB26875_EQUALITY(uitd_software_version)
};

/// Type 26: the UITD's configuration text (variable length).
struct uitd_config {
  static constexpr adu_type type = adu_type::uitd_config;
  config_text text;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.text);
  }
  FIREBUS_GB26875_EQUALITY(uitd_config)
};

/// Type 28: the UITD's clock.
struct uitd_time {
  static constexpr adu_type type = adu_type::uitd_time;
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.time);
  }
  FIREBUS_GB26875_EQUALITY(uitd_time)
};

/// Types 61, 65, 66, 68: a read addressed to one system.
template <adu_type T>
struct system_query {
  static constexpr adu_type type = T;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address);
  }
  FIREBUS_GB26875_EQUALITY(system_query)
};
using read_system_status = system_query<adu_type::read_system_status>;
using read_system_software_version = system_query<adu_type::read_system_software_version>;
using read_system_config = system_query<adu_type::read_system_config>;
using read_system_time = system_query<adu_type::read_system_time>;

/// Types 62, 63, 67: a read addressed to one component.
template <adu_type T>
struct component_query {
  static constexpr adu_type type = T;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint32_t component_address = 0;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.component_address);
  }
  FIREBUS_GB26875_EQUALITY(component_query)
};
using read_component_status = component_query<adu_type::read_component_status>;
using read_component_analog = component_query<adu_type::read_component_analog>;
using read_component_config = component_query<adu_type::read_component_config>;

/// Type 64: read a system's operation records: `count` records from `start`.
struct read_system_operations {
  static constexpr adu_type type = adu_type::read_system_operations;
  std::uint8_t system_type = 0;
  std::uint8_t system_address = 0;
  std::uint8_t count = 0;
  time_tag start;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.system_type, s.system_address, s.count, s.start);
  }
  FIREBUS_GB26875_EQUALITY(read_system_operations)
};

/// Types 81, 85, 86, 88, 89: a command to the UITD with one reserved byte.
template <adu_type T>
struct uitd_query {
  static constexpr adu_type type = T;
  std::uint8_t reserved = 0;  ///< sent as 0; kept as received
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.reserved);
  }
  FIREBUS_GB26875_EQUALITY(uitd_query)
};
using read_uitd_status = uitd_query<adu_type::read_uitd_status>;
using read_uitd_software_version = uitd_query<adu_type::read_uitd_software_version>;
using read_uitd_config = uitd_query<adu_type::read_uitd_config>;
using read_uitd_time = uitd_query<adu_type::read_uitd_time>;
using init_uitd = uitd_query<adu_type::init_uitd>;

/// Type 84: read the UITD's operation records: `count` records from `start`.
struct read_uitd_operations {
  static constexpr adu_type type = adu_type::read_uitd_operations;
  std::uint8_t count = 0;
  time_tag start;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.count, s.start);
  }
  FIREBUS_GB26875_EQUALITY(read_uitd_operations)
};

/// Type 90: set the UITD's clock.
struct sync_uitd_time {
  static constexpr adu_type type = adu_type::sync_uitd_time;
  time_tag time;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.time);
  }
  FIREBUS_GB26875_EQUALITY(sync_uitd_time)
};

/// Type 91: duty check (查岗): an operator must answer (type 24, flag bit 5) within the timeout.
struct duty_check {
  static constexpr adu_type type = adu_type::duty_check;
  std::uint8_t timeout_minutes = 0;
  template <class S>
  static auto fields(S& s) noexcept {
    return std::tie(s.timeout_minutes);
  }
  FIREBUS_GB26875_EQUALITY(duty_check)
};

/// One object of a registered user-defined type (128–254): its bytes as sent.
struct user_object {
  std::uint8_t type = 128;
  byte_view bytes;
  friend bool operator==(const user_object& a, const user_object& b) noexcept {
    return a.type == b.type && a.bytes == b.bytes;
  }
  friend bool operator!=(const user_object& a, const user_object& b) noexcept { return !(a == b); }
};

/// The whole body of an ADU of an unregistered user-defined type (128–254): its object count
/// and the bytes after it, undivided.
struct user_blob {
  std::uint8_t type = 128;
  std::uint8_t count = 0;
  byte_view body;
  friend bool operator==(const user_blob& a, const user_blob& b) noexcept {
    return a.type == b.type && a.count == b.count && a.body == b.body;
  }
  friend bool operator!=(const user_blob& a, const user_blob& b) noexcept { return !(a == b); }
};

#undef FIREBUS_GB26875_EQUALITY

/// Any object of any ADU type.
using object =
    std::variant<system_status, component_status, component_analog, system_operation,
                 system_software_version, system_config, component_config, system_time, uitd_status,
                 uitd_operation, uitd_software_version, uitd_config, uitd_time, read_system_status,
                 read_component_status, read_component_analog, read_system_operations,
                 read_system_software_version, read_system_config, read_component_config,
                 read_system_time, read_uitd_status, read_uitd_operations,
                 read_uitd_software_version, read_uitd_config, read_uitd_time, init_uitd,
                 sync_uitd_time, duty_check, user_object, user_blob>;

/// Registered user-defined ADU types (128–254): a name and how to find the size of each object,
/// so that their ADUs are walked object by object like the standard's.
///
/// @par Example
/// @code
/// // A TLV-like type: object = tag (1) | length (1) | length bytes.
/// std::size_t tlv_size(firebus::byte_view rest, const void*, std::error_code& ec) noexcept {
///   if (rest.size() < 2) { ec = make_error_code(gb::errc::truncated); return 0; }
///   return 2 + std::size_t{rest[1]};
/// }
/// gb::user_types users;
/// std::error_code ec;
/// users.add_fixed(128, "counter", 4, ec);
/// users.add_variable(129, "tlv", &tlv_size, ec);
/// gb::adu a = gb::decode_adu(bytes, ec, &users);  // type 129 → user_object items
/// @endcode
class user_types {
 public:
  /// Size of the object at the start of `rest` (all bytes left in the ADU); set `ec` (any
  /// error, e.g. errc::truncated) if it cannot be an object of this type. `context` is the
  /// pointer given to add_variable(), so that a size function can carry state (a binding's
  /// callable, a table); the walker passes it through untouched. It must not throw. It is called
  /// once per object when the ADU is checked and again when it is iterated: it must give the same
  /// answer both times. A size beyond `rest` is errc::truncated for the walker.
  using size_function = std::size_t (*)(byte_view rest, const void* context, std::error_code& ec);

  struct entry {
    std::string_view name;          ///< for dissectors; must outlive the registry
    std::size_t fixed_size = 0;     ///< every object has this size, if size is null
    size_function size = nullptr;   ///< the size of a variable-length object
    const void* context = nullptr;  ///< passed to `size`; must outlive the registry
  };

  /// Registers a type whose objects all have `fixed_size` bytes (≥ 1). errc::out_of_range for a
  /// type outside 128..254 or a size of 0.
  void add_fixed(std::uint8_t type, std::string_view name, std::size_t fixed_size,
                 std::error_code& ec) noexcept {
    if (type < 128 || type > 254 || fixed_size == 0) {
      ec = make_error_code(errc::out_of_range);
      return;
    }
    entries_[type - 128] = {name, fixed_size, nullptr, nullptr};
    ec.clear();
  }
  /// Registers a type whose object sizes `size` computes, called with `context` (which the
  /// registry stores, not owns). errc::out_of_range for a type outside 128..254 or a null
  /// function.
  void add_variable(std::uint8_t type, std::string_view name, size_function size,
                    std::error_code& ec, const void* context = nullptr) noexcept {
    if (type < 128 || type > 254 || size == nullptr) {
      ec = make_error_code(errc::out_of_range);
      return;
    }
    entries_[type - 128] = {name, 0, size, context};
    ec.clear();
  }
  /// The registration of `type`, or null.
  const entry* find(std::uint8_t type) const noexcept {
    if (type < 128 || type > 254) return nullptr;
    const entry& e = entries_[type - 128];
    return e.fixed_size == 0 && e.size == nullptr ? nullptr : &e;
  }

 private:
  std::array<entry, 127> entries_{};
};

namespace detail {

// Wire size of a fixed-size field type.
template <class T>
constexpr std::size_t wire_size() noexcept {
  if constexpr (std::is_same_v<T, time_tag>) {
    return 6;
  } else if constexpr (std::is_same_v<T, description>) {
    return 31;
  } else {
    static_assert(std::is_integral_v<T>, "unsupported field type");
    return sizeof(T);
  }
}

inline void read_field(byte_reader& r, std::uint8_t& v, std::error_code& ec) noexcept {
  v = r.u8(ec);
}
inline void read_field(byte_reader& r, std::uint16_t& v, std::error_code& ec) noexcept {
  v = r.u16le(ec);
}
inline void read_field(byte_reader& r, std::int16_t& v, std::error_code& ec) noexcept {
  v = r.i16le(ec);
}
inline void read_field(byte_reader& r, std::uint32_t& v, std::error_code& ec) noexcept {
  v = r.u32le(ec);
}
inline void read_field(byte_reader& r, time_tag& v, std::error_code& ec) noexcept {
  v = read_time_tag(r, ec);
}
inline void read_field(byte_reader& r, description& v, std::error_code& ec) noexcept {
  r.copy_to(mutable_byte_view(v.data(), v.size()), ec);
}
inline void read_field(byte_reader& r, config_text& v, std::error_code& ec) noexcept {
  const std::size_t n = r.u8(ec);
  v.bytes = r.bytes(n, ec);
}

inline void write_field(byte_writer& w, std::uint8_t v, std::error_code& ec) noexcept {
  w.u8(v, ec);
}
inline void write_field(byte_writer& w, std::uint16_t v, std::error_code& ec) noexcept {
  w.u16le(v, ec);
}
inline void write_field(byte_writer& w, std::int16_t v, std::error_code& ec) noexcept {
  w.i16le(v, ec);
}
inline void write_field(byte_writer& w, std::uint32_t v, std::error_code& ec) noexcept {
  w.u32le(v, ec);
}
inline void write_field(byte_writer& w, const time_tag& v, std::error_code& ec) noexcept {
  write_time_tag(w, v, ec);
}
inline void write_field(byte_writer& w, const description& v, std::error_code& ec) noexcept {
  w.bytes(byte_view(v.data(), v.size()), ec);
}
inline void write_field(byte_writer& w, const config_text& v, std::error_code& ec) noexcept {
  if (v.bytes.size() > 255) {
    ec = make_error_code(errc::text_too_long);
    return;
  }
  w.u8(static_cast<std::uint8_t>(v.bytes.size()), ec);
  w.bytes(v.bytes, ec);
}

// True for object types whose every field has a fixed size: all but types 6 and 26, whose
// config_text is the only variable field.
template <class T>
constexpr bool has_fixed_size() noexcept {
  return !std::is_same_v<T, system_config> && !std::is_same_v<T, uitd_config>;
}

template <class Tuple, std::size_t... I>
constexpr std::size_t tuple_wire_size(std::index_sequence<I...>) noexcept {
  return (std::size_t{0} + ... +
          wire_size<std::remove_cv_t<std::remove_reference_t<std::tuple_element_t<I, Tuple>>>>());
}

// Wire size of a fixed-size object type.
template <class T>
constexpr std::size_t object_wire_size() noexcept {
  using tuple = decltype(T::fields(std::declval<T&>()));
  return tuple_wire_size<tuple>(std::make_index_sequence<std::tuple_size_v<tuple>>());
}

template <class T>
T read_object(byte_reader& r, std::error_code& ec) noexcept {
  T t{};
  std::apply([&](auto&... field) { (read_field(r, field, ec), ...); }, T::fields(t));
  return t;
}

template <class T>
void write_object(byte_writer& w, const T& t, std::error_code& ec) noexcept {
  std::apply([&](const auto&... field) { ((ec ? void() : write_field(w, field, ec)), ...); },
             T::fields(t));
}

// A type passed as a value.
template <class T>
struct type_tag {
  using type = T;
};

// Calls f(type_tag<T>{}) for the object type T of ADU type `t` (not for user-defined types);
// returns false for a reserved type.
template <class F>
bool with_object_type(adu_type t, F&& f) {
  switch (t) {
    case adu_type::system_status:
      f(type_tag<system_status>{});
      return true;
    case adu_type::component_status:
      f(type_tag<component_status>{});
      return true;
    case adu_type::component_analog:
      f(type_tag<component_analog>{});
      return true;
    case adu_type::system_operation:
      f(type_tag<system_operation>{});
      return true;
    case adu_type::system_software_version:
      f(type_tag<system_software_version>{});
      return true;
    case adu_type::system_config:
      f(type_tag<system_config>{});
      return true;
    case adu_type::component_config:
      f(type_tag<component_config>{});
      return true;
    case adu_type::system_time:
      f(type_tag<system_time>{});
      return true;
    case adu_type::uitd_status:
      f(type_tag<uitd_status>{});
      return true;
    case adu_type::uitd_operation:
      f(type_tag<uitd_operation>{});
      return true;
    case adu_type::uitd_software_version:
      f(type_tag<uitd_software_version>{});
      return true;
    case adu_type::uitd_config:
      f(type_tag<uitd_config>{});
      return true;
    case adu_type::uitd_time:
      f(type_tag<uitd_time>{});
      return true;
    case adu_type::read_system_status:
      f(type_tag<read_system_status>{});
      return true;
    case adu_type::read_component_status:
      f(type_tag<read_component_status>{});
      return true;
    case adu_type::read_component_analog:
      f(type_tag<read_component_analog>{});
      return true;
    case adu_type::read_system_operations:
      f(type_tag<read_system_operations>{});
      return true;
    case adu_type::read_system_software_version:
      f(type_tag<read_system_software_version>{});
      return true;
    case adu_type::read_system_config:
      f(type_tag<read_system_config>{});
      return true;
    case adu_type::read_component_config:
      f(type_tag<read_component_config>{});
      return true;
    case adu_type::read_system_time:
      f(type_tag<read_system_time>{});
      return true;
    case adu_type::read_uitd_status:
      f(type_tag<read_uitd_status>{});
      return true;
    case adu_type::read_uitd_operations:
      f(type_tag<read_uitd_operations>{});
      return true;
    case adu_type::read_uitd_software_version:
      f(type_tag<read_uitd_software_version>{});
      return true;
    case adu_type::read_uitd_config:
      f(type_tag<read_uitd_config>{});
      return true;
    case adu_type::read_uitd_time:
      f(type_tag<read_uitd_time>{});
      return true;
    case adu_type::init_uitd:
      f(type_tag<init_uitd>{});
      return true;
    case adu_type::sync_uitd_time:
      f(type_tag<sync_uitd_time>{});
      return true;
    case adu_type::duty_check:
      f(type_tag<duty_check>{});
      return true;
  }
  return false;
}

}  // namespace detail

/// English name of a defined ADU type ("component_status"); "user_defined" for 128–254;
/// "reserved" otherwise.
constexpr std::string_view to_string(adu_type t) noexcept {
  switch (t) {
    case adu_type::system_status:
      return "system_status";
    case adu_type::component_status:
      return "component_status";
    case adu_type::component_analog:
      return "component_analog";
    case adu_type::system_operation:
      return "system_operation";
    case adu_type::system_software_version:
      return "system_software_version";
    case adu_type::system_config:
      return "system_config";
    case adu_type::component_config:
      return "component_config";
    case adu_type::system_time:
      return "system_time";
    case adu_type::uitd_status:
      return "uitd_status";
    case adu_type::uitd_operation:
      return "uitd_operation";
    case adu_type::uitd_software_version:
      return "uitd_software_version";
    case adu_type::uitd_config:
      return "uitd_config";
    case adu_type::uitd_time:
      return "uitd_time";
    case adu_type::read_system_status:
      return "read_system_status";
    case adu_type::read_component_status:
      return "read_component_status";
    case adu_type::read_component_analog:
      return "read_component_analog";
    case adu_type::read_system_operations:
      return "read_system_operations";
    case adu_type::read_system_software_version:
      return "read_system_software_version";
    case adu_type::read_system_config:
      return "read_system_config";
    case adu_type::read_component_config:
      return "read_component_config";
    case adu_type::read_system_time:
      return "read_system_time";
    case adu_type::read_uitd_status:
      return "read_uitd_status";
    case adu_type::read_uitd_operations:
      return "read_uitd_operations";
    case adu_type::read_uitd_software_version:
      return "read_uitd_software_version";
    case adu_type::read_uitd_config:
      return "read_uitd_config";
    case adu_type::read_uitd_time:
      return "read_uitd_time";
    case adu_type::init_uitd:
      return "init_uitd";
    case adu_type::sync_uitd_time:
      return "sync_uitd_time";
    case adu_type::duty_check:
      return "duty_check";
  }
  return is_user_defined(t) ? "user_defined" : "reserved";
}

/// True for the ADU types the standard defines.
constexpr bool is_defined(adu_type t) noexcept {
  return !is_user_defined(t) && to_string(t) != "reserved";
}

/// The standard's Chinese name of an ADU type (§8, Table 7), e.g. "上传建筑消防设施部件运行状态";
/// "用户自定义" for 128–254, "预留" otherwise.
constexpr std::string_view chinese_name(adu_type t) noexcept {
  switch (t) {
    case adu_type::system_status:
      return "上传建筑消防设施系统状态";
    case adu_type::component_status:
      return "上传建筑消防设施部件运行状态";
    case adu_type::component_analog:
      return "上传建筑消防设施部件模拟量值";
    case adu_type::system_operation:
      return "上传建筑消防设施操作信息";
    case adu_type::system_software_version:
      return "上传建筑消防设施软件版本";
    case adu_type::system_config:
      return "上传建筑消防设施系统配置情况";
    case adu_type::component_config:
      return "上传建筑消防设施部件配置情况";
    case adu_type::system_time:
      return "上传建筑消防设施系统时间";
    case adu_type::uitd_status:
      return "上传用户信息传输装置运行状态";
    case adu_type::uitd_operation:
      return "上传用户信息传输装置操作信息";
    case adu_type::uitd_software_version:
      return "上传用户信息传输装置软件版本";
    case adu_type::uitd_config:
      return "上传用户信息传输装置配置情况";
    case adu_type::uitd_time:
      return "上传用户信息传输装置系统时间";
    case adu_type::read_system_status:
      return "读建筑消防设施系统状态";
    case adu_type::read_component_status:
      return "读建筑消防设施部件运行状态";
    case adu_type::read_component_analog:
      return "读建筑消防设施部件模拟量值";
    case adu_type::read_system_operations:
      return "读建筑消防设施操作信息";
    case adu_type::read_system_software_version:
      return "读建筑消防设施软件版本";
    case adu_type::read_system_config:
      return "读建筑消防设施系统配置情况";
    case adu_type::read_component_config:
      return "读建筑消防设施部件配置情况";
    case adu_type::read_system_time:
      return "读建筑消防设施系统时间";
    case adu_type::read_uitd_status:
      return "读用户信息传输装置运行状态";
    case adu_type::read_uitd_operations:
      return "读用户信息传输装置操作信息记录";
    case adu_type::read_uitd_software_version:
      return "读用户信息传输装置软件版本";
    case adu_type::read_uitd_config:
      return "读用户信息传输装置配置情况";
    case adu_type::read_uitd_time:
      return "读用户信息传输装置系统时间";
    case adu_type::init_uitd:
      return "初始化用户信息传输装置";
    case adu_type::sync_uitd_time:
      return "同步用户信息传输装置时钟";
    case adu_type::duty_check:
      return "查岗命令";
  }
  return is_user_defined(t) ? "用户自定义" : "预留";
}

/// True for the types a UITD sends (1–28), false for the centre's (61–91) and all others.
constexpr bool is_upstream(adu_type t) noexcept {
  return is_defined(t) && static_cast<std::uint8_t>(t) <= 28;
}

/// The most objects one ADU of a defined type carries (Table 7's "n"); 255 for user-defined
/// types, 0 for reserved ones. For fixed-size upstream types it is what fits in 1024 bytes.
constexpr std::size_t max_objects(adu_type t) noexcept {
  switch (t) {
    case adu_type::system_status:
    case adu_type::system_operation:
    case adu_type::read_system_status:
      return 102;
    case adu_type::component_status:
    case adu_type::read_component_status:
      return 22;
    case adu_type::component_analog:
    case adu_type::read_component_analog:
      return 63;
    case adu_type::system_config:
    case adu_type::read_system_config:
      return 3;
    case adu_type::component_config:
    case adu_type::read_component_config:
      return 26;
    case adu_type::uitd_operation:
      return 127;
    default:
      break;
  }
  if (is_defined(t)) return 1;
  return is_user_defined(t) ? 255 : 0;
}

/// The wire size of one object of a fixed-size defined type; 0 for types 6 and 26 (variable),
/// user-defined and reserved types.
inline std::size_t object_size(adu_type t) noexcept {
  std::size_t n = 0;
  detail::with_object_type(t, [&n](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (detail::has_fixed_size<T>()) n = detail::object_wire_size<T>();
  });
  return n;
}

/// The ADU type of an object (for user objects, their own type byte).
inline adu_type type_of(const object& o) noexcept {
  return std::visit(
      [](const auto& x) -> adu_type {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, user_object> || std::is_same_v<T, user_blob>) {
          return static_cast<adu_type>(x.type);
        } else {
          return T::type;
        }
      },
      o);
}

/// A checked ADU: its type, count and objects, as views into the bytes it was parsed from.
/// Iterating decodes each object in turn, without allocating.
class adu_view {
 public:
  adu_view() = default;

  adu_type type() const noexcept { return type_; }
  /// The object count n as sent (for a user_blob, the count byte of the blob).
  std::size_t count() const noexcept { return count_; }
  /// The bytes after type and count.
  byte_view body() const noexcept { return body_; }

  class iterator {
   public:
    using value_type = object;
    using difference_type = std::ptrdiff_t;
    using reference = const object&;
    using pointer = const object*;
    using iterator_category = std::input_iterator_tag;

    iterator() = default;
    const object& operator*() const noexcept { return current_; }
    const object* operator->() const noexcept { return &current_; }
    iterator& operator++() noexcept {
      --left_;
      load();
      return *this;
    }
    friend bool operator==(const iterator& a, const iterator& b) noexcept {
      return a.left_ == b.left_;
    }
    friend bool operator!=(const iterator& a, const iterator& b) noexcept { return !(a == b); }

   private:
    friend class adu_view;
    iterator(const adu_view* view, std::size_t left) noexcept
        : view_(view), reader_(view->body_), left_(left) {
      load();
    }
    void load() noexcept {
      if (left_ == 0) return;
      std::error_code ec;  // the ADU was checked: reads cannot fail
      view_->read_one(reader_, current_, ec);
    }
    const adu_view* view_ = nullptr;
    byte_reader reader_{byte_view()};
    std::size_t left_ = 0;
    object current_;
  };

  /// Objects in wire order; a user_blob is one object.
  iterator begin() const noexcept { return {this, objects_}; }
  iterator end() const noexcept { return {}; }
  /// How many objects iteration yields (count(), or 1 for a user_blob).
  std::size_t size() const noexcept { return objects_; }

 private:
  friend adu_view parse_adu(byte_view, std::error_code&, const user_types*) noexcept;

  // Decodes the next object into `out` in place.
  void read_one(byte_reader& r, object& out, std::error_code& ec) const noexcept {
    if (is_user_defined(type_)) {
      const auto raw = static_cast<std::uint8_t>(type_);
      if (user_ == nullptr) {
        out = user_blob{raw, static_cast<std::uint8_t>(count_), r.bytes(r.remaining(), ec)};
        return;
      }
      std::error_code size_ec;
      const std::size_t n = user_->fixed_size != 0 ? user_->fixed_size
                                                   : user_->size(r.rest(), user_->context, size_ec);
      if (size_ec) {
        ec = size_ec;
        return;
      }
      out = user_object{raw, r.bytes(n, ec)};
      return;
    }
    detail::with_object_type(type_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      // Into a local, then into the variant: g++ 12 -O2 misreads field writes into variant
      // storage as overflows (-Wstringop-overflow).
      T t{};
      std::apply([&](auto&... field) { (detail::read_field(r, field, ec), ...); }, T::fields(t));
      out.template emplace<T>(t);
    });
  }

  adu_type type_ = adu_type::system_status;
  std::size_t count_ = 0;
  std::size_t objects_ = 0;
  byte_view body_;
  const user_types::entry* user_ = nullptr;
};

/// Checks a whole ADU — type, count, and that the objects exactly fill it — and returns a view
/// to iterate. Errors: errc::truncated (fewer than 2 bytes, or an object cut short),
/// errc::reserved_adu_type, errc::adu_too_long (over 1024 bytes), errc::adu_count_mismatch
/// (bytes left after n objects). An empty ADU (confirm, deny, heartbeat) is errc::truncated:
/// check `frame.adu.empty()` first. The object count is not held to max_objects() on decode:
/// a fire alarm is never refused for being one too many.
inline adu_view parse_adu(byte_view bytes, std::error_code& ec,
                          const user_types* users = nullptr) noexcept {
  ec.clear();
  adu_view v;
  if (bytes.size() > max_adu_size) {
    ec = make_error_code(errc::adu_too_long);
    return {};
  }
  if (bytes.size() < 2) {
    ec = make_error_code(errc::truncated);
    return {};
  }
  v.type_ = static_cast<adu_type>(bytes[0]);
  v.count_ = bytes[1];
  v.body_ = bytes.subview(2);
  if (is_user_defined(v.type_)) {
    v.user_ = users != nullptr ? users->find(bytes[0]) : nullptr;
    if (v.user_ == nullptr) {
      v.objects_ = 1;
      ec.clear();
      return v;
    }
  } else if (!is_defined(v.type_)) {
    ec = make_error_code(errc::reserved_adu_type);
    return {};
  }
  // Fixed-size objects: the sizes must add up exactly. Others: walk every object once.
  const std::size_t size = object_size(v.type_);
  if (size != 0) {
    const std::size_t need = v.count_ * size;
    if (v.body_.size() != need) {
      ec = make_error_code(v.body_.size() < need ? errc::truncated : errc::adu_count_mismatch);
      return {};
    }
    v.objects_ = v.count_;
    return v;
  }
  byte_reader r(v.body_);
  object scratch;
  for (std::size_t i = 0; i < v.count_; ++i) {
    v.read_one(r, scratch, ec);
    if (ec) {
      if (ec == firebus::errc::truncated) ec = make_error_code(errc::truncated);
      return {};
    }
  }
  if (!r.at_end()) {
    ec = make_error_code(errc::adu_count_mismatch);
    return {};
  }
  v.objects_ = v.count_;
  ec.clear();
  return v;
}

/// A decoded ADU that owns its object list (views in config texts and user objects still point
/// into the decoded bytes).
struct adu {
  adu_type type = adu_type::system_status;
  std::vector<object> objects;

  friend bool operator==(const adu& a, const adu& b) {
    return a.type == b.type && a.objects == b.objects;
  }
  friend bool operator!=(const adu& a, const adu& b) { return !(a == b); }
};

/// parse_adu() then collect the objects into a vector.
inline adu decode_adu(byte_view bytes, std::error_code& ec, const user_types* users = nullptr) {
  const adu_view v = parse_adu(bytes, ec, users);
  if (ec) return {};
  adu a;
  a.type = v.type();
  a.objects.reserve(v.size());
  for (const object& o : v) a.objects.push_back(o);
  return a;
}

/// Which limits encode_adu() enforces.
enum class adu_limits : std::uint8_t {
  standard,   ///< the standard's object counts (max_objects()) and the 1024-byte size
  size_only,  ///< only the 1024-byte size: re-encodes anything parse_adu() accepted, byte for byte
};

/// Writes an ADU: type, count, objects. Errors, nothing being written: errc::reserved_adu_type,
/// errc::object_type_mismatch (an object of another type), errc::too_many_objects (over
/// max_objects() under adu_limits::standard, over 255, or a user_blob that is not alone),
/// errc::text_too_long, errc::adu_too_long (over 1024 bytes), firebus::errc::buffer_full.
inline void encode_adu(const adu& a, byte_writer& w, std::error_code& ec,
                       adu_limits limits = adu_limits::standard) noexcept {
  if (!is_defined(a.type) && !is_user_defined(a.type)) {
    ec = make_error_code(errc::reserved_adu_type);
    return;
  }
  const bool blob = a.objects.size() == 1 && std::holds_alternative<user_blob>(a.objects[0]);
  const std::size_t limit = limits == adu_limits::standard ? max_objects(a.type) : 255;
  if (!blob && a.objects.size() > limit) {
    ec = make_error_code(errc::too_many_objects);
    return;
  }
  for (const object& o : a.objects) {
    if (type_of(o) != a.type) {
      ec = make_error_code(errc::object_type_mismatch);
      return;
    }
    if (std::holds_alternative<user_blob>(o) && !blob) {
      ec = make_error_code(errc::too_many_objects);
      return;
    }
  }
  // Encode into a scratch frame-sized buffer first, so that a failure writes nothing and the
  // 1024-byte limit is checked on the real size.
  std::array<std::uint8_t, max_adu_size> scratch;
  byte_writer s(mutable_byte_view(scratch.data(), scratch.size()));
  s.u8(static_cast<std::uint8_t>(a.type), ec);
  s.u8(blob ? std::get<user_blob>(a.objects[0]).count : static_cast<std::uint8_t>(a.objects.size()),
       ec);
  for (const object& o : a.objects) {
    if (ec) break;
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, user_object>) {
            s.bytes(x.bytes, ec);
          } else if constexpr (std::is_same_v<T, user_blob>) {
            s.bytes(x.body, ec);
          } else {
            detail::write_object(s, x, ec);
          }
        },
        o);
  }
  if (ec) {
    if (ec == firebus::errc::buffer_full) ec = make_error_code(errc::adu_too_long);
    return;
  }
  if (w.remaining() < s.position() || !w.ok()) {
    ec = firebus::make_error_code(firebus::errc::buffer_full);
    return;
  }
  w.bytes(s.written(), ec);
}

/// The bytes of a description without its padding (trailing 0x00 and spaces).
inline byte_view trimmed(const description& d) noexcept {
  std::size_t n = d.size();
  while (n > 0 && (d[n - 1] == 0x00 || d[n - 1] == 0x20)) --n;
  return {d.data(), n};
}

/// The bytes of a configuration text (types 6 and 26) without its padding (trailing 0x00 and
/// spaces: "texts are GB 18030, padded with 0x00 or spaces", like descriptions).
inline byte_view trimmed(const config_text& t) noexcept {
  std::size_t n = t.bytes.size();
  while (n > 0 && (t.bytes[n - 1] == 0x00 || t.bytes[n - 1] == 0x20)) --n;
  return t.bytes.first(n);
}

/// A description from GB 18030 bytes, padded with 0x00; errc::text_too_long over 31 bytes.
inline description make_description(byte_view gb18030, std::error_code& ec) noexcept {
  description d{};
  if (gb18030.size() > d.size()) {
    ec = make_error_code(errc::text_too_long);
    return d;
  }
  for (std::size_t i = 0; i < gb18030.size(); ++i) d[i] = gb18030[i];
  ec.clear();
  return d;
}

#if FIREBUS_HAS_EXCEPTIONS
/// Throwing overload of parse_adu().
inline adu_view parse_adu(byte_view bytes, const user_types* users = nullptr) {
  std::error_code ec;
  const adu_view v = parse_adu(bytes, ec, users);
  if (ec) {
    firebus::detail::throw_error(ec, "gb26875 ADU of " + std::to_string(bytes.size()) +
                                         " bytes, type " +
                                         std::to_string(bytes.empty() ? 0 : bytes[0]));
  }
  return v;
}
/// Throwing overload of decode_adu().
inline adu decode_adu(byte_view bytes, const user_types* users = nullptr) {
  std::error_code ec;
  adu a = decode_adu(bytes, ec, users);
  if (ec) {
    firebus::detail::throw_error(ec, "gb26875 ADU of " + std::to_string(bytes.size()) +
                                         " bytes, type " +
                                         std::to_string(bytes.empty() ? 0 : bytes[0]));
  }
  return a;
}
/// Encodes an ADU into a new vector; throws firebus::system_error on error.
inline std::vector<std::uint8_t> encode_adu(const adu& a,
                                            adu_limits limits = adu_limits::standard) {
  std::vector<std::uint8_t> out;
  byte_writer w(out, max_adu_size);
  std::error_code ec;
  encode_adu(a, w, ec, limits);
  if (ec) {
    firebus::detail::throw_error(ec, "gb26875 ADU of type " +
                                         std::to_string(static_cast<int>(a.type)) + " with " +
                                         std::to_string(a.objects.size()) + " objects");
  }
  return out;
}
#endif

}  // namespace gb26875
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_GB26875_ADU_HPP
