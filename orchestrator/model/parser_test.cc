// The topology parser: every file in tests/invalid/ gives exactly its .expected headline; the real
// binary exits 2 on them and changes nothing; valid files resolve into the expected model.
#include "model/parser.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/names.h"

namespace netrig {
namespace {

namespace fs = std::filesystem;

const fs::path kRoot = NETRIG_SOURCE_DIR;

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// The invalid files as paths relative to the repository root, e.g. "tests/invalid/03-x.yaml": the
// path is part of the headline, so the expected text does not depend on where the checkout is.
std::vector<std::string> invalid_files() {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(kRoot / "tests/invalid"))
    if (e.path().extension() == ".yaml") files.push_back("tests/invalid/" + e.path().filename().string());
  std::sort(files.begin(), files.end());
  return files;
}

std::string expected_for(const std::string& yaml) {
  return first_line(read_file(kRoot / (yaml.substr(0, yaml.size() - 5) + ".expected")));
}

// The diagnostics parse_topology throws for `text` (fails the test when it parses).
std::vector<Diagnostic> errors_of(const std::string& text, const std::string& file = "t.yaml") {
  try {
    parse_topology(text, file);
  } catch (const TopologyError& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "parsed without errors:\n" << text;
  return {};
}

// ---------------------------------------------------------------------------------------------
// (a) tests/invalid/*.yaml: the first error is exactly the .expected line, and it is the only one.

class InvalidTopology : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidTopology, FirstErrorIsTheExpectedHeadline) {
  const auto file = GetParam();
  const auto text = read_file(kRoot / file);
  try {
    parse_topology(text, file);
    FAIL() << file << " parsed without errors";
  } catch (const TopologyError& e) {
    ASSERT_FALSE(e.diagnostics().empty());
    const auto& first = e.diagnostics().front();
    EXPECT_EQ(first.headline(), expected_for(file));
    EXPECT_EQ(std::string(e.what()), first.headline());
    // Each file has one mistake, so one message: no cascade of follow-up errors.
    EXPECT_EQ(e.diagnostics().size(), 1u) << e.render();
    // The position is on a real line and column of the file, and the rendering shows it with a caret.
    ASSERT_GT(first.pos.line, 0) << "no position";
    std::istringstream lines(text);
    std::string line;
    for (int i = 0; i < first.pos.line; ++i) ASSERT_TRUE(std::getline(lines, line)) << "line past the end";
    EXPECT_LE(first.pos.col, static_cast<int>(line.size()) + 1);
    EXPECT_NE(first.render(text).find("\n  " + line + "\n"), std::string::npos);
    EXPECT_NE(first.render(text).find(std::string(first.pos.col - 1, ' ') + "^"), std::string::npos);
  }
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  auto name = fs::path(info.param).stem().string();
  std::replace_if(
      name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidTopology, ::testing::ValuesIn(invalid_files()), test_name);

TEST(InvalidFiles, AtLeastThirtyEachWithItsExpectedLine) {
  const auto files = invalid_files();
  EXPECT_GE(files.size(), 30u);
  std::set<std::string> messages;
  for (const auto& f : files) {
    auto expected = expected_for(f);
    EXPECT_EQ(expected.rfind(f + ":", 0), 0u) << f << ": the .expected line must start with the file's path";
    EXPECT_NE(expected.find(": error: "), std::string::npos) << f;
    messages.insert(expected.substr(expected.find(": error: ")));
  }
  for (const auto& e : fs::directory_iterator(kRoot / "tests/invalid"))
    if (e.path().extension() == ".expected") {
      auto yaml = e.path();
      EXPECT_TRUE(fs::exists(yaml.replace_extension(".yaml"))) << e.path() << " has no .yaml";
    }
  EXPECT_EQ(messages.size(), files.size()) << "two files test the same message";
}

// Issue 14: a hint never suggests changing a node's kind. Over every invalid file: a hint names
// 'kind' only where the message is about the kind itself (an unknown or misspelt kind).
TEST(InvalidFiles, NoHintSuggestsAnotherKind) {
  for (const auto& f : invalid_files()) {
    std::vector<Diagnostic> diags;
    try {
      parse_topology(read_file(kRoot / f), f);
    } catch (const TopologyError& e) {
      diags = e.diagnostics();
    }
    for (const auto& d : diags) {
      if (d.message.find("kind") != std::string::npos) continue;
      EXPECT_EQ(d.hint.find("kind:"), std::string::npos) << f << ": " << d.hint;
      EXPECT_EQ(d.hint.find("'kind"), std::string::npos) << f << ": " << d.hint;
    }
  }
}

// The hints of the files made for that rule, word for word.
TEST(InvalidFiles, OutOfPlaceKeysSayRemoveNotChangeKind) {
  auto hint_of = [](const std::string& f) {
    try {
      parse_topology(read_file(kRoot / f), f);
    } catch (const TopologyError& e) {
      return e.diagnostics().front().hint;
    }
    return std::string("(parsed)");
  };
  EXPECT_EQ(hint_of("tests/invalid/193-memory-on-netns-node.yaml"),
            "remove it: a netns node has no memory or CPU limit of its own");
  EXPECT_EQ(hint_of("tests/invalid/266-image-on-netns-node.yaml"), "remove it: a netns node runs no image of its own");
  EXPECT_EQ(hint_of("tests/invalid/267-binds-on-bridge.yaml"), "remove it: a bridge node runs no image of its own");
  EXPECT_EQ(hint_of("tests/invalid/268-cmd-on-vm-node.yaml"),
            "remove it: a vm boots its image whole; run commands in the guest with 'exec:'");
  EXPECT_EQ(hint_of("tests/invalid/269-image-on-ovs-switch.yaml"), "remove it: an ovs switch runs no image of its own");
  EXPECT_EQ(hint_of("tests/invalid/270-bind-misspelt-near-kind.yaml"), "did you mean 'binds'?");
  EXPECT_EQ(hint_of("tests/invalid/271-clab-bind-misspelt.clab.yaml"), "did you mean 'binds'?");
}

// ---------------------------------------------------------------------------------------------
// (b) the real binary: `netrig validate` (and `deploy`) exit 2, print the headline first on stderr,
// and leave /run/netns, /run/netrig and the host's links as they were.

struct Run {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command from the repository root, capturing the given stream.
Run run(const std::string& command) {
  Run r;
  FILE* p = popen(("cd '" + kRoot.string() + "' && " + command).c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string host_snapshot() {
  std::string s;
  for (const char* dir : {"/run/netns", "/run/netrig"}) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) s += std::string(dir) + "/" + n + "\n";
  }
  // "index: name" of every link: a device created (or deleted and re-created) shows.
  auto links = run("ip -o link show | cut -d' ' -f1-2").out;
  return s + links;
}

TEST(InvalidInputCli, ValidateAndDeployExitTwoPrintTheHeadlineAndChangeNothing) {
  const std::vector<std::string> files = {
      "tests/invalid/01-yaml-syntax-error.yaml", "tests/invalid/16-endpoint-unknown-node.yaml",
      "tests/invalid/26-duplicate-address.yaml", "tests/invalid/42-non-net-sysctl.yaml",
      "tests/invalid/49-udp-open-without-listen.yaml"};
  const std::string bin = "'" + std::string(NETRIG_BINARY) + "'";
  // Other tests may create labs on this host meanwhile: a clean attempt proves the point, a change
  // that netrig made would show in every attempt.
  std::string before, after;
  for (int attempt = 0; attempt < 3; ++attempt) {
    before = host_snapshot();
    for (const auto& f : files) {
      auto r = run(bin + " validate " + f + " 2>&1 >/dev/null");
      EXPECT_EQ(r.exit_code, 2) << f << "\n" << r.out;
      EXPECT_EQ(first_line(r.out), expected_for(f));
      EXPECT_NE(r.out.find("nothing was changed on this host"), std::string::npos) << r.out;
    }
    auto r = run(bin + " deploy " + files[2] + " 2>&1 >/dev/null");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_EQ(first_line(r.out), expected_for(files[2]));
    if (r.exit_code == 0) run(bin + " destroy bad >/dev/null 2>&1");  // must not happen; clean up if it did
    after = host_snapshot();
    if (before == after) break;
  }
  EXPECT_EQ(before, after);
  EXPECT_FALSE(fs::exists("/run/netrig/bad"));
  EXPECT_FALSE(fs::exists("/run/netns/bad-h1"));
}

TEST(InvalidInputCli, ValidateAcceptsEveryShippedTopology) {
  for (const auto& e : fs::directory_iterator(kRoot / "topologies")) {
    if (e.path().extension() != ".yaml") continue;
    auto r = run("'" + std::string(NETRIG_BINARY) + "' validate topologies/" + e.path().filename().string() + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << e.path() << "\n" << r.out;
  }
}

TEST(InvalidInputCli, ValidateCountsTheActionsToo) {
  auto r = run("'" + std::string(NETRIG_BINARY) + "' validate tests/labs/link-down.yaml 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("is valid: 4 nodes, 3 links, 7 tests, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" actions\n"), std::string::npos) << r.out;
}

// ---------------------------------------------------------------------------------------------
// (c) valid files resolve into the expected model.

const char* const kDefaultStyle = R"(name: demo
topology:
  nodes:
    lan: {kind: bridge}
    wan:
      kind: bridge
      mtu: 9000
    h1:
      interfaces:
        eth0: {ipv4: 10.10.1.11/24, ipv6: "fd00:10:1::11/64"}
      routes:
        - {dst: default, via: 10.10.1.1}
    r1:
      interfaces:
        eth0: {ipv4: 10.10.1.1/24, mac: "02:00:00:00:00:01"}
        eth1: {ipv4: [10.10.2.1/24, 10.10.3.1/24], mtu: 1400}
      sysctls:
        net.ipv4.ip_forward: 1
        net.ipv6.conf.all.forwarding: true
    h3:
      interfaces:
        eth0: 10.10.2.13/24
      routes:
        - {dst: default, via: 10.10.2.1, metric: 10}
        - {dst: 10.20.0.0/16, dev: eth0}
      exec: ["echo one", "echo two"]
  links:
    - endpoints: ["h1:eth0", "lan"]
    - endpoints: ["r1:eth0", "lan"]
    - endpoints: ["r1:eth1", "wan"]
      mtu: 1400
    - endpoints: ["h3:eth0", "wan"]
tests:
  - name: h1 reaches h3
    ping: {from: h1, to: h3}
  - ping: {from: h1, to: "h1:eth0", family: 6, count: 5, max_loss: 20, max_rtt: 50, expect: reach}
  - connect: {from: h3, to: h1, port: 8080, listen: yes}
  - connect: {from: h1, to: 10.10.2.13, port: 9, protocol: udp, expect: closed}
    timeout: 2.5
  - exec: {node: h1, cmd: "ip route show default", output: "via 10\\.10\\.1\\.1"}
  - exec: {node: h3, cmd: "false", exit: 1}
  - exec: {node: h3, cmd: "true"}
  - pingall: {nodes: all}
  - pingall: {nodes: [h1, h3], family: 4}
)";

TEST(Parser, DefaultStyleTopologyResolvesIntoTheModel) {
  auto t = parse_topology(kDefaultStyle, "demo.yaml");
  EXPECT_EQ(t.name, "demo");
  EXPECT_EQ(t.file, "demo.yaml");
  ASSERT_EQ(t.nodes.size(), 5u);
  std::vector<std::string> names;
  for (const auto& n : t.nodes) names.push_back(n.name + "/" + to_string(n.kind));
  EXPECT_EQ(names, (std::vector<std::string>{"lan/bridge", "wan/bridge", "h1/netns", "r1/netns", "h3/netns"}));
  EXPECT_EQ(t.nodes[1].mtu, 9000);
  EXPECT_EQ(t.nodes[0].pos.line, 4);
  EXPECT_EQ(t.nodes[0].pos.col, 5);

  const auto& h1 = *t.find_node("h1");
  ASSERT_EQ(h1.interfaces.size(), 1u);
  EXPECT_EQ(h1.interfaces[0].kernel_name, "eth0");
  ASSERT_EQ(h1.interfaces[0].addresses.size(), 2u);
  EXPECT_EQ(h1.interfaces[0].addresses[0].str(), "10.10.1.11/24");
  EXPECT_EQ(h1.interfaces[0].addresses[1].str(), "fd00:10:1::11/64");
  EXPECT_EQ(h1.interfaces[0].address_pos[0].line, 10);
  ASSERT_EQ(h1.routes.size(), 1u);
  EXPECT_EQ(h1.routes[0].dst.str(), "0.0.0.0/0");
  EXPECT_EQ(h1.routes[0].via->str(), "10.10.1.1");
  EXPECT_FALSE(h1.routes[0].metric);

  const auto& r1 = *t.find_node("r1");
  EXPECT_EQ(r1.interfaces[0].mac, "02:00:00:00:00:01");
  EXPECT_EQ(r1.interfaces[1].addresses.size(), 2u);
  EXPECT_EQ(r1.interfaces[1].mtu, 1400);
  ASSERT_EQ(r1.sysctls.size(), 2u);
  EXPECT_EQ(r1.sysctls[0].key, "net.ipv4.ip_forward");
  EXPECT_EQ(r1.sysctls[0].value, "1");
  EXPECT_EQ(r1.sysctls[1].value, "1") << "YAML true is written as the kernel spells it";

  const auto& h3 = *t.find_node("h3");
  EXPECT_EQ(h3.interfaces[0].addresses[0].str(), "10.10.2.13/24") << "shorthand eth0: <address>";
  ASSERT_EQ(h3.routes.size(), 2u);
  EXPECT_EQ(h3.routes[0].metric, 10);
  EXPECT_EQ(h3.routes[1].dev, "eth0");
  EXPECT_FALSE(h3.routes[1].via);
  EXPECT_EQ(h3.exec, (std::vector<std::string>{"echo one", "echo two"}));

  ASSERT_EQ(t.links.size(), 4u);
  EXPECT_EQ(t.links[0].a.node, "h1");
  EXPECT_EQ(t.links[0].a.iface, "eth0");
  EXPECT_EQ(t.links[0].b.node, "lan");
  EXPECT_EQ(t.links[0].b.iface, "");
  EXPECT_EQ(t.links[2].mtu, 1400);
  EXPECT_FALSE(t.links[0].mtu);
}

TEST(Parser, ChecksGetTheirOptionsAndDefaults) {
  auto t = parse_topology(kDefaultStyle, "demo.yaml");
  ASSERT_EQ(t.checks.size(), 9u);
  const auto& ping = t.checks[0];
  EXPECT_EQ(ping.name, "h1 reaches h3");
  EXPECT_EQ(ping.type, CheckType::Ping);
  EXPECT_EQ(ping.node, "h1");
  EXPECT_EQ(ping.target, "h3");
  EXPECT_EQ(ping.count, 3);
  EXPECT_EQ(ping.timeout_s, 10);
  EXPECT_EQ(ping.max_loss_pct, 0);
  EXPECT_FALSE(ping.max_rtt_ms);
  EXPECT_EQ(ping.family, 0);
  EXPECT_EQ(ping.expect, Expect::Success);

  const auto& ping6 = t.checks[1];
  EXPECT_EQ(ping6.name, "ping h1 -> h1:eth0") << "unnamed tests get a name from what they check";
  EXPECT_EQ(ping6.family, 6);
  EXPECT_EQ(ping6.count, 5);
  EXPECT_EQ(ping6.max_loss_pct, 20);
  EXPECT_EQ(ping6.max_rtt_ms, 50);

  const auto& tcp = t.checks[2];
  EXPECT_EQ(tcp.type, CheckType::Connect);
  EXPECT_EQ(tcp.protocol, "tcp");
  EXPECT_EQ(tcp.port, 8080);
  EXPECT_TRUE(tcp.listen);
  EXPECT_EQ(tcp.name, "tcp h3 -> h1:8080 open");

  const auto& udp = t.checks[3];
  EXPECT_EQ(udp.protocol, "udp");
  EXPECT_EQ(udp.expect, Expect::Failure);
  EXPECT_FALSE(udp.listen);
  EXPECT_EQ(udp.timeout_s, 2.5);
  EXPECT_EQ(udp.name, "udp h1 -> 10.10.2.13:9 closed");

  EXPECT_EQ(t.checks[4].type, CheckType::Exec);
  EXPECT_EQ(t.checks[4].output_regex, "via 10\\.10\\.1\\.1");
  EXPECT_FALSE(t.checks[4].exit_code) << "with 'output' only, the exit code is not checked";
  EXPECT_EQ(t.checks[5].exit_code, 1);
  EXPECT_EQ(t.checks[6].exit_code, 0) << "with neither, exit 0 is expected";
  EXPECT_EQ(t.checks[6].name, "exec h3: true");

  EXPECT_EQ(t.checks[7].type, CheckType::PingAll);
  EXPECT_TRUE(t.checks[7].nodes.empty()) << "'all' is the empty list";
  EXPECT_EQ(t.checks[8].nodes, (std::vector<std::string>{"h1", "h3"}));
  EXPECT_EQ(t.checks[8].family, 4);
}

TEST(Parser, EveryShippedTopologyAndValidExampleParses) {
  int count = 0;
  for (const char* dir : {"topologies", "tests/valid"}) {
    for (const auto& e : fs::directory_iterator(kRoot / dir)) {
      if (e.path().extension() != ".yaml") continue;
      ++count;
      try {
        auto t = load_topology(e.path().string());
        EXPECT_FALSE(t.nodes.empty()) << e.path();
      } catch (const TopologyError& err) {
        ADD_FAILURE() << err.render();
      }
    }
  }
  EXPECT_GE(count, 2);
}

TEST(Parser, DefaultsAndKindsAreInheritedAndTheNodesOwnValueWins) {
  auto t = parse_topology(R"(name: inherit
topology:
  defaults:
    sysctls: {net.ipv4.ip_forward: 0}
    routes: [{dst: default, via: 10.0.0.254}]
    exec: "echo from-defaults"
  kinds:
    netns:
      sysctls: {net.ipv4.conf.all.rp_filter: 2}
  nodes:
    sw: {kind: bridge}
    a:
      interfaces: {eth0: 10.0.0.1/24}
    b:
      interfaces: {eth0: 10.0.0.2/24}
      routes: []
      exec: ["echo own"]
  links:
    - endpoints: ["a:eth0", "sw"]
    - endpoints: ["b:eth0", "sw"]
)",
                          "inherit.yaml");
  const auto& a = *t.find_node("a");
  const auto& b = *t.find_node("b");
  ASSERT_EQ(a.routes.size(), 1u) << "routes come from defaults";
  EXPECT_EQ(a.routes[0].via->str(), "10.0.0.254");
  EXPECT_EQ(a.routes[0].pos.line, 5) << "an inherited value keeps its own position";
  ASSERT_EQ(a.sysctls.size(), 1u) << "kinds.netns replaces defaults' sysctls as a whole";
  EXPECT_EQ(a.sysctls[0].key, "net.ipv4.conf.all.rp_filter");
  EXPECT_EQ(a.exec, std::vector<std::string>{"echo from-defaults"});
  EXPECT_TRUE(b.routes.empty()) << "the node's own (empty) list wins";
  EXPECT_EQ(b.exec, std::vector<std::string>{"echo own"});
  EXPECT_EQ(t.find_node("sw")->kind, NodeKind::Bridge);
  EXPECT_TRUE(t.find_node("sw")->routes.empty()) << "bridges inherit nothing";
}

TEST(Parser, DefaultsCanSetTheKindAndInheritedMistakesAreReportedOnce) {
  auto t = parse_topology(R"(name: k
topology:
  defaults: {kind: bridge}
  nodes:
    s1: {}
    s2: {}
  links:
    - endpoints: [s1, s2]
)",
                          "k.yaml");
  EXPECT_EQ(t.find_node("s1")->kind, NodeKind::Bridge);

  auto errors = errors_of(R"(name: k
topology:
  defaults:
    routes: [{dst: default, via: 192.0.2.1}]
  nodes:
    a: {interfaces: {eth0: 10.0.0.1/24}}
    b: {interfaces: {eth0: 10.0.0.2/24}}
  links:
    - endpoints: ["a:eth0", "b:eth0"]
)");
  ASSERT_EQ(errors.size(), 2u) << "once per node that inherits it";
  EXPECT_EQ(errors[0].headline(), "t.yaml:4:34: error: gateway 192.0.2.1 is not in any subnet of node 'a'");
  EXPECT_EQ(errors[1].headline(), "t.yaml:4:34: error: gateway 192.0.2.1 is not in any subnet of node 'b'");
}

TEST(Parser, LongInterfaceNamesGetAStableHashedKernelName) {
  auto t = parse_topology(R"(name: long
topology:
  nodes:
    h1:
      interfaces:
        uplink-to-core-router-a: {ipv4: 10.0.0.1/30}
        exactly15chars_: {ipv4: 10.0.0.5/30}
    h2:
      interfaces:
        eth0: {ipv4: 10.0.0.2/30}
        eth1: {ipv4: 10.0.0.6/30}
  links:
    - endpoints: ["h1:uplink-to-core-router-a", "h2:eth0"]
    - endpoints: ["h1:exactly15chars_", "h2:eth1"]
)",
                          "long.yaml");
  const auto& h1 = *t.find_node("h1");
  EXPECT_EQ(h1.interfaces[0].name, "uplink-to-core-router-a");
  // Pinned: the same file must give the same device names in every netrig version.
  EXPECT_EQ(h1.interfaces[0].kernel_name, "uplink-bdba7cc2");
  EXPECT_EQ(h1.interfaces[0].kernel_name, short_kernel_name("uplink-to-core-router-a"));
  EXPECT_EQ(h1.interfaces[1].kernel_name, "exactly15chars_") << "15 characters fit";
  EXPECT_EQ(t.links[0].a.iface, "uplink-to-core-router-a") << "links keep the user's name";
}

TEST(Parser, TwoLongNamesWithTheSameKernelNameAreReported) {
  // These two share their first 6 characters and their 32-bit FNV-1a hash.
  ASSERT_EQ(short_kernel_name("uplink-to-core-422789"), short_kernel_name("uplink-to-core-639192"));
  auto errors = errors_of(R"(name: clash
topology:
  nodes:
    h1:
      interfaces:
        uplink-to-core-422789: {ipv4: 10.0.0.1/30}
        uplink-to-core-639192: {ipv4: 10.0.0.5/30}
    h2: {interfaces: {eth0: 10.0.0.2/30, eth1: 10.0.0.6/30}}
  links:
    - endpoints: ["h1:uplink-to-core-422789", "h2:eth0"]
    - endpoints: ["h1:uplink-to-core-639192", "h2:eth1"]
)");
  ASSERT_EQ(errors.size(), 1u) << "links naming the refused interface stay quiet";
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].headline(),
            "t.yaml:7:9: error: interface 'uplink-to-core-639192' on node 'h1' would get the kernel name "
            "'uplink-c753ae8b', which interface 'uplink-to-core-422789' already has");
  EXPECT_NE(errors[0].hint.find("rename one of them"), std::string::npos);

  // A short name may also equal another's hashed form.
  errors = errors_of(R"(name: clash
topology:
  nodes:
    h1:
      interfaces:
        uplink-bdba7cc2: {ipv4: 10.0.0.1/30}
        uplink-to-core-router-a: {ipv4: 10.0.0.5/30}
    h2: {interfaces: {eth0: 10.0.0.2/30, eth1: 10.0.0.6/30}}
  links:
    - endpoints: ["h1:uplink-bdba7cc2", "h2:eth0"]
    - endpoints: ["h1:uplink-to-core-router-a", "h2:eth1"]
)");
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].message.find("would get the kernel name 'uplink-bdba7cc2'"), std::string::npos);
}

TEST(Parser, EveryErrorIsListedInFileOrderWithCaretAndHint) {
  const std::string text = R"(name: multi
topology:
  nodes:
    h1:
      interfaces:
        eth0: {ipv4: 10.0.0.1/24, mtu: "1500"}
    h2:
      kind: netsn
  links:
    - endpoints: ["h1:eth0", "h9:eth0"]
)";
  try {
    parse_topology(text, "multi.yaml");
    FAIL();
  } catch (const TopologyError& e) {
    ASSERT_EQ(e.diagnostics().size(), 3u) << e.render();
    EXPECT_EQ(e.diagnostics()[0].pos.line, 6);
    EXPECT_EQ(e.diagnostics()[1].pos.line, 8);
    EXPECT_EQ(e.diagnostics()[2].pos.line, 10);
    EXPECT_EQ(e.diagnostics()[1].render(text),
              "multi.yaml:8:13: error: unknown kind 'netsn' for node 'h2'\n"
              "        kind: netsn\n"
              "              ^\n"
              "  hint: did you mean 'netns'?\n");
    EXPECT_EQ(e.render().substr(0, e.diagnostics()[0].render(text).size()), e.diagnostics()[0].render(text));
  }
}

TEST(Parser, NameOptionOverridesTheFileAndIsChecked) {
  const std::string text = "name: one\ntopology:\n  nodes:\n    h1: {}\n";
  EXPECT_EQ(parse_topology(text, "t.yaml", ParseOptions{"two"}).name, "two");
  try {
    parse_topology(text, "t.yaml", ParseOptions{"bad name"});
    FAIL();
  } catch (const TopologyError& e) {
    EXPECT_EQ(e.diagnostics()[0].headline(),
              "t.yaml: error: lab name 'bad name' given with --name is not valid: spaces are not allowed");
  }
  EXPECT_TRUE(is_valid_lab_name("lab-1.a_b"));
  EXPECT_TRUE(is_valid_lab_name(std::string(32, 'x')));
  EXPECT_FALSE(is_valid_lab_name(std::string(33, 'x')));
  EXPECT_FALSE(is_valid_lab_name("-lab"));
  EXPECT_FALSE(is_valid_lab_name(""));
}

TEST(Parser, LoadTopologyReportsAMissingFile) {
  try {
    load_topology("/nonexistent/netrig.yaml");
    FAIL();
  } catch (const TopologyError& e) {
    EXPECT_EQ(e.diagnostics()[0].headline(), "/nonexistent/netrig.yaml: error: cannot read the topology file");
  }
}

TEST(Parser, ScalarTypesAreStrict) {
  auto headline = [](const std::string& text) {
    auto errors = errors_of(text);
    return errors.empty() ? "" : errors[0].headline();
  };
  const std::string head = "name: s\ntopology:\n  nodes:\n    a: {interfaces: {eth0: 10.0.0.1/24}}\n";
  const std::string links = "  links: [{endpoints: [\"a:eth0\", \"b:eth0\"]}]\n";
  const std::string b = "    b: {interfaces: {eth0: 10.0.0.2/24}}\n";
  EXPECT_EQ(headline(head + b + links + "tests:\n  - ping: {from: a, to: b, count: 2.5}\n"),
            "t.yaml:8:35: error: 'count' must be a whole number, not '2.5'");
  EXPECT_EQ(headline(head + b + links + "tests:\n  - ping: {from: a, to: b}\n    timeout: .inf\n"),
            "t.yaml:9:14: error: 'timeout' (seconds) must be a number, not '.inf'");
  EXPECT_EQ(headline(head + b + links + "tests:\n  - connect: {from: a, to: b, port: 80, listen: \"true\"}\n"),
            "t.yaml:8:49: error: 'listen' must be true or false, not the quoted string \"true\"");
  EXPECT_EQ(headline(head + b + links + "tests:\n  - ping: {from: a, to: b, max_loss: 101}\n"),
            "t.yaml:8:38: error: 'max_loss' (percent) must be between 0 and 100, not 101");
  EXPECT_EQ(headline(head + "    b: {interfaces: {eth0: {ipv4: 10.0.0.2/24, mtu: 0x10}}}\n" + links),
            "t.yaml:5:53: error: 'mtu' must be a whole number, not '0x10'");
  // Non-scalar keys are reported, not a crash.
  EXPECT_EQ(headline("name: s\ntopology:\n  nodes:\n    ? [a, b]\n    : {}\n"),
            "t.yaml:4:7: error: keys in 'nodes' must be plain words, not a list");
}

TEST(Parser, PingallProbesIPv4UnlessToldOtherwise) {
  const std::string lab = R"(name: p
topology:
  nodes:
    a: {interfaces: {eth0: {ipv4: 10.0.0.1/24, ipv6: "fd00::1/64"}}}
    b: {interfaces: {eth0: {ipv6: "fd00::2/64"}}}
  links:
    - endpoints: ["a:eth0", "b:eth0"]
tests:
)";
  auto errors = errors_of(lab + "  - pingall: {nodes: [a, b]}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].headline(), "t.yaml:9:26: error: node 'b' has no IPv4 address to ping");
  EXPECT_NE(errors[0].hint.find("family: 6"), std::string::npos);
  auto t = parse_topology(lab + "  - pingall: {nodes: [a, b], family: 6}\n", "t.yaml");
  EXPECT_EQ(t.checks[0].family, 6);
}

TEST(Parser, AddressesAreCheckedPerNetworkNotLabWide) {
  // The same private address on two separate networks (as two tenants behind NAT) is fine.
  auto t = parse_topology(R"(name: tenants
topology:
  nodes:
    br1: {kind: bridge}
    br2: {kind: bridge}
    a: {interfaces: {eth0: 192.168.1.10/24}}
    b: {interfaces: {eth0: 192.168.1.10/24}}
  links:
    - endpoints: ["a:eth0", br1]
    - endpoints: ["b:eth0", br2]
)",
                          "tenants.yaml");
  EXPECT_EQ(t.nodes.size(), 4u);
  // Joining the bridges puts them on one network.
  auto errors = errors_of(R"(name: tenants
topology:
  nodes:
    br1: {kind: bridge}
    br2: {kind: bridge}
    a: {interfaces: {eth0: 192.168.1.10/24}}
    b: {interfaces: {eth0: 192.168.1.10/24}}
  links:
    - endpoints: ["a:eth0", br1]
    - endpoints: ["b:eth0", br2]
    - endpoints: [br1, br2]
)");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].headline(),
            "t.yaml:7:28: error: address 192.168.1.10 is already used by a:eth0 on the same network");
}

// ---------------------------------------------------------------------------------------------
// (d) did-you-mean hints.

TEST(ParserDidYouMean, ClosestMatchFindsSmallTypos) {
  const std::vector<std::string> keys = {"interfaces", "routes", "sysctls", "exec", "mtu", "kind"};
  EXPECT_EQ(closest_match("interface", keys), "interfaces");
  EXPECT_EQ(closest_match("rotues", keys), "routes");
  EXPECT_EQ(closest_match("sysctl", keys), "sysctls");
  EXPECT_EQ(closest_match("kind", keys), "kind") << "an exact match is the closest";
  EXPECT_EQ(closest_match("ipv4", keys), "") << "nothing close";
  EXPECT_EQ(closest_match("anything", {}), "");
  EXPECT_EQ(closest_match("", {"a"}), "a") << "an empty word is one insertion from 'a'";
  EXPECT_EQ(closest_match("", {"ab"}), "");
}

TEST(ParserDidYouMean, PicksTheNearestOfSeveral) {
  EXPECT_EQ(closest_match("h3", {"h1", "h33", "lan"}), "h1") << "ties go to the first";
  EXPECT_EQ(closest_match("lna", {"wan", "lan"}), "lan") << "a swap of two letters is one edit";
  EXPECT_EQ(closest_match("h2", {"h1", "h2"}), "h2") << "an exact match beats an earlier near one";
  EXPECT_EQ(closest_match("brigde", {"netns", "bridge"}), "bridge");
  EXPECT_EQ(closest_match("uplink-to-cor", {"uplink-to-core", "downlink"}), "uplink-to-core");
}

TEST(ParserDidYouMean, HintTextOrNothing) {
  EXPECT_EQ(did_you_mean("tset", {"tests", "name"}), "did you mean 'tests'?");
  EXPECT_EQ(did_you_mean("completely-different", {"tests", "name"}), "");
  // Longer words tolerate more edits (a third of their length).
  EXPECT_EQ(did_you_mean("static_neighbours", {"static_neighbors"}), "did you mean 'static_neighbors'?");
  EXPECT_EQ(did_you_mean("h9", {"lo"}), "") << "two-character words allow one edit only";
  EXPECT_EQ(did_you_mean("h9", {"lo", "h1"}), "did you mean 'h1'?");
  EXPECT_EQ(did_you_mean("xyz", {"abc"}), "");
  EXPECT_EQ(did_you_mean("sctp", {"tcp", "udp"}), "did you mean 'tcp'?");
}

TEST(ParserDidYouMean, KindOnlyForWhatLooksLikeKind) {
  auto hint = [](const std::string& yaml) { return errors_of(yaml).at(0).hint; };
  EXPECT_EQ(hint("name: t\ntopology:\n  nodes:\n    h: {knid: netns}\n"), "did you mean 'kind'?");
  EXPECT_EQ(hint("name: t\ntopology:\n  nodes:\n    s: {kind: ovs, bind: x}\n").find("kind"), std::string::npos);
  EXPECT_EQ(hint("name: t\ntopology:\n  nodes:\n    h: {mind: 1}\n").find("kind"), std::string::npos);
}

}  // namespace
}  // namespace netrig
