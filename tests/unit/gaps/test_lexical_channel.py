"""The lexical channel: TF-IDF on the library itself, cached by content and identical when reused."""

from __future__ import annotations

import numpy as np

from workbench.domain.library import Chunk
from workbench.gaps.lexical import CACHE_FILE, LexicalModel

DOCS = [
    "Phishing emails pretend to be trusted senders to steal passwords",
    "A team budget tracks costs and spending every month",
    "Scrum teams plan sprints and hold daily stand-ups",
]
QUERIES = ["recognise phishing emails", "plan a team budget", "knitting patterns"]


def chunks_for(texts):
    return [Chunk(id=f"c{i}-{hash(t)}", module_id=f"m{i}", path=f"m{i}.md", title=f"M{i}", heading_path=(),
                  position=0, text=t) for i, t in enumerate(texts)]


def test_each_query_matches_its_own_document_and_nothing_for_unknown_words():
    similarity = LexicalModel.fit(DOCS).similarity(QUERIES)
    assert similarity.shape == (3, 3)
    assert similarity[0].argmax() == 0 and similarity[1].argmax() == 1
    assert similarity[2].max() == 0.0


def test_the_cached_model_gives_the_same_scores_and_a_changed_library_refits(tmp_path):
    chunks = chunks_for(DOCS)
    fresh = LexicalModel.for_chunks(chunks, DOCS, tmp_path).similarity(QUERIES)
    assert (tmp_path / CACHE_FILE).is_file()
    reused = LexicalModel.for_chunks(chunks, DOCS, tmp_path).similarity(QUERIES)
    assert np.allclose(fresh, reused)
    changed = DOCS[:2] + ["Knitting patterns for beginners"]
    refit = LexicalModel.for_chunks(chunks_for(changed), changed, tmp_path).similarity(QUERIES)
    assert refit[2, 2] > 0.0


def test_a_library_of_stop_words_only_gives_zeros():
    similarity = LexicalModel.fit(["the and of", "it is"]).similarity(QUERIES)
    assert similarity.shape == (3, 2) and not similarity.any()


def test_whole_module_similarity_finds_copied_text():
    texts = DOCS + [DOCS[0] + " Report them with the phishing button."]
    model = LexicalModel.fit(texts)
    similarity = model.module_pair_similarity(np.arange(4), 4, [(0, 3), (0, 1)])
    assert similarity[0] > 0.8 and similarity[1] < 0.3


def test_a_word_the_library_never_uses_still_counts_in_the_skills_wording():
    model = LexicalModel.fit(["Cryptography basics: keys and ciphers", "Team budgets and spending"])
    known, unseen = model.similarity(["cryptography", "quantum cryptography"])[:, 0]
    assert known > 0.0 and 0.0 < unseen < known  # "quantum" is nowhere in the library: the match is partial


def test_documents_by_queries_is_one_row_per_chunk():
    model = LexicalModel.fit(DOCS)
    by_document = model.documents_by_queries(QUERIES)
    assert by_document.shape == (3, 3)
    assert np.allclose(by_document, model.similarity(QUERIES).T)


def test_heading_matches_list_only_headings_that_share_a_word_with_a_skill():
    model = LexicalModel.fit(DOCS)
    matches = model.heading_matches(["Phishing emails", "Monthly budget", "Phishing emails", "Introduction"],
                                    ["recognise phishing emails", "plan a team budget"])
    pairs = {(int(h), int(q)): float(v) for h, q, v in zip(matches.section, matches.skill, matches.value)}
    assert set(pairs) == {(0, 0), (1, 1), (2, 0)}  # "Introduction" names no skill
    assert pairs[(0, 0)] == pairs[(2, 0)] > 0.5
