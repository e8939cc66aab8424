// The reachability matrix: every cell probed at the same time (a thread per cell, at most
// kMaxParallel at once), each retried until it shows its expected verdict or the check's timeout
// passes. A TCP cell is allowed when the handshake completes or the target answers with a reset
// (the packet got through); denied when nothing answers. UDP: netrig's echo listener answers, or
// an ICMP port-unreachable comes back. ICMP: one echo reply. The deciding rule comes from the pure
// security-group evaluator (plan/security_groups.h).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "checks/kinds.h"
#include "drivers/interrupt.h"
#include "plan/security_groups.h"

namespace netrig {
namespace {

constexpr size_t kMaxParallel = 16;

struct Column {
  ReachTarget spec;
  std::string address;  // "" when the target has no address
  std::string node;     // the lab node holding the address ("" if none)
  std::string iface;
};

// The lab interface that holds `address` ("" node when none does).
void owner_of(const Topology& topo, const IpAddr& address, std::string& node, std::string& iface) {
  for (const auto& n : topo.nodes)
    for (const auto& i : n.interfaces)
      for (const auto& a : i.addresses)
        if (a.addr == address) {
          node = n.name;
          iface = i.name;
          return;
        }
}

// The interface a node most likely sends from to reach `dst`: one on dst's network, else the first
// with an address of dst's family (its default route).
const InterfaceSpec* source_iface(const NodeSpec& node, const IpAddr& dst, IpAddr& src) {
  for (const auto& i : node.interfaces)
    for (const auto& a : i.addresses)
      if (a.addr.family == dst.family && a.network().contains(dst)) {
        src = a.addr;
        return &i;
      }
  for (const auto& i : node.interfaces)
    for (const auto& a : i.addresses)
      if (a.addr.family == dst.family) {
        src = a.addr;
        return &i;
      }
  return nullptr;
}

std::string column_label(const ReachTarget& t) {
  return t.target + (t.protocol == "icmp" ? std::string(" icmp") : " " + t.protocol + "/" + std::to_string(t.port));
}

// One attempt: "allow" or "deny", with what was seen.
std::string probe(const Plan& plan, const std::string& from, const Column& col, std::string& outcome) {
  CheckSpec c;
  c.node = from;
  c.target = col.address;
  c.protocol = col.spec.protocol;
  c.port = col.spec.port;
  if (col.spec.protocol == "icmp") {
    c.type = CheckType::Ping;
    c.count = 1;
    auto r = ping_once(plan, c, col.address);
    auto s = r.evidence.empty() ? PingSummary{} : parse_ping_output(r.evidence.front().output);
    outcome = std::to_string(s.received) + "/" + std::to_string(s.transmitted) + " echo replies";
    return s.received > 0 ? "allow" : "deny";
  }
  c.type = CheckType::Connect;
  auto r = connect_once(plan, c, col.address);
  outcome = r.evidence.empty() ? "no evidence" : r.evidence.front().output;
  // A reset or port-unreachable came from the target: the packet was let through.
  bool reached = outcome == "connected" || outcome == "reply received" || outcome.rfind("refused", 0) == 0;
  return reached ? "allow" : "deny";
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

CheckResult reachability_run(const Plan& plan, const CheckSpec& check) {
  using clock = std::chrono::steady_clock;
  const auto& topo = plan.topology;
  CheckResult result;
  std::vector<Column> cols;
  for (const auto& t : check.reach_to) {
    Column col;
    col.spec = t;
    col.address = resolve_target(topo, t.target, 0);
    if (auto a = IpAddr::parse(col.address)) owner_of(topo, *a, col.node, col.iface);
    cols.push_back(col);
  }
  // Listeners on node targets, one per (node, protocol, address, port), held for the whole matrix.
  std::map<std::string, std::unique_ptr<Listener>> listeners;
  try {
    for (const auto& col : cols) {
      if (col.spec.protocol == "icmp" || col.address.empty() || IpAddr::parse(col.spec.target)) continue;
      auto& l = listeners[col.node + "|" + col.spec.protocol + "|" + col.address + "|" + std::to_string(col.spec.port)];
      if (!l) l = std::make_unique<Listener>(plan.netns_of(col.node), col.spec.protocol, col.address, col.spec.port);
    }
  } catch (const std::exception& e) {
    result.status = CheckStatus::Error;
    result.message = std::string("cannot open a listener: ") + e.what();
    return result;
  }
  // Cells, row-major; '-' cells are left out.
  struct Job {
    size_t row, col;
  };
  std::vector<Job> jobs;
  for (size_t r = 0; r < check.reach_from.size(); ++r)
    for (size_t c = 0; c < cols.size(); ++c)
      if (check.reach_tried[r][c]) jobs.push_back({r, c});
  std::vector<CellResult> cells(jobs.size());
  const auto deadline = clock::now() + std::chrono::duration<double>(check.timeout_s);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t j; (j = next++) < jobs.size();) {
      const auto [r, c] = jobs[j];
      const auto& from = check.reach_from[r];
      const auto& col = cols[c];
      CellResult& cell = cells[j];
      const auto start = clock::now();
      cell.from = from;
      cell.to = col.spec.target;
      cell.address = col.address;
      cell.protocol = col.spec.protocol;
      cell.port = col.spec.port;
      cell.expected = check.reach_allow[r][c] ? "allow" : "deny";
      auto dst = IpAddr::parse(col.address);
      if (!dst) {
        cell.observed = "error";
        cell.outcome = "'" + col.spec.target + "' has no address";
        continue;
      }
      IpAddr src;
      const auto* node = topo.find_node(from);
      const auto* out = node ? source_iface(*node, *dst, src) : nullptr;
      if (!out) {
        cell.observed = "error";
        cell.outcome = from + " has no IPv" + std::to_string(dst->family) + " address";
        continue;
      }
      auto decision = evaluate_security_groups(topo, from, out->name, src, col.node, col.iface, *dst, col.spec.protocol,
                                               col.spec.port);
      cell.rule = decision.rule;
      for (;;) {
        try {
          cell.observed = probe(plan, from, col, cell.outcome);
        } catch (const std::exception& e) {
          cell.observed = "error";
          cell.outcome = e.what();
        }
        // An open path is final; a closed one may still be opening (routes, listeners, ARP).
        if (cell.observed != "deny" || cell.expected == "deny") break;
        if (clock::now() + std::chrono::milliseconds(300) >= deadline || interrupted()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
      cell.passed = cell.observed == cell.expected;
      cell.seconds = std::chrono::duration<double>(clock::now() - start).count();
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 0; i < std::min(kMaxParallel, jobs.size()); ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  // The matrix: rows = from, columns = targets; a cell shows what was seen, and "!" + the
  // expectation where they differ.
  std::vector<std::vector<std::string>> grid(check.reach_from.size(), std::vector<std::string>(cols.size(), "-"));
  size_t failed = 0, errors = 0;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const auto& cell = cells[j];
    std::string text = cell.observed;
    if (!cell.passed) text += " (expected " + cell.expected + ")";
    grid[jobs[j].row][jobs[j].col] = text;
    failed += !cell.passed;
    errors += cell.observed == "error";
  }
  size_t first = 4;
  for (const auto& f : check.reach_from) first = std::max(first, f.size() + 2);
  std::vector<size_t> width(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    width[c] = column_label(cols[c].spec).size() + 2;
    for (const auto& row : grid) width[c] = std::max(width[c], row[c].size() + 2);
  }
  std::string header = pad("from", first);
  for (size_t c = 0; c < cols.size(); ++c) header += pad(column_label(cols[c].spec), width[c]);
  result.table.push_back(header);
  for (size_t r = 0; r < grid.size(); ++r) {
    std::string line = pad(check.reach_from[r], first);
    for (size_t c = 0; c < cols.size(); ++c) line += pad(grid[r][c], width[c]);
    result.table.push_back(line);
  }
  for (const auto& cell : cells) {
    result.table.push_back((cell.passed ? "ok   " : "FAIL ") + cell.from + " -> " +
                           column_label({cell.to, cell.protocol, cell.port, {}}) + ": " + cell.observed + " (" +
                           cell.outcome + "), expected " + cell.expected +
                           (cell.rule.empty() ? "" : "; rule: " + cell.rule));
    result.evidence.push_back({cell.protocol + " " + cell.from + " -> " + cell.address +
                                   (cell.protocol == "icmp" ? "" : ":" + std::to_string(cell.port)),
                               cell.observed + ": " + cell.outcome + "; expected " + cell.expected +
                                   (cell.rule.empty() ? "" : "; rule: " + cell.rule),
                               cell.passed ? 0 : 1, cell.seconds});
  }
  result.cells = cells;
  result.figures = {{"cells", static_cast<double>(cells.size())},
                    {"cells_passed", static_cast<double>(cells.size() - failed)},
                    {"cells_failed", static_cast<double>(failed)},  // the errors among them too
                    {"cells_error", static_cast<double>(errors)}};
  if (errors) {
    result.status = CheckStatus::Error;
    result.message = std::to_string(errors) + " of " + std::to_string(cells.size()) + " cells could not be probed";
  } else if (failed) {
    result.status = CheckStatus::Failed;
    std::string first_bad;
    for (const auto& cell : cells)
      if (!cell.passed) {
        first_bad = cell.from + " -> " + column_label({cell.to, cell.protocol, cell.port, {}}) + " is " +
                    cell.observed + ", expected " + cell.expected + (cell.rule.empty() ? "" : " (" + cell.rule + ")");
        break;
      }
    result.message =
        std::to_string(failed) + " of " + std::to_string(cells.size()) + " cells differ; first: " + first_bad;
  } else {
    result.status = CheckStatus::Passed;
    size_t allowed = 0;
    for (const auto& cell : cells) allowed += cell.observed == "allow";
    result.message = "all " + std::to_string(cells.size()) + " cells as expected (" + std::to_string(allowed) +
                     " allow, " + std::to_string(cells.size() - allowed) + " deny)";
  }
  return result;
}

}  // namespace netrig
