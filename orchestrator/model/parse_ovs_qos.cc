// OVS QoS of a switch port (lecture 27's `ovs-vsctl set port P qos=@q -- --id=@q create qos
// type=linux-htb other-config:max-rate=... queues=0=@q0 -- --id=@q0 create queue
// other-config:min-rate=...`) and ingress policing (`ovs-vsctl set interface P
// ingress_policing_rate=KBPS ingress_policing_burst=KBIT`): rates resolved to bit/s, a queue
// asking more than its QoS's max-rate, an unknown unit and a flow naming no queue refused at their
// place.
#include <regex>

#include "model/parse_internal.h"
#include "model/parse_qos.h"

namespace netrig {
namespace {

// ", did you mean ..." after a message, or nothing.
inline std::string spaced(const std::string& hint) { return hint.empty() ? hint : ", " + hint; }

const std::vector<std::string> kOvsQosKeys = {"type", "max_rate", "queues"};
const std::vector<std::string> kQueueKeys = {"min_rate", "max_rate", "priority"};

std::optional<uint64_t> ovs_rate(Reader& r, const Entry& e, const std::string& what) {
  auto text = r.string(e, what);
  if (!text) return std::nullopt;
  std::string why;
  auto v = parse_qos_rate(*text, why);
  if (!v) {
    r.error(e, what + ": " + why, "rates with tc's units: 10mbit, 3000kbit, 1gbit (bits); 125kbps (bytes)");
    return std::nullopt;
  }
  if (*v == 0) {
    r.error(e, what + " is 0", "give a positive rate");
    return std::nullopt;
  }
  return v;
}

}  // namespace

void parse_ovs_port_qos(Reader& r, const Entry& port_body, OvsPortSpec& port, const std::string& where) {
  if (auto e = Reader::get(port_body.value, "ingress_policing_rate")) {
    // OVS's own unit, kbit/s, as a bare number (the lecture's 100000); or a rate with a unit.
    if (e.value.IsScalar() && !e.value.Scalar().empty() &&
        e.value.Scalar().find_first_not_of("0123456789") == std::string::npos) {
      if (auto v = r.integer(e, "'ingress_policing_rate' (kbit/s)", 1, 0xffffffffll)) port.policing_rate_kbps = *v;
    } else if (auto v = ovs_rate(r, e, "'ingress_policing_rate'")) {
      if (*v < 1000)
        r.error(e, "'ingress_policing_rate' is below 1 kbit/s, OVS's unit", "give at least 1kbit");
      else
        port.policing_rate_kbps = *v / 1000;
    }
  }
  if (auto e = Reader::get(port_body.value, "ingress_policing_burst")) {
    if (auto v = r.integer(e, "'ingress_policing_burst' (kbit)", 1, 0xffffffffll)) port.policing_burst_kbit = *v;
    if (!Reader::get(port_body.value, "ingress_policing_rate"))
      r.error(Entry(e.key), where + " has 'ingress_policing_burst' but no 'ingress_policing_rate'",
              "the burst belongs to a policer: add ingress_policing_rate (kbit/s, e.g. 5000)");
  }
  const auto qos = Reader::get(port_body.value, "qos");
  if (!qos) return;
  const auto what = "'qos' of " + where;
  if (!r.is_map(qos, what)) return;
  r.check_keys(qos, kOvsQosKeys, what);
  OvsQosSpec q;
  q.pos = Reader::pos(qos);
  if (auto t = Reader::get(qos.value, "type")) {
    auto s = r.string(t, "qos type");
    if (s && *s != "linux-htb" && *s != "linux-hfsc") {
      r.error(t,
              "qos type '" + *s + "' is not linux-htb or linux-hfsc" +
                  spaced(did_you_mean(*s, {"linux-htb", "linux-hfsc"})),
              "OVS shapes a port with linux-htb (rate/ceil/priority per queue) or linux-hfsc");
      return;
    }
    if (s) q.type = *s;
  }
  if (auto m = Reader::get(qos.value, "max_rate")) {
    q.max_rate = ovs_rate(r, m, "qos max_rate");
    if (!q.max_rate) return;
  }
  const auto queues = Reader::get(qos.value, "queues");
  if (!queues) {
    r.error(qos, what + " has no 'queues'", "give at least queue 0, e.g. queues: {0: {max_rate: 10mbit}}");
    return;
  }
  if (!r.is_map(queues, "'queues' of " + where)) return;
  uint64_t min_sum = 0;
  for (const auto& item : r.entries(queues, "'queues' of " + where)) {
    OvsQueueSpec queue;
    queue.pos = Reader::pos(item.key);
    auto id = r.integer(Entry(item.key), "a queue id", 0, 0xffffffffll);
    if (!id) continue;
    queue.id = static_cast<uint32_t>(*id);
    const auto qwhat = "queue " + std::to_string(queue.id) + " of " + where;
    if (!item.value.IsNull()) {
      if (!r.is_map(item, qwhat)) continue;
      r.check_keys(item, kQueueKeys, qwhat);
      if (auto e = Reader::get(item.value, "min_rate")) queue.min_rate = ovs_rate(r, e, qwhat + " min_rate");
      if (auto e = Reader::get(item.value, "max_rate")) queue.max_rate = ovs_rate(r, e, qwhat + " max_rate");
      if (auto e = Reader::get(item.value, "priority")) {
        if (q.type != "linux-htb")
          r.error(Entry(e.key), qwhat + ": 'priority' is for linux-htb", "remove it, or make the qos linux-htb");
        else if (auto v = r.integer(e, qwhat + " priority", 0, 0xffffffffll))
          queue.priority = static_cast<int>(*v);
      }
      if (queue.min_rate && queue.max_rate && *queue.min_rate > *queue.max_rate)
        r.error(Reader::get(item.value, "min_rate"),
                qwhat + " min_rate " + qos_rate_text(*queue.min_rate) + " is above its max_rate " +
                    qos_rate_text(*queue.max_rate),
                "the max_rate is the most a queue may borrow up to: at least its min_rate");
      for (const char* key : {"min_rate", "max_rate"}) {
        const auto& v = std::string(key) == "min_rate" ? queue.min_rate : queue.max_rate;
        if (v && q.max_rate && *v > *q.max_rate)
          r.error(Reader::get(item.value, key),
                  qwhat + " " + key + " " + qos_rate_text(*v) + " is above the port's qos max_rate " +
                      qos_rate_text(*q.max_rate),
                  "a queue can never send faster than the port; lower it to at most " + qos_rate_text(*q.max_rate));
      }
    }
    if (queue.min_rate) min_sum += *queue.min_rate;
    q.queues.push_back(queue);
  }
  if (q.max_rate && min_sum > *q.max_rate)
    r.error(queues,
            "the min_rates of the queues of " + where + " add up to " + qos_rate_text(min_sum) +
                ", more than its qos max_rate " + qos_rate_text(*q.max_rate),
            "a port cannot guarantee more than it sends; make them add up to at most " + qos_rate_text(*q.max_rate));
  port.qos = std::move(q);
}

void check_ovs_flow_queues(Reader& r, const NodeSpec& node) {
  const auto& o = *node.ovs;
  // enqueue:PORT:Q and enqueue(PORT,Q): that port's qos must have queue Q; set_queue:Q: some port's.
  static const std::regex enqueue(R"re(enqueue(?::|\()\s*"?([A-Za-z0-9_.-]+)"?\s*[:,]\s*([0-9]+))re");
  static const std::regex set_queue(R"re(set_queue:\s*([0-9]+))re");
  for (const auto& f : o.flows) {
    for (std::sregex_iterator it(f.text.begin(), f.text.end(), enqueue), end; it != end; ++it) {
      const std::string port = (*it)[1];
      const auto id = std::stoull((*it)[2]);
      const auto* p = o.find_port(port);
      if (!p) continue;  // a port number or a name ovs-ofctl resolves: checked by ovs-ofctl
      if (!p->qos)
        r.error(f.pos,
                "flow '" + f.text + "' enqueues to port '" + port + "' of ovs '" + node.name + "', which has no qos",
                "give the port a qos with queues: {type: linux-htb, queues: {" + std::to_string(id) + ": {...}}}");
      else if (id > 0xffffffffull || !p->qos->find_queue(static_cast<uint32_t>(id)))
        r.error(f.pos,
                "flow '" + f.text + "' enqueues to queue " + std::to_string(id) + " of port '" + port +
                    "', which has no such queue",
                "add queue " + std::to_string(id) + " under the port's qos: queues:, or enqueue to one it has");
    }
    for (std::sregex_iterator it(f.text.begin(), f.text.end(), set_queue), end; it != end; ++it) {
      const auto id = std::stoull((*it)[1]);
      bool found = false;
      for (const auto& p : o.ports)
        found |= p.qos && id <= 0xffffffffull && p.qos->find_queue(static_cast<uint32_t>(id));
      if (!found)
        r.error(
            f.pos,
            "flow '" + f.text + "' sets queue " + std::to_string(id) + ", which no port of ovs '" + node.name + "' has",
            "add queue " + std::to_string(id) + " under a port's qos: queues:");
    }
  }
}

}  // namespace netrig
