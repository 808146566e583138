// Drives the gateway's TOP router with node-taobao-topclient 0.1.7, as a Node ERP would.
//
// Usage: node qimen_node.js PLAN (JSON text). The plan names the gateway (rest_url), the identity
// (app_key, secret) and the calls ({method, params, http: "POST" | "GET"}); for each call one
// JSON line is printed: {"ok": <the answer under <method>_response>} or {"error": {code,
// sub_code, message}} when the client rejected with TOPClientError, or {"raised": "..."}.
'use strict';
const TopClient = require('node-taobao-topclient').default;

async function main() {
  const plan = JSON.parse(process.argv[2]);
  const client = new TopClient({
    appkey: plan.app_key,
    appsecret: plan.secret,
    REST_URL: plan.rest_url,
  });
  for (const call of plan.calls) {
    let out;
    try {
      out = { ok: await client.execute(call.method, call.params, call.http || 'POST') };
    } catch (e) {
      if (e && e.name === 'TOPClientError') {
        out = { error: { code: e.code, sub_code: e.sub_code, message: e.message } };
      } else {
        out = { raised: String(e) };
      }
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
