"""Attendance and assessment: what happened in the room."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from .base import Payload
from .values import AssessmentKind, Id, Score, Text


class AttendanceRecorded(Payload):
    """`attendance.recorded.v1`: a participant was (or was not) present on a day or module.

    No record counts as absent; a later record for the same day and module replaces it.
    """

    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    date: dt.date = Field(description="Day of delivery (local).", examples=["2023-06-05"])
    module: Text | None = Field(
        default=None, description="Module code, when recorded per module.", examples=["REINT-M2"]
    )
    present: bool = Field(description="Present or not.", examples=[True])


class AssessmentRecorded(Payload):
    """`assessment.recorded.v1`: a pre- or post-test score."""

    session_id: Id = Field(description="Session.", examples=["iom:com-2023-06-emm2"])
    participant_id: Id = Field(description="Participant.", examples=["iom:p-com-0001"])
    kind: AssessmentKind = Field(description="Pre-test or post-test.", examples=["post"])
    score: Score = Field(description="Score, 0-100.", examples=[78.5])
