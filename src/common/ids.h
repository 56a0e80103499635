#pragma once
// Non-secret identifiers (job ids, node ids, response ids). Secrets come from
// crypto/random.h instead.
#include <string>

namespace potluck {

// `prefix` followed by `length` lowercase base32 characters.
std::string make_id(std::string_view prefix, std::size_t length = 20);

}  // namespace potluck
