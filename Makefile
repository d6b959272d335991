# The README's two commands, `make demo` and `make test`, and `make` to build build/pipewright.
# Logic lives in scripts/ so that CI and people run the same thing.
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all build deps demo test unit integration bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build:
	@if [ ! -f $(BUILD)/build.ninja ]; then \
	  command -v cmake >/dev/null && command -v ninja >/dev/null || bash scripts/install-deps.sh; \
	  cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    $$(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null; \
	fi
	@cmake --build $(BUILD) -j $(JOBS)

demo: deps build
	@bash scripts/demo.sh

test: deps build
	@bash scripts/test.sh

unit: build
	@for t in $(BUILD)/tests/test_*; do $$t --gtest_brief=1 || exit 1; done

integration: build
	@/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

bench: deps build
	@bash bench/run.sh

clean:
	rm -rf $(BUILD)
