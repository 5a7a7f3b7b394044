"""Learning from decisions, the pure parts: labels, grouped folds, thresholds, embeddings."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

from qualcode.learn.data import label_matrix, rule_matrix
from qualcode.learn.evaluate import best_threshold, group_folds, nested_cv

LINEAGE = {"child": ["child", "parent"], "parent": ["parent"], "other": ["other"]}


def sentences() -> pd.DataFrame:
    rows = [("A", 0, 10), ("A", 11, 20), ("A", 21, 30), ("B", 0, 10), ("B", 11, 20),
            ("C", 0, 10)]
    df = pd.DataFrame(rows, columns=["document", "start", "end"])
    df["language"] = "en"
    df["text"] = [f"s{i}" for i in range(len(df))]
    return df


def coding(doc: str, start: int, end: int, code: str, coder: str, status: str,
           origin: str = "manual") -> dict:
    return {"document": doc, "start": start, "end": end, "code": code, "coder": coder,
            "status": status, "origin": origin, "updated_at": "2026-01-01T00:00:00"}


def test_labels_positives_with_ancestors_negatives_and_rejected_suggestions():
    codings = pd.DataFrame([
        coding("A", 2, 5, "child", "ana", "accepted"),          # A0: child + parent
        coding("A", 25, 40, "other", "ben", "accepted"),        # A2 (and beyond the end)
        coding("B", 3, 4, "parent", "auto", "rejected", "auto"),  # B0: explicit negative
        coding("B", 12, 13, "other", "auto", "accepted", "auto"),  # B1: accepted suggestion
        coding("C", 0, 10, "parent", "auto", "suggested", "auto"),  # undecided: no label
    ])
    lab = label_matrix(sentences(), codings, LINEAGE.__getitem__, ["parent", "child", "other"])
    assert lab.sentences["text"].tolist() == ["s0", "s1", "s2", "s3", "s4"]  # C dropped
    assert lab.groups.tolist() == ["A", "A", "A", "B", "B"]
    assert lab.y.tolist() == [[1, 1, 0], [0, 0, 0], [0, 0, 1], [0, -1, -1], [-1, -1, 1]]
    assert lab.explicit.tolist() == [[False] * 3, [False] * 3, [False] * 3,
                                     [True, False, False], [False] * 3]
    assert lab.positives() == {"parent": 1, "child": 1, "other": 2}
    # one coder only: ben's document A is his; ana's positives are not used
    ben = label_matrix(sentences(), codings, LINEAGE.__getitem__, ["parent", "child", "other"],
                       coders=["ben"])
    assert ben.y[:3].tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 1]]


def test_a_positive_wins_over_a_rejected_suggestion():
    codings = pd.DataFrame([coding("A", 0, 10, "parent", "auto", "rejected", "auto"),
                            coding("A", 0, 10, "parent", "ana", "accepted")])
    lab = label_matrix(sentences(), codings, LINEAGE.__getitem__, ["parent"])
    assert lab.y[:, 0].tolist() == [1, 0, 0]
    assert not lab.explicit.any()


def test_rules_count_any_status_and_roll_up():
    codings = pd.DataFrame([coding("A", 11, 12, "child", "auto", "rejected", "auto"),
                            coding("B", 0, 20, "other", "auto", "suggested", "auto"),
                            coding("B", 0, 20, "parent", "ana", "accepted")])
    rules = rule_matrix(sentences(), codings, LINEAGE.__getitem__, ["parent", "child", "other"])
    assert rules.astype(int).tolist() == [[0, 0, 0], [1, 1, 0], [0, 0, 0], [0, 0, 1],
                                          [0, 0, 1], [0, 0, 0]]


def test_grouped_folds_never_split_a_document():
    groups = np.array([f"d{i % 7}" for i in range(60)] + ["big"] * 30)
    folds = group_folds(groups, 5, seed=3)
    assert len(folds) == 5
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(90))  # every row tested exactly once
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert len(train) + len(test) == 90
    assert [sorted(set(groups[t])) for _, t in folds] == \
        [sorted(set(groups[t])) for _, t in group_folds(groups, 5, seed=3)]
    assert len(group_folds(np.array(["a", "a"]), 5)) == 0  # one document: no CV


def test_nested_cv_thresholds_never_see_the_test_documents():
    groups = np.repeat([f"d{i}" for i in range(8)], 5)
    y = np.tile([1, 0, 0, 1, 0], 8).reshape(-1, 1).astype(np.int8)
    calls = []

    def fit_score(train, test):
        calls.append((train, test))
        return np.linspace(0, 1, len(test)).reshape(-1, 1)

    nested_cv(fit_score, y, groups, np.zeros_like(y, dtype=bool), outer=4, inner=3)
    assert len(calls) == 4 * (3 + 1)
    for train, test in calls:
        assert not set(groups[train]) & set(groups[test])
    outer = [c for c in calls if len(c[0]) + len(c[1]) == 40]
    inner = [c for c in calls if len(c[0]) + len(c[1]) < 40]
    assert len(outer) == 4 and len(inner) == 12
    for k, (train, _test) in enumerate(outer):  # the 3 inner calls before each outer fit
        for itrain, itest in inner[3 * k:3 * k + 3]:
            assert set(itrain) | set(itest) == set(train)


def test_best_threshold_maximises_f1_on_known_labels():
    s = np.array([0.9, 0.8, 0.3, 0.2, 0.7])
    assert best_threshold(s, np.array([1, 1, 0, 0, -1])) == pytest.approx(0.55)
    assert best_threshold(s, np.array([1, 0, 1, 0, 0])) == pytest.approx(0.85)  # tie: higher
    assert best_threshold(s, np.array([0, 0, 0, 0, 0])) == np.inf
    # with the rules already finding both positives, adding model hits only costs
    rules = np.array([True, True, False, False, False])
    assert best_threshold(s, np.array([1, 1, 0, 0, 0]), rules) == np.inf
    assert best_threshold(s, np.array([1, 0, 1, 0, 0]), rules) == pytest.approx(0.25)


def test_wordllama_loads_its_shipped_weights_without_network(monkeypatch):
    from qualcode.learn import features

    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    features._wordllama.cache_clear()
    features._table_and_tokenizer.cache_clear()
    vectors = features.embed(["They lied to us.", "Ils nous ont menti."])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_embeddings_equal_wordllamas_own_mean_pooling():
    from qualcode.learn import features

    texts = ["They lied to us.", "Ils nous ont menti, encore et encore.", "a " * 300]
    ours = features.embed([*texts, ""])
    theirs = features._wordllama().embed(texts, norm=True)
    assert np.allclose(ours[:3], theirs, atol=1e-6)
    assert not ours[3].any()  # an empty text: zeros (wordllama itself gives NaN)


def test_fast_character_tfidf_equals_scikit_learns():
    from qualcode.learn.features import Featurizer

    train = ["they lie to we", "the promise be break", "rain come late", "they lie again"]
    feat = Featurizer(char_ngrams=(2, 5), min_df=1).fit(train)
    texts = ["they break the promise they break", "", "unknownword rain", "lie lie lie"]
    ours = feat._char_tfidf(texts).toarray()
    theirs = feat.char.transform(texts).toarray()
    assert ours.shape == theirs.shape and ours[0].any()
    assert np.allclose(ours, theirs, atol=1e-6)


def test_prediction_features_equal_scikit_learns_without_importing_it():
    """The word and character TF-IDF computed here (so autocode never imports
    scikit-learn) equal the fitted vectorizers' own transform, also after a save/load."""
    import subprocess
    import sys

    from qualcode.learn.features import Featurizer

    train = ["they lie to we", "the promise be break", "rain come late", "they lie again",
             "l'armée prend le pouvoir", "Ils   mentent   encore"]
    feat = Featurizer(char_ngrams=(2, 5), min_df=1).fit(train)
    texts = ["They break the promise they break", "", "unknownword rain", "lie lie lie",
             "l'armée ment", "a"]
    ours = Featurizer.from_state(feat.state()).sparse(texts).toarray()
    theirs = np.hstack([feat.word.transform(texts).toarray(),
                        feat.char.transform(texts).toarray()])
    assert ours.shape == theirs.shape and np.abs(ours).sum() > 0
    assert np.allclose(ours, theirs, atol=1e-6)
    code = ("import sys\nfrom qualcode.learn.features import Featurizer\n"
            "import numpy as np\n"
            "f = Featurizer.from_state({'embedding_weight': 1.0, 'min_df': 1, "
            "'char_ngrams': [2, 3], 'word_vocabulary': ['a', 'a b'], 'word_idf': [1.0, 2.0],"
            " 'char_vocabulary': [' a', 'a '], 'char_idf': [1.0, 1.0]})\n"
            "f.sparse(['a b'])\nprint('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
