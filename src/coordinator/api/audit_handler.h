#pragma once
// /api/audit: reading and checking the tamper-evident audit log.
//   GET /api/audit?after=SEQ&limit=N&cluster=ID
//       Who: an admin (role admin and a key with the admin scope) reads every
//       row, or one cluster's; a cluster's owner reads that cluster's rows
//       (`cluster` is then required); anyone else gets 403.
//   GET /api/audit/verify
//       Who: an admin. Walks the chain from the first row and reports
//       {ok, rows, first_broken_seq, reason, row}.
#include "common/query_string.h"
#include "coordinator/auth.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

#include <optional>

namespace potluck::coordinator::api {

class AuditHandler {
 public:
  explicit AuditHandler(StoreExecutor& store) : store_(store) {}

  net::awaitable<net::Response> list(net::Exchange& exchange, const Principal& caller);
  net::awaitable<net::Response> verify(const Principal& caller);

 private:
  // nullopt when the caller may read the cluster's rows, else the refusal.
  net::awaitable<std::optional<net::Response>> refuse_cluster(const Principal& caller, const std::string& cluster_id);

  StoreExecutor& store_;
};

}  // namespace potluck::coordinator::api
