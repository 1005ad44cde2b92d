"""Evaluations: what participants think of the training (anonymous allowed)."""

from __future__ import annotations

from pydantic import Field

from .base import Part, Payload
from .values import Id, LongText, Rating


class Ratings(Part):
    """Agreement with four statements, 1 (strongly disagree) to 5 (strongly agree)."""

    relevance: Rating = Field(description="The content is relevant to my work.", examples=[5])
    will_improve_performance: Rating = Field(
        description="The training will help improve my work performance.", examples=[5]
    )
    methodology: Rating = Field(description="The training methodology was good.", examples=[4])
    content_quality: Rating = Field(description="The content was of good quality.", examples=[5])


class EvaluationSubmitted(Payload):
    """`evaluation.submitted.v1`: a participant's (or an anonymous) evaluation of a session."""

    session_id: Id = Field(description="Session.", examples=["iom:sen-2022-05-tot-2"])
    participant_id: Id | None = Field(
        default=None,
        description="Participant; null for an anonymous evaluation.",
        examples=["iom:p-wca-0013", None],
    )
    ratings: Ratings = Field(
        description="The four ratings.",
        examples=[
            {"relevance": 5, "will_improve_performance": 5, "methodology": 5, "content_quality": 5}
        ],
    )
    comment: LongText | None = Field(
        default=None,
        description="Free comment.",
        examples=["This is the best training I've had at IOM!"],
    )
