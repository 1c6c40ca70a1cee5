"""Word counts and row norms made without scikit-learn equal scikit-learn's own, and a cached model projects without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from workbench.gaps.word_counts import count_rows, l2_rows, words

ROOT = Path(__file__).resolve().parents[3]
TEXTS = [
    "Phishing e-mails PRETEND to be trusted senders; they steal passwords, passwords, passwords!",
    "Ünïcode wörds: naïve café façade — and the stop words of it all",
    "a I x 42 4 co-operate re-use self-assessment_2026 don't can't",
    "",
    "the and of",  # stop words only
    "Datenschutz‑Grundverordnung (DSGVO) und Privacy by Design",
]


def _sklearn_counts(vocabulary: dict[str, int]) -> sparse.csr_matrix:
    return CountVectorizer(stop_words="english", vocabulary=vocabulary, dtype=np.float32).transform(TEXTS).astype(np.float32)


def test_counts_equal_countvectorizers_for_a_fixed_vocabulary():
    fitted = CountVectorizer(stop_words="english").fit(TEXTS[:2] + TEXTS[5:])
    stop_words = frozenset(fitted.get_stop_words())
    ours = count_rows(TEXTS, dict(fitted.vocabulary_), stop_words)
    theirs = _sklearn_counts(dict(fitted.vocabulary_))
    assert ours.shape == theirs.shape and ours.dtype == np.float32
    assert (ours != theirs).nnz == 0
    assert np.array_equal(ours.indices, theirs.sorted_indices().indices)


def test_words_are_the_analysers_tokens():
    analyse = CountVectorizer(stop_words="english").build_analyzer()
    stop_words = frozenset(CountVectorizer(stop_words="english").get_stop_words())
    for text in TEXTS:
        assert words(text, stop_words) == analyse(text), text


def test_row_norms_equal_sklearns_normalize_and_zero_rows_stay_zero():
    fitted = CountVectorizer(stop_words="english").fit(TEXTS)
    counts = count_rows(TEXTS, dict(fitted.vocabulary_), frozenset(fitted.get_stop_words()))
    counts.data = 1.0 + np.log(counts.data)
    ours, theirs = l2_rows(counts), normalize(counts)
    assert ours.dtype == np.float32
    assert np.allclose(ours.toarray(), theirs.toarray(), rtol=1e-6, atol=1e-7)
    assert not ours[3].toarray().any() and not ours[4].toarray().any()


def stable_chunks(texts):
    """Chunks whose ids are the same in every process (the cache is keyed by them)."""
    from workbench.domain.library import Chunk

    return [Chunk(id=f"c{i}", module_id=f"m{i}", path=f"m{i}.md", title=f"M{i}", heading_path=(), position=0, text=t)
            for i, t in enumerate(texts)]


def test_a_model_read_from_the_cache_projects_skills_without_importing_sklearn(tmp_path):
    from workbench.gaps.lexical import LexicalModel
    from tests.unit.gaps.test_lexical_channel import DOCS, QUERIES

    fitted = LexicalModel.for_chunks(stable_chunks(DOCS), DOCS, tmp_path)
    expected = fitted.similarity(QUERIES)
    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from pathlib import Path\n"
        "from workbench.gaps.lexical import LexicalModel\n"
        "from tests.unit.gaps.test_lexical_channel import DOCS, QUERIES\n"
        "from workbench.domain.library import Chunk\n"
        "stable_chunks = lambda texts: [Chunk(id=f'c{i}', module_id=f'm{i}', path=f'm{i}.md', title=f'M{i}', heading_path=(),"
        " position=0, text=t) for i, t in enumerate(texts)]\n"
        # Texts are asked for only when the cache misses: a miss would fail here.
        f"model = LexicalModel.for_chunks(stable_chunks(DOCS), lambda: 1 / 0, Path({str(tmp_path)!r}))\n"
        "print(json.dumps({'sklearn': any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules),"
        " 'similarity': model.similarity(QUERIES).tolist()}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    import json

    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["sklearn"] is False
    assert np.allclose(np.array(printed["similarity"]), expected, rtol=1e-6, atol=1e-7)
