"""The analysis status of an image and the only transitions it may take."""

from __future__ import annotations

from enum import StrEnum

from catalog_svc.errors import InvalidTransitionError


class AnalysisStatus(StrEnum):
    NOT_ANALYZED = "not_analyzed"
    ANALYZING = "analyzing"
    ANALYZED = "analyzed"
    ANALYSIS_FAILED = "analysis_failed"


# Each allowed move, with why it happens; anything else is refused.
TRANSITIONS: dict[tuple[AnalysisStatus, AnalysisStatus], str] = {
    (AnalysisStatus.NOT_ANALYZED, AnalysisStatus.ANALYZING): "an analyzer starts processing",
    (AnalysisStatus.ANALYZING, AnalysisStatus.ANALYZED): "analysis completed successfully",
    (AnalysisStatus.ANALYZING, AnalysisStatus.ANALYSIS_FAILED): "analysis fails",
    (AnalysisStatus.ANALYZING, AnalysisStatus.NOT_ANALYZED): (
        "re-queued by lease timeout or analyzer shutdown"
    ),
    (AnalysisStatus.ANALYSIS_FAILED, AnalysisStatus.NOT_ANALYZED): "re-queued by user request",
    (AnalysisStatus.ANALYZED, AnalysisStatus.NOT_ANALYZED): "re-queued by user request",
}

INITIAL_STATUS = AnalysisStatus.NOT_ANALYZED


def check_transition(current: str, target: AnalysisStatus) -> AnalysisStatus:
    """Return `target` if the move from `current` is allowed, else raise naming both states."""
    source = AnalysisStatus(current)
    if (source, target) not in TRANSITIONS:
        raise InvalidTransitionError(
            f"analysis status cannot change from {source.value} to {target.value}"
        )
    return target
