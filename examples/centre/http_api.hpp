// firebus — fire-safety IoT SDK.
// firebus-centre: the HTTP JSON API (cpp-httplib), docs/centre.md "HTTP API".
#ifndef FIREBUS_CENTRE_HTTP_API_HPP
#define FIREBUS_CENTRE_HTTP_API_HPP

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store.hpp"

namespace firebus_centre {

class http_api {
 public:
  /// Sends a duty check (查岗, ADU type 91) to the UITD with `address`, `minutes` to answer:
  /// an empty string and the request's id, or why it was not sent.
  using duty_check_fn =
      std::function<std::string(std::uint64_t address, unsigned minutes, std::uint64_t& id)>;

  /// `db`: the API's own store connection; `metrics`: the Prometheus text; `duty_check`: how
  /// POST /api/units/<address>/duty_check sends one (none: 501).
  http_api(std::unique_ptr<store> db, std::function<std::string()> metrics,
           duty_check_fn duty_check = {});
  ~http_api();
  http_api(const http_api&) = delete;
  http_api& operator=(const http_api&) = delete;

  /// Binds (port 0: ephemeral) and serves on a thread of its own. Throws std::runtime_error.
  void start(const std::string& host, std::uint16_t port);
  void stop();
  std::uint16_t port() const noexcept;

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace firebus_centre

#endif  // FIREBUS_CENTRE_HTTP_API_HPP
