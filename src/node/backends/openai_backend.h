#pragma once
// An OpenAI-compatible engine on the provider's machine (llama.cpp
// llama-server, Ollama /v1, vLLM). Streamed jobs are streamed through it; the
// others are asked for whole (openai::Delivery).
#include "node/backends/backend.h"

namespace potluck::node {

class OpenAiBackend final : public Backend {
 public:
  // `upstream` is the engine's origin, with or without a trailing "/v1".
  // `filter` empty offers every model the engine lists; `embedding_models`
  // (or "*") are offered as answering embedding jobs too. An https:// engine
  // is verified against the system store and `ca_file` (when not empty).
  static std::expected<std::unique_ptr<OpenAiBackend>, std::string> create(
      net::asio::any_io_executor executor, std::string_view upstream, std::vector<std::string> filter,
      std::vector<std::string> embedding_models = {}, const std::string& ca_file = {});

  std::string_view name() const override { return "openai"; }
  net::awaitable<std::expected<ModelList, std::string>> models(net::AbortHandle* abort) override;
  net::awaitable<BackendResult> run(const protocol::Job& job, const ChunkSink& sink,
                                    net::AbortHandle& abort, net::ReadGate& pace) override;

 private:
  OpenAiBackend(net::asio::any_io_executor executor, Url origin, std::string base_path,
                std::vector<std::string> filter, std::vector<std::string> embedding_models,
                std::shared_ptr<const net::ClientTls> tls);
  bool answers_embeddings(const std::string& model) const;

  net::HttpClient client_;
  std::string base_path_;  // "" or a prefix such as "/engine"
  std::vector<std::string> filter_;
  std::vector<std::string> embedding_models_;
};

}  // namespace potluck::node
