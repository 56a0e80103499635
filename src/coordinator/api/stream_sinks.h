#pragma once
// Consumers who asked for a stream: each chunk becomes a server-sent event as
// the kind formats it. OpenAI: chat.completion.chunk / text_completion
// events, the usage event when stream_options.include_usage, then [DONE].
// Exec: {"type":"output","stream","data"} events, then the result event and
// [DONE].
#include "coordinator/api/connection_sink.h"
#include "coordinator/api/openai_response.h"

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

class ExecStreamSink final : public StreamingSink {
 public:
  using StreamingSink::StreamingSink;

  Delivery take(const protocol::Chunk& chunk) override;
  net::awaitable<void> complete(const protocol::Done& done, const protocol::Usage& billed) override;
};

}  // namespace potluck::coordinator::api
