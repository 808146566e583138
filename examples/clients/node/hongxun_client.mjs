#!/usr/bin/env node
// A 鸿讯 open-API client and push receiver in plain Node (standard library only, Node 18+).
//
// It signs and sends three calls (a base-data sync, an inbound order, its result query), and
// receives and verifies the pushes that follow. Run it against a sandbox identity: the
// sandbox's simulated warehouse receives the order within seconds, so both pushes arrive
// within a minute.
//
//   HX_BASE_URL=http://127.0.0.1:8080 HX_CREATE_BY=SANDBOX HX_DATA_SOURCE=SANDBOX-ERP \
//   HX_SECRET=... HX_RECEIVER_PORT=9999 node hongxun_client.mjs
//
// The identity's callback URL must be http://<this host>:HX_RECEIVER_PORT/ (any path). Prints
// one JSON line per call and per push, then a summary; exits 0 when every call succeeded and
// every expected push arrived with a valid signature.
import { createHash } from "node:crypto";
import { createServer } from "node:http";

const env = process.env;
const BASE_URL = (env.HX_BASE_URL || "http://127.0.0.1:8080").replace(/\/$/, "");
const CREATE_BY = env.HX_CREATE_BY;
const DATA_SOURCE = env.HX_DATA_SOURCE;
const SECRET = env.HX_SECRET;
const RECEIVER_PORT = Number(env.HX_RECEIVER_PORT || 9999);
const WAIT_SECS = Number(env.HX_WAIT_SECS || 60);
const ORDER_CODE = env.HX_ORDER_CODE || `NODE-${Date.now()}`;

// Every time in the contract is UTC+08:00, yyyy-MM-dd HH:mm:ss.
function timestamp() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 19).replace("T", " ");
}

// Appendix 1: non-empty fields sorted by name, each name+value, MD5 over secret+that+secret,
// upper-case hex. `request` is signed as the exact text that is sent.
function sign(fields, secret) {
  const text = Object.keys(fields)
    .filter((k) => fields[k])
    .sort()
    .map((k) => k + fields[k])
    .join("");
  return createHash("md5").update(secret + text + secret, "utf8").digest("hex").toUpperCase();
}

async function call(path, request) {
  const requestText = JSON.stringify(request); // written once, sent exactly as signed
  const head = { createBy: CREATE_BY, dataSource: DATA_SOURCE, timestamp: timestamp() };
  head.sign = sign({ ...head, request: requestText }, SECRET);
  const body = JSON.stringify(head).slice(0, -1) + ',"request":' + requestText + "}";
  const resp = await fetch(BASE_URL + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body,
  });
  const answer = await resp.json().catch(() => ({}));
  console.log(JSON.stringify({ call: path, code: answer.code, flag: answer.flag, message: answer.message }));
  return answer;
}

// The exact text of a top-level member's value: what the signature covers. JSON.parse followed
// by JSON.stringify would change it (spacing, escapes) and the signature would not match.
function rawMember(text, name) {
  let depth = 0, key = null, inStr = false, start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      if (c === "\\") { i++; continue; }
      if (c === '"') {
        inStr = false;
        if (depth === 1 && key === null && start >= 0) { key = text.slice(start + 1, i); start = -1; }
      }
    } else if (c === '"') {
      inStr = true;
      if (depth === 1 && key === null) start = i;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === ":" && depth === 1 && key !== null) {
      let j = i + 1, d = 0, s = false;
      for (; j < text.length; j++) {
        const ch = text[j];
        if (s) {
          if (ch === "\\") { j++; continue; }
          if (ch === '"') s = false;
        } else if (ch === '"') s = true;
        else if (ch === "{" || ch === "[") d++;
        else if (ch === "}" || ch === "]") { if (d === 0) break; d--; }
        else if (ch === "," && d === 0) break;
      }
      if (key === name) return text.slice(i + 1, j).trim();
      key = null;
      i = j - 1;
    } else if (c === "," && depth === 1) key = null;
  }
  return null;
}

const pushes = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    const envelope = JSON.parse(text);
    const requestText = rawMember(text, "request");
    const fields = { createBy: envelope.createBy, dataSource: envelope.dataSource, timestamp: envelope.timestamp,
                     request: requestText || "" };
    if (envelope.signMethod) fields.signMethod = envelope.signMethod;
    const verified = requestText !== null && sign(fields, SECRET) === envelope.sign;
    const request = requestText ? JSON.parse(requestText) : {};
    const push = { eventType: request.eventType, orderCode: request.orderCode, eventId: request.eventId, verified };
    pushes.push(push);
    console.log(JSON.stringify({ push }));
    const answer = verified ? { code: 200, message: "ok", flag: true } : { code: 1003, message: "signature mismatch", flag: false };
    res.writeHead(verified ? 200 : 401, { "Content-Type": "application/json" });
    res.end(JSON.stringify(answer));
  });
});

await new Promise((ok) => server.listen(RECEIVER_PORT, "127.0.0.1", ok));
const answers = [
  await call("/dtc/base/inventoryOrg", { inventoryCode: "WH01", inventoryName: "上海仓", subbaseCode: "OW01",
    subbaseName: "货主一", contact: "张三", phone: "13800138000", address: "张杨路500号" }),
  await call("/dtc/base/product", { products: [{ itemCode: "SKU-NODE", itemName: "样品" }] }),
  await call("/dtc/logistics/inOrder", { orderCode: ORDER_CODE, orderType: "CGRK", inventoryCode: "WH01",
    subbaseCode: "OW01", items: [{ lineNo: "1", itemCode: "SKU-NODE", planQty: 4 }] }),
  await call("/dtc/logistics/inOrderResult", { orderCodes: [ORDER_CODE] }),
];
const want = ["inOrderStatusConfirm", "inOrderConfirm"];
const verifiedTypes = () => new Set(pushes.filter((p) => p.orderCode === ORDER_CODE && p.verified).map((p) => p.eventType));
const deadline = Date.now() + WAIT_SECS * 1000;
while (Date.now() < deadline && !want.every((t) => verifiedTypes().has(t))) {
  await new Promise((r) => setTimeout(r, 200));
}
const got = [...verifiedTypes()].sort();
const ok = answers.every((a) => a.flag === true) && want.every((t) => got.includes(t)) && pushes.every((p) => p.verified);
console.log(JSON.stringify({ summary: { ok, calls: answers.length, verifiedPushes: got } }));
server.close();
process.exit(ok ? 0 : 1);
