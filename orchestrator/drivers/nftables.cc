#include "drivers/nftables.h"

#include <nftables/libnftables.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "drivers/netns.h"

namespace netrig {
namespace {

struct CtxDeleter {
  void operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }
};

// Runs one nft command buffer; the caller has already entered the node's namespace.
std::string run(const std::string& netns, const std::string& commands) {
  std::unique_ptr<nft_ctx, CtxDeleter> ctx(nft_ctx_new(NFT_CTX_DEFAULT));
  if (!ctx) throw std::runtime_error("nft: cannot create a context in " + netns);
  nft_ctx_buffer_output(ctx.get());
  nft_ctx_buffer_error(ctx.get());
  int rc = nft_run_cmd_from_buffer(ctx.get(), commands.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx.get());
  if (rc != 0) {
    std::string err = nft_ctx_get_error_buffer(ctx.get());
    while (!err.empty() && err.back() == '\n') err.pop_back();
    throw std::runtime_error("nft in " + netns + " failed: " + (err.empty() ? "(no message)" : err));
  }
  return out;
}

}  // namespace

void nft_apply(const std::string& netns, const std::string& ruleset) {
  if (netns.empty()) throw std::logic_error("nft_apply: refusing to change the host's own ruleset");
  NetnsGuard inside(netns);
  run(netns, ruleset);
}

std::string nft_list_ruleset(const std::string& netns) {
  if (netns.empty()) throw std::logic_error("nft_list_ruleset: the host's ruleset is not netrig's");
  NetnsGuard inside(netns);
  return run(netns, "list ruleset");
}

}  // namespace netrig
