// fake-upstream: a small, fast stand-in for an OpenAI-compatible inference
// server (llama-server, Ollama, vLLM) for integration tests and benchmarks.
//
// It speaks the OpenAI wire format exactly (JSON bodies, SSE streams with
// chunked transfer encoding) and has test hooks carried in the request body:
// fake_chunks, fake_delay_ms, fake_status, fake_fail_after, fake_usage_factor.
// See README.md.
//
// Speed matters more than elegance here: responses are serialised by hand
// into per-connection buffers that are reused across requests, so that the
// fake never becomes the bottleneck of a benchmark.

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "node/backends/mock_embeddings.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

// Streams without a delay are coalesced into HTTP chunks of about this size.
constexpr std::size_t kCoalesceBytes = 64 * 1024;

struct Stats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> chat{0};
  std::atomic<std::uint64_t> completions{0};
  std::atomic<std::uint64_t> generations_started{0};
  std::atomic<std::uint64_t> generations_completed{0};
  std::atomic<std::uint64_t> generations_aborted_by_client{0};
  std::atomic<std::uint64_t> generations_failed_injected{0};
  std::atomic<std::uint64_t> responses{0};         // POST /v1/responses
  std::atomic<std::uint64_t> responses_stored{0};  // ... that did not say "store": false
  std::mutex keys_mutex;
  std::string last_body_keys = "[]";  // serialised JSON array

  void reset() {
    for (auto* c : {&requests, &chat, &completions, &generations_started, &generations_completed,
                    &generations_aborted_by_client, &generations_failed_injected, &responses, &responses_stored}) {
      c->store(0, std::memory_order_relaxed);
    }
    std::lock_guard lock(keys_mutex);
    last_body_keys = "[]";
  }
};

struct Server {
  std::vector<std::string> models;
  std::string models_body;  // prebuilt GET /v1/models response
  Stats stats;
  std::atomic<std::uint64_t> next_id{1};

  bool has_model(std::string_view m) const {
    return std::find(models.begin(), models.end(), m) != models.end();
  }

  // fake_status_times: whether the request under `key` is still one of the
  // first `times` ones, which fail; counted per key so that tests can share a
  // server and an SDK's retry of the same request succeeds.
  bool take_failure(const std::string& key, std::uint64_t times) {
    std::lock_guard lock(failures_mutex);
    auto& served = failures_served[key];
    if (served >= times) return false;
    ++served;
    return true;
  }

  std::mutex failures_mutex;
  std::unordered_map<std::string, std::uint64_t> failures_served;
};

void inc(std::atomic<std::uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }
std::uint64_t load(const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); }

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        out += "\\u00";
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 0xf]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  const int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  out.append(buf, static_cast<std::size_t>(n));
}

std::uint64_t count_words(std::string_view s) {
  std::uint64_t n = 0;
  bool in_word = false;
  for (const char ch : s) {
    const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

std::optional<std::int64_t> as_int(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (const auto* i = v->if_int64()) return *i;
  if (const auto* u = v->if_uint64()) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(*u, INT64_MAX));
  }
  if (const auto* d = v->if_double()) {
    if (*d != *d) return std::nullopt;  // NaN
    return static_cast<std::int64_t>(std::clamp(*d, -9.0e18, 9.0e18));
  }
  return std::nullopt;
}

// Text of an OpenAI message content: a string, or an array of parts whose
// text (or Responses input_text) parts are joined. Anything else (null, tool calls) counts as empty.
void append_content_text(std::string& out, const json::value* content) {
  if (content == nullptr) return;
  if (const auto* s = content->if_string()) {
    out.append(s->data(), s->size());
  } else if (const auto* parts = content->if_array()) {
    for (const auto& part : *parts) {
      const auto* obj = part.if_object();
      if (obj == nullptr) continue;
      const auto* type = obj->if_contains("type");
      // "input_text": a Responses API input part.
      if (type != nullptr && !(type->is_string() && (type->get_string() == "text" || type->get_string() == "input_text")))
        continue;
      if (const auto* text = obj->if_contains("text"); text != nullptr && text->is_string()) {
        out.append(text->get_string().data(), text->get_string().size());
      }
    }
  }
}

// What one /v1/chat/completions or /v1/completions request asks for.
struct Job {
  bool chat = true;
  std::string model;
  std::string last_text;  // last message content, or last prompt
  std::uint64_t prompt_tokens = 0;
  bool stream = false;
  bool include_usage = false;
  std::int64_t max_tokens = -1;  // < 0: no cap
  std::int64_t fake_chunks = -1;
  std::int64_t fake_delay_ms = 0;
  std::int64_t fake_status = 0;
  std::int64_t fake_fail_after = -1;
  std::uint64_t fake_usage_factor = 1;  // reported usage multiplied: a dishonest upstream
  // Fidelity hooks: an answer with more than text (answer_rich).
  std::int64_t n = 1;            // choices
  bool logprobs = false;         // chat "logprobs": true, completions "logprobs": N > 0
  std::string tool_name;         // fake_tool_call.name: answer with a tool call
  std::string tool_arguments;    // fake_tool_call.arguments
  std::string reasoning;         // fake_reasoning: reasoning_content before the answer
  std::string fingerprint;       // fake_fingerprint: system_fingerprint
  bool usage_details = false;    // fake_usage_details: prompt/completion_tokens_details
  std::string retry_after;       // fake_retry_after: Retry-After of a fake_status answer
  std::optional<std::string> error_message;  // fake_error_message: the fake_status answer's message
  std::int64_t status_times = -1;  // fake_status_times: only the first N requests of fake_status_key fail
  std::string status_key;          // fake_status_key
  bool json_answer = false;        // response_format json_object/json_schema: the last text verbatim

  bool rich() const {
    return n > 1 || logprobs || !tool_name.empty() || !reasoning.empty() || !fingerprint.empty() || usage_details;
  }
};

std::string string_member(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

struct ErrorReply {
  unsigned status;
  std::string message;
  const char* type;
  const char* param;  // nullptr: JSON null
  const char* code;   // nullptr: JSON null
  std::string retry_after = {};  // empty: "1" for 429 and 503, else none
};

// The function a request with `tools` asks to call: tool_choice's, else the
// first tool's. Empty when there is none.
std::string chosen_tool(const json::object& body) {
  if (string_member(body, "tool_choice") == "none") return {};
  if (const auto* choice = body.if_contains("tool_choice"); choice && choice->is_object()) {
    if (const auto* fn = choice->get_object().if_contains("function"); fn && fn->is_object())
      return string_member(fn->get_object(), "name");
  }
  const auto* tools = body.if_contains("tools");
  if (tools == nullptr || !tools->is_array() || tools->get_array().empty()) return {};
  const auto* tool = tools->get_array()[0].if_object();
  if (tool == nullptr) return {};
  const auto* fn = tool->if_contains("function");
  return fn && fn->is_object() ? string_member(fn->get_object(), "name") : string_member(*tool, "name");
}

bool is_json_object_text(std::string_view text) {
  error_code ec;
  const json::value v = json::parse(text, ec);
  return !ec && v.is_object();
}

bool asks_for_json(const json::object& body) {
  const auto* rf = body.if_contains("response_format");
  if (rf == nullptr || !rf->is_object()) return false;
  const std::string type = string_member(rf->get_object(), "type");
  return type == "json_object" || type == "json_schema";
}

// POST /v1/embeddings, deterministic so that tests (and other suites calling
// the embeddings endpoint through a node) can predict every number. The
// vectors come from potluck's mock backend (src/node/backends/
// mock_embeddings.h, compiled into this binary), with 16 numbers by default:
// - `input`: a string, an array of strings, an array of token ids (one
//   input) or an array of token id arrays; anything else is a 400.
// - each input gets `dimensions` numbers (default 16, at most 65536):
//   component k is FNV-1a 64 over the input's compact JSON text followed by
//   k as 8 little-endian bytes, taken % 2001, minus 1000, divided by 1000 as
//   a float32 (so in [-1, 1] in steps of 0.001).
// - `encoding_format: "base64"`: each vector as the base64 of its
//   little-endian float32 bytes; otherwise an array of numbers.
// - usage.prompt_tokens: the whitespace-separated words of the strings (at
//   least 1 each) plus the ids of the token arrays; total_tokens the same.
// - hook `fake_extra_vectors: N`: N more vectors (copies of the last) than
//   inputs, indexes continuing, for tests of a coordinator's bound on what
//   comes back.
namespace embeddings {

constexpr std::int64_t kDefaultDimensions = 16;

// The response body, or the error to send instead.
std::optional<ErrorReply> reply(const std::string& text, const json::object& req, std::string& out) {
  auto planned = potluck::node::mock::plan_embeddings(text, kDefaultDimensions);
  if (!planned) return ErrorReply{400, planned.error(), "invalid_request_error", "input", nullptr};
  std::int64_t extra = 0;
  if (const auto* e = req.if_contains("fake_extra_vectors"); e && e->is_int64())
    extra = std::clamp<std::int64_t>(e->get_int64(), 0, 10'000);
  for (std::int64_t i = 0; i < extra; ++i) planned->vectors.push_back(planned->vectors.back());
  out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < planned->vectors.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"object":"embedding","index":)" + std::to_string(i) + R"(,"embedding":)" + planned->vectors[i] + "}";
  }
  const auto* model = req.if_contains("model");
  out += R"(],"model":)" + json::serialize(model && model->is_string() ? *model : json::value("fake"));
  const std::string tokens = std::to_string(planned->prompt_tokens);
  out += R"(,"usage":{"prompt_tokens":)" + tokens + R"(,"total_tokens":)" + tokens + "}}";
  return std::nullopt;
}

}  // namespace embeddings

// Fills job from a parsed body; returns an error to send instead, if any.
std::optional<ErrorReply> read_job(const json::object& body, Job& job, Server& srv) {
  job.stream = false;
  if (const auto* s = body.if_contains("stream"); s != nullptr && s->is_bool()) job.stream = s->get_bool();
  if (const auto* so = body.if_contains("stream_options"); so != nullptr && so->is_object()) {
    if (const auto* iu = so->get_object().if_contains("include_usage"); iu != nullptr && iu->is_bool()) {
      job.include_usage = iu->get_bool();
    }
  }
  if (auto v = as_int(body.if_contains("max_completion_tokens"))) job.max_tokens = *v;
  if (auto v = as_int(body.if_contains("max_tokens"))) job.max_tokens = *v;
  if (auto v = as_int(body.if_contains("fake_chunks"))) job.fake_chunks = *v;
  if (auto v = as_int(body.if_contains("fake_delay_ms"))) job.fake_delay_ms = std::clamp<std::int64_t>(*v, 0, 3'600'000);
  if (auto v = as_int(body.if_contains("fake_status"))) job.fake_status = *v;
  if (auto v = as_int(body.if_contains("fake_fail_after"))) job.fake_fail_after = *v;
  if (auto v = as_int(body.if_contains("fake_usage_factor")))
    job.fake_usage_factor = static_cast<std::uint64_t>(std::clamp<std::int64_t>(*v, 1, 1'000'000));
  if (auto v = as_int(body.if_contains("n"))) job.n = std::clamp<std::int64_t>(*v, 1, 16);
  if (const auto* lp = body.if_contains("logprobs"))
    job.logprobs = (lp->is_bool() && lp->get_bool()) || as_int(lp).value_or(0) > 0;
  if (const auto* call = body.if_contains("fake_tool_call"); call && call->is_object()) {
    job.tool_name = string_member(call->get_object(), "name");
    job.tool_arguments = string_member(call->get_object(), "arguments");
  }
  job.reasoning = string_member(body, "fake_reasoning");
  job.fingerprint = string_member(body, "fake_fingerprint");
  if (const auto* d = body.if_contains("fake_usage_details")) job.usage_details = d->is_bool() && d->get_bool();
  job.retry_after = string_member(body, "fake_retry_after");
  if (const auto* m = body.if_contains("fake_error_message"); m && m->is_string())
    job.error_message = std::string(m->get_string());
  if (auto v = as_int(body.if_contains("fake_status_times"))) job.status_times = std::max<std::int64_t>(*v, 0);
  job.status_key = string_member(body, "fake_status_key");
  job.json_answer = asks_for_json(body);

  std::string scratch;
  if (job.chat) {
    const auto* msgs = body.if_contains("messages");
    if (msgs == nullptr || !msgs->is_array()) {
      return ErrorReply{400, "'messages' is a required property and must be an array", "invalid_request_error",
                        "messages", nullptr};
    }
    std::string last_role;
    for (const auto& m : msgs->get_array()) {
      scratch.clear();
      last_role.clear();
      if (const auto* obj = m.if_object()) {
        append_content_text(scratch, obj->if_contains("content"));
        last_role = string_member(*obj, "role");
      }
      job.prompt_tokens += count_words(scratch);
      job.last_text = scratch;
    }
    // A request with tools calls one, with the last message as its arguments
    // when that is a JSON object; a tool's result is answered with text (the
    // echo of it), which ends an SDK's tool loop.
    if (job.tool_name.empty() && last_role != "tool") {
      job.tool_name = chosen_tool(body);
      if (!job.tool_name.empty()) job.tool_arguments = is_json_object_text(job.last_text) ? job.last_text : "{}";
    }
  } else {
    const auto* prompt = body.if_contains("prompt");
    if (prompt == nullptr) {
      return ErrorReply{400, "'prompt' is a required property", "invalid_request_error", "prompt", nullptr};
    }
    if (const auto* s = prompt->if_string()) {
      job.last_text.assign(s->data(), s->size());
      job.prompt_tokens = count_words(job.last_text);
    } else if (const auto* arr = prompt->if_array()) {
      for (const auto& p : *arr) {
        if (const auto* ps = p.if_string()) {
          job.last_text.assign(ps->data(), ps->size());
          job.prompt_tokens += count_words(job.last_text);
        } else {
          ++job.prompt_tokens;  // a token id
        }
      }
    } else {
      return ErrorReply{400, "'prompt' must be a string or an array", "invalid_request_error", "prompt", nullptr};
    }
  }

  if (job.fake_status != 0 && job.status_times >= 0 &&
      !srv.take_failure(job.status_key, static_cast<std::uint64_t>(job.status_times))) {
    job.fake_status = 0;
  }
  if (job.fake_status != 0) {
    if (job.fake_status < 100 || job.fake_status > 599) {
      return ErrorReply{400, "fake_status must be an HTTP status code", "invalid_request_error", "fake_status",
                        nullptr};
    }
    const auto st = static_cast<unsigned>(job.fake_status);
    const char* type = st == 401   ? "authentication_error"
                       : st == 403 ? "permission_error"
                       : st == 404 ? "not_found_error"
                       : st == 429 ? "rate_limit_error"
                       : st >= 500 ? "server_error"
                                   : "invalid_request_error";
    return ErrorReply{st, job.error_message.value_or("fake_status " + std::to_string(st) + " for: " + job.last_text),
                      type, nullptr, "fake_status", job.retry_after};
  }
  return std::nullopt;
}

const ErrorReply kNotAnObject{400, "The request body must be a JSON object", "invalid_request_error", nullptr, nullptr};

// The body parsed, when it is a JSON object; null otherwise.
json::value object_body(const std::string& text) {
  error_code ec;
  json::value value = json::parse(text, ec);
  return !ec && value.is_object() ? value : json::value(nullptr);
}

const char* reason(unsigned status) {
  const auto r = http::obsolete_reason(http::int_to_status(status));
  return r.empty() ? "Unknown" : r.data();  // Beast's reason strings are literals
}

class Session {
 public:
  Session(tcp::socket sock, Server& srv) : sock_(std::move(sock)), srv_(srv) {}

  asio::awaitable<void> run() {
    error_code ec;
    sock_.set_option(tcp::no_delay(true), ec);
    out_.reserve(8192);
    body_.reserve(4096);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(64 * 1024);
      parser.body_limit(std::uint64_t{256} << 20);
      auto [rec, n] = co_await http::async_read_header(sock_, buf_, parser, nothrow);
      (void)n;
      if (!rec && !parser.is_done()) {
        // curl sends `Expect: 100-continue` for bodies over 1 KiB and waits a second without an answer.
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
          static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
          auto [wec, wn] = co_await asio::async_write(sock_, asio::buffer(cont), nothrow);
          (void)wn;
          if (wec) break;
        }
        auto [bec, bn] = co_await http::async_read(sock_, buf_, parser, nothrow);
        (void)bn;
        rec = bec;
      }
      if (rec) {
        // No temporaries with destructors inside co_await: g++ 12 can destroy them twice.
        ErrorReply err{400, "malformed HTTP request", "invalid_request_error", nullptr, nullptr};
        if (rec == http::error::body_limit) {
          err.status = 413;
          err.message = "request body too large";
        } else if (rec == http::error::header_limit) {
          err.status = 431;
          err.message = "request headers too large";
        }
        const bool protocol_error = rec.category() == http::make_error_code(http::error::bad_method).category() &&
                                    rec != http::error::end_of_stream && rec != http::error::partial_message;
        if (protocol_error) co_await send_error(err, false);
        break;
      }
      auto& req = parser.get();
      keep_alive_ = req.keep_alive();
      http10_ = req.version() < 11;
      if (!co_await handle(req) || !keep_alive_) break;
    }
    sock_.shutdown(tcp::socket::shutdown_both, ec);
    sock_.close(ec);
  }

 private:
  // Returns false when the connection must be closed.
  asio::awaitable<bool> handle(http::request<http::string_body>& req) {
    std::string_view target(req.target().data(), req.target().size());
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    const auto method = req.method();
    auto& st = srv_.stats;

    if (target == "/stats") {
      if (method != http::verb::get) co_return co_await method_not_allowed();
      co_return co_await send_stats();
    }
    if (target == "/stats/reset") {
      if (method != http::verb::post) co_return co_await method_not_allowed();
      st.reset();
      co_return co_await send(200, "application/json", R"({"ok":true})");
    }
    inc(st.requests);
    if (target == "/health") {
      if (method != http::verb::get) co_return co_await method_not_allowed();
      co_return co_await send(200, "application/json", R"({"status":"ok"})");
    }
    if (target == "/v1/models") {
      if (method != http::verb::get) co_return co_await method_not_allowed();
      co_return co_await send(200, "application/json", srv_.models_body);
    }
    if (target == "/v1/embeddings") {
      if (method != http::verb::post) co_return co_await method_not_allowed();
      co_return co_await embed(req.body());
    }
    if (target == "/v1/responses") {
      if (method != http::verb::post) co_return co_await method_not_allowed();
      inc(st.responses);
      co_return co_await respond_natively(req.body());
    }
    const bool chat = target == "/v1/chat/completions";
    if (chat || target == "/v1/completions") {
      if (method != http::verb::post) co_return co_await method_not_allowed();
      inc(chat ? st.chat : st.completions);
      co_return co_await generate(chat, req.body());
    }
    const ErrorReply err{404, "Unknown request URL: " + std::string(target), "invalid_request_error", nullptr,
                         "unknown_url"};
    co_return co_await send_error(err, keep_alive_);
  }

  // POST /v1/responses, answered natively as an engine with the Responses
  // API does (vLLM, Ollama): the text is "native: " and the last user input's
  // text, one token per word (so a test tells it from a translated chat job,
  // whose text starts "echo: "); max_output_tokens cuts it (status
  // incomplete); usage counts the words of the instructions and inputs.
  // Streamed: response.created, in_progress, output_item.added,
  // content_part.added, output_text.delta per token, output_text.done,
  // content_part.done, output_item.done, response.completed.
  asio::awaitable<bool> respond_natively(const std::string& text) {
    const json::value parsed = object_body(text);
    if (!parsed.is_object()) co_return co_await send_error(kNotAnObject, keep_alive_);
    const auto& body = parsed.get_object();
    record_keys(body);
    const auto* store = body.if_contains("store");
    if (!store || !store->is_bool() || store->get_bool()) inc(srv_.stats.responses_stored);
    const std::string model = string_member(body, "model");
    if (!srv_.has_model(model)) {
      const ErrorReply err{404, "The model `" + model + "` does not exist.", "invalid_request_error", nullptr,
                           "model_not_found"};
      co_return co_await send_error(err, keep_alive_);
    }
    std::uint64_t input_tokens = count_words(string_member(body, "instructions"));
    std::string last;
    if (const auto* input = body.if_contains("input"); input && input->is_string()) {
      last = input->get_string();
      input_tokens += count_words(last);
    } else if (input && input->is_array()) {
      for (const auto& item : input->get_array()) {
        const auto* o = item.if_object();
        if (!o) continue;
        std::string scratch;
        append_content_text(scratch, o->if_contains("content"));
        input_tokens += count_words(scratch);
        if (string_member(*o, "role") == "user") last = scratch;
      }
    }
    std::vector<std::string> tokens;
    const std::string reply = "native: " + last;
    for (std::size_t begin = 0; begin < reply.size();) {
      const std::size_t space = reply.find(' ', begin);
      const std::size_t end = space == std::string::npos ? reply.size() : space + 1;
      tokens.push_back(reply.substr(begin, end - begin));
      begin = end;
    }
    bool cut = false;
    if (auto max = as_int(body.if_contains("max_output_tokens")); max && *max >= 0 &&
                                                                     static_cast<std::size_t>(*max) < tokens.size()) {
      tokens.resize(static_cast<std::size_t>(*max));
      cut = true;
    }
    std::string answer;
    for (const auto& t : tokens) answer += t;
    const std::string id = "resp_fake" + std::to_string(srv_.next_id.fetch_add(1, std::memory_order_relaxed));
    const auto part = [&](std::string_view t) {
      return json::object{{"type", "output_text"}, {"text", t}, {"annotations", json::array{}}};
    };
    const auto message = [&](bool done) {
      json::array content;
      if (done) content.push_back(part(answer));
      return json::object{{"id", "msg_fake"}, {"type", "message"}, {"status", done ? "completed" : "in_progress"},
                          {"role", "assistant"}, {"content", std::move(content)}};
    };
    const auto response = [&](bool done) {
      json::object r{{"id", id}, {"object", "response"}, {"created_at", std::time(nullptr)},
                     {"status", !done ? "in_progress" : cut ? "incomplete" : "completed"}, {"model", model},
                     {"output", done ? json::array{message(true)} : json::array{}}, {"store", body.contains("store") ? body.at("store") : json::value(true)},
                     {"engine", "fake-upstream"}};
      r["usage"] = done ? json::value(json::object{{"input_tokens", input_tokens},
                                                   {"input_tokens_details", json::object{{"cached_tokens", 0}}},
                                                   {"output_tokens", tokens.size()},
                                                   {"output_tokens_details", json::object{{"reasoning_tokens", 0}}},
                                                   {"total_tokens", input_tokens + tokens.size()}})
                        : json::value(nullptr);
      return r;
    };
    const auto* stream = body.if_contains("stream");
    if (!stream || !stream->is_bool() || !stream->get_bool())
      co_return co_await send(200, "application/json", json::serialize(response(true)));

    start_event_stream();
    std::int64_t sequence = 0;
    const auto event = [&](std::string_view type, json::object members) {
      json::object e{{"type", type}, {"sequence_number", sequence++}};
      for (auto& [k, v] : members) e[k] = std::move(v);
      ev_ += "event: ";
      ev_ += type;
      ev_ += "\ndata: ";
      ev_ += json::serialize(e);
      ev_ += "\n\n";
    };
    const json::object where{{"item_id", "msg_fake"}, {"output_index", 0}, {"content_index", 0}};
    const auto at = [&](json::object members) {
      json::object o = where;
      for (auto& [k, v] : members) o[k] = std::move(v);
      return o;
    };
    event("response.created", {{"response", response(false)}});
    event("response.in_progress", {{"response", response(false)}});
    event("response.output_item.added", {{"output_index", 0}, {"item", message(false)}});
    event("response.content_part.added", at({{"part", part("")}}));
    for (const auto& t : tokens) event("response.output_text.delta", at({{"delta", t}, {"logprobs", json::array{}}}));
    event("response.output_text.done", at({{"text", answer}, {"logprobs", json::array{}}}));
    event("response.content_part.done", at({{"part", part(answer)}}));
    event("response.output_item.done", {{"output_index", 0}, {"item", message(true)}});
    event(cut ? "response.incomplete" : "response.completed", {{"response", response(true)}});
    frame();
    out_ += "0\r\n\r\n";
    co_return co_await flush();
  }

  asio::awaitable<bool> embed(const std::string& text) {
    const json::value body = object_body(text);
    if (!body.is_object()) co_return co_await send_error(kNotAnObject, keep_alive_);
    record_keys(body.get_object());
    std::string out;
    if (auto err = embeddings::reply(text, body.get_object(), out)) co_return co_await send_error(*err, keep_alive_);
    co_return co_await send(200, "application/json", out);
  }

  asio::awaitable<bool> generate(bool chat, const std::string& text) {
    unsigned char arena[16384];
    json::monotonic_resource mr(arena, sizeof arena);
    error_code ec;
    json::value body = json::parse(text, ec, &mr);
    if (ec || !body.is_object()) {
      ErrorReply err{400, "The request body must be a JSON object", "invalid_request_error", nullptr, nullptr};
      if (ec) err.message = "We could not parse the JSON body of your request: " + ec.message();
      co_return co_await send_error(err, keep_alive_);
    }
    const auto& obj = body.get_object();
    record_keys(obj);

    Job job;
    job.chat = chat;
    const std::optional<ErrorReply> job_err = read_job(obj, job, srv_);
    if (job_err) co_return co_await send_error(*job_err, keep_alive_);
    const auto* model = obj.if_contains("model");
    if (model == nullptr || !model->is_string()) {
      const ErrorReply err{400, "you must provide a model parameter", "invalid_request_error", nullptr, nullptr};
      co_return co_await send_error(err, keep_alive_);
    }
    job.model.assign(model->get_string().data(), model->get_string().size());
    if (!srv_.has_model(job.model)) {
      const ErrorReply err{404, "The model `" + job.model + "` does not exist or you do not have access to it.",
                           "invalid_request_error", nullptr, "model_not_found"};
      co_return co_await send_error(err, keep_alive_);
    }

    // Tokens: the fake_chunks hook, or the echo split after each space.
    reply_.clear();
    ends_.clear();
    std::size_t n_tokens = 0;
    bool capped = false;
    if (job.fake_chunks >= 0) {
      n_tokens = static_cast<std::size_t>(std::min<std::int64_t>(job.fake_chunks, 100'000'000));
    } else {
      reply_ = job.json_answer ? "" : "echo: ";
      reply_ += job.last_text;
      for (std::size_t i = 0; i < reply_.size(); ++i) {
        if (reply_[i] == ' ') ends_.push_back(i + 1);
      }
      if (ends_.empty() || ends_.back() != reply_.size()) ends_.push_back(reply_.size());
      n_tokens = ends_.size();
      if (job.max_tokens >= 0 && static_cast<std::uint64_t>(job.max_tokens) < n_tokens) {
        n_tokens = static_cast<std::size_t>(job.max_tokens);
        capped = true;
      }
    }
    fake_ = job.fake_chunks >= 0;

    id_ = chat ? "chatcmpl-fake" : "cmpl-fake";
    append_uint(id_, srv_.next_id.fetch_add(1, std::memory_order_relaxed));
    created_ = static_cast<std::uint64_t>(std::time(nullptr));
    const char* finish = capped ? "length" : "stop";

    if (job.rich()) co_return co_await answer_rich(job, n_tokens, finish);
    if (job.stream) co_return co_await stream(job, n_tokens, finish);
    co_return co_await reply_whole(job, n_tokens, finish);
  }

  // An answer with more than text (n choices, logprobs, a tool call,
  // reasoning, a fingerprint, usage details), built with Boost.JSON: slower
  // than the hand-written paths, which benchmarks use. The delay and failure
  // hooks do not apply.
  json::object rich_message_head(const Job& job) const {
    json::object head{{"id", id_},
                      {"object", job.stream ? (job.chat ? "chat.completion.chunk" : "text_completion")
                                            : (job.chat ? "chat.completion" : "text_completion")},
                      {"created", created_},
                      {"model", job.model}};
    if (!job.fingerprint.empty()) head["system_fingerprint"] = job.fingerprint;
    return head;
  }

  json::object rich_usage(const Job& job, std::size_t n_tokens) const {
    const auto completion = static_cast<std::uint64_t>(n_tokens * job.n) * job.fake_usage_factor;
    const auto prompt = job.prompt_tokens * job.fake_usage_factor;
    json::object usage{{"prompt_tokens", prompt}, {"completion_tokens", completion},
                       {"total_tokens", prompt + completion}};
    if (job.usage_details) {
      usage["prompt_tokens_details"] = json::object{{"cached_tokens", 1}, {"audio_tokens", 0}};
      usage["completion_tokens_details"] = json::object{{"reasoning_tokens", job.reasoning.empty() ? 0 : 1}};
    }
    return usage;
  }

  // Token i's logprob entry: chat {"token","logprob","bytes","top_logprobs"}.
  json::object chat_logprob(std::size_t i) const {
    const std::string_view tok = token(i);
    json::array bytes;
    for (unsigned char c : tok) bytes.push_back(c);
    return json::object{{"token", tok}, {"logprob", -0.25 * static_cast<double>(i + 1)},
                        {"bytes", std::move(bytes)}, {"top_logprobs", json::array{}}};
  }

  // Completions logprobs of tokens [from, to): {"tokens","token_logprobs","top_logprobs","text_offset"}.
  json::object completion_logprobs(std::size_t from, std::size_t to) const {
    json::array tokens, values, tops, offsets;
    for (std::size_t i = from; i < to; ++i) {
      tokens.push_back(json::string(token(i)));
      values.push_back(-0.25 * static_cast<double>(i + 1));
      tops.push_back(nullptr);
      offsets.push_back(fake_ ? 2 * i : (i == 0 ? 0 : ends_[i - 1]));
    }
    return json::object{{"tokens", std::move(tokens)}, {"token_logprobs", std::move(values)},
                        {"top_logprobs", std::move(tops)}, {"text_offset", std::move(offsets)}};
  }

  static json::object tool_call(const Job& job, bool streamed) {
    json::object call{{"id", "call_fake_1"}, {"type", "function"},
                      {"function", json::object{{"name", job.tool_name},
                                                {"arguments", streamed ? std::string() : job.tool_arguments}}}};
    if (streamed) call["index"] = 0;
    return call;
  }

  std::string reply_text(std::size_t n_tokens) const {
    std::string text;
    for (std::size_t i = 0; i < n_tokens; ++i) text += token(i);
    return text;
  }

  asio::awaitable<bool> answer_rich(const Job& job, std::size_t n_tokens, const char* finish_text) {
    auto& st = srv_.stats;
    inc(st.generations_started);
    const bool tool = !job.tool_name.empty() && job.chat;
    const std::string finish = tool ? "tool_calls" : finish_text;
    if (!job.stream) {
      json::array choices;
      for (std::int64_t c = 0; c < job.n; ++c) {
        json::object choice{{"index", c}};
        json::value logprobs = nullptr;
        if (job.chat) {
          json::object message{{"role", "assistant"}};
          if (tool) message["content"] = nullptr;
          else message["content"] = reply_text(n_tokens);
          if (!job.reasoning.empty()) message["reasoning_content"] = job.reasoning;
          if (tool) message["tool_calls"] = json::array{tool_call(job, false)};
          choice["message"] = std::move(message);
          if (job.logprobs && !tool) {
            json::array content;
            for (std::size_t i = 0; i < n_tokens; ++i) content.push_back(chat_logprob(i));
            logprobs = json::object{{"content", std::move(content)}};
          }
        } else {
          choice["text"] = reply_text(n_tokens);
          if (job.logprobs) logprobs = completion_logprobs(0, n_tokens);
        }
        choice["logprobs"] = std::move(logprobs);
        choice["finish_reason"] = finish;
        choices.push_back(std::move(choice));
      }
      json::object answer = rich_message_head(job);
      answer["choices"] = std::move(choices);
      answer["usage"] = rich_usage(job, n_tokens);
      inc(st.generations_completed);
      co_return co_await send(200, "application/json", json::serialize(answer));
    }
    start_event_stream();
    const auto event = [&](json::array choices, json::value usage = nullptr) {
      json::object e = rich_message_head(job);
      e["choices"] = std::move(choices);
      if (!usage.is_null()) e["usage"] = std::move(usage);
      ev_ += "data: ";
      ev_ += json::serialize(e);
      ev_ += "\n\n";
    };
    const auto delta_choice = [&](std::int64_t c, json::object delta, json::value logprobs = nullptr,
                                  json::value reason = nullptr) {
      json::object choice{{"index", c}};
      if (job.chat) choice["delta"] = std::move(delta);
      else choice["text"] = delta["text"];
      choice["logprobs"] = std::move(logprobs);
      choice["finish_reason"] = std::move(reason);
      return json::array{std::move(choice)};
    };
    for (std::int64_t c = 0; c < job.n; ++c) {
      if (job.chat) event(delta_choice(c, json::object{{"role", "assistant"}, {"content", tool ? json::value(nullptr) : json::value("")}}));
      if (job.chat && !job.reasoning.empty()) event(delta_choice(c, json::object{{"reasoning_content", job.reasoning}}));
      if (tool) {
        event(delta_choice(c, json::object{{"tool_calls", json::array{tool_call(job, true)}}}));
        // The arguments in two pieces, as engines stream them.
        const std::string_view args = job.tool_arguments;
        for (std::string_view piece : {args.substr(0, args.size() / 2), args.substr(args.size() / 2)})
          event(delta_choice(c, json::object{{"tool_calls", json::array{json::object{
                                    {"index", 0}, {"function", json::object{{"arguments", piece}}}}}}}));
      } else {
        for (std::size_t i = 0; i < n_tokens; ++i) {
          json::value logprobs = nullptr;
          if (job.logprobs)
            logprobs = job.chat ? json::value(json::object{{"content", json::array{chat_logprob(i)}}})
                                : json::value(completion_logprobs(i, i + 1));
          const std::string_view key = job.chat ? "content" : "text";
          event(delta_choice(c, json::object{{key, token(i)}}, std::move(logprobs)));
        }
      }
      event(delta_choice(c, job.chat ? json::object{} : json::object{{"text", ""}}, nullptr, json::value(finish)));
    }
    if (job.include_usage) event(json::array{}, rich_usage(job, n_tokens));
    ev_ += "data: [DONE]\n\n";
    frame();
    out_ += "0\r\n\r\n";
    inc(st.generations_completed);
    co_return co_await flush();
  }

  // A non-streamed answer. The hooks mean what they mean for a stream: the
  // reply comes after fake_delay_ms per token (a client closing meanwhile
  // aborts it), and fake_fail_after K < tokens closes the connection instead
  // of answering.
  asio::awaitable<bool> reply_whole(const Job& job, std::size_t n_tokens, const char* finish) {
    auto& st = srv_.stats;
    const bool chat = job.chat;
    inc(st.generations_started);
    watch_close_ = true;
    if (job.fake_delay_ms > 0) {
      const auto tokens = static_cast<std::int64_t>(std::min<std::size_t>(n_tokens, 1'000'000));
      const std::int64_t total_ms = std::min<std::int64_t>(job.fake_delay_ms * std::max<std::int64_t>(tokens, 1),
                                                           3'600'000);
      if (!co_await sleep_watching(total_ms)) {
        inc(st.generations_aborted_by_client);
        co_return false;
      }
    }
    if (job.fake_fail_after >= 0 && static_cast<std::uint64_t>(job.fake_fail_after) < n_tokens) {
      inc(st.generations_failed_injected);
      error_code ec;
      sock_.shutdown(tcp::socket::shutdown_both, ec);
      sock_.close(ec);
      co_return false;
    }
    body_.clear();
    body_ += R"({"id":")";
    body_ += id_;
    body_ += chat ? R"(","object":"chat.completion","created":)" : R"(","object":"text_completion","created":)";
    append_uint(body_, created_);
    body_ += R"(,"model":)";
    append_json_string(body_, job.model);
    body_ += chat ? R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)"
                  : R"(,"choices":[{"index":0,"text":)";
    if (fake_) {
      std::string all;
      all.reserve(n_tokens * 2);
      for (std::size_t i = 0; i < n_tokens; ++i) all += "t ";
      append_json_string(body_, all);
    } else {
      append_json_string(body_, std::string_view(reply_).substr(0, n_tokens == 0 ? 0 : ends_[n_tokens - 1]));
    }
    body_ += chat ? R"(},"finish_reason":")" : R"(,"logprobs":null,"finish_reason":")";
    body_ += finish;
    body_ += R"("}],)";
    append_usage(body_, job.prompt_tokens * job.fake_usage_factor, n_tokens * job.fake_usage_factor);
    body_ += '}';
    // Counted before the write, like a stream's [DONE]; undone if it fails.
    inc(st.generations_completed);
    const bool sent = co_await send(200, "application/json", body_);
    if (!sent) {
      st.generations_completed.fetch_sub(1, std::memory_order_relaxed);
      inc(st.generations_aborted_by_client);
    }
    co_return sent;
  }

  std::string_view token(std::size_t i) const {
    if (fake_) return "t ";
    const std::size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(reply_).substr(begin, ends_[i] - begin);
  }

  void append_usage(std::string& out, std::uint64_t prompt, std::uint64_t completion) {
    out += R"("usage":{"prompt_tokens":)";
    append_uint(out, prompt);
    out += R"(,"completion_tokens":)";
    append_uint(out, completion);
    out += R"(,"total_tokens":)";
    append_uint(out, prompt + completion);
    out += '}';
  }

  // Appends `data: {"id":..,"object":..,"created":..,"model":..,` to ev_.
  void event_head(const Job& job) {
    ev_ += R"(data: {"id":")";
    ev_ += id_;
    ev_ += job.chat ? R"(","object":"chat.completion.chunk","created":)" : R"(","object":"text_completion","created":)";
    append_uint(ev_, created_);
    ev_ += R"(,"model":)";
    append_json_string(ev_, job.model);
    ev_ += ',';
  }

  void content_event(const Job& job, std::string_view tok) {
    event_head(job);
    if (job.chat) {
      ev_ += R"("choices":[{"index":0,"delta":{"content":)";
      append_json_string(ev_, tok);
      ev_ += "},\"finish_reason\":null}]}\n\n";
    } else {
      ev_ += R"("choices":[{"index":0,"text":)";
      append_json_string(ev_, tok);
      ev_ += ",\"logprobs\":null,\"finish_reason\":null}]}\n\n";
    }
  }

  // Moves ev_ into out_ as one HTTP chunk.
  // The head of a streamed (chunked) text/event-stream answer, into out_.
  void start_event_stream() {
    out_.clear();
    ev_.clear();
    out_ += "HTTP/1.1 200 OK\r\nServer: fake-upstream\r\nContent-Type: text/event-stream\r\n"
            "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n";
    if (!keep_alive_) out_ += "Connection: close\r\n";
    else if (http10_) out_ += "Connection: keep-alive\r\n";
    out_ += "\r\n";
  }

  void frame() {
    if (ev_.empty()) return;
    char hex[20];
    const int n = std::snprintf(hex, sizeof hex, "%zx\r\n", ev_.size());
    out_.append(hex, static_cast<std::size_t>(n));
    out_ += ev_;
    out_ += "\r\n";
    ev_.clear();
  }

  asio::awaitable<bool> flush() {
    frame();
    if (out_.empty()) co_return true;
    auto [ec, n] = co_await asio::async_write(sock_, asio::buffer(out_), nothrow);
    (void)n;
    out_.clear();
    co_return !ec;
  }

  // Sleeps, but returns false early if the client closes the connection.
  asio::awaitable<bool> sleep_watching(std::int64_t ms) {
    asio::steady_timer t(sock_.get_executor(), std::chrono::milliseconds(ms));
    if (watch_close_) {
      auto r = co_await (t.async_wait(nothrow) || sock_.async_wait(tcp::socket::wait_read, nothrow));
      if (r.index() == 0) co_return true;
      char c;
      error_code ec;
      const auto n = sock_.receive(asio::buffer(&c, 1), tcp::socket::message_peek, ec);
      if (ec || n == 0) co_return false;
      // Pipelined bytes: the socket stays readable, so stop watching it.
      watch_close_ = false;
      t.expires_at(t.expiry());
    }
    co_await t.async_wait(nothrow);
    co_return true;
  }

  asio::awaitable<bool> stream(const Job& job, std::size_t n_tokens, const char* finish) {
    auto& st = srv_.stats;
    start_event_stream();
    inc(st.generations_started);
    watch_close_ = true;

    if (job.chat) {
      event_head(job);
      ev_ += "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n";
    }
    const bool delayed = job.fake_delay_ms > 0;
    for (std::size_t i = 0; i <= n_tokens; ++i) {
      if (job.fake_fail_after >= 0 && static_cast<std::uint64_t>(job.fake_fail_after) == i) {
        const bool ok = co_await flush();
        inc(ok ? st.generations_failed_injected : st.generations_aborted_by_client);
        error_code ec;
        sock_.shutdown(tcp::socket::shutdown_both, ec);
        sock_.close(ec);
        co_return false;
      }
      if (i == n_tokens) break;
      if (delayed) {
        if (!co_await flush() || !co_await sleep_watching(job.fake_delay_ms)) {
          inc(st.generations_aborted_by_client);
          co_return false;
        }
      }
      content_event(job, token(i));
      if (ev_.size() >= kCoalesceBytes && !co_await flush()) {
        inc(st.generations_aborted_by_client);
        co_return false;
      }
    }

    event_head(job);
    ev_ += job.chat ? R"("choices":[{"index":0,"delta":{},"finish_reason":")"
                    : R"("choices":[{"index":0,"text":"","logprobs":null,"finish_reason":")";
    ev_ += finish;
    ev_ += "\"}]}\n\n";
    if (job.include_usage) {
      event_head(job);
      ev_ += R"("choices":[],)";
      append_usage(ev_, job.prompt_tokens * job.fake_usage_factor, n_tokens * job.fake_usage_factor);
      ev_ += "}\n\n";
    }
    ev_ += "data: [DONE]\n\n";
    frame();
    out_ += "0\r\n\r\n";
    // Count before the last write so that a client that has seen [DONE] also
    // sees the counter; undo if the write fails.
    inc(st.generations_completed);
    if (!co_await flush()) {
      st.generations_completed.fetch_sub(1, std::memory_order_relaxed);
      inc(st.generations_aborted_by_client);
      co_return false;
    }
    co_return true;
  }

  void record_keys(const json::object& obj) {
    std::vector<std::string_view> keys;
    keys.reserve(obj.size());
    for (const auto& kv : obj) keys.emplace_back(kv.key().data(), kv.key().size());
    std::sort(keys.begin(), keys.end());
    std::string s = "[";
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (i) s += ',';
      append_json_string(s, keys[i]);
    }
    s += ']';
    std::lock_guard lock(srv_.stats.keys_mutex);
    srv_.stats.last_body_keys.swap(s);
  }

  asio::awaitable<bool> send_stats() {
    auto& st = srv_.stats;
    body_.clear();
    const std::pair<const char*, const std::atomic<std::uint64_t>*> fields[] = {
        {"requests", &st.requests},
        {"chat", &st.chat},
        {"completions", &st.completions},
        {"responses", &st.responses},
        {"responses_stored", &st.responses_stored},
        {"generations_started", &st.generations_started},
        {"generations_completed", &st.generations_completed},
        {"generations_aborted_by_client", &st.generations_aborted_by_client},
        {"generations_failed_injected", &st.generations_failed_injected},
    };
    body_ += '{';
    for (const auto& [name, counter] : fields) {
      body_ += '"';
      body_ += name;
      body_ += "\":";
      append_uint(body_, load(*counter));
      body_ += ',';
    }
    body_ += "\"last_body_keys\":";
    {
      std::lock_guard lock(st.keys_mutex);
      body_ += st.last_body_keys;
    }
    body_ += '}';
    co_return co_await send(200, "application/json", body_);
  }

  asio::awaitable<bool> method_not_allowed() {
    const ErrorReply err{405, "method not allowed", "invalid_request_error", nullptr, nullptr};
    co_return co_await send_error(err, keep_alive_);
  }

  asio::awaitable<bool> send_error(const ErrorReply& e, bool keep) {
    keep_alive_ = keep_alive_ && keep;
    err_.clear();
    err_ += R"({"error":{"message":)";
    append_json_string(err_, e.message);
    err_ += R"(,"type":)";
    append_json_string(err_, e.type);
    err_ += R"(,"param":)";
    if (e.param) append_json_string(err_, e.param);
    else err_ += "null";
    err_ += R"(,"code":)";
    if (e.code) append_json_string(err_, e.code);
    else err_ += "null";
    err_ += "}}";
    std::string retry_after = e.retry_after;
    if (retry_after.empty() && (e.status == 429 || e.status == 503)) retry_after = "1";
    const std::string header = retry_after.empty() ? std::string() : "Retry-After: " + retry_after + "\r\n";
    co_return co_await send(e.status, "application/json", err_, header);
  }

  asio::awaitable<bool> send(unsigned status, std::string_view ctype, std::string_view body,
                             std::string_view extra_headers = {}) {
    out_.clear();
    out_ += "HTTP/1.1 ";
    append_uint(out_, status);
    out_ += ' ';
    out_ += reason(status);
    out_ += "\r\nServer: fake-upstream\r\nContent-Type: ";
    out_ += ctype;
    out_ += "\r\nContent-Length: ";
    append_uint(out_, body.size());
    out_ += "\r\n";
    out_ += extra_headers;
    if (!keep_alive_) out_ += "Connection: close\r\n";
    else if (http10_) out_ += "Connection: keep-alive\r\n";
    out_ += "\r\n";
    out_ += body;
    auto [ec, n] = co_await asio::async_write(sock_, asio::buffer(out_), nothrow);
    (void)n;
    co_return !ec;
  }

  tcp::socket sock_;
  Server& srv_;
  beast::flat_buffer buf_;
  std::string out_;    // bytes to write next
  std::string ev_;     // SSE events not yet framed as an HTTP chunk
  std::string body_;   // JSON response body
  std::string err_;    // error envelope
  std::string reply_;  // echo text
  std::vector<std::size_t> ends_;  // token end offsets in reply_
  std::string id_;
  std::uint64_t created_ = 0;
  bool fake_ = false;
  bool keep_alive_ = true;
  bool http10_ = false;
  bool watch_close_ = true;
};

asio::awaitable<void> run_session(tcp::socket sock, Server& srv) {
  Session s(std::move(sock), srv);
  co_await s.run();
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::vector<std::unique_ptr<asio::io_context>>& iocs,
                                  Server& srv) {
  for (std::size_t i = 0;; ++i) {
    auto& target = *iocs[i % iocs.size()];
    auto [ec, peer] = co_await acceptor.async_accept(target, nothrow);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {  // e.g. out of file descriptors: back off briefly
      asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(10));
      co_await t.async_wait(nothrow);
      continue;
    }
    asio::co_spawn(target, run_session(tcp::socket(std::move(peer)), srv), asio::detached);
  }
}

[[noreturn]] void usage(const char* msg) {
  if (msg) std::cerr << "fake-upstream: " << msg << "\n";
  std::cerr << "usage: fake-upstream [--listen HOST:PORT] [--models a,b] [--threads N]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  std::string models = "fake-model";
  int threads = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + std::string(a)).c_str());
      return argv[++i];
    };
    if (a == "--listen") listen = value();
    else if (a == "--models") models = value();
    else if (a == "--threads") threads = std::atoi(value().c_str());
    else if (a == "-h" || a == "--help") usage(nullptr);
    else usage(("unknown argument " + std::string(a)).c_str());
  }
  if (threads < 1 || threads > 256) usage("--threads must be 1..256");

  Server srv;
  for (std::size_t pos = 0; pos <= models.size();) {
    const auto comma = std::min(models.find(',', pos), models.size());
    if (comma > pos) srv.models.push_back(models.substr(pos, comma - pos));
    pos = comma + 1;
  }
  if (srv.models.empty()) usage("--models is empty");
  {
    const auto created = static_cast<std::uint64_t>(std::time(nullptr));
    std::string& b = srv.models_body;
    b = R"({"object":"list","data":[)";
    for (std::size_t i = 0; i < srv.models.size(); ++i) {
      if (i) b += ',';
      b += R"({"id":)";
      append_json_string(b, srv.models[i]);
      b += R"(,"object":"model","created":)";
      append_uint(b, created);
      b += R"(,"owned_by":"fake-upstream"})";
    }
    b += "]}";
  }

  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) usage("--listen must be HOST:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  const std::string port = listen.substr(colon + 1);

  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::unique_ptr<asio::io_context>> iocs;
  for (int i = 0; i < threads; ++i) iocs.push_back(std::make_unique<asio::io_context>(1));

  tcp::acceptor acceptor(*iocs[0]);
  try {
    tcp::resolver resolver(*iocs[0]);
    const auto results = resolver.resolve(host, port, tcp::resolver::passive | tcp::resolver::numeric_service);
    const tcp::endpoint ep = *results.begin();
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(4096);
  } catch (const std::exception& e) {
    std::cerr << "fake-upstream: cannot listen on " << listen << ": " << e.what() << "\n";
    return 1;
  }
  const auto local = acceptor.local_endpoint();
  std::string shown = local.address().is_unspecified() ? std::string("127.0.0.1") : local.address().to_string();
  if (local.address().is_v6() && !local.address().is_unspecified()) shown = "[" + shown + "]";
  std::printf("fake-upstream listening on %s:%u\n", shown.c_str(), static_cast<unsigned>(local.port()));
  std::fflush(stdout);

  asio::signal_set signals(*iocs[0], SIGINT, SIGTERM);
  signals.async_wait([&](const error_code&, int) {
    for (auto& ioc : iocs) ioc->stop();
  });
  asio::co_spawn(*iocs[0], accept_loop(acceptor, iocs, srv), asio::detached);

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> workers;
  for (std::size_t i = 1; i < iocs.size(); ++i) {
    guards.push_back(asio::make_work_guard(*iocs[i]));
    workers.emplace_back([&ioc = *iocs[i]] { ioc.run(); });
  }
  iocs[0]->run();
  for (auto& ioc : iocs) ioc->stop();
  for (auto& w : workers) w.join();
  std::fflush(stdout);
  // Sessions may be parked on any context; skip tearing them down one by one.
  std::_Exit(0);
}
