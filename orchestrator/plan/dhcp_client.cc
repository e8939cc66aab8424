#include "plan/dhcp_client.h"

namespace netrig {

const char* const kUdhcpcScript = R"(#!/bin/sh
# netrig: applies a udhcpc lease to the interface (busybox udhcpc -s).
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface" scope global
    ip link set dev "$interface" up
    ;;
  bound|renew)
    ip -4 addr flush dev "$interface" scope global
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done
    ;;
esac
exit 0
)";

}  // namespace netrig
