#!/usr/bin/env python3
"""A 鸿讯 open-API client and push receiver in plain Python (standard library only).

It signs and sends three calls (a base-data sync, an inbound order, its result query), and
receives and verifies the pushes that follow. Run it against a sandbox identity: the sandbox's
simulated warehouse receives the order within seconds, so both pushes arrive within a minute.

    HX_BASE_URL=http://127.0.0.1:8080 HX_CREATE_BY=SANDBOX HX_DATA_SOURCE=SANDBOX-ERP \
    HX_SECRET=... HX_RECEIVER_PORT=9999 python3 hongxun_client.py

The identity's callback URL must be http://<this host>:HX_RECEIVER_PORT/ (any path). Prints one
JSON line per call and per push, then a summary; exits 0 when every call succeeded and every
expected push arrived with a valid signature.
"""
import hashlib
import http.server
import json
import os
import sys
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone

BASE_URL = os.environ.get("HX_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
CREATE_BY = os.environ["HX_CREATE_BY"]
DATA_SOURCE = os.environ["HX_DATA_SOURCE"]
SECRET = os.environ["HX_SECRET"]
RECEIVER_PORT = int(os.environ.get("HX_RECEIVER_PORT", "9999"))
WAIT_SECS = float(os.environ.get("HX_WAIT_SECS", "60"))
ORDER_CODE = os.environ.get("HX_ORDER_CODE", "PY-%d" % int(time.time()))
CHINA = timezone(timedelta(hours=8))


def timestamp():
    """Every time in the contract is UTC+08:00, yyyy-MM-dd HH:mm:ss."""
    return datetime.now(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def sign(fields, secret):
    """Appendix 1: non-empty fields sorted by name, each name+value, MD5 over secret+that+secret,
    upper-case hex. `request` is signed as the exact text that is sent."""
    text = "".join(k + v for k, v in sorted(fields.items()) if v)
    return hashlib.md5((secret + text + secret).encode("utf-8")).hexdigest().upper()


def call(path, request):
    """Signs and POSTs one call; the request text is written once and sent as signed."""
    request_text = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
    head = {"createBy": CREATE_BY, "dataSource": DATA_SOURCE, "timestamp": timestamp()}
    head["sign"] = sign(dict(head, request=request_text), SECRET)
    body = json.dumps(head, ensure_ascii=False)[:-1] + ',"request":' + request_text + "}"
    req = urllib.request.Request(BASE_URL + path, data=body.encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            answer = json.loads(resp.read())
    except urllib.error.HTTPError as e:
        answer = json.loads(e.read() or b"{}")
    print(json.dumps({"call": path, "code": answer.get("code"), "flag": answer.get("flag"),
                      "message": answer.get("message")}, ensure_ascii=False), flush=True)
    return answer


def raw_member(text, name):
    """The exact text of a top-level member's value: what the signature covers. A JSON parser
    would re-serialise it (key order, spacing, escapes) and the signature would not match."""
    i, depth, key, in_str, start = 0, 0, None, False, None
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_str = False
                if depth == 1 and key is None and start is not None:
                    key = text[start + 1:i]
                    start = None
        elif c == '"':
            in_str = True
            if depth == 1 and key is None:
                start = i
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
        elif c == ":" and depth == 1 and key is not None:
            value_start = i + 1
            j, d, s = value_start, 0, False
            while j < len(text):
                ch = text[j]
                if s:
                    if ch == "\\":
                        j += 2
                        continue
                    if ch == '"':
                        s = False
                elif ch == '"':
                    s = True
                elif ch in "{[":
                    d += 1
                elif ch in "}]":
                    if d == 0:
                        break
                    d -= 1
                elif ch == "," and d == 0:
                    break
                j += 1
            if key == name:
                return text[value_start:j].strip()
            key = None
            i = j
            continue
        elif c == "," and depth == 1:
            key = None
        i += 1
    return None


PUSHES = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        text = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8")
        envelope = json.loads(text)
        request_text = raw_member(text, "request")
        fields = {k: envelope.get(k, "") for k in ("createBy", "dataSource", "timestamp")}
        fields["request"] = request_text or ""
        if envelope.get("signMethod"):
            fields["signMethod"] = envelope["signMethod"]
        verified = request_text is not None and sign(fields, SECRET) == envelope.get("sign")
        request = json.loads(request_text) if request_text else {}
        PUSHES.append({"eventType": request.get("eventType"), "orderCode": request.get("orderCode"),
                       "eventId": request.get("eventId"), "verified": verified})
        print(json.dumps({"push": PUSHES[-1]}, ensure_ascii=False), flush=True)
        answer = {"code": 200, "message": "ok", "flag": True} if verified else \
            {"code": 1003, "message": "signature mismatch", "flag": False}
        data = json.dumps(answer).encode("utf-8")
        self.send_response(200 if verified else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", RECEIVER_PORT), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    answers = [
        call("/dtc/base/inventoryOrg", {"inventoryCode": "WH01", "inventoryName": "上海仓",
                                        "subbaseCode": "OW01", "subbaseName": "货主一",
                                        "contact": "张三", "phone": "13800138000", "address": "张杨路500号"}),
        call("/dtc/base/product", {"products": [{"itemCode": "SKU-PY", "itemName": "样品"}]}),
        call("/dtc/logistics/inOrder", {"orderCode": ORDER_CODE, "orderType": "CGRK",
                                        "inventoryCode": "WH01", "subbaseCode": "OW01",
                                        "items": [{"lineNo": "1", "itemCode": "SKU-PY", "planQty": 4}]}),
        call("/dtc/logistics/inOrderResult", {"orderCodes": [ORDER_CODE]}),
    ]
    want = {"inOrderStatusConfirm", "inOrderConfirm"}
    deadline = time.time() + WAIT_SECS
    while time.time() < deadline:
        got = {p["eventType"] for p in PUSHES if p["orderCode"] == ORDER_CODE and p["verified"]}
        if want <= got:
            break
        time.sleep(0.2)
    got = sorted({p["eventType"] for p in PUSHES if p["orderCode"] == ORDER_CODE and p["verified"]})
    ok = all(a.get("flag") for a in answers) and want <= set(got) and all(p["verified"] for p in PUSHES)
    print(json.dumps({"summary": {"ok": ok, "calls": len(answers), "verifiedPushes": got}}), flush=True)
    server.shutdown()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
