// The console in a real browser (Debian's chromium driven by playwright-core), started by
// tests/api/console.rs with the gateway and its data ready. Steps: sign in; find an order by
// code and open its timeline; replay a dead push (the receiver has recovered) and see it
// delivered; disable an identity; and throughout, check that nothing is loaded from outside
// the gateway, that no script runs, and that a <script> in a remark is shown as text.
// Screenshots of each page go to SHOTS when set. Prints one JSON line: {"ok": true, …}.
import { createRequire } from "node:module";
import { mkdirSync } from "node:fs";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const BASE = env("BASE");
const require = createRequire(env("PLAYWRIGHT_DIR") + "/");
const { chromium } = require("playwright-core");
const SHOTS = process.env.SHOTS || "";
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--lang=zh-CN"],
});
const outside = [];
const dialogs = [];
const consoleErrors = [];
const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: "zh-CN" });
const page = await context.newPage();
page.on("request", (r) => {
  if (!r.url().startsWith(BASE)) outside.push(r.url());
});
page.on("dialog", async (d) => {
  dialogs.push(d.message());
  await d.dismiss();
});
page.on("console", (m) => {
  if (m.type() === "error") consoleErrors.push(m.text());
});

const check = (cond, what) => {
  if (!cond) throw new Error(`failed: ${what}`);
};
const shot = async (name) => {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
};
const noScripts = async (where) => {
  const n = await page.evaluate(() => document.querySelectorAll("script").length);
  check(n === 0, `${where}: ${n} <script> elements in the page`);
};
const heading = async () => (await page.textContent("h1"))?.trim();

// 1. Sign in.
await page.goto(`${BASE}/console`);
check(page.url().endsWith("/console/login"), `not sent to sign in: ${page.url()}`);
await shot("login");
await page.fill("#token", "wrong-token");
await page.click("button[type=submit]");
check((await page.textContent(".flash.error"))?.includes("令牌无效"), "a wrong token is refused");
await page.fill("#token", env("TOKEN"));
await page.click("button[type=submit]");
await page.waitForURL(`${BASE}/console`);
check((await heading()) === "概览", "the overview after sign-in");
check((await page.locator("svg rect").count()) >= 60, "two charts of 60 minutes");
await noScripts("overview");
await shot("overview");

// 2. Find the order by its code; open it and its timeline.
await page.click("nav >> text=订单");
await page.fill("input[name=code]", env("ORDER_CODE"));
await page.click("form.filters button[type=submit]");
const link = page.locator("table tbody a").first();
check((await link.textContent())?.trim() === env("HX"), "the order is found by its code");
await shot("orders");
await link.click();
await page.waitForURL(`${BASE}/console/orders/${env("HX")}`);
const remark = (await page.textContent("td.remark"))?.trim();
check(remark === "<script>alert(1)</script>", `the remark is shown as text: ${remark}`);
await noScripts("order");
const events = await page.locator("table.timeline tbody tr").count();
check(events >= 4, `the timeline has the order's events (${events})`);
check((await page.locator("tr.ev-push_attempt").count()) >= 1, "delivery attempts in the timeline");
await shot("order");

// 3. The dead push: replay it and see it delivered.
await page.goto(`${BASE}/console/pushes?status=dead`);
check((await page.locator(`a[href="/console/pushes/${env("PUSH_ID")}"]`).count()) === 1, "the dead push is listed");
await shot("pushes");
await page.click(`a[href="/console/pushes/${env("PUSH_ID")}"]`);
check((await page.textContent(".push-status"))?.includes("dead"), "the push is dead before the replay");
await page.click("form[action='/console/pushes/replay'] button[type=submit]");
check((await page.textContent(".flash"))?.includes("已重放"), "the replay is confirmed");
let delivered = false;
for (let i = 0; i < 60 && !delivered; i++) {
  await page.waitForTimeout(250);
  await page.goto(`${BASE}/console/pushes/${env("PUSH_ID")}`);
  delivered = (await page.textContent(".push-status"))?.includes("delivered");
}
check(delivered, "the replayed push shows delivered");
check((await page.locator("td .status.delivered").count()) >= 1, "an accepted attempt is listed");
await shot("push");

// 4. Disable an identity.
await page.click("nav >> text=身份");
const row = page.locator(`#identity-${env("IDENTITY_ID")}`);
await row.locator("button.danger").click();
check((await page.textContent(".flash"))?.includes("已停用"), "the disable is confirmed");
check((await page.locator(`#identity-${env("IDENTITY_ID")} .status`).textContent())?.trim() === "disabled", "shown disabled");
await shot("identities");

// The other pages.
for (const [path, name, title] of [
  ["/console/inventory", "inventory", "库存"],
  ["/console/dws", "dws", "DWS 扫描"],
  ["/console/adjustments", "adjustments", "调整申请"],
]) {
  await page.goto(`${BASE}${path}`);
  check((await heading()) === title, `${path} shows ${title}`);
  await noScripts(path);
  if (name === "dws") {
    // The scan of a package nobody shipped is listed under 未匹配, before the recent ones.
    const text = (await page.textContent("main")) ?? (await page.textContent("body"));
    const at = text.indexOf("未匹配"), scan = text.indexOf("NO-SUCH-PKG"), recent = text.indexOf("最近扫描");
    check(at >= 0 && at < scan && scan < recent, "the unmatched scan is listed as unmatched");
  }
  await shot(name);
}
await page.goto(`${BASE}/console/inventory`);
const ledger = page.locator("a:has-text('流水')");
check((await ledger.count()) > 0, "the inventory page links a balance's ledger");
await ledger.first().click();
check((await heading()) === "库存流水", "a balance's ledger");

// 5. Nothing from outside, nothing run.
check(outside.length === 0, `requests outside the gateway: ${outside.join(", ")}`);
check(dialogs.length === 0, `a script ran: ${dialogs.join(", ")}`);
// A CSP violation (a blocked script, style or image) shows as a console error; the expected
// HTTP refusals of the steps above (the wrong token's 401, /favicon.ico) show as failed loads.
const blocked = consoleErrors.filter((e) => !e.startsWith("Failed to load resource"));
check(blocked.length === 0, `console errors: ${blocked.join(" | ")}`);
await browser.close();
console.log(JSON.stringify({ ok: true, events, consoleErrors }));
