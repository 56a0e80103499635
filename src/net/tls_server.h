#pragma once
// The coordinator's side of TLS: the certificate chain and key it serves,
// with the settings every connection gets (TLS 1.2 and 1.3 only, Mozilla's
// "intermediate" ciphers, ALPN http/1.1, session tickets). The files can be
// re-read while the server runs (an ACME client replaces them in place): a
// new connection takes the context current at its accept, one already open
// keeps the one it started with.
#include "net/stream.h"
#include "net/tls_files.h"

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>

namespace potluck::net {

class ServerTls {
 public:
  // Reads both files; the error names the file that is missing or bad.
  static std::expected<std::shared_ptr<ServerTls>, std::string> load(TlsFiles files);

  // The context a new connection uses.
  std::shared_ptr<ssl::context> context() const { return context_; }

  // Re-reads both files. On failure the current certificate stays and the
  // error names the file.
  std::expected<void, std::string> reload();
  // Whether either file's modification time differs from the last read
  // (good or bad: a bad file is reported once, not at every check).
  bool changed_on_disk() const;

 private:
  using Stamps = std::pair<std::filesystem::file_time_type, std::filesystem::file_time_type>;
  explicit ServerTls(TlsFiles files) : files_(std::move(files)) {}
  Stamps stamps() const;

  TlsFiles files_;
  std::shared_ptr<ssl::context> context_;
  Stamps read_at_{};
};

}  // namespace potluck::net
