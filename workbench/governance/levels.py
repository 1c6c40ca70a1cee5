"""Classification levels: an ordered scale from least to most restricted, configured in settings."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.errors import ConfigurationError, GovernanceInputInvalid


@dataclass(frozen=True)
class ClassificationLevels:
    """The configured levels, least restricted first (e.g. public < internal < confidential < restricted)."""

    names: tuple[str, ...]

    @classmethod
    def of(cls, names: list[str] | tuple[str, ...]) -> "ClassificationLevels":
        """Levels from settings; an empty or repeating list is a configuration error."""
        cleaned = tuple(str(name).strip().lower() for name in names)
        if not cleaned or any(not name for name in cleaned) or len(set(cleaned)) != len(cleaned):
            raise ConfigurationError(
                f"WORKBENCH_CLASSIFICATION_LEVELS must list distinct, non-empty level names (got {list(names)!r})"
            )
        return cls(cleaned)

    @property
    def most_restrictive(self) -> str:
        """The last level: what an unreadable classification is treated as."""
        return self.names[-1]

    def rank(self, name: str) -> int:
        """The position of a known level (higher is more restricted)."""
        return self.names.index(name)

    def known(self, raw: object) -> str | None:
        """The level a text names (case and spaces ignored), or None."""
        name = str(raw).strip().lower() if raw is not None else ""
        return name if name in self.names else None

    def require(self, raw: object, what: str) -> str:
        """The level a lead entered; GovernanceInputInvalid naming the known levels otherwise."""
        name = self.known(raw)
        if name is None:
            raise GovernanceInputInvalid(f"{what} {str(raw)!r} is not a classification level; use one of {', '.join(self.names)}")
        return name

    def read(self, raw: object, where: str) -> tuple[str, str | None]:
        """The level a file names, or the most restrictive one with a warning when it names none we know."""
        name = self.known(raw)
        if name is not None:
            return name, None
        return self.most_restrictive, (
            f"{where}: classification {str(raw)!r} is not one of {', '.join(self.names)}; "
            f"treated as {self.most_restrictive}, the most restrictive"
        )

    def allows(self, ceiling: str, level: str) -> bool:
        """True when content at `level` may go to an endpoint allowed up to `ceiling`."""
        return self.rank(level) <= self.rank(ceiling)
