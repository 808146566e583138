// A 鸿讯 open-API client and push receiver in plain Java 17 (java.net.http and the JDK's own
// HTTP server; no other library).
//
// It signs and sends three calls (a base-data sync, an inbound order, its result query), and
// receives and verifies the pushes that follow. Run it against a sandbox identity: the
// sandbox's simulated warehouse receives the order within seconds, so both pushes arrive
// within a minute.
//
//   HX_BASE_URL=http://127.0.0.1:8080 HX_CREATE_BY=SANDBOX HX_DATA_SOURCE=SANDBOX-ERP \
//   HX_SECRET=... HX_RECEIVER_PORT=9999 java HongxunClient.java
//
// The identity's callback URL must be http://<this host>:HX_RECEIVER_PORT/ (any path). Prints
// one JSON line per call and per push, then a summary; exits 0 when every call succeeded and
// every expected push arrived with a valid signature.

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

public class HongxunClient {
    static final Map<String, String> ENV = System.getenv();
    static final String BASE_URL = ENV.getOrDefault("HX_BASE_URL", "http://127.0.0.1:8080").replaceAll("/$", "");
    static final String CREATE_BY = ENV.get("HX_CREATE_BY");
    static final String DATA_SOURCE = ENV.get("HX_DATA_SOURCE");
    static final String SECRET = ENV.get("HX_SECRET");
    static final int RECEIVER_PORT = Integer.parseInt(ENV.getOrDefault("HX_RECEIVER_PORT", "9999"));
    static final double WAIT_SECS = Double.parseDouble(ENV.getOrDefault("HX_WAIT_SECS", "60"));
    static final String ORDER_CODE = ENV.getOrDefault("HX_ORDER_CODE", "JAVA-" + System.currentTimeMillis());
    static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A push as received: its type, order, and whether its signature was right. */
    record Push(String eventType, String orderCode, boolean verified) {}

    static final List<Push> PUSHES = new CopyOnWriteArrayList<>();

    /** Every time in the contract is UTC+08:00, yyyy-MM-dd HH:mm:ss. */
    static String timestamp() {
        return ZonedDateTime.now(ZoneOffset.ofHours(8)).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
    }

    /**
     * Appendix 1: non-empty fields sorted by name, each name+value, MD5 over secret+that+secret,
     * upper-case hex. {@code request} is signed as the exact text that is sent.
     */
    static String sign(Map<String, String> fields, String secret) throws Exception {
        StringBuilder s = new StringBuilder(secret);
        for (Map.Entry<String, String> e : new TreeMap<>(fields).entrySet()) {
            if (e.getValue() != null && !e.getValue().isEmpty()) {
                s.append(e.getKey()).append(e.getValue());
            }
        }
        s.append(secret);
        byte[] d = MessageDigest.getInstance("MD5").digest(s.toString().getBytes(StandardCharsets.UTF_8));
        StringBuilder hex = new StringBuilder();
        for (byte b : d) {
            hex.append(String.format("%02X", b));
        }
        return hex.toString();
    }

    /** A JSON string literal. */
    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Signs and POSTs one call; the request text is written once and sent as signed. */
    static String call(String path, String requestText) throws Exception {
        String ts = timestamp();
        Map<String, String> fields = new TreeMap<>(Map.of(
                "createBy", CREATE_BY, "dataSource", DATA_SOURCE, "timestamp", ts, "request", requestText));
        String body = "{\"createBy\":" + q(CREATE_BY) + ",\"dataSource\":" + q(DATA_SOURCE) + ",\"timestamp\":" + q(ts)
                + ",\"sign\":" + q(sign(fields, SECRET)) + ",\"request\":" + requestText + "}";
        HttpRequest req = HttpRequest.newBuilder(URI.create(BASE_URL + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        String answer = HTTP.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).body();
        System.out.println("{\"call\":" + q(path) + ",\"code\":" + rawMember(answer, "code") + ",\"flag\":"
                + rawMember(answer, "flag") + "}");
        return answer;
    }

    /**
     * The exact text of a top-level member's value: what the signature covers. Parsing and
     * re-serialising would change it (spacing, escapes) and the signature would not match.
     */
    static String rawMember(String text, String name) {
        int depth = 0, start = -1;
        String key = null;
        boolean inStr = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inStr) {
                if (c == '\\') { i++; continue; }
                if (c == '"') {
                    inStr = false;
                    if (depth == 1 && key == null && start >= 0) { key = text.substring(start + 1, i); start = -1; }
                }
            } else if (c == '"') {
                inStr = true;
                if (depth == 1 && key == null) start = i;
            } else if (c == '{' || c == '[') {
                depth++;
            } else if (c == '}' || c == ']') {
                depth--;
            } else if (c == ':' && depth == 1 && key != null) {
                int j = i + 1, d = 0;
                boolean s = false;
                for (; j < text.length(); j++) {
                    char ch = text.charAt(j);
                    if (s) {
                        if (ch == '\\') { j++; continue; }
                        if (ch == '"') s = false;
                    } else if (ch == '"') {
                        s = true;
                    } else if (ch == '{' || ch == '[') {
                        d++;
                    } else if (ch == '}' || ch == ']') {
                        if (d == 0) break;
                        d--;
                    } else if (ch == ',' && d == 0) {
                        break;
                    }
                }
                if (key.equals(name)) return text.substring(i + 1, j).trim();
                key = null;
                i = j - 1;
            } else if (c == ',' && depth == 1) {
                key = null;
            }
        }
        return null;
    }

    /** A string member's value (the pushes' eventType, orderCode), without its quotes. */
    static String stringMember(String text, String name) {
        String raw = text == null ? null : rawMember(text, name);
        return raw != null && raw.startsWith("\"") ? raw.substring(1, raw.length() - 1) : null;
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", RECEIVER_PORT), 0);
        server.createContext("/", exchange -> {
            String text = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String request = rawMember(text, "request");
            boolean verified = false;
            try {
                Map<String, String> fields = new TreeMap<>();
                fields.put("createBy", stringMember(text, "createBy"));
                fields.put("dataSource", stringMember(text, "dataSource"));
                fields.put("timestamp", stringMember(text, "timestamp"));
                fields.put("request", request == null ? "" : request);
                String method = stringMember(text, "signMethod");
                if (method != null) fields.put("signMethod", method);
                verified = request != null && sign(fields, SECRET).equals(stringMember(text, "sign"));
            } catch (Exception e) {
                verified = false;
            }
            Push p = new Push(stringMember(request, "eventType"), stringMember(request, "orderCode"), verified);
            PUSHES.add(p);
            System.out.println("{\"push\":{\"eventType\":" + q(String.valueOf(p.eventType())) + ",\"orderCode\":"
                    + q(String.valueOf(p.orderCode())) + ",\"verified\":" + verified + "}}");
            byte[] answer = (verified ? "{\"code\":200,\"message\":\"ok\",\"flag\":true}"
                    : "{\"code\":1003,\"message\":\"signature mismatch\",\"flag\":false}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(verified ? 200 : 401, answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        });
        server.start();
        List<String> answers = new ArrayList<>();
        answers.add(call("/dtc/base/inventoryOrg", "{\"inventoryCode\":\"WH01\",\"inventoryName\":\"上海仓\","
                + "\"subbaseCode\":\"OW01\",\"subbaseName\":\"货主一\",\"contact\":\"张三\",\"phone\":\"13800138000\","
                + "\"address\":\"张杨路500号\"}"));
        answers.add(call("/dtc/base/product", "{\"products\":[{\"itemCode\":\"SKU-JAVA\",\"itemName\":\"样品\"}]}"));
        answers.add(call("/dtc/logistics/inOrder", "{\"orderCode\":" + q(ORDER_CODE) + ",\"orderType\":\"CGRK\","
                + "\"inventoryCode\":\"WH01\",\"subbaseCode\":\"OW01\","
                + "\"items\":[{\"lineNo\":\"1\",\"itemCode\":\"SKU-JAVA\",\"planQty\":4}]}"));
        answers.add(call("/dtc/logistics/inOrderResult", "{\"orderCodes\":[" + q(ORDER_CODE) + "]}"));
        List<String> want = List.of("inOrderStatusConfirm", "inOrderConfirm");
        long deadline = System.currentTimeMillis() + (long) (WAIT_SECS * 1000);
        TreeSet<String> got = new TreeSet<>();
        while (System.currentTimeMillis() < deadline) {
            got.clear();
            for (Push p : PUSHES) {
                if (ORDER_CODE.equals(p.orderCode()) && p.verified()) got.add(p.eventType());
            }
            if (got.containsAll(want)) break;
            Thread.sleep(200);
        }
        boolean ok = got.containsAll(want) && PUSHES.stream().allMatch(Push::verified)
                && answers.stream().allMatch(a -> "true".equals(rawMember(a, "flag")));
        StringBuilder list = new StringBuilder();
        for (String t : got) list.append(list.length() == 0 ? "" : ",").append(q(t));
        System.out.println("{\"summary\":{\"ok\":" + ok + ",\"calls\":" + answers.size() + ",\"verifiedPushes\":[" + list + "]}}");
        server.stop(0);
        System.exit(ok ? 0 : 1);
    }
}
