#pragma once
// Notices a consumer that hangs up while its job runs: the socket turns
// readable with nothing to read, and the job's queue gets ClientGone. The
// request was read in full, so a readable socket with bytes means a
// pipelined request, which is left for the next turn.
#include "coordinator/job.h"
#include "net/http_server.h"

#include <memory>

namespace potluck::coordinator::api {

void watch_for_hangup(net::Exchange& exchange, const std::shared_ptr<Job>& job);
void stop_watching(net::Exchange& exchange);

}  // namespace potluck::coordinator::api
