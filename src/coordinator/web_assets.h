#pragma once
// The built dashboard (web/, see docs/architecture.md), read into memory once
// at start-up: a few small files, so every request is a map lookup and no
// request path ever reaches the file system (no traversal to guard against).
//   GET /assets/<file>          that file, or 404
//   GET /<path without a dot>   index.html (the dashboard routes on the client)
// Without an index.html in the directory, "/" answers a plain-text note.
#include "net/asio_fwd.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace potluck::coordinator {

class WebAssets {
 public:
  // Reads index.html and every regular file under assets/. A missing
  // directory is not an error: the dashboard was not built.
  static WebAssets load(const std::filesystem::path& dir);

  bool built() const { return index_.has_value(); }
  std::size_t file_count() const { return assets_.size() + (built() ? 1 : 0); }

  // The answer to a GET of `path` outside /v1, /api, /healthz and /metrics,
  // or nullopt when the path is not the dashboard's.
  std::optional<net::Response> serve(std::string_view path) const;

 private:
  struct File {
    std::string body;
    std::string content_type;
  };

  std::optional<File> index_;
  std::unordered_map<std::string, File> assets_;  // by path under assets/, e.g. "app.js"
};

// The Content-Type for a file name's extension (application/octet-stream
// when unknown).
std::string_view content_type_for(std::string_view file_name);

}  // namespace potluck::coordinator
