#include "coordinator/api/exec_relay.h"

#include "common/clock.h"
#include "common/ids.h"
#include "coordinator/api/client_watch.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

// A node may not make the coordinator hold more than this for one
// non-streamed answer (nodes cut output at their own, smaller limit).
constexpr std::size_t kMaxCollectedBytes = 32 * 1024 * 1024;

ApiError consumer_error(const protocol::Error& error) {
  if (error.code == protocol::ErrorCode::timeout) return ApiError::timeout("the node did not finish the job in time");
  if (error.code == protocol::ErrorCode::bad_request) return ApiError::bad_request("the node refused the request as malformed");
  if (error.retryable)
    return ApiError{503, "server_error", "no_capacity", "no node could run the program; try again later", 2};
  return ApiError{502, "server_error", std::string(protocol::to_string(error.code)),
                  "the node failed to run the program"};
}

// 128 + signal for a killed program, as a shell reports it.
std::int64_t exit_status(const protocol::ExecResult& r) { return r.signal > 0 ? 128 + r.signal : r.exit_code; }

std::string sse_event(const json::object& event) {
  std::string out;
  net::append_sse_event(out, json::serialize(event));
  return out;
}

}  // namespace

ExecRelay::ExecRelay(Deps deps, net::Exchange& exchange, Principal principal, protocol::ExecRequest request,
                     Placement placement)
    : deps_(deps),
      exchange_(exchange),
      principal_(std::move(principal)),
      request_(std::move(request)),
      placement_(std::move(placement)),
      hold_(deps.store, deps.pricing),
      sse_(exchange.stream, exchange.limits.write_timeout) {}

net::awaitable<std::optional<net::Response>> ExecRelay::run() {
  auto executor = co_await boost::asio::this_coro::executor;
  job_ = std::make_shared<Job>(executor, make_id("job_", 20));
  started_ = std::chrono::steady_clock::now();
  const auto deadline = started_ + deps_.config.job_deadline;
  auto refused = co_await hold_credits();
  if (refused) co_return net::make_error_response(*refused);
  if (!dispatch()) {
    co_await hold_.release();
    co_return net::make_error_response(ApiError::unavailable(
        "all nodes running '" + request_.language + "' are busy; try again later", deps_.config.retry_after_s));
  }
  ++deps_.metrics.jobs_in_flight;
  watch_for_hangup(exchange_, job_);

  for (;;) {
    auto event = co_await job_->events.pop_until(deadline);
    if (!event) {
      const ApiError error = ApiError::timeout("the job did not finish within its deadline");
      co_await fail(error, store::UsageStatus::timeout, protocol::ErrorCode::timeout);
      break;
    }
    const bool more = co_await on_event(*event);
    if (!more) break;
  }

  stop_watching(exchange_);
  --deps_.metrics.jobs_in_flight;
  if (client_gone_) exchange_.keep_alive = false;
  if (sse_.started() || client_gone_) co_return std::nullopt;
  co_return std::move(response_);
}

// Public-pool jobs hold their CPU-time limit at the highest price among the
// nodes that could run them, so a retry on another node is covered too. Jobs
// in one's own cluster, and free nodes, hold nothing.
net::awaitable<std::optional<ApiError>> ExecRelay::hold_credits() {
  if (placement_.in_cluster()) co_return std::nullopt;
  const std::int64_t amount =
      exec_worst_case_cost(deps_.registry.max_cpu_price(placement_), request_.timeout_ms);
  static constexpr std::string_view kBasis = "timeout_ms as CPU seconds x price per CPU second";
  auto refused = co_await hold_.take(principal_.user_id, job_->id, amount, kBasis);
  co_return refused;
}

bool ExecRelay::dispatch() {
  current_ = deps_.registry.pick(placement_, tried_);
  node_ = current_.node;
  if (!node_) return false;
  provider_ = node_->owner_id().empty() ? std::string() : store::user_account(node_->owner_id());
  tried_.insert(node_->id());
  ++attempts_;
  const auto budget = deps_.config.job_deadline - (std::chrono::steady_clock::now() - started_);
  // Output arrives as it is produced whatever the consumer asked: the node
  // never merges it (stream stays true).
  protocol::Job frame{job_->id, protocol::JobKind::exec, "",
                      std::chrono::duration_cast<std::chrono::milliseconds>(budget).count(),
                      exchange_.request.body(), true};
  node_->dispatch(frame, job_);
  return true;
}

net::awaitable<bool> ExecRelay::on_event(JobEvent& event) {
  bool more = false;
  if (auto* chunk = std::get_if<protocol::Chunk>(&event)) {
    more = co_await on_output(*chunk);
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
  client_gone_ = true;
  end_job(true);
  record(store::UsageStatus::cancelled, store::RelayFailure::client_disconnected);
  co_return false;
}

net::awaitable<bool> ExecRelay::on_output(const protocol::Chunk& chunk) {
  job_->queued_bytes -= std::min(job_->queued_bytes, chunk.delta.size());
  ++chunks_;
  ++deps_.metrics.chunks_relayed;
  auto piece = protocol::decode_exec_output(chunk.delta);
  if (!piece || (piece->stream != "stdout" && piece->stream != "stderr")) co_return true;  // not output: ignored
  if (!request_.stream) {
    auto& into = piece->stream == "stdout" ? stdout_ : stderr_;
    if (stdout_.size() + stderr_.size() + piece->data.size() > kMaxCollectedBytes) {
      co_await fail(ApiError{502, "server_error", "node_error", "the node sent more output than allowed"},
                    store::UsageStatus::error, store::RelayFailure::output_too_large);
      co_return false;
    }
    into += piece->data;
    co_return true;
  }
  out_ += sse_event({{"type", "output"}, {"stream", piece->stream}, {"data", piece->data}});
  if (job_->events.size() == 0 || out_.size() > 64 * 1024) {
    const bool more = co_await flush();
    co_return more;
  }
  co_return true;
}

net::awaitable<bool> ExecRelay::flush() {
  if (!sse_.started()) {
    const auto ec = co_await sse_.start();
    if (ec) {
      client_gone_ = true;
      end_job(true);
      record(store::UsageStatus::cancelled, store::RelayFailure::client_disconnected);
      co_return false;
    }
  }
  if (out_.empty()) co_return true;
  const auto ec = co_await sse_.send(out_);
  out_.clear();
  if (!ec) co_return true;
  client_gone_ = true;
  end_job(true);
  record(store::UsageStatus::cancelled, ec == boost::beast::error::timeout ? store::RelayFailure::client_too_slow
                                                                           : store::RelayFailure::client_disconnected);
  exchange_.keep_alive = false;
  co_return false;
}

net::awaitable<bool> ExecRelay::on_done(const protocol::Done& done) {
  end_job(false);
  if (!done.exec) {
    co_await fail(ApiError{502, "server_error", "node_error", "the node sent no result"}, store::UsageStatus::error,
                  store::RelayFailure::no_result);
    co_return false;
  }
  record(store::UsageStatus::ok, std::nullopt, &*done.exec);
  json::object answer;
  if (!request_.stream) {
    answer["stdout"] = stdout_;
    answer["stderr"] = stderr_;
    protocol::write_exec_result(answer, *done.exec);
    response_ = net::make_response(boost::beast::http::status::ok, json::serialize(answer));
    co_return false;
  }
  answer["type"] = "result";
  protocol::write_exec_result(answer, *done.exec);
  out_ += sse_event(answer);
  out_ += "data: [DONE]\n\n";
  co_await finish_stream();
  co_return false;
}

net::awaitable<bool> ExecRelay::on_error(const protocol::Error& error) {
  end_job(false);
  if (chunks_ == 0 && error.retryable && attempts_ <= deps_.config.max_retries && dispatch()) {
    ++deps_.metrics.retries;
    co_return true;
  }
  const ApiError answer = consumer_error(error);
  const store::UsageStatus status =
      error.code == protocol::ErrorCode::timeout ? store::UsageStatus::timeout : store::UsageStatus::error;
  co_await fail(answer, status, error.code);
  co_return false;
}

net::awaitable<void> ExecRelay::fail(const ApiError& error, const store::UsageStatus& status,
                                     const store::FailureCode& code) {
  end_job(true);
  record(status, code);
  if (!sse_.started() && out_.empty()) {
    response_ = net::make_error_response(error);
    co_return;
  }
  net::append_sse_event(out_, error.to_json());
  co_await finish_stream();
}

net::awaitable<void> ExecRelay::finish_stream() {
  const bool flushed = co_await flush();
  if (!flushed) co_return;
  const auto ec = co_await sse_.finish();
  if (ec) exchange_.keep_alive = false;
}

void ExecRelay::end_job(bool cancel_on_node) {
  if (!node_) return;
  if (auto* node = deps_.registry.find(job_->node_id)) node->finish(job_->id, cancel_on_node);
  node_ = nullptr;
}

void ExecRelay::record(store::UsageStatus status, std::optional<store::FailureCode> error_code,
                       const protocol::ExecResult* result) {
  if (recorded_) return;
  recorded_ = true;
  store::UsageEvent event;
  event.ts_ms = unix_now_ms();
  event.job_id = job_->id;
  event.user_id = principal_.user_id;
  event.key_id = principal_.key_id;
  event.node_id = job_->node_id;
  event.kind = "exec";
  event.language = request_.language;
  event.cluster_id = placement_.cluster_id;
  event.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  event.status = status;
  event.error_code = error_code;
  if (result) {
    // Priced by the CPU time used, capped at the hold: several processes
    // may each use up to the CPU limit. A job without a result costs nothing.
    event.cpu_ms = result->cpu_ms;
    event.exit_code = exit_status(*result);
    event.cost = hold_.charge(exec_cost_of(current_.cpu_price, result->cpu_ms));
  }
  event.settlement = hold_.settlement(event.cost, provider_);
  record_job_end(deps_.metrics, deps_.usage, std::move(event), chunks_);
}

}  // namespace potluck::coordinator::api
