#pragma once
// The one place that turns a failed store call into the error its caller
// sees (api::store_error_response for the /api handlers, CreditHold and the
// key check for jobs):
//   not_found     404 "no such <what>", code <what>_not_found ("api key" ->
//                 api_key_not_found)
//   conflict      409 conflict, the store's message
//   invalid       `invalid_status` (409 by default: the request breaks a rule
//                 of the current state; 400 where the request itself is at
//                 fault), code not_allowed, the store's message
//   gone          410 gone (a spent, expired or revoked invite)
//   insufficient  402 insufficient_credits
//   storage_unavailable
//                 503 storage_unavailable with Retry-After (kStorageRetryAfterS):
//                 the database cannot be written now (disk full, read-only);
//                 the store's message is logged with `what`, not sent.
//   io            500 "storage error"; the store's message (never request
//                 content) is logged with `what`, not sent.
// The store's messages name rules and ids only, so they may be shown.
#include "common/api_error.h"
#include "store/result.h"

#include <string_view>

namespace potluck::coordinator {

// Storage trouble waits for an operator (free space, fix a mount): a caller
// is asked to come back later than after a busy node (--retry-after-s).
inline constexpr int kStorageRetryAfterS = 10;

ApiError store_error(const store::StoreError& error, std::string_view what, int invalid_status = 409);

}  // namespace potluck::coordinator
