// The one way pipewright turns a JSON value into text. Strings in records come from tools,
// files, branch names and commands, and any of them may hold bytes that are not UTF-8: that is
// data, not a reason to crash. nlohmann's default dump() throws type_error.316 on such bytes;
// here every invalid sequence becomes U+FFFD (the replacement SARIF has always used), so every
// document pipewright writes is valid JSON whatever went into it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pw {

// j.dump(indent) with invalid UTF-8 replaced by U+FFFD. Works for nlohmann::json and
// nlohmann::ordered_json alike. Never throws for bad text.
template <class BasicJson>
std::string dump_json(const BasicJson& j, int indent = -1) {
  return j.dump(indent, ' ', false, BasicJson::error_handler_t::replace);
}

}  // namespace pw
