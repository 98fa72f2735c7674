// What the server integration tests share: where the default model and rules are, and a
// RunningServer that starts the real spamguard-server binary on a free loopback port with
// stubs for both services.
#ifndef SPAMGUARD_TESTS_SERVER_SERVER_HARNESS_H_
#define SPAMGUARD_TESTS_SERVER_SERVER_HARNESS_H_

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "spamguard/v1/spamguard.grpc.pb.h"
#include "tests/support/test_process.h"

namespace spamguard::testing {

// The model store `make model` builds (SPAMGUARD_TEST_MODEL_STORE overrides it, to run the
// tests against another store), and the shipped rule pack.
inline std::string DefaultModelStoreFor() {
  const char* override_store = std::getenv("SPAMGUARD_TEST_MODEL_STORE");
  return override_store && *override_store ? override_store : SPAMGUARD_SOURCE_DIR "/models";
}
inline const std::string kDefaultModelStore = DefaultModelStoreFor();
inline const std::string kDefaultRules = SPAMGUARD_SOURCE_DIR "/rules/default.yaml";

// The file the default store serves; empty when `make model` has not run.
inline std::string DefaultModelFile() {
  const std::string file = kDefaultModelStore + "/current/model.spgm";
  return std::filesystem::exists(file) ? file : "";
}

#define SPAMGUARD_REQUIRE_DEFAULT_MODEL()                                 \
  ASSERT_FALSE(::spamguard::testing::DefaultModelFile().empty())          \
      << "the default model " << ::spamguard::testing::kDefaultModelStore \
      << "/current/model.spgm is missing: run `make model` (make test does) before ctest"

// A spamguard-server process. Starts in the constructor; check started() (and Log() for why
// not). The data directory belongs to the caller so that a test can restart a server on it.
class RunningServer {
 public:
  RunningServer(const std::string& data_dir, std::vector<std::string> extra_args = {},
                const std::string& model = kDefaultModelStore,
                const std::string& rules = kDefaultRules)
      : address_("127.0.0.1:" + std::to_string(FreeLoopbackPort())) {
    std::vector<std::string> args = {"--listen", address_, "--model",    model,
                                     "--rules",  rules,    "--data-dir", data_dir};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<TestProcess>(SPAMGUARD_SERVER_BIN, args);
    started_ = process_->WaitUntilServing(address_);
    auto channel = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    filter_ = spamguard::v1::CommentFilter::NewStub(channel);
    admin_ = spamguard::v1::Admin::NewStub(channel);
  }

  bool started() const { return started_; }
  const std::string& address() const { return address_; }
  TestProcess& process() { return *process_; }
  spamguard::v1::CommentFilter::Stub& filter() { return *filter_; }
  spamguard::v1::Admin::Stub& admin() { return *admin_; }
  std::string Log() const { return process_->Stderr(); }

 private:
  std::string address_;
  std::unique_ptr<TestProcess> process_;
  bool started_ = false;
  std::unique_ptr<spamguard::v1::CommentFilter::Stub> filter_;
  std::unique_ptr<spamguard::v1::Admin::Stub> admin_;
};

// A stub on a connection of its own: gRPC shares one connection among the channels to an
// address, so a channel made with grpc::CreateChannel rides on RunningServer's. Its calls
// are then not held behind the other channel's in the per-connection stream limit, and it
// connects anew (to a server that may have stopped listening).
inline std::unique_ptr<spamguard::v1::CommentFilter::Stub> SeparateFilterStub(
    const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return spamguard::v1::CommentFilter::NewStub(
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments));
}

// A client context with a generous deadline, so a hung server fails the test instead of
// hanging it.
inline std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return context;
}

inline spamguard::v1::CheckCommentRequest CommentRequest(const std::string& content) {
  spamguard::v1::CheckCommentRequest request;
  request.set_site_id("test-blog");
  request.mutable_comment()->set_content(content);
  request.mutable_comment()->set_type(spamguard::v1::COMMENT_TYPE_COMMENT);
  return request;
}

// The seed comments of ../shared/data/README.md.
inline constexpr char kSeedSpamPhone[] =
    "Qurani Dua For Love back and All life problem Solution \xE2\x80\x94 We will Solve your All "
    "type of problem: Love, Marriage, Family, Relationship, Ex Love back Etc. Call and Whatsapp "
    "Now +91 9829286600";
inline constexpr char kSeedSpamNoPhone[] =
    "Free Islamic Remedies For Love back and Solve All Problems \xE2\x80\x94 Get your love "
    "Problem Solution in just 2 days by Islamic Remedies. contact us on call and Whatsapp";
inline constexpr char kSeedHam[] =
    "I agree. One positive thing that has happened so far is that I'm feeling less stressed. "
    "I can focus on my work this weekend. :) Thanks Manuel.";

}  // namespace spamguard::testing

#endif  // SPAMGUARD_TESTS_SERVER_SERVER_HARNESS_H_
