// firebus — fire-safety IoT SDK.
// The MQTT client on libmosquitto. libmosquitto is used without its own thread and without its
// own reconnect: one thread of ours polls the socket and an eventfd, runs mosquitto_loop_read/
// write/misc, and starts every connection afresh (mosquitto_reinitialise), so that each CONNECT
// carries a Will made for it and no publish of a lost connection is silently sent again.
// libmosquitto calls its callbacks with its callback mutex held: ours only record what happened
// and post it to the user's io_context, where the user's handlers run with no lock of firebus or
// libmosquitto held that the handler could need: only `exec`, which the destructor takes to wait
// for a handler running on another thread (see client::~client).
#include <mqtt_protocol.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <mosquitto.h>

#include <firebus/io/mqtt_client.hpp>

#include "exec_gate.hpp"
#include "mqtt_topic.hpp"

namespace firebus {
inline namespace v1 {
namespace mqtt {

namespace {

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

using detail::filter_ok;
using detail::topic_ok;

// CONNACK return code (3.1.1) or reason code (5) → errc.
errc refusal(int rc, protocol_version v) {
  if (v == protocol_version::v311) {
    switch (rc) {
      case 1:
        return errc::refused_protocol_version;
      case 2:
        return errc::refused_client_id;
      case 3:
        return errc::refused_server_unavailable;
      case 4:
        return errc::refused_bad_credentials;
      case 5:
        return errc::refused_not_authorised;
      default:
        return errc::refused_other;
    }
  }
  switch (rc) {
    case MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION:
      return errc::refused_protocol_version;
    case MQTT_RC_CLIENTID_NOT_VALID:
      return errc::refused_client_id;
    case MQTT_RC_BAD_USERNAME_OR_PASSWORD:
      return errc::refused_bad_credentials;
    case MQTT_RC_NOT_AUTHORIZED:
    case MQTT_RC_BANNED:
      return errc::refused_not_authorised;
    case MQTT_RC_SERVER_UNAVAILABLE:
    case MQTT_RC_SERVER_BUSY:
      return errc::refused_server_unavailable;
    default:
      return errc::refused_other;
  }
}

// Why mosquitto_publish() failed, as the report of its token.
std::error_code publish_failure(int rc) {
  switch (rc) {
    case MOSQ_ERR_NO_CONN:
    case MOSQ_ERR_CONN_LOST:
    case MOSQ_ERR_ERRNO:
      // Writing it failed: the connection is going down, and the broker may or may not have it
      // (a QoS 1 publish is queued before it is written). The journal sends it again.
      return make_error_code(errc::connection_lost);
    case MOSQ_ERR_OVERSIZE_PACKET:
    case MOSQ_ERR_PAYLOAD_SIZE:
      // Above the Maximum Packet Size the broker announced in its CONNACK (MQTT 5).
      return make_error_code(errc::payload_too_large);
    case MOSQ_ERR_QOS_NOT_SUPPORTED:
    case MOSQ_ERR_RETAIN_NOT_SUPPORTED:
      // The broker's CONNACK (MQTT 5) said it takes no such publish.
      return make_error_code(errc::publish_refused);
    default:
      return make_error_code(errc::protocol_error);
  }
}

template <class D>
int millis(D d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 1000LL * 60 * 60 * 24));
}

}  // namespace

std::error_code validate(const client_options& o, std::string* why) {
  auto bad = [&](const char* what) {
    if (why) *why = what;
    return make_error_code(errc::invalid_options);
  };
  if (o.host.empty()) return bad("host: empty");
  if (o.port == 0) return bad("port: must be > 0");
  if (o.client_id.empty() || o.client_id.size() > 65535) return bad("client_id: 1..65535 bytes");
  if (mosquitto_validate_utf8(o.client_id.data(), static_cast<int>(o.client_id.size())) !=
      MOSQ_ERR_SUCCESS) {
    return bad("client_id: not valid UTF-8");
  }
  if (o.version != protocol_version::v311 && o.version != protocol_version::v5) {
    return bad("version: 3.1.1 or 5");
  }
  if (o.keepalive < std::chrono::seconds(5) || o.keepalive > std::chrono::seconds(65535)) {
    return bad("keepalive: 5 s .. 65535 s");
  }
  if (o.password && !o.username) return bad("password: needs a username");
  if (o.tls && o.tls->key_file.empty() != o.tls->cert_file.empty()) {
    return bad("tls: cert_file and key_file go together");
  }
  if (o.connect_timeout <= duration::zero()) return bad("connect_timeout: must be > 0");
  if (o.reconnect_min <= duration::zero()) return bad("reconnect_min: must be > 0");
  if (o.reconnect_max < o.reconnect_min) return bad("reconnect_max: must be ≥ reconnect_min");
  if (!(o.reconnect_jitter >= 0.0 && o.reconnect_jitter < 1.0)) {
    return bad("reconnect_jitter: 0 ≤ j < 1");
  }
  if (o.max_inflight == 0) return bad("max_inflight: must be ≥ 1");
  // libmosquitto numbers publishes with 16-bit packet identifiers: more outstanding at once
  // would reuse an identifier still waiting for its PUBACK, and one PUBACK could report another
  // message as delivered.
  if (o.max_pending == 0 || o.max_pending > 65535) return bad("max_pending: 1 .. 65535");
  if (o.max_payload == 0 || o.max_payload > (256u << 20)) return bad("max_payload: 1 .. 256 MiB");
  if (why) why->clear();
  return {};
}

struct client::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& i, client_options o) : io(i), opt(std::move(o)) {}

  asio::io_context& io;
  const client_options opt;
  bool valid = false;

  connection_handler on_connection;
  message_handler on_message;
  published_handler on_published;

  // Shared between threads, under `m`. Never held while calling libmosquitto or user code.
  struct request {
    bool subscribe = false;
    std::uint64_t token = 0;
    std::string topic;
    std::vector<std::uint8_t> payload;
    int qos = 0;
    bool retain = false;
  };
  mutable std::mutex m;
  std::deque<request> requests;
  std::vector<std::pair<std::string, int>> subscriptions;
  std::size_t pending = 0;  // tokens issued and not yet reported
  std::uint64_t next_token = 1;
  bool stopping = false;
  client_counters ctr;
  std::thread thread;
  std::atomic<bool> up{false};
  std::atomic<bool> closed{false};  // set by the destructor: posted handlers do nothing
  // Held by every posted handler while it looks at `closed` and runs the user's callback, and by
  // the destructor once `closed` is set: a callback running on another thread is waited for.
  // Recursive: a callback may destroy its client (the io thread then holds it already). Taken
  // before `m`, never with it.
  using exec_lock = io_detail::exec_lock;
  io_detail::exec_mutex exec;
  exec_lock enter() { return exec_lock(exec); }
  int wake_fd = -1;

  // The client's thread only (libmosquitto's callbacks run there too).
  struct mosquitto* mosq = nullptr;
  std::unordered_map<int, std::uint64_t> in_flight;  // mid → token
  std::unordered_map<int, int> early;  // mid → reason: acknowledged before publish() returned
  bool connack = false;
  int connack_rc = 0;
  bool session_present = false;
  int last_errno = 0;      // errno of the attempt's socket error, if any
  std::string log_errors;  // libmosquitto's error log lines of this attempt (TLS reasons)
  // The Will of the current attempt, kept for the next one while no CONNECT has gone out.
  std::optional<will_message> kept_will;
  bool will_kept = false;
  bool connect_left = false;  // this attempt's CONNECT was written (or answered)
  std::minstd_rand rng{std::random_device{}()};

  ~impl() {
    if (mosq) mosquitto_destroy(mosq);
    if (wake_fd >= 0) ::close(wake_fd);
  }

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd, &one, sizeof one);
  }

  // ---- reports to the io_context ----------------------------------------------------------
  template <class F>
  void guarded(F&& f) {
    try {
      f();
    } catch (...) {
      std::lock_guard<std::mutex> lock(m);
      ++ctr.callback_errors;
    }
  }

  void report_published(std::uint64_t token, std::error_code ec) {
    {
      std::lock_guard<std::mutex> lock(m);
      if (ec) {
        ++ctr.publish_failures;
      } else {
        ++ctr.published;
      }
    }
    asio::post(io, [w = weak_from_this(), token, ec] {
      auto s = w.lock();
      if (!s) return;
      {
        std::lock_guard<std::mutex> lock(s->m);
        if (s->pending > 0) --s->pending;
      }
      const exec_lock g = s->enter();
      if (s->closed.load() || !s->on_published) return;
      s->guarded([&] { s->on_published(token, ec); });
    });
  }

  void report_connection(connection_event e) {
    asio::post(io, [w = weak_from_this(), e = std::move(e)] {
      auto s = w.lock();
      if (!s) return;
      const exec_lock g = s->enter();
      if (s->closed.load() || !s->on_connection) return;
      s->guarded([&] { s->on_connection(e); });
    });
  }

  // ---- libmosquitto callbacks (client thread, libmosquitto's callback mutex held) ----------
  static impl& self(void* obj) { return *static_cast<impl*>(obj); }

  static void cb_connect(struct mosquitto*, void* obj, int rc, int flags,
                         const mosquitto_property*) {
    auto& s = self(obj);
    s.connack = true;
    s.connack_rc = rc;
    s.session_present = (flags & 1) != 0;
  }

  static void cb_publish(struct mosquitto*, void* obj, int mid, int reason,
                         const mosquitto_property*) {
    auto& s = self(obj);
    const auto it = s.in_flight.find(mid);
    if (it == s.in_flight.end()) {
      s.early[mid] = reason;  // QoS 0: written inside mosquitto_publish(), before we know mid
      return;
    }
    const std::uint64_t token = it->second;
    s.in_flight.erase(it);
    s.report_published(token,
                       reason >= 0x80 ? make_error_code(errc::publish_refused) : std::error_code{});
  }

  static void cb_message(struct mosquitto*, void* obj, const struct mosquitto_message* msg,
                         const mosquitto_property*) {
    auto& s = self(obj);
    message out;
    out.topic = msg->topic ? msg->topic : "";
    if (msg->payload && msg->payloadlen > 0) {
      const auto* p = static_cast<const std::uint8_t*>(msg->payload);
      out.payload.assign(p, p + msg->payloadlen);
    }
    out.qos = msg->qos;
    out.retain = msg->retain;
    {
      std::lock_guard<std::mutex> lock(s.m);
      ++s.ctr.received;
    }
    asio::post(s.io, [w = s.weak_from_this(), out = std::move(out)] {
      auto p = w.lock();
      if (!p) return;
      const exec_lock g = p->enter();
      if (p->closed.load() || !p->on_message) return;
      p->guarded([&] { p->on_message(out); });
    });
  }

  static void cb_log(struct mosquitto*, void* obj, int level, const char* text) {
    auto& s = self(obj);
    if ((level & MOSQ_LOG_ERR) == 0 || text == nullptr) return;
    if (s.log_errors.size() > 2048) return;  // bounded: the first lines say why
    if (!s.log_errors.empty()) s.log_errors += "; ";
    s.log_errors += text;
  }

  // ---- the client's thread ------------------------------------------------------------------
  // Sets up a fresh libmosquitto state for one connection attempt.
  std::error_code prepare(std::string& detail) {
    if (mosq == nullptr) {
      mosq = mosquitto_new(opt.client_id.c_str(), opt.clean_session, this);
      if (mosq == nullptr) return std::make_error_code(std::errc::not_enough_memory);
    } else if (mosquitto_reinitialise(mosq, opt.client_id.c_str(), opt.clean_session, this) !=
               MOSQ_ERR_SUCCESS) {
      return std::make_error_code(std::errc::not_enough_memory);
    }
    mosquitto_int_option(
        mosq, MOSQ_OPT_PROTOCOL_VERSION,
        opt.version == protocol_version::v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
    mosquitto_int_option(mosq, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_max_inflight_messages_set(mosq, opt.max_inflight);
    mosquitto_connect_v5_callback_set(mosq, &cb_connect);
    mosquitto_publish_v5_callback_set(mosq, &cb_publish);
    mosquitto_message_v5_callback_set(mosq, &cb_message);
    mosquitto_log_callback_set(mosq, &cb_log);
    if (opt.username) {
      const char* pw = opt.password ? opt.password->c_str() : nullptr;
      if (mosquitto_username_pw_set(mosq, opt.username->c_str(), pw) != MOSQ_ERR_SUCCESS) {
        detail = "username or password rejected by libmosquitto";
        return make_error_code(errc::invalid_options);
      }
    }
    if (opt.tls) {
      const auto& t = *opt.tls;
      auto str = [](const std::string& v) { return v.empty() ? nullptr : v.c_str(); };
      int rc = MOSQ_ERR_SUCCESS;
      if (t.ca_file.empty() && t.ca_path.empty()) {
        rc = mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
      } else {
        rc = mosquitto_tls_set(mosq, str(t.ca_file), str(t.ca_path), str(t.cert_file),
                               str(t.key_file), nullptr);
      }
      if (rc == MOSQ_ERR_SUCCESS) {
        rc = mosquitto_tls_opts_set(mosq, 1 /* SSL_VERIFY_PEER */, str(t.version), str(t.ciphers));
      }
      if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_tls_insecure_set(mosq, t.insecure_skip_hostname);
      if (rc != MOSQ_ERR_SUCCESS) {
        detail = std::string("TLS settings: ") + mosquitto_strerror(rc) +
                 " (are the CA, certificate and key files readable?)";
        return make_error_code(errc::tls_error);
      }
    }
    if (opt.will) {
      // A Will is asked for each CONNECT that goes out: an attempt whose CONNECT never left
      // (no TCP connection, a failed TLS handshake) hands its Will to the next attempt, so
      // that a provider numbering CONNECTs (Sparkplug's bdSeq) counts only those the broker saw.
      if (!will_kept) {
        kept_will.reset();
        try {
          kept_will = opt.will();
        } catch (...) {
          std::lock_guard<std::mutex> lock(m);
          ++ctr.callback_errors;
        }
        will_kept = true;
      }
      const std::optional<will_message>& w = kept_will;
      if (w) {
        if (!topic_ok(w->topic) || (w->qos != 0 && w->qos != 1) ||
            w->payload.size() > opt.max_payload) {
          detail = "the Will's topic, qos or size is not valid";
          return make_error_code(errc::invalid_options);
        }
        if (mosquitto_will_set(mosq, w->topic.c_str(), static_cast<int>(w->payload.size()),
                               w->payload.data(), w->qos, w->retain) != MOSQ_ERR_SUCCESS) {
          detail = "the Will was refused by libmosquitto";
          return make_error_code(errc::invalid_options);
        }
      }
    }
    return {};
  }

  // Fails every publish of the ended connection and every request not yet handled.
  void fail_outstanding(std::error_code ec) {
    for (const auto& [mid, token] : in_flight) report_published(token, ec);
    in_flight.clear();
    early.clear();
    std::deque<request> left;
    {
      std::lock_guard<std::mutex> lock(m);
      left.swap(requests);
    }
    for (const auto& r : left) {
      if (!r.subscribe) report_published(r.token, ec);
    }
  }

  void handle_requests() {
    std::deque<request> todo;
    {
      std::lock_guard<std::mutex> lock(m);
      todo.swap(requests);
    }
    for (auto& r : todo) {
      if (r.subscribe) {
        mosquitto_subscribe(mosq, nullptr, r.topic.c_str(), r.qos);
        continue;
      }
      int mid = 0;
      const int rc =
          mosquitto_publish(mosq, &mid, r.topic.c_str(), static_cast<int>(r.payload.size()),
                            r.payload.data(), r.qos, r.retain);
      if (rc != MOSQ_ERR_SUCCESS) {
        report_published(r.token, publish_failure(rc));
        continue;
      }
      const auto e = early.find(mid);
      if (e != early.end()) {
        const int reason = e->second;
        early.erase(e);
        report_published(
            r.token, reason >= 0x80 ? make_error_code(errc::publish_refused) : std::error_code{});
      } else {
        in_flight[mid] = r.token;
      }
    }
  }

  bool is_stopping() const {
    std::lock_guard<std::mutex> lock(m);
    return stopping;
  }

  void drain_wake() const {
    std::uint64_t v = 0;
    [[maybe_unused]] const auto n = ::read(wake_fd, &v, sizeof v);
  }

  // Waits `d` or until stop(); true when stopping.
  bool sleep_for(duration d) {
    const auto until = std::chrono::steady_clock::now() + d;
    for (;;) {
      if (is_stopping()) return true;
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return false;
      pollfd p{wake_fd, POLLIN, 0};
      ::poll(&p, 1, std::max(1, millis(until - now)));
      if (p.revents & POLLIN) drain_wake();
    }
  }

  // One connection, from CONNECT to its end. Returns true when it was established.
  bool connect_once() {
    connect_left = false;
    connack = false;
    connack_rc = 0;
    session_present = false;
    log_errors.clear();
    last_errno = 0;
    std::string detail;
    std::error_code ec = prepare(detail);
    if (!ec) {
      const int keepalive =
          static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(opt.keepalive).count());
      errno = 0;
      const int rc = mosquitto_connect_async(mosq, opt.host.c_str(), opt.port, keepalive);
      if (rc == MOSQ_ERR_EAI) {
        ec = make_error_code(errc::resolve_failed);
        detail = "cannot resolve " + opt.host;
      } else if (rc == MOSQ_ERR_TLS) {
        ec = make_error_code(errc::tls_error);
      } else if (rc == MOSQ_ERR_ERRNO) {
        last_errno = errno;
        ec = make_error_code(errc::connect_failed);
        detail = std::strerror(errno);
      } else if (rc != MOSQ_ERR_SUCCESS) {
        ec = make_error_code(errc::connect_failed);
        detail = mosquitto_strerror(rc);
      }
    }
    bool established = false;
    if (!ec) ec = run_connection(established, detail);
    // The next attempt asks for a new Will only if this one's CONNECT went out (a failed TLS
    // handshake comes before it, whatever libmosquitto's queue says).
    if (connack || (connect_left && ec != errc::tls_error)) will_kept = false;
    if (!log_errors.empty()) {
      if (!detail.empty()) detail += "; ";
      detail += log_errors;
    }
    // A connection that ends before its CONNACK with OpenSSL errors in the log failed its TLS
    // handshake (a refused client certificate shows up only as a lost connection otherwise).
    // libmosquitto reports an alert from the broker (a client certificate refused, or missing
    // where one is required) as EPROTO, without a log line.
    if (!established && opt.tls &&
        (log_errors.find("SSL") != std::string::npos || last_errno == EPROTO) &&
        (ec == errc::connection_lost || ec == errc::connect_failed)) {
      ec = make_error_code(errc::tls_error);
      if (last_errno == EPROTO && log_errors.empty()) {
        detail =
            "the broker ended the TLS session during the handshake: it does not accept "
            "this client's certificate, or requires one";
      }
    }
    if (mosq) mosquitto_disconnect(mosq);
    up.store(false);
    fail_outstanding(ec == errc::stopped ? make_error_code(errc::stopped)
                                         : make_error_code(errc::connection_lost));
    {
      std::lock_guard<std::mutex> lock(m);
      if (established) {
        ++ctr.disconnects;
      } else {
        ++ctr.connect_failures;
      }
    }
    if (established || ec != errc::stopped) {
      connection_event e;
      e.up = false;
      e.error = ec;
      e.detail = std::move(detail);
      report_connection(std::move(e));
    }
    return established;
  }

  std::error_code run_connection(bool& established, std::string& detail) {
    const auto deadline = std::chrono::steady_clock::now() + opt.connect_timeout;
    for (;;) {
      if (is_stopping()) {
        if (established) {
          handle_requests();
          mosquitto_disconnect(mosq);
          mosquitto_loop_write(mosq, 1);
        }
        return make_error_code(errc::stopped);
      }
      if (established) handle_requests();
      const int sock = mosquitto_socket(mosq);
      if (sock < 0) return make_error_code(errc::connection_lost);
      pollfd p[2] = {
          {sock, static_cast<short>(POLLIN | (mosquitto_want_write(mosq) ? POLLOUT : 0)), 0},
          {wake_fd, POLLIN, 0}};
      int timeout = 1000;
      if (!established) {
        timeout =
            std::max(1, std::min(timeout, millis(deadline - std::chrono::steady_clock::now())));
      }
      if (::poll(p, 2, timeout) < 0 && errno != EINTR) {
        detail = std::strerror(errno);
        return make_error_code(errc::connection_lost);
      }
      if (p[1].revents & POLLIN) drain_wake();
      int rc = MOSQ_ERR_SUCCESS;
      if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) rc = mosquitto_loop_read(mosq, 1);
      if (rc == MOSQ_ERR_SUCCESS && ((p[0].revents & POLLOUT) || mosquitto_want_write(mosq))) {
        rc = mosquitto_loop_write(mosq, 1);
      }
      if (rc == MOSQ_ERR_SUCCESS) rc = mosquitto_loop_misc(mosq);
      // The CONNECT is queued when the attempt starts and written once the connection (and its
      // TLS handshake) is up: nothing left to write means it has gone out.
      if (rc == MOSQ_ERR_SUCCESS && !connect_left && !mosquitto_want_write(mosq)) {
        connect_left = true;
      }
      if (connack && !established) {
        if (connack_rc != 0) {
          const char* why = opt.version == protocol_version::v5
                                ? mosquitto_reason_string(connack_rc)
                                : mosquitto_connack_string(connack_rc);
          detail = why ? why : "";
          return make_error_code(refusal(connack_rc, opt.version));
        }
        established = true;
        up.store(true);
        {
          std::lock_guard<std::mutex> lock(m);
          ++ctr.connects;
        }
        std::vector<std::pair<std::string, int>> subs;
        {
          std::lock_guard<std::mutex> lock(m);
          subs = subscriptions;
        }
        for (const auto& [filter, qos] : subs) {
          mosquitto_subscribe(mosq, nullptr, filter.c_str(), qos);
        }
        connection_event e;
        e.up = true;
        e.session_present = session_present;
        e.will = kept_will;  // the Will of this CONNECT (client thread: kept_will is ours)
        report_connection(std::move(e));
        continue;
      }
      if (rc != MOSQ_ERR_SUCCESS) {
        if (rc == MOSQ_ERR_KEEPALIVE) return make_error_code(errc::keepalive_timeout);
        if (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE) {
          return make_error_code(established ? errc::connection_lost : errc::tls_error);
        }
        if (rc == MOSQ_ERR_PROTOCOL || rc == MOSQ_ERR_MALFORMED_PACKET) {
          detail = mosquitto_strerror(rc);
          return make_error_code(errc::protocol_error);
        }
        if (rc == MOSQ_ERR_ERRNO && errno != 0) {
          last_errno = errno;
          detail = std::strerror(errno);
        }
        return make_error_code(established || connack ? errc::connection_lost
                                                      : errc::connect_failed);
      }
      if (!established && std::chrono::steady_clock::now() >= deadline) {
        return make_error_code(errc::connect_timeout);
      }
    }
  }

  duration jittered(duration d) {
    std::uniform_real_distribution<double> f(1.0 - opt.reconnect_jitter, 1.0);
    return std::chrono::duration_cast<duration>(d * f(rng));
  }

  void run() {
    duration delay = opt.reconnect_min;
    while (!is_stopping()) {
      if (connect_once()) delay = opt.reconnect_min;
      if (sleep_for(jittered(delay))) break;
      delay = std::min(delay * 2, opt.reconnect_max);
    }
    fail_outstanding(make_error_code(errc::stopped));
  }
};

client::client(asio::io_context& io, client_options options, std::error_code& ec)
    : impl_(std::make_shared<impl>(io, std::move(options))) {
  ec = validate(impl_->opt);
  impl_->valid = !ec;
  if (ec) return;
  library_init();
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->wake_fd < 0) {
    ec = std::error_code(errno, std::generic_category());
    impl_->valid = false;
  }
}

#if FIREBUS_HAS_EXCEPTIONS
client::client(asio::io_context& io, client_options options)
    : impl_(std::make_shared<impl>(io, std::move(options))) {
  std::string why;
  const std::error_code ec = validate(impl_->opt, &why);
  if (ec) firebus::detail::throw_error(ec, "MQTT client options: " + why);
  library_init();
  impl_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl_->wake_fd < 0) {
    firebus::detail::throw_error(std::error_code(errno, std::generic_category()),
                                 "MQTT client: eventfd");
  }
  impl_->valid = true;
}
#endif

client::~client() {
  // From here on no callback starts. One running on another thread (the io_context's) holds
  // `exec`: wait for it, so that none is running once the destructor returns. From inside a
  // callback, on the io thread, `exec` is already ours and is taken again at once.
  impl_->closed.store(true);
  stop();
  const io_detail::exec_lock g = io_detail::wait_for_callbacks(impl_->exec, "mqtt::client");
}

void client::on_connection(connection_handler h) { impl_->on_connection = std::move(h); }
void client::on_message(message_handler h) { impl_->on_message = std::move(h); }
void client::on_published(published_handler h) { impl_->on_published = std::move(h); }

void client::start() {
  auto& s = *impl_;
  if (!s.valid) return;
  std::lock_guard<std::mutex> lock(s.m);
  if (s.thread.joinable()) return;
  s.stopping = false;
  s.thread = std::thread([p = impl_] { p->run(); });
}

void client::stop() {
  auto& s = *impl_;
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(s.m);
    if (!s.thread.joinable()) return;
    s.stopping = true;
    t = std::move(s.thread);
  }
  s.wake();
  if (t.get_id() == std::this_thread::get_id()) {
    t.detach();  // stop() from the Will provider: the thread ends by itself
    return;
  }
  t.join();
}

std::uint64_t client::publish(std::string_view topic, const std::uint8_t* payload, std::size_t size,
                              int qos, bool retain, std::error_code& ec) {
  auto& s = *impl_;
  if (!topic_ok(topic)) {
    ec = make_error_code(errc::invalid_topic);
    return 0;
  }
  if (qos != 0 && qos != 1) {
    ec = make_error_code(errc::invalid_options);
    return 0;
  }
  if (size > s.opt.max_payload || (size > 0 && payload == nullptr)) {
    ec = make_error_code(errc::payload_too_large);
    return 0;
  }
  std::uint64_t token = 0;
  impl::request r;
  r.topic = std::string(topic);
  if (size > 0) r.payload.assign(payload, payload + size);
  r.qos = qos;
  r.retain = retain;
  {
    std::lock_guard<std::mutex> lock(s.m);
    if (!s.valid || s.stopping || !s.thread.joinable()) {
      ec = make_error_code(errc::stopped);
      return 0;
    }
    if (!s.up.load()) {
      ec = make_error_code(errc::not_connected);
      return 0;
    }
    if (s.pending >= s.opt.max_pending) {
      ec = make_error_code(errc::queue_full);
      return 0;
    }
    token = s.next_token++;
    r.token = token;
    ++s.pending;
    s.requests.push_back(std::move(r));
  }
  s.wake();
  ec.clear();
  return token;
}

void client::subscribe(std::string_view filter, int qos, std::error_code& ec) {
  auto& s = *impl_;
  if (!filter_ok(filter)) {
    ec = make_error_code(errc::invalid_topic);
    return;
  }
  if (qos != 0 && qos != 1) {
    ec = make_error_code(errc::invalid_options);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s.m);
    s.subscriptions.emplace_back(std::string(filter), qos);
    if (s.up.load()) {
      impl::request r;
      r.subscribe = true;
      r.topic = std::string(filter);
      r.qos = qos;
      s.requests.push_back(std::move(r));
    }
  }
  s.wake();
  ec.clear();
}

bool client::connected() const noexcept { return impl_->up.load(); }

client_counters client::counters() const {
  std::lock_guard<std::mutex> lock(impl_->m);
  return impl_->ctr;
}

}  // namespace mqtt
}  // namespace v1
}  // namespace firebus
