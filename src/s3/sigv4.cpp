#include "s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

#include "util/error.h"
#include "util/hash.h"
#include "util/strings.h"

namespace pw::s3 {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool has_header(const net::Headers& h, std::string_view name) {
  for (const auto& [k, v] : h)
    if (to_lower(k) == name) return true;
  return false;
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

Query parse_query(std::string_view raw) {
  Query q;
  if (raw.empty()) return q;
  for (const auto& part : split(raw, '&')) {
    if (part.empty()) continue;
    auto eq = part.find('=');
    if (eq == std::string::npos) {
      q.emplace_back(percent_decode(part), "");
    } else {
      q.emplace_back(percent_decode(std::string_view(part).substr(0, eq)),
                     percent_decode(std::string_view(part).substr(eq + 1)));
    }
  }
  return q;
}

std::string canonical_uri(std::string_view path, bool normalize) {
  if (!normalize) {
    std::string out = percent_encode(path, /*keep_slash=*/true);
    return out.empty() ? "/" : out;
  }
  // RFC 3986 dot-segment removal, with empty segments dropped as the suite's get-slashes shows.
  std::vector<std::string> kept;
  for (const auto& seg : split(path, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!kept.empty()) kept.pop_back();
      continue;
    }
    kept.push_back(seg);
  }
  std::string out;
  for (const auto& seg : kept) out += "/" + percent_encode(seg);
  // A trailing slash names a different resource; keep it.
  if (!kept.empty() && path.size() > 1 && path.back() == '/') out += "/";
  return out.empty() ? "/" : out;
}

std::string canonical_query(const Query& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [k, v] : query) enc.emplace_back(percent_encode(k), percent_encode(v));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

CanonicalHeaders canonical_headers(const net::Headers& headers) {
  std::vector<std::pair<std::string, std::string>> merged;  // name -> joined values
  for (const auto& [k, v] : headers) {
    std::string name = to_lower(trim(k));
    std::string value;
    bool space = false;
    for (char c : trim(v)) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        space = true;
        continue;
      }
      if (space && !value.empty()) value.push_back(' ');
      space = false;
      value.push_back(c);
    }
    auto it =
        std::find_if(merged.begin(), merged.end(), [&](const auto& p) { return p.first == name; });
    if (it == merged.end()) {
      merged.emplace_back(name, value);
    } else {
      it->second += "," + value;
    }
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [k, v] : merged) {
    out.block += k + ":" + v + "\n";
    if (!out.signed_headers.empty()) out.signed_headers += ';';
    out.signed_headers += k;
  }
  return out;
}

std::string canonical_request(const SigningInput& in, bool normalize_path) {
  auto h = canonical_headers(in.headers);
  return in.method + "\n" + canonical_uri(in.path, normalize_path) + "\n" +
         canonical_query(in.query) + "\n" + h.block + "\n" + h.signed_headers + "\n" +
         in.payload_hash;
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string credential_scope(std::string_view date8, const SigningScope& scope) {
  return std::string(date8) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string string_to_sign(std::string_view amz_datetime, std::string_view scope,
                           std::string_view canonical) {
  return "AWS4-HMAC-SHA256\n" + std::string(amz_datetime) + "\n" + std::string(scope) + "\n" +
         sha256_hex(canonical);
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len)) {
    throw Error("HMAC-SHA256 failed in OpenSSL");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string to_hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

std::string from_hex(std::string_view hex) {
  if (hex.size() % 2) throw Error("not a hex string: odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
    if (hi < 0 || lo < 0) throw Error("not a hex string");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Signature compute_signature(const SigningInput& in, const AwsCredentials& creds,
                            const SigningScope& scope, std::string_view amz_datetime) {
  if (amz_datetime.size() < 8) throw Error("bad x-amz-date '" + std::string(amz_datetime) + "'");
  std::string_view date8 = amz_datetime.substr(0, 8);
  Signature s;
  s.canonical_request = canonical_request(in, scope.normalize_path);
  std::string cred_scope = credential_scope(date8, scope);
  s.string_to_sign = string_to_sign(amz_datetime, cred_scope, s.canonical_request);
  std::string k = hmac_sha256("AWS4" + creds.secret_access_key, date8);
  k = hmac_sha256(k, scope.region);
  k = hmac_sha256(k, scope.service);
  k = hmac_sha256(k, "aws4_request");
  s.signature = to_hex(hmac_sha256(k, s.string_to_sign));
  s.authorization = "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + cred_scope +
                    ", SignedHeaders=" + canonical_headers(in.headers).signed_headers +
                    ", Signature=" + s.signature;
  return s;
}

Signature sign_request(SigningInput& in, const AwsCredentials& creds, const SigningScope& scope,
                       std::chrono::system_clock::time_point now) {
  std::string date;
  for (const auto& [k, v] : in.headers)
    if (to_lower(k) == "x-amz-date") date = v;
  if (date.empty()) {
    date = amz_date(now);
    in.headers.emplace_back("x-amz-date", date);
  }
  if (!creds.session_token.empty() && !has_header(in.headers, "x-amz-security-token"))
    in.headers.emplace_back("x-amz-security-token", creds.session_token);
  if (scope.service == "s3" && !has_header(in.headers, "x-amz-content-sha256"))
    in.headers.emplace_back("x-amz-content-sha256", in.payload_hash);
  Signature s = compute_signature(in, creds, scope, date);
  in.headers.emplace_back("Authorization", s.authorization);
  return s;
}

}  // namespace pw::s3
