#include "net/route_pattern.h"

#include <stdexcept>
#include <string>

namespace potluck::net {
namespace {

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

constexpr std::string_view kRestMark = "...";

// "{name...}": the capture of the rest of the path.
bool is_rest_capture(std::string_view segment) {
  return is_capture(segment) && segment.size() > kRestMark.size() + 2 &&
         segment.substr(1, segment.size() - 2).ends_with(kRestMark);
}

// The capture's name, without braces or the rest mark.
std::string_view capture_name(std::string_view segment) {
  std::string_view name = segment.substr(1, segment.size() - 2);
  if (is_rest_capture(segment)) name.remove_suffix(kRestMark.size());
  return name;
}

// The next '/'-separated segment of `rest` (which starts after a '/'), and
// `rest` moved past it and its trailing '/'. `more` tells whether a '/' followed.
std::string_view next_segment(std::string_view& rest, bool& more) {
  const auto slash = rest.find('/');
  const std::string_view segment = rest.substr(0, slash);
  more = slash != std::string_view::npos;
  rest = more ? rest.substr(slash + 1) : std::string_view{};
  return segment;
}

}  // namespace

std::string_view Captures::operator[](std::string_view name) const {
  for (std::size_t i = 0; i < size_; ++i)
    if (items_[i].name == name) return items_[i].value;
  return {};
}

bool Captures::add(Capture capture) {
  if (size_ == items_.size()) return false;
  items_[size_++] = capture;
  return true;
}

RoutePattern::RoutePattern(std::string_view pattern) : text_(pattern) {
  if (!pattern.starts_with('/')) throw std::logic_error("route pattern must start with '/': " + std::string(pattern));
  std::size_t captures = 0;
  std::string_view rest = pattern.substr(1);
  bool more = true;
  while (more) {
    const std::string_view segment = next_segment(rest, more);
    const bool opens = segment.find('{') != std::string_view::npos || segment.find('}') != std::string_view::npos;
    if (opens && !is_capture(segment))
      throw std::logic_error("malformed capture in route pattern: " + std::string(pattern));
    if (is_capture(segment) && ++captures > kMaxRouteCaptures)
      throw std::logic_error("too many captures in route pattern: " + std::string(pattern));
    if (is_rest_capture(segment) && more)
      throw std::logic_error("a rest capture must be the last segment: " + std::string(pattern));
  }
}

bool RoutePattern::match(std::string_view path, Captures& captures) const {
  captures.clear();
  if (path.size() > kMaxRoutePathLength || !path.starts_with('/')) return false;
  std::string_view pattern_rest = text_.substr(1);
  std::string_view path_rest = path.substr(1);
  bool pattern_more = true;
  bool path_more = true;
  while (pattern_more) {
    if (!path_more) return false;  // the path ended first
    const std::string_view want = next_segment(pattern_rest, pattern_more);
    const std::string_view got = next_segment(path_rest, path_more);
    if (is_rest_capture(want)) {
      if (got.empty()) return false;
      captures.add({capture_name(want), std::string_view(got.data(), path.data() + path.size() - got.data())});
      return true;
    }
    if (is_capture(want)) {
      if (got.empty()) return false;
      captures.add({capture_name(want), got});
    } else if (want != got) {
      return false;
    }
  }
  return !path_more;  // a path with more segments (or a trailing '/') is another path
}

}  // namespace potluck::net
