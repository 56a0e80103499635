// `potluck jobs submit|status|cancel`: asynchronous jobs over the API
// (POST /v1/jobs, GET and DELETE /v1/jobs/{id}).
#include "cli/api_output.h"
#include "cli/local_file.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <chrono>
#include <iostream>
#include <thread>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

struct SubmitOptions {
  std::string model;
  std::string tier;
  std::string priority = "normal";
  std::string kind = "chat";
  std::string prompt;
  std::string payload_file;
  std::int64_t max_tokens = 0;
  bool keep_result = false;
};

// The payload: the file's JSON object, or a one-message request from --prompt.
std::optional<json::object> payload_of(const SubmitOptions& o) {
  if (o.payload_file.empty()) {
    json::object payload;
    if (o.kind == "embedding") {
      payload["input"] = o.prompt;
      return payload;
    }
    if (o.kind == "completion") payload["prompt"] = o.prompt;
    else payload["messages"] = json::array{json::object{{"role", "user"}, {"content", o.prompt}}};
    if (o.max_tokens > 0) payload["max_tokens"] = o.max_tokens;
    return payload;
  }
  auto text = read_local_file(o.payload_file);
  if (!text) {
    std::cerr << "potluck jobs: cannot read " << o.payload_file << "\n";
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto value = json::parse(*text, ec);
  if (ec || !value.is_object()) {
    std::cerr << "potluck jobs: " << o.payload_file << " is not a JSON object\n";
    return std::nullopt;
  }
  return value.get_object();
}

int submit(const ApiOptions& api, const SubmitOptions& o) {
  auto payload = payload_of(o);
  if (!payload) return 1;
  json::object body{{"kind", o.kind}, {"priority", o.priority}, {"payload", std::move(*payload)}};
  if (!o.model.empty()) body["model"] = o.model;
  if (!o.tier.empty()) body["tier"] = o.tier;
  if (o.keep_result) body["keep_result"] = true;
  auto job = call_api(api, http::verb::post, "/v1/jobs", body, 202, "jobs");
  if (!job) return 1;
  std::cout << field(*job, "id") << "\n";
  return 0;
}

bool finished(std::string_view state) {
  return state != "pending" && state != "assigned" && state != "running";
}

// An embeddings list, summed up: the vectors themselves are for programs
// (GET /v1/jobs/{id} gives them whole).
std::string embeddings_summary(const json::array& data) {
  const auto* first = data.empty() || !data.front().is_object() ? nullptr
                                                                 : data.front().get_object().if_contains("embedding");
  std::string text = std::to_string(data.size()) + (data.size() == 1 ? " vector" : " vectors");
  if (first && first->is_array()) text += " of " + std::to_string(first->get_array().size()) + " numbers";
  return text;
}

// The generated text (a chat message's content or a completion's text), or
// what an embeddings list holds.
std::string result_text(const json::value& result) {
  if (!result.is_object()) return {};
  if (const auto* data = result.get_object().if_contains("data"); data && data->is_array())
    return embeddings_summary(data->get_array());
  const auto* choices = result.get_object().if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty()) return {};
  const auto& choice = choices->get_array().front();
  if (!choice.is_object()) return {};
  if (const auto* message = choice.get_object().if_contains("message"); message && message->is_object())
    return text_or_dash(message->get_object().if_contains("content"));
  return text_or_dash(choice.get_object().if_contains("text"));
}

void print_job(const json::value& job) {
  std::cout << "job " << field(job, "id") << ": " << field(job, "state") << " (" << field(job, "kind") << ", "
            << field(job, "model") << ", priority " << field(job, "priority") << ")\n";
  const auto& obj = job.get_object();
  if (const auto* error = obj.if_contains("error"); error && error->is_object())
    std::cout << "error: " << field(*error, "code") << ": " << field(*error, "message") << "\n";
  if (!finished(field(job, "state"))) return;
  std::cout << "tokens: " << field(job, "tokens_in") << " in, " << field(job, "tokens_out") << " out\n";
  if (const auto* result = obj.if_contains("result"); result && !result->is_null())
    std::cout << result_text(*result) << "\n";
}

// 0 while the job is unfinished or once it completed; 1 when it failed,
// was cancelled or timed out.
int status(const ApiOptions& api, const std::string& id, bool wait) {
  for (;;) {
    auto job = call_api(api, http::verb::get, "/v1/jobs/" + id, std::nullopt, 200, "jobs");
    if (!job) return 1;
    const std::string state = field(*job, "state");
    if (!wait || finished(state)) {
      print_job(*job);
      return (!finished(state) || state == "completed") ? 0 : 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int cancel(const ApiOptions& api, const std::string& id) {
  auto job = call_api(api, http::verb::delete_, "/v1/jobs/" + id, std::nullopt, 200, "jobs");
  if (!job) return 1;
  std::cout << "job " << id << ": " << field(*job, "state") << "\n";
  return 0;
}

}  // namespace

void add_jobs_command(CLI::App& app, Action& action) {
  auto* jobs = app.add_subcommand("jobs", "Asynchronous jobs: submit now, collect the result later");
  jobs->require_subcommand(1);
  auto api = std::make_shared<ApiOptions>();
  auto options = std::make_shared<SubmitOptions>();
  auto id = std::make_shared<std::string>();
  auto wait = std::make_shared<bool>(false);

  auto* submit_cmd = add_api_subcommand(jobs, "submit", "Submit a job; prints its id", action, api,
                                        [options](const ApiOptions& o) { return submit(o, *options); });
  auto* target = submit_cmd->add_option_group("target", "What runs the job")->require_option(1);
  target->add_option("--model", options->model, "The model to run");
  target->add_option("--tier", options->tier, "A public tier (GET /api/tiers)");
  submit_cmd->add_option("--priority", options->priority, "normal or fast")
      ->check(CLI::IsMember({"normal", "fast"}))->capture_default_str();
  submit_cmd->add_flag("--keep-result", options->keep_result,
                       "Keep the result readable until the ttl (by default the first read of it drops it)");
  submit_cmd->add_option("--kind", options->kind, "chat, completion or embedding")
      ->check(CLI::IsMember({"chat", "completion", "embedding"}))->capture_default_str();
  auto* input = submit_cmd->add_option_group("input", "What the job is")->require_option(1);
  input->add_option("--prompt", options->prompt,
                    "The prompt (one user message for chat, the one input for an embedding)");
  input->add_option("--payload", options->payload_file,
                    "A JSON file with the request body of /v1/chat/completions, /v1/completions or /v1/embeddings");
  submit_cmd->add_option("--max-tokens", options->max_tokens, "Most tokens to generate (with --prompt)");

  auto* status_cmd = add_api_subcommand(jobs, "status", "Show a job's state and, once done, its result", action,
                                        api, [id, wait](const ApiOptions& o) { return status(o, *id, *wait); });
  status_cmd->add_option("id", *id, "The job's id (from `jobs submit`)")->required();
  status_cmd->add_flag("--wait", *wait, "Wait until the job has ended");

  auto* cancel_cmd = add_api_subcommand(jobs, "cancel", "Cancel a job that has not ended", action, api,
                                        [id](const ApiOptions& o) { return cancel(o, *id); });
  cancel_cmd->add_option("id", *id, "The job's id")->required();
}

}  // namespace potluck::cli
