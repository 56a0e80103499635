# The two promised commands: `make run` and `make test`. Everything else is a helper.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60

.PHONY: all setup build run test test-unit test-integration test-asan fuzz bench bench-scheduling bench-memory bench-ledger bench-flow bench-tls bench-compare package clean

all: build

setup:
	@scripts/setup

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: setup $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	@scripts/run

test: build
	@scripts/test

# A Debian package (CPack): build/potluck_<version>_<arch>.deb (docs/deploy.md).
package: build
	cd $(BUILD_DIR) && cpack --config CPackConfig.cmake

# The unit tests and the integration suites that exercise memory (the job
# path, the node link, exec, streams, faults) against an AddressSanitizer +
# UBSan build. ASAN_TEST_FILES=all runs every suite.
ASAN_TEST_FILES ?= $(addprefix tests/integration/,completions.test.mjs cancel.test.mjs node_protocol.test.mjs \
  stream_buffer.test.mjs jobs.test.mjs exec.test.mjs errors.test.mjs failover.test.mjs deadline.test.mjs \
  slow_clients.test.mjs mock_backend.test.mjs faults.test.mjs exec_pricing.test.mjs harness_sanitizer.test.mjs \
  shutdown.test.mjs node_outbox.test.mjs ledger.test.mjs storage_faults.test.mjs tls.test.mjs \
  responses_native.test.mjs payments.test.mjs)
test-asan: setup
	cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DPOTLUCK_SANITIZE=ON -DPOTLUCK_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@BUILD_DIR=$(ASAN_BUILD_DIR) POTLUCK_SANITIZER_BUILD=1 \
	  POTLUCK_TEST_FILES="$(if $(filter all,$(ASAN_TEST_FILES)),,$(ASAN_TEST_FILES))" scripts/test

# Each libFuzzer harness in fuzz/ for FUZZ_SECONDS (clang 19, build-fuzz/).
fuzz:
	@scripts/setup fuzz
	@FUZZ_BUILD_DIR=$(FUZZ_BUILD_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) scripts/fuzz

bench: build
	@scripts/bench

# Only the scheduling benchmarks (their section of docs/benchmarks.md).
bench-scheduling: build
	@scripts/bench-scheduling

# Only the ledger benchmark: hold+settle against the payer's history (its section of docs/benchmarks.md).
bench-ledger: build
	@scripts/bench-ledger

# Only the flow-control benchmark: short requests beside slowly read streams, on and off (its section of docs/benchmarks.md).
bench-flow: build
	@scripts/bench-flow

# Only the TLS benchmark: the relay and nginx, plain and over TLS, and handshakes/s (its section of docs/benchmarks.md).
bench-tls: build
	@scripts/bench-tls

# Only the memory benchmark: idle streams and connected nodes (its section of docs/benchmarks.md).
bench-memory: build
	@scripts/bench-memory

# Does a change cost anything? The same points with the potluck of BEFORE
# (a commit, built in build/compare-tree) and of this tree, alternated (its
# section of docs/benchmarks.md).
bench-compare: build
	@BEFORE=$(BEFORE) scripts/bench-compare

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
