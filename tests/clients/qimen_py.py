"""Drives the gateway's TOP router with py-taobao-open 1.0.3, as a Python ERP would.

Usage: python qimen_py.py PLAN (JSON text). The plan names the gateway (host, port), the identity
(app_key, secret) and the calls ({"method", "params"}); for each call one JSON line is printed:
{"ok": <the answer>} or {"error": {code, msg, sub_code, sub_msg}} when the SDK raised
TopException, or {"raised": "<repr>"} for anything else it raised.
"""
import json
import sys

import taobao_open
from taobao_open.api.base import RestApi, TopException


class QimenCall(RestApi):
    """A call of any Qimen method: the SDK signs every attribute that is not its own."""

    def __init__(self, host, port, method, params):
        RestApi.__init__(self, host, port)
        # Attribute names are the parameter names (RestApi reads them from __dict__).
        for k, v in params.items():
            setattr(self, k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
        # RestApi skips members whose name starts with "__" when it collects parameters.
        self.__dict__["__method"] = method

    def getapiname(self):
        return self.__dict__["__method"]


def main():
    plan = json.loads(sys.argv[1])
    info = taobao_open.appinfo(plan["app_key"], plan["secret"])
    for call in plan["calls"]:
        req = QimenCall(plan["host"], plan["port"], call["method"], call["params"])
        req.set_app_info(info)
        try:
            out = {"ok": req.getResponse()}
        except TopException as e:
            out = {"error": {"code": e.errorcode, "msg": e.message,
                             "sub_code": e.subcode, "sub_msg": e.submsg}}
        except Exception as e:  # noqa: BLE001 - reported to the Rust test as it is
            out = {"raised": repr(e)}
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
