// The S3 calls pipewright makes, over net::send and our own SigV4 signer: PutObject, HeadObject,
// ListObjectsV2 and the multipart calls. Every request is signed with its payload's SHA-256
// (x-amz-content-sha256), so a store that checks refuses a body that changed on the way; object
// bodies also carry x-amz-checksum-sha256, and the hash is kept as x-amz-meta-sha256 so any
// S3-compatible store can tell it back on HEAD (what makes re-uploads idempotent).
// Retries follow RetryPolicy; the store's own error code and message reach the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/http.h"
#include "s3/retry.h"
#include "s3/sigv4.h"
#include "util/error.h"

namespace pw::s3 {

struct ClientConfig {
  std::string bucket;
  std::string region;
  // "" = AWS (https://BUCKET.s3.REGION.amazonaws.com); else an S3-compatible store's base URL,
  // addressed path-style (ENDPOINT/BUCKET/KEY).
  std::string endpoint;
  AwsCredentials credentials;
  RetryPolicy retry;
  long timeout_seconds = 900;  // one request (a part or an object); 0 = none
  // Waits between attempts; tests replace it to run without sleeping.
  std::function<void(std::chrono::milliseconds)> sleep;
  // Told about each retry ("PUT s3://b/k: 500 InternalError; attempt 2 of 5 in 0.3s").
  std::function<void(const std::string&)> on_retry;
};

// The store answered with an error (after retries when it was worth retrying).
class S3Error : public Error {
 public:
  S3Error(const std::string& message, long status, std::string code, std::string store_message)
      : Error(message),
        status(status),
        code(std::move(code)),
        store_message(std::move(store_message)) {}
  long status;
  std::string code;           // "SignatureDoesNotMatch", "NoSuchBucket", ...
  std::string store_message;  // the store's own explanation
};

// What a request sends: nothing, bytes in memory, or a window of a file (never held in memory).
struct Body {
  std::string data;
  std::filesystem::path file;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::string sha256_hex;  // of exactly these bytes; computed by the caller
  // The file's size and modification time when it was hashed: a change since then means the
  // hash no longer describes it, and the upload stops instead of sending other bytes.
  std::uint64_t file_size = 0;
  std::filesystem::file_time_type file_mtime{};

  static Body of(std::string bytes);
  // Hashes the window [offset, offset+length) of `file` (all of it when length is 0 and the
  // offset is 0). Throws pw::Error when the file cannot be read.
  static Body of_file(const std::filesystem::path& file, std::uint64_t offset = 0,
                      std::optional<std::uint64_t> length = std::nullopt);
  std::uint64_t size() const { return file.empty() ? data.size() : length; }
};

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
  std::string sha256_hex;  // from x-amz-meta-sha256, "" when the store does not tell it
};

struct CompletedPart {
  int number = 0;
  std::string etag;
  std::string sha256_hex;
};

using Progress = std::function<void(std::uint64_t sent, std::uint64_t total)>;

class Client {
 public:
  explicit Client(ClientConfig config);

  const ClientConfig& config() const { return config_; }
  // "s3://bucket/key", what messages name.
  std::string url_for_display(const std::string& key) const;

  void put_object(const std::string& key, const Body& body, const std::string& content_type = "",
                  const Progress& progress = {});
  // nullopt when the object does not exist (404).
  std::optional<ObjectInfo> head_object(const std::string& key);
  // Every object under `prefix`, following continuation tokens (sizes and ETags; no sha256).
  std::vector<ObjectInfo> list_objects(const std::string& prefix);

  // Multipart: the upload id; parts carry SHA-256 checksums (the algorithm is declared here).
  std::string create_multipart(const std::string& key, const std::string& sha256_of_whole,
                               const std::string& content_type = "");
  CompletedPart upload_part(const std::string& key, const std::string& upload_id, int number,
                            const Body& body, const Progress& progress = {});
  void complete_multipart(const std::string& key, const std::string& upload_id,
                          const std::vector<CompletedPart>& parts);
  void abort_multipart(const std::string& key, const std::string& upload_id);

  // One signed request with retries, for calls not wrapped above. Throws S3Error for an error
  // answer, net::TransportError when the store never answered.
  net::Response request(const std::string& method, const std::string& key, const Query& query,
                        net::Headers headers, const Body& body, const Progress& progress = {},
                        bool allow_404 = false);

 private:
  ClientConfig config_;
  std::string scheme_host_;  // "http://127.0.0.1:4568"
  std::string host_;         // "127.0.0.1:4568"
  bool path_style_ = true;
};

// The complete-multipart-upload XML body.
std::string complete_multipart_xml(const std::vector<CompletedPart>& parts);
// The text of the first <tag>...</tag> in `xml`, entities decoded; "" when absent.
std::string xml_text(std::string_view xml, std::string_view tag);
// Every <tag>...</tag> element's inner XML, in order.
std::vector<std::string> xml_elements(std::string_view xml, std::string_view tag);
// A content type from a file name's extension (binary/octet-stream when unknown).
std::string content_type_for(const std::string& name);

}  // namespace pw::s3
