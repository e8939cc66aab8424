// Drives netrig serve's status page in Debian's chromium through Playwright (as status_page.js) for
// a lab with hosts and tunnels: reads the host boxes (svg g.host), what is drawn in each, the
// tunnel edges (svg path.tunnel, dashed) and the tunnels table. Run by
// tests/integration/api_page_test.cc, which deploys topologies/lecture28-vxlan.yaml and starts
// serve; it reads the one JSON line this prints.
//
// Environment: PLAYWRIGHT_CORE, CHROMIUM, NETRIG_URL, NETRIG_LAB, NETRIG_SCREENSHOT.
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const env = name => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function main() {
  const url = env("NETRIG_URL"), lab = env("NETRIG_LAB");
  const origin = new URL(url).origin;
  const out = {external_requests: [], console_errors: []};
  const browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--no-first-run"],
  });
  try {
    const page = await browser.newPage({viewport: {width: 1100, height: 1000}});
    await page.route("**/*", route => {
      const u = route.request().url();
      if (u.startsWith(origin + "/")) return route.continue();
      out.external_requests.push(u);
      return route.abort();
    });
    page.on("console", m => { if (m.type() === "error") out.console_errors.push(m.text()); });
    page.on("pageerror", e => out.console_errors.push(String(e)));
    await page.goto(url, {waitUntil: "load"});
    const section = `section[data-lab="${lab}"]`;
    await page.waitForSelector(`${section} svg g.host`, {timeout: 15000});
    // Each host box, its rectangle's extent, and the nodes drawn inside it.
    out.hosts = await page.$$eval(`${section} svg g.host`, gs => gs.map(g => {
      const r = g.querySelector("rect");
      const box = {x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"),
                   h: +r.getAttribute("height")};
      const inside = [...g.ownerSVGElement.querySelectorAll("text[data-node]")].filter(t => {
        const x = +t.getAttribute("x") - 15, y = +t.getAttribute("y") - 4;
        return x > box.x && x < box.x + box.w && y > box.y && y < box.y + box.h;
      }).map(t => t.dataset.node);
      return {host: g.dataset.host, label: g.querySelector("text").textContent, inside};
    }));
    out.tunnels_drawn = await page.$$eval(`${section} svg path.tunnel`, ls => ls.map(l => ({
      tunnel: l.dataset.tunnel, from: l.dataset.fromHost, to: l.dataset.toHost,
      dashed: !!l.getAttribute("stroke-dasharray")})));
    out.tunnel_rows = await page.$$eval(`${section} table.tunnels tr[data-tunnel]`, rs => rs.map(r => r.textContent));
    out.nodes_drawn = await page.$$eval(`${section} svg text[data-node]`, ts => ts.map(t => t.dataset.node));
    await page.screenshot({path: env("NETRIG_SCREENSHOT"), fullPage: true});
    out.ok = true;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(out));
}

main().catch(e => {
  console.log(JSON.stringify({ok: false, error: String(e && e.stack || e)}));
  process.exit(1);
});
