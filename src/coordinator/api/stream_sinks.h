#pragma once
// Consumers who asked for a stream: each chunk becomes a server-sent event as
// the kind formats it. OpenAI: chat.completion.chunk / text_completion
// events, the usage event when stream_options.include_usage, then [DONE].
// Responses: the Responses API's typed events.
// Exec: {"type":"output","stream","data"} events, then the result event and
// [DONE].
#include "coordinator/api/connection_sink.h"
#include "coordinator/api/openai_response.h"
#include "coordinator/api/result_collector.h"

namespace potluck::coordinator::api {

class OpenAiStreamSink final : public StreamingSink {
 public:
  OpenAiStreamSink(net::Exchange& exchange, ResponseFormat format, bool include_usage)
      : StreamingSink(exchange), format_(std::move(format)), include_usage_(include_usage) {}

  Delivery take(const protocol::Chunk& chunk) override;
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override;

 private:
  ResponseFormat format_;
  bool include_usage_;
};

// A streamed /v1/responses request: the Responses API's typed events
// (responses_output.h). The output is held, within `max_bytes`, for the
// events that repeat it at the end.
class ResponsesStreamSink final : public StreamingSink {
 public:
  ResponsesStreamSink(net::Exchange& exchange, std::size_t max_bytes, std::unique_ptr<ResponsesOutput> output)
      : StreamingSink(exchange), collector_(max_bytes, std::move(output), &events()) {}

  Delivery take(const protocol::Chunk& chunk) override;
  bool whole() const override { return collector_.whole(); }
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override;

 private:
  void append_error_event(std::string& out, const ApiError& error) override;
  ResponsesCollector collector_;
};

class ExecStreamSink final : public StreamingSink {
 public:
  using StreamingSink::StreamingSink;

  Delivery take(const protocol::Chunk& chunk) override;
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override;
};

}  // namespace potluck::coordinator::api
