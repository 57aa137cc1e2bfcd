// Runs a fuzz target without libFuzzer (gcc builds, ctest, Wasm): every file
// of the given corpus directories or files, then deterministic pseudo-random
// mutations of them, so a regular test run still shakes the parser.
// Usage: <target> [--mutations=N] PATH...
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr int kDefaultMutations = 4000;

// xorshift64*: the same sequence on every machine, so failures reproduce.
class Random {
 public:
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dULL;
  }
  size_t Below(size_t bound) { return bound == 0 ? 0 : static_cast<size_t>(Next() % bound); }

 private:
  uint64_t state_ = 0x9e3779b97f4a7c15ULL;
};

std::vector<uint8_t> ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Values that tend to sit on boundaries of sizes, offsets and enums.
constexpr uint32_t kInteresting[] = {0,      1,      2,       3,          4,          7,
                                     8,      0x7f,   0x80,    0xff,       0x100,      0x7fff,
                                     0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff};

void Mutate(std::vector<uint8_t>& bytes, Random& random) {
  const size_t rounds = 1 + random.Below(4);
  for (size_t round = 0; round < rounds; ++round) {
    const size_t at = random.Below(bytes.size());
    switch (random.Below(7)) {
      case 0:  // flip a bit
        if (!bytes.empty()) bytes[at] ^= static_cast<uint8_t>(1u << random.Below(8));
        break;
      case 1:  // random byte
        if (!bytes.empty()) bytes[at] = static_cast<uint8_t>(random.Next());
        break;
      case 2: {  // interesting little-endian value of 1, 2 or 4 bytes
        const uint32_t value = kInteresting[random.Below(std::size(kInteresting))];
        const size_t width = size_t{1} << random.Below(3);
        for (size_t i = 0; i < width && at + i < bytes.size(); ++i) {
          bytes[at + i] = static_cast<uint8_t>(value >> (8 * i));
        }
        break;
      }
      case 3:  // truncate
        bytes.resize(at);
        break;
      case 4:  // erase a run
        bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                    bytes.begin() + static_cast<std::ptrdiff_t>(
                                        std::min(bytes.size(), at + 1 + random.Below(16))));
        break;
      case 5:  // insert random bytes
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), 1 + random.Below(8),
                     static_cast<uint8_t>(random.Next()));
        break;
      default: {  // copy a run over another place (offsets pointing elsewhere)
        const size_t from = random.Below(bytes.size());
        const size_t length = std::min({size_t{8}, bytes.size() - from, bytes.size() - at});
        std::memmove(bytes.data() + at, bytes.data() + from, length);
        break;
      }
    }
  }
}

void Run(const std::vector<uint8_t>& input) {
  // A fresh allocation of exactly the input size, so ASan sees any over-read.
  std::vector<uint8_t> copy(input);
  LLVMFuzzerTestOneInput(copy.empty() ? nullptr : copy.data(), copy.size());
}

}  // namespace

int main(int argc, char** argv) {
  int mutations = kDefaultMutations;
  std::vector<std::vector<uint8_t>> seeds;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--mutations=", 12) == 0) {
      mutations = std::atoi(argv[i] + 12);
      continue;
    }
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());  // directory order differs between machines
      for (const auto& file : files) seeds.push_back(ReadFile(file));
    } else if (std::filesystem::is_regular_file(path)) {
      seeds.push_back(ReadFile(path));
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
      return 2;
    }
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "replay: no seeds given\n");
    return 2;
  }
  Run({});
  for (const auto& seed : seeds) Run(seed);
  Random random;
  for (int i = 0; i < mutations; ++i) {
    std::vector<uint8_t> input = seeds[random.Below(seeds.size())];
    Mutate(input, random);
    Run(input);
  }
  std::printf("replay: %zu seeds, %d mutations, no crash\n", seeds.size(), mutations);
  return 0;
}
