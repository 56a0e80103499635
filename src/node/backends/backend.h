#pragma once
// A backend turns a job into a stream of chunks: a local engine behind an
// OpenAI-compatible API, or the mock generator. One instance serves all jobs
// of the daemon concurrently on its single thread.
#include "net/asio_fwd.h"
#include "net/http_client.h"
#include "net/read_gate.h"
#include "protocol/frames.h"

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace potluck::node {

struct NodeConfig;

// Receives one choice's chunk: `index`, `delta` (raw JSON object text: a chat
// delta or {"text":...}), `finish_reason` (empty except on the choice's last
// chunk), and the engine's extras `choice` and `response` (protocol::Chunk).
// The caller sets the chunk's job id and seq.
using ChunkSink = std::function<void(protocol::Chunk chunk)>;

// Why a job failed. `message` is generic and never carries request or
// response text. `retryable` means "another node could serve it"; the caller
// still clears it once a chunk has gone out.
struct BackendError {
  protocol::ErrorCode code = protocol::ErrorCode::node_error;
  std::string message;
  int status = 0;    // HTTP status the upstream answered, if any
  bool retryable = false;
  std::optional<std::int64_t> cpu_ms;  // exec jobs stopped early: the CPU used until then
  std::string detail;     // the engine's own message, sanitised (protocol::Error::detail)
  int retry_after_s = 0;  // the engine's Retry-After
};

// What a job produced besides its chunks. Inference backends return only the
// usage (the implicit conversion keeps them short); exec adds the result.
struct JobResult {
  JobResult() = default;
  JobResult(protocol::Usage usage) : usage(usage) {}  // NOLINT: implicit on purpose
  protocol::Usage usage;
  std::optional<protocol::ExecResult> exec;
};

using BackendResult = std::expected<JobResult, BackendError>;
using ModelList = std::vector<protocol::ModelOffer>;

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string_view name() const = 0;

  // The models this backend can serve now. `abort` lets shutdown cut a slow
  // discovery short. The error names what failed, never content.
  virtual net::awaitable<std::expected<ModelList, std::string>> models(net::AbortHandle* abort) = 0;

  // Runs `job`, calling `sink` for every chunk, and returns the usage. Once
  // `abort` fires the backend stops as soon as it can; what it returns then is
  // ignored by the caller. The caller enforces the job's deadline: it fires
  // `abort` when the deadline passes, so a backend needs no timer of its own.
  // A backend that produces output as it reads it awaits `pace` before each
  // read: the caller closes it while the job's window towards the
  // coordinator is spent. (Exec output is capped by its own limit instead:
  // pausing a program's pipes would stretch its wall time.)
  virtual net::awaitable<BackendResult> run(const protocol::Job& job, const ChunkSink& sink,
                                            net::AbortHandle& abort, net::ReadGate& pace) = 0;
};

// Builds the backend named by config.backend ("openai", "mock" or "none").
std::expected<std::unique_ptr<Backend>, std::string> make_backend(const NodeConfig& config,
                                                                  net::asio::any_io_executor executor);

}  // namespace potluck::node
