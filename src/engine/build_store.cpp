#include "engine/build_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <utility>

#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/numbers.h"

namespace pw::engine {

namespace {

// Holds an exclusive flock on a file for its lifetime.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error("cannot open " + path.string() + ": " + errno_text(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) throw Error("cannot lock " + path.string() + ": " + errno_text(errno));
    }
  }
  ~FileLock() { ::close(fd_); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// The `next` counter; 1 when it is missing or damaged (newest() + 1 wins over it anyway).
int read_counter(const fs::path& p) {
  std::error_code ec;
  if (!fs::exists(p, ec)) return 1;
  try {
    return static_cast<int>(parse_int(read_file(p), 1, 999999999).value_or(1));
  } catch (const Error&) {
    return 1;  // unreadable: the folder scan in allocate() still finds the next free number
  }
}

bool is_number(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

BuildStore::BuildStore(const fs::path& project_dir)
    : builds_(project_dir / ".pipewright" / "builds") {}

BuildStore::~BuildStore() {
  if (held_fd_ >= 0) ::close(held_fd_);
}

namespace {
int open_alive(const fs::path& root) {
  return ::open((root / ".alive").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}
bool flock_retry(int fd, int op) {
  while (::flock(fd, op) != 0)
    if (errno != EINTR) return false;
  return true;
}
}  // namespace

void BuildStore::mark_killed(BuildRecord& r) {
  r.status = Status::aborted;
  r.reason =
      "killed: the pipewright process running this build ended without recording the build's end "
      "(SIGKILL, a crash, a lost machine, or a full disk that kept the record from being written)";
  for (auto& s : r.stages) {
    if (s.status != Status::running) continue;
    s.status = Status::aborted;
    s.summary = "killed: pipewright ended while this stage ran";
  }
}

std::optional<BuildRecord> BuildStore::settle_locked(int n) const {
  fs::path rec = paths(n).record;
  std::error_code ec;
  if (!fs::exists(rec, ec)) return std::nullopt;
  BuildRecord r;
  try {
    r = BuildRecord::from_json(nlohmann::json::parse(read_file(rec)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (r.status != Status::running) return std::nullopt;
  merge_stages(n, r);  // build.json may lag behind the stages' own final records
  mark_killed(r);
  try {
    write_file_atomic(rec, dump_json(r.to_json(nullptr), 2) + "\n");
  } catch (const Error&) {
    // Read-only or full: the settled view is still what this reader shows.
  }
  return r;
}

std::optional<BuildRecord> BuildStore::settle_if_dead(int n) const {
  int fd = open_alive(paths(n).root);
  if (fd < 0) return std::nullopt;  // cannot tell: leave it as it says
  std::optional<BuildRecord> out;
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) out = settle_locked(n);
  ::close(fd);
  return out;
}

std::vector<int> BuildStore::settle_dead(int limit) const {
  std::vector<int> numbers;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(builds_, ec)) {
    std::string name = e.path().filename().string();
    if (is_number(name))
      if (auto v = parse_int(name, 1, 999999999)) numbers.push_back(static_cast<int>(*v));
  }
  std::sort(numbers.rbegin(), numbers.rend());
  if (numbers.size() > static_cast<size_t>(limit)) numbers.resize(static_cast<size_t>(limit));
  std::vector<int> settled;
  for (int n : numbers) {
    std::error_code ec2;
    if (!fs::exists(paths(n).record, ec2)) continue;
    if (settle_if_dead(n)) settled.push_back(n);
  }
  std::sort(settled.begin(), settled.end());
  return settled;
}

void BuildStore::take(int n) {
  int fd = open_alive(paths(n).root);
  if (fd < 0)
    throw Error("cannot open " + (paths(n).root / ".alive").string() + ": " + errno_text(errno));
  // Alone on it: a record a dead process left RUNNING is settled before this one builds on it.
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) settle_locked(n);
  // Shared from here on (from exclusive, a conversion): others running this build may join.
  if (!flock_retry(fd, LOCK_SH)) {
    int err = errno;
    ::close(fd);
    throw Error("cannot lock " + (paths(n).root / ".alive").string() + ": " + errno_text(err));
  }
  if (held_fd_ >= 0) ::close(held_fd_);
  held_fd_ = fd;
}

BuildPaths BuildStore::paths(int n) const {
  BuildPaths p;
  p.number = n;
  p.root = builds_ / std::to_string(n);
  p.logs = p.root / "logs";
  p.reports = p.root / "reports";
  p.artifacts = p.root / "artifacts";
  p.workspace = p.root / "workspace";
  p.record = p.root / "build.json";
  return p;
}

void BuildStore::make_dirs(const BuildPaths& p) const {
  std::error_code ec;
  for (const auto& d : {p.logs, p.reports, p.artifacts}) {
    fs::create_directories(d, ec);
    if (ec) throw Error("cannot create " + d.string() + ": " + ec.message());
  }
  // Build backends that read the nearest .gitignore above a project without one (hatchling)
  // would otherwise find .pipewright's "*" and leave every file out of the workspace's wheel.
  fs::path nearest = p.root / ".gitignore";
  if (!fs::exists(nearest, ec))
    write_file_atomic(nearest, "# no patterns: the workspace below is built as its own checkout\n");
}

int BuildStore::newest() const {
  int best = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(builds_, ec)) {
    std::string name = e.path().filename().string();
    if (is_number(name) && e.is_directory())
      best = std::max(best, static_cast<int>(parse_int(name).value_or(0)));
  }
  return best;
}

BuildPaths BuildStore::allocate() {
  std::error_code ec;
  fs::create_directories(builds_, ec);
  if (ec) throw Error("cannot create " + builds_.string() + ": " + ec.message());
  // Keep the folder out of the project's git status without touching its .gitignore.
  fs::path ignore = builds_.parent_path() / ".gitignore";
  if (!fs::exists(ignore)) write_file_atomic(ignore, "*\n");
  FileLock lock(builds_ / ".lock");
  int n = std::max(read_counter(builds_ / "next"), newest() + 1);
  // mkdir is the claim: if a folder appeared anyway (a copied tree), take the next number.
  while (::mkdir(paths(n).root.c_str(), 0755) != 0) {
    if (errno != EEXIST)
      throw Error("cannot create " + paths(n).root.string() + ": " + errno_text(errno));
    ++n;
  }
  take(n);
  write_file_atomic(builds_ / "next", std::to_string(n + 1) + "\n");
  point_latest(n);
  BuildPaths p = paths(n);
  make_dirs(p);
  return p;
}

BuildPaths BuildStore::open(int number, bool create) {
  BuildPaths p = paths(number);
  if (!fs::is_directory(p.root)) {
    if (!create)
      throw Error("build " + std::to_string(number) + " does not exist (" + p.root.string() + ")");
    std::error_code ec;
    fs::create_directories(builds_, ec);
    FileLock lock(builds_ / ".lock");
    fs::create_directories(p.root, ec);
    if (ec) throw Error("cannot create " + p.root.string() + ": " + ec.message());
    if (read_counter(builds_ / "next") <= number)
      write_file_atomic(builds_ / "next", std::to_string(number + 1) + "\n");
  }
  make_dirs(p);
  if (create) take(number);
  return p;
}

std::optional<BuildRecord> BuildStore::read(int number) const {
  fs::path rec = paths(number).record;
  std::error_code ec;
  if (!fs::exists(rec, ec)) return std::nullopt;
  try {
    BuildRecord r = BuildRecord::from_json(nlohmann::json::parse(read_file(rec)));
    if (r.status == Status::running)
      if (auto settled = settle_if_dead(number)) return settled;
    return r;
  } catch (const std::exception& e) {
    // A damaged record is not a build to compare with or deploy, but it is reported.
    warn("build #" + std::to_string(number) + " in " + rec.parent_path().string() +
         " has a damaged build.json, ignored (" + e.what() + ")");
    return std::nullopt;
  }
}

void BuildStore::warn(const std::string& text) const {
  std::lock_guard lock(warnings_mu_);
  for (const auto& w : warnings_)
    if (w == text) return;
  warnings_.push_back(text);
}

std::vector<std::string> BuildStore::take_warnings() const {
  std::lock_guard lock(warnings_mu_);
  return std::exchange(warnings_, {});
}

void BuildStore::write_stage(int number, const StageRecord& r, const exec::Masker* masker) const {
  BuildRecord one;
  one.number = number;
  one.stages.push_back(r);
  fs::path root = paths(number).root;
  fs::path dir = root / "stages";
  std::error_code ec;
  // Never create the build folder itself: one that vanished must stay missing, or the engine
  // could not tell (a new folder may even get the old one's inode number).
  if (!fs::is_directory(root, ec))
    throw Error("cannot write the record of stage '" + r.id + "': the build folder " +
                root.string() + " is missing");
  fs::create_directory(dir, ec);
  if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
  write_file_atomic(dir / (r.id + ".json"), dump_json(one.to_json(masker), 2) + "\n");
}

void BuildStore::merge_stages(int number, BuildRecord& record) const {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(paths(number).root / "stages", ec))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    try {
      for (const auto& st : BuildRecord::from_json(nlohmann::json::parse(read_file(f))).stages)
        record.put(st);
    } catch (const std::exception& e) {
      // A damaged file says nothing about its stage; build.json's record stands.
      warn("the stage record " + f.string() + " is damaged, ignored (" + e.what() + ")");
    }
  }
}

std::optional<BuildRecord> BuildStore::previous(int number) const {
  for (int n = number - 1; n >= 1; --n) {
    auto r = read(n);
    if (r && r->status != Status::running) return r;
  }
  return std::nullopt;
}

void BuildStore::point_latest(int number) {
  fs::path link = builds_ / "latest";
  fs::path tmp = builds_ / (".latest." + std::to_string(::getpid()));
  ::unlink(tmp.c_str());
  if (::symlink(std::to_string(number).c_str(), tmp.c_str()) == 0) {
    if (::rename(tmp.c_str(), link.c_str()) != 0) ::unlink(tmp.c_str());
  }
}

}  // namespace pw::engine
