#pragma once
// One job in flight on this node: runs it on the backend, numbers its chunks,
// enforces its deadline, and ends it with exactly one `done` or `error` frame
// (none when the connection it came on is gone). With flow control its output
// is paced by a window of bytes the coordinator grants: while the window is
// spent the backend's reading pauses, so what the node holds for a job stays
// within the window however slowly its consumer reads.
#include "net/asio_fwd.h"
#include "net/http_client.h"
#include "net/read_gate.h"
#include "node/backends/backend.h"
#include "node/chunk_coalescer.h"
#include "protocol/frames.h"

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace potluck::node {

// Queues one encoded frame for the coordinator.
using FrameSender = std::function<void(std::string frame)>;

enum class StopReason {
  none,
  cancelled,     // the coordinator sent `cancel`
  timeout,       // deadline_ms passed
  shutdown,      // the node is shutting down and could not wait any longer
  disconnected,  // the connection the job came on is gone: nobody to tell
};

class RunningJob : public std::enable_shared_from_this<RunningJob> {
 public:
  // `window`: the bytes of output (protocol::flow_cost) the job may send
  // before the coordinator grants more; 0: no flow control.
  RunningJob(net::asio::any_io_executor executor, protocol::Job job, std::int64_t window = 0);

  const std::string& id() const { return job_.id; }
  const protocol::Job& job() const { return job_; }
  std::uint64_t chunks_sent() const { return seq_; }

  // Aborts the job; the first reason wins. No-op once it has finished.
  void stop(StopReason why);
  // The coordinator's credit frame: `bytes` more may be sent.
  void grant(std::int64_t bytes);
  // Bytes the job may still send before it pauses (flow control only).
  std::int64_t window() const { return window_; }

  // Runs `job` to its end; all frames go through `send`. Both are taken by
  // value on purpose: this is the entry point of a detached coroutine (it may
  // be co_spawn'ed), so it must own what it uses. By-value parameters are safe
  // with g++ 12; what it mishandles are lambda temporaries written inside a
  // co_await expression (destroyed twice): name those first.
  static net::awaitable<void> run(std::shared_ptr<RunningJob> job, Backend& backend, FrameSender send);

 private:
  net::awaitable<void> run_to_end(Backend& backend, const FrameSender& send);
  void on_chunk(const FrameSender& send, protocol::Chunk chunk);
  void send_chunk(const FrameSender& send, protocol::Chunk chunk);
  void flush_coalesced(const FrameSender& send);
  void finish(const FrameSender& send, const BackendResult& result);

  protocol::Job job_;
  net::AbortHandle abort_;
  net::ReadGate pace_;
  bool paced_ = false;       // flow control is on
  std::int64_t window_ = 0;  // may go below zero by the last read's chunks
  net::asio::steady_timer deadline_;
  StopReason stopped_ = StopReason::none;
  ChunkCoalescer coalescer_;  // used when the consumer did not ask for a stream
  bool finished_ = false;
  std::uint64_t seq_ = 0;
  bool seen_output_ = false;  // a delta arrived (merged or sent)
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point first_chunk_;
};

}  // namespace potluck::node
