#include "s3/transfer.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>

#include "util/hash.h"
#include "util/thread_pool.h"

namespace pw::s3 {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string human_bytes(std::uint64_t b) {
  char buf[32];
  if (b >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(b) / (1ull << 30));
  else if (b >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(b) / (1ull << 20));
  else if (b >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  return buf;
}

int TransferResult::failed() const {
  int n = 0;
  for (const auto& i : items)
    if (i.state == ItemResult::State::failed) ++n;
  return n;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> plan_parts(std::uint64_t size,
                                                                std::uint64_t part_size) {
  constexpr std::uint64_t kMinPart = 5ull << 20;
  constexpr std::uint64_t kMaxParts = 10000;
  part_size = std::max(part_size, kMinPart);
  if ((size + part_size - 1) / part_size > kMaxParts)
    part_size = (size + kMaxParts - 1) / kMaxParts;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> parts;
  for (std::uint64_t off = 0; off < size; off += part_size)
    parts.emplace_back(off, std::min(part_size, size - off));
  if (parts.empty()) parts.emplace_back(0, 0);
  return parts;
}

namespace {

struct Prepared {
  bool multipart = false;
  Body whole;               // single PUT
  std::vector<Body> parts;  // multipart
  std::string upload_id;
  std::vector<CompletedPart> done;
  std::string first_error;
  std::atomic<bool> failed{false};
  std::mutex mu;
};

// Hashes the whole file and each part in one pass, so a large file is read once.
void hash_in_parts(const fs::path& file, std::uint64_t part_size, Prepared& p, std::string& whole) {
  std::error_code ec;
  std::uint64_t size = fs::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot read: " + ec.message());
  auto mtime = fs::last_write_time(file, ec);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open");
  Sha256 all;
  std::vector<char> buf(1 << 20);
  for (const auto& [off, len] : plan_parts(size, part_size)) {
    Sha256 part;
    std::uint64_t left = len;
    while (left > 0) {
      auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(left, buf.size()));
      in.read(buf.data(), want);
      if (in.gcount() != want) throw Error(file.string() + ": changed while being read");
      std::string_view chunk(buf.data(), static_cast<size_t>(want));
      part.update(chunk);
      all.update(chunk);
      left -= static_cast<std::uint64_t>(want);
    }
    Body b;
    b.file = file;
    b.offset = off;
    b.length = len;
    b.file_size = size;
    b.file_mtime = mtime;
    b.sha256_hex = part.hex_digest();
    p.parts.push_back(std::move(b));
  }
  whole = all.hex_digest();
}

}  // namespace

TransferResult upload_files(Client& client, const std::vector<TransferItem>& items,
                            const TransferOptions& opt) {
  auto start = Clock::now();
  TransferResult result;
  result.items.resize(items.size());
  std::vector<Prepared> prep(items.size());
  auto log = [&](const std::string& line) {
    if (opt.log) opt.log(line);
  };
  auto cancelled = [&] { return opt.cancelled && opt.cancelled(); };
  const auto workers = static_cast<std::size_t>(std::max(1, opt.concurrency));
  auto fail = [&](std::size_t i, const std::string& why) {
    std::lock_guard lock(prep[i].mu);
    if (!prep[i].failed.exchange(true)) prep[i].first_error = why;
  };

  // 1. Hash every file (in parallel: hashing a large file is most of the local work).
  parallel_for(items.size(), workers, [&](std::size_t i) {
    auto& r = result.items[i];
    r.key = items[i].key;
    r.file = items[i].file;
    if (cancelled()) {
      fail(i, "interrupted before it was read");
      return;
    }
    try {
      std::error_code ec;
      r.size = fs::file_size(items[i].file, ec);
      if (ec) throw Error(items[i].file.string() + ": cannot read: " + ec.message());
      if (r.size >= opt.multipart_threshold && r.size > 0) {
        prep[i].multipart = r.multipart = true;
        hash_in_parts(items[i].file, opt.part_size, prep[i], r.sha256_hex);
      } else {
        prep[i].whole = Body::of_file(items[i].file);
        r.sha256_hex = prep[i].whole.sha256_hex;
      }
    } catch (const std::exception& e) {
      fail(i, e.what());
    }
  });

  // 2. What is already there with the same content is skipped.
  std::vector<bool> skip(items.size(), false);
  if (opt.skip_existing && !opt.existing_prefix.empty()) {
    std::map<std::string, std::uint64_t> present;
    for (const auto& o : client.list_objects(opt.existing_prefix)) present[o.key] = o.size;
    std::vector<std::size_t> candidates;
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto it = present.find(items[i].key);
      if (!prep[i].failed && it != present.end() && it->second == result.items[i].size)
        candidates.push_back(i);
    }
    parallel_for(candidates.size(), workers, [&](std::size_t c) {
      std::size_t i = candidates[c];
      if (cancelled()) return;
      try {
        auto info = client.head_object(items[i].key);
        if (info && info->sha256_hex == result.items[i].sha256_hex) skip[i] = true;
      } catch (const std::exception&) {
        // Not knowing is no reason to fail: the object is uploaded again.
      }
    });
  }

  // 3. Multipart uploads are opened before the pool starts on their parts.
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (prep[i].failed || skip[i]) continue;
    total += result.items[i].size;
    if (!prep[i].multipart) continue;
    try {
      prep[i].upload_id = client.create_multipart(items[i].key, result.items[i].sha256_hex);
      prep[i].done.resize(prep[i].parts.size());
    } catch (const std::exception& e) {
      fail(i, e.what());
    }
  }

  // 4. Every PUT and every part through one pool.
  struct Job {
    std::size_t item;
    int part;  // -1: the whole object
  };
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (prep[i].failed || skip[i]) continue;
    if (prep[i].multipart) {
      for (std::size_t p = 0; p < prep[i].parts.size(); ++p)
        jobs.push_back({i, static_cast<int>(p)});
    } else {
      jobs.push_back({i, -1});
    }
  }
  std::atomic<std::uint64_t> sent{0};
  std::mutex report_mu;
  auto last_report = Clock::now();
  auto report = [&](bool force) {
    if (!opt.progress) return;
    std::unique_lock lock(report_mu, std::try_to_lock);
    if (!lock.owns_lock()) return;
    auto now = Clock::now();
    if (!force && now - last_report < std::chrono::milliseconds(300)) return;
    last_report = now;
    opt.progress(std::min<std::uint64_t>(sent.load(), total), total);
  };
  parallel_for(jobs.size(), workers, [&](std::size_t j) {
    const Job& job = jobs[j];
    Prepared& p = prep[job.item];
    if (p.failed) return;
    if (cancelled()) {
      fail(job.item, "interrupted before it was sent");
      return;
    }
    const Body& body = job.part < 0 ? p.whole : p.parts[static_cast<size_t>(job.part)];
    std::uint64_t counted = 0;  // this job's bytes in `sent` so far
    Progress progress = [&](std::uint64_t now, std::uint64_t) {
      if (now < counted) {  // a retry started over
        sent -= counted;
        counted = 0;
      }
      sent += now - counted;
      counted = now;
      report(false);
    };
    try {
      if (job.part < 0) {
        client.put_object(items[job.item].key, body, "", progress);
      } else {
        auto done =
            client.upload_part(items[job.item].key, p.upload_id, job.part + 1, body, progress);
        std::lock_guard lock(p.mu);
        p.done[static_cast<size_t>(job.part)] = done;
      }
      sent += body.size() - std::min(counted, body.size());
      report(false);
      if (job.part < 0) {
        log("uploaded " + items[job.item].key + " (" + human_bytes(body.size()) + ")");
      }
    } catch (const std::exception& e) {
      sent -= counted;
      fail(job.item, e.what());
    }
  });
  report(true);

  // 5. Finish or abort each multipart upload.
  for (std::size_t i = 0; i < items.size(); ++i) {
    Prepared& p = prep[i];
    if (!p.multipart || p.upload_id.empty() || skip[i]) continue;
    if (!p.failed) {
      try {
        client.complete_multipart(items[i].key, p.upload_id, p.done);
        log("uploaded " + items[i].key + " (" + human_bytes(result.items[i].size) + " in " +
            std::to_string(p.parts.size()) + " parts)");
        continue;
      } catch (const std::exception& e) {
        fail(i, e.what());
      }
    }
    try {
      client.abort_multipart(items[i].key, p.upload_id);
      log("aborted the multipart upload of " + items[i].key + ": no parts left behind");
    } catch (const std::exception& e) {
      log("could not abort the multipart upload of " + items[i].key + " (upload id " + p.upload_id +
          "): " + e.what());
    }
  }

  for (std::size_t i = 0; i < items.size(); ++i) {
    auto& r = result.items[i];
    if (prep[i].failed) {
      r.state = ItemResult::State::failed;
      r.error = prep[i].first_error;
    } else if (skip[i]) {
      r.state = ItemResult::State::skipped;
    } else {
      r.state = ItemResult::State::uploaded;
      result.bytes_sent += r.size;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return result;
}

std::vector<std::string> verify_objects(Client& client, const std::vector<Expected>& expected,
                                        int concurrency) {
  std::vector<std::string> problems(expected.size());
  parallel_for(expected.size(), static_cast<std::size_t>(std::max(1, concurrency)),
               [&](std::size_t i) {
                 const auto& e = expected[i];
                 try {
                   auto info = client.head_object(e.key);
                   if (!info) {
                     problems[i] = e.key + ": missing";
                   } else if (info->size != e.size) {
                     problems[i] = e.key + ": " + std::to_string(info->size) +
                                   " bytes in the store, " + std::to_string(e.size) + " expected";
                   } else if (!info->sha256_hex.empty() && !e.sha256_hex.empty() &&
                              info->sha256_hex != e.sha256_hex) {
                     problems[i] = e.key + ": SHA-256 in the store differs";
                   }
                 } catch (const std::exception& err) {
                   problems[i] = e.key + ": " + err.what();
                 }
               });
  std::vector<std::string> out;
  for (auto& p : problems)
    if (!p.empty()) out.push_back(std::move(p));
  return out;
}

}  // namespace pw::s3
