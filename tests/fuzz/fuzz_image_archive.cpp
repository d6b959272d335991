// A container image archive as `docker save` / `podman save` (docker-archive, OCI) writes it,
// or as anybody hands it to `pipewright scan image`: the outer tar, its manifest and config,
// every layer (tar, gzip, zstd) and the files the inventory reads from them.
#include "fuzz.h"
#include "image/inventory.h"

PW_FUZZ_TARGET(text) {
  auto path = pw::fuzz::write_scratch("image.tar", text);
  (void)pw::image::read_inventory(path);
}
