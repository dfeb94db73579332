"""Who may use WebDAV: HTTP Basic with a user's password (argon2, behind the login guard) or one of their API
tokens as the password."""

from __future__ import annotations

from typing import Any

from wsgidav.dc.base_dc import BaseDomainController

from recognize.api.throttle import LoginGuard, Throttled
from recognize.app import App
from recognize.library.accounts import TOKEN_PREFIX, user_for_token

REALM = "recognize"


class RecognizeDomainController(BaseDomainController):
    """Basic authentication against the users' argon2 password hashes."""

    def __init__(self, wsgidav_app: Any, config: dict[str, Any]) -> None:
        super().__init__(wsgidav_app, config)
        self.app: App = config["recognize_app"]
        self.guard: LoginGuard = config["recognize_login_guard"]

    def get_domain_realm(self, path_info: str, environ: dict[str, Any]) -> str:
        return REALM

    def require_authentication(self, realm: str, environ: dict[str, Any]) -> bool:
        return True

    def basic_auth_user(self, realm: str, user_name: str, password: str, environ: dict[str, Any]) -> bool:
        """The user's password, or one of their API tokens as the password (what a Nextcloud External storage
        mount of the persons collection is given: revocable, and no argon2 check per request)."""
        try:
            with self.app.database.session() as session:
                if password.startswith(TOKEN_PREFIX):
                    owner = user_for_token(session, password)
                    return owner is not None and owner.name == user_name
                return self.guard.verify(session, user_name, password, environ.get("REMOTE_ADDR")) is not None
        except Throttled:
            return False

    def supports_http_digest_auth(self) -> bool:
        return False
