# The bench's scenarios: the endpoint each posts to and the identity that signs its bodies.
# Sourced by bench/run.sh and bench/ab.sh, so that both post the same calls.

# scenario_path SCENARIO: the endpoint.
scenario_path() {
  case $1 in
    out5) echo /dtc/logistics/outOrder ;;
    in50) echo /dtc/logistics/inOrder ;;
    dws1 | dws50) echo /dtc/device/dws ;;
    inv20) echo /dtc/logistics/inventoryQuery ;;
    prod100) echo /dtc/base/product ;;
    qimen5) echo /router/qimen/service ;;
    tms10) echo /order/create_order ;;
    *) echo "unknown scenario $1" >&2; return 2 ;;
  esac
}

# scenario_rate SCENARIO: requests a second the scenario does not pass on this host, to size
# its bodies so that no run replays another's.
scenario_rate() {
  case $1 in inv20) echo 8000 ;; dws1) echo 6000 ;; dws50) echo 600 ;; *) echo 3000 ;; esac
}

# scenario_bodies SCENARIO COUNT TAG FILE [TOKEN]: COUNT pre-signed bodies into FILE, one per
# line, their order codes (or DWS device) made from TAG; tms10's carry TOKEN, an access token
# the gateway under test issued (`sign_in`).
scenario_bodies() {
  case $1 in
    out5 | in50 | inv20 | prod100) python3 bench/gen_bodies.py "$1" bench-secret BENCH ERP "$2" "$3" "$4" ;;
    dws1 | dws50) python3 bench/gen_bodies.py "$1" dws-secret BENCH-DWS LINE "$2" "$3" "$4" ;;
    qimen5) python3 bench/gen_bodies.py qimen5 qm-secret BENCHQM BENCH-QM "$2" "$3" "$4" ;;
    tms10) python3 bench/gen_bodies.py tms10 "$5" - - "$2" "$3" "$4" ;;
    *) echo "unknown scenario $1" >&2; return 2 ;;
  esac
}

# sign_in ADDR USER PASSWORD: a 3TMS access token from the gateway at ADDR.
sign_in() {
  curl -s -X POST "http://$1/user/generate_access_token/v2" -H 'Content-Type: application/json' \
    -d "{\"userName\":\"$2\",\"password\":\"$3\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["accessToken"])'
}
