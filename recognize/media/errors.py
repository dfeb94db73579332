"""The error every decoding problem becomes: a reason a user can read."""


class MediaError(Exception):
    """A file could not be read or decoded; ``str(error)`` says why."""
