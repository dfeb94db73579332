"""Users and credentials: argon2 password hashes, API tokens (stored hashed), expiry and revocation.

The interfaces name the user rows these hand out (``User``) from here, never from the ORM."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from recognize.storage.models import ApiToken, User, utcnow

__all__ = [
    "BROWSER_SESSION",
    "BROWSER_SESSION_DAYS",
    "MIN_PASSWORD",
    "TOKEN_PREFIX",
    "AuthError",
    "User",
    "check_password",
    "create_token",
    "create_user",
    "end_all_browser_sessions",
    "end_browser_session",
    "revoke_token",
    "set_password",
    "start_browser_session",
    "user_for_token",
]
_hasher = PasswordHasher()
MIN_PASSWORD = 8
TOKEN_PREFIX = "rk_"


class AuthError(Exception):
    """A credential or user operation was refused; the message says why."""


def create_user(session: Session, name: str, password: str, admin: bool = False) -> User:
    """A new user with an argon2-hashed password; names are unique."""
    if not name.strip() or "/" in name:
        raise AuthError("a user name must be non-empty and contain no '/'")
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must have at least {MIN_PASSWORD} characters")
    user = session.scalar(select(User).where(User.name == name))
    if user is not None and user.password_hash:
        raise AuthError(f"user {name!r} already exists")
    if user is None:
        user = User(name=name)
        session.add(user)
    user.password_hash = _hasher.hash(password)
    user.is_admin = admin
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> int:
    """Give an existing user a new password (a lost admin password is recovered this way at the command line);
    every browser session of the user ends. Returns how many ended."""
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"the password must have at least {MIN_PASSWORD} characters")
    user.password_hash = _hasher.hash(password)
    return end_all_browser_sessions(session, user)


def check_password(session: Session, name: str, password: str) -> User | None:
    """The user when the password is right, else None (same work either way)."""
    user = session.scalar(select(User).where(User.name == name))
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and user.password_hash else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str, days: float | None = None) -> str:
    """A new token for ``user`` (shown once); expires after ``days`` when given."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days) if days else None
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token), expires_at=expires))
    session.flush()
    return token


@cache
def _token_and_user() -> Select:
    """A token row and its user by the token's hash, built once (every API request asks it)."""
    matching = ApiToken.token_hash == bindparam("token_hash")
    return select(ApiToken, User).join(User, User.id == ApiToken.user_id).where(matching)


def user_for_token(session: Session, token: str) -> User | None:
    """The token's user while it is neither expired nor revoked."""
    found = session.execute(_token_and_user(), {"token_hash": _digest(token)}).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None:
        return None
    if row.expires_at is not None:
        expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
        if expires <= datetime.now(UTC):
            return None
    return user


BROWSER_SESSION = "browser session"
BROWSER_SESSION_DAYS = 14


def start_browser_session(session: Session, user: User) -> str:
    """A server-side browser session: a token kept (hashed) like a script's, so it can be revoked."""
    return create_token(session, user, BROWSER_SESSION, days=BROWSER_SESSION_DAYS)


def end_browser_session(session: Session, token: str) -> None:
    """Revoke one browser session (logout); an unknown token is ignored."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def end_all_browser_sessions(session: Session, user: User) -> int:
    """Revoke every browser session of a user (an admin's 'log out everywhere'); returns how many."""
    rows = session.scalars(
        select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.name == BROWSER_SESSION, ApiToken.revoked_at.is_(None)
        )
    ).all()
    for row in rows:
        row.revoked_at = utcnow()
    return len(rows)


def revoke_token(session: Session, user: User, token_id: int) -> None:
    """Revoke one of the user's tokens."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise AuthError(f"no token {token_id}")
    row.revoked_at = utcnow()


@cache
def _dummy_hash() -> str:
    """A hash checked when the user does not exist, so a wrong name costs the same as a wrong password."""
    return _hasher.hash(secrets.token_urlsafe(16))
