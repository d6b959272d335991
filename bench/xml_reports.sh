#!/usr/bin/env bash
# XML report parsing: pipewright's JUnit and Cobertura parsers (bench_xml_reports, C++) against
# Python's fastest readily available XML paths (bench/xml_reports_peer.py: xml.etree's C parser,
# and lxml when installed) on the same generated files in the same run: a 100,000-case pytest
# JUnit report and a 2,000-file coverage.py coverage.xml. Prints a table with ms and ratios
# (goal: at least 20x); exits non-zero if the two sides' results differ.
# Usage: bash bench/xml_reports.sh [BUILD_DIR]   (default: build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build}"
binary="$build/bench/bench_xml_reports"
if [ ! -x "$binary" ]; then
  echo "xml_reports: $binary not found; build it with: cmake --build $build --target bench_xml_reports" >&2
  exit 1
fi
py=/usr/bin/python3  # Debian's Python: the one whose packages (lxml, if any) we compare with
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

$py "$here/xml_reports_peer.py" generate "$tmp"
{
  echo "junit $(du -h "$tmp/junit.xml" | cut -f1)"
  echo "coverage $(du -h "$tmp/coverage.xml" | cut -f1)"
} >"$tmp/sizes"
"$binary" "$tmp/junit.xml" "$tmp/coverage.xml" >"$tmp/results"
$py "$here/xml_reports_peer.py" run "$tmp" >>"$tmp/results"
$py "$here/xml_reports_peer.py" table "$tmp/results" "$tmp/sizes"
