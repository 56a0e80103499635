// The dashboard's files (coordinator/web_assets.h): index.html for client
// routes, assets by exact name with their content type, 404 for anything
// else under /assets (traversal included), a plain note when not built.
#include "coordinator/web_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace {
namespace fs = std::filesystem;
using potluck::coordinator::WebAssets;
namespace http = potluck::net::http;

class WebAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device random;
    dir_ = fs::temp_directory_path() / ("potluck-web-" + std::to_string(random()));
    fs::create_directories(dir_ / "assets" / "fonts");
    write(dir_ / "index.html", "<!doctype html><title>Potluck</title>");
    write(dir_ / "assets" / "app.js", "console.log(1)");
    write(dir_ / "assets" / "fonts" / "a.woff2", "font");
    write(dir_ / "secret.txt", "not served");
  }
  void TearDown() override { fs::remove_all(dir_); }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

  fs::path dir_;
};

TEST_F(WebAssetsTest, ClientRoutesGetTheIndexWithItsSecurityHeaders) {
  const auto web = WebAssets::load(dir_);
  ASSERT_TRUE(web.built());
  for (std::string_view path : {"/", "/nodes", "/keys/abc", "/signin"}) {
    auto response = web.serve(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result(), http::status::ok);
    EXPECT_EQ(response->body(), "<!doctype html><title>Potluck</title>");
    EXPECT_EQ((*response)[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_NE((*response)["Content-Security-Policy"].find("default-src 'self'"), std::string_view::npos);
    EXPECT_NE((*response)["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string_view::npos);
    EXPECT_EQ((*response)["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ((*response)["Referrer-Policy"], "no-referrer");
  }
}

TEST_F(WebAssetsTest, AssetsByExactNameWithTheirType) {
  const auto web = WebAssets::load(dir_);
  auto script = web.serve("/assets/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->body(), "console.log(1)");
  EXPECT_EQ((*script)[http::field::content_type], "text/javascript; charset=utf-8");
  auto font = web.serve("/assets/fonts/a.woff2");
  ASSERT_TRUE(font);
  EXPECT_EQ((*font)[http::field::content_type], "font/woff2");
}

TEST_F(WebAssetsTest, NothingOutsideTheAssetsIsReachable) {
  const auto web = WebAssets::load(dir_);
  for (std::string_view path : {"/assets/missing.js", "/assets/../secret.txt", "/assets/..%2fsecret.txt",
                                "/assets/../index.html", "/assets/", "/assets//app.js"}) {
    auto response = web.serve(path);
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->result(), http::status::not_found) << path;
  }
  EXPECT_FALSE(web.serve("/secret.txt")) << "a file name outside /assets is no client route";
  EXPECT_FALSE(web.serve("/favicon.ico"));
}

TEST_F(WebAssetsTest, WithoutABuildTheRootIsAPlainNote) {
  const auto web = WebAssets::load(dir_ / "missing");
  EXPECT_FALSE(web.built());
  auto root = web.serve("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->result(), http::status::ok);
  EXPECT_EQ((*root)[http::field::content_type], "text/plain; charset=utf-8");
  EXPECT_NE(root->body().find("dashboard was not built"), std::string::npos);
  EXPECT_FALSE(web.serve("/nodes"));
}

}  // namespace
