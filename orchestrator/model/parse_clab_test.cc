// containerlab files mapped onto netrig's model (model/parse_clab.cc): kinds, endpoints that create
// interfaces and bridge ports, both link forms, inheritance, the management network, warnings with
// their positions, the tests overlay. The error cases with file:line:col are tests/invalid/3xx-clab-*.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/parser.h"
#include "plan/plan.h"

namespace netrig {
namespace {

namespace fs = std::filesystem;

Topology clab(const std::string& text, const ParseOptions& o = {}) {
  try {
    return parse_topology(text, "lab.clab.yml", o);
  } catch (const TopologyError& e) {
    ADD_FAILURE() << e.render();
    return {};
  }
}

const InterfaceSpec* iface(const Topology& t, const std::string& node, const std::string& name) {
  const auto* n = t.find_node(node);
  return n ? n->find_interface(name) : nullptr;
}

std::string addrs(const InterfaceSpec* i) {
  std::string s;
  for (const auto& a : i->addresses) s += (s.empty() ? "" : " ") + a.str();
  return s;
}

std::vector<std::string> warnings(const Topology& t) {
  std::vector<std::string> out;
  for (const auto& w : t.warnings)
    out.push_back(std::to_string(w.pos.line) + ":" + std::to_string(w.pos.col) + " " + w.message);
  return out;
}

bool has_warning(const Topology& t, const std::string& at, const std::string& part) {
  for (const auto& w : warnings(t))
    if (w.rfind(at + " ", 0) == 0 && w.find(part) != std::string::npos) return true;
  return false;
}

TEST(ParseClab, DetectsContainerlabFiles) {
  const std::string netrig =
      "name: x\ntopology:\n  nodes:\n    h1: {interfaces: {eth0: 10.0.0.1/24}}\n    br: {kind: bridge}\n"
      "  links: [{endpoints: [\"h1:eth0\", br]}]\n";
  EXPECT_FALSE(parse_topology(netrig, "x.yaml").containerlab);
  // By name, by mgmt:, and by containerlab-only kinds without netrig keys.
  EXPECT_TRUE(clab("name: x\ntopology:\n  nodes:\n    l1: {kind: linux}\n").containerlab);
  EXPECT_TRUE(parse_topology("name: x\nmgmt: {}\ntopology:\n  nodes:\n    l1: {kind: linux}\n", "x.yaml").containerlab);
  EXPECT_TRUE(parse_topology("name: x\ntopology:\n  nodes:\n    h: {kind: host}\n    l1: {kind: linux}\n", "x.yaml")
                  .containerlab);
}

TEST(ParseClab, KindsAndEndpointsCreateInterfaces) {
  auto t = clab(R"(name: lab
topology:
  nodes:
    l1: {kind: linux, image: alpine:3}
    l2: {kind: linux, image: alpine:3}
    br-01: {kind: bridge}
  links:
    - endpoints: ["l1:eth1", "l2:some1"]
      mtu: 2000
    - endpoints: ["l1:eth2", "br-01:l1-eth2"]
    - endpoints: ["br-01:l2-eth2", "l2:eth2"]
)");
  ASSERT_EQ(t.find_node("l1")->kind, NodeKind::Container);
  EXPECT_EQ(t.find_node("l1")->container.image, "alpine:3");
  EXPECT_EQ(t.find_node("br-01")->kind, NodeKind::Bridge);
  ASSERT_TRUE(iface(t, "l1", "eth1"));
  ASSERT_TRUE(iface(t, "l2", "some1"));
  ASSERT_TRUE(iface(t, "l2", "eth2"));
  // The management bridge (containerlab's default network 'clab') and eth0 on each container.
  ASSERT_TRUE(t.find_node("clab"));
  EXPECT_EQ(t.find_node("clab")->kind, NodeKind::Bridge);
  EXPECT_EQ(addrs(iface(t, "l1", "eth0")), "172.20.20.2/24 3fff:172:20:20::2/64");
  EXPECT_EQ(addrs(iface(t, "l2", "eth0")), "172.20.20.3/24 3fff:172:20:20::3/64");
  // Links: 2 mgmt + 3; the bridge's ports are the names the file gives.
  ASSERT_EQ(t.links.size(), 5u);
  const LinkSpec* l1br = nullptr;
  for (const auto& l : t.links)
    if (l.a.node == "l1" && l.a.iface == "eth2") l1br = &l;
  ASSERT_TRUE(l1br);
  EXPECT_EQ(l1br->b.node, "br-01");
  EXPECT_EQ(l1br->b.port, "l1-eth2");
  const auto plan = make_plan(t);
  bool found = false;
  for (const auto& l : plan.links)
    if (l.a.bridge == plan.bridge_device("br-01") && l.b.node == "l1") {
      EXPECT_EQ(l.a.device, "l1-eth2");
      found = true;
    }
  EXPECT_TRUE(found);
  for (const auto& l : t.links)
    if (l.a.iface == "eth1") {
      EXPECT_EQ(l.mtu, 2000);
    }
  EXPECT_TRUE(has_warning(t, "6:5", "bridge 'br-01' is made by the lab"));
}

TEST(ParseClab, MappingFormHostAndMgmtNetLinks) {
  auto t = clab(R"(name: lab
topology:
  nodes:
    l1: {kind: linux, mgmt-ipv4: 172.20.20.99, mgmt-ipv6: "3fff:172:20:20::99"}
    l2: {kind: linux}
  links:
    - type: veth
      endpoints:
        - node: l1
          interface: eth3
          mac: 02:00:00:00:00:00
        - {node: l2, interface: eth3, mac: "02:00:00:00:00:01"}
    - type: host
      host-interface: l2eth4
      endpoint: {node: l2, interface: eth4}
    - type: mgmt-net
      host-interface: l2eth5mgmt
      endpoint: {node: l2, interface: eth5}
    - type: dummy
      endpoint: {node: l2, interface: somedummy}
    - endpoints: ["l1:eth4", "host:l1-eth4"]
)");
  EXPECT_EQ(*iface(t, "l1", "eth3")->mac, "02:00:00:00:00:00");
  EXPECT_EQ(*iface(t, "l2", "eth3")->mac, "02:00:00:00:00:01");
  EXPECT_EQ(addrs(iface(t, "l1", "eth0")), "172.20.20.99/24 3fff:172:20:20::99/64");
  EXPECT_EQ(addrs(iface(t, "l2", "eth0")), "172.20.20.2/24 3fff:172:20:20::2/64");
  // host: the lab's namespace standing in for the host, holding both host ends.
  ASSERT_TRUE(t.find_node("host"));
  EXPECT_EQ(t.find_node("host")->kind, NodeKind::Netns);
  EXPECT_TRUE(iface(t, "host", "l2eth4"));
  EXPECT_TRUE(iface(t, "host", "l1-eth4"));
  // mgmt-net: a port of that name on the management bridge.
  bool mgmt_port = false;
  for (const auto& l : t.links) mgmt_port |= l.b.node == "clab" && l.b.port == "l2eth5mgmt" && l.a.iface == "eth5";
  EXPECT_TRUE(mgmt_port);
  EXPECT_FALSE(iface(t, "l2", "somedummy"));
  EXPECT_TRUE(has_warning(t, "19:13", "link type 'dummy' is not created"));
  EXPECT_TRUE(has_warning(t, "21:30", "host end 'l1-eth4' is made in the lab's namespace lab-host"));
  make_plan(t);  // plans without surprises
}

TEST(ParseClab, InheritanceNodeGroupKindDefaults) {
  auto t = clab(R"(name: lab
topology:
  defaults:
    kind: linux
    env: {A: defaults}
    labels: {from: defaults}
  kinds:
    linux:
      image: from-kind
      cmd: sleep 1
  groups:
    routers:
      image: from-group
      binds: [router1/frr.conf:/etc/frr/frr.conf]
  nodes:
    r1: {group: routers}
    r2: {group: routers, image: own}
    h1: {}
)");
  EXPECT_EQ(t.find_node("r1")->container.image, "from-group");
  EXPECT_EQ(t.find_node("r2")->container.image, "own");
  EXPECT_EQ(t.find_node("h1")->container.image, "from-kind");
  ASSERT_EQ(t.find_node("r1")->container.binds.size(), 1u);
  EXPECT_EQ(t.find_node("r1")->container.binds[0].host, "router1/frr.conf");
  EXPECT_TRUE(t.find_node("h1")->container.binds.empty());
  EXPECT_EQ((*t.find_node("h1")->container.cmd)[0], "sleep");
  EXPECT_EQ(t.find_node("r2")->container.env.at(0).second, "defaults");
  EXPECT_EQ(t.find_node("r2")->container.labels.at("from"), "defaults");
}

TEST(ParseClab, ContainerKeysExecAndMgmtSettings) {
  auto t = clab(R"(name: lab
mgmt:
  bridge: 01-03-mgmt
  ipv4-subnet: 10.99.0.0/24
  ipv4-gw: 10.99.0.1
topology:
  nodes:
    l1:
      kind: linux
      cmd: ash -c "echo $MYVAR > /tmp/var && sleep 9999"
      env: {MYVAR: MYVAR is SET}
      exec: [echo hi, cat /etc/os-release]
      memory: 1G
      cpu: 1.5
      ports: [56180:80]
      healthcheck: {test: [CMD-SHELL, cat /etc/os-release]}
    l3: {kind: linux, network-mode: host}
    quiet: {kind: linux, network-mode: none}
)");
  const auto& l1 = *t.find_node("l1");
  ASSERT_TRUE(l1.container.cmd);
  EXPECT_EQ(*l1.container.cmd, (std::vector<std::string>{"ash", "-c", "echo $MYVAR > /tmp/var && sleep 9999"}));
  EXPECT_EQ(l1.container.env.at(0).second, "MYVAR is SET");
  EXPECT_EQ(l1.exec, (std::vector<std::string>{"echo hi", "cat /etc/os-release"}));
  EXPECT_EQ(*l1.container.memory_bytes, 1LL << 30);
  EXPECT_EQ(*l1.container.cpus, 1.5);
  ASSERT_TRUE(t.find_node("01-03-mgmt"));
  EXPECT_EQ(addrs(iface(t, "l1", "eth0")), "10.99.0.2/24 3fff:172:20:20::2/64");
  EXPECT_TRUE(iface(t, "l3", "eth0"));
  EXPECT_FALSE(iface(t, "quiet", "eth0"));
  EXPECT_TRUE(has_warning(t, "5:3", "'ipv4-gw' of 'mgmt' is not honoured"));
  EXPECT_TRUE(has_warning(t, "15:7", "'ports' of node 'l1' is not honoured"));
  EXPECT_TRUE(has_warning(t, "16:7", "'healthcheck' of node 'l1' is not honoured"));
  EXPECT_TRUE(has_warning(t, "17:37", "network-mode 'host' of node 'l3' is not honoured"));
  for (const auto& w : t.warnings) EXPECT_EQ(w.hint.find("kind"), std::string::npos) << w.hint;  // never "change kind"
}

TEST(ParseClab, LinkAddressesAndOvsBridge) {
  auto t = clab(R"(name: lab
topology:
  nodes:
    a: {kind: linux}
    b: {kind: linux}
    sw: {kind: ovs-bridge}
  links:
    - endpoints: ["a:eth1", "b:eth1"]
      ipv4: ["192.168.0.1/24", "192.168.0.2/24"]
    - endpoints: ["a:eth2", "sw:p1"]
)");
  EXPECT_EQ(addrs(iface(t, "a", "eth1")), "192.168.0.1/24");
  EXPECT_EQ(addrs(iface(t, "b", "eth1")), "192.168.0.2/24");
  EXPECT_EQ(t.find_node("sw")->kind, NodeKind::Ovs);
  bool port = false;
  for (const auto& l : t.links) port |= l.b.node == "sw" && l.b.port == "p1";
  EXPECT_TRUE(port);
}

TEST(ParseClab, TestsOverlayAddsChecksAndImageStandIns) {
  const auto dir = fs::temp_directory_path() / ("netrig-overlay-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto overlay = (dir / "lab.tests.yaml").string();
  ParseOptions o;
  o.tests_file = overlay;
  o.tests_text = R"(images:
  alpine:3: {image: netrig/debian, binds: ["/bin/busybox:/bin/ash:ro", "x.txt:/x.txt"], cmd: sleep infinity}
  unused:img: {image: netrig/debian}
tests:
  - exec: {node: l1, cmd: "cat /tmp/var", output: "MYVAR"}
  - ping: {from: l1, to: l2}
)";
  auto t = clab(R"(name: lab
topology:
  nodes:
    l1: {kind: linux, image: alpine:3, cmd: ash -c "sleep 1"}
    l2: {kind: linux, image: alpine:3}
)",
                o);
  fs::remove_all(dir);
  const auto& l1 = t.find_node("l1")->container;
  EXPECT_EQ(l1.image, "netrig/debian");
  EXPECT_EQ((*l1.cmd)[0], "ash");  // the node's own cmd wins over the stand-in's
  EXPECT_EQ((*t.find_node("l2")->container.cmd)[0], "sleep");
  ASSERT_EQ(l1.binds.size(), 2u);
  EXPECT_EQ(l1.binds[0].host, "/bin/busybox");
  EXPECT_TRUE(l1.binds[0].read_only);
  EXPECT_EQ(l1.binds[1].host, (dir / "x.txt").string());
  ASSERT_EQ(t.checks.size(), 2u);
  EXPECT_EQ(t.checks[0].node, "l1");
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_EQ(t.warnings[0].file, overlay);
  EXPECT_NE(t.warnings[0].message.find("'unused:img'"), std::string::npos);
}

TEST(ParseClab, OverlayErrorsPointIntoTheOverlay) {
  ParseOptions o;
  o.tests_file = "over.yaml";
  o.tests_text = "tests:\n  - ping: {from: l9, to: l1}\n";
  try {
    parse_topology("name: lab\ntopology:\n  nodes:\n    l1: {kind: linux}\n", "lab.clab.yml", o);
    FAIL() << "parsed";
  } catch (const TopologyError& e) {
    ASSERT_FALSE(e.diagnostics().empty());
    EXPECT_EQ(e.diagnostics()[0].file, "over.yaml");
    EXPECT_EQ(e.diagnostics()[0].pos.line, 2);
  }
}

// The corpus: containerlab's own files, unchanged, validate (their overlays too).
TEST(ParseClab, CorpusValidates) {
  const fs::path dir = fs::path(NETRIG_SOURCE_DIR) / "tests/clab";
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    if (name.find(".clab.y") == std::string::npos) continue;
    ++files;
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    ParseOptions o;
    auto overlay = e.path().parent_path() / (name.substr(0, name.find(".clab.y")) + ".tests.yaml");
    if (fs::exists(overlay)) {
      std::ifstream oin(overlay);
      std::stringstream otext;
      otext << oin.rdbuf();
      o.tests_file = overlay.string();
      o.tests_text = otext.str();
    }
    try {
      auto t = parse_topology(text.str(), e.path().string(), o);
      EXPECT_TRUE(t.containerlab) << name;
      EXPECT_FALSE(t.checks.empty()) << name << ": its overlay has no tests";
      make_plan(t);
    } catch (const std::exception& ex) {
      ADD_FAILURE() << name << ": " << ex.what();
    }
  }
  EXPECT_GE(files, 4);
}

}  // namespace
}  // namespace netrig
