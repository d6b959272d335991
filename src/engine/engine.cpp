#include "engine/engine.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "engine/schedule.h"
#include "engine/stage_cache.h"
#include "engine/stage_output.h"
#include "exec/cancel.h"
#include "exec/capture.h"
#include "exec/interrupts.h"
#include "exec/masker.h"
#include "pipeline/dag.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/strings.h"

namespace pw::engine {

using Clock = std::chrono::steady_clock;

bool when_holds(const pipeline::When& when, const std::string& branch,
                const std::optional<std::vector<std::string>>& changed, std::string& why) {
  if (!when.branch.empty() && !glob_match(when.branch, branch)) {
    why = "when.branch '" + when.branch + "' does not match the branch '" +
          (branch.empty() ? std::string("(none)") : branch) + "'";
    return false;
  }
  if (!when.changes.empty() && changed) {
    for (const auto& path : *changed)
      for (const auto& g : when.changes)
        if (glob_match(g, path)) return true;
    why = "no changed path matches when.changes (" + join(when.changes, ", ") + ")";
    return false;
  }
  return true;
}

Engine::Engine(std::filesystem::path project_dir, const pipeline::Pipeline& pipeline,
               const StageRegistry& registry, Console& console, const Credentials& credentials)
    : project_dir_(std::move(project_dir)),
      pipeline_(pipeline),
      registry_(registry),
      console_(console),
      credentials_(credentials) {}

namespace {

// The text of the exception in flight; for use inside a catch block.
std::string exception_text() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception (not a std::exception)";
  }
}

// Everything the worker threads and the main loop share about one build.
class Run {
 public:
  Run(BuildContext& b, const StageRegistry& reg, Console& con, BuildStore& store)
      : build_(b), registry_(reg), console_(con), store_(store) {}

  // Turns the stage cache on for this build; `needs` is the graph's, for the keys.
  void use_cache(const StageCache* cache,
                 const std::map<std::string, std::vector<std::string>>* needs) {
    cache_ = cache;
    needs_ = needs;
  }
  bool stored_in_cache() const { return stored_; }

  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;
  ~Run() {
    if (root_fd_ >= 0) ::close(root_fd_);
  }

  // Writes build.json; remembers the first failure (a deleted folder, a full disk). Never
  // throws: it is called from the main loop and its failure is the build's reason.
  void save(bool force) {
    auto now = Clock::now();
    if (!force && now - last_save_ < std::chrono::milliseconds(100)) {
      dirty_ = true;
      return;
    }
    last_save_ = now;
    dirty_ = false;
    if (!folder_intact()) {
      note_record_error(folder_gone_text());
      return;
    }
    try {
      write_file_atomic(build_.paths.record, record_text());
    } catch (const std::exception& e) {
      note_record_error(e.what());
    }
  }
  bool dirty() const { return dirty_; }

  std::string record_text() {
    std::lock_guard<std::mutex> lock(build_.mu);
    return dump_json(build_.record.to_json(build_.masker.get()), 2) + "\n";
  }

  // The last write of build.json, after post. When the folder vanished, a folder of that name
  // is made again to hold the record, so that the build still has a final word on disk.
  void save_final() {
    if (folder_intact()) {
      save(true);
      return;
    }
    note_record_error(folder_gone_text());
    std::error_code ec;
    std::filesystem::create_directory(build_.paths.root, ec);
    try {
      write_file_atomic(build_.paths.record, record_text());
    } catch (const std::exception&) {
      // Nothing more to do: the console's summary still says why the build failed.
    }
  }

  std::string folder_gone_text() const {
    struct stat st {};
    bool root_there = ::stat(build_.paths.root.c_str(), &st) == 0 && st.st_ino == ino_;
    return (root_there ? "part of the build folder " : "the build folder ") +
           build_.paths.root.string() + " disappeared during the run";
  }

  void note_record_error(const std::string& why) {
    std::lock_guard<std::mutex> lock(build_.mu);
    if (record_error_.empty()) record_error_ = why;
  }

  // Holds the build folder open, to tell later whether it is still the same folder: a stage
  // that deleted it and a later write that made a folder of that name again (create_directories
  // for its reports) must not hide the loss. An open directory that was removed has no links
  // left, which no new folder (even one that got the old inode number back) can fake.
  void remember_folder() {
    root_fd_ = ::open(build_.paths.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st {};
    if (root_fd_ >= 0 && ::fstat(root_fd_, &st) == 0) {
      dev_ = st.st_dev;
      ino_ = st.st_ino;
    }
  }
  // Also false when a folder the engine made in it is gone: a `rm -rf` of the build folder that
  // raced with a concurrent stage's writes leaves the root (not empty any more) without them.
  bool folder_intact() const {
    struct stat held {
    }, now{};
    if (root_fd_ < 0 || ::fstat(root_fd_, &held) != 0 || held.st_nlink == 0) return false;
    if (::stat(build_.paths.root.c_str(), &now) != 0 || now.st_dev != dev_ || now.st_ino != ino_)
      return false;
    for (const auto* sub : {&build_.paths.logs, &build_.paths.reports, &build_.paths.artifacts})
      if (::stat(sub->c_str(), &now) != 0) return false;
    return true;
  }
  std::string record_error() {
    std::lock_guard<std::mutex> lock(build_.mu);
    return record_error_;
  }

  // Why `cancel` was cancelled, for the summaries of the stages it stopped.
  void set_stop_reason(const std::string& why) {
    std::lock_guard<std::mutex> lock(build_.mu);
    if (stop_reason_.empty()) stop_reason_ = why;
  }

  std::string stop_reason() {
    std::lock_guard<std::mutex> lock(build_.mu);
    return stop_reason_;
  }

  // Runs one stage to its settled status, attempts and all. Called on a worker thread, so it
  // never throws: whatever escapes the stage's own handling (a bug, bad_alloc, a failed record
  // write) becomes the stage's FAILURE with the text and the stage's name.
  StageRecord run_stage(const pipeline::StageSpec& spec, const exec::CancelToken& cancel) noexcept {
    try {
      return run_stage_unguarded(spec, cancel);
    } catch (...) {
      std::string what = exception_text();
      StageRecord rec;
      {
        std::lock_guard<std::mutex> lock(build_.mu);
        if (const StageRecord* r = build_.record.find(spec.id)) rec = *r;
      }
      rec.id = spec.id;
      rec.blocking = spec.blocking;
      rec.status = Status::failure;
      rec.summary = "internal error in stage '" + spec.id + "': " + what;
      try {
        rec.summary = build_.masker->mask(rec.summary);
        std::lock_guard<std::mutex> lock(build_.mu);
        build_.record.put(rec);
      } catch (...) {
      }
      try {
        console_.stage_finished(spec.id, rec.status, Millis(rec.duration_ms), rec.summary, {},
                                Clock::now());
      } catch (...) {
      }
      return rec;
    }
  }

 private:
  StageRecord run_stage_unguarded(const pipeline::StageSpec& spec,
                                  const exec::CancelToken& cancel) {
    StageRecord rec;
    rec.id = spec.id;
    rec.blocking = spec.blocking;
    rec.log = "logs/" + spec.id + ".log";
    rec.started = iso8601_now();
    rec.status = Status::running;
    auto t0 = Clock::now();
    {
      std::lock_guard<std::mutex> lock(build_.mu);
      build_.record.put(rec);
    }
    // RUNNING reaches build.json (the dashboard, `log --follow`) while the stage runs, not only
    // when a later write happens to carry it: a stage blocked for minutes was shown pending.
    dirty_ = true;
    console_.stage_started(spec.id, t0);
    std::filesystem::path log_path = build_.paths.logs / (spec.id + ".log");
    std::error_code ec;
    std::filesystem::remove(log_path, ec);  // a re-run of the stage starts its log afresh
    StageOutput out(spec.id, log_path, build_.masker, &console_);
    out.line("# pipewright: stage '" + spec.id + "' (" + spec.kind + ") of build #" +
                 std::to_string(build_.paths.number) + ", started " + rec.started,
             StageOutput::Tail::skip);

    StageOutcome outcome;
    bool show_tail = false;
    std::string why;
    std::string cache_key;  // set by restore_from_cache when the stage may be cached
    // The files' clock (mtimes) at the start, for a run: stage's undeclared outputs.
    auto files_t0 = std::filesystem::file_time_type::clock::now();
    nlohmann::json key_parts;
    std::vector<std::pair<std::string, std::string>> key_inputs;
    if (!check_when(spec, why)) {
      outcome = StageOutcome::skipped(why);
    } else if (std::string missing = missing_credential(spec); !missing.empty()) {
      outcome = StageOutcome::failed(missing);
    } else if (restore_from_cache(spec, rec, out, cache_key, key_parts, key_inputs, outcome)) {
      // The stage's inputs did not change since a build that ran it: its result stands.
    } else {
      int attempts_allowed = 1 + spec.retry;
      for (int attempt = 1; attempt <= attempts_allowed; ++attempt) {
        rec.attempts = attempt;
        if (attempt > 1)
          out.line("# attempt " + std::to_string(attempt) + " of " +
                   std::to_string(attempts_allowed));
        out.clear_tail();
        std::optional<StageContext::TimePoint> deadline;
        if (spec.timeout) deadline = Clock::now() + *spec.timeout;
        rec.data = nlohmann::json::object();
        StageContext ctx(build_, spec, out, {deadline, &cancel}, rec.data);
        try {
          auto stage = registry_.create(spec);
          outcome = stage->run(ctx);
        } catch (...) {
          // A stage reports its problems in its outcome; what it throws is a bug, shown as one.
          outcome = StageOutcome::failed("internal error in stage '" + spec.id +
                                         "': " + exception_text());
          out.line("# " + outcome.summary);
        }
        if (cancel.cancelled()) {
          outcome.status = Status::aborted;
          std::lock_guard<std::mutex> lock(build_.mu);
          outcome.summary = stop_reason_.empty() ? "aborted" : stop_reason_;
          break;
        }
        if (deadline && Clock::now() >= *deadline && outcome.status == Status::failure)
          outcome.summary =
              "timed out after " + format_duration(*spec.timeout) + " (its processes were killed)";
        if (!out.write_error().empty()) {
          outcome = StageOutcome::failed(out.write_error());
          break;
        }
        if (outcome.status != Status::failure || attempt == attempts_allowed) break;
        out.line("# attempt " + std::to_string(attempt) + " failed: " + outcome.summary);
      }
      show_tail = outcome.status == Status::failure || outcome.status == Status::aborted;
    }
    if (!out.write_error().empty() && outcome.status != Status::failure)
      outcome = StageOutcome::failed(out.write_error());
    if (rec.attempts > 1 && outcome.status == Status::failure)
      outcome.summary += " (after " + std::to_string(rec.attempts) + " attempts)";
    rec.status = outcome.fails_build ? outcome.status : settle(outcome.status, spec.blocking);
    rec.summary = build_.masker->mask(outcome.summary);
    rec.duration_ms = std::chrono::duration_cast<Millis>(Clock::now() - t0).count();
    if (!cache_key.empty() && rec.cache.is_null() && !cancel.cancelled() &&
        (rec.status == Status::success || rec.status == Status::unstable) &&
        out.write_error().empty())
      keep_in_cache(spec, rec, outcome, cache_key, key_parts, key_inputs, log_path, out, files_t0);
    remember_result(spec, rec, cache_key);
    out.line("# " + to_string(rec.status) + " in " + format_duration(Millis(rec.duration_ms)) +
                 (rec.summary.empty() ? "" : ": " + rec.summary),
             StageOutput::Tail::skip);
    {
      std::lock_guard<std::mutex> lock(build_.mu);
      build_.record.put(rec);
    }
    try {
      store_.write_stage(build_.paths.number, rec, build_.masker.get());
    } catch (const std::exception& e) {
      note_record_error(folder_intact() ? std::string(e.what()) : folder_gone_text());
    }
    console_.stage_finished(spec.id, rec.status, Millis(rec.duration_ms), rec.summary,
                            show_tail ? out.tail() : std::vector<std::string>{}, Clock::now());
    return rec;
  }

  // The stage cache (stage_cache.h). The key of a stage covers what it reads of the tree, its
  // settings and variables, the tool environment and the results of the stages it needs; a
  // stage the cache cannot serve runs as usual, and no cache problem ever fails a build.
  bool restore_from_cache(const pipeline::StageSpec& spec, StageRecord& rec, StageOutput& out,
                          std::string& key, nlohmann::json& components,
                          std::vector<std::pair<std::string, std::string>>& inputs,
                          StageOutcome& outcome) {
    if (!cache_) return false;
    try {
      key = stage_key(spec, components, inputs);
    } catch (const std::exception& e) {
      out.line("# stage cache: no key (" + std::string(e.what()) + "): the stage runs");
      key.clear();
    }
    if (key.empty()) return false;
    std::string warning;
    auto entry = cache_->lookup(key, warning);
    if (!warning.empty()) console_.warn(warning);
    if (!entry) {
      out.line("# stage cache: no result for key " + key.substr(0, 12) + ": the stage runs",
               StageOutput::Tail::skip);
      return false;
    }
    // A failure is never reused: with the stage now blocking, what was UNSTABLE is a FAILURE.
    Status settled = entry->fails_build ? entry->status : settle(entry->status, spec.blocking);
    if (settled != Status::success && settled != Status::unstable) return false;
    std::string log;
    try {
      log = cache_->restore(*entry, build_.paths.root, workspace(), &rec.data);
    } catch (const std::exception& e) {
      console_.warn("stage '" + spec.id + "': the cached result could not be restored (" +
                    e.what() + "): the stage runs");
      return false;
    }
    std::string from = "build #" + std::to_string(entry->build);
    if (entry->project != build_.record.project && !entry->project.empty())
      from += " of " + entry->project;
    out.line("# restored from the stage cache: " + from + "'s result (key " + key.substr(0, 12) +
                 "); its log follows",
             StageOutput::Tail::skip);
    for (const auto& l : split_lines(log)) out.line(l, StageOutput::Tail::skip);
    outcome.status = entry->status;
    outcome.fails_build = entry->fails_build;
    outcome.summary = entry->summary + (entry->summary.empty() ? "" : " ") + "(cached from " +
                      from + ", " + format_duration(Millis(entry->duration_ms)) + " saved)";
    rec.attempts = 0;
    rec.cache = {{"key", key},
                 {"from_build", entry->build},
                 {"from_project", entry->project},
                 {"saved_ms", entry->duration_ms}};
    return true;
  }

  void keep_in_cache(const pipeline::StageSpec& spec, StageRecord& rec, const StageOutcome& outcome,
                     const std::string& key, const nlohmann::json& components,
                     const std::vector<std::pair<std::string, std::string>>& inputs,
                     const std::filesystem::path& log_path, StageOutput& out,
                     std::filesystem::file_time_type started) {
    CacheEntry e;
    e.key = key;
    e.components = components;
    e.inputs = inputs;
    e.stage = spec.id;
    e.project = build_.record.project;
    e.build = build_.paths.number;
    e.status = outcome.status;
    e.fails_build = outcome.fails_build;
    e.summary = rec.summary;
    e.data = rec.data;
    e.duration_ms = rec.duration_ms;
    std::vector<std::string> outputs = registry_.cache_policy(spec.kind).outputs;
    std::optional<std::filesystem::file_time_type> since;
    if (spec.kind == "run") {
      outputs = spec.cache.outputs;
      if (outputs.empty()) {
        // Undeclared: what it wrote under reports/ and artifacts/ while it ran.
        outputs = {"reports/**", "artifacts/**"};
        since = started;
      }
    }
    try {
      cache_->store(e, outputs, build_.paths.root, workspace(), log_path, since);
      rec.cache = {{"key", key}, {"stored", true}};
      std::lock_guard<std::mutex> lock(build_.mu);
      stored_ = true;
    } catch (const std::exception& ex) {
      // The stage's result stands; only the entry is lost (a full disk, say).
      out.line("# stage cache: the result was not kept: " + std::string(ex.what()));
    }
  }

  std::filesystem::path workspace() {
    std::lock_guard<std::mutex> lock(build_.mu);
    if (!build_.record.workspace.empty()) return build_.record.workspace;
    return build_.overrides.in_place ? build_.project_dir : build_.paths.workspace;
  }

  // The tree the stages read, listed once per build (after checkout made the workspace).
  const TreeListing* tree() {
    std::lock_guard<std::mutex> lock(tree_mu_);
    if (!tree_read_) {
      tree_read_ = true;
      tree_ = TreeListing::read(workspace(), build_.overrides.in_place);
    }
    return tree_ ? &*tree_ : nullptr;
  }

  // "" when the stage is not to be cached; `components` gets what the key is made of and
  // `inputs` the tree files it covered.
  std::string stage_key(const pipeline::StageSpec& spec, nlohmann::json& components,
                        std::vector<std::pair<std::string, std::string>>& inputs) {
    const CachePolicy& pol = registry_.cache_policy(spec.kind);
    bool run_kind = spec.kind == "run";
    if (!cacheable(spec, pol)) return {};
    components = nlohmann::json::object();
    if (auto globs = input_globs(spec, pol, *build_.pipeline)) {
      const TreeListing* t = tree();
      if (!t) return {};
      components["inputs"] = t->digest(*globs, &inputs);
    }
    components["settings"] = settings_digest(spec, *build_.credentials);
    Sha256 vars;
    if (run_kind) {
      for (const auto& name : spec.cache.env) {
        const char* v = std::getenv(name.c_str());
        vars.update(name + (v ? "=" + std::string(v) : std::string(" unset")) + "\n");
      }
    } else {
      for (const auto& kv : tool_environment()) vars.update(kv + "\n");
    }
    components["env"] = vars.hex_digest();
    nlohmann::json needs = nlohmann::json::object();
    if (needs_ && needs_->count(spec.id))
      for (const auto& n : needs_->at(spec.id)) needs[n] = result_of(n);
    components["needs"] = needs;
    if (pol.extra) {
      KeyInputs in{spec, *build_.pipeline, workspace(), build_.paths.root};
      components["extra"] = pol.extra(in);
    }
    components["pipewright"] =
        std::string(PW_ENGINE_VERSION) + " cache " + std::to_string(CacheEntry::kFormat);
    return sha256_hex(dump_json(components));
  }

  // What a finished stage's result means to the stages after it.
  std::string result_of(const std::string& id) {
    StageRecord r;
    {
      std::lock_guard<std::mutex> lock(build_.mu);
      auto it = result_keys_.find(id);
      if (it != result_keys_.end()) return it->second;
      // Outside this run's selection (--only): what the build folder recorded.
      const StageRecord* found = build_.record.find(id);
      if (!found) return "not run";
      r = *found;
    }
    if (r.cache.is_object() && r.cache.contains("key") && r.cache["key"].is_string())
      return r.cache["key"].get<std::string>() + " " + data_digest(r);
    const pipeline::StageSpec* spec = build_.pipeline->find(id);
    return spec ? result_digest(*spec, r) : data_digest(r);
  }

  // What a finished stage that was not cached gives the stages after it: its kind's own
  // answer (setup-python's environment), else its status and data.
  std::string result_digest(const pipeline::StageSpec& spec, const StageRecord& rec) {
    const auto& pol = registry_.cache_policy(spec.kind);
    if (!pol.result) return data_digest(rec);
    try {
      KeyInputs in{spec, *build_.pipeline, workspace(), build_.paths.root, &rec};
      return pol.result(in);
    } catch (const std::exception& e) {
      return std::string("unknown: ") + e.what();
    }
  }

  static std::string data_digest(const StageRecord& r) {
    nlohmann::json d = r.data;
    if (d.is_object())
      for (auto it = d.begin(); it != d.end();)
        it = it.key().ends_with("_ms") ? d.erase(it) : std::next(it);
    return sha256_hex(to_string(r.status) + "\n" + dump_json(d));
  }

  // A cacheable stage's key and what it gave (status and data, restored or not): the key
  // alone would let a stage that ran again under an earlier entry's key, and gave another
  // result (a tool or pipewright changed in a way no key sees), leave the stages after it
  // restoring results made from the old one.
  void remember_result(const pipeline::StageSpec& spec, const StageRecord& rec,
                       const std::string& key) {
    if (!cache_) return;
    std::string result = key.empty() ? result_digest(spec, rec) : key + " " + data_digest(rec);
    std::lock_guard<std::mutex> lock(build_.mu);
    result_keys_[spec.id] = result;
  }

  bool check_when(const pipeline::StageSpec& spec, std::string& why) {
    if (spec.when.empty()) return true;
    std::string branch, commit, ws;
    {
      std::lock_guard<std::mutex> lock(build_.mu);
      branch = build_.record.branch;
      commit = build_.record.commit;
      ws = build_.record.workspace;
    }
    if (branch.empty())
      branch = exec::git(build_.project_dir, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
    std::optional<std::vector<std::string>> changed;
    if (!spec.when.changes.empty())
      changed = changed_paths(commit, ws.empty() ? build_.project_dir.string() : ws);
    return when_holds(spec.when, branch, changed, why);
  }

  // Paths changed between the previous build's commit and this one; nullopt when that cannot
  // be known (no previous build, or its commit is not in this history): then everything counts
  // as changed, so a first build runs every stage.
  std::optional<std::vector<std::string>> changed_paths(const std::string& commit,
                                                        const std::string& dir) {
    if (!build_.previous || build_.previous->commit.empty()) return std::nullopt;
    std::string head = commit.empty() ? "HEAD" : commit;
    auto diff = exec::git(dir, {"diff", "--name-only", build_.previous->commit, head});
    if (!diff) return std::nullopt;
    return split_lines(*diff);
  }

  std::string missing_credential(const pipeline::StageSpec& spec) {
    for (const auto& id : spec.credentials)
      if (!build_.credentials->has(id))
        return "credential '" + id + "' is not in " + build_.credentials->path().string() +
               " (add it there, or set PIPEWRIGHT_CREDENTIALS to the file that has it)";
    return {};
  }

  BuildContext& build_;
  const StageRegistry& registry_;
  Console& console_;
  BuildStore& store_;
  int root_fd_ = -1;
  Clock::time_point last_save_{};
  // Set by save() when it skipped a write, and by a worker when its stage starts: the main loop
  // writes build.json on its next turn (at most 100 ms later).
  std::atomic<bool> dirty_{false};
  std::string record_error_;
  std::string stop_reason_;
  const StageCache* cache_ = nullptr;
  const std::map<std::string, std::vector<std::string>>* needs_ = nullptr;
  std::map<std::string, std::string> result_keys_;  // guarded by build_.mu
  bool stored_ = false;
  std::mutex tree_mu_;
  bool tree_read_ = false;
  std::optional<TreeListing> tree_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace

namespace {

// The build's reason (BuildRecord::reason): what went wrong around the stages first, else the
// first stage that decided the status, with its summary.
std::string build_reason(const BuildRecord& record, const std::string& record_error,
                         const std::string& stop_reason) {
  if (record.status == Status::success || record.status == Status::running) return "";
  if (!record_error.empty()) return record_error;
  if (record.status == Status::aborted && !stop_reason.empty()) return stop_reason;
  for (const auto& st : record.stages)
    if (st.status == record.status)
      return "stage '" + st.id + "' " + to_string(st.status) +
             (st.summary.empty() ? std::string() : ": " + st.summary);
  return "no stage says why (a bug in pipewright: please report it)";
}

}  // namespace

namespace {

// What one build runs: the DAG, the stages selected from it in order, and whether post runs.
struct Selection {
  pipeline::Graph graph;
  std::vector<std::string> stages;
  bool post = false;
};

// The request's stages and what they need, validated before a folder is made: everything that
// can be wrong with the configuration is a ConfigError here.
Selection select_stages(const pipeline::Pipeline& pipeline, const StageRegistry& registry,
                        const BuildRequest& req) {
  Selection sel;
  sel.graph = pipeline::resolve(pipeline);
  sel.stages = pipeline::select(sel.graph, pipeline, req.targets, req.only);
  sel.post = sel.graph.has_post && (!req.only || std::find(req.targets.begin(), req.targets.end(),
                                                           "post") != req.targets.end());
  std::vector<Diagnostic> diags;
  for (const auto& id : sel.stages) registry.validate(*pipeline.find(id), pipeline, diags);
  if (sel.post) registry.validate(*pipeline.find("post"), pipeline, diags);
  if (!diags.empty()) throw ConfigError(diags);
  return sel;
}

// Every credential value masked in logs (one too short to mask is named).
std::shared_ptr<exec::Masker> credential_masker(const Credentials& credentials, Console& console) {
  auto masker = std::make_shared<exec::Masker>();
  for (const auto& v : credentials.all_values()) {
    if (v.size() < exec::Masker::kMinLength && !v.empty())
      console.warn("a credential value in " + credentials.path().string() + " is shorter than " +
                   std::to_string(exec::Masker::kMinLength) + " characters and cannot be masked");
    masker->add_secret(v);
  }
  return masker;
}

// The build's folder: build N of --build (created, or continued with what earlier jobs left
// there, merged in the pipeline's order), or the next number. Killed builds are settled first.
void open_folder(BuildContext& b, BuildStore& store, const Selection& sel, const BuildRequest& req,
                 Console& console) {
  if (req.build_number) {
    b.paths = store.open(*req.build_number, /*create=*/true);
    if (auto existing = store.read(*req.build_number)) b.record = *existing;
    store.merge_stages(*req.build_number, b.record);
    // Merged records in the pipeline's order, post last, whatever order the jobs ran in.
    std::map<std::string, size_t> rank;
    for (const auto& id : sel.graph.order) rank.emplace(id, rank.size());
    rank.emplace("post", rank.size());
    std::stable_sort(b.record.stages.begin(), b.record.stages.end(),
                     [&](const StageRecord& x, const StageRecord& y) {
                       auto rx = rank.find(x.id), ry = rank.find(y.id);
                       return (rx == rank.end() ? rank.size() : rx->second) <
                              (ry == rank.end() ? rank.size() : ry->second);
                     });
    // A folder a CI engine restored at another path still names the workspace it was cloned
    // into; the clone came along inside the folder, so the stages work there.
    std::filesystem::path ws = b.record.workspace;
    if (!ws.empty() && ws.filename() == "workspace" &&
        ws.parent_path().filename() == std::to_string(b.paths.number) && ws != b.paths.workspace)
      b.record.workspace = b.paths.workspace.string();
  } else {
    b.paths = store.allocate();
  }
  // Builds whose pipewright was killed said RUNNING until now: they are settled as killed.
  for (int n : store.settle_dead())
    console.warn("build #" + std::to_string(n) +
                 " was killed (its pipewright process ended before the build did): its record "
                 "now says ABORTED");
}

// The scheduling loop: starts the ready stages (up to req.jobs at a time, each on its own
// thread), records what finished, and stops on an interrupt, a vanished folder or fail-fast.
// Returns whether the build was aborted.
bool run_stages(Run& run, BuildContext& b, const Selection& sel, const pipeline::Pipeline& pipeline,
                const BuildRequest& req, Console& console) {
  const auto& selected = sel.stages;
  // Schedule nodes: the selected stages, needs restricted to the selection (with --only, what
  // lies outside is taken as already done in this build folder).
  std::vector<Schedule::Node> nodes;
  std::map<std::string, int> index;
  for (const auto& id : selected) {
    Schedule::Node n;
    n.id = id;
    n.blocking = pipeline.find(id)->blocking;
    n.always = pipeline.find(id)->always;
    for (const auto& need : sel.graph.needs.at(id)) {
      auto it = index.find(need);
      if (it != index.end()) n.needs.push_back(it->second);
    }
    index[id] = static_cast<int>(nodes.size());
    nodes.push_back(std::move(n));
  }
  Schedule sched(std::move(nodes), req.keep_going ? FailFast::no : FailFast::yes);

  exec::CancelToken stop;        // stops running stages: an interrupt, or fail-fast
  exec::CancelToken abort_stop;  // stops `always` stages, which outlive a fail-fast stop
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<int, Status>> finished;
  std::vector<std::thread> threads(selected.size());
  bool aborted = false;
  bool folder_lost = false;

  auto record_not_built = [&]() {
    std::lock_guard<std::mutex> lock(b.mu);
    for (size_t i = 0; i < selected.size(); ++i) {
      if (sched.status(static_cast<int>(i)) != Status::not_built) continue;
      if (auto* r = b.record.find(selected[i]); r && r->status == Status::not_built) continue;
      StageRecord r;
      r.id = selected[i];
      r.status = Status::not_built;
      r.blocking = pipeline.find(selected[i])->blocking;
      r.summary = sched.reason(static_cast<int>(i));
      b.record.put(r);
    }
  };

  while (!sched.done()) {
    if (!aborted && exec::Interrupts::raised(1)) {
      aborted = true;
      run.set_stop_reason("aborted by " + std::string(exec::Interrupts::first_signal() == SIGTERM
                                                          ? "SIGTERM"
                                                          : "SIGINT"));
      stop.cancel();
      abort_stop.cancel();
      sched.abort();
      record_not_built();
    }
    size_t slots = req.jobs > 0 ? static_cast<size_t>(req.jobs) -
                                      std::min(sched.running(), static_cast<size_t>(req.jobs))
                                : 0;
    for (int i : sched.start_ready(slots)) {
      const pipeline::StageSpec* spec = pipeline.find(selected[i]);
      threads[i] = std::thread([&, i, spec]() noexcept {
        Status st = run.run_stage(*spec, spec->always ? abort_stop : stop).status;  // never throws
        std::lock_guard<std::mutex> lock(mu);
        finished.emplace_back(i, st);
        cv.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return !finished.empty(); });
    while (!finished.empty()) {
      auto [i, st] = finished.front();
      finished.pop_front();
      lock.unlock();
      threads[i].join();
      sched.finish(i, st);
      if (!folder_lost && !run.folder_intact()) {
        // Nothing more can be recorded: later stages are not started (their reason says why);
        // the build fails with the loss as its reason, and post still runs.
        folder_lost = true;
        run.note_record_error(run.folder_gone_text());
        sched.abort("not started: " + run.folder_gone_text());
      }
      const auto* failed = pipeline.find(selected[i]);
      bool stop_running = failed->fail_fast.value_or(pipeline.fail_fast);
      if (st == Status::failure && !req.keep_going && sched.running() > 0 && stop_running) {
        // fail_fast, as Jenkins' parallel failFast: stages still running are stopped. Without
        // it they finish and report (the tests beside a failed lint), and nothing new starts.
        run.set_stop_reason("stopped: '" + selected[i] + "' failed");
        stop.cancel();
      }
      record_not_built();
      run.save(false);
      lock.lock();
    }
    lock.unlock();
    console.tick(Clock::now());
    if (run.dirty()) run.save(false);
  }
  for (auto& t : threads)
    if (t.joinable()) t.join();
  return aborted || exec::Interrupts::raised(1);
}

// Post runs whatever happened; only a second interrupt stops it.
void run_post(Run& run, BuildContext& b, const pipeline::Pipeline& pipeline, Console& console) {
  const pipeline::StageSpec* post = pipeline.find("post");
  exec::CancelToken post_stop;
  std::thread t([&]() noexcept { run.run_stage(*post, post_stop); });
  while (true) {
    if (exec::Interrupts::raised(2)) {
      run.set_stop_reason("aborted by a second interrupt");
      post_stop.cancel();
    }
    console.tick(Clock::now());
    std::unique_lock<std::mutex> lock(b.mu);
    auto* r = b.record.find("post");
    if (r && r->status != Status::running) break;
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  t.join();
}

// The build's status from its stages, its reason, the final build.json and the summary.
BuildOutcome finish(Run& run, BuildContext& b, const BuildRequest& req, bool aborted,
                    Clock::time_point t0, const std::filesystem::path& project_dir,
                    Console& console) {
  std::vector<Status> statuses;
  {
    std::lock_guard<std::mutex> lock(b.mu);
    for (const auto& r : b.record.stages) statuses.push_back(r.status);
  }
  Status status = build_status(statuses, aborted);
  {
    std::lock_guard<std::mutex> lock(b.mu);
    b.record.status = status;
    b.record.duration_ms += std::chrono::duration_cast<Millis>(Clock::now() - t0).count();
    if (b.record.workspace.empty())
      b.record.workspace = (req.overrides.in_place ? project_dir : b.paths.workspace).string();
  }
  // The records' own problems (a vanished folder, a full disk) fail the build, and are its
  // reason; build.json is written last of all so that it says so too.
  run.save(true);
  std::string record_error = run.record_error();
  if (!record_error.empty()) {
    console.warn(record_error);
    if (status != Status::aborted) status = Status::failure;
  }
  std::string stop_reason = run.stop_reason();  // (takes b.mu itself)
  {
    std::lock_guard<std::mutex> lock(b.mu);
    b.record.status = status;
    b.record.reason = build_reason(b.record, record_error, stop_reason);
  }
  run.save_final();

  BuildOutcome outcome;
  outcome.number = b.paths.number;
  outcome.status = status;
  outcome.exit_code = exit_code_for(status, req.unstable_ok);
  outcome.dir = b.paths.root;
  std::error_code ec;
  auto rel = std::filesystem::relative(b.paths.root, std::filesystem::current_path(), ec);
  std::string shown = ec || rel.empty() || rel.string().rfind("../..", 0) == 0
                          ? b.paths.root.string()
                          : rel.string();
  {
    std::lock_guard<std::mutex> lock(b.mu);
    console.summary(b.record, shown, outcome.exit_code);
  }
  return outcome;
}

}  // namespace

BuildOutcome Engine::run(const BuildRequest& req) {
  Selection sel = select_stages(pipeline_, registry_, req);

  BuildStore store(project_dir_);
  BuildContext b;
  b.project_dir = project_dir_;
  b.pipeline = &pipeline_;
  b.overrides = req.overrides;
  b.credentials = &credentials_;
  b.console = &console_;
  b.masker = credential_masker(credentials_, console_);
  open_folder(b, store, sel, req, console_);
  b.record.number = b.paths.number;
  b.record.status = Status::running;
  b.record.reason.clear();
  b.record.project =
      pipeline_.project.name.empty() ? project_dir_.filename().string() : pipeline_.project.name;
  auto started_wall = std::chrono::system_clock::now();
  if (b.record.started.empty()) b.record.started = iso8601(started_wall);
  if (b.record.trigger.empty())
    b.record.trigger = build_trigger([](const char* name) {
      const char* v = std::getenv(name);
      return std::string(v ? v : "");
    });
  for (const auto& [id, needs] : sel.graph.needs) b.record.needs[id] = needs;
  b.previous = store.previous(b.paths.number);
  auto t0 = Clock::now();

  console_.info("pipewright: build #" + std::to_string(b.paths.number) + " of " + b.record.project +
                " (" + std::to_string(sel.stages.size() + (sel.post ? 1 : 0)) + " stages, " +
                std::to_string(req.jobs) + " at a time)");
  for (const auto& w : store.take_warnings()) console_.warn(w);

  Run run(b, registry_, console_, store);
  std::optional<StageCache> stage_cache;
  if (req.stage_cache) {
    stage_cache.emplace(StageCache::user_default());
    run.use_cache(&*stage_cache, &sel.graph.needs);
  }
  run.remember_folder();
  run.save(true);

  bool aborted = run_stages(run, b, sel, pipeline_, req, console_);
  if (sel.post) run_post(run, b, pipeline_, console_);

  // The cache stays within its bound: the oldest entries go once a build has added some.
  if (stage_cache && run.stored_in_cache()) {
    try {
      stage_cache->prune(std::nullopt, kStageCacheMaxBytes);
    } catch (const std::exception& e) {
      console_.warn("the stage cache could not be pruned: " + std::string(e.what()));
    }
  }

  return finish(run, b, req, aborted, t0, project_dir_, console_);
}

}  // namespace pw::engine
