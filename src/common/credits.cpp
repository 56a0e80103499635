#include "common/credits.h"

#include <cctype>

namespace potluck {

std::expected<std::int64_t, std::string> parse_credits(std::string_view text) {
  const std::string_view original = text;
  auto bad = [&original](std::string_view why) {
    return std::unexpected("'" + std::string(original.substr(0, 40)) + "' is not an amount of credits: " +
                           std::string(why));
  };
  if (text.empty()) return bad("empty");
  if (text.front() == '-') return bad("amounts must not be negative");
  if (text.front() == '+') text.remove_prefix(1);
  const auto dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && fraction.empty()) return bad("no digits");
  if (fraction.size() > 6) return bad("at most 6 decimals (a micro-credit)");
  std::int64_t micro = 0;
  for (char c : whole) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad("only digits and one '.'");
    micro = micro * 10 + (c - '0');
    if (micro > kMaxMicroCredits / kMicroPerCredit) return bad("too large");
  }
  micro *= kMicroPerCredit;
  std::int64_t scale = kMicroPerCredit / 10;
  for (char c : fraction) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return bad("only digits and one '.'");
    micro += (c - '0') * scale;
    scale /= 10;
  }
  if (micro > kMaxMicroCredits) return bad("too large");
  return micro;
}

std::string format_credits(std::int64_t micro) {
  const bool negative = micro < 0;
  // Careful with INT64_MIN: work on the unsigned magnitude.
  const std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(micro) : static_cast<std::uint64_t>(micro);
  // Appended, not concatenated: g++ 12 -O3 flags `"-" + string` with a
  // false -Werror=restrict.
  std::string out = negative ? "-" : "";
  out += std::to_string(magnitude / kMicroPerCredit);
  std::uint64_t fraction = magnitude % kMicroPerCredit;
  if (fraction == 0) return out;
  std::string digits = std::to_string(fraction);
  digits.insert(0, 6 - digits.size(), '0');
  while (digits.back() == '0') digits.pop_back();
  return out + "." + digits;
}

}  // namespace potluck
