#!/usr/bin/env python3
"""The topology schema as an editor sees it: drives the YAML language server (npm package
yaml-language-server, which VS Code, Neovim, Emacs and Helix use for YAML) over LSP stdio with a
lab whose first line is `# yaml-language-server: $schema=topology.schema.json`, and checks that

  * a netns node's `memory:` gets a diagnostic (and a vm node's does not),
  * completion on an ovs switch offers its keys (ports, bonds, flows, ...) and no vm or netns keys,
  * completion inside an ovs port offers the port keys (tag, trunks, vlan_mode, type, peer).

Usage: yaml_language_server_check.py SERVER SCHEMA
  SERVER: the yaml-language-server executable (ci/setup.sh installs it under .cache/yaml-ls/).
  SCHEMA: the schema file (the test writes `netrig schema`'s output).
Prints one line per problem; exit 0 when there is none.
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time

LAB = """\
# yaml-language-server: $schema=topology.schema.json
name: lsp
topology:
  nodes:
    h1:
      memory: 256
      interfaces: {eth0: 10.0.0.1/24}
    g1:
      kind: vm
      memory: 256
      interfaces: {eth0: 10.0.0.2/24}
    s1:
      kind: ovs
      fail_mode: standalone
      ports:
        eth1:
          tag: 10
  links:
    - endpoints: ["h1:eth0", "s1:eth1"]
    - endpoints: ["g1:eth0", "s1:eth2"]
"""
MEMORY_NETNS = 5  # 0-based lines of LAB
MEMORY_VM = 9
SWITCH_KEY = 13  # "      fail_mode: standalone": completion at its column 6 offers the switch's keys
PORT_KEY = 16  # "          tag: 10": completion at its column 10 offers the port's keys


class Server:
    def __init__(self, argv, cwd):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=cwd)
        self.inbox = queue.Queue()
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                k, v = line.decode().split(":", 1)
                headers[k.lower()] = v.strip()
            self.inbox.put(json.loads(out.read(int(headers["content-length"]))))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params, timeout=30):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout).get("result")

    def wait(self, match, timeout):
        """Handles the server's own requests while waiting for the message `match` accepts."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the language server within %ss" % timeout)
            try:
                msg = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if msg is None:
                raise EOFError("the language server exited")
            if "method" in msg and "id" in msg:  # a request to the client
                result = None
                if msg["method"] == "workspace/configuration":
                    result = [SETTINGS["yaml"] if i.get("section") == "yaml" else None
                              for i in msg["params"]["items"]]
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                continue
            if match(msg):
                return msg

    def close(self):
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
            self.proc.wait()


SETTINGS = {"yaml": {"validate": True, "completion": True, "hover": True, "schemas": {},
                     "schemaStore": {"enable": False}}}


def labels(result):
    items = result.get("items", []) if isinstance(result, dict) else (result or [])
    return {i["label"] for i in items}


def main():
    server_bin, schema = os.path.abspath(sys.argv[1]), sys.argv[2]
    problems = []
    work = tempfile.mkdtemp(prefix="netrig-yaml-ls-")
    try:
        shutil.copy(schema, os.path.join(work, "topology.schema.json"))
        lab = os.path.join(work, "lab.yaml")
        with open(lab, "w") as f:
            f.write(LAB)
        uri = "file://" + lab
        s = Server([server_bin, "--stdio"], work)
        try:
            s.request("initialize", {
                "processId": os.getpid(), "rootUri": "file://" + work,
                "capabilities": {"workspace": {"configuration": True},
                                 "textDocument": {"completion": {"completionItem": {"snippetSupport": False}},
                                                  "publishDiagnostics": {}}}})
            s.notify("initialized", {})
            s.notify("workspace/didChangeConfiguration", {"settings": SETTINGS})
            s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                                "text": LAB}})
            diags = s.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                           and m["params"]["uri"] == uri, 60)["params"]["diagnostics"]
            lines = {d["range"]["start"]["line"]: d["message"] for d in diags}
            if MEMORY_NETNS not in lines:
                problems.append("no diagnostic on the netns node's 'memory:' (line %d); diagnostics: %s"
                                % (MEMORY_NETNS + 1, json.dumps(diags)))
            for line, message in sorted(lines.items()):
                if line != MEMORY_NETNS:
                    problems.append("unexpected diagnostic at line %d: %s" % (line + 1, message))

            def complete(line, col):
                return labels(s.request("textDocument/completion", {
                    "textDocument": {"uri": uri}, "position": {"line": line, "character": col}}))

            switch = complete(SWITCH_KEY, 6)
            for want in ("bonds", "flows", "controller", "datapath", "mac_table_size"):  # not ports: it is there
                if want not in switch:
                    problems.append("completion on the ovs switch lacks '%s': %s" % (want, sorted(switch)))
            for unwanted in ("memory", "interfaces", "routes", "dhcp"):
                if unwanted in switch:
                    problems.append("completion on the ovs switch offers '%s': %s" % (unwanted, sorted(switch)))
            port = complete(PORT_KEY, 10)
            for want in ("trunks", "vlan_mode", "type", "peer"):
                if want not in port:
                    problems.append("completion in an ovs port lacks '%s': %s" % (want, sorted(port)))
            print("diagnostics: %s" % {l + 1: m for l, m in lines.items()}, file=sys.stderr)
            print("switch keys: %s\nport keys: %s" % (sorted(switch), sorted(port)), file=sys.stderr)
        finally:
            s.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
