// firebus — fire-safety IoT SDK.
// The helper process of the journal's integration tests (test_journal.cpp).
//
//   journal_crash_producer produce <path> <seed>
//     Opens the journal and appends as fast as it can, in batches of 1..8 messages of random
//     lanes, from one thread, while a second thread takes messages with next() and acknowledges
//     them, as an uplink would. On stdout, one line per fact, flushed at once:
//       o <last_id>               opened (the highest id given before)
//       a <id> <lane> <counter>   append() returned this id: the message is on disk
//       k <id>                    about to acknowledge this id (it may be gone from now on)
//     The test kills it with SIGKILL at a random instant and checks the journal against what it
//     printed. Each payload is <counter as 8 bytes> then bytes derived from the counter, so the
//     test can tell a torn or mixed-up payload.
//
//   journal_crash_producer fsize <path>
//     Appends under a file size limit (RLIMIT_FSIZE: the kernel refuses writes beyond it with
//     EFBIG, even for root) until an append fails, then reads, then lifts the limit and appends
//     again. Prints:
//       e <category> <value> <last_error>   the failed append's error
//       r <messages>                        read() still works and sees that many alarms
//       s <id>                              the append after the limit was lifted succeeded
#include <signal.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <firebus/io/journal.hpp>

namespace {

namespace ul = firebus::uplink;

std::mutex out_mu;

void say(const std::string& line) {
  const std::lock_guard<std::mutex> g(out_mu);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

std::vector<std::uint8_t> payload_of(std::uint64_t counter) {
  std::vector<std::uint8_t> p(8 + counter % 200);
  for (std::size_t i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(counter >> (8 * i));
  for (std::size_t i = 8; i < p.size(); ++i) p[i] = static_cast<std::uint8_t>(counter * 31 + i);
  return p;
}

int produce(const char* path, unsigned seed) {
  ul::journal_options opt;
  opt.path = path;
  opt.verify = false;  // the test verifies after every kill
  std::error_code ec;
  ul::journal j(opt, ec);
  if (ec) {
    std::fprintf(stderr, "open: %s: %s\n", ec.message().c_str(), j.last_error().c_str());
    return 2;
  }
  say("o " + std::to_string(j.last_id()));
  // Counters continue across runs: the next counter is above every id given so far, so no two
  // messages of the test share one.
  std::uint64_t counter = j.last_id() * 16 + 1;
  std::atomic<bool> stop{false};
  std::thread uplink([&] {
    std::mt19937 rng(seed ^ 0x5bd1e995u);
    while (!stop.load()) {
      j.wait(std::chrono::milliseconds(5));
      std::error_code e;
      auto batch = j.next(1 + rng() % 6, 1 << 20, e);
      if (e) continue;
      std::vector<std::uint64_t> ids;
      for (const auto& x : batch) {
        say("k " + std::to_string(x.id));
        ids.push_back(x.id);
      }
      j.ack(ids, e);
      if (rng() % 4 == 0) j.rewind();  // a "reconnection"
    }
  });
  std::mt19937 rng(seed);
  std::uint64_t appended = 0;
  while (appended < 200000) {
    const std::size_t n = 1 + rng() % 8;
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<ul::message> batch(n);
    std::vector<std::uint64_t> counters(n);
    for (std::size_t i = 0; i < n; ++i) {
      counters[i] = counter++;
      payloads.push_back(payload_of(counters[i]));
    }
    for (std::size_t i = 0; i < n; ++i) {
      batch[i].lane = rng() % 3 == 0 ? ul::lane::alarm : ul::lane::telemetry;
      batch[i].topic = "t";
      batch[i].payload = firebus::byte_view(payloads[i]);
    }
    auto ids = j.append(batch, ec);
    if (ec) {
      std::fprintf(stderr, "append: %s\n", j.last_error().c_str());
      stop = true;
      uplink.join();
      return 3;
    }
    for (std::size_t i = 0; i < n; ++i) {
      say("a " + std::to_string(ids[i]) + " " + std::to_string(static_cast<int>(batch[i].lane)) +
          " " + std::to_string(counters[i]));
    }
    appended += n;
  }
  stop = true;
  uplink.join();
  return 0;
}

int fsize(const char* path) {
  ::signal(SIGXFSZ, SIG_IGN);  // the write then fails with EFBIG instead of killing us
  ul::journal_options opt;
  opt.path = path;
  opt.wal_limit_bytes = 0;
  std::error_code ec;
  ul::journal j(opt, ec);
  if (ec) {
    std::fprintf(stderr, "open: %s\n", j.last_error().c_str());
    return 2;
  }
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit lim = old;
  lim.rlim_cur = 256 * 1024;  // the files may grow to 256 KiB
  if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) {
    std::perror("setrlimit");
    return 2;
  }
  std::vector<std::uint8_t> payload(1000, 0x5a);
  ul::message m;
  m.lane = ul::lane::alarm;
  m.payload = firebus::byte_view(payload);
  std::uint64_t ok = 0;
  for (int i = 0; i < 10000; ++i) {
    j.append(m, ec);
    if (ec) break;
    ++ok;
  }
  if (!ec) {
    std::fprintf(stderr, "no failure after %llu appends\n", static_cast<unsigned long long>(ok));
    return 3;
  }
  say("e " + std::string(ec.category().name()) + " " + std::to_string(ec.value()) + " " +
      j.last_error());
  std::error_code rec;
  const auto all = j.read(ul::lane::alarm, 0, 1000000, rec);
  if (rec) {
    std::fprintf(stderr, "read: %s\n", j.last_error().c_str());
    return 4;
  }
  say("r " + std::to_string(all.size()) + " " + std::to_string(ok));
  ::setrlimit(RLIMIT_FSIZE, &old);
  const std::uint64_t id = j.append(m, ec);
  if (ec) {
    std::fprintf(stderr, "append after the limit was lifted: %s\n", j.last_error().c_str());
    return 5;
  }
  say("s " + std::to_string(id));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "produce") == 0) {
    return produce(argv[2], static_cast<unsigned>(std::strtoul(argv[3], nullptr, 10)));
  }
  if (argc == 3 && std::strcmp(argv[1], "fsize") == 0) return fsize(argv[2]);
  std::fprintf(stderr, "usage: %s produce <path> <seed> | fsize <path>\n", argv[0]);
  return 2;
}
