// firebus — fire-safety IoT SDK.
// Corpus replay for the fuzz targets, for compilers without libFuzzer (g++, MSVC):
//
//   replay_byte_reader tests/fuzz/corpus/byte_reader [more dirs or files...]
//
// Runs LLVMFuzzerTestOneInput once on every regular file found (directories are not searched
// recursively), prints how many inputs it ran, and exits non-zero if an argument, or a file in
// it, cannot be read. A violated invariant traps, as under libFuzzer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

bool run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot open %s\n", path.string().c_str());
    return false;
  }
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "replay: cannot read %s\n", path.string().c_str());
    return false;
  }
  // Copy into an exactly sized buffer so that ASan catches reads past the end.
  std::vector<std::uint8_t> data(chars.begin(), chars.end());
  const auto* p = data.empty() ? nullptr : data.data();
  LLVMFuzzerTestOneInput(p, data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::size_t runs = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      std::vector<fs::path> files;
      for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", argv[i], ec.message().c_str());
        ok = false;
        continue;
      }
      std::sort(files.begin(), files.end());  // a stable order makes failures reproducible
      for (const fs::path& f : files) {
        if (run_file(f)) {
          ++runs;
        } else {
          ok = false;
        }
      }
    } else if (fs::is_regular_file(arg, ec)) {
      if (run_file(arg)) {
        ++runs;
      } else {
        ok = false;
      }
    } else {
      std::fprintf(stderr, "replay: %s is not a readable file or directory\n", argv[i]);
      ok = false;
    }
  }
  std::printf("replay: ran %zu inputs\n", runs);
  return ok ? 0 : 1;
}
