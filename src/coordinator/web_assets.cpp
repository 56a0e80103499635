#include "coordinator/web_assets.h"

#include "common/api_error.h"
#include "common/log.h"
#include "net/http_server.h"

#include <array>
#include <fstream>
#include <iterator>
#include <utility>

namespace potluck::coordinator {
namespace fs = std::filesystem;
namespace http = boost::beast::http;
namespace {

constexpr std::string_view kAssetsPrefix = "/assets/";

constexpr std::string_view kNotBuilt =
    "Potluck coordinator\n\n"
    "The dashboard was not built (no index.html in the web directory; see --web-dir).\n"
    "OpenAI-compatible API under /v1 (Authorization: Bearer <key>):\n"
    "  GET  /v1/models\n  POST /v1/chat/completions\n  POST /v1/completions\n  POST /v1/exec\n"
    "Health: /healthz   Metrics: /metrics   Nodes connect to /v1/nodes/connect\n";

// The page may load only its own scripts, styles and data: no outside
// request, no framing (clickjacking).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "frame-ancestors 'none'";

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A file name's last segment has an extension: "/nodes" is a page, "/x.png" a file.
bool looks_like_file(std::string_view path) {
  const auto slash = path.rfind('/');
  return path.substr(slash == std::string_view::npos ? 0 : slash + 1).find('.') != std::string_view::npos;
}

net::Response file_response(const std::string& body, std::string_view content_type) {
  auto response = net::make_response(http::status::ok, body, content_type);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  // Names carry no content hash: the browser asks again each time (304-free,
  // but the files are small and the coordinator is near).
  response.set(http::field::cache_control, "no-cache");
  return response;
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webp", "image/webp"},
  }};
  for (const auto& [extension, type] : kTypes)
    if (file_name.ends_with(extension)) return type;
  return "application/octet-stream";
}

WebAssets WebAssets::load(const fs::path& dir) {
  WebAssets web;
  if (auto index = read_file(dir / "index.html")) web.index_ = File{std::move(*index), "text/html; charset=utf-8"};
  std::error_code ec;
  const fs::path assets = dir / "assets";
  for (auto it = fs::recursive_directory_iterator(assets, ec); !ec && it != fs::end(it); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto body = read_file(it->path());
    if (!body) throw std::runtime_error("cannot read " + it->path().string());
    const std::string name = it->path().lexically_relative(assets).generic_string();
    web.assets_.emplace(name, File{std::move(*body), std::string(content_type_for(name))});
  }
  if (!web.built()) spdlog::warn("no dashboard in {}: '/' answers a plain-text note", dir.string());
  return web;
}

std::optional<net::Response> WebAssets::serve(std::string_view path) const {
  if (path.starts_with(kAssetsPrefix)) {
    auto it = assets_.find(std::string(path.substr(kAssetsPrefix.size())));
    if (it == assets_.end())
      return net::make_error_response(ApiError::not_found("no such dashboard file", "unknown_url"));
    return file_response(it->second.body, it->second.content_type);
  }
  if (looks_like_file(path)) return std::nullopt;
  if (!index_) {
    if (path != "/") return std::nullopt;
    return net::make_response(http::status::ok, std::string(kNotBuilt), "text/plain; charset=utf-8");
  }
  auto response = file_response(index_->body, index_->content_type);
  response.set("Content-Security-Policy", kContentSecurityPolicy);
  response.set("X-Frame-Options", "DENY");
  return response;
}

}  // namespace potluck::coordinator
