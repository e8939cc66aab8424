// Drives netrig serve's status page in Debian's chromium through Playwright (as status_page.js) for
// a lab with hosts and tunnels: reads the host boxes (svg g.host), what is drawn in each, the
// tunnel edges (svg path.tunnel, dashed) and the tunnels table. Run by
// tests/integration/api_page_test.cc, which deploys topologies/lecture28-vxlan.yaml and starts
// serve; it reads the one JSON line this prints.
//
// Environment: PLAYWRIGHT_CORE, CHROMIUM, NETRIG_URL, NETRIG_LAB, NETRIG_SCREENSHOT.
"use strict";
const { env, runPage } = require("./page_session.js");

runPage(async (page, out) => {
  const lab = env("NETRIG_LAB");
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
});
