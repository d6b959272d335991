#include "serve/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netdb.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include "serve/api.h"
#include "serve/assets.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/numbers.h"

namespace pw::serve {

namespace fs = std::filesystem;
using json = nlohmann::json;

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

namespace {

std::atomic<httplib::Server*> g_server{nullptr};
std::atomic<bool> g_stop{false};

// Only sets a flag: the housekeeping thread stops the server once it is really listening (a
// stop() before listen_after_bind() has started would be lost).
void on_signal(int) { g_stop = true; }

// Binds a throwaway socket first: httplib only says "false", this says why.
void check_bindable(const std::string& host, int port) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) throw ConfigError("--host " + host + ": " + gai_strerror(rc));
  int fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int b = ::bind(fd, res->ai_addr, res->ai_addrlen);
  int err = errno;
  ::close(fd);
  ::freeaddrinfo(res);
  if (b != 0) {
    if (err == EADDRINUSE)
      throw Error("cannot listen on " + host + ":" + std::to_string(port) +
                  ": the port is in use by another program (choose another with --port, or --port "
                  "0 for any free one)");
    throw Error("cannot listen on " + host + ":" + std::to_string(port) + ": " + errno_text(err));
  }
}

int64_t mtime_ns(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

long long size_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return -1;
  return st.st_size;
}

Params params_of(const httplib::Request& req) {
  Params p;
  for (const auto& [k, v] : req.params) p.emplace(k, v);
  return p;
}

void send_file(httplib::Response& res, const fs::path& file, const std::string& type,
               const std::string& name) {
  auto size = size_of(file);
  if (size < 0) {
    res.status = 404;
    return;
  }
  if (!name.empty()) res.set_header("Content-Disposition", "attachment; filename=\"" + name + "\"");
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  res.set_content_provider(static_cast<size_t>(size), type,
                           [in](size_t offset, size_t length, httplib::DataSink& sink) {
                             std::vector<char> buf(std::min<size_t>(length, 1 << 20));
                             in->seekg(static_cast<std::streamoff>(offset));
                             in->read(buf.data(), static_cast<std::streamsize>(buf.size()));
                             auto got = in->gcount();
                             if (got <= 0) return false;
                             sink.write(buf.data(), static_cast<size_t>(got));
                             return true;
                           });
}

std::string sse(const std::string& event, const json& data) {
  return "event: " + event + "\ndata: " + dump(data) + "\n\n";
}

// Streams a build's progress: its summary and stages whenever build.json changes, and the
// appended text of one stage's log (?stage=), until the build has ended.
void events(Api& api, const httplib::Request& req, httplib::Response& res, int n) {
  Params params = params_of(req);
  Project* p = api.project(params);
  if (!p) {
    res.status = 404;
    return;
  }
  std::string stage = req.has_param("stage") ? req.get_param_value("stage") : "";
  // A stage id names a file under logs/: nothing that could leave that folder.
  if (stage.find('/') != std::string::npos || stage.find("..") != std::string::npos) {
    res.status = 400;
    return;
  }
  // Where the page's copy of the log ends (the stream continues from there), else its tail.
  long long from = -1;
  if (req.has_param("from")) {
    from = parse_int(req.get_param_value("from")).opt().value_or(-1);
  }
  fs::path dir = p->index->builds_dir() / std::to_string(n);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream", [&api, p, dir, n, stage, from](size_t, httplib::DataSink& sink) {
        int64_t seen = -1;
        long long log_pos = from;
        auto last_beat = std::chrono::steady_clock::now();
        while (sink.is_writable() && !g_stop) {
          int64_t m = mtime_ns(dir / "build.json");
          bool ended = false;
          if (m != seen) {
            seen = m;
            std::optional<json> b;
            {
              std::lock_guard lock(p->mutex);
              b = build_json(*p, n);
            }
            if (b) {
              if (!sink.write(sse("build", *b).data(), sse("build", *b).size())) return false;
              ended = !(*b)["running"].get<bool>() && (*b)["status"] != "RUNNING";
            }
          }
          if (!stage.empty()) {
            fs::path log = dir / "logs" / (stage + ".log");
            long long size = size_of(log);
            if (size >= 0 && log_pos < 0) log_pos = std::max(0LL, size - 64 * 1024);
            if (size >= 0 && log_pos > size) log_pos = size;
            if (size > log_pos && log_pos >= 0) {
              json w = read_log(log, log_pos, std::min(size - log_pos, 1LL << 20));
              long long end = w["end"];
              if (end > log_pos) {
                std::string msg =
                    sse("log", {{"stage", stage}, {"offset", w["offset"]}, {"text", w["text"]}});
                if (!sink.write(msg.data(), msg.size())) return false;
                log_pos = end;
              }
            }
          }
          if (ended) {
            std::string msg = sse("end", json::object());
            sink.write(msg.data(), msg.size());
            sink.done();
            return true;
          }
          auto now = std::chrono::steady_clock::now();
          if (now - last_beat > std::chrono::seconds(10)) {
            // A comment keeps proxies and the browser from timing the stream out.
            sink.write(": keep-alive\n\n", 14);
            last_beat = now;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        (void)api;
        return false;
      });
}

}  // namespace

int serve(const ServeOptions& o) {
  Api api(o.projects);
  for (auto& p : api.projects())
    for (const auto& s : p->skipped)
      std::cerr << "pipewright: warning: " << p->name << ": skipped " << s << "\n";
  if (!is_loopback(o.host))
    std::cerr
        << "pipewright: warning: listening on " << o.host
        << ", beyond this machine's loopback: anyone who can reach it reads the builds, logs and "
           "artifacts (there is no login)\n";
  if (o.port != 0) check_bindable(o.host, o.port);

  httplib::Server svr;
  // SO_REUSEADDR only. httplib's default adds SO_REUSEPORT, which has two costs: a second server
  // could listen on the same port beside this one, and the connections this server leaves in
  // TIME_WAIT (about a minute after it stops) refuse a restart on the port unless the new socket
  // sets SO_REUSEPORT too, so `pipewright serve` stopped and started again said the port was in
  // use by another program.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Each open live page holds a thread for its event stream: more than httplib's default.
  svr.new_task_queue = [] { return new httplib::ThreadPool(32); };
  svr.Get("/assets/app.js", [](const httplib::Request&, httplib::Response& res) {
    auto a = asset_app_js();
    res.set_content(a.data(), a.size(), "text/javascript; charset=utf-8");
  });
  svr.Get("/assets/app.css", [](const httplib::Request&, httplib::Response& res) {
    auto a = asset_app_css();
    res.set_content(a.data(), a.size(), "text/css; charset=utf-8");
  });
  svr.Get(
      R"(/api/builds/(\d+)/events)", [&api](const httplib::Request& req, httplib::Response& res) {
        // \d+ of any length: a number past int's range names no build (0).
        events(api, req, res,
               static_cast<int>(parse_int(req.matches[1].str(), 0, 999'999'999).opt().value_or(0)));
      });
  svr.Get(R"(/api/.*)", [&api](const httplib::Request& req, httplib::Response& res) {
    Response r = api.get(req.path, params_of(req));
    res.status = r.status;
    res.set_header("Cache-Control", "no-store");
    if (!r.file.empty())
      send_file(res, r.file, r.content_type, r.download_name);
    else
      res.set_content(r.body, r.content_type);
  });
  svr.Get(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
    auto a = asset_index_html();
    res.set_content(a.data(), a.size(), "text/html; charset=utf-8");
  });
  // Read-only: anything but GET/HEAD is refused by httplib with 404/405 as no handler exists.

  int port = o.port;
  if (port == 0) {
    port = svr.bind_to_any_port(o.host);
    if (port < 0) throw Error("cannot listen on " + o.host + ": no free port");
  } else if (!svr.bind_to_port(o.host, port)) {
    throw Error("cannot listen on " + o.host + ":" + std::to_string(port));
  }
  g_server = &svr;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  // Builds that end while we serve are added by the `run` that ran them; this catches the rest
  // (a run killed before it could, a build folder copied in).
  std::atomic<bool> stop{false};
  std::thread syncer([&] {
    while (!stop) {
      for (int i = 0; i < 20 && !stop; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (g_stop && svr.is_running()) svr.stop();
      }
      if (!stop) api.sync_all();
    }
  });
  std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  std::string url = "http://" + host + ":" + std::to_string(port) + "/";
  if (o.on_listening) o.on_listening(url);
  svr.listen_after_bind();
  g_server = nullptr;
  g_stop = false;
  stop = true;
  syncer.join();
  return 0;
}

namespace {

// JSON inside <script>: "</" would end the element; "<\\/" is the same JSON string.
std::string script_safe(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string report_html(const fs::path& project_dir, int build) {
  Api api({project_dir});
  auto& p = *api.projects().front();
  // A negative number asks for the newest; 0 is a real build (gitlab-ci-local's first pipeline).
  if (build < 0) {
    build = p.index->newest();
    if (build <= 0)
      throw Error("no finished build to report in " +
                  (project_dir / ".pipewright/builds").string());
  }
  json data;
  auto b = build_json(p, build);
  if (!b) throw Error("no build " + std::to_string(build) + " (or its build.json is damaged)");
  std::string base = "/api/builds/" + std::to_string(build);
  data[base] = *b;
  data[base + "/tests"] = tests_json(p, build);
  data[base + "/findings"] = findings_json(p, build);
  for (const auto& s : (*b)["stages"]) {
    fs::path log = p.index->builds_dir() / std::to_string(build) / s["log"].get<std::string>();
    if (!s["log"].get<std::string>().empty() && fs::is_regular_file(fs::symlink_status(log))) {
      json w = read_log(log, -1, 256 * 1024);
      w["failing"] = failing_lines(log, 200);
      w["stage"] = s["id"];
      data[base + "/log/" + s["id"].get<std::string>()] = w;
    }
  }
  data["/api/trends"] = p.index->trends(50);
  std::string html(asset_index_html());
  std::string css = "<style>" + std::string(asset_app_css()) + "</style>";
  // esbuild already writes "</script" in the bundle's strings as "<\\/script".
  std::string js =
      "<script>window.PW_STATIC=" + script_safe(dump({{"build", build}, {"answers", data}})) +
      ";</script><script>" + std::string(asset_app_js()) + "</script>";
  auto replace = [&](const std::string& what, const std::string& with) {
    auto pos = html.find(what);
    if (pos != std::string::npos) html.replace(pos, what.size(), with);
  };
  replace("<link rel=\"stylesheet\" href=\"/assets/app.css\">", css);
  replace("<script src=\"/assets/app.js\"></script>", js);
  return html;
}

}  // namespace pw::serve
