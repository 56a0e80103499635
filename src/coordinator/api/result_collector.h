#pragma once
// Collects a job's output into one answer, for consumers who did not ask for
// a stream (a collected HTTP response, an asynchronous job's result). Each
// collector bounds what it holds: a node may not make the coordinator keep
// more than `max_bytes` of output for one job.
#include "coordinator/jobs/job_sink.h"
#include "coordinator/api/openai_response.h"
#include "coordinator/api/responses_format.h"

#include <cstddef>
#include <string>

namespace potluck::coordinator::api {

class ResultCollector {
 public:
  explicit ResultCollector(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  virtual ~ResultCollector() = default;

  // ok, or too_large once the output passes the cap (nothing more is kept).
  JobSink::Delivery take(const protocol::Chunk& chunk);
  // The whole answer as JSON text.
  virtual std::string render(const protocol::Done& done, const protocol::Usage& billed) const = 0;

 protected:
  virtual void keep(const protocol::Chunk& chunk) = 0;

 private:
  std::size_t max_bytes_;
  std::size_t held_bytes_ = 0;
};

// An OpenAI chat completion or completion object.
class OpenAiCollector final : public ResultCollector {
 public:
  OpenAiCollector(std::size_t max_bytes, ResponseFormat format)
      : ResultCollector(max_bytes), format_(std::move(format)) {}
  std::string render(const protocol::Done& done, const protocol::Usage& billed) const override;

 private:
  void keep(const protocol::Chunk& chunk) override { format_.collect(chunk); }
  ResponseFormat format_;
};

// A Responses API response object. With `events` (a stream's buffer) each
// chunk kept also appends its events there: a stream's last events repeat
// the whole output, so a streamed response is held and bounded as well.
class ResponsesCollector final : public ResultCollector {
 public:
  ResponsesCollector(std::size_t max_bytes, ResponsesFormat format, std::string* events = nullptr)
      : ResultCollector(max_bytes), format_(std::move(format)), events_(events) {}
  std::string render(const protocol::Done& done, const protocol::Usage& billed) const override;
  ResponsesFormat& format() { return format_; }

 private:
  void keep(const protocol::Chunk& chunk) override { format_.take(chunk, events_); }
  ResponsesFormat format_;
  std::string* events_;
};

// An exec result: {"stdout", "stderr", exit status, CPU, memory, ...}.
class ExecCollector final : public ResultCollector {
 public:
  explicit ExecCollector(std::size_t max_bytes) : ResultCollector(max_bytes) {}
  std::string render(const protocol::Done& done, const protocol::Usage& billed) const override;

 private:
  void keep(const protocol::Chunk& chunk) override;
  std::string stdout_, stderr_;
};

}  // namespace potluck::coordinator::api
