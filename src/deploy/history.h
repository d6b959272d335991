// The record of a deployment: what the stage keeps in its data and appends to the build's
// reports/deploy.json, which lists every deployment of that build (the redeploys and roll backs
// of later days included; docs/deploy.md describes the fields).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "deploy/rollout.h"
#include "exec/masker.h"

namespace pw::deploy {

nlohmann::json deployment_record(const Rollout& r, const Release& release, bool rollback);

// Appends `record` (masked) to `file`. A file that is not a JSON array is kept aside and named
// in the returned problem ("" when there was none), which is also warned through `io`; when it
// cannot be moved aside nothing is written, so the only copy of the history is never lost.
std::string append_history(const std::filesystem::path& file, const nlohmann::json& record,
                           int build, const exec::Masker& masker, Io& io);

}  // namespace pw::deploy
