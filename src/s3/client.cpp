#include "s3/client.h"

#include <charconv>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "util/hash.h"
#include "util/numbers.h"
#include "util/strings.h"

namespace pw::s3 {

namespace fs = std::filesystem;

namespace {

const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string decode_entities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    auto semi = s.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view ent = s.substr(i + 1, semi - i - 1);
    std::string rep;
    if (ent == "amp")
      rep = "&";
    else if (ent == "lt")
      rep = "<";
    else if (ent == "gt")
      rep = ">";
    else if (ent == "quot")
      rep = "\"";
    else if (ent == "apos")
      rep = "'";
    else if (ent.size() > 1 && ent[0] == '#') {
      bool hex = ent[1] == 'x';
      // A character reference that is no code point becomes U+FFFD, as in any XML reader.
      unsigned long cp = static_cast<unsigned long>(
          parse_uint(ent.substr(hex ? 2 : 1), 0x10FFFF, hex ? 16 : 10).value_or(0xFFFD));
      // UTF-8 encode the code point.
      if (cp < 0x80) {
        rep.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        rep.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        rep.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        rep.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        rep.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        rep.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        rep.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        rep.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        rep.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        rep.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    } else {
      out.push_back('&');
      continue;
    }
    out += rep;
    i = semi;
  }
  return out;
}

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::mt19937_64& thread_rng() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// The store's error, in its words: "403 SignatureDoesNotMatch: The request signature ...".
S3Error error_from(const std::string& where, const net::Response& r) {
  std::string code = xml_text(r.body, "Code");
  std::string message = xml_text(r.body, "Message");
  if (code.empty()) {
    // HEAD answers have no body; name the status the way S3's documentation does.
    if (r.status == 403)
      code = "Forbidden";
    else if (r.status == 404)
      code = "NotFound";
    else if (r.status == 400)
      code = "BadRequest";
    else
      code = "HTTP" + std::to_string(r.status);
  }
  std::string text = where + ": " + std::to_string(r.status) + " " + code;
  if (!message.empty()) text += ": " + sanitize_for_display(message);
  return S3Error(text, r.status, code, message);
}

// A size the store wrote (a header, an XML element): "" is 0, anything but digits that fit in 64
// bits is the store's error, never std::stoull's exception (it escaped the upload's threads).
std::uint64_t size_from(std::string_view text, const std::string& where) {
  if (text.empty()) return 0;
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size())
    throw Error(where + ": '" + sanitize_for_display(std::string(text.substr(0, 40))) +
                "' is not a size");
  return v;
}

}  // namespace

Body Body::of(std::string bytes) {
  Body b;
  b.sha256_hex = pw::sha256_hex(bytes);
  b.data = std::move(bytes);
  return b;
}

Body Body::of_file(const fs::path& file, std::uint64_t offset,
                   std::optional<std::uint64_t> length) {
  std::error_code ec;
  Body b;
  b.file = file;
  b.file_size = fs::file_size(file, ec);
  if (ec) throw Error(file.string() + ": cannot read: " + ec.message());
  b.file_mtime = fs::last_write_time(file, ec);
  b.offset = offset;
  b.length = length ? *length : b.file_size - std::min(offset, b.file_size);
  if (offset + b.length > b.file_size) throw Error(file.string() + ": shorter than expected");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open");
  in.seekg(static_cast<std::streamoff>(offset));
  Sha256 h;
  std::vector<char> buf(1 << 20);
  std::uint64_t left = b.length;
  while (left > 0) {
    auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(left, buf.size()));
    in.read(buf.data(), want);
    if (in.gcount() != want) throw Error(file.string() + ": changed while being read");
    h.update(std::string_view(buf.data(), static_cast<size_t>(want)));
    left -= static_cast<std::uint64_t>(want);
  }
  b.sha256_hex = h.hex_digest();
  return b;
}

std::string xml_text(std::string_view xml, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  auto a = xml.find(open);
  if (a == std::string_view::npos) return "";
  a += open.size();
  auto b = xml.find(close, a);
  if (b == std::string_view::npos) return "";
  return decode_entities(xml.substr(a, b - a));
}

std::vector<std::string> xml_elements(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while (true) {
    auto a = xml.find(open, pos);
    if (a == std::string_view::npos) break;
    a += open.size();
    auto b = xml.find(close, a);
    if (b == std::string_view::npos) break;
    out.emplace_back(xml.substr(a, b - a));
    pos = b + close.size();
  }
  return out;
}

std::string complete_multipart_xml(const std::vector<CompletedPart>& parts) {
  std::string xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& p : parts) {
    xml += "<Part><PartNumber>" + std::to_string(p.number) + "</PartNumber><ETag>" +
           xml_escape(p.etag) + "</ETag>";
    if (!p.sha256_hex.empty())
      xml += "<ChecksumSHA256>" + base64(from_hex(p.sha256_hex)) + "</ChecksumSHA256>";
    xml += "</Part>";
  }
  xml += "</CompleteMultipartUpload>";
  return xml;
}

std::string content_type_for(const std::string& name) {
  static const std::vector<std::pair<std::string, std::string>> types = {
      {".json", "application/json"},         {".xml", "application/xml"},
      {".sarif", "application/sarif+json"},  {".txt", "text/plain; charset=utf-8"},
      {".html", "text/html; charset=utf-8"}, {".csv", "text/csv"},
      {".whl", "application/zip"},           {".zip", "application/zip"},
      {".gz", "application/gzip"},           {".tar", "application/x-tar"}};
  std::string lower = to_lower(name);
  for (const auto& [ext, type] : types)
    if (lower.size() >= ext.size() &&
        lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0)
      return type;
  if (fs::path(lower).filename() == "sha256sums") return "text/plain; charset=utf-8";
  return "binary/octet-stream";
}

Client::Client(ClientConfig config) : config_(std::move(config)) {
  if (config_.bucket.empty()) throw ConfigError("S3: no bucket given");
  if (config_.region.empty()) {
    throw ConfigError(
        "S3: no region: set upload.s3.region, AWS_REGION or a region in ~/.aws/config");
  }
  if (!config_.sleep)
    config_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (config_.endpoint.empty()) {
    // Virtual-hosted addressing, except for bucket names with dots (TLS names cannot match).
    path_style_ = config_.bucket.find('.') != std::string::npos;
    host_ = path_style_ ? "s3." + config_.region + ".amazonaws.com"
                        : config_.bucket + ".s3." + config_.region + ".amazonaws.com";
    scheme_host_ = "https://" + host_;
  } else {
    std::string e = config_.endpoint;
    while (!e.empty() && e.back() == '/') e.pop_back();
    auto scheme = e.find("://");
    if (scheme == std::string::npos ||
        (e.substr(0, scheme) != "http" && e.substr(0, scheme) != "https"))
      throw ConfigError("S3 endpoint '" + net::redact_url(config_.endpoint) +
                        "' is not an http:// or https:// URL");
    if (e.find('/', scheme + 3) != std::string::npos)
      throw ConfigError("S3 endpoint '" + net::redact_url(config_.endpoint) +
                        "' has a path; give only scheme, host and port");
    if (e.find('@', scheme + 3) != std::string::npos)
      throw ConfigError("S3 endpoint must not carry credentials; use the AWS credentials instead");
    host_ = e.substr(scheme + 3);
    scheme_host_ = e;
    path_style_ = true;
  }
}

std::string Client::url_for_display(const std::string& key) const {
  return "s3://" + config_.bucket + "/" + key;
}

net::Response Client::request(const std::string& method, const std::string& key, const Query& query,
                              net::Headers headers, const Body& body, const Progress& progress,
                              bool allow_404) {
  std::string path =
      path_style_ ? "/" + config_.bucket + (key.empty() ? "" : "/" + key) : "/" + key;
  std::string canonical_path = canonical_uri(path, false);
  // The wire carries the same sorted, encoded query the signature covers.
  std::string q = canonical_query(query);
  std::string url = scheme_host_ + canonical_path + (q.empty() ? "" : "?" + q);
  std::string where = method + " " + url_for_display(key);
  SigningScope scope{config_.region, "s3", false};

  for (int attempt = 1;; ++attempt) {
    if (!body.file.empty()) {
      std::error_code ec;
      if (!fs::exists(body.file, ec))
        throw Error(body.file.string() + " vanished while being uploaded");
      if (fs::file_size(body.file, ec) != body.file_size ||
          fs::last_write_time(body.file, ec) != body.file_mtime)
        throw Error(body.file.string() +
                    " changed while being uploaded; not sending bytes its "
                    "checksum does not describe");
    }
    SigningInput in;
    in.method = method;
    in.path = path;
    in.query = query;
    in.headers = headers;
    in.headers.emplace_back("host", host_);
    in.payload_hash = body.sha256_hex.empty() ? kEmptySha256 : body.sha256_hex;
    sign_request(in, config_.credentials, scope, std::chrono::system_clock::now());

    net::Request req;
    req.method = method;
    req.url = url;
    req.headers = in.headers;
    req.timeout_seconds = config_.timeout_seconds;
    if (!body.file.empty()) {
      req.body_file = body.file.string();
      req.body_offset = body.offset;
      req.body_length = body.length;
    } else {
      req.body = body.data;
    }
    if (progress) req.on_upload_progress = progress;

    std::string problem;
    try {
      net::Response r = net::send(req);
      if (r.ok() || (allow_404 && r.status == 404)) {
        // CompleteMultipartUpload may answer 200 with an error inside.
        if (method == "POST" && r.body.find("<Error>") != std::string::npos) {
          S3Error e = error_from(where, r);
          if (attempt >= config_.retry.max_attempts) throw e;
          problem = e.what();
        } else {
          return r;
        }
      } else if (!RetryPolicy::retryable_status(r.status) ||
                 attempt >= config_.retry.max_attempts) {
        S3Error e = error_from(where, r);
        if (attempt > 1) {
          throw S3Error(std::string(e.what()) + " (after " + std::to_string(attempt) + " attempts)",
                        e.status, e.code, e.store_message);
        }
        throw e;
      } else {
        problem = error_from(where, r).what();
      }
    } catch (const net::TransportError& e) {
      if (attempt >= config_.retry.max_attempts) {
        throw net::TransportError(std::string(e.what()) + " (after " + std::to_string(attempt) +
                                  " attempts)");
      }
      problem = e.what();
    }
    auto wait = config_.retry.delay(attempt, thread_rng());
    if (config_.on_retry) {
      config_.on_retry(problem + "; attempt " + std::to_string(attempt + 1) + " of " +
                       std::to_string(config_.retry.max_attempts) + " in " + seconds_text(wait));
    }
    config_.sleep(wait);
  }
}

void Client::put_object(const std::string& key, const Body& body, const std::string& content_type,
                        const Progress& progress) {
  net::Headers h;
  h.emplace_back("content-type", content_type.empty() ? content_type_for(key) : content_type);
  h.emplace_back("x-amz-checksum-sha256", base64(from_hex(body.sha256_hex)));
  h.emplace_back("x-amz-meta-sha256", body.sha256_hex);
  request("PUT", key, {}, std::move(h), body, progress);
}

std::optional<ObjectInfo> Client::head_object(const std::string& key) {
  auto r = request("HEAD", key, {}, {}, Body{}, {}, /*allow_404=*/true);
  if (r.status == 404) return std::nullopt;
  ObjectInfo info;
  info.key = key;
  info.size =
      size_from(r.header("content-length"), "HEAD " + url_for_display(key) + ": Content-Length");
  info.etag = r.header("etag");
  info.sha256_hex = r.header("x-amz-meta-sha256");
  return info;
}

std::vector<ObjectInfo> Client::list_objects(const std::string& prefix) {
  std::vector<ObjectInfo> out;
  std::string token;
  std::set<std::string> seen;
  while (true) {
    Query q = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) q.emplace_back("continuation-token", token);
    auto r = request("GET", "", q, {}, Body{});
    for (const auto& c : xml_elements(r.body, "Contents")) {
      ObjectInfo o;
      o.key = xml_text(c, "Key");
      o.size = size_from(xml_text(c, "Size"), "GET " + url_for_display(prefix) + ": <Size>");
      o.etag = xml_text(c, "ETag");
      out.push_back(std::move(o));
    }
    if (xml_text(r.body, "IsTruncated") != "true") break;
    std::string next = xml_text(r.body, "NextContinuationToken");
    if (next.empty()) break;
    // A store that hands back a token it gave before would page forever (found by fuzzing).
    if (!seen.insert(next).second)
      throw Error("GET " + url_for_display(prefix) +
                  ": the store answered a continuation token it gave before; listing stopped");
    token = std::move(next);
  }
  return out;
}

std::string Client::create_multipart(const std::string& key, const std::string& sha256_of_whole,
                                     const std::string& content_type) {
  net::Headers h;
  h.emplace_back("content-type", content_type.empty() ? content_type_for(key) : content_type);
  h.emplace_back("x-amz-checksum-algorithm", "SHA256");
  h.emplace_back("x-amz-meta-sha256", sha256_of_whole);
  auto r = request("POST", key, {{"uploads", ""}}, std::move(h), Body{});
  std::string id = xml_text(r.body, "UploadId");
  if (id.empty())
    throw Error("POST " + url_for_display(key) + "?uploads: no UploadId in the answer");
  return id;
}

CompletedPart Client::upload_part(const std::string& key, const std::string& upload_id, int number,
                                  const Body& body, const Progress& progress) {
  net::Headers h;
  h.emplace_back("x-amz-checksum-sha256", base64(from_hex(body.sha256_hex)));
  auto r = request("PUT", key, {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}},
                   std::move(h), body, progress);
  CompletedPart p{number, r.header("etag"), body.sha256_hex};
  if (p.etag.empty())
    throw Error("PUT " + url_for_display(key) + " part " + std::to_string(number) + ": no ETag");
  return p;
}

void Client::complete_multipart(const std::string& key, const std::string& upload_id,
                                const std::vector<CompletedPart>& parts) {
  net::Headers h;
  h.emplace_back("content-type", "application/xml");
  request("POST", key, {{"uploadId", upload_id}}, std::move(h),
          Body::of(complete_multipart_xml(parts)));
}

void Client::abort_multipart(const std::string& key, const std::string& upload_id) {
  request("DELETE", key, {{"uploadId", upload_id}}, {}, Body{});
}

}  // namespace pw::s3
