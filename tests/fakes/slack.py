"""A local stand-in for the four Slack Web API methods Align calls, checking each request as Slack documents it.

https://docs.slack.dev/apis/web-api/ — every method is an HTTP POST to https://slack.com/api/<method>, with the
bot token in `Authorization: Bearer xoxb-...`:
- users.lookupByEmail (application/x-www-form-urlencoded: email) → {"ok": true, "user": {...}} or
  {"ok": false, "error": "users_not_found"};
- conversations.open (form: users) → {"ok": true, "channel": {"id": "D..."}};
- chat.postMessage (application/json: channel, text, ...) → {"ok": true, "channel": "D...", "ts": "...",
  "message": {...}};
- auth.test (no arguments) → {"ok": true, "url": ..., "team": ..., "user_id": ..., "bot_id": ...}.
A request that breaks these shapes is recorded in `violations` (the fixture fails the test on any) and answered
{"ok": false, "error": "invalid_arguments"}. A rate limit is HTTP 429 with `Retry-After: <seconds>` and
{"ok": false, "error": "ratelimited"} (https://docs.slack.dev/apis/web-api/rate-limits).
"""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

TOKEN = "xoxb-1234567890-0987654321-fakeFakeFakeFakeFake"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# What each method takes: its content type, the arguments it requires, and those it may also take.
METHODS = {
    "users.lookupByEmail": (FORM, {"email"}, set()),
    "conversations.open": (FORM, {"users"}, {"channel", "return_im", "prevent_creation"}),
    "chat.postMessage": (JSON, {"channel", "text"}, {"unfurl_links", "unfurl_media", "mrkdwn", "blocks"}),
    "auth.test": (FORM, set(), set()),
}


@dataclass
class Call:
    method: str
    arguments: dict
    at: float  # time.monotonic() when it arrived
    delivered: bool = False  # answered {"ok": true}


@dataclass
class FakeSlack:
    """The workspace: who is in it (address → user id), what was posted, and rate limits to answer."""

    url: str = ""
    users: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # method → [retry-after seconds, ...]: the next calls of that method are answered 429 with these, in turn.
    rate_limits: dict[str, list[int]] = field(default_factory=dict)
    down: bool = False  # answer every call 503, as Slack does when it is unavailable

    def user_add(self, address: str) -> str:
        """Add someone to the workspace; return their user id."""
        self.users[address] = f"U{len(self.users) + 1:08d}"
        return self.users[address]

    def channel_of(self, address: str) -> str:
        return "D" + self.users[address][1:]

    def posted(self) -> dict[str, list[str]]:
        """Return the texts posted, by the address of the person whose direct-message channel got them."""
        addresses = {self.channel_of(address): address for address in self.users}
        texts: dict[str, list[str]] = {}
        for call in self.calls:
            if call.method == "chat.postMessage" and call.delivered:
                texts.setdefault(addresses.get(call.arguments["channel"], call.arguments["channel"]), []).append(
                    call.arguments["text"]
                )
        return texts

    def answer(self, method: str, arguments: dict) -> tuple[int, dict, dict]:
        """Return (status, headers, body) as Slack answers a well-formed call."""
        if self.down:
            return 503, {}, {"ok": False, "error": "service_unavailable"}
        waits = self.rate_limits.get(method)
        if waits:
            return 429, {"Retry-After": str(waits.pop(0))}, {"ok": False, "error": "ratelimited"}
        if method == "auth.test":
            return 200, {}, {"ok": True, "url": "https://align-test.slack.com/", "team": "Align test", "user": "align",
                             "team_id": "T00000001", "user_id": "U00000000", "bot_id": "B00000001"}  # fmt: skip
        if method == "users.lookupByEmail":
            user_id = self.users.get(arguments["email"])
            if user_id is None:
                return 200, {}, {"ok": False, "error": "users_not_found"}
            user = {"id": user_id, "team_id": "T00000001", "deleted": False, "is_bot": False,
                    "profile": {"email": arguments["email"]}}  # fmt: skip
            return 200, {}, {"ok": True, "user": user}
        if method == "conversations.open":
            if arguments["users"] not in self.users.values():
                return 200, {}, {"ok": False, "error": "user_not_found"}
            return 200, {}, {"ok": True, "channel": {"id": "D" + arguments["users"][1:]}}
        channel = arguments["channel"]
        if channel not in {self.channel_of(address) for address in self.users}:
            return 200, {}, {"ok": False, "error": "channel_not_found"}
        ts = f"{time.time():.6f}"
        return 200, {}, {"ok": True, "channel": channel, "ts": ts, "message": {"text": arguments["text"], "ts": ts}}


def _handler(slack: FakeSlack):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # the test's output stays Align's
            pass

        def do_GET(self):
            self._refuse("Slack's Web API is called with POST here (slack_sdk always posts)")

        def do_POST(self):
            method = self.path.removeprefix("/api/")
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not self.path.startswith("/api/") or method not in METHODS:
                return self._send(200, {}, {"ok": False, "error": "unknown_method"})
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                slack.violations.append(f"{method}: Authorization is {self.headers.get('Authorization')!r}")
                return self._send(200, {}, {"ok": False, "error": "not_authed"})
            kind, required, optional = METHODS[method]
            content_type = self.headers.get("Content-Type", "")
            if body and content_type.split(";")[0].strip() != kind:
                return self._refuse(f"{method}: sent as {content_type!r}, documented as {kind}")
            if kind == JSON:
                if content_type.replace(" ", "").lower() != "application/json;charset=utf-8":
                    return self._refuse(f"{method}: JSON without charset=utf-8 ({content_type!r})")
                arguments = json.loads(body)
            else:
                parsed = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=bool(body))
                if any(len(values) != 1 for values in parsed.values()):
                    return self._refuse(f"{method}: an argument given twice: {parsed}")
                arguments = {key: values[0] for key, values in parsed.items()}
            if "token" in arguments:
                return self._refuse(f"{method}: the token in the body as well as the header")
            if not required <= arguments.keys() or arguments.keys() - required - optional:
                return self._refuse(
                    f"{method}: arguments {sorted(arguments)}, documented {sorted(required | optional)}"
                )
            if method == "chat.postMessage" and (arguments.get("unfurl_links") is not False
                                                 or arguments.get("unfurl_media") is not False):  # fmt: skip
                return self._refuse("chat.postMessage: the survey link would be unfurled (opened by Slack)")
            call = Call(method, arguments, time.monotonic())
            slack.calls.append(call)
            status, headers, answer = slack.answer(method, arguments)
            call.delivered = answer["ok"]
            self._send(status, headers, answer)

        def _refuse(self, violation: str):
            slack.violations.append(violation)
            self._send(200, {}, {"ok": False, "error": "invalid_arguments"})

        def _send(self, status: int, headers: dict, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


class FakeSlackServer:
    """The fake, listening on a free port of 127.0.0.1 in a thread of the test process."""

    def __init__(self):
        self.slack = FakeSlack()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.slack))
        self.slack.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSlack:
        self.thread.start()
        return self.slack

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
