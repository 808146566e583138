#!/usr/bin/env python3
"""Writes pre-signed request bodies, one per line, for the load generator.

usage: gen_bodies.py KIND SECRET CREATE_BY DATA_SOURCE COUNT PREFIX OUT
KIND: out5 (outbound order, 5 lines of 5 distinct SKUs out of 200);
      in50 (inbound order, 50 lines: SKU-s..SKU-(s+49) for a random s);
      dws1 / dws50 (DWS batches of 1 or 50 scans of waybills WB000001..WB010000, unique scan times);
      inv20 (inventory query of 20 items); prod100 (product sync of 100 products, block of 10,000 codes);
      qimen5 (Qimen deliveryorder.create, XML, 5 lines; CREATE_BY is the app key, DATA_SOURCE the
      customerId; each line "@PATH?QUERY<TAB>CONTENT-TYPE<TAB>BODY", signed md5 over the sorted
      parameters and the body); tms10 (3TMS create_order of 10 waybills; SECRET is the access token,
      each line "@PATH?access_token=…<TAB>application/json<TAB>BODY").
Signing follows Appendix 1 (md5) over the exact request text written to the file.
"""
import urllib.parse
import datetime, hashlib, json, random, sys

kind, secret, create_by, data_source, count, prefix, out = sys.argv[1:8]
count = int(count)
ts = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
rnd = random.Random(42)

def request(i):
    if kind == "out5":
        # SKU k of line j is drawn from its own block of 40, so the 5 lines name 5 distinct items.
        items = [{"lineNo": str(j + 1), "itemCode": "SKU-%03d" % (j * 40 + rnd.randint(1, 40)), "planQty": 1}
                 for j in range(5)]
        return {"orderCode": "%s-%07d" % (prefix, i), "orderType": "JYCK", "inventoryCode": "WH01",
                "subbaseCode": "OW01",
                "receiver": {"name": "王五", "phone": "13900000000", "provinceName": "上海", "cityName": "上海",
                             "address": "世纪大道1号"},
                "items": items}
    if kind == "in50":
        s = rnd.randint(1, 151)
        items = [{"lineNo": str(k + 1), "itemCode": "SKU-%03d" % (s + k), "planQty": rnd.randint(1, 100)}
                 for k in range(50)]
        return {"orderCode": "%s-%07d" % (prefix, i), "orderType": "CGRK", "inventoryCode": "WH01",
                "subbaseCode": "OW01", "expectedArriveTime": "2026-12-01 10:00:00", "items": items}
    if kind in ("dws1", "dws50"):
        per = 1 if kind == "dws1" else 50
        base = datetime.datetime(2026, 1, 1)
        scans = []
        for k in range(per):
            n = i * per + k
            scans.append({"barcode": "WB%06d" % rnd.randint(1, 10000), "weight": round(rnd.uniform(0.8, 1.3), 3),
                          "length": 30, "width": 20, "height": 10,
                          "scanTime": (base + datetime.timedelta(seconds=n)).strftime("%Y-%m-%d %H:%M:%S")})
        return {"deviceCode": prefix, "scans": scans}
    if kind == "inv20":
        codes = sorted(rnd.sample(range(1, 201), 20))
        return {"inventoryCode": "WH01", "subbaseCode": "OW01",
                "itemCodes": ["SKU-%03d" % c for c in codes], "pageSize": 100}
    if kind == "prod100":
        block = rnd.randint(0, 99)
        return {"products": [{"itemCode": "PS-%05d" % (block * 100 + k), "itemName": "商品 %d" % k,
                              "barCode": "69%011d" % (block * 100 + k), "unit": "个",
                              "price": round(rnd.uniform(1, 100), 2), "grossWeight": 0.5}
                             for k in range(1, 101)]}
    raise SystemExit("unknown kind " + kind)


def qimen5(i):
    """A deliveryorder.create call: the query with its signature, and the XML body."""
    lines = "".join(
        "<orderLine><orderLineNo>%d</orderLineNo><ownerCode>OW01</ownerCode><itemCode>SKU-%03d</itemCode>"
        "<inventoryType>ZP</inventoryType><planQty>1</planQty></orderLine>" % (j + 1, j * 40 + rnd.randint(1, 40))
        for j in range(5))
    body = ("<request><deliveryOrder><deliveryOrderCode>%s-%07d</deliveryOrderCode><orderType>JYCK</orderType>"
            "<warehouseCode>WH01</warehouseCode><ownerCode>OW01</ownerCode><logisticsCode>SF</logisticsCode>"
            "<createTime>2026-11-29 10:00:00</createTime><receiverInfo><name>王五</name><mobile>13900000000</mobile>"
            "<province>上海</province><city>上海</city><area>浦东新区</area><detailAddress>世纪大道1号</detailAddress>"
            "</receiverInfo></deliveryOrder><orderLines>%s</orderLines></request>" % (prefix, i, lines))
    params = {"method": "taobao.qimen.deliveryorder.create", "app_key": create_by, "customerId": data_source,
              "timestamp": ts, "format": "xml", "v": "2.0", "sign_method": "md5"}
    text = "".join(k + params[k] for k in sorted(params)) + body
    params["sign"] = hashlib.md5((secret + text + secret).encode("utf-8")).hexdigest().upper()
    return "@/router/qimen/service?%s\ttext/xml;charset=utf-8\t%s" % (urllib.parse.urlencode(params), body)


def tms10(i):
    """A create_order call of 10 waybills (the seed's OrderEntity, required and common members)."""
    waybills = [{"orderNumber": "%s-%07d-%d" % (prefix, i, k), "consignerName": "发货方",
                 "consignerPhone": "15161151543", "consignerAddress": "浙江省温州市鹿城区浙江温州化工总厂",
                 "deliveryTime": 1573180245, "consigneeName": "收货方", "consigneePhone": "15161128126",
                 "consigneeAddress": "浙江省杭州市淳安县绿城千岛湖喜来登度假酒店", "startAddress": "杭州",
                 "endAddress": "千岛湖", "organizationPath": "0", "receiptCount": 1,
                 "cargoList": [{"name": "货物1", "quantity": 2.0, "weight": 4.0, "volume": 3.0, "value": 2.0}]}
                for k in range(10)]
    body = json.dumps({"orderList": waybills}, ensure_ascii=False, separators=(",", ":"))
    return "@/order/create_order?access_token=%s\tapplication/json\t%s" % (secret, body)

with open(out, "w", encoding="utf-8") as f:
    if kind in ("qimen5", "tms10"):
        make = qimen5 if kind == "qimen5" else tms10
        for i in range(count):
            f.write(make(i) + "\n")
        raise SystemExit(0)
    for i in range(count):
        req = json.dumps(request(i), ensure_ascii=False, separators=(",", ":"))
        s = "createBy%sdataSource%srequest%stimestamp%s" % (create_by, data_source, req, ts)
        sign = hashlib.md5((secret + s + secret).encode("utf-8")).hexdigest().upper()
        head = json.dumps({"createBy": create_by, "dataSource": data_source, "timestamp": ts, "sign": sign},
                          ensure_ascii=False)
        f.write(head[:-1] + ',"request":' + req + "}\n")
