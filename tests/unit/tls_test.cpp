// TLS building blocks: the loopback rule for plain HTTP, the client's CA and
// fingerprint settings, and the server's certificate files (loading, errors
// that name the file, a bad reload keeping the current certificate). The
// handshakes themselves are proven end to end in tests/integration/tls.test.mjs.
#include "net/loopback.h"
#include "net/tls_client.h"
#include "net/tls_common.h"
#include "net/tls_server.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

namespace net = potluck::net;
namespace fs = std::filesystem;

namespace {

// A self-signed P-256 certificate for `name`, written as PEM to
// <dir>/<stem>.pem and <dir>/<stem>.key.
struct Issued {
  std::string cert_file;
  std::string key_file;
};

Issued self_signed(const fs::path& dir, const std::string& stem, const std::string& name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"),
                                                         EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(name.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  X509_sign(cert.get(), key.get(), EVP_sha256());
  Issued issued{(dir / (stem + ".pem")).string(), (dir / (stem + ".key")).string()};
  FILE* out = std::fopen(issued.cert_file.c_str(), "w");
  PEM_write_X509(out, cert.get());
  std::fclose(out);
  out = std::fopen(issued.key_file.c_str(), "w");
  PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  return issued;
}

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("potluck-tls-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST(Loopback, OnlyThisMachine) {
  EXPECT_TRUE(net::is_loopback_host("localhost"));
  EXPECT_TRUE(net::is_loopback_host("LOCALHOST"));
  EXPECT_TRUE(net::is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(net::is_loopback_host("127.10.0.7"));
  EXPECT_TRUE(net::is_loopback_host("::1"));
  EXPECT_FALSE(net::is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(net::is_loopback_host("::"));
  EXPECT_FALSE(net::is_loopback_host("192.168.1.2"));
  EXPECT_FALSE(net::is_loopback_host("128.0.0.1"));
  EXPECT_FALSE(net::is_loopback_host("localhost.example.org"));
  EXPECT_FALSE(net::is_loopback_host(""));
}

TEST(ClientTls, FingerprintMustBeSha256OfThirtyTwoBytes) {
  const std::string hex(64, 'a');
  EXPECT_TRUE(net::ClientTls::make({.fingerprint = "sha256:" + hex}));
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("AB");
  EXPECT_TRUE(net::ClientTls::make({.fingerprint = "sha256:" + colons}));
  EXPECT_FALSE(net::ClientTls::make({.fingerprint = hex}));                       // no algorithm
  EXPECT_FALSE(net::ClientTls::make({.fingerprint = "sha1:" + hex}));             // not SHA-256
  EXPECT_FALSE(net::ClientTls::make({.fingerprint = "sha256:" + hex.substr(2)})); // short
  EXPECT_FALSE(net::ClientTls::make({.fingerprint = "sha256:" + std::string(64, 'g')}));
}

TEST_F(TlsFilesTest, ClientCaFileErrorsNameTheFile) {
  const auto missing = (dir_ / "missing.pem").string();
  auto made = net::ClientTls::make({.ca_file = missing});
  ASSERT_FALSE(made);
  EXPECT_NE(made.error().find(missing), std::string::npos) << made.error();
  const auto ca = self_signed(dir_, "ca", "Test CA");
  EXPECT_TRUE(net::ClientTls::make({.ca_file = ca.cert_file}));
}

TEST_F(TlsFilesTest, ServerErrorsNameTheFile) {
  const auto good = self_signed(dir_, "good", "localhost");
  const auto other = self_signed(dir_, "other", "localhost");
  ASSERT_TRUE(net::ServerTls::load({good.cert_file, good.key_file}));

  const auto missing = (dir_ / "nope.pem").string();
  auto no_cert = net::ServerTls::load({missing, good.key_file});
  ASSERT_FALSE(no_cert);
  EXPECT_NE(no_cert.error().find(missing), std::string::npos) << no_cert.error();

  const auto garbage = (dir_ / "garbage.key").string();
  write_file(garbage, "not a key\n");
  auto bad_key = net::ServerTls::load({good.cert_file, garbage});
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().find(garbage), std::string::npos) << bad_key.error();

  auto mismatched = net::ServerTls::load({good.cert_file, other.key_file});
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().find(other.key_file), std::string::npos) << mismatched.error();
  EXPECT_NE(mismatched.error().find("mismatch"), std::string::npos) << mismatched.error();
}

TEST_F(TlsFilesTest, ReloadSwapsTheCertificateOrKeepsTheCurrentOne) {
  const auto first = self_signed(dir_, "first", "localhost");
  const auto second = self_signed(dir_, "second", "localhost");
  const net::TlsFiles live{(dir_ / "live.pem").string(), (dir_ / "live.key").string()};
  fs::copy_file(first.cert_file, live.cert_file);
  fs::copy_file(first.key_file, live.key_file);
  auto loaded = net::ServerTls::load(live);
  ASSERT_TRUE(loaded) << loaded.error();
  auto& tls = **loaded;
  EXPECT_FALSE(tls.changed_on_disk());
  const auto original = tls.context();

  // A bad certificate: the current context stays, the error names the file,
  // and the same bad file is not reported again at the next check.
  write_file(live.cert_file, "-----BEGIN CERTIFICATE-----\nbroken\n");
  fs::last_write_time(live.cert_file, fs::last_write_time(live.cert_file) + std::chrono::seconds(5));
  EXPECT_TRUE(tls.changed_on_disk());
  auto failed = tls.reload();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().find(live.cert_file), std::string::npos) << failed.error();
  EXPECT_EQ(tls.context(), original);
  EXPECT_FALSE(tls.changed_on_disk());

  // A good pair: new connections get a new context; the old one lives on in
  // whoever holds it.
  write_file(live.cert_file, read_file(second.cert_file));
  write_file(live.key_file, read_file(second.key_file));
  fs::last_write_time(live.cert_file, fs::last_write_time(live.cert_file) + std::chrono::seconds(10));
  ASSERT_TRUE(tls.changed_on_disk());
  ASSERT_TRUE(tls.reload());
  EXPECT_NE(tls.context(), original);
  X509* now = SSL_CTX_get0_certificate(tls.context()->native_handle());
  X509* before = SSL_CTX_get0_certificate(original->native_handle());
  EXPECT_NE(net::spki_fingerprint(now), net::spki_fingerprint(before));
}

TEST_F(TlsFilesTest, SpkiFingerprintIsStableForAKey) {
  const auto cert = self_signed(dir_, "pin", "localhost");
  FILE* in = std::fopen(cert.cert_file.c_str(), "r");
  X509* parsed = PEM_read_X509(in, nullptr, nullptr, nullptr);
  std::fclose(in);
  const auto fingerprint = net::spki_fingerprint(parsed);
  EXPECT_EQ(fingerprint.size(), std::string("sha256:").size() + 64);
  EXPECT_EQ(fingerprint, net::spki_fingerprint(parsed));
  EXPECT_TRUE(net::ClientTls::make({.fingerprint = fingerprint}));
  X509_free(parsed);
}
