// firebus — fire-safety IoT SDK.
// A real MQTT broker for the integration tests: Debian's mosquitto, started on 127.0.0.1 with a
// generated configuration (plain, TLS with a CA and client certificates made by the openssl CLI,
// user name and password), stopped and restarted by the tests.
#ifndef FIREBUS_TESTS_MQTT_BROKER_HPP
#define FIREBUS_TESTS_MQTT_BROKER_HPP

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

namespace firebus_test {

inline std::string mosquitto_binary() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return {};
}

inline std::uint16_t free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

inline void run(const std::string& cmd) {
  if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("command failed: " + cmd);
  }
}

// A scratch directory, removed at the end.
struct temp_dir {
  std::string path;
  temp_dir() {
    char t[] = "/tmp/firebus-test-XXXXXX";
    if (::mkdtemp(t) == nullptr) throw std::runtime_error("mkdtemp");
    path = t;
  }
  ~temp_dir() { std::system(("rm -rf '" + path + "'").c_str()); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

// Certificates for the TLS tests, made with the openssl CLI: a CA, a server certificate for
// localhost/127.0.0.1, a client certificate, and a second, unrelated CA with a client
// certificate of its own (the "wrong" ones).
struct test_pki {
  temp_dir dir;
  std::string ca, server_cert, server_key, client_cert, client_key;
  std::string other_ca, other_client_cert, other_client_key;

  test_pki() {
    const std::string d = dir.path;
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    auto make_ca = [&](const std::string& name) {
      run("openssl req -x509 " + key + " -keyout " + d + "/" + name + ".key -out " + d + "/" +
          name + ".crt -days 2 -subj '/CN=firebus test " + name + "'");
    };
    auto make_cert = [&](const std::string& name, const std::string& ca_name, const std::string& cn,
                         const std::string& ext) {
      run("openssl req " + key + " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
          ".csr -subj '/CN=" + cn + "'");
      std::ofstream(d + "/" + name + ".ext") << ext << "\n";
      run("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/" + ca_name +
          ".crt -CAkey " + d + "/" + ca_name + ".key -CAcreateserial -days 2 -out " + d + "/" +
          name + ".crt -extfile " + d + "/" + name + ".ext");
    };
    make_ca("ca");
    make_ca("other");
    make_cert("server", "ca", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    make_cert("client", "ca", "firebus-client", "extendedKeyUsage=clientAuth");
    make_cert("otherclient", "other", "firebus-client", "extendedKeyUsage=clientAuth");
    ca = d + "/ca.crt";
    server_cert = d + "/server.crt";
    server_key = d + "/server.key";
    client_cert = d + "/client.crt";
    client_key = d + "/client.key";
    other_ca = d + "/other.crt";
    other_client_cert = d + "/otherclient.crt";
    other_client_key = d + "/otherclient.key";
  }
};

struct broker_config {
  bool tls = false;
  bool require_certificate = false;
  const test_pki* pki = nullptr;
  std::string username;  // non-empty: authentication required
  std::string password;
  // Keep sessions and queued messages across a clean stop (SIGTERM) and restart, without a
  // bound on the queue (a persistent subscriber of the delivery tests misses nothing).
  bool persistence = false;
  // An ACL file's content (for anonymous clients: lines before any "user" line), e.g. to make
  // the broker refuse publishes on a topic (an MQTT 5 PUBACK with reason "not authorised").
  std::string acl;
  // More configuration lines, as they are (e.g. "max_packet_size 2000\n").
  std::string extra;
};

// One mosquitto process. start() waits until it accepts connections.
class mosquitto_broker {
 public:
  explicit mosquitto_broker(broker_config c = {}) : config_(std::move(c)), port_(free_port()) {
    write_config();
    start();
  }
  ~mosquitto_broker() { stop(); }
  mosquitto_broker(const mosquitto_broker&) = delete;
  mosquitto_broker& operator=(const mosquitto_broker&) = delete;

  std::uint16_t port() const { return port_; }
  std::string log() const {
    std::ifstream f(dir_.path + "/broker.log");
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }

  void start() {
    if (pid_ > 0) return;
    const std::string bin = mosquitto_binary();
    if (bin.empty())
      throw std::runtime_error("mosquitto not installed (apt-get install mosquitto)");
    const std::string conf = dir_.path + "/mosquitto.conf";
    pid_ = ::fork();
    if (pid_ == 0) {
      const std::string logfile = dir_.path + "/broker.log";
      std::freopen(logfile.c_str(), "a", stderr);
      std::freopen(logfile.c_str(), "a", stdout);
      ::execl(bin.c_str(), "mosquitto", "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // Ready when the port accepts a TCP connection.
    for (int i = 0; i < 200; ++i) {
      const int s = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port_);
      const bool ok = ::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(s);
      if (ok) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("mosquitto did not start: " + log());
  }

  // SIGKILL: the broker vanishes as in a crash (no DISCONNECT to anyone).
  void stop(int sig = SIGKILL) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  void write_config() {
    std::ofstream f(dir_.path + "/mosquitto.conf");
    f << "user root\nlog_dest stderr\nlog_type error\nlog_type warning\n"
      << "log_type notice\nlistener " << port_ << " 127.0.0.1\n";
    if (config_.persistence) {
      f << "persistence true\npersistence_location " << dir_.path
        << "/\nmax_queued_messages 0\nmax_queued_bytes 0\n";
    } else {
      f << "persistence false\n";
    }
    if (!config_.username.empty()) {
      const std::string pw = dir_.path + "/passwd";
      run("mosquitto_passwd -b -c " + pw + " " + config_.username + " " + config_.password);
      f << "allow_anonymous false\npassword_file " << pw << "\n";
    } else {
      f << "allow_anonymous true\n";
    }
    if (!config_.acl.empty()) {
      const std::string acl = dir_.path + "/acl";
      std::ofstream(acl) << config_.acl;
      f << "acl_file " << acl << "\n";
    }
    f << config_.extra;
    if (config_.tls) {
      f << "cafile " << config_.pki->ca << "\ncertfile " << config_.pki->server_cert << "\nkeyfile "
        << config_.pki->server_key << "\n";
      if (config_.require_certificate) f << "require_certificate true\n";
    }
  }

  broker_config config_;
  temp_dir dir_;
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace firebus_test

#endif  // FIREBUS_TESTS_MQTT_BROKER_HPP
