#include "plan/libvirt_xml.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "build_paths.h"
#include "model/parser.h"

namespace netrig {
namespace {

// Expected documents live in tests/golden/libvirt/; NETRIG_UPDATE_GOLDEN=1 rewrites them.
std::string golden(const std::string& name, const std::string& actual) {
  const std::string path = NETRIG_SOURCE_DIR "/tests/golden/libvirt/" + name;
  if (const char* u = std::getenv("NETRIG_UPDATE_GOLDEN"); u && std::string(u) == "1") std::ofstream(path) << actual;
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const char* kLab = R"(name: lv
topology:
  nodes:
    br0: {kind: bridge}
    br1: {kind: bridge}
    g1:
      kind: vm
      memory: 192
      cpus: 2
      interfaces:
        eth0: {ipv4: 10.0.0.1/24, mac: "52:54:00:AA:00:01", mtu: 1400}
        eth1: {ipv4: 10.1.0.1/24}
    g2:
      kind: vm
      interfaces:
        eth0: {ipv4: 10.0.0.2/24}
  links:
    - endpoints: ["g1:eth0", "br0"]
    - endpoints: ["br1", "g1:eth1"]
    - endpoints: ["g2:eth0", "br0"]
)";

LibvirtInputs inputs(const std::string& node) {
  return {"/var/cache/netrig/images/current", "console=ttyS0 quiet panic=-1", "qemu", "/run/netrig/lv/vm-" + node,
          "0.1.0"};
}

TEST(LibvirtXml, TwoNicGuestMatchesGolden) {
  auto plan = make_plan(parse_topology(kLab, "lv.yaml"));
  auto xml = libvirt_domain_xml(libvirt_domain_spec(plan, *plan.topology.find_node("g1"), inputs("g1")));
  EXPECT_EQ(xml, golden("g1-two-nics.xml", xml));
}

TEST(LibvirtXml, DefaultsAndKvmTypeMatchGolden) {
  auto plan = make_plan(parse_topology(kLab, "lv.yaml"));
  auto in = inputs("g2");
  in.type = "kvm";
  auto xml = libvirt_domain_xml(libvirt_domain_spec(plan, *plan.topology.find_node("g2"), in));
  EXPECT_EQ(xml, golden("g2-kvm-defaults.xml", xml));
}

TEST(LibvirtXml, TapNamesAreShortAndDifferPerLab) {
  auto a = libvirt_tap_name("lv", "g1", "eth0");
  EXPECT_EQ(a.size(), 11u);
  EXPECT_EQ(a.rfind("nrv", 0), 0u);
  EXPECT_NE(a, libvirt_tap_name("lw", "g1", "eth0"));
  EXPECT_NE(a, libvirt_tap_name("lv", "g1", "eth1"));
  EXPECT_EQ(a, libvirt_tap_name("lv", "g1", "eth0"));
}

TEST(LibvirtXml, EscapesTextAndAttributes) {
  LibvirtDomainSpec s;
  s.name = "n";
  s.cmdline = "a<b & c='d'";
  s.console_log = "/tmp/it's";
  auto xml = libvirt_domain_xml(s);
  EXPECT_NE(xml.find("<cmdline>a&lt;b &amp; c=&apos;d&apos;</cmdline>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("file='/tmp/it&apos;s'"), std::string::npos) << xml;
}

TEST(LibvirtXml, UserspaceOvsPortsTurnChecksumOffloadOff) {
  LibvirtDomainSpec s;
  s.nics.push_back({"nrv1", "52:54:00:00:00:01", 0, true});
  s.nics.push_back({"nrv2", "52:54:00:00:00:02", 0, false});
  auto xml = libvirt_domain_xml(s);
  auto first = xml.find("nrv1"), second = xml.find("nrv2"), csum = xml.find("<host csum='off'/>");
  ASSERT_NE(csum, std::string::npos) << xml;
  EXPECT_TRUE(first < csum && csum < second) << xml;
  EXPECT_EQ(xml.find("<host csum='off'/>", csum + 1), std::string::npos) << xml;
}

TEST(LibvirtXml, OwnerMatchesOnlyItsLabAndNode) {
  // What virDomainGetMetadata returns (libvirt 9.0): the element re-serialized by libxml2, double
  // quotes, no namespace declaration.
  const std::string back = "<owner lab=\"lv\" node=\"g1\" version=\"0.1.0\"/>";
  EXPECT_TRUE(libvirt_owner_matches(back, "lv", "g1"));
  EXPECT_TRUE(libvirt_owner_matches(libvirt_owner_xml("lv", "g1", "0.1.0"), "lv", "g1"));
  EXPECT_FALSE(libvirt_owner_matches(back, "lv2", "g1"));
  EXPECT_FALSE(libvirt_owner_matches(back, "lv", "g2"));
  EXPECT_FALSE(libvirt_owner_matches("<other lab=\"lv\" node=\"g1\"/>", "lv", "g1"));
}

}  // namespace
}  // namespace netrig
