"""Large synthetic libraries and a cheap embedder for them (the large-library tests and bench/bench_gaps_speed.py).

The embedder hashes words into 384 signed dimensions: real vectors (bag-of-words sums of
pseudo-random patterns) at a cost a 200,000-chunk library can afford. The library has modules of
ten chunks; module m is about topic m % (0.8 x skills), so a fifth of the skills are gaps.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

DIMENSION = 384
CHUNKS_PER_MODULE = 10
FOLDERS = 20
COMMON_WORDS = [f"common{i}" for i in range(2000)]


class HashingEmbedder:
    """Deterministic bag-of-words vectors (384 dimensions unless told): each word adds a pseudo-random pattern; rows are unit length."""

    loaded = True
    backend = "hashing"
    variant = ""

    def __init__(self, dimension: int = DIMENSION) -> None:
        # Fewer dimensions make Chroma's writes several times cheaper where only paging is under test.
        self.dimension = dimension
        self.model_name = f"bench-hashing-{dimension}"
        self._cache: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vector = self._cache.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
            self._cache[word] = vector
        return vector

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """(n, dimension) unit vectors."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i] += self._word(word.strip(".,:;>#"))
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        if progress:
            progress(len(texts), len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """One text's vector."""
        return self.embed([text])[0]


def taught_topics(skills: int) -> int:
    """How many of the framework's topics have modules (the rest are the synthetic gaps)."""
    return max(1, int(skills * 0.8))


def module_text(module: int, skills: int, seed: int = 0) -> str:
    """One module of ten chunks: a title, an introduction and nine sections about its topic.

    Its text depends only on (module, skills, seed), so a smaller library is a prefix of a larger one.
    """
    rng = np.random.default_rng([seed, module])
    common = COMMON_WORDS
    topic = module % taught_topics(skills)
    words = [f"t{topic}w{j}" for j in range(12)]
    intro = " ".join(rng.choice(common, 30).tolist())
    lines = [f"# Module {module} on topic {topic} {' '.join(words[:3])}", "", intro, ""]
    for section in range(CHUNKS_PER_MODULE - 1):
        body = " ".join(rng.choice(words, 15).tolist() + rng.choice(common, 45).tolist())
        lines += [f"## Section {section} {words[section % 12]}", "", body, ""]
    return "\n".join(lines)


def module_path(module: int) -> str:
    """Library-relative path of module `module`."""
    return f"area{module % FOLDERS}/module-{module}.md"


def write_synthetic_library(root: Path, chunks: int, skills: int, seed: int = 0, first_module: int = 0) -> tuple[Path, Path]:
    """Write modules first_module .. chunks // 10 - 1 under root/library and a framework of `skills` skills.

    Returns (library folder, skills.csv). Modules below `first_module` are assumed written already.
    """
    library = root / "library"
    for folder in range(FOLDERS):
        (library / f"area{folder}").mkdir(parents=True, exist_ok=True)
    for module in range(first_module, chunks // CHUNKS_PER_MODULE):
        (library / module_path(module)).write_text(module_text(module, skills, seed), encoding="utf-8")
    return library, write_framework(root, skills)


def write_framework(root: Path, skills: int) -> Path:
    """Write root/skills.csv: skill-t is about topic t's words; returns its path."""
    rows = ["id,name,description"]
    for topic in range(skills):
        words = [f"t{topic}w{j}" for j in range(12)]
        # No bare number in the name: "Topic 38" would share the rare word "38" with the title
        # "Module 38 on topic 6", making that module a passing mention of untaught skill 38.
        rows.append(f"skill-{topic},Topic {words[0]},{' '.join(words[:8])} and common{topic % 2000}")
    framework = root / "skills.csv"
    framework.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return framework


def untaught_skill_ids(skills: int) -> set[str]:
    """The skills no module is about: the synthetic gaps (of a library with a module for every taught topic)."""
    return {f"skill-{topic}" for topic in range(taught_topics(skills), skills)}
