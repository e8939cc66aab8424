// What the status-page browser scripts share: Debian's chromium launched headless through
// Playwright (playwright-core from npm, pinned in ci/setup.sh), a page that may load nothing but
// serve's own origin (any other request is recorded in out.external_requests and refused), console
// errors and page errors collected in out.console_errors, and the one JSON line the C++ test reads.
//
// Environment: PLAYWRIGHT_CORE (the module's directory), CHROMIUM, NETRIG_URL (serve's page).
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

const env = name => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

// Opens NETRIG_URL, runs `drive(page, out)`, closes the browser and prints `out` (ok: true) as one
// JSON line; on any error prints {ok: false, error} and exits 1.
function runPage(drive) {
  (async () => {
    const url = env("NETRIG_URL");
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
      await drive(page, out);
      out.ok = true;
    } finally {
      await browser.close();
    }
    console.log(JSON.stringify(out));
  })().catch(e => {
    console.log(JSON.stringify({ok: false, error: String(e && e.stack || e)}));
    process.exit(1);
  });
}

module.exports = {env, runPage};
