#include "net/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "util/strings.h"

namespace pw::net {
namespace {

void ensure_global_init() {
  static const bool init = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  if (!init) throw TransportError("libcurl could not be initialised");
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

struct Transfer {
  const Request* request = nullptr;
  Response* response = nullptr;
  // Upload from memory or from a file window.
  std::string_view memory;
  std::size_t memory_pos = 0;
  File upload_file;
  std::uint64_t upload_left = 0;
  // Download to a file.
  File download_file;
  bool write_failed = false;
};

std::size_t on_read(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t room = size * n;
  if (t->upload_file) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(room, t->upload_left));
    if (want == 0) return 0;
    std::size_t got = std::fread(buffer, 1, want, t->upload_file.get());
    if (got == 0) return CURL_READFUNC_ABORT;  // the file shrank under us
    t->upload_left -= got;
    return got;
  }
  std::size_t want = std::min(room, t->memory.size() - t->memory_pos);
  std::memcpy(buffer, t->memory.data() + t->memory_pos, want);
  t->memory_pos += want;
  return want;
}

std::size_t on_write(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t bytes = size * n;
  if (t->download_file) {
    if (std::fwrite(data, 1, bytes, t->download_file.get()) != bytes) {
      t->write_failed = true;
      return 0;
    }
    return bytes;
  }
  t->response->body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // A new status line (after a redirect or a 100 Continue) starts a new header set.
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name = to_lower(trim(line.substr(0, colon)));
  std::string value(trim(line.substr(colon + 1)));
  t->response->headers.emplace_back(std::move(name), std::move(value));
  return size * n;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t ultotal, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (t->request->on_upload_progress && ultotal > 0) {
    t->request->on_upload_progress(static_cast<std::uint64_t>(ulnow),
                                   static_cast<std::uint64_t>(ultotal));
  }
  return 0;
}

}  // namespace

std::string Response::header(std::string_view name) const {
  std::string lower = to_lower(name);
  for (const auto& [k, v] : headers) {
    if (k == lower) return v;
  }
  return "";
}

std::string redact_url(std::string_view url) {
  std::string out(url);
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    auto host_start = scheme + 3;
    auto path_start = out.find('/', host_start);
    auto at = out.find('@', host_start);
    if (at != std::string::npos && (path_start == std::string::npos || at < path_start)) {
      out.erase(host_start, at + 1 - host_start);
    }
  }
  auto cut = out.find_first_of("?#");
  if (cut != std::string::npos) out.erase(cut);
  return out;
}

namespace {
std::function<Response(const Request&)>& test_transport() {
  static std::function<Response(const Request&)> transport;
  return transport;
}
}  // namespace

void set_transport_for_testing(std::function<Response(const Request&)> transport) {
  test_transport() = std::move(transport);
}

Response send(const Request& request) {
  if (test_transport()) return test_transport()(request);
  ensure_global_init();
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw TransportError("libcurl could not be initialised");
  CURL* h = curl.get();
  Response response;
  Transfer t;
  t.request = &request;
  t.response = &response;
  const std::string where = request.method + " " + redact_url(request.url);

  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "pipewright");
  curl_easy_setopt(h, CURLOPT_TIMEOUT, request.timeout_seconds);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_seconds);
  if (request.follow_redirects) {
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
  }
  if (!request.verify_tls) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!request.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
  if (!request.basic_user.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, request.basic_user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, request.basic_password.c_str());
  }

  std::unique_ptr<curl_slist, void (*)(curl_slist*)> list(nullptr, curl_slist_free_all);
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(list.get(), line.c_str());
    if (!next) throw TransportError(where + ": out of memory");
    list.release();
    list.reset(next);
  };
  for (const auto& [k, v] : request.headers) add_header(v.empty() ? k + ";" : k + ": " + v);
  if (!request.bearer_token.empty()) add_header("Authorization: Bearer " + request.bearer_token);
  // libcurl would otherwise send "Expect: 100-continue" and wait for large bodies.
  add_header("Expect:");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list.get());

  std::uint64_t upload_size = 0;
  bool has_body = !request.body_file.empty() || !request.body.empty() || request.method == "PUT" ||
                  request.method == "POST";
  if (!request.body_file.empty()) {
    t.upload_file.reset(std::fopen(request.body_file.c_str(), "rb"));
    if (!t.upload_file) throw Error(request.body_file + ": cannot open for upload");
    if (std::fseek(t.upload_file.get(), static_cast<long>(request.body_offset), SEEK_SET) != 0) {
      throw Error(request.body_file + ": cannot seek for upload");
    }
    t.upload_left = upload_size = request.body_length;
  } else {
    t.memory = request.body;
    upload_size = request.body.size();
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &t);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(upload_size));
    if (request.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.on_upload_progress) {
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &t);
  }
  if (!request.download_to.empty()) {
    t.download_file.reset(std::fopen(request.download_to.c_str(), "wb"));
    if (!t.download_file) throw Error(request.download_to + ": cannot write");
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);

  CURLcode rc = curl_easy_perform(h);
  if (t.write_failed) throw Error(request.download_to + ": write failed (disk full?)");
  if (rc != CURLE_OK) {
    throw TransportError(where + ": " + (err[0] ? std::string(err) : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &response.seconds);
  // A server that closes early without the transfer layer noticing: compare with the length it
  // announced.
  curl_off_t length = -1;
  curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (request.method != "HEAD" && request.download_to.empty() && length >= 0 &&
      static_cast<curl_off_t>(response.body.size()) < length) {
    throw TransportError(where + ": answer truncated: " + std::to_string(response.body.size()) +
                         " of " + std::to_string(length) + " bytes");
  }
  if (t.download_file && std::fflush(t.download_file.get()) != 0) {
    throw Error(request.download_to + ": write failed (disk full?)");
  }
  return response;
}

}  // namespace pw::net
