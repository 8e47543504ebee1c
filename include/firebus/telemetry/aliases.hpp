// firebus — fire-safety IoT SDK.
/// @file
/// Aliases: firebus::telemetry::alias_table maps the points of one birth to their aliases and
/// back; firebus::telemetry::birth_registry keeps, at a receiver, the recent births of every
/// source, so that a decoder can find the aliases a batch uses.
///
/// Samples in firebus are named by point id; aliases exist only on the wire. A sender builds
/// one alias_table from its birth and passes it to the encoder; a receiver adds every birth it
/// receives to its birth_registry and passes the registry to the decoder.
///
/// @par Example
/// @code
/// namespace tel = firebus::telemetry;
/// tel::birth b;                      // points filled in by the gateway
/// b.birth_id = 7;
/// tel::assign_aliases(b);            // 0, 1, 2, ...
/// tel::alias_table aliases(b);       // throws on a duplicate name or alias
/// aliases.alias_of(firebus::point_id("b1/rcm1/ir"));  // std::optional<std::uint64_t>
///
/// tel::birth_registry births;        // receiver side
/// births.add("gw-0001", b);
/// const tel::alias_table* t = births.find("gw-0001", 7);
/// @endcode
#ifndef FIREBUS_TELEMETRY_ALIASES_HPP
#define FIREBUS_TELEMETRY_ALIASES_HPP

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include <firebus/core/config.hpp>
#include <firebus/core/error.hpp>
#include <firebus/core/point.hpp>
#include <firebus/telemetry/error.hpp>
#include <firebus/telemetry/types.hpp>

namespace firebus {
inline namespace v1 {
namespace telemetry {

/// The aliases of one birth: point id → alias and alias → point id.
class alias_table {
 public:
  /// An empty table (birth_id 0, no points).
  alias_table() = default;

  /// The table of `b`, or an empty table and errc::invalid_point_name (an empty name),
  /// errc::duplicate_alias or errc::duplicate_point. `index`, if given, receives the position
  /// in `b.points` of the offending point.
  static alias_table make(const birth& b, std::error_code& ec, std::size_t* index = nullptr) {
    alias_table t;
    t.birth_id_ = b.birth_id;
    t.by_alias_.reserve(b.points.size());
    t.by_point_.reserve(b.points.size());
    for (std::size_t i = 0; i < b.points.size(); ++i) {
      const point_decl& p = b.points[i];
      errc e{};
      if (p.name.empty()) {
        e = errc::invalid_point_name;
      } else if (!t.by_alias_.emplace(p.alias, p.name).second) {
        e = errc::duplicate_alias;
      } else if (!t.by_point_.emplace(p.name, p.alias).second) {
        e = errc::duplicate_point;
      }
      if (e != errc{}) {
        ec = make_error_code(e);
        if (index != nullptr) *index = i;
        return alias_table();
      }
    }
    ec.clear();
    return t;
  }

#if FIREBUS_HAS_EXCEPTIONS
  /// The table of `b`; throws firebus::system_error naming the offending point.
  explicit alias_table(const birth& b) {
    std::error_code ec;
    std::size_t at = 0;
    *this = make(b, ec, &at);
    if (ec) {
      firebus::detail::throw_error(ec, "birth " + std::to_string(b.birth_id) + ": points[" +
                                           std::to_string(at) + "] (alias " +
                                           std::to_string(b.points[at].alias) + ", name \"" +
                                           b.points[at].name.str() + "\")");
    }
  }
#endif

  /// The birth_id of the birth the table was made from.
  std::uint64_t birth_id() const noexcept { return birth_id_; }
  /// The number of points.
  std::size_t size() const noexcept { return by_alias_.size(); }
  bool empty() const noexcept { return by_alias_.empty(); }

  /// The alias of `point`, or nothing if the birth does not declare it.
  std::optional<std::uint64_t> alias_of(const point_id& point) const {
    const auto it = by_point_.find(point);
    if (it == by_point_.end()) return std::nullopt;
    return it->second;
  }
  /// The point of `alias`, or nullptr if the birth does not declare it.
  const point_id* point_of(std::uint64_t alias) const {
    const auto it = by_alias_.find(alias);
    return it == by_alias_.end() ? nullptr : &it->second;
  }

 private:
  std::uint64_t birth_id_ = 0;
  std::unordered_map<std::uint64_t, point_id> by_alias_;
  std::unordered_map<point_id, std::uint64_t> by_point_;
};

/// A receiver's memory of births: the most recent `births_per_source` alias tables of every
/// source, by birth_id. Keeping a few (not only the latest) lets a receiver decode batches a
/// source produced under an earlier birth and replays after a newer one.
class birth_registry {
 public:
  /// Remembers up to `births_per_source` births per source (at least 1).
  explicit birth_registry(std::size_t births_per_source = 4) noexcept
      : per_source_(births_per_source == 0 ? 1 : births_per_source) {}

  /// Remembers `table` (made from a birth of `source_id`), replacing one with the same birth_id;
  /// beyond `births_per_source` the oldest one is forgotten.
  void add(std::string_view source_id, alias_table table) {
    auto it = sources_.find(source_id);
    if (it == sources_.end()) it = sources_.emplace(std::string(source_id), tables()).first;
    tables& ts = it->second;
    for (auto t = ts.begin(); t != ts.end(); ++t) {
      if (t->birth_id() == table.birth_id()) {
        ts.erase(t);
        break;
      }
    }
    ts.push_back(std::move(table));
    while (ts.size() > per_source_) ts.pop_front();
  }

  /// Remembers the aliases of `b`; false (nothing changed) and the error of alias_table::make
  /// if the birth declares a point or alias twice.
  bool add(std::string_view source_id, const birth& b, std::error_code& ec) {
    alias_table t = alias_table::make(b, ec);
    if (ec) return false;
    add(source_id, std::move(t));
    return true;
  }

#if FIREBUS_HAS_EXCEPTIONS
  /// Throwing overload: firebus::system_error as alias_table's constructor.
  void add(std::string_view source_id, const birth& b) { add(source_id, alias_table(b)); }
#endif

  /// The aliases of birth `birth_id` of `source_id`, or nullptr.
  const alias_table* find(std::string_view source_id, std::uint64_t birth_id) const noexcept {
    const auto it = sources_.find(source_id);
    if (it == sources_.end()) return nullptr;
    for (auto t = it->second.rbegin(); t != it->second.rend(); ++t) {
      if (t->birth_id() == birth_id) return &*t;
    }
    return nullptr;
  }

  /// Forgets every birth of `source_id`.
  void forget(std::string_view source_id) {
    const auto it = sources_.find(source_id);
    if (it != sources_.end()) sources_.erase(it);
  }
  /// Forgets everything.
  void clear() noexcept { sources_.clear(); }
  /// The number of sources with at least one birth.
  std::size_t sources() const noexcept { return sources_.size(); }

 private:
  using tables = std::deque<alias_table>;
  std::size_t per_source_;
  std::map<std::string, tables, std::less<>> sources_;
};

}  // namespace telemetry
}  // namespace v1
}  // namespace firebus

#endif  // FIREBUS_TELEMETRY_ALIASES_HPP
