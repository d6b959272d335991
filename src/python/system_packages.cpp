#include "python/system_packages.h"

#include "python/names.h"
#include "python/requirement.h"
#include "python/version.h"
#include "util/strings.h"

namespace pw::python {

std::vector<StandIn> check_stand_ins(std::string_view requirements,
                                     const std::map<std::string, std::string>& installed,
                                     const MarkerEnvironment& env) {
  std::vector<StandIn> out;
  for (const auto& raw : split_lines(std::string(requirements))) {
    std::string line(raw);
    // A trailing comment or per-requirement option (--hash=...) is not part of the requirement.
    for (const char* cut : {" #", " --", "\t#", "\t--"})
      if (auto at = line.find(cut); at != std::string::npos) line.resize(at);
    line = std::string(trim(line));
    if (line.empty() || line[0] == '#' || line[0] == '-') continue;
    auto req = parse_requirement(line);
    if (!req) continue;  // what pip would refuse is not a stand-in question
    if (req->marker && !env.empty()) {
      auto applies = req->marker->evaluate(env);
      if (applies && !*applies) continue;
    }
    StandIn s{.requirement = line, .name = normalize_name(req->name)};
    if (auto it = installed.find(s.name); it != installed.end()) {
      s.found = it->second;
      auto v = Version::parse(it->second);
      s.satisfied = req->specifier.empty() || (v && req->specifier.contains(*v, true));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string describe_unmet(const std::vector<StandIn>& stand_ins) {
  std::vector<std::string> parts;
  for (const auto& s : stand_ins) {
    if (s.satisfied) continue;
    parts.push_back(s.found.empty() ? s.name + " (missing)"
                                    : s.name + " " + s.found + " for " + s.requirement);
  }
  return join(parts, ", ");
}

std::string describe_stand_in(const StandIn& st) {
  return "dev dependency " + st.requirement + ": " +
         (st.found.empty() ? std::string("not installed on the system")
                           : "system has " + st.found + (st.satisfied ? "" : ", excluded"));
}

std::string stand_ins_summary(const std::vector<StandIn>& stand_ins) {
  std::string unmet = describe_unmet(stand_ins);
  return "; system packages stand in for " + std::to_string(stand_ins.size()) +
         " dev dependencies" + (unmet.empty() ? "" : " (not met: " + unmet + ")");
}

}  // namespace pw::python
