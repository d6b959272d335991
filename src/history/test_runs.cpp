#include "history/test_runs.h"

#include <algorithm>

#include "util/error.h"

namespace pw::history {

namespace {

constexpr char kMagic = 'T';
constexpr char kVersion = 1;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

[[noreturn]] void damaged(const std::string& why) {
  throw Error("damaged test runs in the history index (" + why +
              "); run `pipewright history --rebuild`");
}

uint64_t get_varint(std::string_view b, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= b.size()) damaged("cut short at byte " + std::to_string(pos));
    auto c = static_cast<unsigned char>(b[pos++]);
    v |= uint64_t(c & 0x7f) << shift;
    if (!(c & 0x80)) return v;
  }
  damaged("a number longer than 64 bits at byte " + std::to_string(pos));
}

}  // namespace

std::string encode_runs(std::vector<TestRun> runs) {
  std::stable_sort(runs.begin(), runs.end(),
                   [](const TestRun& a, const TestRun& b) { return a.test < b.test; });
  // Of equal ids the last wins: drop each run that the next one replaces.
  std::vector<TestRun> kept;
  kept.reserve(runs.size());
  for (size_t i = 0; i < runs.size(); ++i)
    if (i + 1 == runs.size() || runs[i + 1].test != runs[i].test) kept.push_back(runs[i]);
  std::string out;
  out.reserve(8 + kept.size() * 5);
  out.push_back(kMagic);
  out.push_back(kVersion);
  put_varint(out, kept.size());
  int64_t last = 0;
  for (const auto& r : kept) {
    if (r.test <= 0) throw Error("test runs: test id " + std::to_string(r.test) + " is not > 0");
    put_varint(out, (uint64_t(r.test - last) << 2) | (static_cast<uint64_t>(r.outcome) & 3));
    put_varint(out, (uint64_t(r.duration_us) << 1) ^ uint64_t(r.duration_us >> 63));
    last = r.test;
  }
  return out;
}

namespace detail {

RunReader::RunReader(std::string_view b) : blob(b) {
  if (b.size() < 3 || b[0] != kMagic) damaged("not a test runs record");
  if (b[1] != kVersion) damaged("format " + std::to_string(int(b[1])) + ", expected 1");
  pos = 2;
  left = get_varint(b, pos);
  // Each run takes at least two bytes: a larger count is a damaged header, not a huge build.
  if (left > (b.size() - pos) / 2) damaged("claims " + std::to_string(left) + " runs");
}

bool RunReader::next(TestRun& out) {
  if (left == 0) {
    if (pos != blob.size())
      damaged(std::to_string(blob.size() - pos) + " bytes after the last run");
    return false;
  }
  --left;
  uint64_t head = get_varint(blob, pos);
  uint64_t delta = head >> 2;
  if (delta == 0) damaged("test ids out of order at byte " + std::to_string(pos));
  last += static_cast<int64_t>(delta);
  uint64_t z = get_varint(blob, pos);
  out.test = last;
  out.outcome = static_cast<Outcome>(head & 3);
  out.duration_us = static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
  return true;
}

}  // namespace detail

std::vector<TestRun> decode_runs(std::string_view blob) {
  std::vector<TestRun> out;
  detail::RunReader r(blob);
  out.reserve(r.left);
  TestRun run;
  while (r.next(run)) out.push_back(run);
  return out;
}

std::optional<TestRun> find_run(std::string_view blob, int64_t test) {
  std::optional<TestRun> found;
  for_each_run(blob, [&](const TestRun& r) {
    if (r.test == test) found = r;
    return r.test < test;
  });
  return found;
}

}  // namespace pw::history
