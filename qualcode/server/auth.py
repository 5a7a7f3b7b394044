"""Coders, sign-in tokens, signed session cookies and CSRF tokens.

On 127.0.0.1 anyone at the machine may pick a coder name, as with the CLI's --coder.
On any other address every request needs a session opened with a per-coder token
(read from a file), and the server refuses to start without one. Every write carries
the session's CSRF token in a header, which another site cannot read or set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from qualcode.server.errors import ServeError

COOKIE = "qualcode_session"
CSRF_HEADER = "x-csrf-token"
MIN_TOKEN = 16
CODER_NAME = re.compile(r"^[\w][\w .@-]{0,63}$")
RESERVED = {"auto"}


def is_local(host: str) -> bool:
    """Whether `host` is a loopback address (only this machine can connect)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, tokens: dict[str, str]) -> None:
    """Refuse a non-local bind without sign-in tokens."""
    if not is_local(host) and not tokens:
        raise ServeError(f"binding to {host} exposes the project to the network - give "
                         "per-coder sign-in tokens with --tokens FILE, or bind to 127.0.0.1")


def check_coder_name(name: str) -> str:
    """A valid coder name (letters, digits, space . @ - _; not 'auto'), stripped."""
    name = (name or "").strip()
    if not CODER_NAME.match(name) or name.lower() in RESERVED:
        raise ServeError(f"{name!r} is not a usable coder name - use letters, digits, "
                         "spaces, '.', '@', '-' or '_' (up to 64), not 'auto'")
    return name


def load_tokens(path: Path) -> dict[str, str]:
    """Sign-in tokens from a file of `CODER TOKEN` lines ('#' starts a comment);
    returns {sha256(token): coder}."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ServeError(f"cannot read the tokens file {path}: {exc.strerror}") from None
    out: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.rsplit(None, 1)
        if len(parts) != 2:
            raise ServeError(f"{path}:{n}: expected 'CODER TOKEN'")
        coder, token = check_coder_name(parts[0]), parts[1]
        if len(token) < MIN_TOKEN:
            raise ServeError(f"{path}:{n}: the token of {coder} is shorter than {MIN_TOKEN} "
                             "characters - make one with: python -c \"import secrets; "
                             "print(secrets.token_urlsafe())\"")
        out[_digest(token)] = coder
    if not out:
        raise ServeError(f"{path}: no tokens - add lines 'CODER TOKEN'")
    return out


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    """Who is at the browser (None until chosen or signed in) and their CSRF token."""

    coder: str | None
    csrf: str
    signed_in: bool = False


class Sessions:
    """Issues and verifies session cookies signed with a per-process secret."""

    def __init__(self, tokens: dict[str, str] | None = None, fixed_coder: str | None = None,
                 secret: bytes | None = None) -> None:
        self.tokens = tokens or {}
        self.fixed_coder = fixed_coder
        self._secret = secret or secrets.token_bytes(32)

    @property
    def required(self) -> bool:
        """Whether a sign-in token is needed (the server is reachable from a network)."""
        return bool(self.tokens)

    def new(self, coder: str | None = None, signed_in: bool = False) -> Session:
        if not self.required and coder is None:
            coder = self.fixed_coder
        return Session(coder, secrets.token_urlsafe(24), signed_in)

    def sign_in(self, token: str) -> Session:
        """A session for the coder owning `token`."""
        coder = self.tokens.get(_digest(token or ""))
        if coder is None:
            raise ServeError("unknown sign-in token", 401)
        return self.new(coder, signed_in=True)

    def choose(self, session: Session, coder: str) -> Session:
        """Set the coder of a local session (not when --coder or tokens fix it)."""
        if self.required or self.fixed_coder:
            raise ServeError("the coder is fixed here (by --coder or your sign-in token)",
                             403)
        return Session(check_coder_name(coder), session.csrf)

    def dump(self, session: Session) -> str:
        body = base64.urlsafe_b64encode(json.dumps(
            [session.coder, session.csrf, session.signed_in]).encode()).decode()
        return f"{body}.{self._mac(body)}"

    def load(self, cookie: str | None) -> Session | None:
        """The session in a cookie, or None if absent, forged or from another server."""
        if not cookie or "." not in cookie:
            return None
        body, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        try:
            coder, csrf, signed_in = json.loads(base64.urlsafe_b64decode(body))
        except ValueError:
            return None
        if self.required and not signed_in:
            coder = None
        return Session(coder, csrf, bool(signed_in))

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()


def check_csrf(session: Session | None, header: str | None) -> None:
    """Refuse a write whose CSRF header does not match the session's token."""
    if session is None or not header or not hmac.compare_digest(session.csrf, header):
        raise ServeError("missing or wrong CSRF token - reload the page", 403)
