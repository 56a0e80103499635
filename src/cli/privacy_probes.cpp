#include "cli/privacy_probes.h"

#include <boost/json.hpp>

#include <chrono>
#include <thread>

namespace potluck::cli {
namespace json = boost::json;
namespace http = boost::beast::http;
namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::optional<json::value> parse(const std::string& body) {
  boost::system::error_code ec;
  auto value = json::parse(body, ec);
  if (ec) return std::nullopt;
  return value;
}

std::vector<std::string> model_ids(ApiClient& client) {
  std::vector<std::string> ids;
  auto reply = client.call(http::verb::get, "/v1/models");
  if (!reply || reply->status != 200) return ids;
  auto listing = parse(reply->body);
  if (!listing || !listing->is_object()) return ids;
  if (const auto* data = listing->get_object().if_contains("data"); data && data->is_array())
    for (const auto& model : data->get_array())
      if (const auto* id = model.is_object() ? model.get_object().if_contains("id") : nullptr; id && id->is_string())
        ids.emplace_back(id->get_string());
  return ids;
}

json::object chat_body(const std::string& model, const std::string& canary) {
  return {{"model", model},
          {"max_tokens", 64},
          {"messages", json::array{json::object{{"role", "user"}, {"content", "please repeat " + canary}}}}};
}

ProbeResult post(ApiClient& client, std::string path, const std::string& target, const json::object& body) {
  auto reply = client.call(http::verb::post, target, json::serialize(body));
  if (!reply) return {std::move(path), false, "failed: " + reply.error()};
  const bool ok = reply->status == 200;
  return {std::move(path), true, "HTTP " + std::to_string(reply->status), ok};
}

ProbeResult streamed(ApiClient& client, const std::string& model, const Canaries& canaries) {
  auto body = chat_body(model, canaries.of("chat-stream"));
  body["stream"] = true;
  auto status = client.stream(http::verb::post, "/v1/chat/completions", json::serialize(body),
                              [](unsigned, std::string_view) {});  // drained, never kept
  if (!status) return {"chat-stream", false, "failed: " + status.error()};
  return {"chat-stream", true, "HTTP " + std::to_string(*status), *status == 200};
}

// Submits, then reads the job until it ends (the read hands the result over).
ProbeResult async_job(ApiClient& client, const std::string& model, const Canaries& canaries) {
  json::object body{{"model", model},
                    {"payload", json::object{{"messages", json::array{json::object{
                                                  {"role", "user"}, {"content", canaries.of("job")}}}}}}};
  auto submitted = client.call(http::verb::post, "/v1/jobs", json::serialize(body));
  if (!submitted) return {"job", false, "failed: " + submitted.error()};
  if (submitted->status != 202) return {"job", true, "HTTP " + std::to_string(submitted->status)};
  auto job = parse(submitted->body);
  const auto* id = job && job->is_object() ? job->get_object().if_contains("id") : nullptr;
  if (!id || !id->is_string()) return {"job", true, "no job id in the answer"};
  const std::string target = "/v1/jobs/" + std::string(id->get_string());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (std::chrono::steady_clock::now() < deadline) {
    auto read = client.call(http::verb::get, target);
    if (!read || read->status != 200) return {"job", true, "ended (the record is gone)", true};
    auto state = parse(read->body);
    const auto* s = state && state->is_object() ? state->get_object().if_contains("state") : nullptr;
    const std::string name = s && s->is_string() ? std::string(s->get_string()) : "";
    if (name != "pending" && name != "assigned" && name != "running")
      return {"job", true, "ended " + name, name == "completed"};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {"job", true, "still running after 2 minutes"};
}

// The output canary is split in the source, so only the program's output
// holds it whole.
ProbeResult exec_program(ApiClient& client, const ProbeSettings& settings, const Canaries& canaries) {
  const std::string out = canaries.of("exec-output");
  const std::string half = out.substr(0, out.size() / 2);
  const std::string source = "# " + canaries.of("exec-source") + "\nread line\necho \"$line\"\nprintf '%s%s\\n' '" +
                             half + "' '" + out.substr(half.size()) + "'\n";
  json::object body{{"language", settings.exec_language}, {"source", source}, {"stdin", canaries.of("exec-stdin") + "\n"}};
  auto result = post(client, "exec", "/v1/exec", body);
  if (result.outcome == "HTTP 503" || result.outcome == "HTTP 403") {
    result.exercised = false;
    result.outcome = "skipped: " + result.outcome + " (no exec node for " + settings.exec_language + ", or no exec scope)";
  }
  return result;
}

}  // namespace

std::vector<Needle> Canaries::needles(const std::vector<std::string>& paths) const {
  std::vector<Needle> out;
  for (const auto& path : paths) out.push_back({path, of(path)});
  const std::string random = base.substr(std::string_view("canary").size());
  out.push_back({"canary", base});
  out.push_back({"canary (random part)", random});
  out.push_back({"canary (upper case)", upper(random)});
  return out;
}

std::vector<ProbeResult> run_privacy_probes(const ApiOptions& api, const ProbeSettings& settings,
                                            const Canaries& canaries) {
  ApiClient client(api);
  const auto models = model_ids(client);
  std::string model = settings.model;
  for (const auto& id : models)
    if (model.empty() && id != "fail") model = id;
  std::vector<ProbeResult> results;
  if (model.empty()) {
    for (const char* path : {"chat", "chat-stream", "completion", "job"})
      results.push_back({path, false, "skipped: no model online"});
  } else {
    results.push_back(post(client, "chat", "/v1/chat/completions", chat_body(model, canaries.of("chat"))));
    results.push_back(streamed(client, model, canaries));
    results.push_back(post(client, "completion", "/v1/completions",
                           {{"model", model}, {"max_tokens", 64}, {"prompt", canaries.of("completion")}}));
    results.push_back(async_job(client, model, canaries));
  }
  results.push_back(exec_program(client, settings, canaries));
  if (std::find(models.begin(), models.end(), "fail") != models.end())
    results.push_back(post(client, "failing-upstream", "/v1/chat/completions",
                           chat_body("fail", canaries.of("failing-upstream"))));
  else
    results.push_back({"failing-upstream", false, "skipped: no model named 'fail'"});
  return results;
}

std::int64_t metered_jobs(const ApiOptions& api) {
  auto reply = ApiClient(api).call(http::verb::get, "/api/usage");
  if (!reply || reply->status != 200) return -1;
  auto summary = parse(reply->body);
  const auto* totals = summary && summary->is_object() ? summary->get_object().if_contains("totals") : nullptr;
  const auto* jobs = totals && totals->is_object() ? totals->get_object().if_contains("jobs") : nullptr;
  return jobs && jobs->is_int64() ? jobs->get_int64() : -1;
}

}  // namespace potluck::cli
