#pragma once
// Collects a job's output into one answer, for consumers who did not ask for
// a stream (a collected HTTP response, an asynchronous job's result). Each
// collector bounds what it holds: a node may not make the coordinator keep
// more than `max_bytes` of output for one job.
#include "coordinator/jobs/job_sink.h"
#include "coordinator/api/openai_response.h"
#include "coordinator/api/responses_format.h"

#include <cstddef>
#include <map>
#include <memory>
#include <string>

namespace potluck::coordinator::api {

class ResultCollector {
 public:
  explicit ResultCollector(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  virtual ~ResultCollector() = default;

  // ok; too_large once the output passes the cap, malformed for a piece the
  // collector does not admit (nothing more is kept either way).
  JobSink::Delivery take(const protocol::Chunk& chunk);
  // Whether the pieces kept make a whole answer (ResultCollector: always).
  virtual bool whole() const { return true; }
  // The whole answer as JSON text.
  virtual std::string render(const protocol::Done& done, const protocol::Usage& billed) const = 0;

 protected:
  // Whether the piece fits the answer's kind (checked before keep()).
  virtual bool admits(const protocol::Chunk& chunk) const { (void)chunk; return true; }
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

// A Responses API response object, translated from a chat job or passed
// through from an engine (responses_output.h). With `events` (a stream's
// buffer) each chunk kept also appends its events there: a stream's last
// events repeat the whole output, so a streamed response is held and bounded
// as well.
class ResponsesCollector final : public ResultCollector {
 public:
  ResponsesCollector(std::size_t max_bytes, std::unique_ptr<ResponsesOutput> output, std::string* events = nullptr)
      : ResultCollector(max_bytes), output_(std::move(output)), events_(events) {}
  std::string render(const protocol::Done& done, const protocol::Usage& billed) const override;
  bool whole() const override { return output_->whole(); }
  ResponsesOutput& output() { return *output_; }

 private:
  bool admits(const protocol::Chunk& chunk) const override { return output_->admits(chunk); }
  void keep(const protocol::Chunk& chunk) override { output_->take(chunk, events_); }
  std::unique_ptr<ResponsesOutput> output_;
  std::string* events_;
};

// An OpenAI embeddings list: {"object":"list","data":[{"object":"embedding",
// "index","embedding"}],"model","usage"}. A node's chunk must name an input
// (index below `inputs`, each once) and hold {"embedding": an array of at
// most `max_dimensions` finite numbers, or base64 text of at most that many
// 4-byte floats}; anything else is malformed and ends the job.
class EmbeddingsCollector final : public ResultCollector {
 public:
  EmbeddingsCollector(std::size_t max_bytes, std::string model, std::int64_t inputs, std::int64_t max_dimensions)
      : ResultCollector(max_bytes), model_(std::move(model)), inputs_(inputs), max_dimensions_(max_dimensions) {}
  std::string render(const protocol::Done& done, const protocol::Usage& billed) const override;
  bool whole() const override { return static_cast<std::int64_t>(vectors_.size()) == inputs_; }

 private:
  bool admits(const protocol::Chunk& chunk) const override;
  void keep(const protocol::Chunk& chunk) override;
  std::string model_;
  std::int64_t inputs_;
  std::int64_t max_dimensions_;
  std::map<int, std::string> vectors_;  // input index -> the vector's JSON text, as the node wrote it
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
