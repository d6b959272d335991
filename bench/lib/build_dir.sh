# Sourced by the bench scripts, after they set `root` (the repository): sets `build` to the
# absolute build folder named by $1 (default: build). A relative one is taken from the current
# directory when it exists there, else from the repository root (so `bash bench/X.sh build`
# works from anywhere).
build="${1:-build}"
case "$build" in
  /*) ;;
  *) if [[ -d "$build" ]]; then build="$(cd "$build" && pwd)"; else build="$root/$build"; fi ;;
esac
