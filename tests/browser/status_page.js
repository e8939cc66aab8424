// Drives netrig serve's status page in Debian's chromium through Playwright (playwright-core from
// npm, pinned in ci/setup.sh, installed under .cache/playwright): the page loads, draws the lab's
// nodes, and a check result arrives live on the event stream after the page's "run all checks"
// button starts a checks job with the token. Run by tests/integration/api_page_test.cc, which
// deploys the lab and starts serve; it reads the one JSON line this prints.
//
// Environment: PLAYWRIGHT_CORE (the module's directory), CHROMIUM, NETRIG_URL (serve's page),
// NETRIG_LAB, NETRIG_NODES (comma-separated), NETRIG_CHECK (a check's name), NETRIG_TOKEN,
// NETRIG_SCREENSHOT (a .png path).
"use strict";
const { env, runPage } = require("./page_session.js");

runPage(async (page, out) => {
  const lab = env("NETRIG_LAB"), check = env("NETRIG_CHECK");
  const origin = new URL(env("NETRIG_URL")).origin;
  const section = `section[data-lab="${lab}"]`;
  await page.waitForSelector(section, {timeout: 15000});
  out.nodes_drawn = await page.$$eval(`${section} svg text[data-node]`, ts => ts.map(t => t.dataset.node));
  out.node_rows = await page.$$eval(`${section} tr.node`, rs => rs.map(r => r.dataset.node));
  out.qos_rows = await page.$$eval(`${section} table.qos tr[data-qos]`, rs => rs.map(r => r.textContent));
  out.checks_before = await page.$$eval(`${section} tr.check`, rs => rs.map(r => r.dataset.check));
  // Where the event stream is now: the result must arrive after this.
  out.events_before = (await (await page.request.get(origin + "/api/v1/health")).json()).events;

  const rowA = `${section} table.nodes tr.node[data-node="a"]`;
  out.counters_before = await page.textContent(rowA);

  // The button of group "all", with the token typed in.
  await page.fill("#token", env("NETRIG_TOKEN"));
  const started = Date.now();
  await page.click(`${section} button[data-group="all"]`);
  await page.waitForFunction(() => /job .* started/.test(document.getElementById("action").textContent),
                             null, {timeout: 10000})
      .catch(async e => {
        throw new Error(`${e.message}; the button's answer: "${await page.textContent("#action")}"`);
      });
  out.status_after_click = await page.textContent("#action");
  // The result, drawn from the event stream: a row marked with its event's sequence number, and
  // the event in the live log.
  const row = `${section} tr.check[data-check="${check}"][data-live-seq]`;
  await page.waitForSelector(row, {timeout: 30000});
  out.live_row = await page.$eval(row, r => ({seq: Number(r.dataset.liveSeq), class: r.className,
                                              text: r.textContent}));
  out.live_event = await page.$eval(`#events li[data-type="check_result"][data-check="${check}"]`,
                                    li => ({seq: Number(li.dataset.seq), text: li.textContent}));
  out.seconds_to_result = (Date.now() - started) / 1000;
  // The job that produced it, at that moment (still running: the row did not wait for its end).
  out.jobs_when_shown = (await (await page.request.get(origin + "/api/v1/jobs")).json())
                            .map(j => ({kind: j.kind, lab: j.lab, state: j.state}));
  // The checks' traffic moves a's counters: a "counters" event arrives and the table is redrawn.
  await page.waitForFunction(([sel, row, since, before]) => {
    const t = document.querySelector(sel), r = document.querySelector(row);
    return t && r && Number(t.dataset.countersSeq) > since && r.textContent !== before;
  }, [`${section} table.nodes`, rowA, out.events_before, out.counters_before], {timeout: 15000});
  out.counters_after = await page.textContent(rowA);
  out.counters_seq = Number(await page.getAttribute(`${section} table.nodes`, "data-counters-seq"));
  await page.screenshot({path: env("NETRIG_SCREENSHOT"), fullPage: true});
});
