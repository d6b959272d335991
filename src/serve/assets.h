// The dashboard's front end (web/, bundled by esbuild at build time) compiled into the binary, so
// pipewright stays one file. The generated assets.cpp defines these.
#pragma once

#include <string_view>

namespace pw::serve {

std::string_view asset_index_html();
std::string_view asset_app_js();
std::string_view asset_app_css();

}  // namespace pw::serve
