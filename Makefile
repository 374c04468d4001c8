# Quick start: `make demo` and `make test` on a fresh Debian 12 machine.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
SANITIZE_BUILD_DIR ?= build-asan
# The suites that need no libtorch: every parser of untrusted bytes except the checkpoint reader
# (which the fuzz harness covers under the same sanitizers). docs/reliability.md says why.
SANITIZE_SUITES ?= common io data metrics retrieval
SANITIZERS ?= address,undefined
SANITIZE_CMAKE_FLAGS ?=

.PHONY: setup build demo test bench fuzz sanitize format clean

setup:
	bash scripts/install-deps.sh

build: setup
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	./$(BUILD_DIR)/oml demo

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 1800

bench: build
	bash bench/run.sh

# libFuzzer harnesses (tests/fuzz): a separate clang build with ASan+UBSan, then FUZZ_SECONDS per
# harness. See docs/reliability.md.
fuzz: setup
	cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++ -DOML_FUZZ=ON
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers
	bash tests/fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

# ASan+UBSan (or SANITIZERS=thread) build of the libtorch-free suites, every report fatal.
sanitize: setup
	cmake -S . -B $(SANITIZE_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOML_SANITIZE=$(SANITIZERS) \
	      -DOML_BUILD_BENCH=OFF -DOML_TESTS_BUILD_CLI=OFF $(SANITIZE_CMAKE_FLAGS)
	cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS) --target $(addprefix test_,$(SANITIZE_SUITES))
	bash tests/run_sanitized.sh $(SANITIZE_BUILD_DIR) $(SANITIZE_SUITES)

format:
	find src tests bench -name '*.cpp' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_BUILD_DIR) $(SANITIZE_BUILD_DIR)
