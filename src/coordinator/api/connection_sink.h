#pragma once
// The sinks of jobs whose consumer waits on an HTTP connection.
// ConnectionSink keeps what every such sink shares: noticing a hang-up,
// and the answer the server writes when nothing was streamed. StreamingSink
// adds server-sent events: output is formatted into a buffer by the kind's
// sink and flushed as one write, and what was written is counted, since an
// unfinished job pays only for the chunks that reached its consumer.
#include "coordinator/jobs/job_sink.h"
#include "net/http_server.h"

#include <optional>
#include <string>

namespace potluck::coordinator::api {

class ConnectionSink : public JobSink {
 public:
  explicit ConnectionSink(net::Exchange& exchange) : exchange_(exchange) {}

  void watch_hangup(std::function<void()> on_gone) override;
  void stop_watching() override;
  bool consumer_left() override;

  // What the handler returns to the server: the answer, or nullopt when the
  // sink streamed it itself or the consumer is gone (then the connection
  // is not kept alive).
  std::optional<net::Response> take_answer();

 protected:
  void answer(net::Response response) { answer_ = std::move(response); }
  void consumer_gone() { gone_ = true; }
  bool gone() const { return gone_; }

  net::Exchange& exchange_;

 private:
  std::optional<net::Response> answer_;
  bool gone_ = false;
};

class StreamingSink : public ConnectionSink {
 public:
  explicit StreamingSink(net::Exchange& exchange) : ConnectionSink(exchange) {}

  bool streams() const override { return true; }
  std::size_t unsent_bytes() const override { return out_.size(); }
  net::awaitable<Delivery> flush() override;
  // Starts the stream (the 200 head) if it has not, and writes a comment:
  // from then on an error reaches the consumer as an SSE error event.
  net::awaitable<Delivery> keep_alive() override;
  std::int64_t delivered_chunks() const override { return delivered_chunks_; }
  // An error response when nothing was sent yet; otherwise what was
  // produced goes out, then one error event, then the end of the stream.
  net::awaitable<void> fail(const JobFailure& failure) override;

 protected:
  // Events the kind's sink formatted, and how many chunks they carry.
  std::string& events() { return out_; }
  void counted_chunk() { ++unsent_chunks_; }
  // Flushes, then ends the stream (the zero-length chunk).
  net::awaitable<void> finish();
  // The event that tells of a failure after the stream began; by default
  // the OpenAI error envelope as one data event.
  virtual void append_error_event(std::string& out, const ApiError& error);

 private:
  std::string out_;  // events not yet written
  std::int64_t unsent_chunks_ = 0;
  std::int64_t delivered_chunks_ = 0;
};

}  // namespace potluck::coordinator::api
