#include "api/metrics.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace netrig::api {
namespace {

using nlohmann::json;
using Labels = std::vector<std::pair<std::string, std::string>>;

// One metric family: HELP, TYPE, then its samples together (the format wants them contiguous).
struct Family {
  std::string help;
  std::string type;  // gauge, counter
  std::vector<std::pair<Labels, std::string>> samples;
};

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

class Exposition {
 public:
  void add(const std::string& name, const std::string& type, const std::string& help, Labels labels,
           const std::string& value) {
    auto [it, fresh] = families_.try_emplace(name);
    if (fresh) {
      order_.push_back(name);
      it->second.help = help;
      it->second.type = type;
    }
    it->second.samples.emplace_back(std::move(labels), value);
  }
  void gauge(const std::string& name, const std::string& help, Labels labels, double v) {
    add(name, "gauge", help, std::move(labels), number(v));
  }
  void counter(const std::string& name, const std::string& help, Labels labels, uint64_t v) {
    add(name, "counter", help, std::move(labels), std::to_string(v));
  }

  std::string text() const {
    std::ostringstream out;
    for (const auto& name : order_) {
      const auto& f = families_.at(name);
      out << "# HELP " << name << " " << f.help << "\n# TYPE " << name << " " << f.type << "\n";
      for (const auto& [labels, value] : f.samples) {
        out << name;
        if (!labels.empty()) {
          out << "{";
          for (size_t i = 0; i < labels.size(); ++i)
            out << (i ? "," : "") << labels[i].first << "=\"" << escape_label_value(labels[i].second) << "\"";
          out << "}";
        }
        out << " " << value << "\n";
      }
    }
    return out.str();
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, Family> families_;
};

std::string str(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

const InterfaceCounters* observed(const LabSnapshot& s, const std::string& netns, const std::string& device) {
  auto ns = s.counters.find(netns);
  if (ns == s.counters.end()) return nullptr;
  auto dev = ns->second.find(device);
  return dev == ns->second.end() ? nullptr : &dev->second;
}

bool end_up(const LabSnapshot& s, const json& end) {
  const auto* c = observed(s, str(end, "netns"), str(end, "device"));
  return c && c->up && c->carrier;
}

std::string end_name(const json& end) {
  const auto iface = str(end, "iface");
  return iface.empty() ? str(end, "node") : str(end, "node") + ":" + iface;
}

void lab_metrics(Exposition& m, const LabSnapshot& s, const ServeStats& stats) {
  const auto& st = s.status;
  const Labels lab{{"lab", s.lab}};
  m.gauge("netrig_lab_info", "a deployed lab (always 1), with its state and topology file",
          {{"lab", s.lab}, {"status", str(st, "status")}, {"file", str(st, "file")}}, 1);
  if (st.contains("created") && st["created"].is_number() && st["created"].get<double>() > 0)
    m.gauge("netrig_lab_created_timestamp_seconds", "when the lab's deploy finished (Unix time)", lab,
            st["created"].get<double>());

  std::map<std::string, int> kinds;
  std::map<std::string, std::string> node_of_netns;
  for (const auto& n : st.value("nodes", json::array())) {
    const auto kind = str(n, "kind");
    ++kinds[kind];
    m.gauge("netrig_node_present", "1 when the node's namespace or device exists, 0 when it is missing",
            {{"lab", s.lab}, {"node", str(n, "name")}, {"kind", kind}}, n.value("present", false) ? 1 : 0);
    if (kind != "bridge" && kind != "ovs" && !str(n, "netns").empty()) node_of_netns[str(n, "netns")] = str(n, "name");
  }
  for (const auto& [kind, count] : kinds)
    m.gauge("netrig_lab_nodes", "nodes of the lab by kind (switches included)", {{"lab", s.lab}, {"kind", kind}},
            count);

  int links = 0, links_up = 0;
  std::map<std::string, int> seen;
  for (const auto& l : st.value("links", json::array())) {
    const bool up = end_up(s, l["a"]) && end_up(s, l["b"]);
    ++links;
    links_up += up;
    std::string name = end_name(l["a"]) + "--" + end_name(l["b"]);
    if (int n = ++seen[name]; n > 1) name += "#" + std::to_string(n);
    m.gauge("netrig_link_up", "1 when both ends of the link are up with carrier", {{"lab", s.lab}, {"link", name}},
            up ? 1 : 0);
  }
  m.gauge("netrig_lab_links", "links of the lab", lab, links);
  m.gauge("netrig_lab_links_up", "links of the lab whose both ends are up with carrier", lab, links_up);

  for (const auto& [netns, devices] : s.counters)
    for (const auto& [device, c] : devices) {
      if (device == "lo") continue;
      auto node = node_of_netns.find(netns);
      Labels l{{"lab", s.lab},
               {"node", node == node_of_netns.end() ? "local" : node->second},
               {"netns", netns},
               {"device", device}};
      m.gauge("netrig_interface_up", "1 when the interface is administratively up (IFF_UP)", l, c.up);
      m.gauge("netrig_interface_carrier", "1 when the interface has carrier (IFF_LOWER_UP)", l, c.carrier);
      m.counter("netrig_interface_receive_bytes_total", "bytes received (/proc/net/dev)", l, c.rx_bytes);
      m.counter("netrig_interface_receive_packets_total", "packets received", l, c.rx_packets);
      m.counter("netrig_interface_receive_drops_total", "received packets dropped", l, c.rx_drops);
      m.counter("netrig_interface_receive_errors_total", "receive errors", l, c.rx_errors);
      m.counter("netrig_interface_transmit_bytes_total", "bytes sent", l, c.tx_bytes);
      m.counter("netrig_interface_transmit_packets_total", "packets sent", l, c.tx_packets);
      m.counter("netrig_interface_transmit_drops_total", "sent packets dropped", l, c.tx_drops);
      m.counter("netrig_interface_transmit_errors_total", "transmit errors", l, c.tx_errors);
    }

  // tc's counters of every qdisc and class of the interfaces with qos: (the classes by their name in
  // the file), as `tc -s class show` prints them.
  for (const auto& q : st.value("qos", json::array())) {
    const std::string object = str(q, "object");
    if (object != "qdisc" && object != "class") continue;
    Labels l{{"lab", s.lab},
             {"node", str(q, "node")},
             {"interface", str(q, "interface")},
             {"device", str(q, "device")},
             {"direction", str(q, "direction")},
             {"handle", str(q, "handle")},
             {"kind", str(q, "kind")}};
    if (object == "class") l.emplace_back("class", str(q, "class"));
    const std::string p = "netrig_qos_" + object + "_";
    const std::string what = object == "class" ? "per qos class" : "per qdisc";
    m.counter(p + "bytes_total", "bytes sent " + what + " (tc -s)", l, q.value("bytes", uint64_t{0}));
    m.counter(p + "packets_total", "packets sent " + what, l, q.value("packets", uint64_t{0}));
    m.counter(p + "drops_total", "packets dropped " + what, l, q.value("drops", uint64_t{0}));
    m.counter(p + "overlimits_total", "times over its rate " + what, l, q.value("overlimits", uint64_t{0}));
    m.counter(p + "requeues_total", "requeues " + what, l, q.value("requeues", uint64_t{0}));
    m.gauge(p + "backlog_bytes", "bytes queued now " + what, l, static_cast<double>(q.value("backlog", uint64_t{0})));
    m.gauge(p + "queue_packets", "packets queued now " + what, l, static_cast<double>(q.value("qlen", uint64_t{0})));
  }

  // How long the deploy took: serve's own deploy job, else the run `netrig test --keep` kept.
  double deploy = 0;
  if (auto it = stats.deploy_seconds.find(s.lab); it != stats.deploy_seconds.end()) deploy = it->second;
  if (deploy <= 0 && s.checks && s.checks->is_object())
    deploy = s.checks->value("timings", json::object()).value("deploy", 0.0);
  if (deploy > 0) m.gauge("netrig_lab_deploy_duration_seconds", "how long the lab's deploy took", lab, deploy);

  if (!s.checks || !s.checks->is_object()) return;
  const auto& report = *s.checks;
  for (const char* status : {"passed", "failed", "errors", "skipped"})
    m.gauge("netrig_lab_checks", "results of the lab's latest check run by status",
            {{"lab", s.lab}, {"status", status}}, report.value(status, 0));
  const auto timings = report.value("timings", json::object());
  m.gauge("netrig_lab_checks_duration_seconds", "how long the latest check run took", lab,
          timings.value("checks", 0.0));
  m.gauge("netrig_lab_checks_exit_code", "netrig's exit code for the latest check run (0 = all passed)", lab,
          report.value("exit_code", 0));
  seen.clear();
  for (const auto& c : report.value("checks", json::array())) {
    std::string name = str(c, "name");
    if (int n = ++seen[name]; n > 1) name += "#" + std::to_string(n);
    const auto status = str(c, "status");
    Labels l{{"lab", s.lab}, {"check", name}, {"type", str(c, "type")}};
    for (const char* each : {"passed", "failed", "error", "skipped"}) {
      Labels ls = l;
      ls.emplace_back("status", each);
      m.gauge("netrig_check_status", "the latest result of each check: 1 for its status, 0 for the others", ls,
              status == each ? 1 : 0);
    }
    if (c.contains("seconds") && c["seconds"].is_number())
      m.gauge("netrig_check_duration_seconds", "how long each check of the latest run took", l,
              c["seconds"].get<double>());
  }
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    if (ch == '\\')
      out += "\\\\";
    else if (ch == '"')
      out += "\\\"";
    else if (ch == '\n')
      out += "\\n";
    else
      out += ch;
  }
  return out;
}

std::string metrics_text(const std::vector<std::shared_ptr<const LabSnapshot>>& labs, const ServeStats& stats) {
  Exposition m;
  m.gauge("netrig_labs", "labs deployed on this host", {}, labs.size());
  m.counter("netrig_events_total", "events published on /api/v1/events since serve started", {}, stats.events);
  m.gauge("netrig_jobs_running", "mutations (deploy, destroy, check runs) under way", {}, stats.jobs_running);
  for (const auto& s : labs)
    if (s) lab_metrics(m, *s, stats);
  return m.text();
}

}  // namespace netrig::api
