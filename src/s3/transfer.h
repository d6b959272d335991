// Uploading many files at once: small ones with one PutObject each, large ones as multipart
// uploads whose parts go in parallel, all through one pool of `concurrency` workers so 200 small
// files and one 256 MB file both keep the connection busy. Objects already in the store with the
// same SHA-256 are skipped (re-running an upload is idempotent). A multipart upload that cannot
// finish (a failed part, an interruption) is aborted, so the store keeps no orphaned parts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "s3/client.h"

namespace pw::s3 {

struct TransferItem {
  std::filesystem::path file;
  std::string key;
};

struct TransferOptions {
  int concurrency = 8;
  std::uint64_t multipart_threshold = 16ull << 20;
  std::uint64_t part_size = 16ull << 20;  // S3 needs >= 5 MiB for every part but the last
  // When set, the objects under this prefix are listed first, and a file whose object is there
  // with the same size and SHA-256 is skipped.
  std::string existing_prefix;
  bool skip_existing = false;
  // Lines for the log ("uploaded dist/app.whl (12.3 KiB)").
  std::function<void(const std::string&)> log;
  // Bytes sent so far and the total, called at most every few hundred milliseconds.
  std::function<void(std::uint64_t sent, std::uint64_t total)> progress;
  // Polled between requests; true stops starting new ones (running multipart uploads are
  // aborted).
  std::function<bool()> cancelled;
};

struct ItemResult {
  std::string key;
  std::filesystem::path file;
  std::uint64_t size = 0;
  std::string sha256_hex;
  enum class State { uploaded, skipped, failed } state = State::failed;
  bool multipart = false;
  std::string error;  // when failed
};

struct TransferResult {
  std::vector<ItemResult> items;  // in the order given
  std::uint64_t bytes_sent = 0;   // object bytes uploaded (skipped ones not counted)
  double seconds = 0;
  int failed() const;
};

TransferResult upload_files(Client& client, const std::vector<TransferItem>& items,
                            const TransferOptions& options);

// The number of parts and each part's [offset, length) for a file of `size` bytes. Grows the
// part size when `part_size` would need more than S3's 10,000 parts.
std::vector<std::pair<std::uint64_t, std::uint64_t>> plan_parts(std::uint64_t size,
                                                                std::uint64_t part_size);

struct Expected {
  std::string key;
  std::uint64_t size = 0;
  std::string sha256_hex;
};
// HEADs every object in parallel; returns one line per object that is missing, of another size,
// or (when the store tells it) of another SHA-256. Empty: all verified.
std::vector<std::string> verify_objects(Client& client, const std::vector<Expected>& expected,
                                        int concurrency);

std::string human_bytes(std::uint64_t bytes);

}  // namespace pw::s3
