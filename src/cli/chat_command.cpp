// `potluck chat --model M "prompt"`: one chat completion, streamed to stdout.
#include "cli/api_client.h"
#include "cli/commands.h"
#include "net/sse.h"

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace {

constexpr std::string_view kProviderNotice =
    "potluck chat: the provider whose node serves your request reads its prompt in clear while it works on it;\n"
    "a private cluster keeps its jobs on the cluster's own machines. (Said once; docs/privacy.md has the rest.)\n";

std::filesystem::path config_dir() {
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "potluck";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::filesystem::path(home) / ".config" / "potluck";
  return {};
}

// Consumers are told who sees their prompt the first time they chat (issue
// 20). A marker file remembers that it was said; where none can be written,
// it is said every time.
void tell_who_sees_the_prompt_once() {
  const auto dir = config_dir();
  std::error_code ec;
  if (!dir.empty() && std::filesystem::exists(dir / "chat-notice-shown", ec)) return;
  std::cerr << kProviderNotice;
  if (dir.empty()) return;
  std::filesystem::create_directories(dir, ec);
  std::ofstream(dir / "chat-notice-shown") << "shown\n";
}

}  // namespace

void add_chat_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("chat", "Send one chat message and stream the answer");
  auto api = std::make_shared<ApiOptions>();
  auto model = std::make_shared<std::string>();
  auto prompt = std::make_shared<std::string>();
  auto max_tokens = std::make_shared<int>(0);
  add_api_flags(cmd, *api);
  cmd->add_option("--model,-m", *model, "Model id (see GET /v1/models)")->required();
  cmd->add_option("--max-tokens", *max_tokens, "Cap on generated tokens");
  cmd->add_option("prompt", *prompt, "The message")->required();
  cmd->callback([&action, api, model, prompt, max_tokens] {
    action = [api, model, prompt, max_tokens] {
      tell_who_sees_the_prompt_once();
      json::object body{{"model", *model},
                        {"stream", true},
                        {"messages", json::array{json::object{{"role", "user"}, {"content", *prompt}}}}};
      if (*max_tokens > 0) body["max_tokens"] = *max_tokens;
      std::string error_body;
      std::string stream_error;
      net::SseParser parser([&](std::string_view data) {
        if (data == "[DONE]") return;
        boost::system::error_code ec;
        auto event = json::parse(data, ec);
        if (ec || !event.is_object()) return;
        auto& obj = event.get_object();
        if (auto* error = obj.if_contains("error")) {
          stream_error = json::serialize(*error);
          return;
        }
        if (auto* choices = obj.if_contains("choices"); choices && choices->is_array())
          for (const auto& c : choices->get_array())
            if (auto* delta = c.as_object().if_contains("delta"); delta && delta->is_object())
              if (auto* text = delta->get_object().if_contains("content"); text && text->is_string())
                std::cout << std::string_view(text->get_string()) << std::flush;
      });
      auto status = ApiClient(*api).stream(boost::beast::http::verb::post, "/v1/chat/completions",
                                           json::serialize(body), [&](unsigned code, std::string_view slice) {
                                             if (code == 200) parser.feed(slice);
                                             else error_body += slice;
                                           });
      if (!status) {
        std::cerr << "potluck chat: " << status.error() << "\n";
        return 1;
      }
      if (*status != 200) {
        std::cerr << "potluck chat: " << error_message({*status, error_body, ""}) << "\n";
        return 1;
      }
      std::cout << std::endl;
      if (!stream_error.empty()) {
        std::cerr << "potluck chat: the stream ended with an error: " << stream_error << "\n";
        return 1;
      }
      return 0;
    };
  });
}

}  // namespace potluck::cli
