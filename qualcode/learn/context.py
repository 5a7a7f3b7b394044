"""Where a sentence sits in the interview: the previous and next sentence of the same
speaker, and the interviewer's question that opened the speaker's turn (plain frames in,
plain columns out; `features` turns them into the model's context columns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

CONTEXT_COLUMNS = ["before", "after", "question"]
RESPONDENT = "respondent"


def add_context(units: pd.DataFrame, pool: pd.DataFrame, turns: pd.DataFrame | None,
                texts: Mapping[str, str]) -> pd.DataFrame:
    """`units` (document, start, end, ...) with three text columns added:

    - `before` / `after`: the sentence of `pool` (respondent sentences: document, start,
      end) that ends before the unit starts / starts after it ends, said by the same
      speaker in the same document (other turns of that speaker included: an answer is
      often cut by an interviewer's "mm-hm"); "" at the edges;
    - `question`: the last turn before the unit's turn whose role is not respondent
      (the interviewer's question that opened it; in a focus group, the last question
      before the other participants spoke); "" when there is none.

    `turns` (document, speaker, role, start, end) may be None: then every sentence of a
    document counts as one speaker's and there is no question. Rows keep their order."""
    out = units.copy()
    n = len(out)
    before = np.full(n, "", dtype=object)
    after = np.full(n, "", dtype=object)
    question = np.full(n, "", dtype=object)
    if n:
        rows_of = _rows_by_document(out["document"].to_numpy())
        pool_of = dict(tuple(pool.groupby("document", sort=False))) if len(pool) else {}
        turns_of = dict(tuple(turns.groupby("document", sort=False))) \
            if turns is not None and len(turns) else {}
        for doc, rows in rows_of.items():
            text = texts.get(doc)
            if text is None:
                continue
            b, a, q = _document_context(out.iloc[rows], pool_of.get(doc), turns_of.get(doc),
                                        text)
            before[rows], after[rows], question[rows] = b, a, q
    out["before"], out["after"], out["question"] = before, after, question
    return out


def _rows_by_document(docs: np.ndarray) -> dict[str, np.ndarray]:
    order = np.argsort(docs, kind="stable")
    names, first = np.unique(docs[order], return_index=True)
    return dict(zip(names.tolist(), np.split(order, first[1:]), strict=True))


def _document_context(units: pd.DataFrame, pool: pd.DataFrame | None,
                      turns: pd.DataFrame | None, text: str
                      ) -> tuple[list[str], list[str], list[str]]:
    """before, after, question for the units of one document."""
    starts = units["start"].to_numpy(dtype=np.int64)
    ends = units["end"].to_numpy(dtype=np.int64)
    k = len(units)
    if turns is not None:
        turns = turns.sort_values("start")
        t_start = turns["start"].to_numpy(dtype=np.int64)
        t_end = turns["end"].to_numpy(dtype=np.int64)
        speakers = turns["speaker"].astype(str).to_numpy()
        asking = (turns["role"].astype(str) != RESPONDENT).to_numpy()
        # the last asking turn at or before each turn (-1: none)
        last_ask = np.maximum.accumulate(np.where(asking, np.arange(len(turns)), -1))
        unit_turn = np.clip(np.searchsorted(t_start, starts, side="right") - 1, 0, None)
        unit_speaker = speakers[unit_turn] if len(turns) else np.full(k, "")
        prev_ask = np.where(unit_turn > 0, last_ask[np.maximum(unit_turn - 1, 0)], -1) \
            if len(turns) else np.full(k, -1)
        question = [text[t_start[j]:t_end[j]].strip() if j >= 0 else "" for j in prev_ask]
    else:
        unit_speaker = np.full(k, "")
        question = [""] * k
    if pool is None or not len(pool):
        return [""] * k, [""] * k, question
    pool = pool.sort_values("start")
    p_start = pool["start"].to_numpy(dtype=np.int64)
    p_end = pool["end"].to_numpy(dtype=np.int64)
    if turns is not None and len(turns):
        p_turn = np.clip(np.searchsorted(t_start, p_start, side="right") - 1, 0, None)
        p_speaker = speakers[p_turn]
    else:
        p_speaker = np.full(len(pool), "")
    before, after = [""] * k, [""] * k
    for who in np.unique(unit_speaker):
        mine = np.flatnonzero(p_speaker == who)
        if not len(mine):
            continue
        s_start, s_end = p_start[mine], p_end[mine]
        for i in np.flatnonzero(unit_speaker == who):
            j = np.searchsorted(s_end, starts[i], side="right") - 1
            if j >= 0:
                before[i] = text[s_start[j]:s_end[j]]
            j = np.searchsorted(s_start, ends[i], side="left")
            if j < len(mine):
                after[i] = text[s_start[j]:s_end[j]]
    return before, after, question
