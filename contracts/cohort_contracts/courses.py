"""Courses: what an agency teaches, how it is completed and what it certifies."""

from __future__ import annotations

from pydantic import Field

from .base import Part, Payload
from .values import CertificateKind, Id, Language, LocalisedText, Ratio, Score, Text, Url


class Module(Part):
    """One module of a course's curriculum."""

    code: Id = Field(description="Module code, unique within the course.", examples=["EMM2-M01"])
    title: LocalisedText = Field(
        description="Module title by language.",
        examples=[{"en": "Global context of international migration"}],
    )


class Qualification(Part):
    """A formal qualification the course leads to.

    Attributes:
        framework: the qualifications framework, e.g. `MQF` (Malta, aligned with the `EQF`).
        level: framework level, 1 to 8.
        credits: credits awarded (ECTS for the MQF), if any.
    """

    framework: str = Field(
        min_length=1,
        max_length=40,
        description="Qualifications framework.",
        examples=["MQF", "EQF"],
    )
    level: int = Field(ge=1, le=8, description="Framework level, 1 to 8.", examples=[5])
    credits: float | None = Field(
        default=None, ge=0, description="Credits awarded (e.g. ECTS), if any.", examples=[4]
    )


class CompletionRule(Part):
    """How completion is decided when a session closes (all bounds inclusive).

    Attributes:
        min_attendance_ratio: share of days (or modules) present needed, 0 to 1.
        pass_mark: post-test score needed, 0 to 100; null when the course has no test.
        evaluation_required: whether the participant must submit the evaluation.
    """

    min_attendance_ratio: Ratio = Field(
        description="Minimum share of days or modules attended, 0 to 1.", examples=[0.8]
    )
    pass_mark: Score | None = Field(
        default=None, description="Post-test score needed (0-100), or null.", examples=[60, None]
    )
    evaluation_required: bool = Field(
        default=False, description="Whether the evaluation must be submitted.", examples=[True]
    )


class Material(Part):
    """A file participants download from their dashboard."""

    title: LocalisedText = Field(
        description="Title by language.", examples=[{"fr": "Manuel du participant EMM2.0"}]
    )
    url: Url = Field(
        description="Where to download it.",
        examples=["https://emm.example.org/materials/emm2-participant-fr.pdf"],
    )
    language: Language = Field(description="Language of the file.", examples=["fr"])


class CoursePublished(Payload):
    """`course.published.v1`: an agency publishes (or updates) a course.

    Attributes:
        programme: the programme the course belongs to (`EMM2.0`, `LGF`, `Reintegration`).
        qualification: the formal qualification it leads to, or null.
        certificate_kind: what participants who complete it receive.
        training_of_trainers: true for a ToT; completing it certifies a trainer.
    """

    course_id: Id = Field(description="Course id.", examples=["iom:emm2-national"])
    programme: Text = Field(
        description="Programme the course belongs to.", examples=["EMM2.0", "LGF", "Reintegration"]
    )
    title: LocalisedText = Field(
        description="Course title by language.",
        examples=[{"en": "Essentials of Migration Management 2.0", "fr": "Essentiels..."}],
    )
    modules: list[Module] = Field(
        default_factory=list,
        description="Curriculum modules.",
        examples=[[{"code": "REINT-M1", "title": {"en": "Basic concepts of reintegration"}}]],
    )
    qualification: Qualification | None = Field(
        default=None,
        description="Formal qualification, or null.",
        examples=[{"framework": "MQF", "level": 5, "credits": 4}, None],
    )
    hours: float = Field(gt=0, le=10000, description="Contact hours.", examples=[35])
    completion_rule: CompletionRule = Field(
        description="How completion is decided.",
        examples=[{"min_attendance_ratio": 0.8, "pass_mark": 60, "evaluation_required": True}],
    )
    certificate_kind: CertificateKind = Field(
        description="Certificate awarded on completion.", examples=["completion", "trainer"]
    )
    training_of_trainers: bool = Field(
        default=False, description="True for a Training-of-Trainers course.", examples=[False]
    )
    certifying_body: Text | None = Field(
        default=None,
        description="Body that certifies the course, or null.",
        examples=["MCP-Med-TI (licensed by the Malta Further and Higher Education Authority)"],
    )
    materials: list[Material] = Field(
        default_factory=list,
        description="Files participants download.",
        examples=[
            [
                {
                    "title": {"fr": "Manuel du participant"},
                    "url": "https://emm.example.org/m/participant-fr.pdf",
                    "language": "fr",
                }
            ]
        ],
    )
