// firebus — fire-safety IoT SDK.
// Helpers for the tests of firebus-centre: a real PostgreSQL server in a temporary directory, the
// centre as a child process, a raw UITD on a blocking socket, ADUs.
#ifndef FIREBUS_TESTS_CENTRE_TEST_UTIL_HPP
#define FIREBUS_TESTS_CENTRE_TEST_UTIL_HPP

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <firebus/gb26875/adu.hpp>
#include <firebus/gb26875/frame.hpp>

#include "mqtt_broker.hpp"  // tests/integration: free_port(), temp_dir

namespace centre_test {

namespace gb = firebus::gb26875;
using namespace std::chrono_literals;

// Polls `f` until it returns true or `timeout` passes (generous: the machine may be loaded).
inline bool eventually(const std::function<bool()>& f,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return f();
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: initdb + postgres on 127.0.0.1 and a free port, in a temporary directory. Run as
// the `postgres` user when the tests run as root (postgres refuses root).
// ---------------------------------------------------------------------------------------------
class pg_server {
 public:
  // The directory of initdb and postgres, or empty.
  static std::string bin_dir() {
    glob_t g{};
    std::string found;
    if (::glob("/usr/lib/postgresql/*/bin/postgres", 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
      found = g.gl_pathv[g.gl_pathc - 1];  // the newest
      found = found.substr(0, found.size() - std::strlen("/postgres"));
    }
    ::globfree(&g);
    return found;
  }

  pg_server() : port_(firebus_test::free_port()) {
    bin_ = bin_dir();
    if (bin_.empty()) throw std::runtime_error("PostgreSQL server binaries not found");
    char t[] = "/tmp/firebus-pg-XXXXXX";
    if (::mkdtemp(t) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = t;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) throw std::runtime_error("running as root and no `postgres` user");
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
      if (::chown(dir_.c_str(), uid_, gid_) != 0) throw std::runtime_error("chown");
    }
    const int rc = run_wait({bin_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U",
                             "postgres", "-E", "UTF8", "--locale=C", "--no-sync"},
                            dir_ + "/initdb.log");
    if (rc != 0) throw std::runtime_error("initdb failed: " + read(dir_ + "/initdb.log"));
    start();
  }
  ~pg_server() {
    shut_down();
    std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  // Stops the server (fast shutdown: sessions are terminated), waits `down`, starts it again on
  // the same port: what a restart of the database does to its clients.
  void restart(std::chrono::milliseconds down) {
    shut_down();
    std::this_thread::sleep_for(down);
    start();
  }
  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;

  std::uint16_t port() const { return port_; }
  std::string conninfo(const std::string& db) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + db +
           " user=postgres connect_timeout=10";
  }
  // A new, empty database; returns its connection string.
  std::string create_database(const std::string& name) {
    exec("postgres", "DROP DATABASE IF EXISTS " + name);
    exec("postgres", "CREATE DATABASE " + name);
    return conninfo(name);
  }
  void exec(const std::string& db, const std::string& sql) {
    PGconn* c = PQconnectdb(conninfo(db).c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      const std::string e = PQerrorMessage(c);
      PQfinish(c);
      throw std::runtime_error("connect: " + e);
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    const std::string e = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    if (!ok) throw std::runtime_error(sql + ": " + e);
  }

  // The one server of this test process, started on first use; nullptr (and `why`) if the
  // binaries are missing.
  static pg_server* shared(std::string& why) {
    static std::unique_ptr<pg_server> s;
    static std::string error;
    static bool tried = false;
    if (!tried) {
      tried = true;
      try {
        s = std::make_unique<pg_server>();
      } catch (const std::exception& e) {
        error = e.what();
      }
    }
    why = error;
    return s.get();
  }

 private:
  void start() {
    pid_ = spawn({bin_ + "/postgres", "-D", dir_ + "/data", "-p", std::to_string(port_), "-k", dir_,
                  "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c",
                  "max_connections=100", "-c", "shared_buffers=16MB"},
                 dir_ + "/postgres.log");
    const std::string ci = conninfo("postgres");
    if (!centre_test::eventually([&] { return PQping(ci.c_str()) == PQPING_OK; }, 60s)) {
      throw std::runtime_error("postgres did not start: " + read(dir_ + "/postgres.log"));
    }
  }
  void shut_down() {
    if (pid_ > 0) {
      ::kill(pid_, SIGINT);  // fast shutdown
      int st = 0;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
    }
  }
  static std::string read(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (uid_ != 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0) {
          ::_exit(126);
        }
      }
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    return pid;
  }
  int run_wait(const std::vector<std::string>& argv, const std::string& log) {
    const pid_t pid = spawn(argv, log);
    int st = 0;
    ::waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }

  std::string bin_;
  std::string dir_;
  std::uint16_t port_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  pid_t pid_ = -1;
};

// ---------------------------------------------------------------------------------------------
// A child process whose stdout is read line by line.
// ---------------------------------------------------------------------------------------------
class child {
 public:
  explicit child(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    reader_ = std::thread([this] { read_loop(); });
  }
  ~child() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
    if (reader_.joinable()) reader_.join();
    ::close(fd_);
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  void signal(int sig) { ::kill(pid_, sig); }
  // Exit code (or 128 + signal). Returns once the reader has every line the process wrote
  // (its end of the pipe, up to 10 s): lines() after wait() is complete.
  int wait() {
    if (waited_) return status_;
    int st = 0;
    ::waitpid(pid_, &st, 0);
    waited_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return eof_; });
    return status_;
  }
  // The first line (from `from` on) for which `match` is true, waiting up to `timeout`.
  std::string wait_line(const std::function<bool(const std::string&)>& match,
                        std::chrono::milliseconds timeout = 60s, std::size_t from = 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::size_t i = from;
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (; i < lines_.size(); ++i) {
        if (match(lines_[i])) return lines_[i];
      }
      if (eof_ || cv_.wait_until(lock, end) == std::cv_status::timeout) {
        for (; i < lines_.size(); ++i) {
          if (match(lines_[i])) return lines_[i];
        }
        return {};
      }
    }
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  void read_loop() {
    std::string buf;
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n <= 0) break;
      buf.append(chunk, static_cast<std::size_t>(n));
      std::size_t nl;
      while ((nl = buf.find('\n')) != std::string::npos) {
        std::lock_guard<std::mutex> lock(mutex_);
        lines_.push_back(buf.substr(0, nl));
        buf.erase(0, nl + 1);
        cv_.notify_all();
      }
    }
    std::lock_guard<std::mutex> lock(mutex_);
    eof_ = true;
    cv_.notify_all();
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool waited_ = false;
  int status_ = 0;
  std::thread reader_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
  bool eof_ = false;
};

// ---------------------------------------------------------------------------------------------
// ADUs and a raw UITD.
// ---------------------------------------------------------------------------------------------
inline gb::time_tag tag(int second) {
  gb::time_tag t;
  t.year = 24;
  t.month = 5;
  t.day = 1;
  t.hour = 8;
  t.minute = static_cast<std::uint8_t>((second / 60) % 60);
  t.second = static_cast<std::uint8_t>(second % 60);
  return t;
}

// A component status (type 2) of loop 1, point `point`, with `status` bits.
inline std::vector<std::uint8_t> component_status_adu(std::uint32_t point, std::uint16_t status,
                                                      int second = 0) {
  gb::component_status cs;
  cs.system_type = 1;
  cs.system_address = 1;
  cs.component_type = 42;  // point photoelectric smoke detector
  cs.component_address = 0x00010000u | point;
  cs.status = status;
  const char name[] = "3F office";
  std::memcpy(cs.text.data(), name, sizeof name - 1);
  cs.time = tag(second);
  return gb::encode_adu(gb::adu{gb::adu_type::component_status, {cs}});
}

// An analog value (type 3, temperature ×0.1 °C) of loop 1, point `point`.
inline std::vector<std::uint8_t> analog_adu(std::uint32_t point, std::int16_t value, int second) {
  gb::component_analog a;
  a.system_type = 1;
  a.system_address = 1;
  a.component_type = 31;
  a.component_address = 0x00010000u | point;
  a.analog_type = 3;
  a.value = value;
  a.time = tag(second);
  return gb::encode_adu(gb::adu{gb::adu_type::component_analog, {a}});
}

inline std::vector<std::uint8_t> frame(std::uint64_t uitd, std::uint16_t serial,
                                       const std::vector<std::uint8_t>& adu, int frame_second) {
  gb::header h;
  h.serial = serial;
  h.source = uitd;
  h.destination = 1;
  h.cmd = gb::command::send_data;
  h.time = tag(frame_second);
  return gb::encode_frame(h, firebus::byte_view(adu));
}

// A UITD on a blocking socket: sends frames, reads answers (30-byte confirm or deny frames).
class raw_uitd {
 public:
  explicit raw_uitd(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      throw std::runtime_error("connect to the centre failed");
    }
  }
  ~raw_uitd() { close(); }
  raw_uitd(const raw_uitd&) = delete;
  raw_uitd& operator=(const raw_uitd&) = delete;

  void send(const std::vector<std::uint8_t>& f) {
    if (::send(fd_, f.data(), f.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(f.size())) {
      throw std::runtime_error("send failed");
    }
  }
  // The next answer's command and serial number; false on timeout or close.
  bool answer(gb::command& cmd, std::uint16_t& serial, std::chrono::milliseconds timeout = 60s) {
    std::uint8_t buf[30];
    std::size_t got = 0;
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (got < sizeof buf) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::recv(fd_, buf + got, sizeof buf - got, 0);
      if (n <= 0) return false;
      got += static_cast<std::size_t>(n);
    }
    serial = static_cast<std::uint16_t>(buf[2] | (buf[3] << 8));
    cmd = static_cast<gb::command>(buf[26]);
    return true;
  }
  // Sends and waits for the confirm; false if none (or a deny) came.
  bool send_confirmed(const std::vector<std::uint8_t>& f, std::uint16_t serial) {
    send(f);
    gb::command cmd{};
    std::uint16_t s = 0;
    return answer(cmd, s) && cmd == gb::command::confirm && s == serial;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

}  // namespace centre_test

#endif  // FIREBUS_TESTS_CENTRE_TEST_UTIL_HPP
