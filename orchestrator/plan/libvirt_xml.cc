#include "plan/libvirt_xml.h"

#include <cstdio>

#include "model/names.h"
#include "plan/vm.h"
#include "util/text.h"

namespace netrig {

std::string libvirt_tap_name(const std::string& lab, const std::string& node, const std::string& iface) {
  char name[16];
  std::snprintf(name, sizeof name, "nrv%08x", fnv1a32(lab + "/" + node + "/" + iface));
  return name;
}

LibvirtDomainSpec libvirt_domain_spec(const Plan& plan, const NodeSpec& node, const LibvirtInputs& in) {
  LibvirtDomainSpec s;
  const auto& lab = plan.topology.name;
  s.name = vm_domain_name(lab, node.name);
  s.type = in.type;
  s.memory_mib = node.vm.memory_mib;
  s.cpus = node.vm.cpus;
  s.kernel = in.image_dir + "/vmlinux";
  s.initrd = in.image_dir + "/initrd.cpio";
  s.cmdline = in.cmdline + " netrig.name=" + node.name;
  s.console_socket = in.run_dir + "/console.sock";
  s.console_log = in.run_dir + "/console.log";
  s.agent_socket = in.run_dir + "/agent.sock";
  for (const auto* link : vm_links(plan, node.name))
    s.nics.push_back({libvirt_tap_name(lab, node.name, link->b.iface), *link->b.mac, link->a.mtu.value_or(0)});
  s.lab = lab;
  s.node = node.name;
  s.version = in.version;
  return s;
}

std::string libvirt_owner_xml(const std::string& lab, const std::string& node, const std::string& version) {
  return "<netrig:owner xmlns:netrig='" + std::string(kLibvirtMetadataUri) + "' lab='" + xml_escape(lab) + "' node='" +
         xml_escape(node) + "' version='" + xml_escape(version) + "'/>";
}

bool libvirt_owner_matches(const std::string& metadata, const std::string& lab, const std::string& node) {
  auto has = [&](const std::string& key, const std::string& value) {
    const auto v = xml_escape(value);
    return metadata.find(key + "='" + v + "'") != std::string::npos ||
           metadata.find(key + "=\"" + v + "\"") != std::string::npos;
  };
  // libvirt gives the element back without its namespace declaration: <owner lab="…" node="…" …/>.
  return (metadata.rfind("<owner ", 0) == 0 || metadata.rfind("<netrig:owner ", 0) == 0) && has("lab", lab) &&
         has("node", node);
}

std::string libvirt_domain_xml(const LibvirtDomainSpec& s) {
  auto q = [](const std::string& v) { return "'" + xml_escape(v) + "'"; };
  std::string x;
  x += "<domain type=" + q(s.type) + ">\n";
  x += "  <name>" + xml_escape(s.name) + "</name>\n";
  x += "  <metadata>\n    " + libvirt_owner_xml(s.lab, s.node, s.version) + "\n  </metadata>\n";
  x += "  <memory unit='MiB'>" + std::to_string(s.memory_mib) + "</memory>\n";
  x += "  <vcpu>" + std::to_string(s.cpus) + "</vcpu>\n";
  x += "  <os>\n";
  x += "    <type arch='x86_64' machine='q35'>hvm</type>\n";
  x += "    <kernel>" + xml_escape(s.kernel) + "</kernel>\n";
  x += "    <initrd>" + xml_escape(s.initrd) + "</initrd>\n";
  x += "    <cmdline>" + xml_escape(s.cmdline) + "</cmdline>\n";
  x += "  </os>\n";
  x += "  <cpu mode='maximum'/>\n";
  x += "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>destroy</on_reboot>\n  <on_crash>destroy</on_crash>\n";
  x += "  <devices>\n";
  x += "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n";
  x += "    <serial type='unix'>\n";
  x += "      <source mode='bind' path=" + q(s.console_socket) + "/>\n";
  x += "      <log file=" + q(s.console_log) + " append='off'/>\n";
  x += "      <target port='0'/>\n";
  x += "    </serial>\n";
  x += "    <channel type='unix'>\n";
  x += "      <source mode='bind' path=" + q(s.agent_socket) + "/>\n";
  x += "      <target type='virtio' name='org.netrig.agent.0'/>\n";
  x += "    </channel>\n";
  for (const auto& n : s.nics) {
    x += "    <interface type='ethernet'>\n";
    x += "      <mac address=" + q(n.mac) + "/>\n";
    x += "      <target dev=" + q(n.tap) + "/>\n";
    x += "      <model type='virtio'/>\n";
    if (n.full_checksums) x += "      <driver>\n        <host csum='off'/>\n      </driver>\n";
    if (n.mtu > 0) x += "      <mtu size='" + std::to_string(n.mtu) + "'/>\n";
    x += "    </interface>\n";
  }
  x += "    <controller type='usb' model='none'/>\n";
  x += "    <memballoon model='none'/>\n";
  x += "  </devices>\n";
  // QEMU runs as root like the direct driver's, so it opens the lab's state directory (sockets,
  // console log) and the image cache as they are; libvirt relabels none of netrig's files.
  x += "  <seclabel type='static' model='dac' relabel='no'>\n    <label>+0:+0</label>\n  </seclabel>\n";
  x += "</domain>\n";
  return x;
}

}  // namespace netrig
