// Capture and iperf3 checks against the real kernel, through the netrig binary: tcpdump runs in
// the lab's namespaces (or on the lab's bridge ports), the pcap survives destroy under
// --artifacts and is named in the JSON and JUnit reports; wrong expectations fail.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

using nlohmann::json;

const char* kLab = R"(name: cap
topology:
  nodes:
    br0: {kind: bridge}
    h1: {interfaces: {eth0: {ipv4: 10.0.9.1/24}}}
    h2: {interfaces: {eth0: {ipv4: 10.0.9.2/24}}}
    h3: {interfaces: {eth0: {ipv4: 10.0.9.3/24}}}
  links:
    - endpoints: ["h1:eth0", "br0"]
    - endpoints: ["h2:eth0", "br0"]
    - endpoints: ["h3:eth0", "br0"]
tests:
)";

class CaptureTest : public NetrigTest {
 protected:
  // Writes the lab with these tests, runs `netrig test` on it with reports and artifacts in tmp_.
  CmdResult run_lab(const std::string& tests, LabGuard*& lab) {
    const auto file = tmp_.file("cap.yaml");
    write_file(file, std::string(kLab) + tests);
    lab = &new_lab(file);
    before_ = snapshot(lab->lab());
    auto r = netrig({"test", file, "--name", lab->lab(), "--artifacts", tmp_.file("arts"), "--json-report",
                     tmp_.file("r.json"), "--junit", tmp_.file("r.xml")},
                    120);
    expect_same_host(lab->lab(), before_, "after netrig test");
    return r;
  }
  json report() { return json::parse(read_file(tmp_.file("r.json"))); }
  static const json& check(const json& report, const std::string& name) {
    for (const auto& c : report["checks"])
      if (c["name"] == name) return c;
    throw std::runtime_error("no check named " + name);
  }
  HostSnapshot before_;
};

TEST_F(CaptureTest, CapturesKeepTheirPcapAndIperf3Measures) {
  LabGuard* lab = nullptr;
  auto r = run_lab(R"(
  - name: icmp on h2
    capture:
      node: h2
      iface: eth0
      filter: icmp
      count: 6
      tagged: false
      traffic: {ping: {from: h1, to: h2, count: 3}}
  - name: port of h3 sees no unicast between h1 and h2
    capture:
      bridge: br0
      port: h3:eth0
      filter: icmp and host 10.0.9.2
      none: true
      traffic: {ping: {from: h2, to: h1, count: 3}}
  - name: udp from an exec
    capture:
      node: h3
      filter: udp port 9999
      expect: {min: 2, max: 2}
      traffic:
        exec: {node: h1, cmd: "python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(b\"x\", (\"10.0.9.3\", 9999)) for _ in range(2)]'"}
  - name: tcp
    iperf3: {from: h1, to: h3, seconds: 1, min_mbps: 1}
  - name: udp
    iperf3: {from: h3, to: h1, protocol: udp, bitrate: 2, seconds: 1, min_mbps: 1, max_mbps: 4}
)",
                   lab);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  auto j = report();
  for (const char* name : {"icmp on h2", "port of h3 sees no unicast between h1 and h2", "udp from an exec"}) {
    SCOPED_TRACE(name);
    const auto& c = check(j, name);
    EXPECT_EQ(c["type"], "capture");
    ASSERT_EQ(c["artifacts"].size(), 1u) << c.dump(2);
    const std::string pcap = c["artifacts"][0];
    EXPECT_EQ(pcap.rfind(tmp_.file("arts") + "/", 0), 0u) << pcap;
    EXPECT_TRUE(fs::exists(pcap)) << pcap << " did not survive destroy";
    EXPECT_NE(read_file(tmp_.file("r.xml")).find("[[ATTACHMENT|" + pcap + "]]"), std::string::npos);
  }
  // The pcap really holds the six ICMP packets, as tcpdump reads it back.
  const std::string pcap = check(j, "icmp on h2")["artifacts"][0];
  auto read = run({"/usr/bin/env", "tcpdump", "-r", pcap, "-nn", "icmp"});
  EXPECT_EQ(std::count(read.out.begin(), read.out.end(), '\n'), 6) << read.describe();
  // tcpdump ran inside the node, on the node's device.
  EXPECT_EQ(check(j, "icmp on h2")["target"], lab->lab() + "-h2:eth0") << "target names the namespace and device";
  EXPECT_EQ(check(j, "port of h3 sees no unicast between h1 and h2")["target"], lab->lab() + "-local:h3-eth0")
      << "a switch port lives in the lab's local namespace";
  for (const char* name : {"tcp", "udp"}) {
    const auto& c = check(j, name);
    EXPECT_EQ(c["status"], "passed") << c.dump(2);
    EXPECT_NE(c["message"].get<std::string>().find("Mbit/s"), std::string::npos) << c.dump(2);
    EXPECT_TRUE(c["artifacts"].empty());
  }
  // The same figures as numbers in the JSON report (docs/report-format.md).
  const auto& icmp = check(j, "icmp on h2")["figures"];
  EXPECT_EQ(icmp.value("packets_matched", -1.0), 6) << icmp.dump();
  EXPECT_GE(icmp.value("packets", -1.0), 6) << icmp.dump();
  EXPECT_EQ(icmp.value("packets_tagged", -1.0), 0) << icmp.dump();
  EXPECT_EQ(check(j, "udp from an exec")["figures"].value("packets_matched", -1.0), 2);
  EXPECT_EQ(check(j, "port of h3 sees no unicast between h1 and h2")["figures"].value("packets_matched", -1.0), 0);
  const auto& tcp = check(j, "tcp")["figures"];
  EXPECT_GT(tcp.value("received_mbps", 0.0), 1) << tcp.dump();
  EXPECT_TRUE(tcp.contains("retransmits") && tcp["retransmits"].is_number()) << tcp.dump();
  const auto& udp = check(j, "udp")["figures"];
  EXPECT_GT(udp.value("received_mbps", 0.0), 1) << udp.dump();
  EXPECT_LT(udp.value("received_mbps", 99.0), 4) << udp.dump();
  EXPECT_TRUE(udp.contains("jitter_ms") && udp.contains("lost_pct")) << udp.dump();
}

TEST_F(CaptureTest, WrongExpectationsFail) {
  LabGuard* lab = nullptr;
  auto r = run_lab(R"(
  - name: expects no icmp but ping flows
    timeout: 1
    capture:
      node: h2
      filter: icmp
      none: true
      traffic: {ping: {from: h1, to: h2, count: 2}}
  - name: expects a tag on untagged frames
    timeout: 1
    capture:
      bridge: br0
      filter: icmp
      vlan: 101
      traffic: {ping: {from: h1, to: h3, count: 2}}
  - name: expects more than a veth carries
    timeout: 1
    iperf3: {from: h1, to: h2, seconds: 1, min_mbps: 900000}
)",
                   lab);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  auto j = report();
  EXPECT_EQ(j["failed"], 3) << j.dump(2);
  auto message = [&](const std::string& name) { return check(j, name)["message"].get<std::string>(); };
  EXPECT_NE(message("expects no icmp but ping flows").find("4 packets matching 'icmp', expected none"),
            std::string::npos)
      << message("expects no icmp but ping flows");
  EXPECT_NE(message("expects a tag on untagged frames").find("lack the 802.1Q tag 101"), std::string::npos)
      << message("expects a tag on untagged frames");
  EXPECT_NE(message("expects more than a veth carries").find("expected at least 900000"), std::string::npos)
      << message("expects more than a veth carries");
  // A failing capture still keeps its pcap: that is when it is wanted.
  const auto& failed = check(j, "expects no icmp but ping flows");
  ASSERT_EQ(failed["artifacts"].size(), 1u);
  EXPECT_TRUE(fs::exists(failed["artifacts"][0].get<std::string>()));
}

// Without tcpdump or iperf3 on PATH the checks cannot run: skipped with the reason, never passed
// or failed.
TEST_F(CaptureTest, MissingToolsSkip) {
  const auto file = tmp_.file("skip.yaml");
  write_file(file, std::string(kLab) + R"(
  - capture: {node: h2, filter: icmp, traffic: {ping: {from: h1, to: h2}}}
  - iperf3: {from: h1, to: h2, seconds: 1}
)");
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab(), "--artifacts", tmp_.file("arts"), "-o", "json"}, 60,
                  {{"PATH", tmp_.path()}});
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  auto j = json::parse(r.out);
  EXPECT_EQ(j["skipped"], 2) << j.dump(2);
  for (const auto& c : j["checks"])
    EXPECT_NE(c["message"].get<std::string>().find("is not installed"), std::string::npos) << c.dump(2);
  expect_same_host(lab.lab(), before, "after netrig test");
}

}  // namespace
}  // namespace netrig_it
