#include "node/running_job.h"

#include "common/log.h"

namespace potluck::node {
namespace asio = net::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::milliseconds kNoDeadline = std::chrono::hours(1);

std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// What a stopped job used of the CPU, when its backend measures it (exec): the
// consumer pays for it, and the stop's error frame is where it goes.
std::optional<std::int64_t> cpu_used(const BackendResult& result) {
  if (!result) return result.error().cpu_ms;
  if (result->exec) return result->exec->cpu_ms;  // it ended just as it was stopped
  return std::nullopt;
}

}  // namespace

RunningJob::RunningJob(asio::any_io_executor executor, protocol::Job job, std::int64_t window)
    : job_(std::move(job)),
      pace_(executor),
      paced_(window > 0),
      window_(window),
      deadline_(std::move(executor)),
      coalescer_(job_.kind) {}

void RunningJob::stop(StopReason why) {
  if (finished_ || stopped_ != StopReason::none || why == StopReason::none) return;
  stopped_ = why;
  pace_.release();  // a paused backend wakes up to find the abort
  abort_.abort();
}

void RunningJob::grant(std::int64_t bytes) {
  if (!paced_ || bytes <= 0) return;
  // Bounded, so that credits a coordinator repeats cannot overflow it.
  window_ = std::min(window_ + bytes, protocol::kMaxWindowBytes);
  if (window_ > 0) pace_.open();
}

net::awaitable<void> RunningJob::run(std::shared_ptr<RunningJob> job, Backend& backend, FrameSender send) {
  co_await job->run_to_end(backend, send);
}

net::awaitable<void> RunningJob::run_to_end(Backend& backend, const FrameSender& send) {
  started_ = Clock::now();
  // The backend has no timer of its own (Backend::run): a job without a
  // deadline still ends after kNoDeadline, so a hung engine cannot hold its slot.
  const auto budget = job_.deadline_ms > 0 ? std::chrono::milliseconds(job_.deadline_ms) : kNoDeadline;
  deadline_.expires_after(budget);
  deadline_.async_wait([weak = weak_from_this()](net::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->stop(StopReason::timeout);
  });
  ChunkSink sink = [this, &send](protocol::Chunk chunk) { on_chunk(send, std::move(chunk)); };
  BackendResult result;
  try {
    result = co_await backend.run(job_, sink, abort_, pace_);
  } catch (const std::exception&) {
    // Exceptions are bugs; the job still ends with a frame, and the message
    // is not logged because it might quote what was being parsed.
    spdlog::error("job {} failed inside the node", job_.id);
    result = std::unexpected(BackendError{protocol::ErrorCode::node_error, "the node failed to run the job", 0, true});
  }
  deadline_.cancel();
  finish(send, result);
}

void RunningJob::on_chunk(const FrameSender& send, protocol::Chunk chunk) {
  // After a stop nothing more goes out for this job but its error.
  if (stopped_ != StopReason::none || finished_) return;
  // Exec output and embeddings are not text: they are never merged.
  const bool text = job_.kind == protocol::JobKind::chat || job_.kind == protocol::JobKind::completion;
  if (!job_.stream && text) {
    if (!seen_output_) first_chunk_ = Clock::now();
    seen_output_ = true;
    if (coalescer_.absorb(chunk)) return;
    flush_coalesced(send);
  }
  chunk.id = job_.id;
  send_chunk(send, std::move(chunk));
}

void RunningJob::send_chunk(const FrameSender& send, protocol::Chunk chunk) {
  if (seq_ == 0 && job_.stream) first_chunk_ = Clock::now();
  chunk.seq = seq_++;
  if (paced_) {
    // A chunk already made is sent whole; the pause applies to what comes next.
    window_ -= protocol::flow_cost(chunk);
    if (window_ <= 0) pace_.close();
  }
  send(protocol::encode(chunk));
}

void RunningJob::flush_coalesced(const FrameSender& send) {
  for (auto& chunk : coalescer_.take(job_.id)) send_chunk(send, std::move(chunk));
}

void RunningJob::finish(const FrameSender& send, const BackendResult& result) {
  finished_ = true;
  const auto now = Clock::now();
  const std::int64_t total_ms = ms_between(started_, now);
  if (stopped_ == StopReason::none && result) flush_coalesced(send);
  const std::int64_t ttft_ms = (seq_ > 0 || seen_output_) ? ms_between(started_, first_chunk_) : total_ms;
  const bool nothing_sent = seq_ == 0;

  protocol::Error error{job_.id};
  if (stopped_ != StopReason::none) error.cpu_ms = cpu_used(result);
  switch (stopped_) {
    case StopReason::disconnected:
      spdlog::debug("job {} dropped: connection lost after {} chunks", job_.id, seq_);
      return;
    case StopReason::cancelled:
      error.code = protocol::ErrorCode::cancelled;
      error.message = "job cancelled";
      break;
    case StopReason::timeout:
      error.code = protocol::ErrorCode::timeout;
      error.message = "job deadline passed";
      break;
    case StopReason::shutdown:
      error.code = protocol::ErrorCode::draining;
      error.message = "node shut down before the job finished";
      error.retryable = nothing_sent;
      break;
    case StopReason::none:
      if (result) {
        send(protocol::encode(protocol::Done{job_.id, result->usage, ttft_ms, total_ms, result->exec}));
        spdlog::debug("job {} done: {} chunks, {}+{} tokens, ttft {} ms, total {} ms", job_.id, seq_,
                      result->usage.prompt_tokens, result->usage.completion_tokens, ttft_ms, total_ms);
        return;
      }
      error.code = result.error().code;
      error.message = result.error().message;
      error.status = result.error().status;
      error.detail = result.error().detail;
      error.retry_after_s = result.error().retry_after_s;
      // Once a chunk went out the consumer has seen part of an answer: no retry.
      error.retryable = result.error().retryable && nothing_sent;
      break;
  }
  send(protocol::encode(error));
  spdlog::debug("job {} ended with {} (status {}, retryable {}) after {} chunks, {} ms", job_.id, protocol::to_string(error.code),
                error.status, error.retryable, seq_, total_ms);
}

}  // namespace potluck::node
