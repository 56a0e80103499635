#include "node/chunk_coalescer.h"

#include <boost/json.hpp>

namespace potluck::node {
namespace json = boost::json;

bool ChunkCoalescer::absorb(const protocol::Chunk& chunk) {
  if (!chunk.choice.empty() || !chunk.response.empty()) return false;
  const std::string_view delta = chunk.delta;
  Choice merged;
  if (!delta.empty()) {
    boost::system::error_code ec;
    auto value = json::parse(json::string_view(delta.data(), delta.size()), ec);
    if (ec || !value.is_object()) return false;
    std::string_view text_key = kind_ == protocol::JobKind::chat ? "content" : "text";
    for (const auto& [key, v] : value.get_object()) {
      if (key == text_key && v.is_string()) {
        merged.text = v.get_string();
      } else if (key == "role" && v.is_string() && kind_ == protocol::JobKind::chat) {
        merged.role = v.get_string();
      } else {
        return false;  // more than text: keep it as its own chunk
      }
    }
  }
  auto& choice = choices_[chunk.index];
  if (choice.role.empty()) choice.role = std::move(merged.role);
  choice.text += merged.text;
  if (!chunk.finish_reason.empty()) choice.finish_reason = chunk.finish_reason;
  return true;
}

std::vector<protocol::Chunk> ChunkCoalescer::take(const std::string& job_id) {
  std::vector<protocol::Chunk> out;
  for (auto& [index, choice] : choices_) {
    json::object delta;
    if (kind_ == protocol::JobKind::chat) {
      delta["role"] = choice.role.empty() ? "assistant" : choice.role;
      delta["content"] = choice.text;
    } else {
      delta["text"] = choice.text;
    }
    out.push_back(protocol::Chunk{.id = job_id, .index = index, .delta = json::serialize(delta),
                                  .finish_reason = choice.finish_reason});
  }
  choices_.clear();
  return out;
}

}  // namespace potluck::node
