"""Errors the catalogue reports to people.

Every error a user can cause is a :class:`CatalogueError`; the CLI and the app
show its message (never a traceback) and map its kind to an exit code.
"""

from __future__ import annotations


class CatalogueError(Exception):
    """Base class of the errors shown to users."""

    exit_code = 1


class InvalidInput(CatalogueError):
    """Bad input: names the file, record and line where known. Nothing was written."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        record: str | None = None,
        line: int | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.record = record
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record:
            where.append(f"record {self.record!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def located(self, *, file: str | None = None) -> "InvalidInput":
        """The same error with a file name filled in where it was missing."""
        return InvalidInput(self.message, file=self.file or file, record=self.record, line=self.line)


class PermissionDenied(CatalogueError):
    """The acting account's role does not allow this action."""

    exit_code = 3


class NotFound(CatalogueError):
    """A named construct, trial, target or account does not exist."""

    exit_code = 1


class EditConflict(CatalogueError):
    """A stale edit: someone else saved a newer version first."""

    exit_code = 1

    def __init__(self, message: str, *, current: dict | None = None) -> None:
        self.current = current or {}
        super().__init__(message)
