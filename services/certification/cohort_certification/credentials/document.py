"""Build the unsigned Open Badges 3.0 AchievementCredential of one certificate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..domain import identity_hash, localised, recipient_salt, xml_datetime
from .canon import CREDENTIAL_CONTEXT

ACHIEVEMENT_TYPES = {
    "completion": "CertificateOfCompletion",
    "attendance": "Certificate",
    "trainer": "Certification",
}
FRAMEWORK_URLS = {
    "MQF": "https://mfhea.mt/malta-qualifications-framework/",
    "EQF": "https://europass.europa.eu/en/description-eight-eqf-levels",
}


@dataclass(frozen=True)
class Urls:
    base: str

    def issuer(self, agency: str) -> str:
        return f"{self.base}/issuers/{agency}"

    # Credentials are addressed by their random URL id, never by the sequential number.
    def credential(self, url_id: str) -> str:
        return f"{self.base}/credentials/{url_id}"

    def pdf(self, url_id: str) -> str:
        return f"{self.base}/credentials/{url_id}.pdf"

    def verify(self, code: str) -> str:
        return f"{self.base}/verify/{code}"

    def status_list(self, agency: str) -> str:
        return f"{self.base}/status-lists/{agency}"

    def achievement(self, course_id: str) -> str:
        return f"{self.base}/achievements/{course_id}"


def issuer_profile(urls: Urls, agency: str, name: str) -> dict[str, Any]:
    return {"id": urls.issuer(agency), "type": ["Profile"], "name": name, "url": urls.base}


def credential_document(
    *,
    urls: Urls,
    secret: str,
    certificate_id: str,
    url_id: str,
    agency: str,
    agency_name: str,
    kind: str,
    issued_at: Any,
    status_index: int,
    facts: dict[str, Any],
) -> dict[str, Any]:
    course, session, person = facts["course"], facts["session"], facts["participant"]
    languages = list(session.get("languages") or ["en"])
    lang, title = localised(course["title"], languages)
    hours = course["hours"]
    rule = course["completion_rule"]
    narrative = (
        f"Completed {title} ({hours:g} contact hours) with at least "
        f"{rule['min_attendance_ratio'] * 100:g}% attendance"
        + (
            f" and a post-test score of at least {rule['pass_mark']:g}"
            if rule.get("pass_mark")
            else ""
        )
        + (", and submitted the course evaluation." if rule.get("evaluation_required") else ".")
    )
    if kind == "attendance":
        narrative = f"Attended {title} ({hours:g} contact hours)."
    achievement: dict[str, Any] = {
        "id": urls.achievement(course["course_id"]),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[kind],
        "name": title,
        "description": f"{course['programme']}: {title}",
        "criteria": {"narrative": narrative},
        "inLanguage": lang,
        "humanCode": course["course_id"],
        "tag": [course["programme"]],
    }
    qualification = course.get("qualification")
    if qualification:
        framework = qualification["framework"]
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetName": f"{framework} level {qualification['level']}",
                "targetFramework": framework,
                "targetCode": str(qualification["level"]),
                "targetType": "ext:QualificationsFrameworkLevel",
                "targetUrl": FRAMEWORK_URLS.get(framework, f"{urls.base}/frameworks/{framework}"),
            }
        ]
        if qualification.get("credits") is not None:
            achievement["creditsAvailable"] = float(qualification["credits"])
    salt = recipient_salt(secret, certificate_id)
    full_name = f"{person['given_name']} {person['family_name']}"
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(person["email"], salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            },
            {
                "type": "IdentityObject",
                "identityHash": full_name,
                "identityType": "name",
                "hashed": False,
            },
        ],
        "achievement": achievement,
        "activityStartDate": f"{session['start_date']}T00:00:00Z",
        "activityEndDate": f"{session['end_date']}T00:00:00Z",
    }
    if qualification and qualification.get("credits") is not None:
        subject["creditsEarned"] = float(qualification["credits"])
    status_list = urls.status_list(agency)
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": urls.credential(url_id),
        "type": ["VerifiableCredential", "AchievementCredential"],
        "issuer": issuer_profile(urls, agency, agency_name),
        "validFrom": xml_datetime(issued_at),
        "name": title,
        "description": f"{full_name}: {title}",
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list,
        },
    }


def status_list_document(
    urls: Urls, agency: str, agency_name: str, encoded: str, valid_from: str
) -> dict[str, Any]:
    url = urls.status_list(agency)
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile(urls, agency, agency_name),
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
