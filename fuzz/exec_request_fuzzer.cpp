// Fuzzes the validation of POST /v1/exec bodies (protocol/exec), which the
// coordinator checks before a program is sent to a provider's machine and
// the node reads again to run it. Any bytes must give either a request
// inside the absolute bounds or an error that names a field and does not
// echo the body (it reaches the consumer, and must not carry their code).
#include "fuzz_check.h"
#include "protocol/exec.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

namespace protocol = potluck::protocol;

void check(std::string_view body) {
  auto parsed = protocol::parse_exec_request(body);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().empty());
    FUZZ_CHECK(!repeats_body(parsed.error(), body));
    return;
  }
  const auto& r = *parsed;
  FUZZ_CHECK(!r.language.empty());
  FUZZ_CHECK(!r.source.empty() || !r.files.empty());
  // 0 leaves the node's default; anything else is inside the network's bounds.
  FUZZ_CHECK(r.timeout_ms == 0 || (r.timeout_ms >= 1 && r.timeout_ms <= protocol::kMaxExecTimeoutMs));
  FUZZ_CHECK(r.memory_mb == 0 ||
             (r.memory_mb >= protocol::kMinExecMemoryMb && r.memory_mb <= protocol::kMaxExecMemoryMb));
  FUZZ_CHECK(r.args.size() <= protocol::kMaxExecArgs);
  for (const auto& a : r.args) FUZZ_CHECK(a.find('\0') == std::string::npos);
  FUZZ_CHECK(r.files.size() <= protocol::kMaxExecFiles);
  for (const auto& f : r.files) {
    // Every file lands inside the work directory: no absolute path, no "..".
    FUZZ_CHECK(!f.path.empty() && f.path.size() <= protocol::kMaxExecPathBytes && f.path.front() != '/');
    FUZZ_CHECK(f.path.find('\0') == std::string::npos);
    FUZZ_CHECK(f.path != ".." && !f.path.starts_with("../") && !f.path.ends_with("/..") &&
               f.path.find("/../") == std::string::npos);
    FUZZ_CHECK(protocol::is_safe_relative_path(f.path));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
