// firebus — fire-safety IoT SDK.
// firebus-gateway: Modbus field devices → alarm engine → MQTT and GB/T 26875.3 uplinks
// (docs/gateway.md).
//
//   firebus-gateway --config gateway.json [--json] [--drain-s 10]
//   firebus-gateway --check gateway.json      (check the configuration and exit)
//
// SIGTERM/SIGINT: graceful stop (telemetry and the engine's snapshot written, journals drained
// for up to --drain-s). SIGHUP: reload the configuration (or refuse it, with the reason).
// Exit codes: 0 stopped, 1 could not start, 2 bad arguments or configuration.
#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <thread>

#include <asio.hpp>

#include "config.hpp"
#include "gateway.hpp"

namespace {

int usage(const char* msg) {
  if (msg) std::cerr << "firebus-gateway: " << msg << '\n';
  std::cerr << "usage: firebus-gateway --config FILE [--json] [--drain-s SECONDS]\n"
               "       firebus-gateway --check FILE\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  bool json = false;
  double drain_s = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--config" || a == "--check") && i + 1 < argc) {
      config_path = argv[++i];
      check_only = a == "--check";
    } else if (a == "--json") {
      json = true;
    } else if (a == "--drain-s" && i + 1 < argc) {
      char* end = nullptr;
      drain_s = std::strtod(argv[++i], &end);
      if (!end || *end || !(drain_s >= 0 && drain_s <= 3600)) return usage("--drain-s: 0..3600");
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
      return 0;
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  if (config_path.empty()) return usage("--config is required");

  fbgw::gateway_config cfg;
  fbgw::config_error err;
  if (!fbgw::load_config(config_path, cfg, err)) {
    std::cerr << "firebus-gateway: " << err.what() << '\n';
    return 2;
  }
  asio::io_context io;
  fbgw::gateway_options opt;
  opt.json = json;
#ifdef FIREBUS_GATEWAY_SOURCE_PROFILES
  opt.default_profile_dir = FIREBUS_GATEWAY_SOURCE_PROFILES;
#elif defined(FIREBUS_GATEWAY_INSTALLED_PROFILES)
  opt.default_profile_dir = FIREBUS_GATEWAY_INSTALLED_PROFILES;
#endif
  if (check_only) {
    // Everything start() would refuse in the configuration itself (profiles, rules, zones, GB
    // points), so that --check is a deployment gate; buses and uplinks are not contacted.
    fbgw::gateway probe(io, cfg, opt);
    std::string why;
    if (!probe.check(why)) {
      std::cerr << "firebus-gateway: " << config_path << ": " << why << '\n';
      return 2;
    }
    std::cout << config_path << ": ok (" << cfg.buses.size() << " buses, " << cfg.devices.size()
              << " devices)\n";
    return 0;
  }

  auto gw = std::make_unique<fbgw::gateway>(io, cfg, opt);

  // /metrics (Prometheus text) and /healthz on localhost, on the HTTP library's own threads.
  httplib::Server http;
  std::thread http_thread;
  bool http_bound = false;
  std::string http_error;
  std::mutex http_mu;
  std::condition_variable http_cv;
  bool http_stopping = false;          // under http_mu
  std::atomic<bool> http_done{false};  // the HTTP thread has nothing left to do
  const std::chrono::seconds http_retry(10);
  const auto colon = cfg.metrics_listen.rfind(':');
  const std::string host = cfg.metrics_listen.substr(0, colon);
  const int port =
      cfg.metrics_listen.empty() ? 0 : std::atoi(cfg.metrics_listen.c_str() + colon + 1);
  if (!cfg.metrics_listen.empty()) {
    fbgw::gateway* g = gw.get();
    http.Get("/metrics", [g](const httplib::Request&, httplib::Response& res) {
      res.set_content(g->metrics(), "text/plain; version=0.0.4");
    });
    http.Get("/api/alarms", [g](const httplib::Request&, httplib::Response& res) {
      res.set_content(g->active_json(), "application/json");
    });
    // An operator's command: {"command": "reset", "point": "dp1/IR3", "operator": 1}. Runs on
    // the gateway's thread; the answer waits for it (at most 5 s).
    http.Post("/api/command", [g](const httplib::Request& req, httplib::Response& res) {
      auto result = std::make_shared<std::promise<std::string>>();
      auto answer = result->get_future();
      g->command(req.body, [result](std::string reason) { result->set_value(std::move(reason)); });
      if (answer.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        res.status = 503;
        res.set_content("{\"error\":\"the gateway did not answer\"}", "application/json");
        return;
      }
      const std::string refused = answer.get();
      res.status = refused.empty() ? 200 : 400;
      nlohmann::json body =
          refused.empty() ? nlohmann::json{{"ok", true}} : nlohmann::json{{"error", refused}};
      // The reason may quote the body's bytes (a JSON parser's "last read"): not always UTF-8.
      res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      "application/json");
    });
    // A command is a few hundred bytes: a larger body is refused (413) before it is read into
    // memory (cpp-httplib's default has no limit).
    http.set_payload_max_length(64 * 1024);
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.status == 413 && res.body.empty()) {
        res.set_content("{\"error\":\"body too large: at most 65536 bytes\"}", "application/json");
      }
    });
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    errno = 0;
    http_bound = http.bind_to_port(host.c_str(), port);
    if (!http_bound) {
      http_error = errno != 0 ? std::generic_category().message(errno) : "refused";
      std::cerr << "firebus-gateway: cannot listen on " << cfg.metrics_listen
                << " (metrics): " << http_error << "; running without it, trying again every "
                << http_retry.count() << " s\n";
    }
  }
  // The port is bound (and listening: connections wait in its backlog) before the gateway says
  // "started", so that whoever waits for that line can reach the endpoint at once; requests are
  // served once the gateway has started.
  std::string why;
  if (!gw->start(why)) {
    std::cerr << "firebus-gateway: cannot start: " << why << '\n';
    return 1;
  }
  // The endpoint serves operators and monitoring, not the safety function: a port another
  // program holds (9100 is also node_exporter's) must not keep the gateway, and every alarm,
  // from running. It runs without it, under its own fault, and takes the port when it is free.
  if (!cfg.metrics_listen.empty()) {
    fbgw::gateway* g = gw.get();
    const std::string cause = "HTTP endpoint " + cfg.metrics_listen;
    if (!http_bound) g->raise_fault(cause, "cannot listen: " + http_error);
    http_thread = std::thread([&, g, cause] {
      if (!http_bound) {
        std::unique_lock<std::mutex> lock(http_mu);
        for (;;) {
          if (http_cv.wait_for(lock, http_retry, [&] { return http_stopping; })) {
            http_done = true;
            return;
          }
          if (http.bind_to_port(host.c_str(), port)) break;
        }
        lock.unlock();
        std::cerr << "firebus-gateway: listening on " << cfg.metrics_listen << " (metrics)\n";
        g->clear_fault(cause);
      }
      http.listen_after_bind();
      http_done = true;
    });
  }

  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void(const std::error_code&, int)> on_signal;
  bool stopping = false;
  on_signal = [&](const std::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      fbgw::gateway_config next;
      fbgw::config_error e;
      std::string reason;
      if (!fbgw::load_config(config_path, next, e)) {
        std::cerr << "firebus-gateway: reload refused: " << e.what() << '\n';
      } else if (!gw->reload(next, reason)) {
        std::cerr << "firebus-gateway: reload refused: " << reason << '\n';
      }
      signals.async_wait(on_signal);
      return;
    }
    if (stopping) return;
    stopping = true;
    gw->stop(std::chrono::duration_cast<firebus::duration>(std::chrono::duration<double>(drain_s)),
             [&] {
               signals.cancel();
               io.stop();
             });
  };
  signals.async_wait(on_signal);
  io.run();
  if (http_thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(http_mu);
      http_stopping = true;
    }
    http_cv.notify_all();
    // (cpp-httplib's stop() does nothing until the listening loop has begun: repeat it.)
    while (!http_done) {
      http.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    http_thread.join();
  }
  gw.reset();
  return 0;
}
