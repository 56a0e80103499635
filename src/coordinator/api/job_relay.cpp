#include "coordinator/api/job_relay.h"

#include "coordinator/api/client_watch.h"

#include "common/clock.h"

#include "common/ids.h"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace potluck::coordinator::api {
namespace {


std::int64_t ms_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

std::string response_id(protocol::JobKind kind) {
  return make_id(kind == protocol::JobKind::chat ? "chatcmpl-" : "cmpl-", 24);
}

// How a node's error looks to the consumer when nothing was streamed yet.
ApiError consumer_error(const protocol::Error& error) {
  if (error.status >= 400 && error.status < 500) {
    ApiError e{error.status, "invalid_request_error", "upstream_rejected",
               "the model server rejected the request (status " + std::to_string(error.status) + ")"};
    if (error.status == 404) e.type = "not_found_error";
    if (error.status == 429) e.type = "rate_limit_error";
    return e;
  }
  using protocol::ErrorCode;
  if (error.code == ErrorCode::timeout) return ApiError::timeout("the node did not finish the job in time");
  if (error.code == ErrorCode::busy || error.code == ErrorCode::draining || error.code == ErrorCode::node_disconnected)
    return ApiError{503, "server_error", "no_capacity", "no node could take the job; try again later", 2};
  return ApiError{502, "server_error", std::string(protocol::to_string(error.code)),
                  "the model server failed to answer"};
}

// An asynchronous job its owner cancelled (DELETE /v1/jobs/{id}).
ApiError cancelled_by_owner() {
  return {409, "invalid_request_error", "cancelled", "the job was cancelled"};
}

}  // namespace

JobRelay::JobRelay(Deps deps, net::Exchange& exchange, Principal principal, CompletionRequest request,
                   Placement placement)
    : deps_(deps),
      exchange_(&exchange),
      body_(exchange.request.body()),
      principal_(std::move(principal)),
      request_(std::move(request)),
      placement_(std::move(placement)),
      format_(request_.kind, response_id(request_.kind), unix_now_ms() / 1000, request_.model),
      hold_(deps.store, deps.pricing),
      sse_(std::in_place, exchange.stream, exchange.limits.write_timeout) {}

JobRelay::JobRelay(Deps deps, Detached job, Principal principal, CompletionRequest request, Placement placement)
    : deps_(deps),
      exchange_(nullptr),
      job_id_(std::move(job.id)),
      owned_body_(std::move(job.body)),
      body_(owned_body_),
      priority_(job.priority),
      observer_(std::move(job.observer)),
      principal_(std::move(principal)),
      request_(std::move(request)),
      placement_(std::move(placement)),
      format_(request_.kind, response_id(request_.kind), unix_now_ms() / 1000, request_.model),
      hold_(deps.store, deps.pricing) {
  request_.stream = false;  // the result is collected into one response object
}

net::awaitable<std::optional<net::Response>> JobRelay::run() {
  auto refused = co_await reserve();
  if (refused) co_return net::make_error_response(*refused);
  auto response = co_await run_reserved();
  co_return response;
}

net::awaitable<std::optional<ApiError>> JobRelay::reserve() {
  auto executor = co_await boost::asio::this_coro::executor;
  std::string id = job_id_.empty() ? make_id("job_", 20) : job_id_;
  job_ = std::make_shared<Job>(executor, std::move(id));
  started_ = std::chrono::steady_clock::now();
  deadline_ = started_ + deps_.config.job_deadline;
  relay_.request_bytes = static_cast<std::int64_t>(body_.size());
  auto refused = co_await hold_credits();
  co_return refused;
}

net::awaitable<std::optional<net::Response>> JobRelay::run_reserved() {
  auto no_slot = co_await wait_for_slot(deadline_);
  if (no_slot) {
    co_await hold_.release();
    tell_observer(no_slot);
    co_return net::make_error_response(*no_slot);
  }
  deps_.queue.started(principal_.user_id);
  ++deps_.metrics.jobs_in_flight;
  // Watching the consumer's socket for a hang-up costs an epoll update and a
  // cancelled wait per job, a large share of a short job's cost. A hang-up
  // matters for long jobs only, so the watch starts once the job has run for
  // kWatchClientAfter (asynchronous jobs have no connection to watch).
  const auto watch_from = std::chrono::steady_clock::now() + kWatchClientAfter;
  bool watching = false;

  for (;;) {
    const auto wake = exchange_ && !watching ? std::min(deadline_, watch_from) : deadline_;
    auto event = co_await job_->events.pop_until(wake);
    if (!event && wake < deadline_ && event.error() == net::EventQueue<JobEvent>::End::timed_out) {
      watch_client();
      watching = true;
      continue;
    }
    if (!event) {
      const protocol::Error timed_out{job_->id, protocol::ErrorCode::timeout, "deadline passed", false};
      report_health(&timed_out);
      const ApiError error = ApiError::timeout("the job did not finish within its deadline");
      co_await fail(error, store::UsageStatus::timeout, protocol::ErrorCode::timeout);
      break;
    }
    const bool more = co_await on_event(*event);
    if (!more) break;
  }

  if (watching) stop_watching_client();
  --deps_.metrics.jobs_in_flight;
  deps_.queue.finished(principal_.user_id);
  deps_.queue.notify();
  tell_observer(std::nullopt);
  if (!exchange_) co_return std::move(response_);
  if (client_gone_) exchange_->keep_alive = false;
  if (stream_started() || client_gone_) {
    co_return std::nullopt;  // the stream was written here
  }
  co_return std::move(response_);
}

void JobRelay::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  if (ticket_) ticket_->timer.cancel();  // waiting in line: wakes up and leaves
  else if (job_) job_->events.push(ClientGone{});  // running: ends like a consumer that hung up
}

// Asynchronous jobs only: the record learns the outcome, the result included.
void JobRelay::tell_observer(const std::optional<ApiError>& no_slot) {
  if (!observer_) return;
  JobEnding ending;
  if (no_slot) failure_ = no_slot;
  if (recorded_status_ == store::UsageStatus::ok) ending.how = JobEnding::How::completed;
  else if (cancelled_) ending.how = JobEnding::How::cancelled;
  else if (recorded_status_ == store::UsageStatus::timeout || (failure_ && failure_->code == "claim_timeout"))
    ending.how = JobEnding::How::timed_out;
  if (ending.how == JobEnding::How::completed && response_) ending.result = response_->body();
  if (ending.how != JobEnding::How::completed && failure_) ending.error = &*failure_;
  const Metered metered = meter(relay_);
  ending.prompt_tokens = metered.prompt_tokens;
  ending.completion_tokens = metered.completion_tokens;
  observer_->ended(ending);
}

// Public-pool jobs hold their worst case at the highest price among the nodes
// that could take them, so a retry on another node is covered too. Jobs in
// one's own cluster, and free nodes, hold nothing.
net::awaitable<std::optional<ApiError>> JobRelay::hold_credits() {
  if (placement_.in_cluster()) co_return std::nullopt;
  const std::int64_t max_tokens = request_.max_tokens > 0 ? request_.max_tokens : deps_.config.max_tokens_cap;
  const std::int64_t amount =
      worst_case_cost(deps_.registry.max_price(placement_), relay_.request_bytes, max_tokens);
  static constexpr std::string_view kBasis = "max_tokens x price";
  auto refused = co_await hold_.take(principal_.user_id, job_->id, amount, kBasis);
  co_return refused;
}

net::awaitable<std::optional<ApiError>> JobRelay::wait_for_slot(std::chrono::steady_clock::time_point deadline) {
  const std::string line = placement_.cluster_id + "/" + placement_.label();
  const std::string& consumer = principal_.user_id;
  // An asynchronous job waits up to its claim timeout, even while no node is online.
  const auto wait = observer_ ? deps_.config.job_claim_timeout : deps_.config.queue_timeout;
  const auto give_up = std::min(deadline, std::chrono::steady_clock::now() + wait);
  auto& ticket = ticket_;
  std::optional<ApiError> outcome;
  for (;;) {
    if (cancelled_) {
      outcome = cancelled_by_owner();
      break;
    }
    if (deps_.queue.may_go(line, consumer, ticket.get()) && dispatch()) break;
    if (!observer_ && !deps_.registry.online(placement_)) {
      outcome = ApiError::unavailable("no node serving '" + placement_.label() + "' is online; try again later",
                                      deps_.config.retry_after_s);
      break;
    }
    if (!ticket) {
      const auto executor = co_await boost::asio::this_coro::executor;
      ticket = deps_.queue.enter(executor, line, consumer, priority_);
      if (!ticket) {
        outcome = ApiError::unavailable("too many requests are waiting for '" + placement_.label() +
                                            "'; try again later", deps_.config.retry_after_s);
        break;
      }
    }
    if (std::chrono::steady_clock::now() >= give_up && observer_) {
      outcome = ApiError{504, "server_error", "claim_timeout",
                         "no node took the job within its claim timeout of " +
                             std::to_string(deps_.config.job_claim_timeout.count()) + " ms"};
      break;
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      outcome = ApiError::unavailable("all nodes serving '" + placement_.label() +
                                          "' stayed busy; try again later", deps_.config.retry_after_s);
      break;
    }
    ticket->timer.expires_at(give_up);
    boost::system::error_code ec;  // cancelled: woken because a slot may be free
    co_await ticket->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  if (ticket) {
    deps_.queue.leave(ticket, !outcome);
    ticket.reset();
    if (!outcome) deps_.queue.notify();  // the next in line may find a slot too
  }
  co_return outcome;
}

bool JobRelay::dispatch() {
  current_ = deps_.registry.pick(placement_, tried_);
  node_ = current_.node;
  if (!node_) return false;
  provider_ = node_->owner_id().empty() ? std::string() : store::user_account(node_->owner_id());
  tried_.insert(node_->id());
  node_->health().on_dispatch();
  ++attempts_;
  auto budget = deps_.config.job_deadline - (std::chrono::steady_clock::now() - started_);
  protocol::Job frame{job_->id, request_.kind, current_.model,
                      std::chrono::duration_cast<std::chrono::milliseconds>(budget).count(),
                      std::string(body_), request_.stream};
  node_->dispatch(frame, job_);
  if (observer_) observer_->assigned(node_->id());
  return true;
}

void JobRelay::watch_client() { watch_for_hangup(*exchange_, job_); }

void JobRelay::stop_watching_client() { stop_watching(*exchange_); }

net::awaitable<bool> JobRelay::on_event(JobEvent& event) {
  bool more = false;
  if (auto* chunk = std::get_if<protocol::Chunk>(&event)) {
    more = co_await on_chunk(*chunk);
    co_return more;
  }
  if (auto* done = std::get_if<protocol::Done>(&event)) {
    more = co_await on_done(*done);
    co_return more;
  }
  if (auto* error = std::get_if<protocol::Error>(&event)) {
    more = co_await on_error(*error);
    co_return more;
  }
  // ClientGone: nobody is listening any more; stop the node's work.
  client_gone_ = true;
  end_job(true);
  if (cancelled_) failure_ = cancelled_by_owner();
  record(store::UsageStatus::cancelled, cancelled_ ? store::FailureCode(protocol::ErrorCode::cancelled)
                                                   : store::FailureCode(store::RelayFailure::client_disconnected));
  co_return false;
}

net::awaitable<bool> JobRelay::on_chunk(const protocol::Chunk& chunk) {
  job_->queued_bytes -= std::min(job_->queued_bytes, chunk.delta.size());
  if (chunks_++ == 0) {
    first_chunk_ = std::chrono::steady_clock::now();
    if (observer_) observer_->running();
  }
  ++deps_.metrics.chunks_relayed;
  relay_.relayed_bytes += static_cast<std::int64_t>(chunk.delta.size());
  ++pending_chunks_;
  if (!request_.stream) {
    format_.collect(chunk);
    co_return true;
  }
  format_.append_chunk_event(out_, chunk);
  if (job_->events.size() == 0 && out_.size() <= 64 * 1024) {
    // Let the node link read the frames already in its buffer first, so a
    // burst of chunks leaves in one write instead of one write each.
    const auto executor = co_await boost::asio::this_coro::executor;
    co_await boost::asio::post(executor, boost::asio::use_awaitable);
  }
  // Coalesce: write once the queue is empty, so bursts become one write.
  if (job_->events.size() == 0 || out_.size() > 64 * 1024) {
    const bool more = co_await flush();
    co_return more;
  }
  co_return true;
}

net::awaitable<bool> JobRelay::flush() {
  if (!sse_->started()) {
    const auto ec = co_await sse_->start();
    if (ec) {
      client_gone_ = true;
      end_job(true);
      record(store::UsageStatus::cancelled, store::RelayFailure::client_disconnected);
      co_return false;
    }
  }
  if (out_.empty()) co_return true;
  auto ec = co_await sse_->send(out_);
  out_.clear();
  if (!ec) {
    relay_.delivered_chunks += pending_chunks_;
    pending_chunks_ = 0;
  }
  if (ec) {
    client_gone_ = true;
    end_job(true);
    record(store::UsageStatus::cancelled, ec == boost::beast::error::timeout ? store::RelayFailure::client_too_slow
                                                                             : store::RelayFailure::client_disconnected);
    exchange_->keep_alive = false;
    co_return false;
  }
  co_return true;
}

net::awaitable<bool> JobRelay::on_done(const protocol::Done& done) {
  usage_ = done.usage;
  relay_.finished = true;
  relay_.reported = done.usage;
  report_health(nullptr);
  end_job(false);
  deps_.metrics.prompt_tokens += usage_.prompt_tokens;
  deps_.metrics.completion_tokens += usage_.completion_tokens;
  record(store::UsageStatus::ok, std::nullopt);
  if (!request_.stream) {
    response_ = net::make_response(boost::beast::http::status::ok, format_.complete_response(usage_));
    co_return false;
  }
  if (request_.include_usage) format_.append_usage_event(out_, usage_);
  ResponseFormat::append_done_event(out_);
  co_await finish_stream();
  co_return false;
}

net::awaitable<bool> JobRelay::on_error(const protocol::Error& error) {
  report_health(&error);
  end_job(false);
  bool nothing_sent = chunks_ == 0;
  if (nothing_sent && error.retryable && attempts_ <= deps_.config.max_retries) {
    spdlog::info("job {}: node {} failed before the first chunk ({}), retrying", job_->id,
                 job_->node_id, protocol::to_string(error.code));
    if (dispatch()) {
      ++deps_.metrics.retries;
      co_return true;
    }
  }
  const ApiError answer = consumer_error(error);
  const store::UsageStatus status =
      error.code == protocol::ErrorCode::timeout ? store::UsageStatus::timeout : store::UsageStatus::error;
  co_await fail(answer, status, error.code);
  co_return false;
}

net::awaitable<void> JobRelay::fail(const ApiError& error, const store::UsageStatus& status,
                                    const store::FailureCode& code) {
  end_job(true);
  failure_ = error;
  record(status, code);
  if (!stream_started() && out_.empty()) {
    response_ = net::make_error_response(error);
    co_return;
  }
  // Mid-stream: what was produced goes out, then one error event, then the end.
  out_ += "data: ";
  out_ += error.to_json();
  out_ += "\n\n";
  co_await finish_stream();
}

// g++ 12 miscompiles co_await inside if conditions (the coroutine faults on
// its first resume), so awaited results are stored before they are tested.
net::awaitable<void> JobRelay::finish_stream() {
  const bool flushed = co_await flush();
  if (!flushed) co_return;
  const auto ec = co_await sse_->finish();
  if (ec) exchange_->keep_alive = false;
}

void JobRelay::end_job(bool cancel_on_node) {
  if (!node_) return;
  // The node may be gone (disconnected) by now: look it up again by id.
  if (auto* node = deps_.registry.find(job_->node_id)) node->finish(job_->id, cancel_on_node);
  node_ = nullptr;
  deps_.queue.notify();  // its slot is free
}

// Failures that are the consumer's doing (a 4xx from the engine, a cancel, a
// client too slow to read) say nothing about the node.
void JobRelay::report_health(const protocol::Error* error) {
  auto* node = deps_.registry.find(job_->node_id);
  if (!node || !node_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!error) {
    const double latency = static_cast<double>(ms_between(started_, now));
    const double ttft = chunks_ ? static_cast<double>(ms_between(started_, first_chunk_)) : latency;
    node->health().on_success(ttft, latency, now);
    return;
  }
  using protocol::ErrorCode;
  const bool consumers_fault = (error->status >= 400 && error->status < 500) || error->code == ErrorCode::cancelled ||
                               error->code == ErrorCode::consumer_too_slow || error->code == ErrorCode::bad_request;
  if (!consumers_fault) node->health().on_failure(now);
}

void JobRelay::record(store::UsageStatus status, std::optional<store::FailureCode> error_code) {
  if (recorded_) return;
  recorded_ = true;
  recorded_status_ = status;
  auto now = std::chrono::steady_clock::now();
  store::UsageEvent event;
  event.ts_ms = unix_now_ms();
  event.job_id = job_->id;
  event.user_id = principal_.user_id;
  event.key_id = principal_.key_id;
  event.node_id = job_->node_id;
  const Metered metered = meter(relay_);
  const std::int64_t cost =
      hold_.charge(cost_of(current_.price, metered.prompt_tokens, metered.completion_tokens));
  event.model = current_.model.empty() ? placement_.label() : current_.model;
  event.kind = std::string(protocol::to_string(request_.kind));
  event.cluster_id = placement_.cluster_id;
  if (placement_.tier) event.tier = placement_.tier->name;
  event.prompt_tokens = metered.prompt_tokens;
  event.completion_tokens = metered.completion_tokens;
  event.cost = cost;
  event.settlement = hold_.settlement(cost, provider_);
  event.usage_mismatch = metered.mismatch;
  event.ttft_ms = chunks_ ? ms_between(started_, first_chunk_) : -1;
  event.latency_ms = ms_between(started_, now);
  event.status = status;
  event.error_code = error_code;
  if (metered.mismatch)
    spdlog::warn("job {}: node {} reported more tokens than it relayed; billed at the relayed bound",
                 job_->id, job_->node_id);
  record_job_end(deps_.metrics, deps_.usage, std::move(event), chunks_);
}

}  // namespace potluck::coordinator::api
