#pragma once
// /api/me: a user's own account, for the privacy promises.
//   GET    /api/me/export   all of the caller's personal data as one JSON
//                           document (never secret digests); audited as
//                           data.exported
//   DELETE /api/me          deletes the caller's account: keys, node tokens
//                           and invites revoked, email and names erased,
//                           node records deleted (their nodes disconnected at
//                           once), clusters owned alone deleted, usage
//                           anonymised, memberships removed, ledger rows
//                           kept; audited as account.deleted. 409 while the
//                           caller owns a cluster that has other members.
// Who: any valid key, on its own user only.
#include "coordinator/auth.h"
#include "coordinator/node_hub.h"
#include "coordinator/store_executor.h"
#include "net/http_server.h"

#include <optional>

namespace potluck::coordinator::api {

class MeHandler {
 public:
  MeHandler(KeyAuthenticator& auth, StoreExecutor& store, NodeHub& hub) : auth_(auth), store_(store), hub_(hub) {}

  net::awaitable<net::Response> export_data(const Principal& caller);
  net::awaitable<net::Response> delete_account(const Principal& caller);

 private:

  KeyAuthenticator& auth_;
  StoreExecutor& store_;
  NodeHub& hub_;
};

}  // namespace potluck::coordinator::api
