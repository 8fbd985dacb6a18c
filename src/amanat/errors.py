"""One exception tree for all of Amanat.

Every error a user can meet is an ``AmanatError``. Each class carries the exit code
the CLI returns and the HTTP status the web apps answer with, and its message is one
plain sentence that says what happened and, where possible, what to do. One handler
per surface (``amanat.cli.main``, the web apps) turns them into that sentence; a user
never sees a traceback.

Messages never contain secrets or personal data: no passphrase, no share word, no
plaintext, no file content. File *paths* the user typed may appear.

::

    AmanatError                      exit 1   HTTP 500
    ├── UsageError                   exit 2   HTTP 400   bad arguments, bad settings
    ├── HomeError                    exit 3   HTTP 500   missing or wrong home folder
    │   └── RoleError                exit 3   HTTP 403   e.g. "a station cannot open entries"
    ├── KeyError_                    exit 4   HTTP 403   keys and secrets
    │   ├── WrongPassphrase          exit 4   HTTP 403
    │   ├── ShareError               exit 4   HTTP 400   mistyped, mixed or too few shares
    │   └── UntrustedKey             exit 4   HTTP 403   unknown or revoked signer
    ├── NotFound                     exit 5   HTTP 404   entry, blob, file
    ├── InputError                   exit 6   HTTP 400   a file that cannot be sealed
    ├── FormatError                  exit 7   HTTP 422   a stored object that does not parse
    │   └── UnsupportedVersion       exit 7   HTTP 422
    ├── IntegrityError               exit 8   HTTP 409   verification found a problem
    ├── BusyError                    exit 9   HTTP 503   another process holds the vault lock
    └── MirrorError                  exit 10  HTTP 502   a mirror is unreachable or misbehaves
"""

from __future__ import annotations

__all__ = [
    "AmanatError",
    "BusyError",
    "FormatError",
    "HomeError",
    "InputError",
    "IntegrityError",
    "KeyError_",
    "MirrorError",
    "NotFound",
    "RoleError",
    "ShareError",
    "UnsupportedVersion",
    "UntrustedKey",
    "UsageError",
    "Words",
    "WrongPassphrase",
]


class Words(str):
    """A phrase an error's sentence quotes: the thing it is about ("the report", "log
    record 1f3c/7"), where the sentence is written for many things.

    As a ``str`` it is the English phrase, so the English sentence reads exactly as
    before. It also keeps its ``template`` and ``params``, as an error does, so that an
    interface saying the error in Kazakh or Russian says the phrase in that language too
    (``amanat.i18n.said``); the catalogues extract the template. A parameter typed
    ``Words`` cannot be given a plain string by mistake (mypy says so)."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> Words:
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    @classmethod
    def of(cls, error: AmanatError) -> Words:
        """An error's sentence as a phrase (a report's line that is an error caught),
        said in the reader's language as the error is."""
        self = super().__new__(cls, str(error))
        self.template = "%(error)s"  # in no catalogue: it is said as it is, filled in
        self.params = {"error": error}
        return self


class AmanatError(Exception):
    """Base of every error Amanat raises on purpose."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str, **params: object) -> None:
        """A message that quotes a value is written with ``%(name)s`` placeholders and
        the values as keywords: ``message`` is the English sentence filled in;
        ``template`` and ``params`` let an interface translate the sentence first and
        fill in the values after (the staff app does). A ``Words`` given alone is
        raised as its template and values, so it is said in the reader's language."""
        if isinstance(message, Words) and not params:  # a phrase raised as the sentence
            params = message.params
            message = message.template
        text = message % params if params else message
        super().__init__(text)
        self.message = text
        self.template = message if params else ""
        self.params = params

    def __str__(self) -> str:
        return self.message


class UsageError(AmanatError):
    exit_code = 2
    http_status = 400


class HomeError(AmanatError):
    exit_code = 3
    http_status = 500


class RoleError(HomeError):
    http_status = 403


class KeyError_(AmanatError):
    exit_code = 4
    http_status = 403


class WrongPassphrase(KeyError_):
    pass


class ShareError(KeyError_):
    http_status = 400


class UntrustedKey(KeyError_):
    pass


class NotFound(AmanatError):
    exit_code = 5
    http_status = 404


class InputError(AmanatError):
    exit_code = 6
    http_status = 400


class FormatError(AmanatError):
    exit_code = 7
    http_status = 422


class UnsupportedVersion(FormatError):
    pass


class IntegrityError(AmanatError):
    exit_code = 8
    http_status = 409


class BusyError(AmanatError):
    exit_code = 9
    http_status = 503


class MirrorError(AmanatError):
    exit_code = 10
    http_status = 502
