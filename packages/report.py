"""The validation report of a package: errors refuse it, warnings let it in (issue: content packages)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Entry:
    """One finding: a stable machine code, words for the partner, and where (file and XML line)."""

    severity: Severity
    code: str
    message: str
    file: str | None = None
    line: int | None = None

    def where(self) -> str:
        """``file:line`` or ``file`` or ``package``."""
        if self.file and self.line:
            return f"{self.file}:{self.line}"
        return self.file or "package"


@dataclass
class Report:
    """Everything found while checking one package."""

    entries: list[Entry] = field(default_factory=list)
    kind: str | None = None
    title: str | None = None

    def error(self, code: str, message: str, file: str | None = None, line: int | None = None) -> None:
        """Record a finding that refuses the package."""
        self.entries.append(Entry("error", code, message, file, line))

    def warning(self, code: str, message: str, file: str | None = None, line: int | None = None) -> None:
        """Record a finding that lets the package in."""
        self.entries.append(Entry("warning", code, message, file, line))

    @property
    def errors(self) -> list[Entry]:
        return [e for e in self.entries if e.severity == "error"]

    @property
    def warnings(self) -> list[Entry]:
        return [e for e in self.entries if e.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when nothing refuses the package."""
        return not self.errors

    def codes(self) -> list[str]:
        """The codes of every entry, in order (handy in tests)."""
        return [e.code for e in self.entries]

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (the CLI prints this)."""
        return {
            "ok": self.ok,
            "kind": self.kind,
            "title": self.title,
            "errors": [asdict(e) for e in self.errors],
            "warnings": [asdict(e) for e in self.warnings],
        }

    def dumps(self) -> str:
        """The report as a JSON string."""
        return json.dumps(self.to_json(), indent=2)

    def to_text(self) -> str:
        """The report as lines a partner can read."""
        head = f"{'ACCEPTED' if self.ok else 'REFUSED'}: {self.kind or 'unknown kind'}"
        if self.title:
            head += f" \u2014 {self.title}"
        lines = [head]
        for entry in self.errors + self.warnings:
            lines.append(f"  {entry.severity.upper():7} {entry.where()}: {entry.message} [{entry.code}]")
        if not self.entries:
            lines.append("  no problems found")
        return "\n".join(lines)
