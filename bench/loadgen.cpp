// potluck-loadgen: a small HTTP/1.1 load generator for Potluck benchmarks.
//
// One keep-alive connection per virtual client, all clients multiplexed on
// --threads io_contexts (one per thread, no locks on the hot path). Each
// request's latency is recorded in microseconds; percentiles come from the
// sorted vector of all of them. With --stream the response is read as
// Server-Sent Events: every `data:` event other than [DONE] is a chunk, the
// latency runs to the end of the stream and the time to the first event is
// recorded as well. --client-header spreads the clients over several
// headers (consumers' keys). Results go to stdout as one JSON object.
//
// An https:// URL makes every connection TLS, through Potluck's own client
// TLS (net/tls_client.h: verified against the system store and --ca-file,
// host name checked), on the same net::Stream the relay reads and writes,
// so plain and TLS figures differ only by TLS.
#include "net/stream.h"
#include "net/tls_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <expected>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "80";
  std::string target = "/";
  std::string method;
  int concurrency = 1;
  double duration_s = 5;
  bool duration_given = false;
  std::uint64_t requests = 0;  // 0: no limit
  double warmup_s = 1;
  std::string body;
  bool has_body = false;
  std::vector<std::string> headers;
  // Client c also sends client_headers[c % n]: several consumers' keys.
  std::vector<std::string> client_headers;
  bool stream = false;
  int threads = 1;
  bool tls = false;     // https://
  std::string ca_file;  // --ca-file: a CA trusted besides the system store
};

struct Worker {
  asio::io_context ioc{1};
  std::vector<std::uint32_t> latency_us;
  std::vector<std::uint32_t> ttfb_us;
  std::uint64_t errors = 0;
  std::uint64_t chunks = 0;
  std::vector<std::optional<potluck::net::Stream>*> streams;  // the clients' connections, closed on stop
  std::unique_ptr<asio::steady_timer> deadline;
};

struct Shared {
  Options opt;
  // The serialised request, sent again and again: one per --client-header
  // (client c sends requests[c % n]), else just one.
  std::vector<std::string> requests;
  tcp::resolver::results_type endpoints;
  std::shared_ptr<const potluck::net::ClientTls> tls;  // set for https://
  Clock::time_point t0, measure_start, deadline;
  std::atomic<bool> stopping{false};
  std::atomic<Clock::rep> stop_time{0};
  std::atomic<std::uint64_t> concluded{0};  // measured requests, ok or not, for --requests
  std::atomic<bool> printed_http_error{false};
  std::atomic<bool> printed_transport_error{false};
  std::vector<std::unique_ptr<Worker>> workers;

  void stop(Clock::time_point when) {
    if (stopping.exchange(true)) return;
    stop_time.store(when.time_since_epoch().count());
    for (auto& w : workers) {
      asio::post(w->ioc, [w = w.get()] {
        if (w->deadline) w->deadline->cancel();
        for (auto* s : w->streams) {
          if (*s) (*s)->close();
        }
      });
    }
  }
};

// Counts Server-Sent Events that carry data other than [DONE], across reads.
class SseCounter {
 public:
  // Returns the number of events completed by these bytes.
  std::uint64_t feed(const char* p, std::size_t n) {
    std::uint64_t events = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const char c = p[i];
      if (c != '\n') {
        if (len_ < sizeof line_) line_[len_] = c;
        ++len_;
        continue;
      }
      std::size_t len = len_;
      if (len > 0 && len <= sizeof line_ && line_[len - 1] == '\r') --len;
      const std::string_view line(line_, std::min(len, sizeof line_));
      if (len == 0) {
        events += dispatch();
      } else if (line.starts_with("data:")) {
        has_data_ = true;
        std::string_view v = line.substr(5);
        if (v.starts_with(' ')) v.remove_prefix(1);
        if (v.starts_with("[DONE]")) done_ = true;
      }
      len_ = 0;
    }
    return events;
  }
  std::uint64_t finish() { return dispatch(); }

 private:
  std::uint64_t dispatch() {
    const bool counted = has_data_ && !done_;
    has_data_ = done_ = false;
    return counted ? 1 : 0;
  }
  char line_[16];
  std::size_t len_ = 0;
  bool has_data_ = false;
  bool done_ = false;
};

std::uint32_t micros(Clock::duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, std::numeric_limits<std::uint32_t>::max()));
}

void report_transport_error(Shared& sh, const std::string& what) {
  if (sh.stopping.load(std::memory_order_relaxed)) return;
  if (!sh.printed_transport_error.exchange(true)) {
    std::cerr << "potluck-loadgen: first transport error: " << what << "\n";
  }
}

// Records one concluded request; returns false once the run is over.
void conclude(Worker& w, Shared& sh, Clock::time_point end, bool ok, Clock::duration latency, Clock::duration ttfb,
              std::uint64_t chunks) {
  if (end < sh.measure_start) return;  // warmup
  if (sh.opt.requests > 0) {
    const auto k = sh.concluded.fetch_add(1, std::memory_order_relaxed);
    if (k >= sh.opt.requests) return;
    if (k + 1 == sh.opt.requests) sh.stop(end);
  }
  if (!ok) {
    ++w.errors;
    return;
  }
  w.latency_us.push_back(micros(latency));
  w.ttfb_us.push_back(micros(ttfb));
  w.chunks += chunks;
}

// Connects `stream` (TLS: and does the handshake); says what failed.
asio::awaitable<std::expected<void, std::string>> connect_client(Worker& w, Shared& sh, std::optional<potluck::net::Stream>& stream) {
  beast::tcp_stream plain(w.ioc);
  auto [ec, ep] = co_await plain.async_connect(sh.endpoints, nothrow);
  (void)ep;
  if (ec) co_return std::unexpected("connect: " + ec.message());
  plain.socket().set_option(tcp::no_delay(true), ec);
  if (!sh.tls) {
    stream.emplace(std::move(plain));
    co_return std::expected<void, std::string>{};
  }
  stream.emplace(sh.tls->wrap(std::move(plain)));
  co_return co_await sh.tls->handshake(*stream, sh.opt.host);
}

asio::awaitable<void> client(Worker& w, Shared& sh, const std::string& request) {
  std::optional<potluck::net::Stream> stream;
  w.streams.push_back(&stream);
  beast::flat_buffer buf;
  std::string err_body;
  bool connected = false;
  char tmp[32 * 1024];

  while (!sh.stopping.load(std::memory_order_relaxed)) {
    if (!connected) {
      if (stream) stream->close();
      buf.clear();
      if (auto opened = co_await connect_client(w, sh, stream); !opened) {
        if (sh.stopping.load()) break;
        report_transport_error(sh, opened.error());
        conclude(w, sh, Clock::now(), false, {}, {}, 0);
        asio::steady_timer t(w.ioc, std::chrono::milliseconds(10));  // do not spin on a dead server
        co_await t.async_wait(nothrow);
        continue;
      }
      connected = true;
    }
    auto& sock = *stream;

    const auto start = Clock::now();
    auto [wec, wn] = co_await asio::async_write(sock, asio::buffer(request), nothrow);
    (void)wn;
    if (wec) {
      connected = false;
      if (sh.stopping.load()) break;
      report_transport_error(sh, "write: " + wec.message());
      conclude(w, sh, Clock::now(), false, {}, {}, 0);
      continue;
    }

    http::response_parser<http::buffer_body> p;
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    p.header_limit(64 * 1024);
    auto [hec, hn] = co_await http::async_read_header(sock, buf, p, nothrow);
    (void)hn;
    if (hec) {
      connected = false;
      if (sh.stopping.load()) break;
      report_transport_error(sh, "read header: " + hec.message());
      conclude(w, sh, Clock::now(), false, {}, {}, 0);
      continue;
    }
    const auto header_time = Clock::now();
    const unsigned status = p.get().result_int();
    const bool ok_status = status >= 200 && status < 300;
    err_body.clear();
    SseCounter sse;
    std::uint64_t chunks = 0;
    Clock::time_point first_event{};
    error_code bec;
    while (!p.is_done()) {
      p.get().body().data = tmp;
      p.get().body().size = sizeof tmp;
      auto [rec, rn] = co_await http::async_read_some(sock, buf, p, nothrow);
      (void)rn;
      if (rec == http::error::need_buffer) rec = {};
      if (rec) {
        bec = rec;
        break;
      }
      const std::size_t got = sizeof tmp - p.get().body().size;
      if (!ok_status) {
        err_body.append(tmp, std::min(got, 512 - std::min<std::size_t>(err_body.size(), 512)));
      } else if (sh.opt.stream && got > 0) {
        const auto events = sse.feed(tmp, got);
        if (events > 0 && chunks == 0) first_event = Clock::now();
        chunks += events;
      }
    }
    if (bec) {
      connected = false;
      if (sh.stopping.load()) break;
      report_transport_error(sh, "read body: " + bec.message());
      conclude(w, sh, Clock::now(), false, {}, {}, 0);
      continue;
    }
    if (sh.opt.stream && ok_status) {
      const auto tail = sse.finish();
      if (tail > 0 && chunks == 0) first_event = Clock::now();
      chunks += tail;
    }
    const auto end = Clock::now();
    if (!ok_status && !sh.printed_http_error.exchange(true)) {
      std::cerr << "potluck-loadgen: first error: HTTP " << status << ": " << err_body << "\n";
    }
    const auto ttfb = (sh.opt.stream && chunks > 0 ? first_event : header_time) - start;
    conclude(w, sh, end, ok_status, end - start, ttfb, chunks);
    if (!p.keep_alive()) connected = false;
  }
  if (stream) stream->close();
  w.streams.erase(std::find(w.streams.begin(), w.streams.end(), &stream));
}

[[noreturn]] void usage(const std::string& msg) {
  if (!msg.empty()) std::cerr << "potluck-loadgen: " << msg << "\n";
  std::cerr << "usage: potluck-loadgen --url http[s]://HOST:PORT/path [--concurrency C] [--duration-s S]\n"
               "         [--requests N] [--warmup-s W] [--body JSON | --body-file F] [--header 'Name: value']...\n"
               "         [--client-header 'Name: value']... [--method M] [--stream] [--threads N] [--ca-file PEM]\n"
               "  --client-header: client number c sends the (c mod n)-th of the n given, e.g. one\n"
               "  Authorization header per consumer to spread the clients over several consumers\n";
  std::exit(2);
}

void parse_url(const std::string& url, Options& opt) {
  opt.tls = std::string_view(url).starts_with("https://");
  if (!opt.tls && !std::string_view(url).starts_with("http://")) usage("--url must start with http:// or https://");
  if (opt.tls) opt.port = "443";
  std::string rest = url.substr(opt.tls ? 8 : 7);
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  opt.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty()) usage("--url has no host");
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) usage("bad IPv6 host in --url");
    opt.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') opt.port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    opt.host = authority.substr(0, colon);
    opt.port = authority.substr(colon + 1);
  } else {
    opt.host = authority;
  }
}

std::string serialise_request(const Options& opt, const std::vector<std::string>& headers) {
  const bool v6 = opt.host.find(':') != std::string::npos;
  std::string r = opt.method + " " + opt.target + " HTTP/1.1\r\nHost: " + (v6 ? "[" + opt.host + "]" : opt.host) +
                  ":" + opt.port + "\r\nUser-Agent: potluck-loadgen\r\n";
  bool has_ctype = false, has_accept = false;
  for (const auto& h : headers) {
    std::string name = h.substr(0, h.find(':'));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    has_ctype = has_ctype || name == "content-type";
    has_accept = has_accept || name == "accept";
    r += h + "\r\n";
  }
  if (!has_accept) r += opt.stream ? "Accept: text/event-stream\r\n" : "Accept: */*\r\n";
  if (opt.has_body || opt.method == "POST" || opt.method == "PUT") {
    if (!has_ctype) r += "Content-Type: application/json\r\n";
    r += "Content-Length: " + std::to_string(opt.body.size()) + "\r\n";
  }
  r += "\r\n";
  r += opt.body;
  return r;
}

double percentile_ms(const std::vector<std::uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value for " + a);
      return argv[++i];
    };
    auto number = [&]() -> double {
      const std::string v = value();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(d >= 0)) usage("bad number for " + a + ": " + v);
      return d;
    };
    if (a == "--url") url = value();
    else if (a == "--concurrency" || a == "-c") opt.concurrency = static_cast<int>(number());
    else if (a == "--duration-s") opt.duration_s = number(), opt.duration_given = true;
    else if (a == "--requests" || a == "-n") opt.requests = static_cast<std::uint64_t>(number());
    else if (a == "--warmup-s") opt.warmup_s = number();
    else if (a == "--body") opt.body = value(), opt.has_body = true;
    else if (a == "--body-file") {
      const std::string f = value();
      std::ifstream in(f, std::ios::binary);
      if (!in) usage("cannot read " + f);
      std::ostringstream ss;
      ss << in.rdbuf();
      opt.body = ss.str();
      opt.has_body = true;
    } else if (a == "--header" || a == "-H" || a == "--client-header") {
      const std::string h = value();
      if (h.find(':') == std::string::npos || h.find_first_of("\r\n") != std::string::npos) {
        usage(a + " must be 'Name: value'");
      }
      (a == "--client-header" ? opt.client_headers : opt.headers).push_back(h);
    } else if (a == "--method") opt.method = value();
    else if (a == "--stream") opt.stream = true;
    else if (a == "--threads") opt.threads = static_cast<int>(number());
    else if (a == "--ca-file") opt.ca_file = value();
    else if (a == "-h" || a == "--help") usage("");
    else usage("unknown argument " + a);
  }
  if (url.empty()) usage("--url is required");
  parse_url(url, opt);
  if (opt.concurrency < 1 || opt.concurrency > 100000) usage("--concurrency must be 1..100000");
  if (opt.threads < 1 || opt.threads > 256) usage("--threads must be 1..256");
  // --requests alone runs until N are done, but never longer than 5 minutes.
  if (opt.requests > 0 && !opt.duration_given) opt.duration_s = 300;
  if (opt.duration_s <= 0) usage("--duration-s must be > 0");
  if (opt.method.empty()) opt.method = opt.has_body ? "POST" : "GET";
  if (opt.has_body) {
    error_code jec;
    (void)json::parse(opt.body, jec);
    if (jec) std::cerr << "potluck-loadgen: warning: the body is not valid JSON (" << jec.message() << ")\n";
  }

  std::signal(SIGPIPE, SIG_IGN);
  Shared sh;
  sh.opt = opt;
  if (opt.tls) {
    auto tls = potluck::net::ClientTls::make({.ca_file = opt.ca_file});
    if (!tls) usage(tls.error());
    sh.tls = *tls;
  } else if (!opt.ca_file.empty()) {
    usage("--ca-file needs an https:// --url");
  }

  if (opt.client_headers.empty()) {
    sh.requests.push_back(serialise_request(opt, opt.headers));
  } else {
    for (const auto& own : opt.client_headers) {
      auto headers = opt.headers;
      headers.push_back(own);
      sh.requests.push_back(serialise_request(opt, headers));
    }
  }

  try {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    sh.endpoints = resolver.resolve(opt.host, opt.port);
  } catch (const std::exception& e) {
    std::cerr << "potluck-loadgen: cannot resolve " << opt.host << ":" << opt.port << ": " << e.what() << "\n";
    return 1;
  }

  for (int i = 0; i < opt.threads; ++i) sh.workers.push_back(std::make_unique<Worker>());
  for (auto& w : sh.workers) {
    const std::size_t share = static_cast<std::size_t>(opt.concurrency / opt.threads + 1);
    w->latency_us.reserve(std::min<std::size_t>(1 << 20, share * 4096));
    w->ttfb_us.reserve(w->latency_us.capacity());
  }

  sh.t0 = Clock::now();
  sh.measure_start = sh.t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.warmup_s));
  sh.deadline =
      sh.measure_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.duration_s));

  {
    auto& w0 = *sh.workers[0];
    w0.deadline = std::make_unique<asio::steady_timer>(w0.ioc, sh.deadline);
    w0.deadline->async_wait([&sh](const error_code& ec) {
      if (!ec) sh.stop(sh.deadline);
    });
  }
  for (int c = 0; c < opt.concurrency; ++c) {
    auto& w = *sh.workers[static_cast<std::size_t>(c % opt.threads)];
    const auto& request = sh.requests[static_cast<std::size_t>(c) % sh.requests.size()];
    asio::co_spawn(w.ioc, client(w, sh, request), [&sh](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "potluck-loadgen: client failed: " << ex.what() << "\n";
      }
    });
  }

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < sh.workers.size(); ++i) threads.emplace_back([w = sh.workers[i].get()] { w->ioc.run(); });
  sh.workers[0]->ioc.run();
  for (auto& t : threads) t.join();

  Clock::time_point stop_at = sh.stopping.load() ? Clock::time_point(Clock::duration(sh.stop_time.load()))
                                                 : Clock::now();
  const double duration = std::max(0.0, std::chrono::duration<double>(stop_at - sh.measure_start).count());

  std::vector<std::uint32_t> lat, ttfb;
  std::uint64_t errors = 0, chunks = 0;
  for (auto& w : sh.workers) {
    lat.insert(lat.end(), w->latency_us.begin(), w->latency_us.end());
    ttfb.insert(ttfb.end(), w->ttfb_us.begin(), w->ttfb_us.end());
    errors += w->errors;
    chunks += w->chunks;
  }
  std::sort(lat.begin(), lat.end());
  std::sort(ttfb.begin(), ttfb.end());
  double sum = 0;
  for (const auto v : lat) sum += v;
  const double mean_ms = lat.empty() ? 0 : sum / static_cast<double>(lat.size()) / 1000.0;
  const double rps = duration > 0 ? static_cast<double>(lat.size()) / duration : 0;
  const double cps = duration > 0 ? static_cast<double>(chunks) / duration : 0;

  std::printf(
      "{\"concurrency\":%d,\"requests\":%zu,\"errors\":%llu,\"duration_s\":%.3f,\"rps\":%.1f,"
      "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"mean_ms\":%.3f,\"chunks\":%llu,\"chunks_per_s\":%.1f,"
      "\"ttfb_p50_ms\":%.3f}\n",
      opt.concurrency, lat.size(), static_cast<unsigned long long>(errors), duration, rps, percentile_ms(lat, 0.50),
      percentile_ms(lat, 0.90), percentile_ms(lat, 0.99), mean_ms, static_cast<unsigned long long>(chunks), cps,
      percentile_ms(ttfb, 0.50));
  std::fflush(stdout);
  return 0;
}
