// The script busybox udhcpc runs (-s) to apply a lease: the same text for netns nodes (written to
// the lab's state dir) and for vm guests (written into the guest by its configure script).
#pragma once

namespace netrig {

extern const char* const kUdhcpcScript;

}  // namespace netrig
