#pragma once
// Writing RFC 4180 CSV: fields with a comma, quote or line break are quoted
// and their quotes doubled; lines end with CRLF. Text that a spreadsheet
// would run as a formula (=, +, -, @ first) gets a leading apostrophe, since
// some of it (model names) comes from other people's nodes.
#include <cstdint>
#include <string>
#include <string_view>

namespace potluck::coordinator::api {

class CsvWriter {
 public:
  CsvWriter& text(std::string_view value);
  CsvWriter& number(std::int64_t value);
  CsvWriter& empty();
  void end_row();

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();

  std::string out_;
  bool row_started_ = false;
};

}  // namespace potluck::coordinator::api
