// `pipewright db import|status|update`: the local advisory database (security/store.h).
#pragma once

#include <string>
#include <vector>

namespace pw::cli {

int cmd_db_import(const std::vector<std::string>& locations);
int cmd_db_status();
int cmd_db_update();

}  // namespace pw::cli
