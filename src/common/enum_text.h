#pragma once
// The text of each value of a closed enum, in one table: to_string and
// ..._from of an enum both read it, so a value and its text are spelled once.
// The table lists the values in declaration order (checked at compile time),
// so to_string is an index.
#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace potluck {

template <class E, std::size_t N>
class EnumText {
 public:
  using Entry = std::pair<E, std::string_view>;

  consteval explicit EnumText(std::array<Entry, N> entries) : entries_(entries) {
    for (std::size_t i = 0; i < N; ++i) {
      if (static_cast<std::size_t>(entries_[i].first) != i) throw "EnumText: entries must be in declaration order";
      values_[i] = entries_[i].first;
    }
  }

  constexpr std::string_view to_string(E value) const { return entries_[static_cast<std::size_t>(value)].second; }

  constexpr std::optional<E> from(std::string_view text) const {
    for (const auto& [value, name] : entries_)
      if (name == text) return value;
    return std::nullopt;
  }

  constexpr std::span<const E> values() const { return values_; }
  static constexpr std::size_t size() { return N; }

 private:
  std::array<Entry, N> entries_;
  std::array<E, N> values_{};
};

// True when `text` lists every value of E whose last one is `last`.
template <class E, std::size_t N>
constexpr bool covers(const EnumText<E, N>&, E last) {
  return static_cast<std::size_t>(last) + 1 == N;
}

}  // namespace potluck
