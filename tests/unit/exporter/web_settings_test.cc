// Web settings from the web config file, and what a reload may change.
#include "web_settings.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace exdm::exporter {
namespace {

const char kHash[] = "$2y$04$kPWY3hVSeeuJdK0C7I58Uu5iLtTLpzcuQtF8oX5UTVpHoNxB21hMK";

TEST(WebSettingsTest, LoadsAuthAndHeadersAndDescribesThem) {
  testing::TempDir dir("exdm-web-settings");
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash +
                           "\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n");
  Result<WebSettings> settings = LoadWebSettings(dir.File("web.yml"), "/metrics");
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  EXPECT_TRUE(settings->auth_enabled());
  EXPECT_FALSE(settings->tls);
  EXPECT_EQ(settings->headers.size(), 1u);
  EXPECT_EQ(settings->Describe(), "TLS off, basic auth on (1 user)");
  Result<WebSettings> none = LoadWebSettings("", "/metrics");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->auth_enabled());
  EXPECT_EQ(none->Describe(), "TLS off, basic auth off");
  EXPECT_FALSE(LoadWebSettings(dir.File("missing.yml"), "/metrics").ok());
}

TEST(WebSettingsTest, AReloadMayNotTurnAuthOffWhileAWebConfigIsGiven) {
  testing::TempDir dir("exdm-web-settings");
  dir.Write("web.yml", std::string("basic_auth_users:\n  prometheus: ") + kHash + "\n");
  Result<WebSettings> running = LoadWebSettings(dir.File("web.yml"), "/metrics");
  ASSERT_TRUE(running.ok());
  for (const char* open : {"", "basic_auth_users: {}\n", "# nothing\n"}) {
    dir.Write("web.yml", open);
    Result<WebSettings> next = LoadWebSettings(dir.File("web.yml"), "/metrics");
    ASSERT_TRUE(next.ok()) << open;
    const Status refused = CheckReload(*running, *next);
    ASSERT_FALSE(refused.ok()) << open;
    EXPECT_NE(refused.message().find("would turn basic auth off"), std::string::npos);
    EXPECT_NE(refused.message().find("remove --web.config.file"), std::string::npos);
  }
  // Other users are fine; no web config at all is a decision, not an accident.
  dir.Write("web.yml", std::string("basic_auth_users:\n  grafana: ") + kHash + "\n");
  EXPECT_TRUE(CheckReload(*running, *LoadWebSettings(dir.File("web.yml"), "/metrics")).ok());
  EXPECT_TRUE(CheckReload(*running, *LoadWebSettings("", "/metrics")).ok());
  // Nothing to lose, nothing to refuse.
  Result<WebSettings> open = LoadWebSettings("", "/metrics");
  dir.Write("web.yml", "");
  EXPECT_TRUE(CheckReload(*open, *LoadWebSettings(dir.File("web.yml"), "/metrics")).ok());
}

}  // namespace
}  // namespace exdm::exporter
