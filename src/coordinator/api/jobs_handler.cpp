#include "coordinator/api/jobs_handler.h"

#include "common/clock.h"
#include "common/ids.h"
#include "coordinator/api/access.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/jobs/completion_policy.h"
#include "coordinator/jobs/exec_policy.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

namespace potluck::coordinator::api {
namespace http = boost::beast::http;
namespace {

// Owns the job for its whole life (started with co_spawn: by value).
net::awaitable<void> run_job(std::shared_ptr<AsyncJob> job) { co_await job->run.run_reserved(); }

}  // namespace

// The kind's scope (the router checked only that the key is valid), then the
// synchronous endpoint's checks.
std::expected<JobsHandler::Prepared, ApiError> JobsHandler::prepare(const Principal& caller,
                                                                    const JobRequest& job) const {
  const std::size_t max_result = completions_.job_deps().config.max_result_bytes;
  if (job.kind == protocol::JobKind::exec) {
    if (auto scoped = require_scope(caller, store::Scope::exec); !scoped) return std::unexpected(scoped.error());
    auto admitted = exec_.admit(caller, job.payload, true);
    if (!admitted) return std::unexpected(admitted.error());
    auto policy = std::make_unique<ExecPolicy>(exec_.policy(*admitted));
    return Prepared{std::move(admitted->placement), std::move(policy), std::make_unique<ExecCollector>(max_result),
                    "exec:" + admitted->request.language};
  }
  if (auto scoped = require_scope(caller, store::Scope::inference); !scoped) return std::unexpected(scoped.error());
  if (job.kind == protocol::JobKind::embedding) {
    auto admitted = completions_.admit_embedding(caller, job.payload, true);
    if (!admitted) return std::unexpected(admitted.error());
    const auto& config = completions_.job_deps().config;
    auto collector = std::make_unique<EmbeddingsCollector>(max_result, admitted->request.model,
                                                           admitted->request.inputs,
                                                           config.embeddings.max_dimensions);
    return Prepared{std::move(admitted->placement), std::make_unique<CompletionPolicy>(job.kind, 0, false),
                    std::move(collector), std::move(admitted->request.model)};
  }
  auto admitted = completions_.admit(caller, job.payload, job.kind, true);
  if (!admitted) return std::unexpected(admitted.error());
  const CompletionRequest& request = admitted->request;
  auto policy = std::make_unique<CompletionPolicy>(job.kind, request.held_output_tokens(), false);
  ResponseFormat format(job.kind, new_response_id(job.kind), unix_now_ms() / 1000, request.model);
  return Prepared{std::move(admitted->placement), std::move(policy),
                  std::make_unique<OpenAiCollector>(max_result, std::move(format)), request.model,
                  std::move(admitted->request.bounded_body)};
}

net::awaitable<std::optional<net::Response>> JobsHandler::submit(net::Exchange& exchange, Principal& caller) {
  auto request = parse_job_request(exchange.request.body());
  if (!request) co_return net::make_error_response(request.error());
  auto prepared = prepare(caller, *request);
  if (!prepared) co_return net::make_error_response(prepared.error());
  if (auto allowed = jobs_.may_submit(caller.user_id); !allowed) co_return net::make_error_response(allowed.error());

  auto record = jobs_.create({make_id("job_", 20), caller.user_id, request->kind,
                              std::move(prepared->model), request->priority, request->keep_result});
  JobRun::Spec spec{record->identity().id, std::move(caller), std::move(prepared->placement), {},
                    request->priority};
  std::string payload =
      prepared->bounded_body.empty() ? std::move(request->payload) : std::move(prepared->bounded_body);
  auto job = std::make_shared<AsyncJob>(std::move(payload), std::move(prepared->policy),
                                        std::move(prepared->collector), record, completions_.job_deps(),
                                        std::move(spec));
  record->attach(std::shared_ptr<JobRun>(job, &job->run));
  auto held = co_await job->run.reserve();
  if (!held) {
    const JobEnding refusal{JobEnding::How::failed, &held.error()};
    record->ended(refusal);  // wakes a DELETE that found it meanwhile
    jobs_.discard(record->identity().id);
    co_return net::make_error_response(held.error());
  }
  const auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(executor, run_job(job), boost::asio::detached);
  co_return json_response(http::status::accepted, record->to_json());
}

net::awaitable<std::optional<net::Response>> JobsHandler::one(net::Exchange& exchange, const Principal& caller,
                                                              const std::string& id) {
  auto record = jobs_.find(id, caller.user_id);
  if (!record)
    co_return net::make_error_response(
        ApiError::not_found("no job '" + id.substr(0, 64) + "' (finished jobs are kept for a while only)",
                            "job_not_found"));
  const auto method = exchange.request.method();
  if (method == http::verb::get) co_return json_response(http::status::ok, jobs_.read(*record));
  if (method != http::verb::delete_) co_return method_not_allowed();
  if (is_finished(record->state()))
    co_return net::make_error_response(ApiError{409, "invalid_request_error", "job_finished",
                                                "the job has already ended (" +
                                                    std::string(to_string(record->state())) + ")"});
  record->cancel();
  co_await record->wait_ended();
  co_return json_response(http::status::ok, record->to_json());
}

}  // namespace potluck::coordinator::api
