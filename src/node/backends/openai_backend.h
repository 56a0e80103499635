#pragma once
// An OpenAI-compatible engine on the provider's machine (llama.cpp
// llama-server, Ollama /v1, vLLM). Streamed jobs are streamed through it; the
// others are asked for whole (openai::Delivery).
#include "node/backends/backend.h"

namespace potluck::node {

// Models named on the command line; "*" names every model.
class ModelNames {
 public:
  ModelNames() = default;
  explicit ModelNames(std::vector<std::string> names) : names_(std::move(names)) {}
  bool contains(const std::string& model) const;

 private:
  std::vector<std::string> names_;
};

// What the engine answers besides chat and completions, per model.
struct EngineAbilities {
  ModelNames embeddings;  // POST /v1/embeddings
  ModelNames responses;   // POST /v1/responses, answered by the engine itself
};

class OpenAiBackend final : public Backend {
 public:
  // `upstream` is the engine's origin, with or without a trailing "/v1".
  // `filter` empty offers every model the engine lists; the models of
  // `abilities` are offered as answering embedding or responses jobs too. An
  // https:// engine is verified against the system store and `ca_file`
  // (when not empty).
  static std::expected<std::unique_ptr<OpenAiBackend>, std::string> create(
      net::asio::any_io_executor executor, std::string_view upstream, std::vector<std::string> filter,
      EngineAbilities abilities = {}, const std::string& ca_file = {});

  std::string_view name() const override { return "openai"; }
  net::awaitable<std::expected<ModelList, std::string>> models(net::AbortHandle* abort) override;
  net::awaitable<BackendResult> run(const protocol::Job& job, const ChunkSink& sink,
                                    net::AbortHandle& abort, net::ReadGate& pace) override;

 private:
  OpenAiBackend(net::asio::any_io_executor executor, Url origin, std::string base_path,
                std::vector<std::string> filter, EngineAbilities abilities,
                std::shared_ptr<const net::ClientTls> tls);
  // The job's kind is one this engine answers for its model; else why not.
  std::optional<BackendError> refusal(const protocol::Job& job) const;

  net::HttpClient client_;
  std::string base_path_;  // "" or a prefix such as "/engine"
  std::vector<std::string> filter_;
  EngineAbilities abilities_;
};

}  // namespace potluck::node
