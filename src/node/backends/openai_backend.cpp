#include "node/backends/openai_backend.h"

#include "common/log.h"
#include "net/sse.h"
#include "node/backends/openai_translate.h"

#include <algorithm>

namespace potluck::node {
namespace asio = net::asio;
namespace http = net::http;
namespace {

constexpr std::chrono::seconds kModelsTimeout{10};
constexpr std::size_t kModelsMaxBytes = 4 * 1024 * 1024;

bool starts_with(std::string_view text, std::string_view prefix) { return text.starts_with(prefix); }

// Maps HttpClient's failure text (which names what failed, never content) to
// the protocol's error codes.
BackendError transport_error(std::string_view what) {
  if (starts_with(what, "cannot resolve") || starts_with(what, "cannot connect") || starts_with(what, "TLS with") ||
      starts_with(what, "upstream request failed") || starts_with(what, "upstream closed"))
    return {protocol::ErrorCode::upstream_unreachable, "upstream engine unreachable", 0, true};
  if (starts_with(what, "upstream timed out")) return {protocol::ErrorCode::timeout, "upstream engine timed out", 0, false};
  if (starts_with(what, "aborted")) return {protocol::ErrorCode::cancelled, "job aborted", 0, false};
  return {protocol::ErrorCode::upstream_error, "upstream stream broke", 0, true};
}

}  // namespace

std::expected<std::unique_ptr<OpenAiBackend>, std::string> OpenAiBackend::create(
    asio::any_io_executor executor, std::string_view upstream, std::vector<std::string> filter,
    EngineAbilities abilities, const std::string& ca_file) {
  auto url = parse_url(upstream);
  if (!url || (url->scheme != "http" && url->scheme != "https"))
    return std::unexpected("upstream URL must look like http://host:port or https://host:port");
  std::shared_ptr<const net::ClientTls> tls;
  if (url->scheme == "https") {
    auto made = net::ClientTls::make({.ca_file = ca_file});
    if (!made) return std::unexpected("--upstream-ca-file: " + made.error());
    tls = std::move(*made);
  } else if (!ca_file.empty()) {
    return std::unexpected("--upstream-ca-file needs an https:// upstream");
  }
  std::string base = url->path == "/" ? "" : url->path;
  // Accept "http://host:port/v1" as well: the /v1 is added per request.
  if (base.ends_with("/v1")) base.resize(base.size() - 3);
  return std::unique_ptr<OpenAiBackend>(
      new OpenAiBackend(std::move(executor), std::move(*url), std::move(base), std::move(filter),
                        std::move(abilities), std::move(tls)));
}

OpenAiBackend::OpenAiBackend(asio::any_io_executor executor, Url origin, std::string base_path,
                             std::vector<std::string> filter, EngineAbilities abilities,
                             std::shared_ptr<const net::ClientTls> tls)
    : client_(std::move(executor), std::move(origin), 256, std::move(tls)),
      base_path_(std::move(base_path)),
      filter_(std::move(filter)),
      abilities_(std::move(abilities)) {}

bool ModelNames::contains(const std::string& model) const {
  return std::find_if(names_.begin(), names_.end(), [&](const std::string& m) { return m == "*" || m == model; }) !=
         names_.end();
}

std::optional<BackendError> OpenAiBackend::refusal(const protocol::Job& job) const {
  using protocol::JobKind;
  const auto refused = [](std::string message) {
    return BackendError{protocol::ErrorCode::unsupported_kind, std::move(message), 0, true};
  };
  if (job.kind == JobKind::exec) return refused("this node does not run exec jobs");
  if (job.kind == JobKind::embedding && !abilities_.embeddings.contains(job.model))
    return refused("this model does not embed");
  if (job.kind == JobKind::responses && !abilities_.responses.contains(job.model))
    return refused("this model's engine does not answer the Responses API");
  return std::nullopt;
}

net::awaitable<std::expected<ModelList, std::string>> OpenAiBackend::models(net::AbortHandle* abort) {
  std::string body;
  bool too_big = false;
  // Callbacks and braced lists are named, not written inline: g++ 12
  // mishandles such temporaries inside a co_await expression.
  const net::HeaderList headers{{"Accept", "application/json"}};
  const std::function<void(unsigned, std::string_view)> on_body = [&](unsigned, std::string_view slice) {
    if (body.size() + slice.size() > kModelsMaxBytes) too_big = true;
    else body += slice;
  };
  const std::string target = base_path_ + "/v1/models";
  const std::string no_body;
  auto status = co_await client_.stream(http::verb::get, target, no_body, headers,
                                        std::chrono::steady_clock::now() + kModelsTimeout, on_body, abort);
  if (!status) co_return std::unexpected(status.error());
  if (*status < 200 || *status >= 300)
    co_return std::unexpected("upstream answered " + std::to_string(*status) + " to GET /v1/models");
  if (too_big) co_return std::unexpected("upstream model list is too large");
  auto offers = openai::parse_models(body, filter_);
  if (offers)
    for (auto& offer : *offers) {
      offer.embeddings = abilities_.embeddings.contains(offer.id);
      offer.responses = abilities_.responses.contains(offer.id);
    }
  co_return offers;
}

namespace {

// What the engine's answer amounted to, gathered while its body arrives.
struct Answer {
  std::optional<protocol::Usage> usage;
  std::int64_t content_chunks = 0;  // streamed: chunks that carried text
  std::size_t content_bytes = 0;    // whole: delta bytes that carried text
  std::size_t chunks = 0;
  bool finished = false;  // [DONE], a finish_reason, or a whole answer
  bool failed = false;    // an error message, or one that did not parse
  int failed_status = 0;
  std::string failed_detail;
  bool too_big = false;   // a whole answer above kMaxAnswerBytes
  std::string response;   // the engine's top-level extras last relayed

  // Hands the chunks of one event (or of a whole answer) to `sink`.
  void take(openai::EventOutcome outcome, const ChunkSink& sink) {
    if (outcome.error) {
      failed = true;
      failed_status = outcome.error_status;
      failed_detail = std::move(outcome.error_detail);
      return;
    }
    for (auto& chunk : outcome.chunks) {
      if (chunk.has_content) {
        ++content_chunks;
        content_bytes += chunk.delta.size();
      }
      if (!chunk.finish_reason.empty()) finished = true;
      ++chunks;
      protocol::Chunk out{.index = chunk.index, .delta = std::move(chunk.delta),
                          .finish_reason = std::move(chunk.finish_reason), .choice = std::move(chunk.choice)};
      // Top-level extras travel once, on the first chunk after they change.
      if (outcome.response != response) out.response = response = outcome.response;
      sink(std::move(out));
    }
    if (outcome.usage) usage = outcome.usage;
    if (outcome.done) finished = true;
  }
};

// A whole answer is held in memory until it parses; past this it is refused.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024 * 1024;
// Of an error body, only this much is read for its message.
constexpr std::size_t kMaxErrorBodyBytes = 64 * 1024;

}  // namespace

net::awaitable<BackendResult> OpenAiBackend::run(const protocol::Job& job, const ChunkSink& sink,
                                                 net::AbortHandle& abort, net::ReadGate& pace) {
  if (auto refused = refusal(job)) co_return std::unexpected(std::move(*refused));
  const bool embedding = job.kind == protocol::JobKind::embedding;
  const bool responses = job.kind == protocol::JobKind::responses;
  const auto delivery = job.stream && !embedding ? openai::Delivery::streamed : openai::Delivery::whole;
  auto body = embedding   ? openai::prepare_embedding_request(job.payload, job.model)
              : responses ? openai::prepare_responses_request(job.payload, job.model, delivery)
                          : openai::prepare_request(job.payload, job.model, delivery);
  if (!body) co_return std::unexpected(BackendError{protocol::ErrorCode::bad_request, body.error(), 400, false});

  // No per-read timeout: the running job aborts the request when its
  // deadline passes (Backend::run), and arming a timer for every read and
  // write was a measurable share of a short request's cost.
  const auto deadline = std::chrono::steady_clock::time_point::max();

  Answer answer;
  std::string whole;
  net::SseParser parser([&](std::string_view data) {
    if (answer.failed) return;
    answer.take(responses ? openai::translate_responses_event(data) : openai::translate_event(job.kind, data), sink);
  });
  const net::HeaderList headers{
      {"Accept", delivery == openai::Delivery::streamed ? "text/event-stream" : "application/json"}};
  std::string error_body;  // may echo the prompt: only its message goes on, to the consumer
  const std::function<void(unsigned, std::string_view)> on_body = [&](unsigned status, std::string_view slice) {
    if (status < 200 || status >= 300) {
      if (error_body.size() < kMaxErrorBodyBytes) error_body += slice.substr(0, kMaxErrorBodyBytes - error_body.size());
      return;
    }
    if (delivery == openai::Delivery::streamed) {
      parser.feed(slice);
    } else if (whole.size() + slice.size() > kMaxAnswerBytes) {
      answer.too_big = true;
    } else if (!answer.too_big) {
      whole += slice;
    }
  };
  const std::string target = openai::completion_target(base_path_, job.kind);
  std::string retry_after;
  auto status = co_await client_.stream(http::verb::post, target, *body, headers, deadline, on_body, &abort, &pace,
                                        &retry_after);
  if (abort.aborted()) co_return std::unexpected(BackendError{protocol::ErrorCode::cancelled, "job aborted", 0, false});
  if (!status) {
    auto error = transport_error(status.error());
    spdlog::debug("job {} upstream transport failure ({}), {} chunks relayed", job.id, protocol::to_string(error.code), answer.chunks);
    co_return std::unexpected(std::move(error));
  }
  if (*status < 200 || *status >= 300) {
    const int code = static_cast<int>(*status);
    // A busy engine (429) may be free elsewhere, as may a failing one.
    co_return std::unexpected(BackendError{protocol::ErrorCode::upstream_error,
                                           "upstream answered " + std::to_string(code), code,
                                           code >= 500 || code == 429, std::nullopt,
                                           openai::error_detail(error_body), openai::retry_after_seconds(retry_after)});
  }
  if (answer.too_big)
    co_return std::unexpected(BackendError{protocol::ErrorCode::upstream_error, "upstream answer is too large", 0, false});
  if (delivery == openai::Delivery::streamed) parser.finish();
  else answer.take(embedding   ? openai::translate_embeddings(whole)
                   : responses ? openai::translate_responses_body(whole)
                               : openai::translate_response(job.kind, whole),
                   sink);
  if (answer.failed) {
    const int failed = answer.failed_status;
    co_return std::unexpected(
        BackendError{protocol::ErrorCode::upstream_error, "upstream reported an error", failed,
                     failed == 0 || failed >= 500, std::nullopt, std::move(answer.failed_detail)});
  }
  if (!answer.finished)
    co_return std::unexpected(BackendError{protocol::ErrorCode::upstream_error, "upstream stream ended early", 0, true});
  if (answer.usage) co_return *answer.usage;
  const std::int64_t completion = embedding                                   ? 0
                                  : delivery == openai::Delivery::streamed ? answer.content_chunks
                                                                           : openai::estimate_completion_tokens(answer.content_bytes);
  co_return protocol::Usage{openai::estimate_prompt_tokens(job.payload.size()), completion};
}

}  // namespace potluck::node
