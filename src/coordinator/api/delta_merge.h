#pragma once
// Folds the deltas of one OpenAI choice into the object a non-streamed answer
// shows, by the rule the OpenAI SDKs use to accumulate a stream: text is
// appended, arrays (logprobs) are appended, objects are merged member by
// member, tool calls are merged by their "index", and identity members (role,
// id, type, name) and scalars are set. A whole answer is a single delta, so it
// comes out unchanged: whatever the engine put in a message or a choice
// reaches the consumer.
#include <boost/json.hpp>

#include <cstdint>
#include <map>

namespace potluck::coordinator::api {

class DeltaMerge {
 public:
  // Merges `delta`'s members into `into`.
  void merge(boost::json::object& into, const boost::json::object& delta);

 private:
  void merge_member(boost::json::object& into, boost::json::string_view key, const boost::json::value& value);
  void merge_tool_calls(boost::json::array& calls, const boost::json::array& deltas);

  // Where each tool call index sits in the message's "tool_calls": a node may
  // send many, and a search per delta would be quadratic.
  std::map<std::int64_t, std::size_t> tool_call_at_;
};

}  // namespace potluck::coordinator::api
