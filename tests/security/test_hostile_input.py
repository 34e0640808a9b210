"""Hostile input (issue 9.5): no 5xx and no HTML from the app for any request
body, header or query; the admin token is compared in constant time.

* Explicit cases (every database leg): deeply nested JSON, non-ASCII digits,
  bad UTF-8, NUL, lone surrogates, 1e999, duplicate keys, odd session ids,
  wrong content types, huge headers, Authorization variants.
* Hypothesis fuzzing (sqlite leg only, to keep it fast; the number of examples
  comes from the profile in tests/conftest.py): POST /chat with any JSON value,
  any bytes and any content type; the session routes with any id; analytics
  with any ?days= and any token. Every answer must be a 4xx (or 200) JSON
  body, and afterwards /health is 200 and a normal turn still works.
"""

from __future__ import annotations

import hmac
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

import app.http.api as api_module

TOKEN = "test-admin-token"  # tests/app_fixtures.py TEST_CONFIG
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = "application/json"
SID = "12345678-1234-4234-8234-123456789012"
UNKNOWN = "0badc0de-0000-4000-8000-000000000000"  # never used by any case
MAX_DAYS = 3650
SQLITE_ONLY = pytest.mark.parametrize("engine_name", ["sqlite"], indirect=True)


# ---- what every answer must be ----------------------------------------------------


def assert_json_answer(response: TestResponse, expected: tuple[int, ...] | None = None, what: str = "") -> Any:
    """Below 500, JSON (never HTML, never a traceback); errors as
    {"error": ..., "status": <code>}. Returns the parsed body."""
    body = response.get_data()
    context = f"{what}: {response.status} {response.content_type} {body[:300]!r}"
    assert response.status_code < 500, context
    if expected is not None:
        assert response.status_code in expected, context
    assert response.mimetype == JSON and response.is_json, context
    assert b"<html" not in body.lower() and b"<!doctype" not in body.lower(), context
    assert b"Traceback" not in body, context
    data = json.loads(body)
    if response.status_code >= 400:
        assert isinstance(data, dict) and data.get("status") == response.status_code, context
        assert isinstance(data.get("error"), str) and data["error"], context
    return data


def assert_chat_answer(response: TestResponse, what: str) -> None:
    """A /chat answer to anything: JSON below 500, and a reply when it is a 200."""
    data = assert_json_answer(response, None, what)
    if response.status_code == 200:
        assert isinstance(data.get("reply"), str) and data["reply"]


def assert_healthy(client: FlaskClient) -> None:
    health = client.get("/health")
    assert health.status_code == 200, health.get_data()
    assert health.get_json()["status"] == "ok"
    turn = client.post("/chat", json={"message": "hi"})
    data = assert_json_answer(turn, (200,), "a normal turn")
    assert data["reply"] and "degraded" not in data
    again = client.post("/chat", json={"message": "yeah good", "session_id": data["session_id"]})
    assert_json_answer(again, (200,), "a second turn")
    history = client.get(f"/api/sessions/{data['session_id']}/history")
    assert len(assert_json_answer(history, (200,), "history")["messages"]) >= 4


# ---- explicit cases ---------------------------------------------------------------


@dataclass
class Case:
    id: str
    method: str
    path: str
    expect: tuple[int, ...] | None = None  # None: anything below 500
    kwargs: dict[str, Any] = field(default_factory=dict)


def chat(case_id: str, data: str | bytes, expect: tuple[int, ...] | None = (400,),
         content_type: str | None = JSON, **kwargs: Any) -> Case:
    if content_type is not None:
        kwargs["content_type"] = content_type
    return Case(case_id, "POST", "/chat", expect, {"data": data, **kwargs})


def days(case_id: str, value: str, expect: tuple[int, ...] = (400,)) -> Case:
    return Case(case_id, "GET", f"/api/analytics/summary?days={quote(value, safe='')}", expect,
                {"headers": AUTH})


def auth(case_id: str, header: str | None, expect: tuple[int, ...] = (401,)) -> Case:
    headers = {} if header is None else {"Authorization": header}
    return Case(case_id, "GET", "/api/analytics/summary", expect, {"headers": headers})


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


CASES = [
    # deeply nested JSON (64 KiB is the body limit: deeper than that is 413)
    chat("nested-list-30k", nested_list(30_000)),
    chat("nested-object-10k", nested_object(10_000)),
    chat("nested-in-message", '{"message":' + nested_list(30_000) + "}"),
    chat("nested-beside-message", '{"message":"hi","x":' + nested_list(30_000) + "}"),
    chat("nested-list-100k", nested_list(100_000), (400, 413)),
    chat("nested-object-100k", nested_object(100_000), (400, 413)),
    chat("nested-shallow-message", '{"message":' + nested_list(500) + "}"),
    chat("nested-shallow-beside", '{"message":"hi","x":' + nested_list(500) + "}", (200,)),
    # broken and badly encoded bodies
    chat("empty-body", b""),
    chat("not-json", b"{nope"),
    chat("truncated", b'{"message":"hi"'),
    chat("trailing-garbage", b'{"message":"hi"} x'),
    chat("bad-utf8", b'{"message":"\xff\xfe"}'),
    chat("bad-utf8-continuation", b'{"message":"\xc3\x28"}'),
    chat("overlong-utf8", b'{"message":"\xc0\xaf"}'),
    chat("utf8-encoded-surrogate", b'{"message":"\xed\xa0\x80"}'),
    chat("utf16-body", '{"message":"hi"}'.encode("utf-16")),
    chat("utf8-bom", b'\xef\xbb\xbf{"message":"hi"}', None),
    chat("raw-nul-byte", b'{"message":"a\x00b"}'),
    chat("latin1-body", '{"message":"caf\u00e9"}'.encode("latin-1")),
    # NUL and lone surrogates inside valid JSON
    chat("nul-in-message", '{"message":"a\\u0000b"}'),
    chat("nul-in-session-id", '{"message":"hi","session_id":"' + SID[:-1] + '\\u0000"}'),
    chat("nul-in-message-id", '{"message":"hi","message_id":"m\\u0000"}'),
    chat("nul-in-ignored-key", '{"message":"hi","\\u0000":"\\u0000"}', (200,)),
    chat("lone-high-surrogate", '{"message":"\\ud800"}'),
    chat("lone-low-surrogate", '{"message":"hi \\udfff there"}'),
    chat("reversed-pair", '{"message":"\\ude00\\ud83d"}'),
    chat("valid-pair", '{"message":"hi \\ud83d\\ude00"}', (200,)),
    chat("surrogate-session-id", '{"message":"hi","session_id":"\\ud800"}'),
    chat("surrogate-message-id", '{"message":"hi","message_id":"\\ud800"}'),
    chat("surrogate-key", '{"message":"hi","\\ud800":"\\udfff"}', (200,)),
    # numbers
    chat("message-1e999", '{"message":1e999}'),
    chat("message-nan", '{"message":NaN}'),
    chat("top-level-1e999", "1e999"),
    chat("session-id-1e999", '{"message":"hi","session_id":-1e999}'),
    chat("message-id-huge-int", '{"message":"hi","message_id":' + "9" * 5000 + "}"),
    chat("huge-int-beside", '{"message":"hi","x":' + "9" * 5000 + "}", None),
    # duplicate keys: the last one counts, as in every JSON parser of Python
    chat("duplicate-message", '{"message":"hi","message":"yo"}', (200,)),
    chat("duplicate-message-last-bad", '{"message":"hi","message":5}'),
    chat("duplicate-session-id", '{"message":"hi","session_id":"' + SID + '","session_id":"x"}'),
    # bodies of the wrong shape
    chat("array-body", "[]"),
    chat("string-body", '"hi"'),
    chat("number-body", "5"),
    chat("null-body", "null"),
    chat("true-body", "true"),
    chat("no-message", "{}"),
    chat("null-message", '{"message":null}'),
    chat("blank-message", '{"message":"  \\t\\n "}'),
    chat("list-message", '{"message":["hi"]}'),
    chat("object-message", '{"message":{"text":"hi"}}'),
    chat("too-long-message", json.dumps({"message": "x" * 1001})),
    chat("too-long-emoji", json.dumps({"message": "\U0001f600" * 1001}, ensure_ascii=False).encode()),
    chat("longest-message", json.dumps({"message": "\u00e9" * 1000}), (200,)),
    # session ids
    chat("session-arabic-digits", json.dumps({"message": "hi", "session_id": "".join(map(chr, range(0x661, 0x669)))
                                                + SID[8:]})),
    chat("session-fullwidth-digits", json.dumps({"message": "hi", "session_id": "\uff11" * 8 + SID[8:]})),
    chat("session-superscript-digits", json.dumps({"message": "hi", "session_id": "\u00b2" * 8 + SID[8:]})),
    chat("session-unicode-hyphens", json.dumps({"message": "hi", "session_id": SID.replace("-", "\u2010")})),
    chat("session-too-long", json.dumps({"message": "hi", "session_id": SID + "0"})),
    chat("session-not-uuid", json.dumps({"message": "hi", "session_id": "session-1"})),
    chat("session-int", json.dumps({"message": "hi", "session_id": 12345})),
    chat("session-list", json.dumps({"message": "hi", "session_id": [SID]})),
    chat("session-true", json.dumps({"message": "hi", "session_id": True})),
    chat("session-sql", json.dumps({"message": "hi", "session_id": "' OR 1=1; --"})),
    chat("session-uppercase", json.dumps({"message": "hi", "session_id": SID.upper()}), (200,)),
    # message ids
    chat("message-id-too-long", json.dumps({"message": "hi", "message_id": "m" * 65})),
    chat("message-id-unicode-digits", json.dumps({"message": "hi", "message_id": "\u0663\u0663"})),
    chat("message-id-space", json.dumps({"message": "hi", "message_id": "a b"})),
    chat("message-id-colon", json.dumps({"message": "hi", "message_id": "a:reply"})),
    chat("message-id-trailing-newline", json.dumps({"message": "hi", "message_id": "abc\n"})),
    chat("message-id-number", json.dumps({"message": "hi", "message_id": 7})),
    # content types
    chat("text-plain", '{"message":"hi"}', (415,), "text/plain"),
    chat("form-urlencoded", "message=hi", (415,), "application/x-www-form-urlencoded"),
    chat("multipart-without-boundary", '{"message":"hi"}', (415,), "multipart/form-data"),
    chat("multipart-with-boundary", b"--x\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nhi\r\n--x--\r\n",
         (415,), "multipart/form-data; boundary=x"),
    chat("no-content-type", '{"message":"hi"}', (415,), None),
    chat("json-with-nul", '{"message":"hi"}', (415,), "application/json\x00"),
    chat("jsonx", '{"message":"hi"}', (415,), "application/jsonx"),
    chat("non-ascii-content-type", '{"message":"hi"}', (415,), "\u00e9/json"),
    chat("json-bad-charset", '{"message":"hi"}', None, "application/json; charset=nonsense"),
    chat("json-utf16-charset", '{"message":"hi"}', None, "application/json; charset=utf-16"),
    chat("json-many-params", '{"message":"hi"}', None, "application/json;" + ";".join(f"p{i}=v" for i in range(500))),
    # headers
    chat("huge-header", '{"message":"hi"}', (200,), headers={"X-Big": "x" * 1_000_000}),
    chat("many-headers", '{"message":"hi"}', (200,), headers={f"X-H{i}": "v" * 50 for i in range(2000)}),
    chat("huge-cookie", '{"message":"hi"}', (200,), headers={"Cookie": "a=" + "b" * 200_000}),
    chat("odd-forwarded-for", '{"message":"hi"}', (200,), headers={"X-Forwarded-For": "not-an-ip, \x00, \u00e9"}),
    chat("bad-content-length", '{"message":"hi"}', None, headers={"Content-Length": "abc"}),
    chat("negative-content-length", '{"message":"hi"}', None, headers={"Content-Length": "-5"}),
    chat("content-encoding-gzip", '{"message":"hi"}', None, headers={"Content-Encoding": "gzip"}),
    Case("health-huge-header", "GET", "/health", (200,), {"headers": {"X-Big": "y" * 1_000_000}}),
    Case("chat-with-query", "POST", "/chat?days=%C2%B2&x=%ff%00", (200,), {"json": {"message": "hi"}}),
    # ?days=
    days("days-superscript-two", "\u00b2"),
    days("days-arabic-three", "\u0663"),
    days("days-fullwidth-seven", "\uff17"),
    days("days-math-digit", "\U0001d7d5"),
    days("days-exponent", "1e3"),
    days("days-negative", "-1"),
    days("days-zero", "0"),
    days("days-above-max", str(MAX_DAYS + 1)),
    days("days-twenty-digits", "99999999999999999999"),
    days("days-5000-digits", "9" * 5000),
    days("days-empty", ""),
    days("days-space", " 7"),
    days("days-trailing-space", "7 "),
    days("days-plus", "+5"),
    days("days-float", "7.0"),
    days("days-hex", "0x10"),
    days("days-underscore", "1_0"),
    days("days-nul", "7\x00"),
    days("days-text", "week"),
    days("days-one", "1", (200,)),
    days("days-max", str(MAX_DAYS), (200,)),
    days("days-leading-zero", "007", (200,)),
    Case("days-bad-percent", "GET", "/api/analytics/summary?days=%ff%fe", (400,), {"headers": AUTH}),
    Case("days-repeated", "GET", "/api/analytics/summary?days=x&days=7", (400,), {"headers": AUTH}),
    Case("days-default", "GET", "/api/analytics/summary", (200,), {"headers": AUTH}),
    # Authorization
    auth("no-authorization", None),
    auth("empty-authorization", ""),
    auth("bearer-only", "Bearer"),
    auth("bearer-space", "Bearer "),
    auth("lowercase-bearer", f"bearer {TOKEN}"),
    auth("no-scheme", TOKEN),
    auth("basic", "Basic dGVzdDp0ZXN0"),
    auth("wrong-token", "Bearer wrong"),
    auth("token-prefix", f"Bearer {TOKEN[:-1]}"),
    auth("token-longer", f"Bearer {TOKEN}x"),
    auth("token-other-case", f"Bearer {TOKEN.upper()}"),
    auth("token-double-space", f"Bearer  {TOKEN}"),
    auth("token-trailing-space", f"Bearer {TOKEN} "),
    auth("token-tab", f"Bearer\t{TOKEN}"),
    auth("token-unicode", "Bearer t\u00e9st-admin-token"),
    auth("token-cjk", "Bearer \u65e5\u672c"),
    auth("token-nul", f"Bearer {TOKEN}\x00"),
    auth("token-surrogate", "Bearer \ud800"),
    auth("token-very-long", "Bearer " + "x" * 1_000_000),
    auth("token-repeated", f"Bearer {TOKEN}, Bearer {TOKEN}"),
    auth("right-token", f"Bearer {TOKEN}", (200,)),
    # the session routes
    Case("history-unicode-digits", "GET", "/api/sessions/" + quote("\u0661" * 8 + SID[8:]) + "/history", (400,)),
    Case("history-not-uuid", "GET", "/api/sessions/abc/history", (400,)),
    Case("history-nul", "GET", "/api/sessions/a%00b/history", (400,)),
    Case("history-bad-percent", "GET", "/api/sessions/%ff%fe/history", (400,)),
    Case("history-very-long", "GET", "/api/sessions/" + "a" * 10_000 + "/history", (400,)),
    Case("history-dot-dot", "GET", "/api/sessions/../history", (400, 404)),
    Case("history-unknown", "GET", f"/api/sessions/{UNKNOWN}/history", (404,)),
    # werkzeug would answer these with an HTML redirect that no error handler sees;
    # a trailing slash is now simply ignored
    Case("history-encoded-slash", "GET", "/api/sessions/0%2F/history", (404,)),
    Case("history-double-slash", "GET", f"/api/sessions/{SID}//history", (404,)),
    Case("api-double-slash", "GET", f"/api//sessions/{SID}/history", (404,)),
    Case("erase-trailing-slash", "DELETE", f"/api/sessions/{UNKNOWN}/", (404,)),
    Case("health-trailing-slash", "GET", "/health/", (200,)),
    Case("erase-unicode-digits", "DELETE", "/api/sessions/" + quote("\u0663" * 8 + SID[8:]), (400,)),
    Case("erase-surrogate", "DELETE", "/api/sessions/%ED%A0%80", (400,)),
    Case("erase-unknown", "DELETE", f"/api/sessions/{UNKNOWN}", (404,)),
    Case("erase-with-body", "DELETE", f"/api/sessions/{UNKNOWN}", (404,), {"data": b"\xff" * 1000}),
    # methods and paths
    Case("get-chat", "GET", "/chat", (405,)),
    Case("put-chat", "PUT", "/chat", (405,), {"json": {"message": "hi"}}),
    Case("made-up-method", "BREW", "/chat", (405,)),
    Case("post-health", "POST", "/health", (405,), {"data": b"x"}),
    Case("unknown-path", "GET", "/nothing/here", (404,)),
    Case("unknown-api-path", "GET", "/api/../../etc/passwd", (404,)),
    Case("static-traversal", "GET", "/static/../../etc/passwd", (404,)),
    Case("static-missing", "GET", "/static/nothing.js", (404,)),
    Case("path-bad-percent", "GET", "/%ff%00", (404,)),
]


def send(client: FlaskClient, case: Case) -> TestResponse:
    return client.open(case.path, method=case.method, **case.kwargs)


@SQLITE_ONLY
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_request_gets_a_json_answer(case: Case, client: FlaskClient) -> None:
    assert_json_answer(send(client, case), case.expect, case.id)


def test_every_hostile_request_in_a_row_on_every_leg(client: FlaskClient) -> None:
    """All the cases on one app per leg (sqlite, postgresql, pgbouncer): each
    answered as above, and none leaves anything broken behind."""
    failures = []
    for case in CASES:
        try:
            assert_json_answer(send(client, case), case.expect, case.id)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert_healthy(client)
    assert not failures, "\n".join(failures)


def test_nesting_beyond_the_recursion_limit_is_400_when_the_body_limit_allows_it(
        make_app: Callable[..., Flask]) -> None:
    """100k levels, with the body limit raised so the parser sees them all."""
    client = make_app(MAX_CONTENT_LENGTH=2 * 1024 * 1024).test_client()
    for body in (nested_list(100_000), nested_object(100_000), '{"message":"hi","x":' + nested_list(100_000) + "}"):
        assert_json_answer(client.post("/chat", data=body, content_type=JSON), (400,), body[:12])
    assert_healthy(client)


def test_options_and_head_send_no_html(client: FlaskClient) -> None:
    """Flask answers OPTIONS itself (an empty body) and HEAD without a body."""
    for path in ("/chat", "/health", "/api/analytics/summary", f"/api/sessions/{SID}"):
        response = client.open(path, method="OPTIONS")
        assert response.status_code < 500 and "Allow" in response.headers, path
        assert response.get_data() == b"" or response.is_json, (path, response.get_data()[:200])
    for path in ("/health", "/health/live"):
        response = client.head(path)
        assert response.status_code == 200 and response.mimetype == JSON, path


def test_a_message_id_reused_in_another_yarn_is_not_a_server_error(client: FlaskClient) -> None:
    """A client's message id is its own choice: one already used in another
    yarn must be answered (or refused with a 4xx), never a 500."""
    first = client.post("/chat", json={"message": "hi", "message_id": "m-1"})
    assert_json_answer(first, (200,), "first use")
    again = client.post("/chat", json={"message": "hi", "message_id": "m-1", "session_id": str(uuid.uuid4())})
    assert_json_answer(again, None, "the same message id in a new yarn")
    assert_healthy(client)


def test_analytics_is_off_without_an_admin_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(ADMIN_TOKEN=None).test_client()
    for headers in ({}, AUTH, {"Authorization": "Bearer "}, {"Authorization": "Bearer None"}):
        assert_json_answer(client.get("/api/analytics/summary", headers=headers), (404,), str(headers))


def test_a_non_ascii_admin_token_is_compared_without_a_server_error(make_app: Callable[..., Flask]) -> None:
    client = make_app(ADMIN_TOKEN="t\u00f6k\u00e9n-\u00df").test_client()
    for header in ("Bearer t\u00f6k\u00e9n-\u00df", "Bearer tok", "Bearer \u65e5\u672c", "Bearer \ud800", ""):
        assert_json_answer(client.get("/api/analytics/summary", headers={"Authorization": header}), None, header)


# ---- the admin token is compared in constant time -----------------------------------


def test_the_admin_token_is_compared_in_constant_time(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request to the analytics API, whatever its Authorization header,
    is decided by one compare_digest against the configured token (a plain
    == would return sooner the earlier the first wrong character)."""
    calls: list[tuple[bytes, bytes]] = []

    def spy(a: Any, b: Any) -> bool:
        calls.append((a, b))
        return hmac.compare_digest(a, b)

    monkeypatch.setattr(api_module.secrets, "compare_digest", spy)
    headers: list[dict[str, str]] = [
        {}, {"Authorization": "Basic x"}, {"Authorization": "Bearer "}, {"Authorization": "Bearer w"},
        {"Authorization": f"Bearer {TOKEN[:-1]}x"}, {"Authorization": "Bearer t\u00e9st"},
        {"Authorization": "Bearer " + "x" * 10_000}, AUTH,
    ]
    for sent in headers:
        calls.clear()
        response = client.get("/api/analytics/summary", headers=sent)
        assert response.status_code == (200 if sent is AUTH else 401), sent
        assert len(calls) == 1, f"{sent}: compare_digest called {len(calls)} times"
        assert TOKEN.encode() in calls[0], calls[0]
    source = open(api_module.__file__, encoding="utf-8").read()
    body = source[source.index("def _authorised"):source.index("@bp.get(\"/analytics/summary\")")]
    assert "== token" not in body and "token ==" not in body and "!= token" not in body


# ---- Hypothesis fuzzing (sqlite leg) ----------------------------------------------


def any_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Any code point, lone surrogates included."""
    return st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, categories=None, exclude_categories=()),
                   max_size=max_size)


json_scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30, max_value=10**60)
                | st.floats(allow_nan=True, allow_infinity=True) | any_text())
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(any_text(12), inner, max_size=5),
    max_leaves=25,
)
uuids = st.uuids().map(str)
session_ids = st.none() | uuids | uuids.map(str.upper) | any_text(40) | json_values
message_ids = st.none() | st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_-]{0,70}\n?\Z") | any_text(70) | json_values
messages = (st.sampled_from(["hi", "yeah good", "I feel sad", "I want to kill myself", "footy", "no"])
            | any_text(1100) | json_values)
chat_objects = st.fixed_dictionaries(
    {}, optional={"message": messages, "session_id": session_ids, "message_id": message_ids,
                  "extra": json_values},
)
chat_json = chat_objects | json_values


def encode(value: Any, ascii_only: bool) -> bytes:
    """JSON as a client might send it: \\u escapes, or raw UTF-8 (a lone
    surrogate then becomes bytes that are not UTF-8 at all)."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=80)
content_types = st.sampled_from([
    JSON, "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
    "multipart/form-data", "application/merge-patch+json", "text/html", "", "*/*",
]) | header_text
extra_headers = st.dictionaries(
    st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z") | st.sampled_from(
        ["Accept", "Accept-Charset", "Accept-Encoding", "Content-Encoding", "Cookie", "Origin", "Referer",
         "User-Agent", "X-Forwarded-For", "X-Forwarded-Proto", "If-None-Match", "Range", "Expect"]),
    header_text, max_size=4,
)
tokens = st.none() | st.just(TOKEN) | header_text | st.sampled_from(["", "wrong", TOKEN + " ", TOKEN.upper()])


@SQLITE_ONLY
def test_fuzz_chat_with_any_json(client: FlaskClient) -> None:
    @given(body=chat_json, ascii_only=st.booleans())
    def fuzz(body: Any, ascii_only: bool) -> None:
        assert_chat_answer(client.post("/chat", data=encode(body, ascii_only), content_type=JSON), repr(body)[:300])

    fuzz()
    assert_healthy(client)


@SQLITE_ONLY
def test_fuzz_conversations_reusing_ids(client: FlaskClient) -> None:
    """Runs of plausible turns whose session and message ids come from small
    pools, so retries, ids reused in another yarn and yarns resumed out of
    order all come up."""
    sessions = [str(uuid.UUID(int=n, version=4)) for n in (1, 2)]
    turn = st.fixed_dictionaries(
        {"message": st.sampled_from(["hi", "yeah", "skip", "my mum", "I feel sad", "I want to kill myself"])
         | st.text(min_size=1, max_size=60)},
        optional={"session_id": st.sampled_from(sessions) | uuids,
                  "message_id": st.sampled_from(["m1", "m2", "m3"]) | st.from_regex(r"\A[a-z0-9]{1,8}\Z")},
    )

    @given(turns=st.lists(turn, min_size=1, max_size=6))
    def fuzz(turns: list[dict[str, Any]]) -> None:
        for body in turns:
            assert_chat_answer(client.post("/chat", json=body), repr(body)[:300])

    fuzz()
    assert_healthy(client)


@SQLITE_ONLY
def test_fuzz_chat_with_any_bytes_content_type_and_headers(client: FlaskClient) -> None:
    bodies = st.binary(max_size=2048) | chat_json.map(lambda v: encode(v, False))

    @given(body=bodies, content_type=content_types, headers=extra_headers)
    def fuzz(body: bytes, content_type: str, headers: dict[str, str]) -> None:
        response = client.post("/chat", data=body, content_type=content_type, headers=headers)
        assert_json_answer(response, None, f"{content_type!r} {headers!r} {body[:200]!r}")

    fuzz()
    assert_healthy(client)


@SQLITE_ONLY
def test_fuzz_session_routes_with_any_id(client: FlaskClient) -> None:
    ids = st.text(max_size=60) | uuids | st.binary(max_size=40)

    @given(session_id=ids, method=st.sampled_from(["history", "erase"]), headers=extra_headers)
    def fuzz(session_id: str | bytes, method: str, headers: dict[str, str]) -> None:
        quoted = quote_from_bytes(session_id, safe="") if isinstance(session_id, bytes) else quote(session_id, safe="")
        if method == "history":
            response = client.get(f"/api/sessions/{quoted}/history", headers=headers)
        else:
            response = client.delete(f"/api/sessions/{quoted}", headers=headers)
        assert_json_answer(response, None, f"{method} {session_id!r}")
        assert response.status_code in (200, 400, 404, 405), session_id

    fuzz()
    assert_healthy(client)


def days_answers(text: str) -> tuple[int, ...]:
    """What ?days=<text> must get with the right token: 200 for a whole
    number from 1 to 3650 in ASCII digits, else 400 (zero-padded past ten
    digits, either)."""
    if not (text.isascii() and text.isdigit()):
        return (400,)
    significant = text.lstrip("0")
    if len(significant) > 4 or not 1 <= int(significant or "0") <= MAX_DAYS:
        return (400,)
    return (200,) if len(text) <= 10 else (200, 400)


@SQLITE_ONLY
def test_fuzz_analytics_with_any_days_and_token(client: FlaskClient) -> None:
    values = (st.text(max_size=30) | st.integers().map(str) | st.integers(1, 6000).map(lambda n: "7" * n)
              | st.sampled_from(["\u00b2", "\u0663", "1e3", "-1"]) | st.binary(max_size=20))

    def ask(value: str | bytes, token: str | None) -> TestResponse:
        query = quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        response = client.get(f"/api/analytics/summary?days={query}", headers=headers)
        assert_json_answer(response, None, f"days={value!r}"[:200] + f" token={token!r}"[:200])
        return response

    @given(value=values)
    def fuzz_days(value: str | bytes) -> None:
        response = ask(value, TOKEN)
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        assert response.status_code in days_answers(text), (value[:100], response.get_data())

    @given(value=values, token=tokens)
    def fuzz_tokens(value: str | bytes, token: str | None) -> None:
        response = ask(value, token)
        if token != TOKEN:
            assert response.status_code == 401, (token, response.get_data())

    fuzz_days()
    fuzz_tokens()
    assert_healthy(client)
