#pragma once
// Frames of the node <-> coordinator protocol "potluck.v1" (docs/protocol.md).
// JSON text frames, one object each, discriminated by "type". Payloads and
// deltas stay raw JSON text so the hot path never rebuilds them. A message
// may also carry a batch, a JSON array of frames, once both ends said they
// accept batches (hello/welcome "batches": true).
#include "protocol/error_code.h"
#include "protocol/exec.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace potluck::protocol {

inline constexpr std::string_view kProtocolVersion = "potluck.v1";

// What a node asks per million tokens, in micro-credits (0 = free).
struct Price {
  std::int64_t input = 0;
  std::int64_t output = 0;
  bool operator==(const Price&) const = default;
};

struct ModelOffer {
  std::string id;
  std::int64_t context = 0;  // tokens; 0 = unknown
  std::string owned_by;      // as reported by the backend ("potluck-mock" for the mock)
  Price price;
  bool embeddings = false;   // the engine answers embedding jobs for this model (price.input per million tokens)
  bool responses = false;    // the engine answers the Responses API itself (responses jobs)
  bool operator==(const ModelOffer&) const = default;
};

struct Hello {
  std::string protocol{kProtocolVersion};
  std::string node_id;
  std::string name;
  std::string os;
  std::string arch;
  std::string agent_version;
  int max_jobs = 1;
  std::vector<ModelOffer> models;
  std::vector<std::string> exec_languages;
  std::int64_t exec_price = 0;  // what one CPU second of exec costs, micro-credits (0 = free)
  // Processes (and threads) one program may run at once: with the run's wall
  // time, the most CPU time it can use (0: not said).
  std::int64_t exec_max_processes = 0;
  bool batches = false;  // the node reads batched messages
  bool flow = false;     // the node honours per-job windows (welcome.window, credit frames)
};

struct Welcome {
  std::string session;
  int heartbeat_s = 20;
  std::string server_version;
  bool batches = false;  // the coordinator reads batched messages
  // Per-job flow control, when the node said `flow`: each job starts with
  // this many bytes of output it may send (counted by flow_cost) and gets
  // more through credit frames. 0: no flow control, the node sends freely.
  std::int64_t window = 0;
};

// embedding: the payload is an OpenAI embeddings request; the node answers
// one chunk per input, `index` the input's and `delta` {"embedding": the
// vector as the engine wrote it: an array of numbers, or base64 text}.
// responses: the payload is a Responses API request for an engine that
// answers it itself (offer `responses`); each chunk's delta is one of the
// engine's events (streamed) or its whole response object, as it wrote it.
enum class JobKind { chat, completion, exec, embedding, responses };
std::string_view to_string(JobKind kind);
std::optional<JobKind> job_kind_from(std::string_view text);

struct Job {
  std::string id;
  JobKind kind = JobKind::chat;
  std::string model;
  std::int64_t deadline_ms = 0;  // relative budget for the whole job
  std::string payload;           // raw JSON object: the consumer's request body
  bool stream = true;            // false: the consumer wants only the final text
};

// For exec jobs `delta` is {"stream":"stdout"|"stderr","data":"..."} (protocol/exec.h).
struct Chunk {
  std::string id;
  std::uint64_t seq = 0;
  int index = 0;                 // choice index
  std::string delta;             // raw JSON object: chat delta or {"text":...}
  std::string finish_reason;     // empty unless this is the choice's last chunk
  // The engine's other members of this choice (logprobs, ...), raw JSON
  // object; empty: none. Relayed to the consumer, never read.
  std::string choice;
  // The engine's other top-level members (system_fingerprint, ...), raw JSON
  // object, sent when they change; empty: unchanged. At most kMaxExtrasBytes.
  std::string response;
};

// What `Chunk::response` and `Usage::details` may hold: display only.
inline constexpr std::size_t kMaxExtrasBytes = 16 * 1024;

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  // The engine's other usage members (prompt_tokens_details, ...), raw JSON
  // object, at most kMaxExtrasBytes; shown to the consumer, never billed.
  std::string details;
};

struct Done {
  std::string id;
  Usage usage;
  std::int64_t ttft_ms = 0;   // node-side time to first chunk
  std::int64_t total_ms = 0;  // node-side duration
  std::optional<ExecResult> exec;  // exec jobs: how the program ended
};

// The most CPU a stopped job may report (24 h): larger values are not a
// measurement, and decode() refuses them.
inline constexpr std::int64_t kMaxStoppedCpuMs = 24LL * 60 * 60 * 1000;

struct Error {
  std::string id;
  ErrorCode code = ErrorCode::node_error;  // decoded: a code this version does not know is node_error
  std::string message;  // never carries request or response text
  bool retryable = false;
  int status = 0;       // HTTP status the upstream answered, if any
  // Exec jobs the node stopped (cancelled, timeout, draining): the CPU the
  // program used until then, in [0, kMaxStoppedCpuMs]; encode() clamps.
  std::optional<std::int64_t> cpu_ms;
  // The engine's own error message, printable and at most kMaxDetailBytes.
  // It may quote the request: it goes to the consumer only, never to a log,
  // a usage row or a metric.
  std::string detail;
  int retry_after_s = 0;  // the engine's Retry-After, in [0, kMaxRetryAfterS]
};

inline constexpr std::size_t kMaxDetailBytes = 512;
inline constexpr int kMaxRetryAfterS = 3600;

struct Cancel {
  std::string id;
};

// Coordinator -> node: `bytes` more of job `id`'s output may be sent (the
// consumer took that much). Like HTTP/2's WINDOW_UPDATE.
struct Credit {
  std::string id;
  std::int64_t bytes = 0;
};

// The limits a node accepts in welcome.window: a coordinator's larger or
// smaller figure is brought inside them.
inline constexpr std::int64_t kMinWindowBytes = 4 * 1024;
inline constexpr std::int64_t kMaxWindowBytes = 64 * 1024 * 1024;

// The text a chunk carries for its consumer: delta, finish reason and the
// engine's extras. What a node can make the coordinator hold (a job's
// backlog, a collected answer) is counted with it, so no field escapes.
std::size_t text_bytes(const Chunk& chunk);
// What one chunk costs against its job's window: its text plus a fixed share
// for the frame around it, so that a stream of tiny tokens is bounded too.
// Both ends count with this one function.
inline constexpr std::int64_t kChunkFrameCost = 64;
std::int64_t flow_cost(const Chunk& chunk);

struct Status {
  int in_flight = 0;
  bool draining = false;
  std::optional<std::vector<ModelOffer>> models;  // present when they changed
};

// A well-formed frame whose type this version does not know: ignored.
struct Unknown {
  std::string type;
};

using Frame = std::variant<Hello, Welcome, Job, Chunk, Done, Error, Cancel, Credit, Status, Unknown>;

std::string encode(const Hello&);
std::string encode(const Welcome&);
std::string encode(const Job&);
std::string encode(const Chunk&);
std::string encode(const Done&);
std::string encode(const Error&);
std::string encode(const Cancel&);
std::string encode(const Credit&);
std::string encode(const Status&);

struct DecodeError {
  std::string reason;  // names the field, never echoes its value
};

std::expected<Frame, DecodeError> decode(std::string_view text);

// One message: a frame, or a batch of them (a JSON array of frame objects).
// A batch with a malformed frame fails as a whole.
std::expected<std::vector<Frame>, DecodeError> decode_message(std::string_view text);

// A batch of encoded frames (each a JSON object text) as one message.
std::string encode_batch(const std::vector<std::string>& frames);

}  // namespace potluck::protocol
