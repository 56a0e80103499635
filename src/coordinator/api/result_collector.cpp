#include "coordinator/api/result_collector.h"

#include "protocol/exec.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>

namespace potluck::coordinator::api {
namespace json = boost::json;

JobSink::Delivery ResultCollector::take(const protocol::Chunk& chunk) {
  held_bytes_ += protocol::text_bytes(chunk);
  if (held_bytes_ > max_bytes_) return JobSink::Delivery::too_large;
  if (!admits(chunk)) return JobSink::Delivery::malformed;
  keep(chunk);
  return JobSink::Delivery::ok;
}

// The usage shown is what the consumer pays for, as with a stream.
std::string OpenAiCollector::render(const protocol::Done& done, const protocol::Usage& billed) const {
  return format_.complete_response(shown_usage(done, billed));
}

std::string ResponsesCollector::render(const protocol::Done& done, const protocol::Usage& billed) const {
  return output_->complete_response(shown_usage(done, billed));
}

namespace {

// Base64 text of at most `max_floats` 4-byte floats.
bool is_base64_vector(std::string_view text, std::int64_t max_floats) {
  const auto max_chars = static_cast<std::size_t>((max_floats * 4 + 2) / 3 * 4);
  if (text.empty() || text.size() > max_chars || text.size() % 4 != 0) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '/' || c == '=';
  });
}

bool is_number_vector(const json::array& numbers, std::int64_t max_dimensions) {
  if (numbers.empty() || static_cast<std::int64_t>(numbers.size()) > max_dimensions) return false;
  return std::all_of(numbers.begin(), numbers.end(), [](const json::value& v) { return v.is_number(); });
}

}  // namespace

// Boost.JSON refuses NaN and infinities, so a number it parsed is finite.
bool EmbeddingsCollector::admits(const protocol::Chunk& chunk) const {
  if (chunk.index < 0 || chunk.index >= inputs_ || vectors_.contains(chunk.index)) return false;
  boost::system::error_code ec;
  const json::value delta = json::parse(chunk.delta, ec);
  if (ec || !delta.is_object()) return false;
  const auto* vector = delta.get_object().if_contains("embedding");
  if (!vector) return false;
  if (vector->is_string())
    return is_base64_vector(std::string_view(vector->get_string().data(), vector->get_string().size()), max_dimensions_);
  return vector->is_array() && is_number_vector(vector->get_array(), max_dimensions_);
}

void EmbeddingsCollector::keep(const protocol::Chunk& chunk) {
  const json::value delta = json::parse(chunk.delta);  // admits() parsed it
  vectors_[chunk.index] = json::serialize(delta.get_object().at("embedding"));
}

// The usage shown is what the consumer pays for: input tokens only.
std::string EmbeddingsCollector::render(const protocol::Done& done, const protocol::Usage& billed) const {
  (void)done;
  std::string out = R"({"object":"list","data":[)";
  bool first = true;
  for (const auto& [index, vector] : vectors_) {
    if (!first) out += ',';
    first = false;
    out += R"({"object":"embedding","index":)" + std::to_string(index) + R"(,"embedding":)" + vector + "}";
  }
  out += R"(],"model":)" + json::serialize(json::string(model_));
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(billed.prompt_tokens) +
         R"(,"total_tokens":)" + std::to_string(billed.prompt_tokens) + "}}";
  return out;
}

// Pieces that are not program output (a newer node's extras) are ignored.
void ExecCollector::keep(const protocol::Chunk& chunk) {
  auto piece = protocol::decode_exec_output(chunk.delta);
  if (!piece) return;
  if (piece->stream == "stdout") stdout_ += piece->data;
  else if (piece->stream == "stderr") stderr_ += piece->data;
}

std::string ExecCollector::render(const protocol::Done& done, const protocol::Usage& billed) const {
  (void)billed;
  json::object answer;
  answer["stdout"] = stdout_;
  answer["stderr"] = stderr_;
  if (done.exec) protocol::write_exec_result(answer, *done.exec);
  return json::serialize(answer);
}

}  // namespace potluck::coordinator::api
