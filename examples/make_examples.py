"""Write the example intake histories in `examples/*.jsonl` from the five seed trainings.

    uv run python examples/make_examples.py

Each line is one CloudEvent exactly as an agency system publishes it; its NATS subject is
`intake.<agency>.<type without version>`. Output is deterministic: event ids are uuid5,
names, scores and absences come from a random generator seeded with the file name.

The facts come from the seeds (places, dates, numbers of participants, partners, donors,
modules). What the seeds leave open is assumed and marked `assumed` below; every person is
fictional (names drawn from common names of their country, addresses under `.example`).
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pycountry
from cohort_contracts import REGISTRY
from cohort_contracts.attendance import AssessmentRecorded, AttendanceRecorded
from cohort_contracts.courses import (
    CompletionRule,
    CoursePublished,
    Material,
    Module,
    Qualification,
)
from cohort_contracts.enrolments import EnrolmentRequested, EnrolmentWithdrawn
from cohort_contracts.evaluations import EvaluationSubmitted, Ratings
from cohort_contracts.participants import Consent, Organisation, ParticipantRegistered
from cohort_contracts.sessions import (
    Funding,
    Partner,
    SessionClosed,
    SessionRescheduled,
    SessionScheduled,
)
from pydantic import BaseModel

HERE = Path(__file__).resolve().parent
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:cohort:examples")
MATERIALS = "https://emm.example.org/materials"

# Common given names (female, male) and family names, by nationality.
NAMES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "COM": (
        ["Fatima", "Amina", "Zainaba", "Hadidja", "Soifiat", "Anziza", "Echata", "Faouzia"],
        ["Ahmed", "Said", "Abdallah", "Ibrahim", "Youssouf", "Houmadi", "Djaffar", "Nassur"],
        ["Said Ali", "Abdou", "Mze", "Soilihi", "Ahamada", "Hassani", "Madi", "Attoumane", "Bacar"],
    ),
    "NER": (
        ["Aissa", "Mariama", "Hadiza", "Rakia", "Zeinabou", "Fati", "Habsatou"],
        ["Moussa", "Issoufou", "Abdoulaye", "Hamidou", "Ousmane", "Boubacar", "Souleymane"],
        ["Maiga", "Hamani", "Issa", "Garba", "Abdou", "Moussa", "Souley", "Mahamadou", "Ibrah"],
    ),
    "SEN": (
        ["Aminata", "Fatou", "Awa", "Khady", "Ndeye"],
        ["Mamadou", "Cheikh", "Ibrahima", "Modou", "Pape"],
        ["Diop", "Ndiaye", "Fall", "Sow", "Gueye", "Ba"],
    ),
    "IRQ": (
        ["Zainab", "Noor", "Shahad", "Rusul", "Hawre", "Media"],
        ["Ahmed", "Mustafa", "Ali", "Hussein", "Karwan", "Omar", "Haider", "Rebwar"],
        ["Al-Jubouri", "Al-Tamimi", "Hassan", "Kareem", "Abdulla", "Al-Obaidi", "Mahmood", "Aziz"],
    ),
    "MAR": (
        ["Khadija", "Salma", "Nadia", "Loubna", "Hanane"],
        ["Youssef", "Mohammed", "Hicham", "Karim", "Rachid"],
        ["El Idrissi", "Benali", "Alaoui", "Tazi", "Bennani", "Chraibi"],
    ),
    "CMR": (["Brigitte", "Estelle"], ["Jean-Paul", "Herve"], ["Nguema", "Fouda", "Mbarga"]),
    "CIV": (["Adjoua", "Mariam"], ["Koffi", "Yao"], ["Kouassi", "Kone", "Traore"]),
    "GIN": (["Kadiatou", "Fanta"], ["Alpha", "Sekou"], ["Camara", "Diallo", "Bah"]),
    "NGA": (["Ngozi", "Aisha"], ["Chinedu", "Tunde"], ["Okafor", "Bello", "Adeyemi"]),
    "MLI": (["Oumou"], ["Bakary"], ["Keita", "Coulibaly"]),
    "BFA": (["Salimata"], ["Issouf"], ["Ouedraogo", "Sawadogo"]),
    "GHA": (["Abena"], ["Kwame"], ["Mensah", "Owusu"]),
    "TCD": (["Halime"], ["Mahamat"], ["Abakar", "Deby"]),
}
POSITIONS = {
    "fr": ["Directeur", "Cheffe de service", "Conseiller technique", "Chargée de programme"],
    "en": ["Director", "Head of Unit", "Programme Officer", "Senior Adviser"],
    "ar": ["Director General", "Head of Department", "Senior Officer", "Legal Adviser"],
}


def local(day: date, hour: int, minute: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in plain.lower()).strip("-")


def phone(country: str, index: int) -> str | None:
    region = pycountry.countries.get(alpha_3=country).alpha_2  # type: ignore[union-attr]
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    digits = str(example.national_number)
    number = phonenumbers.parse(
        f"+{example.country_code}{digits[:-3]}{(index * 37 + 11) % 1000:03d}"
    )
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Writer:
    """Collects one file's events, then orders them by time and gives them ids."""

    stem: str
    agency: str
    source: str
    rng: random.Random = field(init=False)
    planned: list[tuple[datetime, int, BaseModel, str]] = field(default_factory=list)
    addresses: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.stem)

    def emit(self, when: datetime, payload: BaseModel, subject_id: str) -> None:
        self.planned.append((when, len(self.planned), payload, subject_id))

    def write(self, directory: Path = HERE) -> int:
        lines, last = [], None
        for seq, (when, _, payload, subject_id) in enumerate(sorted(self.planned)):
            at = when if last is None or when > last else last + timedelta(seconds=1)
            last = at
            event = REGISTRY.build(
                payload,
                source=self.source,
                agency=self.agency,
                subject_id=subject_id,
                time=at,
                event_id=str(uuid.uuid5(NAMESPACE, f"{self.stem}/{seq}")),
            )
            lines.append(event.model_dump_json(exclude_none=True))
        (directory / f"{self.stem}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return len(lines)


@dataclass
class Org:
    name: str
    kind: str
    domain: str
    nationality: str
    language: str


def people(
    w: Writer, prefix: str, orgs: list[tuple[Org, int]], start: int = 0
) -> list[ParticipantRegistered]:
    """`count` fictional participants from each organisation, ids `<prefix>-<start + 1>`..."""
    result: list[ParticipantRegistered] = []
    used = w.addresses
    for org, count in orgs:
        female, male, family = NAMES[org.nationality]
        for _ in range(count):
            i = start + len(result) + 1
            sex = "undisclosed" if i % 23 == 0 else ("female" if w.rng.random() < 0.45 else "male")
            given = w.rng.choice(female if sex == "female" else male)
            surname = w.rng.choice(family)
            local_part = f"{ascii_slug(given)}.{ascii_slug(surname)}"
            if local_part in used:
                local_part = f"{local_part}{i}"
            used.add(local_part)
            result.append(
                ParticipantRegistered(
                    participant_id=f"{prefix}-{i:04d}",
                    given_name=given,
                    family_name=surname,
                    email=f"{local_part}@{org.domain}.example",
                    phone=phone(org.nationality, i) if i % 3 != 0 else None,
                    birth_year=1965 + w.rng.randrange(30) if i % 4 else None,
                    sex=sex,
                    nationality=org.nationality,
                    country_of_residence=org.nationality,
                    organisation=Organisation(name=org.name, kind=org.kind),
                    position=w.rng.choice(POSITIONS.get(org.language, POSITIONS["en"])),
                    preferred_language=org.language,
                    consent=Consent(contact=i % 9 != 4, statistics=i % 17 != 5),
                )
            )
    return result


@dataclass
class Plan:
    """How one session unfolds in intake."""

    session: SessionScheduled
    people: list[ParticipantRegistered]
    requests_from: datetime
    nominations: dict[str, str] = field(default_factory=dict)  # participant id -> organisation
    duplicates: list[int] = field(default_factory=list)  # indexes that ask twice
    withdrawals: list[int] = field(default_factory=list)  # indexes of confirmed who withdraw
    modules_by_day: list[str] | None = None  # attendance per module, one per day
    assessed: bool = True
    comments: list[str] = field(default_factory=list)
    satisfied: float = 0.9  # share who rate 5 on relevance and performance


def confirmed_after(plan: Plan, requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The enrolments holding a seat at delivery (first come, first served; quotas)."""
    s = plan.session
    seats: list[tuple[str, str]] = []
    waiting: list[tuple[str, str]] = []
    per_org: dict[str, int] = {}
    holders: set[str] = set()
    for enrolment_id, pid in requests:
        org = plan.nominations.get(pid)
        quota = (s.nomination_quotas or {}).get(org or "")
        if pid in holders or (quota is not None and per_org.get(org or "", 0) >= quota):
            continue
        if len(seats) < s.capacity:
            seats.append((enrolment_id, pid))
        elif len(waiting) < s.waitlist_capacity:
            waiting.append((enrolment_id, pid))
        else:
            continue
        holders.add(pid)
        per_org[org or ""] = per_org.get(org or "", 0) + 1
    for index in plan.withdrawals:
        seats.remove(seats[index])
        if waiting:
            seats.append(waiting.pop(0))
    return seats


def run(w: Writer, plan: Plan) -> None:
    s, tz = plan.session, plan.session.timezone
    closes = s.enrolment_closes_at

    def slot(i: int) -> datetime:  # office hours: eight requests a day from requests_from
        return plan.requests_from + timedelta(days=i // 8, minutes=40 * (i % 8))

    requests: list[tuple[str, str]] = []
    for i, person in enumerate(plan.people):
        at = slot(i)
        w.emit(at, person, person.participant_id)
        enrolment_id = f"{s.session_id}/e{i + 1:03d}"
        w.emit(
            at + timedelta(minutes=3),
            EnrolmentRequested(
                enrolment_id=enrolment_id,
                session_id=s.session_id,
                participant_id=person.participant_id,
                nominated_by=plan.nominations.get(person.participant_id),
            ),
            enrolment_id,
        )
        requests.append((enrolment_id, person.participant_id))
    for n, index in enumerate(plan.duplicates):
        person = plan.people[index]
        enrolment_id = f"{s.session_id}/e{len(requests) + 1:03d}"
        w.emit(
            slot(len(plan.people) + n),
            EnrolmentRequested(
                enrolment_id=enrolment_id,
                session_id=s.session_id,
                participant_id=person.participant_id,
            ),
            enrolment_id,
        )
        requests.append((enrolment_id, person.participant_id))
    seated_before = confirmed_after(Plan(**{**plan.__dict__, "withdrawals": []}), requests)
    for n, index in enumerate(plan.withdrawals):
        enrolment_id = seated_before[index][0]
        w.emit(
            closes - timedelta(days=2) + timedelta(hours=n),
            EnrolmentWithdrawn(
                enrolment_id=enrolment_id, reason="Mission abroad on the training dates"
            ),
            enrolment_id,
        )
    seated = [pid for _, pid in confirmed_after(plan, requests)]

    days = [s.start_date + timedelta(days=d) for d in range((s.end_date - s.start_date).days + 1)]
    absent = {(w.rng.choice(seated), w.rng.choice(days)) for _ in range(len(seated) // 6)}
    missing = set(w.rng.sample(seated, k=max(1, len(seated) // 15)))  # leave a day unrecorded
    for d, day in enumerate(days):
        for k, pid in enumerate(seated):
            if pid in missing and d == len(days) - 1:
                continue
            module = plan.modules_by_day[d] if plan.modules_by_day else None
            w.emit(
                local(day, 8, 45, tz) + timedelta(seconds=20 * k),
                AttendanceRecorded(
                    session_id=s.session_id,
                    participant_id=pid,
                    date=day,
                    module=module,
                    present=(pid, day) not in absent,
                ),
                s.session_id,
            )
    if plan.assessed:
        for k, pid in enumerate(seated):
            pre = round(w.rng.uniform(25, 65))
            post = min(100, pre + round(w.rng.uniform(5, 40)))
            w.emit(
                local(days[0], 10, 0, tz) + timedelta(seconds=30 * k),
                AssessmentRecorded(
                    session_id=s.session_id, participant_id=pid, kind="pre", score=pre
                ),
                s.session_id,
            )
            w.emit(
                local(days[-1], 14, 30, tz) + timedelta(seconds=30 * k),
                AssessmentRecorded(
                    session_id=s.session_id, participant_id=pid, kind="post", score=post
                ),
                s.session_id,
            )
    comments = iter(plan.comments)
    for k, pid in enumerate(seated):
        if w.rng.random() < 0.08:
            continue  # did not evaluate
        top = w.rng.random() < plan.satisfied
        w.emit(
            local(days[-1], 16, 0, tz) + timedelta(seconds=40 * k),
            EvaluationSubmitted(
                session_id=s.session_id,
                participant_id=None if k % 13 == 7 else pid,  # a few choose to stay anonymous
                ratings=Ratings(
                    relevance=5 if top else 4,
                    will_improve_performance=5 if top else 4,
                    methodology=w.rng.choice([4, 5, 5]),
                    content_quality=w.rng.choice([4, 5, 5]),
                ),
                comment=next(comments, None) if k % 5 == 0 else None,
            ),
            s.session_id,
        )
    w.emit(local(days[-1], 18, 0, tz), SessionClosed(session_id=s.session_id), s.session_id)


def title(en: str, fr: str | None = None, ar: str | None = None) -> dict[str, str]:
    text = {"en": en}
    if fr:
        text["fr"] = fr
    if ar:
        text["ar"] = ar
    return text


EMM2_MODULES = [
    Module(
        code="EMM2-01",
        title=title(
            "Global context of international migration",
            "Contexte mondial des migrations internationales",
        ),
    ),
    Module(
        code="EMM2-02",
        title=title("Developing migration policy", "Élaboration des politiques migratoires"),
    ),
    Module(
        code="EMM2-03",
        title=title(
            "International migration law and human rights",
            "Droit international de la migration et droits humains",
        ),
    ),
    Module(code="EMM2-04", title=title("Gender and migration", "Genre et migration")),
    Module(code="EMM2-05", title=title("Child migration", "Migration des enfants")),
    Module(
        code="EMM2-06",
        title=title("Human trafficking and migration", "Traite des personnes et migration"),
    ),
    Module(
        code="EMM2-07",
        title=title(
            "Migration, environment and climate change",
            "Migration, environnement et changement climatique",
        ),
    ),
]
EMM2_MANUAL = [
    Material(
        title=title("EMM2.0 participant manual", "Manuel du participant EMM2.0"),
        url=f"{MATERIALS}/emm2-participant-fr.pdf",
        language="fr",
    ),
    Material(
        title=title("EMM2.0 participant manual"),
        url=f"{MATERIALS}/emm2-participant-en.pdf",
        language="en",
    ),
]


def moroni() -> Writer:
    """Seed 000: IOM Comoros with MIIDAT, Moroni, 5-9 June 2023, 30 participants."""
    w = Writer("01-moroni-emm2", "iom", "iom/comoros")
    tz = "Indian/Comoro"
    course = CoursePublished(
        course_id="iom:com-migration-policy",
        programme="EMM2.0",
        title=title(
            "National training on migration policy (EMM2.0, LGF)",
            "Formation nationale sur la politique migratoire (EMM2.0, LGF)",
        ),
        modules=[
            *EMM2_MODULES[:3],
            Module(
                code="LGF-01",
                title=title(
                    "Leveraging global frameworks: GCM and SDGs",
                    "Tirer parti des cadres mondiaux : PMM et ODD",
                ),
            ),
            Module(
                code="UNNM-01",
                title=title(
                    "The UN Network on Migration", "Le Réseau des Nations Unies sur les migrations"
                ),
            ),
            Module(
                code="POL-01",
                title=title(
                    "Action plan for a national migration policy",
                    "Plan d'action pour une politique migratoire",
                ),
            ),
        ],
        hours=35,
        completion_rule=CompletionRule(
            min_attendance_ratio=0.8, pass_mark=60, evaluation_required=True
        ),
        certificate_kind="completion",
        materials=EMM2_MANUAL,
    )
    w.emit(local(date(2023, 4, 20), 10, 0, tz), course, course.course_id)
    session = SessionScheduled(
        session_id="iom:com-2023-06-policy",
        course_id=course.course_id,
        office="IOM Comoros",
        country="COM",
        city="Moroni",
        start_date=date(2023, 6, 5),
        end_date=date(2023, 6, 9),
        timezone=tz,
        mode="in_person",
        languages=["fr", "ar"],
        capacity=30,
        waitlist_capacity=2,
        audience=["government", "civil_society"],
        partners=[
            Partner(
                name="Ministère de l'Intérieur, de l'Information, de la "
                "Décentralisation et de l'Administration Territoriale (MIIDAT)",
                kind="government",
                country="COM",
            )
        ],
        facilitators=["iom:p-wca-0003", "iom:p-wca-0007"],
        enrolment_closes_at=local(date(2023, 5, 29), 17, 0, tz),
        organiser_email="formation.comores@iom-training.example",
    )
    w.emit(local(date(2023, 4, 25), 9, 0, tz), session, session.session_id)
    commission = [
        (Org("MIIDAT", "government", "miidat-km", "COM", "fr"), 9),
        (Org("Ministère des Affaires étrangères", "government", "diplomatie-km", "COM", "fr"), 5),
        (Org("Ministère de la Santé", "government", "sante-km", "COM", "fr"), 3),
        (
            Org(
                "Direction générale de la sécurité du territoire",
                "government",
                "dgst-km",
                "COM",
                "fr",
            ),
            4,
        ),
        (
            Org(
                "Institut national de la statistique (INSEED)",
                "government",
                "inseed-km",
                "COM",
                "fr",
            ),
            3,
        ),
        (Org("Croissant-Rouge comorien", "civil_society", "crco-km", "COM", "fr"), 4),
        (
            Org(
                "Réseau national des femmes et développement",
                "civil_society",
                "rnfd-km",
                "COM",
                "ar",
            ),
            5,
        ),
    ]
    group = people(w, "iom:p-com", commission)
    run(
        w,
        Plan(
            session=session,
            people=group,
            requests_from=local(date(2023, 5, 2), 9, 0, tz),
            withdrawals=[6],
            comments=[
                "Formation très utile pour l'élaboration de notre politique migratoire.",
                "Les travaux de groupe sur le plan d'action étaient excellents.",
                "Prévoir davantage de temps pour le cadre régional de l'Union africaine.",
            ],
        ),
    )
    return w


def dakar() -> Writer:
    """Seed 001: EMM2.0 ToT, IOM WCA, Dakar, two sessions 17-18 and 19-20 May (2022 assumed)."""
    w = Writer("02-dakar-tot", "iom", "iom/wca")
    tz = "Africa/Dakar"
    course = CoursePublished(
        course_id="iom:emm2-tot",
        programme="EMM2.0",
        title=title("EMM2.0 Training-of-Trainers", "Formation de formateurs EMM2.0"),
        modules=[
            Module(code="TOT-01", title=title("Facilitation skills", "Techniques d'animation")),
            Module(
                code="TOT-02",
                title=title(
                    "Adapting EMM2.0 materials to national contexts",
                    "Adapter les supports EMM2.0 au contexte national",
                ),
            ),
            Module(
                code="TOT-03",
                title=title(
                    "Practising EMM2.0 modules with peer feedback",
                    "Pratique des modules EMM2.0 entre pairs",
                ),
            ),
        ],
        hours=14,
        completion_rule=CompletionRule(
            min_attendance_ratio=1, pass_mark=None, evaluation_required=True
        ),
        certificate_kind="trainer",
        training_of_trainers=True,
        materials=[
            Material(
                title=title("EMM2.0 trainer's guide", "Guide du formateur EMM2.0"),
                url=f"{MATERIALS}/emm2-trainer-guide-en.pdf",
                language="en",
            )
        ],
    )
    w.emit(local(date(2022, 3, 28), 10, 0, tz), course, course.course_id)
    common = dict(
        course_id=course.course_id,
        office="IOM Regional Office for West and Central Africa",
        country="SEN",
        city="Dakar",
        timezone=tz,
        mode="in_person",
        languages=["en", "fr"],
        audience=["agency_staff"],
        facilitators=["iom:acbc-emm-trainer-01"],
        funding=[Funding(donor="IOM", project="ACBC/EMM2.0")],
        organiser_email="emm.team@iom-training.example",
    )
    first = SessionScheduled(
        session_id="iom:sen-2022-05-tot-1",
        start_date=date(2022, 5, 17),
        end_date=date(2022, 5, 18),
        capacity=10,
        waitlist_capacity=0,
        enrolment_closes_at=local(date(2022, 5, 10), 17, 0, tz),
        **common,  # type: ignore[arg-type]
    )
    second = SessionScheduled(
        session_id="iom:sen-2022-05-tot-2",
        start_date=date(2022, 5, 19),
        end_date=date(2022, 5, 20),
        capacity=12,
        waitlist_capacity=1,
        enrolment_closes_at=local(date(2022, 5, 12), 17, 0, tz),
        **common,  # type: ignore[arg-type]
    )
    w.emit(local(date(2022, 4, 1), 9, 0, tz), first, first.session_id)
    w.emit(local(date(2022, 4, 1), 9, 5, tz), second, second.session_id)
    ro = "IOM Regional Office Dakar"
    senior = people(
        w,
        "iom:p-wca",
        [
            (Org(ro, "agency_staff", "iom-ro-dakar", "SEN", "fr"), 4),
            (Org(ro, "agency_staff", "iom-ro-dakar", "NGA", "en"), 2),
            (Org(ro, "agency_staff", "iom-ro-dakar", "GHA", "en"), 2),
            (Org(ro, "agency_staff", "iom-ro-dakar", "CMR", "fr"), 2),
        ],
    )
    managers = people(
        w,
        "iom:p-wca",
        start=100,
        orgs=[
            (Org("IOM Mali", "agency_staff", "iom-mali", "MLI", "fr"), 2),
            (Org("IOM Niger", "agency_staff", "iom-niger", "NER", "fr"), 3),
            (Org("IOM Burkina Faso", "agency_staff", "iom-bf", "BFA", "fr"), 2),
            (Org("IOM Chad", "agency_staff", "iom-chad", "TCD", "fr"), 2),
            (Org("IOM Guinea", "agency_staff", "iom-guinea", "GIN", "fr"), 2),
            (Org("IOM Nigeria", "agency_staff", "iom-nigeria", "NGA", "en"), 2),
            (Org("IOM Côte d'Ivoire", "agency_staff", "iom-ci", "CIV", "fr"), 1),
        ],
    )
    run(
        w,
        Plan(
            session=first,
            people=senior,
            requests_from=local(date(2022, 4, 4), 9, 0, tz),
            assessed=False,
            satisfied=0.7,
            comments=["This is the best training I've had at IOM!"],
        ),
    )
    run(
        w,
        Plan(
            session=second,
            people=managers,
            requests_from=local(date(2022, 4, 5), 9, 0, tz),
            duplicates=[2],
            assessed=False,
            satisfied=0.6,
            comments=["Très utile pour adapter le curriculum au contexte national."],
        ),
    )
    return w


def niger() -> Writer:
    """Seed 002: EMM2.0 national training, Niger, three days; Niamey and dates assumed."""
    w = Writer("03-niger-emm2", "iom", "iom/niger")
    tz = "Africa/Niamey"
    course = CoursePublished(
        course_id="iom:emm2-national",
        programme="EMM2.0",
        title=title(
            "EMM2.0 national training for government officials and civil society",
            "Formation nationale EMM2.0 pour les fonctionnaires et la société civile",
        ),
        modules=EMM2_MODULES,
        hours=21,
        completion_rule=CompletionRule(
            min_attendance_ratio=0.66, pass_mark=50, evaluation_required=False
        ),
        certificate_kind="attendance",
        materials=EMM2_MANUAL,
    )
    w.emit(local(date(2023, 1, 16), 10, 0, tz), course, course.course_id)
    session = SessionScheduled(
        session_id="iom:ner-2023-03-emm2",
        course_id=course.course_id,
        office="IOM Niger",
        country="NER",
        city="Niamey",
        start_date=date(2023, 3, 7),
        end_date=date(2023, 3, 9),
        timezone=tz,
        mode="in_person",
        languages=["fr"],
        capacity=25,
        waitlist_capacity=3,
        audience=["government", "civil_society"],
        funding=[Funding(donor="Netherlands", project="COMPASS")],
        facilitators=["iom:p-wca-0103", "iom:p-wca-0104"],
        enrolment_closes_at=local(date(2023, 3, 1), 17, 0, tz),
        organiser_email="formation.niger@iom-training.example",
    )
    w.emit(local(date(2023, 1, 30), 9, 0, tz), session, session.session_id)
    moved = SessionRescheduled(
        session_id=session.session_id,
        start_date=date(2023, 3, 14),
        end_date=date(2023, 3, 16),
        capacity=28,
        enrolment_closes_at=local(date(2023, 3, 8), 17, 0, tz),
    )
    w.emit(local(date(2023, 2, 13), 11, 0, tz), moved, session.session_id)
    actors = [
        (
            Org(
                "Ministère de l'Intérieur et de la Décentralisation",
                "government",
                "interieur-ne",
                "NER",
                "fr",
            ),
            6,
        ),
        (
            Org(
                "Ministère des Affaires étrangères et de la Coopération",
                "government",
                "diplomatie-ne",
                "NER",
                "fr",
            ),
            4,
        ),
        (Org("Direction de la Surveillance du Territoire", "government", "dst-ne", "NER", "fr"), 4),
        (
            Org(
                "Agence nationale de lutte contre la traite des personnes",
                "government",
                "anltp-ne",
                "NER",
                "fr",
            ),
            3,
        ),
        (Org("Gouvernorat d'Agadez", "government", "agadez-ne", "NER", "fr"), 3),
        (Org("Comité nationale des droits humains", "civil_society", "cndh-ne", "NER", "fr"), 3),
        (
            Org(
                "Association nigérienne des jeunes migrants",
                "civil_society",
                "anjm-ne",
                "NER",
                "fr",
            ),
            4,
        ),
        (Org("Université Abdou Moumouni", "academia", "uam-ne", "NER", "fr"), 3),
    ]
    rescheduled = session.model_copy(update=moved.model_dump(exclude_none=True))
    run(
        w,
        Plan(
            session=rescheduled,
            people=people(w, "iom:p-ner", actors),
            requests_from=local(date(2023, 2, 14), 9, 0, tz),
            satisfied=0.92,
            comments=[
                "Les modules sur la traite et la migration des enfants sont essentiels "
                "pour notre travail à Agadez."
            ],
        ),
    )
    return w


def baghdad() -> Writer:
    """Seed 003: ICMPD reintegration course, MTC at MoMD, Baghdad, 24-28 Nov (2022 assumed)."""
    w = Writer("04-baghdad-reintegration", "icmpd", "icmpd/iraq")
    tz = "Asia/Baghdad"
    names = [
        ("REINT-M1", "Basic concepts of reintegration", "المفاهيم الأساسية لإعادة الإدماج"),
        ("REINT-M2", "Case management and referrals", "إدارة الحالات والإحالة"),
        (
            "REINT-M3",
            "Reintegration support at individual and community level",
            "دعم إعادة الإدماج على المستوى الفردي والمجتمعي",
        ),
        (
            "REINT-M4",
            "Designing sustainable reintegration programmes",
            "تصميم برامج إعادة إدماج مستدامة",
        ),
        (
            "REINT-M5",
            "Monitoring and evaluating reintegration programmes",
            "رصد وتقييم برامج إعادة الإدماج",
        ),
    ]
    course = CoursePublished(
        course_id="icmpd:reint-pm",
        programme="Reintegration",
        title=title(
            "Reintegration for Migration Policy Makers and Programme Professionals",
            ar="إعادة الإدماج لصانعي سياسات الهجرة والمهنيين في البرامج",
        ),
        modules=[Module(code=code, title=title(en, ar=ar)) for code, en, ar in names],
        qualification=Qualification(framework="MQF", level=5, credits=4),  # level assumed
        hours=30,
        completion_rule=CompletionRule(
            min_attendance_ratio=0.8, pass_mark=60, evaluation_required=True
        ),
        certificate_kind="completion",
        certifying_body="ICMPD Migration Capacity Partnerships Training Institute for the "
        "Mediterranean (MCP-Med-TI), licensed by the Malta Further and Higher Education Authority",
    )
    w.emit(local(date(2022, 9, 15), 10, 0, tz), course, course.course_id)
    momd, krg = "Ministry of Migration and Displaced", "Kurdistan Regional Government"
    session = SessionScheduled(
        session_id="icmpd:irq-2022-11-reint-pm",
        course_id=course.course_id,
        office="ICMPD Iraq",
        country="IRQ",
        city="Baghdad",
        venue="Migration Training Centre (MTC), Ministry of Migration and Displaced",
        start_date=date(2022, 11, 24),
        end_date=date(2022, 11, 28),
        timezone=tz,
        mode="in_person",
        languages=["ar", "en"],
        capacity=20,
        waitlist_capacity=2,
        audience=["government"],
        partners=[Partner(name=momd, kind="government", country="IRQ")],
        funding=[Funding(donor="Denmark", project="CAIR-II")],
        facilitators=["icmpd:trainer-reint-01", "icmpd:trainer-reint-02"],
        nomination_quotas={momd: 6, krg: 5},
        enrolment_closes_at=local(date(2022, 11, 17), 15, 0, tz),
        organiser_email="cair.iraq@icmpd-training.example",
    )
    w.emit(local(date(2022, 10, 3), 9, 0, tz), session, session.session_id)
    institutions = [
        (Org(momd, "government", "momd-iq", "IRQ", "ar"), 7),
        (Org("Ministry of Labour and Social Affairs", "government", "molsa-iq", "IRQ", "ar"), 3),
        (Org("Ministry of Planning", "government", "mop-iq", "IRQ", "ar"), 2),
        (Org("Ministry of Interior", "government", "moi-iq", "IRQ", "ar"), 2),
        (Org("Ministry of Foreign Affairs", "government", "mofa-iq", "IRQ", "en"), 2),
        (
            Org(
                "General Secretariat of the Council of Ministers",
                "government",
                "cabinet-iq",
                "IRQ",
                "ar",
            ),
            2,
        ),
        (Org(krg, "government", "krg-iq", "IRQ", "ckb"), 5),
    ]
    group = people(w, "icmpd:p-irq", institutions)
    nominations = {
        p.participant_id: p.organisation.name for p in group if p.organisation.name in (momd, krg)
    }
    run(
        w,
        Plan(
            session=session,
            people=group,
            requests_from=local(date(2022, 10, 10), 9, 0, tz),
            nominations=nominations,
            modules_by_day=[code for code, _, _ in names],
            satisfied=0.75,
            comments=[
                "The case management module is directly applicable to our work.",
                "Please add a module on returnees from abroad and IDP camp closures.",
            ],
        ),
    )
    return w


def rabat() -> Writer:
    """Seed 004: IOM Morocco, Rabat, 16-19 May 2016, two trainings, 63 people, five countries."""
    w = Writer("05-rabat-return", "iom", "iom/morocco")
    tz = "Africa/Casablanca"
    project = Funding(
        donor="European Union",
        project="Réponse aux besoins des migrants vulnérables et en détresse",
    )
    rule = CompletionRule(min_attendance_ratio=1, pass_mark=None, evaluation_required=False)
    courses = [
        CoursePublished(
            course_id="iom:mar-return-reintegration",
            programme="Migrant Protection",
            title=title("Return and reintegration", "Retour et réintégration"),
            hours=14,
            completion_rule=rule,
            certificate_kind="attendance",
        ),
        CoursePublished(
            course_id="iom:mar-uasc",
            programme="Migrant Protection",
            title=title("Unaccompanied migrant children", "Mineurs étrangers non accompagnés"),
            hours=14,
            completion_rule=rule,
            certificate_kind="attendance",
        ),
    ]
    for k, course in enumerate(courses):
        w.emit(local(date(2016, 3, 21), 10, k, tz), course, course.course_id)
    countries = [("MAR", "fr"), ("CMR", "fr"), ("CIV", "fr"), ("GIN", "fr"), ("NGA", "en")]

    def delegations(kind: str, sizes: list[int]) -> list[tuple[Org, int]]:
        org = {"government": "Ministère chargé des migrations", "civil_society": "Caritas"}[kind]
        return [
            (
                Org(
                    f"{org} ({nat})"
                    if nat != "NGA"
                    else {
                        "government": "National Commission for Refugees, Migrants and IDPs",
                        "civil_society": "Caritas Nigeria",
                    }[kind],
                    kind,
                    ascii_slug(f"{kind}-{nat}"),
                    nat,
                    lang,
                ),
                size,
            )
            for (nat, lang), size in zip(countries, sizes, strict=True)
        ]

    for k, (course, start, capacity, sizes) in enumerate(
        [
            (courses[0], date(2016, 5, 16), 32, ([8, 3, 3, 3, 3], [6, 2, 2, 2, 1])),
            (courses[1], date(2016, 5, 18), 31, ([8, 3, 3, 2, 2], [7, 2, 2, 1, 1])),
        ]
    ):
        session = SessionScheduled(
            session_id=f"iom:mar-2016-05-{course.course_id.split('-', 1)[1]}",
            course_id=course.course_id,
            office="IOM Morocco",
            country="MAR",
            city="Rabat",
            start_date=start,
            end_date=start + timedelta(days=1),
            timezone=tz,
            mode="in_person",
            languages=["fr", "en"],
            capacity=capacity,
            waitlist_capacity=0,
            audience=["government", "civil_society"],
            funding=[project],
            facilitators=["iom:hq-vulnerable-migrants", "iom:hq-international-migration-law"],
            enrolment_closes_at=local(date(2016, 5, 9), 17, 0, tz),
            organiser_email="formation.maroc@iom-training.example",
        )
        w.emit(local(date(2016, 4, 4), 9, k, tz), session, session.session_id)
        group = people(
            w,
            f"iom:p-mar{k + 1}",
            delegations("government", sizes[0]) + delegations("civil_society", sizes[1]),
        )
        run(
            w,
            Plan(
                session=session,
                people=group,
                requests_from=local(date(2016, 4, 11), 9, 0, tz) + timedelta(hours=k),
                satisfied=0.85,
                comments=[
                    "Très satisfait, prêt à adopter de nouvelles approches.",
                    "The best interests of the child session was excellent.",
                ],
            ),
        )
    return w


TRAININGS = (moroni, dakar, niger, baghdad, rabat)


def main(directory: Path = HERE) -> None:
    total = 0
    for make in TRAININGS:
        writer = make()
        count = writer.write(directory)
        total += count
        print(f"{writer.stem}.jsonl: {count} events")
    print(f"total: {total} events")


if __name__ == "__main__":
    main()
