#include "coordinator/api/stream_sinks.h"

#include "net/sse.h"
#include "protocol/exec.h"

#include <boost/json.hpp>

namespace potluck::coordinator::api {
namespace json = boost::json;

JobSink::Delivery OpenAiStreamSink::take(const protocol::Chunk& chunk) {
  format_.append_chunk_event(events(), chunk);
  counted_chunk();
  return Delivery::ok;
}

// The usage shown is what the consumer pays for (shown_usage).
net::awaitable<void> OpenAiStreamSink::complete(const protocol::Done& done, const protocol::Usage& billed) {
  if (include_usage_) format_.append_usage_event(events(), shown_usage(done, billed));
  ResponseFormat::append_done_event(events());
  co_await finish();
}

JobSink::Delivery ResponsesStreamSink::take(const protocol::Chunk& chunk) {
  const Delivery kept = collector_.take(chunk);
  if (kept == Delivery::ok) counted_chunk();
  return kept;
}

net::awaitable<void> ResponsesStreamSink::complete(const protocol::Done& done, const protocol::Usage& billed) {
  collector_.output().append_end_events(events(), shown_usage(done, billed));
  co_await finish();
}

void ResponsesStreamSink::append_error_event(std::string& out, const ApiError& error) {
  collector_.output().append_error_event(out, error);
}

// Pieces that are not program output (a newer node's extras) are ignored.
JobSink::Delivery ExecStreamSink::take(const protocol::Chunk& chunk) {
  counted_chunk();
  auto piece = protocol::decode_exec_output(chunk.delta);
  if (!piece || (piece->stream != "stdout" && piece->stream != "stderr")) return Delivery::ok;
  net::append_sse_event(events(),
                        json::serialize(json::object{{"type", "output"}, {"stream", piece->stream}, {"data", piece->data}}));
  return Delivery::ok;
}

net::awaitable<void> ExecStreamSink::complete(const protocol::Done& done, const protocol::Usage& billed) {
  (void)billed;
  json::object result{{"type", "result"}};
  if (done.exec) protocol::write_exec_result(result, *done.exec);
  net::append_sse_event(events(), json::serialize(result));
  events() += "data: [DONE]\n\n";
  co_await finish();
}

}  // namespace potluck::coordinator::api
