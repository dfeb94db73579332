"""One router per resource; every route depends on ``api.deps`` (session, user, App), never on a closure."""
