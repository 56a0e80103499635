#include "protocol/frames.h"

#include "protocol/exec.h"
#include "protocol/node_text.h"

#include <boost/json.hpp>

#include <algorithm>

namespace potluck::protocol {
namespace json = boost::json;

std::string_view to_string(JobKind kind) {
  switch (kind) {
    case JobKind::chat: return "chat";
    case JobKind::completion: return "completion";
    case JobKind::exec: return "exec";
    case JobKind::embedding: return "embedding";
    case JobKind::responses: return "responses";
  }
  return "chat";
}

std::optional<JobKind> job_kind_from(std::string_view text) {
  if (text == "chat") return JobKind::chat;
  if (text == "completion") return JobKind::completion;
  if (text == "exec") return JobKind::exec;
  if (text == "embedding") return JobKind::embedding;
  if (text == "responses") return JobKind::responses;
  return std::nullopt;
}

namespace {

// Appends `text` as a JSON string literal.
void append_string(std::string& out, std::string_view text) {
  out += json::serialize(json::string_view(text.data(), text.size()));
}

json::array models_to_json(const std::vector<ModelOffer>& models) {
  json::array array;
  for (const auto& m : models) {
    json::object offer{{"id", m.id},
                       {"context", m.context},
                       {"owned_by", m.owned_by},
                       {"price", json::object{{"input", m.price.input}, {"output", m.price.output}}}};
    // Absent when false: older coordinators see what they knew.
    if (m.embeddings) offer["embeddings"] = true;
    if (m.responses) offer["responses"] = true;
    array.push_back(std::move(offer));
  }
  return array;
}

// Field readers: each failure names the field.
struct Reader {
  const json::object& obj;
  std::optional<DecodeError> error;

  std::string string(std::string_view key, bool required = true) {
    auto* v = obj.if_contains(key);
    if (!v || v->is_null()) {
      if (required) fail(key, "is missing");
      return {};
    }
    if (!v->is_string()) { fail(key, "must be a string"); return {}; }
    return std::string(v->get_string());
  }
  // Text a node chose (name, version, model id): printable UTF-8, bounded.
  std::string text(std::string_view key, std::size_t max_bytes, bool required = false) {
    std::string value = string(key, required);
    if (!error) check(key, printable_text_fault(value, max_bytes), max_bytes);
    return value;
  }
  // An id (node, job, language): a short run of ASCII id characters.
  std::string identifier(std::string_view key, std::size_t max_bytes) {
    std::string value = string(key);
    if (!error) check(key, identifier_fault(value, max_bytes), max_bytes);
    return value;
  }
  void check(std::string_view key, std::optional<TextFault> fault, std::size_t max_bytes) {
    if (!fault) return;
    if (*fault == TextFault::too_long) fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
    else fail(key, describe(*fault));
  }
  // A token count a node reports: what the consumer pays for, so bounded.
  std::int64_t token_count(std::string_view key) {
    std::int64_t value = integer(key, false);
    if (value < 0 || value > kMaxReportedTokens)
      fail(key, "must be between 0 and " + std::to_string(kMaxReportedTokens));
    return value;
  }
  std::int64_t integer(std::string_view key, bool required = true) {
    auto* v = obj.if_contains(key);
    if (!v || v->is_null()) {
      if (required) fail(key, "is missing");
      return 0;
    }
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= INT64_MAX) return static_cast<std::int64_t>(v->get_uint64());
    fail(key, "must be an integer");
    return 0;
  }
  // A counter: negative values would wrap to numbers encode() writes but
  // decode() rejects (found by fuzz/frame_decode_fuzzer).
  std::uint64_t counter(std::string_view key) {
    std::int64_t value = integer(key);
    if (value < 0) fail(key, "must not be negative");
    return value < 0 ? 0 : static_cast<std::uint64_t>(value);
  }
  bool boolean(std::string_view key) {
    auto* v = obj.if_contains(key);
    if (!v || v->is_null()) return false;
    if (!v->is_bool()) { fail(key, "must be a boolean"); return false; }
    return v->get_bool();
  }
  std::string raw_object(std::string_view key, bool required = true, std::size_t max_bytes = SIZE_MAX) {
    auto* v = obj.if_contains(key);
    if (!v || v->is_null()) {
      if (required) fail(key, "is missing");
      return {};
    }
    if (!v->is_object()) { fail(key, "must be an object"); return {}; }
    std::string text = json::serialize(*v);
    if (text.size() > max_bytes) fail(key, "is longer than " + std::to_string(max_bytes) + " bytes");
    return text;
  }
  const json::object* object(std::string_view key) {
    auto* v = obj.if_contains(key);
    if (!v || v->is_null()) return nullptr;
    if (!v->is_object()) { fail(key, "must be an object"); return nullptr; }
    return &v->get_object();
  }
  std::optional<std::vector<ModelOffer>> models(std::string_view key, bool required) {
    auto* v = obj.if_contains(key);
    if (!v || v->is_null()) {
      if (required) fail(key, "is missing");
      return std::nullopt;
    }
    if (!v->is_array()) { fail(key, "must be an array"); return std::nullopt; }
    if (v->get_array().size() > kMaxModels) {
      fail(key, "has more than " + std::to_string(kMaxModels) + " entries");
      return std::nullopt;
    }
    std::vector<ModelOffer> out;
    out.reserve(v->get_array().size());
    for (const auto& item : v->get_array()) {
      if (!item.is_object()) { fail(key, "entries must be objects"); return std::nullopt; }
      Reader r{item.get_object()};
      ModelOffer m{r.text("id", kMaxModelIdBytes, true), r.integer("context", false),
                   r.text("owned_by", kMaxOwnedByBytes), {}};
      if (const auto* price = r.object("price")) {
        Reader p{*price};
        m.price = {p.integer("input", false), p.integer("output", false)};
        if (!p.error && (m.price.input < 0 || m.price.output < 0)) p.fail("price", "must not be negative");
        if (p.error) r.error = p.error;
      }
      if (const auto* embeddings = item.get_object().if_contains("embeddings"); embeddings && embeddings->is_bool())
        m.embeddings = embeddings->get_bool();
      if (const auto* responses = item.get_object().if_contains("responses"); responses && responses->is_bool())
        m.responses = responses->get_bool();
      if (r.error) { error = r.error; return std::nullopt; }
      if (m.id.empty()) { fail(key, "entries need a non-empty id"); return std::nullopt; }
      out.push_back(std::move(m));
    }
    return out;
  }
  std::vector<std::string> languages(const json::object& exec) {
    std::vector<std::string> out;
    auto* v = exec.if_contains("languages");
    if (!v || v->is_null()) return out;
    if (!v->is_array()) { fail("languages", "must be an array"); return out; }
    if (v->get_array().size() > kMaxLanguages) {
      fail("languages", "has more than " + std::to_string(kMaxLanguages) + " entries");
      return out;
    }
    for (const auto& l : v->get_array()) {
      if (!l.is_string()) { fail("languages", "entries must be strings"); return out; }
      const std::string_view language = l.get_string();
      // Printable, not an identifier: "c++".
      auto fault = language.empty() ? std::optional(TextFault::empty) : printable_text_fault(language, kMaxLanguageBytes);
      if (fault) {
        check("languages", fault, kMaxLanguageBytes);
        return out;
      }
      out.emplace_back(language);
    }
    return out;
  }
  void fail(std::string_view key, std::string_view what) {
    if (!error) error = DecodeError{"field '" + std::string(key) + "' " + std::string(what)};
  }
};

template <class T>
std::expected<Frame, DecodeError> finish(Reader& r, T&& frame) {
  if (r.error) return std::unexpected(*r.error);
  return Frame{std::forward<T>(frame)};
}

}  // namespace

std::string encode(const Hello& h) {
  json::array langs;
  for (const auto& l : h.exec_languages) langs.push_back(json::string(l));
  json::object o{{"type", "hello"},          {"protocol", h.protocol},
                 {"node_id", h.node_id},     {"name", h.name},
                 {"os", h.os},               {"arch", h.arch},
                 {"agent_version", h.agent_version}, {"max_jobs", h.max_jobs},
                 {"models", models_to_json(h.models)},
                 {"exec", json::object{{"languages", std::move(langs)}, {"price", h.exec_price}}}};
  if (h.exec_max_processes > 0) o["exec"].as_object()["max_processes"] = h.exec_max_processes;
  if (h.batches) o["batches"] = true;
  if (h.flow) o["flow"] = true;
  return json::serialize(o);
}

std::string encode(const Welcome& w) {
  json::object o{{"type", "welcome"},
                 {"session", w.session},
                 {"heartbeat_s", w.heartbeat_s},
                 {"server_version", w.server_version}};
  if (w.batches) o["batches"] = true;
  if (w.window > 0) o["window"] = w.window;
  return json::serialize(o);
}

std::string encode(const Job& j) {
  // Built by hand so the consumer's body is embedded as-is, not re-serialised.
  std::string out;
  out.reserve(j.payload.size() + j.model.size() + 128);
  out += R"({"type":"job","id":)";
  append_string(out, j.id);
  out += R"(,"kind":")";
  out += to_string(j.kind);
  out += R"(","model":)";
  append_string(out, j.model);
  out += R"(,"deadline_ms":)";
  out += std::to_string(j.deadline_ms);
  if (!j.stream) out += R"(,"stream":false)";
  out += R"(,"payload":)";
  out += j.payload.empty() ? std::string_view("{}") : std::string_view(j.payload);
  out += '}';
  return out;
}

std::string encode(const Chunk& c) {
  std::string out;
  out.reserve(c.delta.size() + c.id.size() + 96);
  out += R"({"type":"chunk","id":)";
  append_string(out, c.id);
  out += R"(,"seq":)";
  out += std::to_string(c.seq);
  if (c.index != 0) {
    out += R"(,"index":)";
    out += std::to_string(c.index);
  }
  out += R"(,"delta":)";
  out += c.delta.empty() ? std::string_view("{}") : std::string_view(c.delta);
  if (!c.finish_reason.empty()) {
    out += R"(,"finish_reason":)";
    append_string(out, c.finish_reason);
  }
  if (!c.choice.empty()) {
    out += R"(,"choice":)";
    out += c.choice;
  }
  if (!c.response.empty()) {
    out += R"(,"response":)";
    out += c.response;
  }
  out += '}';
  return out;
}

std::string encode(const Done& d) {
  json::object usage{{"prompt_tokens", d.usage.prompt_tokens}, {"completion_tokens", d.usage.completion_tokens}};
  if (!d.usage.details.empty()) usage["details"] = json::parse(d.usage.details);
  json::object o{{"type", "done"},
                 {"id", d.id},
                 {"usage", std::move(usage)},
                 {"timings", json::object{{"ttft_ms", d.ttft_ms}, {"total_ms", d.total_ms}}}};
  if (d.exec) {
    json::object exec;
    write_exec_result(exec, *d.exec);
    o["exec"] = std::move(exec);
  }
  return json::serialize(o);
}

std::string encode(const Error& e) {
  json::object o{{"type", "error"}, {"id", e.id}, {"code", to_string(e.code)},
                 {"message", e.message}, {"retryable", e.retryable}};
  if (e.status) o["status"] = e.status;
  if (!e.detail.empty()) o["detail"] = e.detail;
  if (e.retry_after_s > 0) o["retry_after_s"] = std::min(e.retry_after_s, kMaxRetryAfterS);
  // Clamped so that whatever the node measured, the frame still decodes.
  if (e.cpu_ms) o["cpu_ms"] = std::clamp<std::int64_t>(*e.cpu_ms, 0, kMaxStoppedCpuMs);
  return json::serialize(o);
}

std::string encode(const Cancel& c) {
  return json::serialize(json::object{{"type", "cancel"}, {"id", c.id}});
}

std::string encode(const Credit& c) {
  return json::serialize(json::object{{"type", "credit"}, {"id", c.id}, {"bytes", c.bytes}});
}

std::size_t text_bytes(const Chunk& chunk) {
  return chunk.delta.size() + chunk.finish_reason.size() + chunk.choice.size() + chunk.response.size();
}

std::int64_t flow_cost(const Chunk& chunk) { return static_cast<std::int64_t>(text_bytes(chunk)) + kChunkFrameCost; }

std::string encode(const Status& s) {
  json::object o{{"type", "status"}, {"in_flight", s.in_flight}, {"draining", s.draining}};
  if (s.models) o["models"] = models_to_json(*s.models);
  return json::serialize(o);
}

namespace {

std::expected<Frame, DecodeError> decode_object(const json::value& value) {
  if (!value.is_object()) return std::unexpected(DecodeError{"frame is not a JSON object"});
  Reader r{value.get_object()};
  const std::string type = r.string("type");
  if (r.error) return std::unexpected(*r.error);

  if (type == "chunk") {
    Chunk c{r.identifier("id", kMaxJobIdBytes), r.counter("seq"),
            static_cast<int>(r.integer("index", false)), r.raw_object("delta", false),
            r.string("finish_reason", false), r.raw_object("choice", false),
            r.raw_object("response", false, kMaxExtrasBytes)};
    return finish(r, std::move(c));
  }
  if (type == "done") {
    Done d{r.identifier("id", kMaxJobIdBytes)};
    if (auto* usage = r.object("usage")) {
      Reader u{*usage};
      d.usage = {u.token_count("prompt_tokens"), u.token_count("completion_tokens"),
                 u.raw_object("details", false, kMaxExtrasBytes)};
      if (u.error) r.error = u.error;
    }
    if (auto* timings = r.object("timings")) {
      Reader t{*timings};
      d.ttft_ms = t.integer("ttft_ms", false);
      d.total_ms = t.integer("total_ms", false);
      if (t.error) r.error = t.error;
    }
    if (auto* exec = r.object("exec")) d.exec = read_exec_result(*exec);
    return finish(r, std::move(d));
  }
  if (type == "job") {
    Job j{r.identifier("id", kMaxJobIdBytes)};
    auto kind = job_kind_from(r.string("kind"));
    if (!kind && !r.error) r.fail("kind", "is not chat, completion, embedding, responses or exec");
    j.kind = kind.value_or(JobKind::chat);
    j.model = r.string("model", false);
    j.deadline_ms = r.integer("deadline_ms", false);
    j.payload = r.raw_object("payload");
    if (auto* stream = r.obj.if_contains("stream"); stream && stream->is_bool()) j.stream = stream->get_bool();
    return finish(r, std::move(j));
  }
  if (type == "error") {
    Error e{r.identifier("id", kMaxJobIdBytes), error_code_from_node(r.string("code")), r.string("message", false),
            r.boolean("retryable"), static_cast<int>(r.integer("status", false))};
    e.detail = r.text("detail", kMaxDetailBytes);
    const std::int64_t retry_after_s = r.integer("retry_after_s", false);
    if (retry_after_s < 0 || retry_after_s > kMaxRetryAfterS)
      r.fail("retry_after_s", "must be between 0 and " + std::to_string(kMaxRetryAfterS));
    else e.retry_after_s = static_cast<int>(retry_after_s);
    if (auto* cpu = r.obj.if_contains("cpu_ms"); cpu && !cpu->is_null()) {
      e.cpu_ms = r.integer("cpu_ms");
      if (*e.cpu_ms < 0 || *e.cpu_ms > kMaxStoppedCpuMs) r.fail("cpu_ms", "must be between 0 and 24 h in ms");
    }
    return finish(r, std::move(e));
  }
  if (type == "cancel") return finish(r, Cancel{r.identifier("id", kMaxJobIdBytes)});
  if (type == "credit") {
    Credit c{r.identifier("id", kMaxJobIdBytes), r.integer("bytes")};
    if (!r.error && (c.bytes <= 0 || c.bytes > kMaxWindowBytes)) r.fail("bytes", "must be between 1 and 64 MiB");
    return finish(r, std::move(c));
  }
  if (type == "status") {
    Status s{static_cast<int>(r.integer("in_flight", false)), r.boolean("draining"),
             r.models("models", false)};
    return finish(r, std::move(s));
  }
  if (type == "hello") {
    Hello h;
    h.protocol = r.text("protocol", kMaxVersionBytes, true);
    h.node_id = r.identifier("node_id", kMaxNodeIdBytes);
    h.name = r.text("name", kMaxNodeNameBytes);
    h.os = r.text("os", kMaxPlatformBytes);
    h.arch = r.text("arch", kMaxPlatformBytes);
    h.agent_version = r.text("agent_version", kMaxVersionBytes);
    h.max_jobs = static_cast<int>(r.integer("max_jobs", false));
    if (h.max_jobs <= 0) h.max_jobs = 1;
    h.models = r.models("models", false).value_or(std::vector<ModelOffer>{});
    if (auto* exec = r.object("exec")) {
      Reader e{*exec};
      h.exec_languages = e.languages(*exec);
      h.exec_price = e.integer("price", false);
      if (!e.error && h.exec_price < 0) e.fail("price", "must not be negative");
      h.exec_max_processes = e.integer("max_processes", false);
      if (!e.error && (h.exec_max_processes < 0 || h.exec_max_processes > kMaxExecProcesses))
        e.fail("max_processes", "must be between 0 and " + std::to_string(kMaxExecProcesses));
      if (e.error) r.error = e.error;
    }
    h.batches = r.boolean("batches");
    h.flow = r.boolean("flow");
    return finish(r, std::move(h));
  }
  if (type == "welcome") {
    Welcome w{r.string("session"), static_cast<int>(r.integer("heartbeat_s", false)),
              r.string("server_version", false), r.boolean("batches")};
    w.window = r.integer("window", false);
    if (!r.error && w.window < 0) r.fail("window", "must not be negative");
    return finish(r, std::move(w));
  }
  return Frame{Unknown{type}};
}

std::expected<json::value, DecodeError> parse(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return std::unexpected(DecodeError{"frame is not valid JSON"});
  return value;
}

}  // namespace

std::expected<Frame, DecodeError> decode(std::string_view text) {
  auto value = parse(text);
  if (!value) return std::unexpected(value.error());
  return decode_object(*value);
}

std::expected<std::vector<Frame>, DecodeError> decode_message(std::string_view text) {
  auto value = parse(text);
  if (!value) return std::unexpected(value.error());
  std::vector<Frame> frames;
  if (!value->is_array()) {
    auto frame = decode_object(*value);
    if (!frame) return std::unexpected(frame.error());
    frames.push_back(std::move(*frame));
    return frames;
  }
  frames.reserve(value->get_array().size());
  for (const auto& item : value->get_array()) {
    auto frame = decode_object(item);
    if (!frame) return std::unexpected(frame.error());
    frames.push_back(std::move(*frame));
  }
  return frames;
}

std::string encode_batch(const std::vector<std::string>& frames) {
  std::size_t size = 2 + frames.size();
  for (const auto& f : frames) size += f.size();
  std::string out;
  out.reserve(size);
  out += '[';
  for (const auto& f : frames) {
    if (out.size() > 1) out += ',';
    out += f;
  }
  out += ']';
  return out;
}

}  // namespace potluck::protocol
