#pragma once
// Server-Sent Events: the writer streams `data:` events to a client over
// HTTP/1.1 chunked encoding (to an HTTP/1.0 client, which cannot read chunks:
// unframed, ended by closing the connection); the parser reads an upstream's
// event stream.
#include "net/asio_fwd.h"
#include "net/stream.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace potluck::net {

// Appends one event "data: <payload>\n\n". A payload with newlines becomes
// several data lines, as the SSE format requires.
void append_sse_event(std::string& out, std::string_view payload);

// Appends one comment line ": <text>\n\n", which clients skip: it shows a
// proxy between them that the stream is alive.
void append_sse_comment(std::string& out, std::string_view text);

// Frames `body` as one HTTP/1.1 chunk ("<hex size>\r\n<body>\r\n").
void append_http_chunk(std::string& out, std::string_view body);

class SseWriter {
 public:
  // `chunked` false: the client speaks HTTP/1.0; the caller closes the
  // connection after finish(). `head_fields` ("Name: value\r\n" lines) go
  // into the head whatever start() adds.
  SseWriter(Stream& stream, std::chrono::milliseconds write_timeout, bool chunked = true,
            std::string head_fields = {})
      : stream_(stream), write_timeout_(write_timeout), head_fields_(std::move(head_fields)), chunked_(chunked) {}

  // Writes the 200 response head. `extra_headers` are "Name: value\r\n" lines.
  awaitable<error_code> start(std::string_view extra_headers = {});
  // Writes already formatted events (one or more) as one chunk.
  awaitable<error_code> send(std::string_view events);
  // Writes the terminating zero-length chunk (unchunked: nothing).
  awaitable<error_code> finish();

  bool started() const { return started_; }

 private:
  awaitable<error_code> write(std::string_view bytes);

  Stream& stream_;
  std::chrono::milliseconds write_timeout_;
  std::string head_fields_;
  std::string scratch_;
  bool chunked_;
  bool started_ = false;
};

// Incremental parser: feed() any slices of the byte stream; for every
// complete event it calls on_event with the event's joined data lines.
// Comments (":...") and fields other than data are skipped.
class SseParser {
 public:
  explicit SseParser(std::function<void(std::string_view data)> on_event)
      : on_event_(std::move(on_event)) {}

  void feed(std::string_view bytes);
  // Flushes an event that the stream ended without a blank line after.
  void finish();

 private:
  void line(std::string_view text);

  std::function<void(std::string_view)> on_event_;
  std::string pending_;  // partial line
  std::string data_;     // data of the event being read
  bool has_data_ = false;
};

}  // namespace potluck::net
