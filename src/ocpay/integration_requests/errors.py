"""What the integration request workflow refuses, and why: one family of errors, no HTTP in sight.

`ocpay.api.errors` maps each class to the status an API answers with; the console and the CLI show
the message. Every message says what was wrong in words a requester understands.
"""

from __future__ import annotations


class RequestError(Exception):
    """A request the workflow refuses; the message says why."""


class InvalidRequest(RequestError):
    """The request's own fields are wrong (requester, hardware, version)."""


class RefusedDocument(RequestError):
    """A document refused at submission: the message names the file and the reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason

    def __reduce__(self) -> tuple[type[RefusedDocument], tuple[str, str]]:
        """Pickled with its two parts: it crosses from the worker process that reads documents."""
        return type(self), (self.name, self.reason)


class UnsupportedDocument(RefusedDocument):
    """A document of a kind the assessment does not read (archives, binaries, unknown types)."""


class DocumentTooLarge(RefusedDocument):
    """A document over the size allowed per document."""


class DocumentTooSlow(RefusedDocument):
    """A document that took longer to read than a document may (the worker reading it was stopped)."""


class UnknownRequest(RequestError, LookupError):
    """No request (or feature request) with that id."""


class IllegalTransition(RequestError):
    """The request's status does not allow that move."""
