#include "coordinator/api/delta_merge.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace potluck::coordinator::api {
namespace json = boost::json;
namespace {

// Members a stream repeats or sends once whole: set, never appended.
bool identity_member(json::string_view key) {
  constexpr std::array<std::string_view, 5> keys{"role", "id", "type", "name", "index"};
  return std::find(keys.begin(), keys.end(), std::string_view(key)) != keys.end();
}

}  // namespace

void DeltaMerge::merge(json::object& into, const json::object& delta) {
  for (const auto& [key, value] : delta) merge_member(into, key, value);
}

void DeltaMerge::merge_member(json::object& into, json::string_view key, const json::value& value) {
  auto* have = into.if_contains(key);
  if (key == "tool_calls" && value.is_array() && (!have || have->is_null() || have->is_array())) {
    if (!have || have->is_null()) have = &(into[key] = json::array());
    merge_tool_calls(have->get_array(), value.get_array());
  } else if (!have || have->is_null()) {
    into[key] = value;
  } else if (value.is_null()) {
    return;  // a delta without this member
  } else if (have->is_string() && value.is_string() && !identity_member(key)) {
    have->get_string().append(value.get_string());
  } else if (have->is_array() && value.is_array()) {
    auto& items = have->get_array();
    items.insert(items.end(), value.get_array().begin(), value.get_array().end());
  } else if (have->is_object() && value.is_object()) {
    merge(have->get_object(), value.get_object());
  } else {
    *have = value;
  }
}

// Streamed tool calls name their slot with "index"; whole ones have none and
// are each a call of their own.
void DeltaMerge::merge_tool_calls(json::array& calls, const json::array& deltas) {
  for (const auto& item : deltas) {
    const auto* index = item.is_object() ? item.get_object().if_contains("index") : nullptr;
    if (!index || !index->is_int64()) {
      calls.push_back(item);
      continue;
    }
    auto [at, fresh] = tool_call_at_.try_emplace(index->get_int64(), calls.size());
    if (fresh) calls.push_back(item);
    else if (at->second < calls.size() && calls[at->second].is_object())
      merge(calls[at->second].get_object(), item.get_object());
  }
}

}  // namespace potluck::coordinator::api
