"""The certification pages' and certificate's words in English, French and Arabic.

One dictionary per language, the same keys in each (a unit test checks it). Dates and
country names come from Babel (CLDR), so they read naturally in each language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

# `LANGUAGES`, `RTL` and `accepted` are re-exported: pdf.py and the page import them
# with the texts.
from cohort_kit.languages import LANGUAGES as LANGUAGES
from cohort_kit.languages import RTL as RTL
from cohort_kit.languages import accepted as accepted
from cohort_kit.languages import pick_language

EN = {
    "comma": ", ",
    "colon": ": ",
    "site": "Cohort training network",
    "title": "Certificate verification",
    "language": "Language",
    "intro": "This page checks a certificate against the records of the organisation that "
    "issued it.",
    "valid_title": "This certificate is valid",
    "valid_text": "{issuer} issued it. Its digital signature matches the issuer's published "
    "key, and the issuer has not revoked it.",
    "revoked_title": "This certificate has been revoked",
    "revoked_text": "{issuer} revoked it on {date}. It no longer attests the training below.",
    "reason": "Reason given: {reason}",
    "superseded_title": "This certificate has been replaced",
    "superseded_text": "{issuer} replaced it with a corrected certificate on {date}. "
    "Only the new certificate is valid.",
    "superseded_link": "See the current certificate",
    "invalid_title": "This certificate could not be verified",
    "invalid_text": "Its digital signature does not match the issuer's key: the record may "
    "have been altered. Do not rely on it; contact the issuer.",
    "unknown_title": "No certificate has this code",
    "unknown_text": "Check the code printed on the certificate: 8 letters and digits, such as "
    "ABCD-2345. Codes never contain 0, 1, I, L, O or U.",
    "details": "What the certificate says",
    "holder": "Awarded to",
    "course": "Course",
    "kind": "Certificate",
    "qualification": "Qualification",
    "qualification_line": "{framework}, level {level}",
    "credits": "Credits",
    "credits_value": "{credits} ECTS credits",
    "hours": "Duration",
    "hours_value": "{hours} hours of training",
    "training": "Training",
    "place": "Place",
    "issued": "Issued on",
    "number": "Certificate number",
    "code": "Verification code",
    "issuer": "Issuer",
    "key": "Issuer's signing key",
    "fingerprint": "Fingerprint (SHA-256)",
    "documents": "Documents",
    "json": "Digital credential (JSON, Open Badges 3.0)",
    "pdf": "Printable certificate (PDF)",
    "kind_completion": "Certificate of completion",
    "kind_attendance": "Certificate of attendance",
    "kind_trainer": "Trainer certificate",
    "about": "What “valid” means",
    "about_signature": "The certificate was signed with the issuer's key, and nothing in it "
    "has changed since.",
    "about_key": "The key is one the issuer has published (the fingerprint above identifies it).",
    "about_status": "The issuer has not revoked or replaced it.",
    "upload": "Check a credential file",
    "upload_intro": "If someone gave you a credential file (.json), choose it below. We check "
    "its digital signature, that the key belongs to the issuer, and whether the issuer has "
    "revoked it. The file is not kept.",
    "file": "Credential file (JSON)",
    "check": "Check the file",
    "file_valid_title": "The file is a genuine, valid credential",
    "file_valid_text": "{issuer} issued it, and it has not been changed since it was signed.",
    "file_revoked_title": "The file is genuine, but the credential has been revoked",
    "file_invalid_title": "The file could not be verified",
    "file_invalid_text": "Do not rely on this file. What we found:",
    "file_unreadable": "This is not a readable credential file (JSON).",
    "file_missing": "Please choose a file.",
    "file_too_large": "The file is too large to be a credential.",
    "error_signature": "The content has been changed since it was signed: the digital "
    "signature no longer matches.",
    "error_key": "It was not signed with a key of an issuer known here.",
    "error_no_proof": "It has no digital signature.",
    "error_format": "It is not in the format this issuer uses.",
    "error_status": "Its revocation entry does not belong to its issuer.",
    "see_certificate": "See this certificate's verification page",
    "checked_on": "Checked on {date}.",
    "pdf_certify": "This is to certify that",
    "pdf_completed": "has successfully completed",
    "pdf_attended": "has attended",
    "pdf_trainer": "has qualified as a trainer in",
    "pdf_partners": "in partnership with {partners}",
    "pdf_verify": "Verify at",
    "pdf_for": "For {issuer}",
}

FR = {
    "comma": ", ",
    "colon": " : ",
    "site": "Réseau de formation Cohort",
    "title": "Vérification de certificat",
    "language": "Langue",
    "intro": "Cette page vérifie un certificat auprès des registres de l'organisation qui l'a "
    "délivré.",
    "valid_title": "Ce certificat est valide",
    "valid_text": "Il a été délivré par {issuer}. Sa signature numérique correspond à la clé "
    "publiée par l'émetteur, et l'émetteur ne l'a pas révoqué.",
    "revoked_title": "Ce certificat a été révoqué",
    "revoked_text": "{issuer} l'a révoqué le {date}. Il n'atteste plus la formation ci-dessous.",
    "reason": "Motif indiqué : {reason}",
    "superseded_title": "Ce certificat a été remplacé",
    "superseded_text": "{issuer} l'a remplacé par un certificat corrigé le {date}. "
    "Seul le nouveau certificat est valide.",
    "superseded_link": "Voir le certificat en vigueur",
    "invalid_title": "Ce certificat n'a pas pu être vérifié",
    "invalid_text": "Sa signature numérique ne correspond pas à la clé de l'émetteur : "
    "l'enregistrement a pu être modifié. Ne vous y fiez pas ; contactez l'émetteur.",
    "unknown_title": "Aucun certificat ne porte ce code",
    "unknown_text": "Vérifiez le code imprimé sur le certificat : 8 lettres et chiffres, par "
    "exemple ABCD-2345. Les codes ne contiennent jamais 0, 1, I, L, O ni U.",
    "details": "Ce qu'atteste le certificat",
    "holder": "Décerné à",
    "course": "Cours",
    "kind": "Certificat",
    "qualification": "Qualification",
    "qualification_line": "{framework}, niveau {level}",
    "credits": "Crédits",
    "credits_value": "{credits} crédits ECTS",
    "hours": "Durée",
    "hours_value": "{hours} heures de formation",
    "training": "Formation",
    "place": "Lieu",
    "issued": "Délivré le",
    "number": "Numéro du certificat",
    "code": "Code de vérification",
    "issuer": "Émetteur",
    "key": "Clé de signature de l'émetteur",
    "fingerprint": "Empreinte (SHA-256)",
    "documents": "Documents",
    "json": "Attestation numérique (JSON, Open Badges 3.0)",
    "pdf": "Certificat imprimable (PDF)",
    "kind_completion": "Certificat de réussite",
    "kind_attendance": "Attestation de participation",
    "kind_trainer": "Certificat de formateur ou formatrice",
    "about": "Ce que signifie « valide »",
    "about_signature": "Le certificat a été signé avec la clé de l'émetteur et rien n'y a "
    "été modifié depuis.",
    "about_key": "La clé est l'une de celles que l'émetteur a publiées (l'empreinte ci-dessus "
    "l'identifie).",
    "about_status": "L'émetteur ne l'a ni révoqué ni remplacé.",
    "upload": "Vérifier un fichier d'attestation",
    "upload_intro": "Si l'on vous a remis un fichier d'attestation (.json), choisissez-le "
    "ci-dessous. Nous vérifions sa signature numérique, que la clé appartient à l'émetteur et "
    "si l'émetteur l'a révoqué. Le fichier n'est pas conservé.",
    "file": "Fichier d'attestation (JSON)",
    "check": "Vérifier le fichier",
    "file_valid_title": "Le fichier est une attestation authentique et valide",
    "file_valid_text": "Elle a été délivrée par {issuer} et n'a pas été modifiée depuis sa "
    "signature.",
    "file_revoked_title": "Le fichier est authentique, mais l'attestation a été révoquée",
    "file_invalid_title": "Le fichier n'a pas pu être vérifié",
    "file_invalid_text": "Ne vous fiez pas à ce fichier. Ce que nous avons constaté :",
    "file_unreadable": "Ce n'est pas un fichier d'attestation lisible (JSON).",
    "file_missing": "Veuillez choisir un fichier.",
    "file_too_large": "Le fichier est trop volumineux pour être une attestation.",
    "error_signature": "Le contenu a été modifié après la signature : la signature numérique "
    "ne correspond plus.",
    "error_key": "Il n'a pas été signé avec la clé d'un émetteur connu ici.",
    "error_no_proof": "Il ne porte aucune signature numérique.",
    "error_format": "Il n'est pas au format qu'utilise cet émetteur.",
    "error_status": "Son entrée de révocation n'appartient pas à son émetteur.",
    "see_certificate": "Voir la page de vérification de ce certificat",
    "checked_on": "Vérifié le {date}.",
    "pdf_certify": "Nous certifions que",
    "pdf_completed": "a suivi avec succès la formation",
    "pdf_attended": "a participé à la formation",
    "pdf_trainer": "est qualifié·e comme formateur ou formatrice pour",
    "pdf_partners": "en partenariat avec {partners}",
    "pdf_verify": "Vérifier sur",
    "pdf_for": "Pour {issuer}",
}

AR = {
    "comma": "، ",
    "colon": ": ",
    "site": "شبكة كوهورت للتدريب",
    "title": "التحقق من الشهادة",
    "language": "اللغة",
    "intro": "تتحقق هذه الصفحة من الشهادة في سجلات الجهة التي أصدرتها.",
    "valid_title": "هذه الشهادة سارية",
    "valid_text": "أصدرتها {issuer}. توقيعها الرقمي يطابق المفتاح الذي نشرته الجهة المُصدِرة، "
    "ولم تُلغِها الجهة المُصدِرة.",
    "revoked_title": "أُلغيت هذه الشهادة",
    "revoked_text": "ألغتها {issuer} في {date}. لم تعد تشهد بالتدريب المذكور أدناه.",
    "reason": "السبب المذكور: {reason}",
    "superseded_title": "استُبدلت هذه الشهادة",
    "superseded_text": "استبدلتها {issuer} بشهادة مصحّحة في {date}. "
    "الشهادة الجديدة وحدها هي السارية.",
    "superseded_link": "عرض الشهادة السارية",
    "invalid_title": "تعذّر التحقق من هذه الشهادة",
    "invalid_text": "توقيعها الرقمي لا يطابق مفتاح الجهة المُصدِرة: ربما عُدّل السجل. "
    "لا تعتمد عليها؛ اتصل بالجهة المُصدِرة.",
    "unknown_title": "لا توجد شهادة بهذا الرمز",
    "unknown_text": "تحقق من الرمز المطبوع على الشهادة: 8 حروف وأرقام، مثل ABCD-2345. "
    "لا تحتوي الرموز أبدًا على 0 أو 1 أو I أو L أو O أو U.",
    "details": "ما تشهد به الشهادة",
    "holder": "مُنحت إلى",
    "course": "الدورة",
    "kind": "الشهادة",
    "qualification": "المؤهل",
    "qualification_line": "{framework}، المستوى {level}",
    "credits": "الساعات المعتمدة",
    "credits_value": "{credits} ساعات معتمدة (ECTS)",
    "hours": "المدة",
    "hours_value": "{hours} ساعة تدريب",
    "training": "التدريب",
    "place": "المكان",
    "issued": "تاريخ الإصدار",
    "number": "رقم الشهادة",
    "code": "رمز التحقق",
    "issuer": "الجهة المُصدِرة",
    "key": "مفتاح التوقيع للجهة المُصدِرة",
    "fingerprint": "البصمة (SHA-256)",
    "documents": "المستندات",
    "json": "الشهادة الرقمية (JSON، Open Badges 3.0)",
    "pdf": "الشهادة القابلة للطباعة (PDF)",
    "kind_completion": "شهادة إتمام",
    "kind_attendance": "شهادة حضور",
    "kind_trainer": "شهادة مدرّب",
    "about": "ماذا تعني «سارية»",
    "about_signature": "وُقّعت الشهادة بمفتاح الجهة المُصدِرة ولم يتغير فيها شيء منذ ذلك الحين.",
    "about_key": "المفتاح من المفاتيح التي نشرتها الجهة المُصدِرة (تحدده البصمة أعلاه).",
    "about_status": "لم تُلغِها الجهة المُصدِرة ولم تستبدلها.",
    "upload": "التحقق من ملف شهادة",
    "upload_intro": "إذا سلّمك أحدهم ملف شهادة (\u2066.json\u2069)، فاختره أدناه. "
    "نتحقق من توقيعه الرقمي، "
    "ومن أن المفتاح يعود إلى الجهة المُصدِرة، ومما إذا كانت الجهة قد ألغته. لا يُحفظ الملف.",
    "file": "ملف الشهادة (JSON)",
    "check": "تحقق من الملف",
    "file_valid_title": "الملف شهادة أصلية وسارية",
    "file_valid_text": "أصدرتها {issuer} ولم تُعدَّل منذ توقيعها.",
    "file_revoked_title": "الملف أصلي، لكن الشهادة أُلغيت",
    "file_invalid_title": "تعذّر التحقق من الملف",
    "file_invalid_text": "لا تعتمد على هذا الملف. ما وجدناه:",
    "file_unreadable": "هذا ليس ملف شهادة قابلًا للقراءة (JSON).",
    "file_missing": "يرجى اختيار ملف.",
    "file_too_large": "الملف أكبر من أن يكون شهادة.",
    "error_signature": "عُدّل المحتوى بعد توقيعه: التوقيع الرقمي لم يعد مطابقًا.",
    "error_key": "لم يُوقَّع بمفتاح جهة مُصدِرة معروفة هنا.",
    "error_no_proof": "لا يحمل أي توقيع رقمي.",
    "error_format": "ليس بالصيغة التي تستخدمها هذه الجهة المُصدِرة.",
    "error_status": "قيد الإلغاء الخاص به لا يعود إلى الجهة المُصدِرة.",
    "see_certificate": "عرض صفحة التحقق من هذه الشهادة",
    "checked_on": "تم التحقق في {date}.",
    "pdf_certify": "نشهد بأن",
    "pdf_completed": "قد أتمّ بنجاح دورة",
    "pdf_attended": "قد حضر دورة",
    "pdf_trainer": "قد تأهّل مدرّبًا في",
    "pdf_partners": "بالشراكة مع {partners}",
    "pdf_verify": "للتحقق",
    "pdf_for": "عن {issuer}",
}

TEXTS: dict[str, dict[str, str]] = {"en": EN, "fr": FR, "ar": AR}


# The first of our languages among the wanted ones (BCP 47, e.g. `fr-CA`), else en.
language = partial(pick_language, TEXTS)


def certificate_language(facts: Mapping[str, Any]) -> str:
    """The certificate's language: the session's first language we print in (as the PDF)."""
    languages = list((facts.get("session") or {}).get("languages") or ["en"])
    return next((x for x in languages if x in TEXTS), "en")
