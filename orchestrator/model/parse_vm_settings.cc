// settings.vm_driver and settings.libvirt_uri: which driver starts the lab's vm nodes.
#include "model/parse_internal.h"
#include "model/vm_driver.h"

namespace netrig {

void parse_vm_settings(Reader& r, const Entry& settings, Topology& topo) {
  if (const auto v = Reader::get(settings.value, "vm_driver"))
    if (auto s = r.string(v, "'vm_driver'")) {
      if (*s != "direct" && *s != "libvirt")
        r.error(v, "'vm_driver' must be direct or libvirt, not '" + *s + "'",
                "direct (the default) runs QEMU itself; libvirt starts the guests through libvirtd at 'libvirt_uri'");
      else
        topo.vm_driver = *s;
    }
  if (const auto v = Reader::get(settings.value, "libvirt_uri"))
    if (auto s = r.string(v, "'libvirt_uri'")) {
      if (auto why = libvirt_uri_problem(*s); !why.empty())
        r.error(v, "libvirt_uri '" + *s + "' cannot be used: " + why,
                "use qemu:///system (the default), or leave 'vm_driver' at direct");
      else if (topo.vm_driver != "libvirt")
        r.error(v, "'libvirt_uri' is set but 'vm_driver' is not libvirt",
                "add 'vm_driver: libvirt' to settings, or remove 'libvirt_uri'");
      else
        topo.libvirt_uri = *s;
    }
}

}  // namespace netrig
