#include "coordinator/jobs/job_run.h"

#include "common/clock.h"
#include "common/ids.h"
#include "common/log.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace potluck::coordinator {
namespace {

// A streaming sink writes once no more output is waiting, or once this much
// is buffered.
constexpr std::size_t kFlushAtBytes = 64 * 1024;

std::int64_t ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// An asynchronous job its owner cancelled (DELETE /v1/jobs/{id}).
ApiError cancelled_by_owner() { return {409, "invalid_request_error", "cancelled", "the job was cancelled"}; }

}  // namespace

JobRun::JobRun(Deps deps, const JobPolicy& policy, JobSink& sink, Spec spec)
    : deps_(deps), policy_(policy), sink_(sink), spec_(std::move(spec)), hold_(deps.store, deps.pricing) {
  if (spec_.id.empty()) spec_.id = make_id("job_", 20);
}

net::awaitable<void> JobRun::run() {
  auto held = co_await reserve();
  if (!held) {
    const JobFailure refused{held.error(), JobEnd::failed, {}};
    co_await sink_.fail(refused);
    co_return;
  }
  co_await run_reserved();
}

// Jobs in one's own cluster, and free nodes, hold nothing.
net::awaitable<std::expected<void, ApiError>> JobRun::reserve() {
  auto executor = co_await boost::asio::this_coro::executor;
  job_ = std::make_shared<Job>(executor, spec_.id);
  started_ = std::chrono::steady_clock::now();
  deadline_ = started_ + deps_.config.job_deadline;
  tally_.relay.request_bytes = static_cast<std::int64_t>(spec_.payload.size());
  if (spec_.placement.in_cluster()) co_return std::expected<void, ApiError>{};
  const auto worst = policy_.worst_case(deps_.registry, deps_.pricing, spec_.placement, tally_.relay.request_bytes);
  auto held = co_await hold_.take(spec_.principal.user_id, job_->id, worst.amount, worst.basis);
  co_return held;
}

net::awaitable<void> JobRun::run_reserved() {
  arm_keep_alive();
  auto slot = co_await wait_for_slot();
  if (!slot) {
    co_await hold_.release();
    const bool claim_timeout = slot.error().code == "claim_timeout";
    const JobEnd end = cancelled_ ? JobEnd::cancelled : claim_timeout ? JobEnd::timed_out : JobEnd::failed;
    const JobFailure no_slot{slot.error(), end, {}};
    co_await sink_.fail(no_slot);
    co_return;
  }
  deps_.queue.started(spec_.principal.user_id);
  ++deps_.metrics.jobs_in_flight;

  Ending ending = co_await relay();
  if (ending.done && !sink_.streams() && sink_.consumer_left()) ending = unanswered();
  if (ending.cancel_on_node && node_ && policy_.bills_cancel_ack()) co_await wait_for_cancel_ack();
  leave_node(ending.cancel_on_node);

  deps_.queue.finished(spec_.principal.user_id);
  deps_.queue.notify();
  const store::UsageEvent event = record(ending);
  co_await tell_sink(ending, event);
  // In flight until its consumer has been told: a stopping coordinator waits
  // for this count to reach zero before it closes the connections.
  --deps_.metrics.jobs_in_flight;
}

void JobRun::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  if (ticket_) ticket_->timer.cancel();            // waiting in line: wakes up and leaves
  else if (job_) job_->push(ClientGone{});         // running: ends like a consumer that hung up
}

net::awaitable<std::expected<void, ApiError>> JobRun::wait_for_slot() {
  const Placement& placement = spec_.placement;
  const std::string line = placement.cluster_id + "/" + placement.label();
  const std::string& consumer = spec_.principal.user_id;
  // A job nobody waits for on a connection waits up to its claim timeout,
  // even while no node is online.
  const auto wait = sink_.attended() ? deps_.config.queue_timeout : deps_.config.job_claim_timeout;
  const auto give_up = std::min(deadline_, std::chrono::steady_clock::now() + wait);
  std::expected<void, ApiError> outcome;
  for (;;) {
    if (cancelled_) {
      outcome = std::unexpected(cancelled_by_owner());
      break;
    }
    if (deps_.queue.closed()) {
      outcome = std::unexpected(ApiError::unavailable("the coordinator is shutting down; try again shortly",
                                                      deps_.config.retry_after_s));
      break;
    }
    if (deps_.queue.may_go(line, consumer, ticket_.get()) && dispatch()) break;
    if (sink_.attended() && !deps_.registry.online(placement)) {
      outcome = std::unexpected(ApiError::unavailable(
          "no node serving '" + placement.label() + "' is online; try again later", deps_.config.retry_after_s));
      break;
    }
    if (!ticket_) {
      const auto executor = co_await boost::asio::this_coro::executor;
      ticket_ = deps_.queue.enter(executor, line, consumer, spec_.priority);
      if (!ticket_) {
        outcome = std::unexpected(ApiError::unavailable(
            "too many requests are waiting for '" + placement.label() + "'; try again later",
            deps_.config.retry_after_s));
        break;
      }
    }
    outcome = refusal_while_waiting(give_up);
    if (!outcome) break;
    const JobSink::Delivery kept = co_await keep_alive_if_due();
    if (kept != JobSink::Delivery::ok) {
      outcome = std::unexpected(consumer_gone(kept).error.value());
      break;
    }
    ticket_->timer.expires_at(std::min(give_up, keep_alive_at_));
    boost::system::error_code ec;  // cancelled: woken because a slot may be free
    co_await ticket_->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (ticket_) {
    deps_.queue.leave(ticket_, outcome.has_value());
    ticket_.reset();
    if (outcome) deps_.queue.notify();  // the next in line may find a slot too
  }
  co_return outcome;
}

// Past `give_up`: 503 for a consumer on a connection, the claim timeout for a
// job nobody waits for.
std::expected<void, ApiError> JobRun::refusal_while_waiting(std::chrono::steady_clock::time_point give_up) const {
  if (std::chrono::steady_clock::now() < give_up) return {};
  if (!sink_.attended())
    return std::unexpected(ApiError{504, "server_error", "claim_timeout",
                                    "no node took the job within its claim timeout of " +
                                        std::to_string(deps_.config.job_claim_timeout.count()) + " ms"});
  return std::unexpected(ApiError::unavailable(
      "all nodes serving '" + spec_.placement.label() + "' stayed busy; try again later", deps_.config.retry_after_s));
}

// Only a stream has something to write before its output (its head), and
// only a consumer on a connection can be behind a proxy.
void JobRun::arm_keep_alive() {
  const auto every = deps_.config.sse_keepalive;
  if (every.count() > 0 && sink_.streams() && sink_.attended())
    keep_alive_at_ = std::chrono::steady_clock::now() + every;
}

net::awaitable<JobSink::Delivery> JobRun::keep_alive_if_due() {
  if (std::chrono::steady_clock::now() < keep_alive_at_) co_return JobSink::Delivery::ok;
  keep_alive_at_ = std::chrono::steady_clock::now() + deps_.config.sse_keepalive;
  const JobSink::Delivery kept = co_await sink_.keep_alive();
  co_return kept;
}

bool JobRun::dispatch() {
  current_ = deps_.registry.pick(spec_.placement, tried_);
  node_ = current_.node;
  if (!node_) return false;
  provider_ = node_->owner_id().empty() ? std::string() : store::user_account(node_->owner_id());
  tried_.insert(node_->id());
  window_ = node_->window_bytes();
  uncredited_ = 0;
  node_->health().on_dispatch();
  ++attempts_;
  dispatched_ = std::chrono::steady_clock::now();
  const auto budget = deps_.config.job_deadline - (dispatched_ - started_);
  protocol::Job frame{job_->id, policy_.kind(), current_.model,
                      std::chrono::duration_cast<std::chrono::milliseconds>(budget).count(),
                      std::string(spec_.payload), policy_.node_streams()};
  node_->dispatch(frame, job_);
  sink_.assigned({node_->id(), node_->hello().name, node_->owner_id()});
  return true;
}

net::awaitable<JobRun::Ending> JobRun::relay() {
  // Watching the consumer's socket for a hang-up costs an epoll update and a
  // cancelled wait per job, a large share of a short job's cost. A hang-up
  // matters for long jobs only, so the watch starts once the job has run for
  // kWatchClientAfter (a job nobody waits for has no connection to watch).
  const auto watch_from = std::chrono::steady_clock::now() + kWatchClientAfter;
  bool watching = false;
  std::optional<Ending> ending;
  while (!ending) {
    auto wake = std::min(deadline_, keep_alive_at_);
    if (sink_.attended() && !watching) wake = std::min(wake, watch_from);
    auto event = co_await job_->next(wake);
    if (!event && event.error() == Job::End::timed_out && wake < deadline_) {
      if (!watching && sink_.attended() && std::chrono::steady_clock::now() >= watch_from) {
        sink_.watch_hangup([weak = std::weak_ptr(job_)] {
          if (auto job = weak.lock()) job->push(ClientGone{});
        });
        watching = true;
      }
      const JobSink::Delivery kept = co_await keep_alive_if_due();
      if (kept != JobSink::Delivery::ok) ending = consumer_gone(kept);
      continue;
    }
    if (!event) {
      const protocol::Error timed_out{job_->id, protocol::ErrorCode::timeout, "deadline passed", false};
      report_health(&timed_out);
      ending = failed(ApiError::timeout("the job did not finish within its deadline"), store::UsageStatus::timeout,
                      protocol::ErrorCode::timeout, true);
      break;
    }
    ending = co_await on_event(*event);
  }
  if (watching) sink_.stop_watching();
  co_return std::move(*ending);
}

net::awaitable<std::optional<JobRun::Ending>> JobRun::on_event(JobEvent& event) {
  if (auto* chunk = std::get_if<protocol::Chunk>(&event)) {
    auto ending = co_await on_chunk(*chunk);
    co_return ending;
  }
  if (auto* done = std::get_if<protocol::Done>(&event)) co_return on_done(*done);
  if (auto* error = std::get_if<protocol::Error>(&event)) co_return on_error(*error);
  // ClientGone: nobody is listening any more; stop the node's work.
  if (cancelled_)
    co_return failed(cancelled_by_owner(), store::UsageStatus::cancelled, protocol::ErrorCode::cancelled, true);
  co_return consumer_gone(JobSink::Delivery::gone);
}

net::awaitable<std::optional<JobRun::Ending>> JobRun::on_chunk(const protocol::Chunk& chunk) {
  if (chunks_++ == 0) {
    first_chunk_ = std::chrono::steady_clock::now();
    keep_alive_at_ = std::chrono::steady_clock::time_point::max();  // output keeps the stream alive now
    sink_.running();
  }
  ++deps_.metrics.chunks_relayed;
  tally_.relay.relayed_bytes += static_cast<std::int64_t>(chunk.delta.size());
  const JobSink::Delivery taken = sink_.take(chunk);
  if (taken == JobSink::Delivery::too_large || taken == JobSink::Delivery::malformed) {
    // Counts against the node: the consumer asked for nothing like it.
    const bool large = taken == JobSink::Delivery::too_large;
    const auto code = large ? protocol::ErrorCode::result_too_large : protocol::ErrorCode::malformed_output;
    const protocol::Error refused{job_->id, code, large ? "answer too large" : "malformed answer", false};
    report_health(&refused);
    co_return failed(ApiError{502, "server_error", std::string(protocol::to_string(code)),
                              large ? "the answer is larger than this coordinator's limit of " +
                                          std::to_string(deps_.config.max_result_bytes) + " bytes"
                                    : "the node's answer broke the form or the bounds of this request's answer "
                                      "(embeddings: one vector per input within its size; responses: the "
                                      "engine's events, ending with its final one)"},
                     store::UsageStatus::error, code, true);
  }
  if (taken != JobSink::Delivery::ok) co_return consumer_gone(taken);
  if (!sink_.streams()) {
    consumed(protocol::flow_cost(chunk));
    co_return std::nullopt;
  }
  unflushed_cost_ += protocol::flow_cost(chunk);
  if (job_->pending_events() == 0 && sink_.unsent_bytes() <= kFlushAtBytes) {
    // Let the node link read the frames already in its buffer first, so a
    // burst of chunks leaves in one write instead of one write each.
    const auto executor = co_await boost::asio::this_coro::executor;
    co_await boost::asio::post(executor, boost::asio::use_awaitable);
  }
  if (job_->pending_events() == 0 || sink_.unsent_bytes() > kFlushAtBytes) {
    const JobSink::Delivery flushed = co_await sink_.flush();
    if (flushed != JobSink::Delivery::ok) co_return consumer_gone(flushed);
    consumed(std::exchange(unflushed_cost_, 0));
  }
  co_return std::nullopt;
}

std::optional<JobRun::Ending> JobRun::on_done(const protocol::Done& done) {
  if (!policy_.done_is_complete(done) || !sink_.whole()) {
    leave_node(false);
    return failed(ApiError{502, "server_error", "node_error", "the node sent no result, or only part of it"},
                  store::UsageStatus::error, store::RelayFailure::no_result, false);
  }
  tally_.relay.finished = true;
  tally_.relay.reported = done.usage;
  if (done.exec) tally_.exec = *done.exec;
  report_health(nullptr);
  leave_node(false);
  deps_.metrics.prompt_tokens += done.usage.prompt_tokens;
  deps_.metrics.completion_tokens += done.usage.completion_tokens;
  Ending ok;
  ok.status = store::UsageStatus::ok;
  ok.done = done;
  return ok;
}

std::optional<JobRun::Ending> JobRun::on_error(const protocol::Error& error) {
  report_health(&error);
  leave_node(false);  // the node has ended the job itself
  if (chunks_ == 0 && error.retryable && attempts_ <= deps_.config.max_retries) {
    spdlog::info("job {}: node {} failed before the first output ({}), retrying", job_->id, job_->node_id,
                 protocol::to_string(error.code));
    if (dispatch()) {
      ++deps_.metrics.retries;
      return std::nullopt;
    }
  }
  const store::UsageStatus status =
      error.code == protocol::ErrorCode::timeout ? store::UsageStatus::timeout : store::UsageStatus::error;
  return failed(policy_.consumer_error(error), status, error.code, false);
}

JobRun::Ending JobRun::failed(const ApiError& error, store::UsageStatus status, store::FailureCode code,
                              bool cancel_on_node) {
  Ending ending;
  ending.status = status;
  ending.code = code;
  ending.error = error;
  ending.end = status == store::UsageStatus::timeout     ? JobEnd::timed_out
               : status == store::UsageStatus::cancelled ? JobEnd::cancelled
                                                         : JobEnd::failed;
  ending.cancel_on_node = cancel_on_node;
  return ending;
}

// The consumer hung up or could not keep up: the node's work stops, and the
// consumer, who reads no more, is told nothing.
JobRun::Ending JobRun::consumer_gone(JobSink::Delivery why) const {
  const bool too_slow = why == JobSink::Delivery::too_slow;
  const ApiError error{499, "invalid_request_error", too_slow ? "client_too_slow" : "client_disconnected",
                       "the client stopped reading"};
  return failed(error, store::UsageStatus::cancelled,
                too_slow ? store::RelayFailure::client_too_slow : store::RelayFailure::client_disconnected, true);
}

// A collected answer is handed over only once the job has ended; a consumer
// who left before that received nothing, so the job is cancelled and billed
// as unfinished: nothing for tokens, since no chunk reached anyone (an exec
// job still pays the CPU its program used, as every cancelled one does). The
// node has finished: there is nothing to cancel there.
JobRun::Ending JobRun::unanswered() {
  tally_.relay.finished = false;
  Ending ending = consumer_gone(JobSink::Delivery::gone);
  ending.cancel_on_node = false;
  return ending;
}

// The node is told to stop; its acknowledgement may say what the job used
// (exec: CPU time). Chunks that still arrive are dropped: nobody reads them.
net::awaitable<void> JobRun::wait_for_cancel_ack() {
  auto* node = deps_.registry.find(job_->node_id);
  if (!node) co_return;
  node->cancel(job_->id);
  const auto until = std::chrono::steady_clock::now() + kCancelAckWait;
  for (;;) {
    auto event = co_await job_->next(until);
    if (!event) break;  // no acknowledgement in time: billed as if none came
    if (auto* error = std::get_if<protocol::Error>(&*event)) {
      if (error->cpu_ms) tally_.cancelled_cpu_ms = *error->cpu_ms;
      break;
    }
    if (auto* done = std::get_if<protocol::Done>(&*event)) {  // it finished before the cancel arrived
      if (done->exec) tally_.exec = *done->exec;
      break;
    }
  }
  leave_node(false);
}

void JobRun::leave_node(bool cancel_on_node) {
  if (!node_) return;
  // The node may be gone (disconnected) by now: look it up again by id.
  if (auto* node = deps_.registry.find(job_->node_id)) node->finish(job_->id, cancel_on_node);
  node_ = nullptr;
  deps_.queue.notify();  // its slot is free, for a job of any kind
}

void JobRun::note_mismatch() {
  spdlog::warn("job {}: node {} reported more than it could have used (tokens above the relayed text, or CPU "
               "time above wall time x its processes); billed at that bound", job_->id, job_->node_id);
  auto* node = deps_.registry.find(job_->node_id);
  if (!node || node->suspended()) return;
  const std::int64_t limit = deps_.config.max_usage_mismatches;
  node->set_usage_mismatches(node->usage_mismatches() + 1, limit);
  if (node->suspended())
    spdlog::warn("node {} suspended from the public pool: {} usage reports above what it relayed "
                 "(--max-usage-mismatches {}); an admin clears it with POST /api/nodes/{}/clear-mismatches",
                 node->id(), node->usage_mismatches(), limit, node->id());
}

void JobRun::consumed(std::int64_t cost) {
  if (window_ == 0 || !node_) return;
  // Granting in quarters keeps credit frames rare while the node, which
  // pauses only once its whole window is spent, never waits on one.
  uncredited_ += cost;
  if (uncredited_ < window_ / 4) return;
  // The node may be gone by now: looked up again by id (as leave_node does).
  if (auto* node = deps_.registry.find(job_->node_id)) node->grant(job_->id, uncredited_);
  uncredited_ = 0;
}

void JobRun::report_health(const protocol::Error* error) {
  auto* node = deps_.registry.find(job_->node_id);
  if (!node || !node_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!error) {
    if (!policy_.times_node()) {
      node->health().on_success(now);
      return;
    }
    const double latency = static_cast<double>(ms_between(started_, now));
    const double ttft = chunks_ ? static_cast<double>(ms_between(started_, first_chunk_)) : latency;
    node->health().on_success(ttft, latency, now);
    return;
  }
  if (policy_.node_at_fault(*error)) node->health().on_failure(now);
}

store::UsageEvent JobRun::record(const Ending& ending) {
  store::UsageEvent event;
  event.ts_ms = unix_now_ms();
  event.job_id = job_->id;
  event.user_id = spec_.principal.user_id;
  event.key_id = spec_.principal.key_id;
  event.node_id = job_->node_id;
  event.cluster_id = spec_.placement.cluster_id;
  tally_.relay.delivered_chunks = sink_.delivered_chunks();
  if (attempts_ > 0) tally_.wall_ms = ms_between(dispatched_, std::chrono::steady_clock::now());
  policy_.bill(tally_, current_, spec_.placement, event);
  event.cost = hold_.charge(event.cost);
  event.settlement = hold_.settlement(event.cost, provider_);
  event.ttft_ms = chunks_ ? ms_between(started_, first_chunk_) : -1;
  event.latency_ms = ms_between(started_, std::chrono::steady_clock::now());
  event.status = ending.status;
  event.error_code = ending.code;
  if (event.usage_mismatch) note_mismatch();
  record_job_end(deps_.metrics, deps_.usage, event, chunks_);
  return event;
}

net::awaitable<void> JobRun::tell_sink(const Ending& ending, const store::UsageEvent& event) {
  const protocol::Usage billed{event.prompt_tokens, event.completion_tokens};
  if (ending.done) {
    // The consumer is shown the CPU time billed, not a node's larger claim.
    protocol::Done shown = *ending.done;
    if (shown.exec && event.cpu_ms >= 0) shown.exec->cpu_ms = event.cpu_ms;
    co_await sink_.complete(shown, billed);
    co_return;
  }
  const JobFailure failure{*ending.error, ending.end, billed};
  co_await sink_.fail(failure);
}

}  // namespace potluck::coordinator
