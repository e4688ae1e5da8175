"""The analysis status machine allows exactly the documented transitions."""

from __future__ import annotations

import itertools

import pytest

from catalog_svc.errors import InvalidTransitionError
from catalog_svc.status import AnalysisStatus, check_transition

S = AnalysisStatus
ALLOWED = {
    (S.NOT_ANALYZED, S.ANALYZING),
    (S.ANALYZING, S.ANALYZED),
    (S.ANALYZING, S.ANALYSIS_FAILED),
    (S.ANALYZING, S.NOT_ANALYZED),
    (S.ANALYSIS_FAILED, S.NOT_ANALYZED),
    (S.ANALYZED, S.NOT_ANALYZED),
}


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed(source: AnalysisStatus, target: AnalysisStatus) -> None:
    assert check_transition(source.value, target) is target


@pytest.mark.parametrize(
    ("source", "target"),
    sorted(set(itertools.product(S, S)) - ALLOWED),
)
def test_refused_names_both_states(source: AnalysisStatus, target: AnalysisStatus) -> None:
    with pytest.raises(InvalidTransitionError) as caught:
        check_transition(source.value, target)
    assert source.value in str(caught.value)
    assert target.value in str(caught.value)
