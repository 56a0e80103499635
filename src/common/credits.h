#pragma once
// Credits as people write them ("12.5") and as the ledger keeps them (integer
// micro-credits: 12'500'000). No floating point anywhere on the way.
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace potluck {

inline constexpr std::int64_t kMicroPerCredit = 1'000'000;
// Far beyond any real amount, and far from int64 overflow when summed.
inline constexpr std::int64_t kMaxMicroCredits = 1'000'000'000'000'000;  // 10^9 credits

// "12", "12.5", "0.000001"; at most 6 decimals; not negative; at most 10^9.
std::expected<std::int64_t, std::string> parse_credits(std::string_view text);

// 12'500'000 -> "12.5", -1 -> "-0.000001".
std::string format_credits(std::int64_t micro);

}  // namespace potluck
