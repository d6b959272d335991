# The README's two commands, `make demo` and `make test`, and `make` to build build/pipewright.
# Logic lives in scripts/ so that CI and people run the same thing.
BUILD ?= build
# The sanitizer tree: clang 14 with ASan+UBSan and the libFuzzer harnesses (tests/fuzz).
BUILD_SAN ?= build-san
JOBS  ?= $(shell nproc)
FUZZ_SECONDS ?= 60
FUZZ_ONLY ?=

.PHONY: all build deps deps-demo configure demo test unit integration sanitize fuzz san-build bench format clean

all: build

# Everything the tests need; `make demo` asks only for what the demo needs.
deps:
	@bash scripts/install-deps.sh test

deps-demo:
	@bash scripts/install-deps.sh demo

configure:
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  command -v cmake >/dev/null && command -v ninja >/dev/null || bash scripts/install-deps.sh demo; \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null; \
	fi

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The demo needs the binary only: no test binaries, no benchmarks. demo.sh compiles it while the
# example's base image is made (network and dpkg beside the compiler's CPU).
demo: deps-demo configure
	@BUILD=$(BUILD) JOBS=$(JOBS) bash scripts/demo.sh

test: deps configure
	@cmake --build $(BUILD) -j $(JOBS) --target pipewright pw_unit_tests
	@bash scripts/test.sh

unit: configure
	@cmake --build $(BUILD) -j $(JOBS) --target pw_unit_tests
	@for t in $(BUILD)/tests/test_*; do $$t --gtest_brief=1 || exit 1; done

integration: configure
	@cmake --build $(BUILD) -j $(JOBS) --target pipewright
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

# The sanitizer tree (scripts/test.sh builds the same): the binary, the unit tests, the fuzzers.
san-build:
	@BUILD_SAN=$(BUILD_SAN) JOBS=$(JOBS) bash scripts/test.sh --build-san-only

# Unit tests and the engine's integration tests under ASan+UBSan.
sanitize: san-build
	@BUILD_SAN=$(BUILD_SAN) bash scripts/test.sh --sanitize-only

fuzz:
	@BUILD_SAN=$(BUILD_SAN) JOBS=$(JOBS) bash scripts/test.sh --build-san-only pw_fuzzers
	@BUILD_SAN=$(BUILD_SAN) FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_ONLY)

# Rewrites the tracked C++ files as .clang-format says (make test checks it).
format:
	@bash scripts/format.sh

bench: deps build
	@bash bench/run.sh

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
