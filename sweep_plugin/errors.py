"""Bad sweep input (one error type, so every message has the same shape) and the plugin's warnings."""

from __future__ import annotations

from collections.abc import Sequence


class SweepError(Exception):
    """Bad sweep input, shown as ``file:line: key.path: what is wrong``.

    Code deep in the package raises it with only the key path it knows; the
    loader fills in the file and line on the way out, so no part of the
    package needs to carry file positions around.
    """

    def __init__(
        self,
        message: str,
        *,
        key: str = "",
        file: str = "",
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.file = file
        self.line = line

    def located(self, file: str, line: int | None, prefix: str = "") -> SweepError:
        """Return a copy that names ``file`` and ``line``, with ``prefix`` before the key."""
        key = ".".join(part for part in (prefix, self.key) if part)
        return SweepError(self.message, key=key, file=file, line=line)

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.file and self.line else "")
        return ": ".join(part for part in (where, self.key, self.message) if part)


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'values'?)`` or an empty string."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def not_utf8(exc: UnicodeDecodeError) -> str:
    """Where a file stops being UTF-8: ``byte 0xe9 at offset 9`` (Latin-1 and UTF-16 files are the usual)."""
    return f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"


class SweepWarning(UserWarning):
    """A sweep file key that does not apply here, or something the plugin could not do or write.

    Silence them with ``-W ignore::sweep_plugin.SweepWarning``.
    """


def warn_about(where: object, message: str, category: type[SweepWarning] = SweepWarning) -> None:
    """Warn with ``where`` (the file or folder the problem is about) as the location, not the plugin's code.

    What the plugin could not read or write never fails the session: where the warnings filters make warnings
    errors (``-W error``, ``filterwarnings = error``), it is shown as a warning all the same. ``-W ignore`` holds.
    """
    import warnings

    try:
        warnings.warn_explicit(category(message), category, str(where), 0)
    except SweepWarning:
        with warnings.catch_warnings():
            warnings.simplefilter("always", category)
            warnings.warn_explicit(category(message), category, str(where), 0)
