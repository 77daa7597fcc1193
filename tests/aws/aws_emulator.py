#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A loopback stand-in for the AWS endpoints teamd talks to.

  * CloudTrail Lake PutAuditEvents (POST /PutAuditEvents?channelArn=..).
    Every request's SigV4 signature is recomputed here from the bytes that
    arrived (method, path, raw query, the signed headers, the body) with
    the secret the emulator itself handed out, never from anything the
    client claims; the body is validated against botocore's own
    cloudtrail-data service model (botocore's Loader + ParamValidator) and
    every eventData against the CloudTrail Lake integration schema
    (required fields, lengths, eventTime format, checksum).
  * EC2 IMDSv2 (PUT /latest/api/token, role credentials, identity document)
    and ECS container credentials (GET /ecs/creds with an Authorization
    token), issuing temporary credentials that expire after --temp-lifetime
    seconds; expired credentials get 403 ExpiredTokenException.

Scripted answers (--script ok,partial,throttle,500,reset,hang,invalid1...):
the N-th PutAuditEvents request gets the N-th mode, then "ok". The state
(accepted ids with counts, signature and model failures, credential
issuance) is written as JSON to --state after every request.

Usage: aws_emulator.py --port-file F --state F [--script LIST]
       [--static-key AKID:SECRET] [--temp-lifetime S] [--ecs-token T]
       [--region R] [--account A] [--events-out FILE]
"""
import argparse
import base64
import calendar
import hashlib
import hmac
import json
import os
import re
import secrets
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import botocore.loaders
    import botocore.model
    import botocore.validate
except ImportError:  # the test checks first; this is a second line
    print("aws_emulator: botocore is missing", file=sys.stderr)
    sys.exit(77)

LOCK = threading.Lock()
STATE = {
    "requests": 0,           # PutAuditEvents requests seen
    "modes": [],             # the mode each one got
    "accepted": {},          # id -> times accepted
    "failed_entries": {},    # id -> error code (per-entry failures sent)
    "sig_failures": [],      # why a signature did not verify
    "model_failures": [],    # why a body did not validate
    "auth_sources": {},      # access key kind -> requests
    "expired_rejected": 0,
    "creds_issued": {"imds": 0, "ecs": 0},
    "imds_tokens": 0,
    "max_batch": 0,
    "max_body": 0,
    "event_names": {},
    "last_event_data": None,
}
KEYS = {}                    # access key id -> (secret, token or None, expires or None, kind)
ARGS = None
SCRIPT = []
MODEL = None

UNRESERVED = "-_.~"
EVENT_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
SCHEMA_KEYS = {"version", "userIdentity", "userAgent", "eventSource", "eventName", "eventTime", "UID",
               "requestParameters", "responseElements", "errorCode", "errorMessage", "sourceIPAddress",
               "recipientAccountId", "additionalEventData"}
STRING_LIMITS = {"version": 256, "userAgent": 1024, "eventSource": 1024, "eventName": 1024, "UID": 1024,
                 "errorCode": 1024, "errorMessage": 1024, "sourceIPAddress": 1024}


def save_state():
    tmp = ARGS.state + ".tmp"
    with open(tmp, "w") as f:
        json.dump(STATE, f)
    os.replace(tmp, ARGS.state)


def enc(s):
    return urllib.parse.quote(s, safe=UNRESERVED)


def canonical_query(raw):
    if not raw:
        return ""
    pairs = []
    for part in raw.split("&"):
        k, _, v = part.partition("=")
        pairs.append((enc(urllib.parse.unquote(k)), enc(urllib.parse.unquote(v))))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def verify_sigv4(method, path, raw_query, headers, body, service):
    """Recomputes the signature; returns (access key id or None, why)."""
    auth = headers.get("Authorization", "")
    m = re.match(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$", auth)
    if not m:
        return None, "malformed Authorization header"
    akid, date, region, svc, signed, sig = m.groups()
    if svc != service:
        return None, f"credential scope service {svc}, expected {service}"
    if region != ARGS.region:
        return None, f"credential scope region {region}, expected {ARGS.region}"
    if akid not in KEYS:
        return None, "unknown access key id"
    amz_date = headers.get("X-Amz-Date", "")
    if not re.match(r"^\d{8}T\d{6}Z$", amz_date) or amz_date[:8] != date:
        return None, "X-Amz-Date missing or not the scope's date"
    skew = abs(time.time() - calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ")))
    if skew > 300:
        return None, "X-Amz-Date more than 5 minutes off"
    names = signed.split(";")
    if names != sorted(names) or "host" not in names or "x-amz-date" not in names:
        return None, "SignedHeaders not sorted or without host/x-amz-date"
    secret, token, expires, kind = KEYS[akid]
    if token is not None:
        if headers.get("x-amz-security-token") != token:
            return None, "session token missing or wrong"
        if "x-amz-security-token" not in names:
            return None, "session token not signed"
    canon_headers = ""
    for n in names:
        v = headers.get(n)
        if v is None:
            return None, f"signed header {n} absent"
        canon_headers += n + ":" + " ".join(v.strip().split()) + "\n"
    payload = hashlib.sha256(body).hexdigest()
    if "x-amz-content-sha256" in headers and headers["x-amz-content-sha256"] != payload:
        return None, "x-amz-content-sha256 is not the body's"
    canon_path = "/".join(enc(urllib.parse.unquote(p)) for p in path.split("/"))
    creq = "\n".join([method, canon_path, canonical_query(raw_query), canon_headers, signed, payload])
    scope = f"{date}/{region}/{svc}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    k = hmac256(("AWS4" + secret).encode(), date)
    k = hmac256(k, region)
    k = hmac256(k, svc)
    k = hmac256(k, "aws4_request")
    want = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        return None, "signature mismatch"
    if raw_query != canonical_query(raw_query):
        return None, "query string not in canonical form (sorted keys, upper-case %XX)"
    if expires is not None and time.time() >= expires:
        return akid, "expired"
    return akid, None


def check_event_data(ev, account):
    """The CloudTrail Lake integration schema of one eventData."""
    data = ev["eventData"]
    if ev.get("eventDataChecksum") != base64.b64encode(hashlib.sha256(data.encode()).digest()).decode():
        return "eventDataChecksum is not base64(SHA-256(eventData))"
    try:
        rec = json.loads(data)
    except ValueError:
        return "eventData is not JSON"
    if not isinstance(rec, dict):
        return "eventData is not an object"
    extra = set(rec) - SCHEMA_KEYS
    if extra:
        return f"eventData has unknown fields {sorted(extra)}"
    for k in ("version", "userIdentity", "eventSource", "eventName", "eventTime", "UID", "recipientAccountId"):
        if k not in rec:
            return f"eventData lacks {k}"
    for k, n in STRING_LIMITS.items():
        if k in rec and (not isinstance(rec[k], str) or len(rec[k].encode()) > n):
            return f"{k} not a string or longer than {n}"
    ui = rec["userIdentity"]
    if not isinstance(ui, dict) or not isinstance(ui.get("type"), str) or not isinstance(ui.get("principalId"), str):
        return "userIdentity needs type and principalId"
    if len(ui["type"].encode()) > 128 or len(ui["principalId"].encode()) > 1024:
        return "userIdentity field too long"
    if set(ui) - {"type", "principalId", "details"}:
        return "userIdentity has unknown fields"
    if not EVENT_TIME.match(rec["eventTime"]):
        return "eventTime is not YYYY-MM-DDTHH:MM:SSZ"
    if rec["recipientAccountId"] != account:
        return f"recipientAccountId {rec['recipientAccountId']} is not {account}"
    for k, n in (("requestParameters", 100 * 1024), ("responseElements", 100 * 1024),
                 ("additionalEventData", 28 * 1024)):
        if k in rec and (not isinstance(rec[k], dict) or len(json.dumps(rec[k]).encode()) > n):
            return f"{k} not an object or over {n} bytes"
    if rec["UID"] != ev["id"]:
        return "UID is not the entry id"
    ev["_name"] = rec["eventName"]
    return None


def validate_body(query, body):
    try:
        doc = json.loads(body)
    except ValueError:
        return None, "body is not JSON"
    if not isinstance(doc, dict) or set(doc) != {"auditEvents"}:
        return None, "body must hold exactly auditEvents"
    params = {"auditEvents": doc["auditEvents"]}
    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
        params[k] = v
    op = MODEL.operation_model("PutAuditEvents")
    report = botocore.validate.ParamValidator().validate(params, op.input_shape)
    if report.has_errors():
        return None, "botocore model: " + report.generate_report()
    ids = [e["id"] for e in doc["auditEvents"]]
    if len(set(ids)) != len(ids):
        return None, "the same id twice in one request"
    if len(body) > 1024 * 1024:
        return None, "body over 1 MB"
    for e in doc["auditEvents"]:
        why = check_event_data(e, ARGS.account)
        if why:
            return None, f"event {e['id']}: {why}"
    return doc["auditEvents"], None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # headers and body leave in two writes: without this, Nagle plus
        # the client's delayed ACK cost 40 ms per answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        if ARGS.verbose:
            sys.stderr.write("aws_emulator: " + (fmt % args) + "\n")

    def reply(self, status, body, ctype="application/json", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        """The whole body, or None when the client went away before sending
        all of it (teamd killed mid-request): AWS never sees such a request,
        so it is neither verified nor counted."""
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n) if n else b""
        return body if len(body) == n else None

    # -- IMDSv2 and ECS ---------------------------------------------------
    def issue(self, kind):
        akid = ("ASIA" + kind.upper() + secrets.token_hex(6)).upper()[:20]
        secret = secrets.token_urlsafe(30)
        token = "tok-" + secrets.token_urlsafe(300)
        expires = time.time() + ARGS.temp_lifetime
        with LOCK:
            KEYS[akid] = (secret, token, expires, kind)
            STATE["creds_issued"][kind] += 1
            save_state()
        return json.dumps({"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": akid,
                           "SecretAccessKey": secret, "Token": token,
                           "Expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
                           "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})

    def imds_ok(self):
        tok = self.headers.get("X-aws-ec2-metadata-token")
        if tok not in IMDS_TOKENS:
            self.reply(401, "", "text/plain")
            return False
        return True

    def do_PUT(self):
        if self.path == "/latest/api/token" and ARGS.imds:
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            self.read_body()
            if not ttl or not ttl.isdigit():
                self.reply(400, "", "text/plain")
                return
            tok = secrets.token_urlsafe(40)
            IMDS_TOKENS.add(tok)
            with LOCK:
                STATE["imds_tokens"] += 1
            self.reply(200, tok, "text/plain")
            return
        self.reply(404, "", "text/plain")

    def do_GET(self):
        p = self.path
        if p.startswith("/latest/") and ARGS.imds:
            if not self.imds_ok():
                return
            if p == "/latest/meta-data/iam/security-credentials/":
                self.reply(200, "teamd-role", "text/plain")
            elif p == "/latest/meta-data/iam/security-credentials/teamd-role":
                self.reply(200, self.issue("imds"), "text/plain")
            elif p == "/latest/dynamic/instance-identity/document":
                self.reply(200, json.dumps({"accountId": ARGS.account, "region": ARGS.region,
                                            "instanceId": "i-0123456789abcdef0"}))
            else:
                self.reply(404, "", "text/plain")
            return
        if p == "/ecs/creds" and ARGS.ecs_token:
            if self.headers.get("Authorization") != ARGS.ecs_token:
                self.reply(401, json.dumps({"message": "bad token"}))
                return
            self.reply(200, self.issue("ecs"))
            return
        self.reply(404, "", "text/plain")

    # -- PutAuditEvents ---------------------------------------------------
    def do_POST(self):
        path, _, query = self.path.partition("?")
        if path != "/PutAuditEvents":
            self.reply(404, json.dumps({"message": "no such operation"}))
            return
        with LOCK:
            n = STATE["requests"]
            STATE["requests"] += 1
            mode = SCRIPT[n] if n < len(SCRIPT) else "ok"
            if n < 1000:
                STATE["modes"].append(mode)
            if not ARGS.fast:
                save_state()
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        body = self.read_body()
        if body is None:
            self.close_connection = True
            return
        if mode == "hang":
            time.sleep(ARGS.hang)
            self.close_connection = True
            return
        akid, why = verify_sigv4("POST", path, query, _Caseless(self.headers), body, "cloudtrail-data")
        if why == "expired":
            with LOCK:
                STATE["expired_rejected"] += 1
                save_state()
            self.reply(403, json.dumps({"__type": "ExpiredTokenException",
                                        "message": "The security token included in the request is expired"}))
            return
        if why:
            with LOCK:
                STATE["sig_failures"].append(why)
                save_state()
            self.reply(403, json.dumps({"__type": "InvalidSignatureException", "message": why}))
            return
        if self.headers.get("Content-Type") != "application/json":
            with LOCK:
                STATE["model_failures"].append("Content-Type " + str(self.headers.get("Content-Type")))
                save_state()
        events, why = validate_body(query, body)
        if why:
            with LOCK:
                STATE["model_failures"].append(why)
                save_state()
            self.reply(400, json.dumps({"__type": "ValidationException", "message": why[:900]}))
            return
        with LOCK:
            STATE["auth_sources"][KEYS[akid][3]] = STATE["auth_sources"].get(KEYS[akid][3], 0) + 1
            STATE["max_batch"] = max(STATE["max_batch"], len(events))
            STATE["max_body"] = max(STATE["max_body"], len(body))
            STATE["last_event_data"] = events[-1]["eventData"]
        if mode == "throttle":
            self.reply(429, json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}),
                       extra={"Retry-After": "1"})
            return
        if mode == "500":
            self.reply(500, json.dumps({"__type": "InternalServerException", "message": "boom"}))
            return
        ok, failed = [], []
        for i, e in enumerate(events):
            if mode == "partial" and i % 2 == 1:
                failed.append({"id": e["id"], "errorCode": "Throttling" if i % 4 == 1 else "InternalFailure",
                               "errorMessage": "try again"})
            elif mode == "invalid1" and i == 0:
                failed.append({"id": e["id"], "errorCode": "InvalidData", "errorMessage": "refused for the test"})
            else:
                ok.append({"id": e["id"], "eventID": str(uuid.uuid4())})
        names = {e["id"]: e["_name"] for e in events}
        data = {e["id"]: e["eventData"] for e in events}
        with LOCK:
            if ARGS.events_out and ok:
                # What a CloudTrail Lake query of eventData returns, one row
                # per line (docs/audit.md): re-sends included, as Lake keeps them.
                with open(ARGS.events_out, "a") as f:
                    for e in ok:
                        f.write(json.dumps([{"eventData": data[e["id"]]}]) + "\n")
            for e in ok:
                STATE["accepted"][e["id"]] = STATE["accepted"].get(e["id"], 0) + 1
                name = names[e["id"]]
                STATE["event_names"][name] = STATE["event_names"].get(name, 0) + 1
            for f in failed:
                STATE["failed_entries"][f["id"]] = f["errorCode"]
            if not ARGS.fast:
                save_state()
        self.reply(200, json.dumps({"successful": ok, "failed": failed}))


class _Caseless:
    """Header lookup by any case (http.client's message already is)."""

    def __init__(self, msg):
        self.msg = msg

    def get(self, k, d=None):
        return self.msg.get(k, d)

    def __contains__(self, k):
        return self.msg.get(k) is not None

    def __getitem__(self, k):
        return self.msg[k]


IMDS_TOKENS = set()


def main():
    global ARGS, SCRIPT, MODEL
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--state", required=True)
    ap.add_argument("--script", default="")
    ap.add_argument("--static-key", default="")
    ap.add_argument("--temp-lifetime", type=float, default=3600)
    ap.add_argument("--ecs-token", default="")
    ap.add_argument("--imds", action="store_true")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--hang", type=float, default=30)
    ap.add_argument("--fast", action="store_true", help="write the state only on request and at exit")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes accepting on the one socket (benchmarks: Python's GIL would be the bottleneck); "
                         "worker N>0 writes its state to STATE.wN")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--events-out", default="", help="append every accepted eventData to this file (JSON lines)")
    ARGS = ap.parse_args()
    SCRIPT = [m for m in ARGS.script.split(",") if m]
    loader = botocore.loaders.Loader()
    MODEL = botocore.model.ServiceModel(loader.load_service_model("cloudtrail-data", "service-2"), "cloudtrail-data")
    if ARGS.static_key:
        akid, secret = ARGS.static_key.split(":", 1)
        KEYS[akid] = (secret, None, None, "static")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    save_state()
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(ARGS.port_file + ".tmp", ARGS.port_file)
    import signal
    children = []
    for i in range(1, ARGS.workers):
        pid = os.fork()
        if pid == 0:
            children = []
            ARGS.state += f".w{i}"
            save_state()
            break
        children.append(pid)

    def stop(*_):
        for c in children:
            os.kill(c, signal.SIGTERM)
        with LOCK:
            save_state()
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)
    def dump(*_):
        for c in children:
            os.kill(c, signal.SIGUSR1)
        with LOCK:
            save_state()
    signal.signal(signal.SIGUSR1, dump)
    srv.serve_forever()


if __name__ == "__main__":
    main()
