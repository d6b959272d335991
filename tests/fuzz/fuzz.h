// What every harness shares: the rule that only pipewright's own documented errors (pw::Error and
// its subclasses) may leave a parser, and small helpers to cut one fuzz input into several.
#pragma once

#include <cxxabi.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "util/error.h"

namespace pw::fuzz {

// Any other exception is a bug: say which and abort, so libFuzzer saves the input.
[[noreturn]] inline void escaped(const char* type, const char* what) {
  int status = 0;
  char* name = abi::__cxa_demangle(type, nullptr, nullptr, &status);
  std::fprintf(stderr, "\n==pw-fuzz== exception %s escaped the parser: %s\n",
               status == 0 && name ? name : type, what);
  std::abort();
}

template <class F>
int run(F&& body) {
  try {
    body();
  } catch (const pw::Error&) {
    // pipewright's documented way to refuse bad input.
  } catch (const std::exception& e) {
    escaped(typeid(e).name(), e.what());
  } catch (...) {
    escaped("(not a std::exception)", "");
  }
  return 0;
}

// Cuts the input at each `sep` into at most `n` parts (the last takes the rest); parts missing
// are empty. Lets one input carry e.g. an HTTP answer's headers and body.
inline std::vector<std::string_view> split(std::string_view text, std::string_view sep, size_t n) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < n) {
    auto at = text.find(sep);
    if (at == std::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + sep.size());
  }
  parts.push_back(text);
  parts.resize(n);
  return parts;
}

// A folder of this process's own for harnesses whose parser reads a file (archives): under
// $TMPDIR, removed by nobody (one per fuzzer process, reused for every input).
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
             ("pw-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::filesystem::path write_scratch(const std::string& name, std::string_view data) {
  auto path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
  return path;
}

}  // namespace pw::fuzz

// PW_FUZZ_TARGET(text) { ...parse text... } defines libFuzzer's entry point around the body.
#define PW_FUZZ_TARGET(text)                                                                \
  static void pw_fuzz_one(std::string_view text);                                           \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {       \
    return pw::fuzz::run(                                                                   \
        [&] { pw_fuzz_one(std::string_view(reinterpret_cast<const char*>(data), size)); }); \
  }                                                                                         \
  static void pw_fuzz_one(std::string_view text)
