// `potluck exec FILE`: runs a program on the network (POST /v1/exec,
// streamed), printing its output as it comes and exiting with its exit code.
// With --local it runs in this machine's sandbox instead, the way a node
// would (no coordinator; used by the benchmark and to check a host).
#include "cli/api_client.h"
#include "cli/commands.h"
#include "cli/local_file.h"
#include "net/sse.h"
#include "node/exec/exec_runner.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <iostream>

namespace potluck::cli {
namespace json = boost::json;
namespace {

struct ExecOptions {
  ApiOptions api;
  std::string file;
  std::string language;
  std::string stdin_file;
  std::int64_t timeout_ms = 0;
  std::int64_t memory_mb = 0;
  std::vector<std::string> args;
  bool local = false;
  std::string sandbox = "auto";
};

void print_output(std::string_view stream, std::string_view data) {
  auto& out = stream == "stderr" ? std::cerr : std::cout;
  out << data << std::flush;
}

// The program's exit code, or 128 + its signal, as a shell reports it.
int finish(const protocol::ExecResult& r) {
  if (r.truncated) std::cerr << "potluck exec: output truncated at the node's limit\n";
  if (r.timed_out) std::cerr << "potluck exec: stopped at its time limit\n";
  if (r.compile_error) std::cerr << "potluck exec: compilation failed\n";
  if (r.signal > 0) return 128 + r.signal;
  return r.exit_code < 0 ? 1 : r.exit_code;
}

int run_remote(const ExecOptions& o, json::object body) {
  body["stream"] = true;
  std::string error_body;
  std::optional<protocol::ExecResult> result;
  std::string stream_error;
  net::SseParser parser([&](std::string_view data) {
    boost::system::error_code ec;
    auto event = json::parse(data, ec);
    if (ec || !event.is_object()) return;
    const auto& obj = event.get_object();
    if (const auto* error = obj.if_contains("error")) {
      stream_error = json::serialize(*error);
      return;
    }
    const auto* type = obj.if_contains("type");
    if (!type || !type->is_string()) return;
    if (type->get_string() == "output") {
      auto piece = protocol::decode_exec_output(data);
      if (piece) print_output(piece->stream, piece->data);
    } else if (type->get_string() == "result") {
      result = protocol::read_exec_result(obj);
    }
  });
  auto status = ApiClient(o.api).stream(boost::beast::http::verb::post, "/v1/exec", json::serialize(body),
                                        [&](unsigned code, std::string_view slice) {
                                          if (code == 200) parser.feed(slice);
                                          else error_body += slice;
                                        });
  if (!status) {
    std::cerr << "potluck exec: " << status.error() << "\n";
    return 1;
  }
  if (*status != 200) {
    std::cerr << "potluck exec: " << error_message({*status, error_body, ""}) << "\n";
    return 1;
  }
  if (!stream_error.empty() || !result) {
    std::cerr << "potluck exec: the run ended with an error: " << (stream_error.empty() ? "no result" : stream_error)
              << "\n";
    return 1;
  }
  return finish(*result);
}

int run_local(const json::object& body, std::string_view sandbox) {
  auto request = protocol::parse_exec_request(json::serialize(body));
  if (!request) {
    std::cerr << "potluck exec: " << request.error() << "\n";
    return 2;
  }
  node::exec::ExecSettings settings;
  settings.enabled = true;
  if (sandbox == "bwrap") settings.isolation = node::exec::Isolation::bwrap;
  if (sandbox == "namespaces") settings.isolation = node::exec::Isolation::namespaces;
  auto runner = node::exec::ExecRunner::create(settings);
  if (!runner) {
    std::cerr << "potluck exec: " << runner.error() << "\n";
    return 1;
  }
  net::asio::io_context io;
  std::optional<std::expected<protocol::ExecResult, node::BackendError>> outcome;
  net::AbortHandle abort;
  const node::exec::OutputSink sink = [](std::string_view stream, std::string data) { print_output(stream, data); };
  net::asio::co_spawn(io, (*runner)->run(*request, sink, abort),
                      [&outcome](std::exception_ptr error, std::expected<protocol::ExecResult, node::BackendError> r) {
                        if (!error) outcome = std::move(r);
                      });
  io.run();
  if (!outcome || !*outcome) {
    std::cerr << "potluck exec: " << (outcome ? (*outcome).error().message : "the run failed") << "\n";
    return 1;
  }
  return finish(**outcome);
}

int run_exec(const ExecOptions& o) {
  auto source = read_local_file(o.file);
  if (!source) {
    std::cerr << "potluck exec: cannot read " << o.file << "\n";
    return 2;
  }
  std::string language = o.language;
  if (language.empty()) language = node::exec::language_for_file(o.file).value_or("");
  if (language.empty()) {
    std::cerr << "potluck exec: cannot tell the language of " << o.file << " from its extension; use --language\n";
    return 2;
  }
  json::object body{{"language", language}, {"source", *source}};
  if (!o.stdin_file.empty()) {
    auto input = read_local_file(o.stdin_file);
    if (!input) {
      std::cerr << "potluck exec: cannot read " << o.stdin_file << "\n";
      return 2;
    }
    body["stdin"] = *input;
  }
  json::array args;
  for (const auto& a : o.args) args.emplace_back(a);
  body["args"] = std::move(args);
  if (o.timeout_ms > 0) body["timeout_ms"] = o.timeout_ms;
  if (o.memory_mb > 0) body["memory_mb"] = o.memory_mb;
  return o.local ? run_local(body, o.sandbox) : run_remote(o, std::move(body));
}

}  // namespace

void add_exec_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("exec", "Run a program on the network and stream its output");
  auto o = std::make_shared<ExecOptions>();
  add_api_flags(cmd, o->api);
  cmd->add_option("file", o->file, "The program's source file")->required();
  cmd->add_option("--language,-l", o->language, "python3, node, bash, c or c++ (default: from the file's extension)");
  cmd->add_option("--stdin", o->stdin_file, "A file whose contents become the program's stdin");
  cmd->add_option("--timeout-ms", o->timeout_ms, "Wall-clock limit (the node's maximum if larger or unset)");
  cmd->add_option("--memory-mb", o->memory_mb, "Memory limit (the node's maximum if larger or unset)");
  cmd->add_flag("--local", o->local, "Run in this machine's sandbox instead of on the network");
  cmd->add_option("--sandbox", o->sandbox, "With --local: auto, bwrap or namespaces")
      ->check(CLI::IsMember({"auto", "bwrap", "namespaces"}))->capture_default_str();
  cmd->add_option("args", o->args, "Arguments for the program (after --)");
  cmd->callback([&action, o] { action = [o] { return run_exec(*o); }; });
}

}  // namespace potluck::cli
