#include "cli/cache_plan.h"

#include <map>

#include "engine/build_store.h"
#include "engine/stage_cache.h"
#include "util/strings.h"

namespace pw::cli {

namespace {

// The paths whose object ids differ between two sorted listings, added and removed included.
std::vector<std::string> changed(const std::vector<std::pair<std::string, std::string>>& before,
                                 const std::vector<std::pair<std::string, std::string>>& now) {
  std::map<std::string, std::string> a(before.begin(), before.end()), b(now.begin(), now.end());
  std::vector<std::string> out;
  for (const auto& [path, oid] : a)
    if (auto it = b.find(path); it == b.end() || it->second != oid) out.push_back(path);
  for (const auto& [path, oid] : b)
    if (!a.count(path)) out.push_back(path);
  return out;
}

}  // namespace

void print_cache_plan(std::ostream& out, const std::filesystem::path& project_dir,
                      const pipeline::Pipeline& p, const std::vector<std::string>& stages,
                      const engine::StageRegistry& registry,
                      const engine::Credentials& credentials) {
  engine::BuildStore store(project_dir);
  std::optional<engine::BuildRecord> last;
  for (int n = store.newest(); n > 0 && !last; --n) last = store.read(n);
  auto tree = engine::TreeListing::read(project_dir, false);
  auto cache = engine::StageCache::user_default();
  out << "\nStage cache (against "
      << (last ? "build #" + std::to_string(last->number) : std::string("no earlier build"))
      << ", at HEAD):\n";
  size_t w = 5;
  for (const auto& id : stages) w = std::max(w, id.size());
  for (const auto& id : stages) {
    const pipeline::StageSpec& spec = *p.find(id);
    const auto& policy = registry.cache_policy(spec.kind);
    std::string line;
    std::string why_not;
    if (!engine::cacheable(spec, policy, &why_not)) {
      line = "runs: " + why_not;
    } else {
      const engine::StageRecord* rec = nullptr;
      if (last)
        for (const auto& r : last->stages)
          if (r.id == id) rec = &r;
      std::optional<engine::CacheEntry> entry;
      std::string warning;
      if (rec && rec->cache.is_object() && rec->cache.contains("key"))
        entry = cache.lookup(rec->cache["key"].get<std::string>(), warning);
      if (!entry) {
        line = "runs: no cached result from the last build";
      } else {
        std::vector<std::pair<std::string, std::string>> now;
        auto globs = engine::input_globs(spec, policy, p);
        if (globs && tree) tree->digest(*globs, &now);
        auto diff = globs && tree ? changed(entry->inputs, now) : std::vector<std::string>{};
        std::string settings = engine::settings_digest(spec, credentials);
        std::string from = "build #" + std::to_string(entry->build);
        if (!diff.empty()) {
          std::vector<std::string> shown(diff.begin(),
                                         diff.begin() + std::min<size_t>(diff.size(), 3));
          line = "runs: changed since " + from + ": " + join(shown, ", ") +
                 (diff.size() > 3 ? " and " + std::to_string(diff.size() - 3) + " more" : "");
        } else if (entry->components.value("settings", "") != settings) {
          line = "runs: its settings changed since " + from;
        } else {
          line = "cached (" + from + "), unless the environment or a stage it needs changed";
        }
      }
    }
    out << "  " << id << std::string(w - id.size() + 2, ' ') << line << "\n";
  }
}

}  // namespace pw::cli
