"""The ASGI application: routes, sessions, CSRF and security headers, and `serve`.

Pages are one static shell (`static/index.html`) whose script renders everything with
`textContent`; data comes from the JSON API in `api.py`/`reads.py`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from qualcode.errors import QualcodeError
from qualcode.server import api, reads
from qualcode.server.auth import COOKIE, CSRF_HEADER, Session, Sessions, check_csrf, is_local
from qualcode.server.errors import ServeError, status_of

if TYPE_CHECKING:
    from qualcode.project import Project

STATIC = Path(__file__).parent / "static"
HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'; object-src 'none'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}
log = logging.getLogger("qualcode.server")
Handler = Callable[[api.ServerState, Session, Request, dict[str, Any]], Any]


def endpoint(ws: api.ServerState, fn: Handler, write: bool = False, public: bool = False
             ) -> Callable[[Request], Awaitable[Response]]:
    """Wrap `fn(ws, session, request, body)`: session check, CSRF on writes, JSON body
    in, JSON out, domain errors as {"error": ...} with a 4xx status."""

    async def handle(request: Request) -> Response:
        session = ws.sessions.load(request.cookies.get(COOKIE))
        try:
            if ws.sessions.required and not public and (session is None or not session.coder):
                raise ServeError("sign in first", 401)
            body: dict[str, Any] = {}
            if write:
                check_csrf(session, request.headers.get(CSRF_HEADER))
                _check_origin(request)
                raw = await request.body()
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise ServeError("the request body is not JSON") from None
                    if not isinstance(body, dict):
                        raise ServeError("the request body must be a JSON object")
            result = await run_in_threadpool(fn, ws, session, request, body)
            if not isinstance(result, Response):
                result = JSONResponse(result, headers={"cache-control": "no-store"})
        except QualcodeError as exc:
            return JSONResponse({"error": " ".join(str(exc).split())}, status_of(exc))
        except Exception as exc:  # noqa: BLE001 - never echo data in an error
            log.error("unexpected %s in %s", type(exc).__name__, request.url.path)
            return JSONResponse({"error": f"unexpected {type(exc).__name__} - see the "
                                          "server's terminal"}, 500)
        return result

    return handle


def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin.split("://", 1)[-1] != request.headers.get("host"):
        raise ServeError("cross-site request refused", 403)


def _session_response(ws: api.ServerState, session: Session) -> Response:
    project = ws.project
    resp = JSONResponse({"coder": session.coder, "csrf": session.csrf,
                         "auth_required": ws.sessions.required,
                         "coder_fixed": bool(ws.sessions.required or ws.sessions.fixed_coder),
                         "project": project.settings.name},
                        headers={"cache-control": "no-store"})
    resp.set_cookie(COOKIE, ws.sessions.dump(session), httponly=True, samesite="strict",
                    path="/")
    return resp


def get_session(ws: api.ServerState, session: Session | None, request: Request,
                body: dict) -> Response:
    return _session_response(ws, session or ws.sessions.new())


def choose_coder(ws: api.ServerState, session: Session, request: Request, body: dict
                 ) -> Response:
    return _session_response(ws, ws.sessions.choose(session, str(body.get("coder") or "")))


def sign_in(ws: api.ServerState, session: Session, request: Request, body: dict) -> Response:
    return _session_response(ws, ws.sessions.sign_in(str(body.get("token") or "")))


def _doc(request: Request) -> str:
    return request.path_params["doc"]


def _cid(request: Request) -> int:
    return int(request.path_params["cid"])


def routes(ws: api.ServerState) -> list:
    """The API routes bound to one workspace."""
    def r(path: str, fn: Handler, method: str = "GET", **kw: bool) -> Route:
        return Route(path, endpoint(ws, fn, write=method == "POST", **kw), methods=[method])

    return [
        r("/api/session", get_session, public=True),
        r("/api/session", choose_coder, "POST", public=True),
        r("/api/login", sign_in, "POST", public=True),
        r("/api/codebook", lambda w, s, q, b: reads.codebook(w.project)),
        r("/api/documents", lambda w, s, q, b: reads.document_list(w.project)),
        r("/api/documents/{doc}", lambda w, s, q, b: reads.document(w.project, w.texts,
                                                                      _doc(q))),
        r("/api/documents/{doc}/media", lambda w, s, q, b: reads.media_file(w.project,
                                                                          _doc(q))),
        r("/api/documents/{doc}/disagreements", lambda w, s, q, b: {
            "disagreements": reads.disagreements(w.project, w.texts, _doc(q),
                                                 q.query_params.get("a", ""),
                                                 q.query_params.get("b", ""))}),
        r("/api/documents/{doc}/search", lambda w, s, q, b: reads.search_hits(
            w.project, w.texts, _doc(q), q.query_params.get("q", ""),
            q.query_params.get("mode", "lemma"))),
        r("/api/changes", lambda w, s, q, b: {"version": reads.version(w.project)}),
        r("/api/documents/{doc}/codings", lambda w, s, q, b: api.add_coding(w, s, _doc(q), b),
          "POST"),
        r("/api/documents/{doc}/codings/{cid:int}/remove",
          lambda w, s, q, b: api.remove_coding(w, s, _doc(q), _cid(q)), "POST"),
        r("/api/documents/{doc}/codings/{cid:int}/decide",
          lambda w, s, q, b: api.decide(w, s, _doc(q), _cid(q), b), "POST"),
        r("/api/memos", lambda w, s, q, b: reads.memo_panel(
            w.project, q.query_params.get("document") or None,
            q.query_params.get("code") or None)),
        r("/api/memos", lambda w, s, q, b: api.add_memo(w, s, b), "POST"),
        r("/api/memos/{mid:int}/edit",
          lambda w, s, q, b: api.edit_memo(w, s, int(q.path_params["mid"]), b), "POST"),
        r("/api/memos/{mid:int}/link",
          lambda w, s, q, b: api.link_memo(w, s, int(q.path_params["mid"]), b), "POST"),
        r("/api/undo", lambda w, s, q, b: api.undo(w, s), "POST"),
    ]


def create_app(project: Project, sessions: Sessions | None = None,
               host: str = "127.0.0.1") -> Guard:
    """The workspace app for `project`; `host` is the address it is served on (a local
    one also refuses requests whose Host header names another site)."""
    from qualcode.server import codebook_api

    project.engine  # noqa: B018 - create the engine once, shared by every request's copy
    ws = api.ServerState(project, sessions or Sessions(fixed_coder=project.coder))

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    app = Starlette(routes=[
        *routes(ws),
        *codebook_api.routes(ws, endpoint),
        Route("/", index),
        Route("/d/{doc}", index),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ])
    app.state.workspace = ws
    return Guard(app, local=is_local(host))


class Guard:
    """ASGI middleware: security headers on every response; on a local bind, requests
    whose Host header names another site are refused (DNS rebinding)."""

    def __init__(self, app: Any, local: bool) -> None:
        self.app, self.local = app, local
        self.state = app.state

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.local:
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            if not _local_host(host):
                await JSONResponse({"error": "unknown host"}, 421)(scope, receive, send)
                return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()
                         if k.encode() not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _local_host(header: str) -> bool:
    name = header.rsplit(":", 1)[0] if not header.endswith("]") else header
    return is_local(name)
