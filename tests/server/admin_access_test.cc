// Who may call spamguard.v1.Admin: the loopback test on gRPC peer strings, and the config
// switch that lets remote clients in. (Calls over a real loopback transport are exercised by
// tests/cli/ops_cli_test.cc, whose `status` and `reload` must keep working.)
#include <gtest/gtest.h>

#include <fstream>

#include "server/admin_service.h"
#include "server/server_config.h"
#include "tests/support/test_process.h"

namespace spamguard::server {
namespace {

TEST(IsLoopbackPeerTest, AcceptsThisMachineInEveryFormGrpcWritesIt) {
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.0.0.1:50321"));
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.3.2.1:1"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:[::1]:50321"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:%5B::1%5D:50321"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:[::ffff:127.0.0.1]:50321"));
  EXPECT_TRUE(IsLoopbackPeer("unix:/run/spamguard.sock"));
  EXPECT_TRUE(IsLoopbackPeer(""));  // in-process call, no transport
}

TEST(IsLoopbackPeerTest, RefusesEveryOtherAddress) {
  EXPECT_FALSE(IsLoopbackPeer("ipv4:10.0.0.7:50321"));
  EXPECT_FALSE(IsLoopbackPeer("ipv4:192.168.1.1:127"));
  EXPECT_FALSE(IsLoopbackPeer("ipv4:1.127.0.0:5"));
  EXPECT_FALSE(IsLoopbackPeer("ipv6:[2001:db8::1]:50321"));
  EXPECT_FALSE(IsLoopbackPeer("ipv6:[::ffff:10.0.0.1]:50321"));
  EXPECT_FALSE(IsLoopbackPeer("ipv6:[::10]:50321"));
}

TEST(AdminConfigTest, RemoteAdminIsOffByDefaultAndTurnedOnByTheConfigFile) {
  EXPECT_FALSE(ServerConfig{}.admin_allow_remote);
  testing::TempDir dir;
  const std::string path = dir.File("server.yaml");
  std::ofstream(path) << "admin:\n  allow_remote: true\n";
  ServerConfig config;
  ASSERT_TRUE(LoadServerConfigFile(path, &config).ok());
  EXPECT_TRUE(config.admin_allow_remote);

  std::ofstream(path) << "admin:\n  allow_remote: maybe\n";
  const Status bad = LoadServerConfigFile(path, &config);
  EXPECT_EQ(bad.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.message().find("admin.allow_remote"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace spamguard::server
