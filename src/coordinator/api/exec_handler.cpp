#include "coordinator/api/exec_handler.h"

#include "coordinator/api/cluster_choice.h"
#include "coordinator/api/run_for_connection.h"
#include "coordinator/api/stream_sinks.h"

namespace potluck::coordinator::api {

net::awaitable<std::optional<net::Response>> ExecHandler::handle(net::Exchange& exchange, Principal& caller) {
  auto admitted = admit(caller, exchange.request.body(), false);
  if (!admitted) co_return net::make_error_response(admitted.error());

  const ExecPolicy policy = this->policy(*admitted);
  JobRun::Spec spec{{}, std::move(caller), std::move(admitted->placement), exchange.request.body()};
  if (admitted->request.stream) {
    ExecStreamSink sink(exchange);
    auto answer = co_await run_for_connection(deps_, policy, sink, spec);
    co_return answer;
  }
  ExecCollector collector(deps_.config.max_result_bytes);
  auto answer = co_await run_collected(deps_, policy, exchange, collector, spec);
  co_return answer;
}

std::expected<ExecHandler::Admitted, ApiError> ExecHandler::admit(const Principal& caller, std::string_view body,
                                                                  bool may_wait) const {
  auto request = protocol::parse_exec_request(body);
  if (!request) return std::unexpected(ApiError::bad_request(request.error()));
  if (!protocol::is_known_language(request->language))
    return std::unexpected(
        ApiError::bad_request("unknown language (known: python3, node, bash, c, c++)", "unknown_language"));
  auto cluster = choose_cluster(caller, request->cluster);
  if (!cluster) return std::unexpected(cluster.error());
  Placement placement = Placement::exec(request->language, std::move(*cluster));
  if (!may_wait && !deps_.registry.online(placement)) {
    const std::string where = placement.in_cluster() ? " in this cluster" : "";
    return std::unexpected(ApiError::unavailable(
        "no node running '" + request->language + "' is online" + where + "; try again later",
        deps_.config.retry_after_s));
  }
  return Admitted{std::move(*request), std::move(placement)};
}

}  // namespace potluck::coordinator::api
