// Corpus replayer for the normal (GCC) build: feeds every file of the folders (or files) given
// on the command line to the target's LLVMFuzzerTestOneInput, as libFuzzer would with
// `-runs=0`. ctest runs each target this way over its seed corpus and regression inputs
// (tests/fuzz/CMakeLists.txt), so crashes once found stay fixed without a clang build in CI.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <typeinfo>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg = argv[i];
    if (fs::is_directory(arg)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    } else if (fs::is_regular_file(arg)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "%s: not a file or folder\n", arg.c_str());
      return 2;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "no inputs to replay\n");
    return 2;
  }
  int failed = 0;
  for (const auto& path : inputs) {
    std::ifstream in(path, std::ios::binary);
    const std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // Named before it runs: a crash (signal) then names its input.
    std::fprintf(stderr, "replay %s (%zu bytes)\n", path.c_str(), data.size());
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: uncaught %s: %s\n", path.c_str(), typeid(e).name(), e.what());
      ++failed;
    } catch (...) {
      std::fprintf(stderr, "%s: uncaught non-standard exception\n", path.c_str());
      ++failed;
    }
  }
  std::printf("%zu inputs replayed, %d failed\n", inputs.size(), failed);
  return failed == 0 ? 0 : 1;
}
