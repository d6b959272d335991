// Engine look-up and the save command (see save.h).
#include "image/save.h"

namespace pw::image {

std::string no_engine_message() {
  return "no container engine found: install docker (https://docs.docker.com/engine/install/) or "
         "podman (`apt-get install podman`), or scan an archive made by `docker save`";
}

std::vector<std::string> save_argv(const std::string& engine, const std::string& ref,
                                   const std::filesystem::path& out) {
  return {engine, "save", "-o", out.string(), ref};
}

bool is_local_archive(const std::string& arg) {
  std::error_code ec;
  return std::filesystem::exists(arg, ec);
}

}  // namespace pw::image
