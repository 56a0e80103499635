// --log-file: one file per UTC day, days past the retention deleted.
#include "common/daily_log_file.h"
#include "common/utc_time.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>

namespace potluck {
namespace {

namespace fs = std::filesystem;

class DailyLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("potluck-daily-log-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void touch(const std::string& name) { std::ofstream(dir_ / name) << "old line\n"; }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
  }

  fs::path dir_;
};

TEST_F(DailyLogFileTest, NamesAFilePerDayBesideTheBasePath) {
  EXPECT_EQ(daily_log_path(dir_ / "potluck.log", "2026-12-07"), dir_ / "potluck_2026-12-07.log");
  EXPECT_EQ(daily_log_path(dir_ / "relay", "2026-01-02"), dir_ / "relay_2026-01-02");
}

TEST_F(DailyLogFileTest, PrunesOnlyDailyFilesOlderThanTheRetention) {
  for (const char* day : {"2026-11-20", "2026-11-29", "2026-11-30", "2026-12-06", "2026-12-07"})
    touch(std::string("potluck_") + day + ".log");
  touch("potluck_2026-11-01.txt");    // another extension
  touch("other_2026-11-01.log");      // another stem
  touch("potluck_2026-13-45.log");    // not a date
  touch("potluck.log");

  EXPECT_EQ(prune_daily_logs(dir_ / "potluck.log", "2026-12-07", 7), 2u);

  EXPECT_FALSE(fs::exists(dir_ / "potluck_2026-11-20.log"));
  EXPECT_FALSE(fs::exists(dir_ / "potluck_2026-11-29.log"));
  for (const char* kept : {"potluck_2026-11-30.log", "potluck_2026-12-06.log", "potluck_2026-12-07.log",
                           "potluck_2026-11-01.txt", "other_2026-11-01.log", "potluck_2026-13-45.log",
                           "potluck.log"})
    EXPECT_TRUE(fs::exists(dir_ / kept)) << kept;
}

TEST_F(DailyLogFileTest, WritesTodaysFileAndRollsOverAtTheNextUtcDay) {
  touch("potluck_2020-01-01.log");
  auto sink = std::make_shared<DailyLogFileSink>(dir_ / "potluck.log", 7);
  sink->set_pattern("%v");
  const auto now = std::chrono::system_clock::now();
  const auto today = utc_date(std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  EXPECT_FALSE(fs::exists(dir_ / "potluck_2020-01-01.log")) << "pruned when the sink opened";

  spdlog::details::log_msg line("serve", spdlog::level::info, "first line");
  line.time = now;
  sink->log(line);
  sink->flush();
  EXPECT_EQ(read(daily_log_path(dir_ / "potluck.log", today)), "first line\n");

  // Ten days later: a new file, and today's is then past the retention.
  spdlog::details::log_msg later("serve", spdlog::level::info, "ten days on");
  later.time = now + std::chrono::hours(24 * 10);
  sink->log(later);
  sink->flush();
  const auto later_day =
      utc_date(std::chrono::duration_cast<std::chrono::milliseconds>(later.time.time_since_epoch()).count());
  EXPECT_EQ(read(daily_log_path(dir_ / "potluck.log", later_day)), "ten days on\n");
  EXPECT_FALSE(fs::exists(daily_log_path(dir_ / "potluck.log", today)));
}

TEST_F(DailyLogFileTest, AnUnwritablePathFailsAtConstruction) {
  touch("a-file");
  EXPECT_THROW(DailyLogFileSink(dir_ / "a-file" / "potluck.log", 7), spdlog::spdlog_ex);
}

}  // namespace
}  // namespace potluck
