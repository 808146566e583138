#!/usr/bin/env python3
"""Load, failovers and the final account for bench/failover.sh (standard library only).

32 clients create outbound orders (which reserve stock) and inbound orders through two
gateways; a warehouse loop ships every other acknowledged outbound order through the ops API;
a receiver checks every push's signature (Appendix 1) and that no event arrives twice with
different content. Meanwhile the primary is killed at a random moment KILLS times, and each
killed node is restarted once writes succeed again, so that it rejoins as a standby.

A client that gets 503, or no answer, sends the very same signed body again (the same key:
it never counts twice) until it is acknowledged or refused. Afterwards, on the final primary:
every acknowledged order exists with all its lines; reserved stock equals the live
reservations; every acknowledged shipment is SHIPPED; every push was delivered and received.

At the first failover a second identity's secret is rotated as soon as the new primary takes
writes (the gateways' LISTEN connections may still be down, and miss the notification): the
old secret must stop working through both gateways once they reconnect, and the new one work.
/readyz is watched throughout: 503 while no primary is reachable, 200 again after.

usage: failover.py GATEWAY1 GATEWAY2 SECRET OPS_TOKEN RECEIVER_PORT SECS KILLS CLUSTER DB_URL BIN
"""
import hashlib
import http.server
import json
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

(gw1, gw2, secret, ops_token, rx_port, secs, kills, cluster, db_url, gateway_bin) = sys.argv[1:11]
gateways = [gw1, gw2]
secs, kills, rx_port = int(secs), int(kills), int(rx_port)
CREATE_BY, DATA_SOURCE, CLIENTS, WAREHOUSE_HANDS = "FO", "ERP", 32, 8
lock = threading.Lock()
stop = threading.Event()
rnd = random.Random()


def now():
    return time.monotonic()


# ------------------------------------------------------------------ signing (Appendix 1)

def envelope(request, data_source=DATA_SOURCE, key=None):
    key = key or secret
    req = json.dumps(request, ensure_ascii=False, separators=(",", ":"))
    ts = (datetime.now(timezone.utc) + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    s = "createBy%sdataSource%srequest%stimestamp%s" % (CREATE_BY, data_source, req, ts)
    sign = hashlib.md5((key + s + key).encode()).hexdigest().upper()
    head = json.dumps({"createBy": CREATE_BY, "dataSource": data_source, "timestamp": ts, "sign": sign})
    return (head[:-1] + ',"request":' + req + "}").encode()


def raw_member(text, name):
    """The exact text of a top-level member's value (what the signature covers)."""
    i = text.index('"%s":' % name) + len(name) + 3
    depth, in_str, esc = 0, False, False
    for j in range(i, len(text)):
        c = text[j]
        if in_str:
            esc = (c == "\\") and not esc
            if c == '"' and not esc:
                in_str = False
            elif c != "\\":
                esc = False
            continue
        if c == '"':
            in_str = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return text[i:j + 1]
    raise ValueError("unterminated " + name)


def post(url, body, headers=None, timeout=15):
    """(HTTP status, parsed body or None); status 0 when no answer came."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None
    except (urllib.error.URLError, OSError, ValueError):
        return 0, None


# ------------------------------------------------------------------ the receiver

received = {}          # eventId -> sha256 of the signed request text
pushes_bad_sign = 0
pushes_conflicting = 0
pushes_repeated = 0


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global pushes_bad_sign, pushes_conflicting, pushes_repeated
        text = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        env = json.loads(text)
        req = raw_member(text, "request")
        s = "createBy%sdataSource%srequest%stimestamp%s" % (env["createBy"], env["dataSource"], req, env["timestamp"])
        good = hashlib.md5((secret + s + secret).encode()).hexdigest().upper() == env["sign"]
        event = json.loads(req)["eventId"]
        digest = hashlib.sha256(req.encode()).hexdigest()
        with lock:
            if not good:
                pushes_bad_sign += 1
            elif event in received:
                pushes_repeated += 1
                if received[event] != digest:
                    pushes_conflicting += 1
            else:
                received[event] = digest
        answer = json.dumps({"flag": good, "code": 200 if good else 1003, "message": "ok" if good else "bad sign"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", rx_port), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()

# ------------------------------------------------------------------ the clients

acked = {}             # orderCode -> (kind, hxOrderNo, lines)
write_times = []       # (start, end) monotonic times of acknowledged writes
fail_times = []        # monotonic times of answers 503 or none (retried)
counts = {"503": 0, "5xx": 0, "no_answer": 0, "unknown": 0, "refused": 0, "retries": 0}
refusals = []
kinds = {}             # (HTTP status, code) of every answer that was not an acknowledgement
slowest = [0.0]        # the longest any call waited for its answer (s)
shippable = []         # (orderCode, hxOrderNo, lines) of acknowledged outbound orders


def order(kind, code):
    if kind == "out":
        items = [{"lineNo": str(j + 1), "itemCode": "SKU-%02d" % (j * 4 + rnd.randint(1, 4)), "planQty": 1}
                 for j in range(5)]
        return "/dtc/logistics/outOrder", {
            "orderCode": code, "orderType": "JYCK", "inventoryCode": "WH01", "subbaseCode": "OW01",
            "receiver": {"name": "王五", "phone": "13900000000", "provinceName": "上海", "cityName": "上海",
                         "address": "世纪大道1号"}, "items": items}
    items = [{"lineNo": str(j + 1), "itemCode": "SKU-%02d" % rnd.randint(1, 20), "planQty": rnd.randint(1, 9)}
             for j in range(3)]
    return "/dtc/logistics/inOrder", {
        "orderCode": code, "orderType": "CGRK", "inventoryCode": "WH01", "subbaseCode": "OW01", "items": items}


def client(n):
    i = 0
    while not stop.is_set():
        i += 1
        kind = "out" if i % 2 else "in"
        code = "FO-%02d-%05d-%s" % (n, i, kind)
        path, request = order(kind, code)
        body = envelope(request)
        deadline = now() + 120
        while True:
            gw = gateways[(n + i) % 2]
            sent = now()
            status, reply = post(gw + path, body)
            with lock:
                slowest[0] = max(slowest[0], now() - sent)
            code_ = (reply or {}).get("code") if isinstance(reply, dict) else None
            if status == 200 and code_ == 200:
                with lock:
                    acked[code] = (kind, reply["value"]["hxOrderNo"], request["items"])
                    write_times.append((sent, now()))
                    if kind == "out":
                        shippable.append((code, reply["value"]["hxOrderNo"], request["items"]))
                break
            with lock:
                if status in (0, 503):
                    fail_times.append(now())
                if status == 0:
                    counts["no_answer"] += 1
                elif status == 503:
                    counts["503"] += 1
                    if "outcome is unknown" in json.dumps(reply, ensure_ascii=False):
                        counts["unknown"] += 1
                elif status >= 500:
                    counts["5xx"] += 1
                    refusals.append((code, status, reply))
                else:
                    counts["refused"] += 1
                    refusals.append((code, status, reply))
                kinds[(status, code_)] = kinds.get((status, code_), 0) + 1
            if status not in (0, 503) or now() > deadline:
                break
            with lock:
                counts["retries"] += 1
            # The same signed body again: the same key, so it counts once whatever happened.
            time.sleep(0.2 + rnd.random() * 0.3)


shipped = set()
ship_failures = []
taken = [0]            # acknowledged outbound orders the warehouse took up (it ships every other)


def warehouse():
    """Ships every other acknowledged outbound order, each with its own Idempotency-Key."""
    k = 0
    while not (stop.is_set() and not shippable):
        with lock:
            job = shippable.pop(0) if shippable else None
            if job is not None:
                taken[0] += 1
                k = taken[0]
        if job is None:
            time.sleep(0.1)
            continue
        if k % 2:
            continue
        code, hx, items = job
        shipment = {"confirmType": "FINAL", "packages": [{
            "packageNo": "P-" + code, "waybillNo": "W-" + code, "carrierCode": "SF", "weight": 1.0,
            "items": [{"lineNo": it["lineNo"], "qty": it["planQty"]} for it in items]}]}
        deadline = now() + 120
        while True:
            sent = now()
            status, reply = post(gateways[k % 2] + "/ops/v1/orders/%s/shipments" % hx,
                                 json.dumps(shipment).encode(),
                                 {"Authorization": "Bearer " + ops_token, "Idempotency-Key": "ship-" + code})
            if status == 200:
                with lock:
                    shipped.add(code)
                    write_times.append((sent, now()))
                break
            if status not in (0, 503) or now() > deadline:
                ship_failures.append((code, status, reply))
                break
            time.sleep(0.3)


# ------------------------------------------------------------------ the failovers

killed = []            # (monotonic time of the kill, node)
rotation = {}          # what the secret rotation at the first failover showed
readiness = []         # (monotonic time, /readyz status of gateway 1)


def watch_readiness():
    while not stop.is_set():
        req = urllib.request.Request(gw1 + "/readyz")
        try:
            with urllib.request.urlopen(req, timeout=3) as r:
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except (urllib.error.URLError, OSError):
            code = 0
        readiness.append((now(), code))
        time.sleep(0.25)


def query_as_rot(key, gw):
    """A read through `gw` signed with `key` by the ROT identity: its answer's code."""
    body = envelope({"orderCodes": ["NONE"]}, data_source="ROT", key=key)
    status, reply = post(gw + "/dtc/logistics/inOrderResult", body)
    return reply.get("code") if isinstance(reply, dict) else status


def rotate_during_failover(t):
    """Rotates ROT's secret as soon as the new primary takes writes; then waits until the old
    secret is refused by both gateways (the caches refreshed after their LISTEN reconnected)."""
    while now() < t + 60:
        r = subprocess.run([gateway_bin, "client", "rotate-secret", "--create-by", CREATE_BY, "--data-source", "ROT",
                            "--secret", "rot-new"], capture_output=True, text=True)
        if r.returncode == 0:
            break
        time.sleep(0.2)
    rotated = now()
    rotation["rotated_after_kill_s"] = round(rotated - t, 1)
    while now() < rotated + 30:
        if all(query_as_rot("rot-old", g) == 1003 for g in gateways):
            rotation["old_refused_after_s"] = round(now() - rotated, 1)
            break
        time.sleep(0.2)
    rotation["new_accepted"] = all(query_as_rot("rot-new", g) == 200 for g in gateways)


def cluster_cmd(*args):
    return subprocess.run([cluster, *args], capture_output=True, text=True, timeout=120).stdout.strip()


def killer(started):
    slot = secs / kills
    for k in range(kills):
        # A random moment in the first half of this failover's slot: the rest lets it recover.
        at = started + k * slot + 3 + rnd.random() * max(1.0, slot / 2 - 3)
        while now() < at:
            time.sleep(0.05)
        if k == 0:
            # Both gateways know ROT's old secret (cached) before the failover.
            rotation["old_accepted_before"] = all(query_as_rot("rot-old", g) == 200 for g in gateways)
        node = cluster_cmd("kill-primary")
        t = now()
        killed.append((t, node))
        print("killed the primary %s at %.1f s" % (node, t - started), flush=True)
        if k == 0:
            rotate_during_failover(t)
        # Writes go on without a restart of any gateway; the node comes back once they do.
        while not stop.is_set():
            with lock:
                resumed = any(start > t for start, _ in write_times)
            if resumed:
                break
            time.sleep(0.2)
        while now() < t + 12:
            time.sleep(0.2)
        print("restarting %s: %s" % (node, cluster_cmd("restart", node)), flush=True)


def psql(sql):
    return subprocess.run(["psql", "-tA", "-v", "ON_ERROR_STOP=1", db_url, "-c", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


started = now()
threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
# The warehouse works with several hands, so that it keeps up with what is acknowledged.
threads += [threading.Thread(target=warehouse) for _ in range(WAREHOUSE_HANDS)]
threads.append(threading.Thread(target=watch_readiness))
kt = threading.Thread(target=killer, args=(started,))
for t in threads + [kt]:
    t.start()
while now() < started + secs:
    time.sleep(0.5)
kt.join()
stop.set()
for t in threads:
    t.join()
print("load stopped after %.0f s; settling the outbox" % (now() - started), flush=True)

# Every push delivered (or given up on) before the account is made.
settle = now()
while now() < settle + 180:
    pending = int(psql("SELECT count(*) FROM push_outbox WHERE tenant = '%s' AND status = 'pending'" % CREATE_BY))
    if pending == 0:
        break
    time.sleep(1)

# ------------------------------------------------------------------ the account

rows = psql("SELECT o.order_code || ' ' || o.status || ' ' || (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) "
            "FROM orders o WHERE o.tenant = '%s'" % CREATE_BY)
stored = {}
for line in rows.splitlines():
    c, st, n = line.split(" ")
    stored[c] = (st, int(n))
lost = [c for c in acked if c not in stored]
# Half-written: an acknowledged order without all its lines, or any order without lines.
half = sorted({c for c, (kind, hx, items) in acked.items() if c in stored and stored[c][1] != len(items)}
              | {c for c, (st, n) in stored.items() if n == 0})
not_shipped = [c for c in shipped if stored.get(c, ("", 0))[0] != "SHIPPED"]
reserved = psql("SELECT coalesce(sum(reserved), 0) FROM inventory_balances WHERE tenant = '%s'" % CREATE_BY)
live = psql("SELECT coalesce(sum(r.qty), 0) FROM reservations r JOIN order_lines l ON l.id = r.order_line_id "
            "JOIN orders o ON o.id = l.order_id WHERE o.tenant = '%s'" % CREATE_BY)
events = psql("SELECT event_id || ' ' || status FROM push_outbox WHERE tenant = '%s'" % CREATE_BY).splitlines()
undelivered = [e for e in events if not e.endswith(" delivered")]
with lock:
    missing_at_receiver = [e.split(" ")[0] for e in events if e.endswith(" delivered") and e.split(" ")[0] not in received]
shipped_events = int(psql(
    "SELECT count(*) FROM push_outbox p JOIN orders o ON o.tenant = p.tenant AND p.order_key = 'order:' || o.id "
    "WHERE p.tenant = '%s' AND o.status = 'SHIPPED' AND p.status = 'delivered'" % CREATE_BY) or 0)

# Per failover: when a write sent after the outage began first succeeded, and the longest
# stretch in which no write completed, from the kill until then. The outage begins at the
# first failed answer after the kill, not at the kill: a backend of the killed primary can
# still finish a write sent just after it (once, CI saw "writes back after 0.0 s" so).
windows, recovered, finished_late = [], [], []
with lock:
    ends = sorted(end for _, end in write_times)
    starts = list(write_times)
    failed = sorted(fail_times)
for t, node in killed:
    down = min([f for f in failed if f > t], default=t)
    finished_late.append(sum(1 for start, end in starts if t < start and end <= down))
    first = min([end for start, end in starts if start > down], default=None)
    if first is None:
        windows.append(None)
        recovered.append(None)
        continue
    around = [t] + [e for e in ends if t < e <= first]
    windows.append(round(max(b - a for a, b in zip(around, around[1:])), 1))
    recovered.append(round(first - t, 1))

# /readyz: not ready at some moment after each kill, ready again at the end.
ready_dips = []
for t, node in killed:
    dip = [c for at, c in readiness if t < at < t + 30 and c != 200]
    ready_dips.append(len(dip) > 0)
ready_at_end = readiness[-1][1] if readiness else None


def metric_lines():
    req = urllib.request.Request(gw1 + "/metrics", headers={"Authorization": "Bearer " + ops_token})
    with urllib.request.urlopen(req, timeout=10) as r:
        text = r.read().decode()
    return [l for l in text.splitlines() if l.startswith(("hxgw_db_errors_total", "hxgw_db_connects_total"))]


print("failovers: %d (%s)" % (len(killed), ", ".join(n for _, n in killed)))
print("/readyz of gateway 1 answered non-200 after each kill: %s; at the end: %s" % (ready_dips, ready_at_end))
print("secret rotated during the first failover: %s" % rotation)
print("gateway 1: " + "; ".join(metric_lines()))
print("acknowledged orders: %d (outbound shipped: %d); answers 503: %d (outcome unknown: %d), no answer: %d, "
      "retries of the same signed body: %d, refused: %d"
      % (len(acked), len(shipped), counts["503"], counts["unknown"], counts["no_answer"], counts["retries"],
         counts["refused"]))
print("the slowest answer to any order call: %.2f s (none went unanswered for the client's 15 s: %s)"
      % (slowest[0], counts["no_answer"] == 0))
print("longest window without a successful write per failover (s): %s; writes sent after the kill "
      "succeeded again after (s): %s" % (windows, recovered))
print("writes sent after the kill and acknowledged before the first failed answer: %s" % finished_late)
print("answers other than acknowledgements, by (HTTP status, code): %s" % sorted(kinds.items(), key=lambda x: -x[1]))
print("reserved stock %s, live reservations %s" % (reserved, live))
print("pushes: %d in the outbox, %d undelivered, %d delivered but never received, %d received, "
      "%d received again (same content), %d again with other content, %d with a bad signature; "
      "%d delivered for shipped orders"
      % (len(events), len(undelivered), len(missing_at_receiver), len(received), pushes_repeated,
         pushes_conflicting, pushes_bad_sign, shipped_events))
for r in refusals[:5]:
    print("refused:", r)
for r in ship_failures[:5]:
    print("shipment failed:", r)
ok_windows = all(r is not None and r <= 20 for r in recovered)
print("RESULT failover acknowledged=%d lost=%d half_written=%d http_5xx=%d http_503=%d windows_s=%s "
      "recovered_s=%s pushes_undelivered=%d pushes_conflicting=%d not_shipped=%d reserved_matches=%s"
      % (len(acked), len(lost), len(half), counts["5xx"], counts["503"],
         ",".join(str(w) for w in windows), ",".join(str(r) for r in recovered), len(undelivered) + len(missing_at_receiver), pushes_conflicting,
         len(not_shipped) + len(ship_failures), reserved == live))
failed = (lost or half or counts["5xx"] or undelivered or missing_at_receiver or pushes_conflicting
          or pushes_bad_sign or not_shipped or ship_failures or reserved != live or not ok_windows
          or len(killed) != kills or not acked or counts["refused"] or not all(ready_dips) or ready_at_end != 200
          or not rotation.get("old_accepted_before") or "old_refused_after_s" not in rotation
          or not rotation.get("new_accepted"))
server.shutdown()
if failed:
    print("FAIL: lost %s, half-written %s, not shipped %s" % (lost[:5], half[:5], not_shipped[:5]))
    sys.exit(1)
print("failover: passed")
