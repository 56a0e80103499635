#pragma once
// The consumer's side of a job's life: where its output goes. A JobRun tells
// its sink what happens (dispatched, first output, each chunk, and exactly
// one ending: complete() or fail()); the sink turns that into what its
// consumer reads: an OpenAI SSE stream or collected response, an exec stream
// or result, or an asynchronous job's record. A sink knows nothing of nodes,
// retries, holds or billing; the run knows nothing of sockets.
#include "common/api_error.h"
#include "net/asio_fwd.h"
#include "protocol/frames.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace potluck::coordinator {

// The node a job went to, for a sink to show its consumer (store/node_alias.h
// says how much of it); nothing is decided by it.
struct AssignedNode {
  std::string_view id;
  std::string_view name;
  std::string_view owner_id;  // the provider; empty: the platform
};

// How a job that did not complete ended, as its consumer is told.
enum class JobEnd { failed, cancelled, timed_out };

struct JobFailure {
  const ApiError& error;
  JobEnd end = JobEnd::failed;
  protocol::Usage billed;  // what the consumer pays for (delivered output only)
};

// The usage a consumer is shown: the token counts it pays for (`billed`,
// bounded by what was relayed, so a node's inflated report never reaches
// the consumer), with the engine's other usage members as the node sent them.
inline protocol::Usage shown_usage(const protocol::Done& done, const protocol::Usage& billed) {
  protocol::Usage shown = done.usage;
  shown.prompt_tokens = billed.prompt_tokens;
  shown.completion_tokens = billed.completion_tokens;
  return shown;
}

class JobSink {
 public:
  // What became of output handed to the sink.
  enum class Delivery {
    ok,
    gone,       // the consumer hung up
    too_slow,   // the consumer did not take a write within its timeout
    too_large,  // a collected answer passed its size cap
    malformed,  // a piece of a collected answer broke its kind's rules (an embedding past its bounds)
  };

  virtual ~JobSink() = default;

  // Whether output is written as it arrives (a stream) or collected for one
  // answer at the end. A streaming sink is flushed when no more output is
  // waiting, so bursts leave in one write.
  virtual bool streams() const = 0;
  // Whether a consumer waits on a connection for this job: such a job gives
  // up after the dispatch line's timeout and when no node is online; one
  // nobody waits for (an asynchronous job) waits up to its claim timeout.
  virtual bool attended() const { return true; }

  virtual void assigned(const AssignedNode& node) { (void)node; }  // dispatched (again, on a retry)
  virtual void running() {}                                              // the first output arrived

  // Takes one chunk of output (formats or collects it; writes nothing).
  virtual Delivery take(const protocol::Chunk& chunk) = 0;
  // Whether what was taken makes a whole answer once the node says done (an
  // embeddings answer needs a vector for every input).
  virtual bool whole() const { return true; }
  // Bytes taken but not written yet (streaming sinks).
  virtual std::size_t unsent_bytes() const { return 0; }
  // Writes what was taken (streaming sinks).
  virtual net::awaitable<Delivery> flush() { co_return Delivery::ok; }
  // The consumer of a stream has waited a while for the first output (in the
  // dispatch line or on a node): a streaming sink writes something that is
  // not output (its response head and an SSE comment) so that proxies with
  // read timeouts keep the connection open.
  virtual net::awaitable<Delivery> keep_alive() { co_return Delivery::ok; }
  // Chunks that reached the consumer: what an unfinished job pays for.
  virtual std::int64_t delivered_chunks() const = 0;

  // The job's one ending. `billed` is the usage the consumer pays for.
  virtual net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) = 0;
  virtual net::awaitable<void> fail(const JobFailure& failure) = 0;

  // Whether the consumer is gone by now, without waiting (sinks with a
  // connection): asked when a job that collects its answer has ended, before
  // the answer is handed over, since a consumer who left got nothing.
  virtual bool consumer_left() { return false; }

  // Calls `on_gone` if the consumer hangs up while the job runs (sinks with
  // a connection); stop_watching() before the run ends.
  virtual void watch_hangup(std::function<void()> on_gone) { (void)on_gone; }
  virtual void stop_watching() {}
};

}  // namespace potluck::coordinator
