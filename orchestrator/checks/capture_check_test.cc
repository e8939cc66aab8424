// The pure parts of capture and iperf3 checks: counting a pcap against a BPF filter and VLAN
// assertions, tcpdump's drop statistics, BPF validation, iperf3's JSON summary.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <filesystem>

#include "checks/kinds.h"
#include "model/bpf.h"

namespace netrig {
namespace {

// An Ethernet frame carrying IPv4 ICMP echo (or UDP), optionally with an 802.1Q tag.
std::vector<u_char> frame(bool icmp, std::optional<int> vid) {
  std::vector<u_char> f = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1};
  if (vid) f.insert(f.end(), {0x81, 0x00, static_cast<u_char>(*vid >> 8), static_cast<u_char>(*vid & 0xff)});
  f.insert(f.end(), {0x08, 0x00});
  // IPv4 header: 20 bytes, protocol 1 (ICMP) or 17 (UDP), 10.0.0.1 -> 10.0.0.2.
  std::vector<u_char> ip = {0x45, 0, 0,  28, 0, 0, 0,  0, 64, static_cast<u_char>(icmp ? 1 : 17),
                            0,    0, 10, 0,  0, 1, 10, 0, 0,  2};
  f.insert(f.end(), ip.begin(), ip.end());
  std::vector<u_char> l4(8, 0);
  if (icmp) l4[0] = 8;  // echo request
  f.insert(f.end(), l4.begin(), l4.end());
  return f;
}

class PcapFile {
 public:
  explicit PcapFile(const std::vector<std::vector<u_char>>& frames) {
    path_ = (std::filesystem::temp_directory_path() /
             ("netrig-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++) + ".pcap"))
                .string();
    pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t* d = pcap_dump_open(dead, path_.c_str());
    for (const auto& f : frames) {
      pcap_pkthdr h{};
      h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
      pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
    }
    pcap_dump_close(d);
    pcap_close(dead);
  }
  ~PcapFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  static inline int counter_ = 0;
};

TEST(CountPcap, CountsWhatTheFilterAcceptsAndTheTags) {
  PcapFile file(
      {frame(true, std::nullopt), frame(false, std::nullopt), frame(true, 101), frame(true, 101), frame(false, 202)});
  auto all = count_pcap(file.path(), "");
  EXPECT_EQ(all.error, "");
  EXPECT_EQ(all.total, 5);
  EXPECT_EQ(all.matched, 5);
  EXPECT_EQ(all.tagged, 3);
  EXPECT_EQ(all.vids, (std::map<int, int>{{101, 2}, {202, 1}}));

  auto untagged_icmp = count_pcap(file.path(), "icmp");
  EXPECT_EQ(untagged_icmp.matched, 1);  // BPF's "icmp" without "vlan" means untagged frames
  EXPECT_EQ(untagged_icmp.tagged, 0);

  auto vlan_icmp = count_pcap(file.path(), "vlan 101 and icmp");
  EXPECT_EQ(vlan_icmp.matched, 2);
  EXPECT_EQ(vlan_icmp.tagged, 2);
  EXPECT_EQ(vlan_icmp.vids.at(101), 2);
}

TEST(CountPcap, ReportsAMissingFileAndABadFilter) {
  EXPECT_NE(count_pcap("/nonexistent/x.pcap", "").error, "");
  PcapFile file({frame(true, std::nullopt)});
  EXPECT_NE(count_pcap(file.path(), "icmp and and").error.find("filter 'icmp and and'"), std::string::npos);
}

CheckSpec spec(std::optional<int> min, std::optional<int> max) {
  CheckSpec c;
  c.type = CheckType::Capture;
  c.filter = "icmp";
  c.min_packets = min;
  c.max_packets = max;
  return c;
}

PcapCount counted(int matched, int tagged, std::map<int, int> vids = {}) {
  PcapCount n;
  n.total = matched + 3;
  n.matched = matched;
  n.tagged = tagged;
  n.vids = std::move(vids);
  return n;
}

TEST(CaptureProblem, CountBounds) {
  EXPECT_EQ(capture_problem(spec(6, 6), counted(6, 0)), "");
  EXPECT_EQ(capture_problem(spec(6, 6), counted(5, 0)), "5 packets matching 'icmp', expected at least 6");
  EXPECT_EQ(capture_problem(spec(6, 6), counted(7, 0)), "7 packets matching 'icmp', expected at most 6");
  EXPECT_EQ(capture_problem(spec(0, 0), counted(1, 0)), "1 packet matching 'icmp', expected none");
  EXPECT_EQ(capture_problem(spec(0, 0), counted(0, 0)), "");
  EXPECT_EQ(capture_problem(spec(1, std::nullopt), counted(1000, 0)), "");
}

TEST(CaptureProblem, VlanAndTagged) {
  auto c = spec(1, std::nullopt);
  c.vlan = 101;
  EXPECT_EQ(capture_problem(c, counted(4, 4, {{101, 4}})), "");
  EXPECT_EQ(capture_problem(c, counted(4, 3, {{101, 2}, {7, 1}})),
            "2 of 4 packets matching 'icmp' lack the 802.1Q tag 101 (1 untagged)");
  c.vlan.reset();
  c.tagged = true;
  EXPECT_EQ(capture_problem(c, counted(4, 3, {{5, 3}})), "1 of 4 packets matching 'icmp' carry no 802.1Q tag");
  c.tagged = false;
  EXPECT_EQ(capture_problem(c, counted(4, 0)), "");
  EXPECT_EQ(capture_problem(c, counted(4, 1, {{5, 1}})), "1 of 4 packets matching 'icmp' carry an 802.1Q tag");
  EXPECT_EQ(describe_count(c, counted(4, 1, {{5, 1}})), "4 of 7 packets match 'icmp', 1 tagged (VLAN 5: 1)");
}

TEST(TcpdumpDrops, ReadsTheClosingStatistics) {
  EXPECT_EQ(parse_tcpdump_drops("tcpdump: listening on eth0\n19 packets captured\n19 packets received by filter\n"
                                "0 packets dropped by kernel\n"),
            0);
  EXPECT_EQ(parse_tcpdump_drops("6669 packets captured\n18505 packets received by filter\n11804 packets dropped by "
                                "kernel\n"),
            11804);
  EXPECT_EQ(parse_tcpdump_drops("tcpdump: listening on eth0\n"), -1);
}

TEST(Bpf, ValidatesFiltersWithoutADevice) {
  EXPECT_EQ(bpf_problem("vlan 101 and icmp"), "");
  EXPECT_EQ(bpf_problem("tcp port 80 or arp"), "");
  EXPECT_NE(bpf_problem("icmp and and"), "");
  EXPECT_NE(bpf_problem("port 99999"), "");
}

TEST(Iperf3Json, TcpSummary) {
  auto s = parse_iperf3_json(R"({"start": {"test_start": {"protocol": "TCP", "duration": 1}},
    "end": {"sum_sent": {"seconds": 1.0, "bits_per_second": 9.5e9, "retransmits": 3},
            "sum_received": {"seconds": 1.0, "bits_per_second": 9.4e9}}})");
  ASSERT_TRUE(s.parsed) << s.error;
  EXPECT_EQ(s.protocol, "tcp");
  EXPECT_DOUBLE_EQ(s.sent_mbps, 9500);
  EXPECT_DOUBLE_EQ(s.received_mbps, 9400);
  EXPECT_EQ(s.retransmits, 3);
  EXPECT_EQ(describe_iperf3(s), "tcp 1.0 s: sent 9500.00 Mbit/s, received 9400.00 Mbit/s, 3 retransmits");
  // The same as numbers for the JSON report.
  auto f = iperf3_figures(s);
  EXPECT_DOUBLE_EQ(f.at("received_mbps"), 9400);
  EXPECT_DOUBLE_EQ(f.at("sent_mbps"), 9500);
  EXPECT_DOUBLE_EQ(f.at("retransmits"), 3);
  EXPECT_DOUBLE_EQ(f.at("seconds"), 1.0);
  EXPECT_EQ(f.count("jitter_ms"), 0u);
}

TEST(Iperf3Json, UdpSummaryWithAndWithoutReceiverSide) {
  // As iperf3 3.12 prints it (trimmed).
  auto s = parse_iperf3_json(R"({"start": {"test_start": {"protocol": "UDP", "target_bitrate": 1000000}},
    "end": {"sum": {"seconds": 1.00041, "bits_per_second": 1048484.78, "jitter_ms": 0.0068, "lost_packets": 0,
                    "packets": 4, "lost_percent": 0},
            "sum_sent": {"bits_per_second": 1048484.78}, "sum_received": {"bits_per_second": 1048000.0}}})");
  ASSERT_TRUE(s.parsed) << s.error;
  EXPECT_EQ(s.protocol, "udp");
  EXPECT_NEAR(s.received_mbps, 1.048, 1e-9);
  EXPECT_NEAR(s.jitter_ms, 0.0068, 1e-9);
  auto f = iperf3_figures(s);
  EXPECT_NEAR(f.at("jitter_ms"), 0.0068, 1e-9);
  EXPECT_DOUBLE_EQ(f.at("lost_pct"), 0);
  EXPECT_EQ(f.count("retransmits"), 0u);
  // Older iperf3: only end.sum; the received rate is the sent one less the loss.
  auto old = parse_iperf3_json(R"({"start": {"test_start": {"protocol": "UDP"}},
    "end": {"sum": {"seconds": 2, "bits_per_second": 10e6, "jitter_ms": 0.1, "lost_percent": 25}}})");
  ASSERT_TRUE(old.parsed);
  EXPECT_DOUBLE_EQ(old.received_mbps, 7.5);
  EXPECT_DOUBLE_EQ(old.lost_pct, 25);
}

TEST(Iperf3Json, ErrorsAndGarbage) {
  auto refused = parse_iperf3_json(R"({"start": {}, "intervals": [], "end": {},
    "error": "unable to connect to server: Connection refused"})");
  EXPECT_FALSE(refused.parsed);
  EXPECT_EQ(refused.error, "unable to connect to server: Connection refused");
  EXPECT_FALSE(parse_iperf3_json("iperf3: error - unable to connect").parsed);
  EXPECT_FALSE(parse_iperf3_json(R"({"start": {"test_start": {"protocol": "TCP"}}, "end": {}})").parsed);
}

}  // namespace
}  // namespace netrig
