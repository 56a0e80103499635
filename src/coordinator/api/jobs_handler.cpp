#include "coordinator/api/jobs_handler.h"

#include "common/ids.h"
#include "coordinator/api/api_responses.h"
#include "coordinator/api/job_request.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

namespace potluck::coordinator::api {
namespace http = boost::beast::http;
namespace {

// Owns the relay for the job's whole life (started with co_spawn: by value).
net::awaitable<void> run_job(std::shared_ptr<JobRelay> relay) {
  auto response = co_await relay->run_reserved();  // the outcome went to the job's record too
  (void)response;
}

}  // namespace

net::awaitable<std::optional<net::Response>> JobsHandler::submit(net::Exchange& exchange) {
  auto principal = co_await completions_.authorize(exchange.request);
  if (!principal) co_return net::make_error_response(principal.error());
  auto request = parse_job_request(exchange.request.body());
  if (!request) co_return net::make_error_response(request.error());
  auto admitted = completions_.admit(*principal, request->payload, request->kind, true);
  if (!admitted) co_return net::make_error_response(admitted.error());
  if (auto allowed = jobs_.may_submit(principal->user_id); !allowed)
    co_return net::make_error_response(allowed.error());

  const std::string model = admitted->request.model;
  auto record = jobs_.create({make_id("job_", 20), principal->user_id, request->kind, model, request->priority});
  JobRelay::Detached detached{record->identity().id, std::move(request->payload), request->priority, record};
  auto relay = std::make_shared<JobRelay>(completions_.relay_deps(), std::move(detached), std::move(*principal),
                                          std::move(admitted->request), std::move(admitted->placement));
  record->attach(relay);
  auto refused = co_await relay->reserve();
  if (refused) {
    const JobEnding refusal{JobEnding::How::failed, &*refused};
    record->ended(refusal);  // wakes a DELETE that found it meanwhile
    jobs_.discard(record->identity().id);
    co_return net::make_error_response(*refused);
  }
  const auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::co_spawn(executor, run_job(relay), boost::asio::detached);
  co_return json_response(http::status::accepted, record->to_json());
}

net::awaitable<std::optional<net::Response>> JobsHandler::one(net::Exchange& exchange, const std::string& id) {
  auto principal = co_await completions_.authorize(exchange.request);
  if (!principal) co_return net::make_error_response(principal.error());
  auto record = jobs_.find(id, principal->user_id);
  if (!record)
    co_return net::make_error_response(
        ApiError::not_found("no job '" + id.substr(0, 64) + "' (finished jobs are kept for a while only)",
                            "job_not_found"));
  const auto method = exchange.request.method();
  if (method == http::verb::get) co_return json_response(http::status::ok, record->to_json());
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
