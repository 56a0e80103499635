#include "coordinator/api/result_collector.h"

#include "protocol/exec.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;

JobSink::Delivery ResultCollector::take(const protocol::Chunk& chunk) {
  held_bytes_ += protocol::text_bytes(chunk);
  if (held_bytes_ > max_bytes_) return JobSink::Delivery::too_large;
  keep(chunk);
  return JobSink::Delivery::ok;
}

// The usage shown is what the consumer pays for, as with a stream.
std::string OpenAiCollector::render(const protocol::Done& done, const protocol::Usage& billed) const {
  return format_.complete_response(shown_usage(done, billed));
}

std::string ResponsesCollector::render(const protocol::Done& done, const protocol::Usage& billed) const {
  return format_.complete_response(shown_usage(done, billed));
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
