// The nftables driver: refuses the host's namespace; inside a scratch namespace it loads a ruleset,
// lists it back, and reports nft's own error message for a bad one. The table goes with the namespace.
#include "drivers/nftables.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>

#include "drivers/netns.h"

namespace netrig {
namespace {

// A namespace of this test's own, removed whatever happens.
struct ScratchNetns {
  std::string name = "netrig-nfttest-" + std::to_string(getpid());
  ScratchNetns() { create_netns(name); }
  ~ScratchNetns() { delete_netns(name); }
};

TEST(Nftables, RefusesTheHostsNamespace) {
  EXPECT_THROW(nft_apply("", "table ip netrig {}"), std::logic_error);
  EXPECT_THROW(nft_list_ruleset(""), std::logic_error);
}

TEST(Nftables, AppliesInsideTheNamespaceAndReportsNftErrors) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: creates a network namespace";
  ScratchNetns ns;
  nft_apply(ns.name,
            "table ip netrig {\n\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
            "\t\tip saddr 10.0.0.0/24 masquerade\n\t}\n}\n");
  auto listed = nft_list_ruleset(ns.name);
  EXPECT_NE(listed.find("table ip netrig"), std::string::npos) << listed;
  EXPECT_NE(listed.find("ip saddr 10.0.0.0/24 masquerade"), std::string::npos) << listed;
  try {
    nft_apply(ns.name, "table ip netrig { chain c { ip saddr 10.0.0.0/24 frobnicate } }\n");
    ADD_FAILURE() << "a bad ruleset was accepted";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("nft in " + ns.name + " failed: "), std::string::npos) << what;
    EXPECT_NE(what.find("frobnicate"), std::string::npos) << "nft's message is missing: " << what;
  }
}

}  // namespace
}  // namespace netrig
