#pragma once
// What a caller may do beyond their own data.
#include "coordinator/auth.h"

namespace potluck::coordinator::api {

// An administrator acting as one: the user's role is admin AND the key holds
// the admin scope (an admin's everyday key without it acts as a member).
inline bool acts_as_admin(const Principal& caller) {
  return caller.role == "admin" && caller.has_scope("admin");
}

}  // namespace potluck::coordinator::api
