// firebus — fire-safety IoT SDK.
// firebus-centre: the HTTP JSON API (http_api.hpp).
#include "http_api.hpp"

#include <httplib.h>

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace firebus_centre {

struct http_api::impl {
  std::unique_ptr<store> db;
  std::mutex db_mutex;  // one connection, several HTTP threads
  std::function<std::string()> metrics;
  http_api::duty_check_fn duty_check;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  static constexpr std::size_t max_body = 64 * 1024;

  static void reply(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                    "application/json");
  }
  static void error(httplib::Response& res, int status, const std::string& message) {
    reply(res, status, json{{"error", message}, {"status", status}});
  }

  // Runs `f` on the store. A retryable failure (PostgreSQL restarted: the session is gone; SQLite
  // busy) is tried once more after the connection is re-established, so that the first request
  // after a database restart is answered; a database that still fails is a 503.
  template <class F>
  void with_db(httplib::Response& res, F&& f) {
    std::lock_guard<std::mutex> lock(db_mutex);
    for (int attempt = 1;; ++attempt) {
      try {
        f(*db);
        return;
      } catch (const db_error& e) {
        try {
          db->db().recover();
        } catch (const std::exception&) {
        }
        if (e.retryable() && attempt < 2) continue;
        error(res, 503, std::string("database: ") + e.what());
        return;
      }
    }
  }

  // The body of an operator action or a duty check: a JSON object. nlohmann's parser refuses
  // bytes that are not UTF-8 (and lone surrogates); a NUL character is refused here (PostgreSQL's
  // text cannot hold it: libpq would cut the string there).
  static bool parse_object(const std::string& text, json& out) {
    out = json::parse(text, nullptr, false);
    return !out.is_discarded() && out.is_object();
  }
  static bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }
  // The first key of `body` not in `keys` (a misspelt "note" must not lose the note), or "".
  static std::string unknown_key(const json& body, std::initializer_list<const char*> keys) {
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return it.key() == k; })) {
        return it.key();
      }
    }
    return {};
  }

  void routes() {
    server.new_task_queue = [] { return new httplib::ThreadPool(2); };
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      with_db(res, [&](store& s) {
        s.db().query("SELECT 1");
        reply(res, 200, json{{"status", "ok"}});
      });
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics(), "text/plain; version=0.0.4");
    });
    server.Get("/api/alarms", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string state = req.get_param_value("state");
      static const char* const states[] = {
          "", "active", "all", "received", "acknowledged", "resolved", "false_alarm"};
      bool ok = false;
      for (const char* s : states) ok = ok || state == s;
      if (!ok) {
        error(res, 400,
              "state: one of active, all, received, acknowledged, resolved, false_alarm "
              "expected, \"" +
                  state + "\" found");
        return;
      }
      with_db(res, [&](store& s) { reply(res, 200, json{{"alarms", s.alarms(state)}}); });
    });
    server.Get("/api/units", [this](const httplib::Request&, httplib::Response& res) {
      with_db(res, [&](store& s) { reply(res, 200, json{{"units", s.units()}}); });
    });
    server.Get(R"(/api/units/([0-9A-Fa-f]{1,12})/history)", [this](const httplib::Request& req,
                                                                   httplib::Response& res) {
      const std::uint64_t address = std::strtoull(req.matches[1].str().c_str(), nullptr, 16);
      std::int64_t limit = 100;
      if (req.has_param("limit")) {
        const std::string l = req.get_param_value("limit");
        // Digits only (strtoll would take "+5", " 5" and overflow to its limits).
        const bool digits =
            !l.empty() && l.size() <= 5 && l.find_first_not_of("0123456789") == std::string::npos;
        limit = digits ? std::stoll(l) : 0;
        if (!digits || limit < 1 || limit > 10000) {
          error(res, 400, "limit: an integer 1..10000 expected, \"" + l + "\" found");
          return;
        }
      }
      with_db(res, [&](store& s) {
        std::optional<json> h = s.history(address, limit);
        if (!h) {
          error(res, 404, "no unit with UITD address " + address_hex(address));
          return;
        }
        reply(res, 200, json{{"uitd", address_hex(address)}, {"events", *h}});
      });
    });
    // A duty check (查岗) to a connected UITD: {"minutes": 1..255} (default 10) to answer. 202
    // with the request's id; the UITD's confirm and its operator's answer (a UITD operation
    // record with bit 5, 查岗应答) are stored as events like any message.
    server.Post(R"(/api/units/([0-9A-Fa-f]{1,12})/duty_check)", [this](const httplib::Request& req,
                                                                       httplib::Response& res) {
      const std::uint64_t address = std::strtoull(req.matches[1].str().c_str(), nullptr, 16);
      json body = json::object();
      if (!req.body.empty() && !parse_object(req.body, body)) {
        error(res, 400, "a JSON object {\"minutes\": 1..255} expected");
        return;
      }
      if (const std::string k = unknown_key(body, {"minutes"}); !k.empty()) {
        error(res, 400, "unknown key " + json(k).dump() + ": {\"minutes\": 1..255} expected");
        return;
      }
      long long minutes = 10;
      if (const auto m = body.find("minutes"); m != body.end()) {
        if (!m->is_number_integer() || m->get<long long>() < 1 || m->get<long long>() > 255) {
          error(res, 400, "\"minutes\": an integer 1..255 expected");
          return;
        }
        minutes = m->get<long long>();
      }
      if (!duty_check) {
        error(res, 501, "this centre sends no duty checks");
        return;
      }
      std::uint64_t id = 0;
      const std::string why = duty_check(address, static_cast<unsigned>(minutes), id);
      if (!why.empty()) {
        error(res, 409, why);
        return;
      }
      reply(res, 202, json{{"uitd", address_hex(address)}, {"request", id}, {"minutes", minutes}});
    });
    server.Post(R"(/api/alarms/(\d{1,18})/(ack|resolve|false_alarm))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  const std::int64_t id = std::strtoll(req.matches[1].str().c_str(), nullptr, 10);
                  const std::string action = req.matches[2].str();
                  json body;
                  if (!parse_object(req.body, body)) {
                    error(res, 400, "a JSON object {\"operator\": ..., \"note\": ...} expected");
                    return;
                  }
                  if (const std::string k = unknown_key(body, {"operator", "note"}); !k.empty()) {
                    error(res, 400,
                          "unknown key " + json(k).dump() +
                              ": {\"operator\": ..., \"note\": ...} expected");
                    return;
                  }
                  const auto op = body.find("operator");
                  if (op == body.end() || !op->is_string() || op->get<std::string>().empty() ||
                      has_nul(op->get<std::string>())) {
                    error(res, 400, "\"operator\": a non-empty string (no NUL) expected");
                    return;
                  }
                  std::string note;
                  if (const auto n = body.find("note"); n != body.end() && !n->is_null()) {
                    if (!n->is_string() || has_nul(n->get<std::string>())) {
                      error(res, 400, "\"note\": a string (no NUL) expected");
                      return;
                    }
                    note = n->get<std::string>();
                  }
                  with_db(res, [&](store& s) {
                    std::string state;
                    switch (s.transition(id, action, op->get<std::string>(), note, &state)) {
                      case transition_result::ok:
                        reply(res, 200, s.alarm(id));
                        return;
                      case transition_result::not_found:
                        error(res, 404, "no alarm " + std::to_string(id));
                        return;
                      case transition_result::invalid_transition:
                        reply(res, 409,
                              json{{"error", "alarm " + std::to_string(id) + " is " + state + ": " +
                                                 action + " needs " +
                                                 (action == "ack" ? "received" : "acknowledged")},
                                   {"status", 409},
                                   {"state", state}});
                        return;
                    }
                  });
                });
    // A documented route asked with another method: 405 with Allow; a path that no route has:
    // 404. Registered last: httplib tries the handlers of a method in registration order.
    const auto fallback = [](const httplib::Request& req, httplib::Response& res) {
      struct known {
        std::regex path;
        const char* allow;
      };
      static const std::vector<known> paths = {
          {std::regex("/healthz"), "GET"},
          {std::regex("/metrics"), "GET"},
          {std::regex("/api/alarms"), "GET"},
          {std::regex("/api/units"), "GET"},
          {std::regex("/api/units/[^/]+/history"), "GET"},
          {std::regex("/api/units/[^/]+/duty_check"), "POST"},
          {std::regex("/api/alarms/[^/]+/(ack|resolve|false_alarm)"), "POST"},
      };
      for (const known& k : paths) {
        if (!std::regex_match(req.path, k.path)) continue;
        if (req.method == k.allow || (req.method == "HEAD" && std::string(k.allow) == "GET")) {
          break;  // the route's own pattern refused it (a bad id or address): 404
        }
        res.set_header("Allow", k.allow);
        error(res, 405, req.method + " " + req.path + ": only " + k.allow + " is allowed");
        return;
      }
      error(res, 404, "no such resource: " + req.method + " " + req.path);
    };
    server.Get(".*", fallback);
    server.Post(".*", fallback);
    server.Put(".*", fallback);
    server.Patch(".*", fallback);
    server.Delete(".*", fallback);
    server.Options(".*", fallback);
    // Operator actions are a few hundred bytes: a larger body is refused (413) before it is read
    // into memory (cpp-httplib's default has no limit).
    server.set_payload_max_length(max_body);
    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;  // a handler's own error body
      // cpp-httplib parses a form-encoded body (curl -d's default type) itself, and refuses one
      // above its own, smaller limit: say so, or "at most 65536" would puzzle at 9 KiB.
      const bool form =
          req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
      error(res, res.status,
            res.status == 404 ? "no such resource: " + req.method + " " + req.path
            : res.status == 413 && form
                ? "form-encoded body too large: at most " +
                      std::to_string(CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH) +
                      " bytes; send the JSON body as Content-Type: application/json"
            : res.status == 413 ? "body too large: at most " + std::to_string(max_body) + " bytes"
                                : "HTTP " + std::to_string(res.status));
    });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "internal error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          error(res, 500, what);
        });
  }
};

http_api::http_api(std::unique_ptr<store> db, std::function<std::string()> metrics,
                   duty_check_fn duty_check)
    : impl_(std::make_unique<impl>()) {
  impl_->db = std::move(db);
  impl_->metrics = std::move(metrics);
  impl_->duty_check = std::move(duty_check);
  impl_->routes();
}

http_api::~http_api() { stop(); }

void http_api::start(const std::string& host, std::uint16_t port) {
  impl& i = *impl_;
  if (port == 0) {
    i.port = i.server.bind_to_any_port(host);
  } else {
    i.port = i.server.bind_to_port(host, port) ? port : -1;
  }
  if (i.port <= 0) {
    throw std::runtime_error("HTTP: cannot listen on " + host + ":" + std::to_string(port));
  }
  i.thread = std::thread([&i] { i.server.listen_after_bind(); });
}

void http_api::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->server.stop();
  impl_->thread.join();
}

std::uint16_t http_api::port() const noexcept { return static_cast<std::uint16_t>(impl_->port); }

}  // namespace firebus_centre
