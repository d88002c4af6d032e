"""What a source reports instead of a Document when part of it is unusable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SourceProblem:
    path: str
    line: int | None
    message: str
    skipped: bool = True  # False: the document was repaired and indexed

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
