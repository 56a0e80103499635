#pragma once
// A path pattern of a route table: literal segments and named captures,
// "/api/nodes/{id}/trust". A capture matches exactly one non-empty segment,
// except a last segment "{name...}", which matches the rest of the path (one
// or more segments: model ids such as "org/model:tag"); nothing else is
// special (no wildcards, no regex). Matching walks the
// pattern and the path once and allocates nothing: the captured values are
// views into the path, left percent-encoded as they came.
#include <array>
#include <cstddef>
#include <string_view>

namespace potluck::net {

// Paths longer than this match no route (the request line itself is bounded
// by ServerLimits; this keeps a lookup's cost bounded on its own).
inline constexpr std::size_t kMaxRoutePathLength = 2048;
inline constexpr std::size_t kMaxRouteCaptures = 4;

struct Capture {
  std::string_view name;
  std::string_view value;
};

// The captures of one match, in pattern order.
class Captures {
 public:
  // The value captured as `name`, or empty when the pattern has no such name.
  std::string_view operator[](std::string_view name) const;
  std::size_t size() const { return size_; }
  void clear() { size_ = 0; }
  bool add(Capture capture);

 private:
  std::array<Capture, kMaxRouteCaptures> items_{};
  std::size_t size_ = 0;
};

class RoutePattern {
 public:
  // `pattern` must outlive the object (route tables use literals). A
  // malformed pattern (not starting with '/', an empty or unclosed capture,
  // more than kMaxRouteCaptures captures) is a bug: std::logic_error.
  explicit RoutePattern(std::string_view pattern);

  // Whether `path` (without its query) matches; on a match `captures` holds
  // the values (it is cleared first either way).
  bool match(std::string_view path, Captures& captures) const;
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

}  // namespace potluck::net
