#include "common/ids.h"

#include <random>

namespace potluck {

std::string make_id(std::string_view prefix, std::size_t length) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(prefix);
  id.reserve(prefix.size() + length);
  std::uint64_t bits = 0;
  int available = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (available < 5) { bits = rng(); available = 64; }
    id.push_back(kAlphabet[bits & 31]);
    bits >>= 5;
    available -= 5;
  }
  return id;
}

}  // namespace potluck
