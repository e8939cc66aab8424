// Integration tests of security groups against the real kernel: the lecture 26 lab passes with
// every allowed and denied path; a wrong expectation in the matrix fails and names the rule; a
// runtime update that removes the rule behind an open TCP connection keeps it flowing while a new
// connection of that kind is refused; `apply` refuses changes other than security groups.
#include <nlohmann/json.hpp>

#include "harness.h"

namespace netrig_it {
namespace {

class SecurityGroupsTest : public NetrigTest {};

const char* kLab = "lecture26-security-groups.yaml";

TEST_F(SecurityGroupsTest, LectureLabPassesAndNamesTheDecidingRules) {
  auto& lab = new_lab(topology_path(kLab));
  auto before = snapshot(lab.lab());
  const auto json = tmp_.file("report.json");
  const auto junit = tmp_.file("report.xml");
  auto r = netrig({"test", topology_path(kLab), "--name", lab.lab(), "--json-report", json, "--junit", junit}, 240);
  EXPECT_EQ(r.exit_code, 0) << r.describe();
  // The matrix is in the text report, with the rule for each cell.
  EXPECT_NE(r.out.find("rule: db#1 ingress tcp/3306 from group web"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rule: default deny ingress db1:eth0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rule: web#2 ingress tcp/22 from 203.0.113.0/24"), std::string::npos) << r.out;
  auto report = nlohmann::json::parse(read_file(json));
  size_t cells = 0, allowed = 0, counted = 0;
  for (const auto& check : report["checks"]) {
    for (const auto& cell : check.value("cells", nlohmann::json::array())) {
      ++cells;
      allowed += cell["observed"] == "allow";
      EXPECT_EQ(cell["observed"], cell["expected"]) << cell.dump();
    }
    if (check["type"] != "reachability") continue;
    // The matrix's counts as figures, agreeing with its cells.
    const auto& f = check["figures"];
    EXPECT_EQ(f.value("cells", -1.0), check["cells"].size()) << f.dump();
    EXPECT_EQ(f.value("cells_passed", -1.0), check["cells"].size()) << f.dump();
    EXPECT_EQ(f.value("cells_failed", -1.0), 0) << f.dump();
    counted += static_cast<size_t>(f.value("cells", 0.0));
  }
  EXPECT_EQ(counted, cells);
  EXPECT_EQ(cells, 40u);
  EXPECT_GT(allowed, 0u);
  EXPECT_LT(allowed, cells);
  EXPECT_NE(read_file(junit).find("classname=\"" + lab.lab() + ".reachability."), std::string::npos);
  expect_same_host(lab.lab(), before, "after netrig test");
}

TEST_F(SecurityGroupsTest, AWrongExpectationInTheMatrixFailsAndNamesTheRule) {
  // vm is in no group: db1's default deny ingress stops it at 3306. Expect allow on purpose.
  auto text = read_file(topology_path(kLab));
  const std::string row = "vm:    [allow, deny,  deny,";
  const auto at = text.find(row);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, row.size(), "vm:    [allow, deny,  allow,");
  const auto file = tmp_.file("wrong.yaml");
  write_file(file, text);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto r = netrig({"test", file, "--name", lab.lab()}, 240);
  EXPECT_EQ(r.exit_code, 1) << r.describe();
  EXPECT_NE(r.out.find("vm -> db1 tcp/3306 is deny, expected allow (default deny ingress db1:eth0)"), std::string::npos)
      << r.out;
  expect_same_host(lab.lab(), before, "after the failing test");
}

// Lines received by db1's listener, each stamped with its arrival time (seconds).
std::vector<double> arrivals(const std::string& file) {
  std::vector<double> t;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    try {
      t.push_back(std::stod(line.substr(0, line.find(' '))));
    } catch (const std::exception&) {
    }
  }
  return t;
}

TEST_F(SecurityGroupsTest, AnUpdateKeepsAnEstablishedConnectionAndRefusesNewOnes) {
  const auto file = topology_path(kLab);
  auto& lab = new_lab(file);
  auto before = snapshot(lab.lab());
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();

  // db1 listens on 3306 and stamps every line it receives; web1 sends a numbered line every 0.1 s.
  const auto received = tmp_.file("received");
  const auto stamp = tmp_.file("stamp.sh");
  write_file(stamp, "while read l; do echo \"$(date +%s.%N) $l\"; done >> " + received + "\n");
  Child server({netrig_binary(), "exec", lab.lab(), "db1", "--", "socat", "-u", "TCP-LISTEN:3306,reuseaddr,fork",
                "SYSTEM:sh " + stamp});
  // The listener is up once web2 (group web) can connect; this also shows 3306 is open before.
  bool open = false;
  for (int i = 0; i < 50 && !open; ++i) {
    open = netrig({"exec", lab.lab(), "web2", "--", "nc", "-z", "-w", "1", "10.26.1.21", "3306"}, 10).exit_code == 0;
    if (!open) usleep(100000);
  }
  ASSERT_TRUE(open) << "web2 cannot reach db1:3306 before the update";
  Child stream({netrig_binary(), "exec", lab.lab(), "web1", "--", "sh", "-c",
                "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done | socat -u - TCP:10.26.1.21:3306"});
  usleep(1500000);
  const size_t before_update = arrivals(received).size();
  ASSERT_GT(before_update, 5u) << "the stream did not start";

  // Remove db#1 (3306 from group web) and apply.
  auto text = read_file(file);
  const std::string rule = "      - {direction: ingress, protocol: tcp, port: 3306, remote_group: web}\n";
  ASSERT_NE(text.find(rule), std::string::npos);
  text.erase(text.find(rule), rule.size());
  const auto updated = tmp_.file("no3306.yaml");
  write_file(updated, text);
  auto a = netrig({"apply", updated, "--name", lab.lab()}, 30);
  ASSERT_EQ(a.exit_code, 0) << a.describe();
  auto table = run({find_ip(), "netns", "exec", lab.lab() + "-local", "nft", "list", "table", "bridge", "netrig_sg"});
  EXPECT_EQ(table.out.find("tcp dport 3306"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("db#1 ingress tcp/22 from 203.0.113.0/24"), std::string::npos) << table.out;

  // A new connection of the removed kind: dropped (no answer), not refused.
  auto fresh = netrig({"exec", lab.lab(), "web2", "--", "nc", "-z", "-w", "2", "10.26.1.21", "3306"}, 10);
  EXPECT_NE(fresh.exit_code, 0) << "a new connection to db1:3306 still opens after the update\n" << fresh.describe();
  EXPECT_GE(fresh.seconds, 1.5) << "refused rather than dropped\n" << fresh.describe();

  // ... while the established one keeps delivering.
  usleep(1000000);
  auto t = arrivals(received);
  EXPECT_GT(t.size(), before_update + 20) << "the established stream stopped at the update";
  double max_gap = 0;
  for (size_t i = 1; i < t.size(); ++i) max_gap = std::max(max_gap, t[i] - t[i - 1]);
  EXPECT_LT(max_gap, 0.5) << "the stream paused across the update";
  std::cout << "[ figures  ] lines " << t.size() << ", across the update max gap " << max_gap
            << " s (send interval 0.1 s); new connection gave up after " << fresh.seconds << " s\n";
  stream.signal(SIGKILL);
  server.signal(SIGKILL);

  auto x = netrig({"destroy", lab.lab()});
  EXPECT_EQ(x.exit_code, 0) << x.describe();
  expect_same_host(lab.lab(), before, "after destroy");
}

TEST_F(SecurityGroupsTest, ApplyRefusesChangesOtherThanSecurityGroups) {
  const auto file = topology_path(kLab);
  auto& lab = new_lab(file);
  auto d = netrig({"deploy", file, "--name", lab.lab()}, 120);
  ASSERT_EQ(d.exit_code, 0) << d.describe();
  auto listing = [&] {
    return run({find_ip(), "netns", "exec", lab.lab() + "-local", "nft", "list", "table", "bridge", "netrig_sg"}).out;
  };
  const auto rules = listing();
  ASSERT_NE(rules.find("sg_db_in"), std::string::npos) << rules;
  auto text = read_file(file);
  text.replace(text.find("10.26.1.30/24"), 13, "10.26.1.31/24");
  const auto moved = tmp_.file("moved.yaml");
  write_file(moved, text);
  auto a = netrig({"apply", moved, "--name", lab.lab()}, 30);
  EXPECT_EQ(a.exit_code, 2) << a.describe();
  EXPECT_NE(a.err.find("only security groups can change on a running lab"), std::string::npos) << a.err;
  EXPECT_NE(a.err.find("configure vm"), std::string::npos) << a.err;
  EXPECT_EQ(listing(), rules) << "a refused apply changed the rules";
}

}  // namespace
}  // namespace netrig_it
