#include "net/sse.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <charconv>

namespace potluck::net {

void append_sse_event(std::string& out, std::string_view payload) {
  std::size_t start = 0;
  for (;;) {
    auto end = payload.find('\n', start);
    out += "data: ";
    out += payload.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out += '\n';
}

void append_sse_comment(std::string& out, std::string_view text) {
  out += ": ";
  out += text;
  out += "\n\n";
}

void append_http_chunk(std::string& out, std::string_view body) {
  char size[24];
  auto end = std::to_chars(size, size + sizeof size, body.size(), 16).ptr;
  out.append(size, end);
  out += "\r\n";
  out += body;
  out += "\r\n";
}

awaitable<error_code> SseWriter::start(std::string_view extra_headers) {
  started_ = true;
  scratch_.clear();
  scratch_ +=
      "HTTP/1.1 200 OK\r\n"
      "Server: potluck\r\n"
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\n";
  scratch_ += chunked_ ? "Transfer-Encoding: chunked\r\n" : "Connection: close\r\n";
  scratch_ += head_fields_;
  scratch_ += extra_headers;
  scratch_ += "\r\n";
  co_return co_await write(scratch_);
}

awaitable<error_code> SseWriter::send(std::string_view events) {
  if (!chunked_) co_return co_await write(events);
  scratch_.clear();
  append_http_chunk(scratch_, events);
  co_return co_await write(scratch_);
}

awaitable<error_code> SseWriter::finish() {
  if (!chunked_) co_return error_code{};
  co_return co_await write("0\r\n\r\n");
}

awaitable<error_code> SseWriter::write(std::string_view bytes) {
  error_code ec;
  stream_.tcp().expires_after(write_timeout_);
  co_await asio::async_write(stream_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  stream_.tcp().expires_never();
  co_return ec;
}

void SseParser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      pending_ += bytes;
      return;
    }
    if (pending_.empty()) {
      line(bytes.substr(0, newline));
    } else {
      pending_ += bytes.substr(0, newline);
      std::string joined = std::move(pending_);
      pending_.clear();
      line(joined);
    }
    bytes.remove_prefix(newline + 1);
  }
}

void SseParser::finish() {
  if (!pending_.empty()) {
    std::string last = std::move(pending_);
    pending_.clear();
    line(last);
  }
  line("");
}

void SseParser::line(std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  if (text.empty()) {
    if (has_data_) on_event_(data_);
    data_.clear();
    has_data_ = false;
    return;
  }
  if (text.front() == ':') return;
  auto colon = text.find(':');
  auto field = text.substr(0, colon);
  if (field != "data") return;
  auto value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (has_data_) data_ += '\n';
  data_ += value;
  has_data_ = true;
}

}  // namespace potluck::net
