#include "deploy/history.h"

#include <chrono>

#include "util/clock.h"
#include "util/fs.h"
#include "util/json.h"

namespace pw::deploy {

namespace fs = std::filesystem;

namespace {

nlohmann::json health_json(const HealthResult& h) {
  return {{"healthy", h.healthy},
          {"attempts", h.attempts},
          {"elapsed_ms", h.elapsed.count()},
          {"last", h.last}};
}

}  // namespace

nlohmann::json deployment_record(const Rollout& r, const Release& release, bool rollback) {
  nlohmann::json d = {{"build", release.build},        {"image", release.image},
                      {"digest", release.digest},      {"pulled", release.pinned},
                      {"status", r.status_name()},     {"finished", iso8601_now()},
                      {"duration_ms", r.took.count()}, {"rollback", rollback}};
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& t : r.runs) {
    nlohmann::json j = {{"name", t.t->name},
                        {"host", t.t->host},
                        {"port", t.t->port},
                        {"container", t.container},
                        {"outcome", t.outcome},
                        {"image_before", t.previous_image},
                        {"build_before", t.previous_build},
                        {"image_after", t.image_after},
                        {"duration_ms", t.duration.count()},
                        {"note", t.note}};
    if (t.health) j["health"] = health_json(*t.health);
    if (t.restored_health) j["restored_health"] = health_json(*t.restored_health);
    if (!t.new_state.empty()) j["new_container_state"] = t.new_state;
    targets.push_back(j);
  }
  d["targets"] = targets;
  return d;
}

std::string append_history(const fs::path& file, const nlohmann::json& record, int build,
                           const exec::Masker& masker, Io& io) {
  nlohmann::json all = nlohmann::json::array();
  std::error_code ec;
  std::string problem;
  if (fs::exists(file, ec)) {
    std::string damage;
    try {
      all = nlohmann::json::parse(read_file(file));
      if (!all.is_array()) damage = "not a JSON array";
    } catch (const std::exception& e) {
      damage = e.what();
    }
    if (!damage.empty()) {
      // The history is not ours to lose: the damaged file is kept beside the new one, and the
      // stage says so, rather than starting over without a word.
      fs::path aside = file;
      aside += ".damaged-" + std::to_string(build) + "-" +
               std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
      fs::rename(file, aside, ec);
      problem =
          file.string() + " was damaged (" + damage + "); kept as " +
          (ec ? file.string() + " (could not move it: " + ec.message() + ")" : aside.string()) +
          ", and this deployment starts a new history";
      io.warn(problem);
      all = nlohmann::json::array();
      if (ec) return problem;  // never overwrite the only copy of the history
    }
  }
  all.push_back(record);
  fs::create_directories(file.parent_path(), ec);
  write_file_atomic(file, masker.mask(dump_json(all, 2) + "\n"));
  return problem;
}

}  // namespace pw::deploy
