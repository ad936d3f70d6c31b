// Opens every report.html under the given directories (default: reports/*/) in headless Chromium
// and fails when a page logs a console error or warning, throws, requests anything outside the
// file (the page must be self-contained) or fails to load a resource, renders blank (its
// screenshot equals that of an empty white page), has an image that does not decode, is wider
// than a phone's screen (tables must scroll inside the page), or has a results table that does not
// sort when its header is clicked.
import { chromium } from "playwright-core";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const roots = process.argv.slice(2);
const pages = [];
for (const root of roots.length ? roots : ["reports"]) {
  if (existsSync(join(root, "report.html"))) pages.push(join(root, "report.html"));
  else if (existsSync(root) && statSync(root).isDirectory()) {
    for (const d of readdirSync(root).sort()) {
      const f = join(root, d, "report.html");
      if (existsSync(f)) pages.push(f);
    }
  }
}
if (pages.length === 0) {
  console.error("no report.html found under " + (roots.join(", ") || "reports"));
  process.exit(1);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({
  executablePath,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const laptop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const phone = await browser.newContext({ viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true });
const blank = await laptop.newPage();
await blank.setContent('<html><body style="margin:0;background:#fff"></body></html>');
const white = await blank.screenshot({ fullPage: false });
let failed = 0;
for (const file of pages) {
  const url = pathToFileURL(resolve(file)).href;
  const problems = [];
  const page = await laptop.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`failed resource: ${r.url()} (${r.failure()?.errorText})`));
  page.on("request", (r) => {
    if (r.url() !== url && !r.url().startsWith("data:")) problems.push(`outside resource: ${r.url()}`);
  });
  await page.goto(url, { waitUntil: "load" });
  const shot = await page.screenshot({ fullPage: false });
  if (shot.equals(white)) problems.push("blank page: its screenshot is all white");
  const broken = await page.evaluate(() =>
    Array.from(document.images).filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.alt));
  if (broken.length) problems.push(`images that do not decode: ${broken.join(", ")}`);
  const flat = await page.evaluate(() =>
    Array.from(document.querySelectorAll("figure svg")).filter((g) => {
      const r = g.getBoundingClientRect();
      return r.width < 100 || r.height < 50;
    }).length);
  if (flat) problems.push(`${flat} inline charts render smaller than 100 x 50 px`);
  const text = await page.evaluate(() => document.body.innerText.length);
  if (text < 100) problems.push(`almost no text (${text} characters)`);
  // The first sortable table sorts by its second column both ways.
  const sorted = await page.evaluate(() => {
    const th = document.querySelector("table th[data-sort]");
    if (!th) return "none";
    const table = th.closest("table");
    const col = Math.min(1, table.tHead.rows[0].cells.length - 1);
    const h = table.tHead.rows[0].cells[col];
    const cells = () => Array.from(table.tBodies[0].rows).map((r) => r.cells[col].textContent.trim());
    h.click();
    const up = h.getAttribute("aria-sort");
    const first = cells();
    h.click();
    const down = h.getAttribute("aria-sort");
    const second = cells();
    return up === "ascending" && down === "descending" && first.join("|") === second.reverse().join("|") || new Set(first).size === 1
      ? "ok" : `not sorted: ${up}/${down}`;
  });
  if (sorted !== "ok" && sorted !== "none") problems.push(`table sorting: ${sorted}`);
  await page.close();
  const small = await phone.newPage();
  await small.goto(url, { waitUntil: "load" });
  const widths = await small.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  if (widths[0] > widths[1] + 1) problems.push(`wider than a phone: ${widths[0]} px in a ${widths[1]} px screen`);
  await small.close();
  if (problems.length) {
    failed++;
    console.log(`FAIL ${file}`);
    for (const p of problems) console.log(`  ${p}`);
  } else {
    console.log(`ok   ${file}`);
  }
}
await browser.close();
console.log(`${pages.length - failed} of ${pages.length} reports pass in ${executablePath}`);
process.exit(failed ? 1 : 0);
