"""The participant page's words in English, French and Arabic (right to left).

One dictionary per language, the same keys in each (a unit test checks it). Dates and
language names come from Babel (CLDR), so they read naturally in each language.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

# `LANGUAGES` and `accepted` are re-exported: the pages import it from here with the texts.
from cohort_kit.languages import LANGUAGES as LANGUAGES
from cohort_kit.languages import accepted as accepted
from cohort_kit.languages import pick_language

EN = {
    "site": "Cohort training network",
    "page_title": "Your trainings",
    "intro": "Your sessions, course materials and certificates, in one place.",
    "sessions": "Sessions",
    "no_sessions": "No sessions yet.",
    "status": "Status",
    "dates": "Dates",
    "venue": "Venue",
    "timezone": "Time zone",
    "mode": "Format",
    "languages": "Languages",
    "mode_in_person": "In person",
    "mode_online": "Online",
    "mode_blended": "Blended (in person and online)",
    "status_confirmed": "Place confirmed",
    "status_waitlisted": "On the waiting list, position {position}",
    "status_completed": "Completed",
    "status_attended": "Attended",
    "status_not_completed": "Not completed",
    "status_cancelled": "Cancelled",
    "status_rejected": "Not accepted",
    "because": "Reason: {reason}",
    "reason_withdrawn": "you withdrew",
    "reason_session_cancelled": "the session was cancelled",
    "reason_session_full": "the session was full",
    "reason_enrolment_closed": "enrolment had closed",
    "reason_quota_exceeded": "your organisation's places were all taken",
    "reason_already_enrolled": "you were already enrolled",
    "materials": "Course materials",
    "no_materials": "No materials have been published for this course.",
    "material_language": "in {language}",
    "certificates": "Certificates",
    "no_certificates": "No certificates yet.",
    "certificates_caption": "Your certificates, with their documents and status",
    "col_course": "Course",
    "col_kind": "Certificate",
    "col_issued": "Issued",
    "col_code": "Verification code",
    "col_documents": "Documents",
    "col_status": "Status",
    "kind_completion": "Certificate of completion",
    "kind_attendance": "Certificate of attendance",
    "kind_trainer": "Trainer certificate",
    "pdf": "Download the PDF",
    "credential_json": "Download the credential (JSON)",
    "linkedin": "Add to LinkedIn profile",
    "verify": "Verification page",
    "valid": "Valid",
    "revoked": "Revoked on {date}",
    "link": "About this link",
    "link_expires": "This page's link works until {date}. It is personal: do not share it.",
    "request": "Get a new link",
    "request_intro": "Enter the e-mail address you registered with. If it is registered, "
    "we will send a new link to it.",
    "email": "E-mail address",
    "send": "Send me a new link",
    "email_missing": "Please enter your e-mail address.",
    "sent_title": "Check your e-mail",
    "sent": "If this address is registered, a new link is on its way. "
    "It may take a few minutes to arrive.",
    "entry_title": "Your trainings page",
    "entry": "Your page lists your sessions, course materials and certificates. "
    "It opens from the personal link we send by e-mail.",
    "invalid_title": "This link does not work",
    "invalid": "The link is incomplete or has been changed. Request a new link below.",
    "expired_title": "This link has expired",
    "expired": "Links to this page work for a limited time. Request a new link below.",
}

FR = {
    "site": "Réseau de formation Cohort",
    "page_title": "Vos formations",
    "intro": "Vos sessions, supports de cours et certificats, au même endroit.",
    "sessions": "Sessions",
    "no_sessions": "Aucune session pour l'instant.",
    "status": "Statut",
    "dates": "Dates",
    "venue": "Lieu",
    "timezone": "Fuseau horaire",
    "mode": "Format",
    "languages": "Langues",
    "mode_in_person": "En présentiel",
    "mode_online": "En ligne",
    "mode_blended": "Hybride (présentiel et en ligne)",
    "status_confirmed": "Place confirmée",
    "status_waitlisted": "Sur liste d'attente, position {position}",
    "status_completed": "Formation réussie",
    "status_attended": "Formation suivie",
    "status_not_completed": "Formation non terminée",
    "status_cancelled": "Annulée",
    "status_rejected": "Demande non retenue",
    "because": "Motif : {reason}",
    "reason_withdrawn": "vous vous êtes désisté·e",
    "reason_session_cancelled": "la session a été annulée",
    "reason_session_full": "la session était complète",
    "reason_enrolment_closed": "les inscriptions étaient closes",
    "reason_quota_exceeded": "les places de votre organisation étaient toutes prises",
    "reason_already_enrolled": "vous étiez déjà inscrit·e",
    "materials": "Supports de cours",
    "no_materials": "Aucun support n'a été publié pour ce cours.",
    "material_language": "en {language}",
    "certificates": "Certificats",
    "no_certificates": "Aucun certificat pour l'instant.",
    "certificates_caption": "Vos certificats, leurs documents et leur statut",
    "col_course": "Cours",
    "col_kind": "Certificat",
    "col_issued": "Délivré le",
    "col_code": "Code de vérification",
    "col_documents": "Documents",
    "col_status": "Statut",
    "kind_completion": "Certificat de réussite",
    "kind_attendance": "Attestation de participation",
    "kind_trainer": "Certificat de formateur ou formatrice",
    "pdf": "Télécharger le PDF",
    "credential_json": "Télécharger l'attestation numérique (JSON)",
    "linkedin": "Ajouter à mon profil LinkedIn",
    "verify": "Page de vérification",
    "valid": "Valide",
    "revoked": "Révoqué le {date}",
    "link": "À propos de ce lien",
    "link_expires": "Le lien de cette page est valable jusqu'au {date}. "
    "Il est personnel : ne le partagez pas.",
    "request": "Obtenir un nouveau lien",
    "request_intro": "Saisissez l'adresse e-mail avec laquelle vous êtes inscrit·e. "
    "Si elle est enregistrée, nous y enverrons un nouveau lien.",
    "email": "Adresse e-mail",
    "send": "M'envoyer un nouveau lien",
    "email_missing": "Veuillez saisir votre adresse e-mail.",
    "sent_title": "Consultez vos e-mails",
    "sent": "Si cette adresse est enregistrée, un nouveau lien est en route. "
    "Il peut mettre quelques minutes à arriver.",
    "entry_title": "Votre page de formations",
    "entry": "Votre page présente vos sessions, supports de cours et certificats. "
    "Elle s'ouvre avec le lien personnel que nous envoyons par e-mail.",
    "invalid_title": "Ce lien ne fonctionne pas",
    "invalid": "Le lien est incomplet ou a été modifié. Demandez un nouveau lien ci-dessous.",
    "expired_title": "Ce lien a expiré",
    "expired": "Les liens vers cette page sont valables un temps limité. "
    "Demandez un nouveau lien ci-dessous.",
}

AR = {
    "site": "شبكة كوهورت للتدريب",
    "page_title": "تدريباتك",
    "intro": "دوراتك ومواد الدورات وشهاداتك في مكان واحد.",
    "sessions": "الدورات",
    "no_sessions": "لا توجد دورات بعد.",
    "status": "الحالة",
    "dates": "التواريخ",
    "venue": "المكان",
    "timezone": "المنطقة الزمنية",
    "mode": "الصيغة",
    "languages": "اللغات",
    "mode_in_person": "حضوري",
    "mode_online": "عبر الإنترنت",
    "mode_blended": "مدمج (حضوري وعبر الإنترنت)",
    "status_confirmed": "تم تأكيد مقعدك",
    "status_waitlisted": "على قائمة الانتظار، الترتيب {position}",
    "status_completed": "أتممت الدورة بنجاح",
    "status_attended": "حضرت الدورة",
    "status_not_completed": "لم تُتمّ الدورة",
    "status_cancelled": "أُلغي",
    "status_rejected": "لم يُقبل الطلب",
    "because": "السبب: {reason}",
    "reason_withdrawn": "انسحبت",
    "reason_session_cancelled": "أُلغيت الدورة",
    "reason_session_full": "كانت الدورة ممتلئة",
    "reason_enrolment_closed": "كان التسجيل قد أُغلق",
    "reason_quota_exceeded": "نفدت المقاعد المخصصة لمؤسستك",
    "reason_already_enrolled": "كنت مسجلًا بالفعل",
    "materials": "مواد الدورة",
    "no_materials": "لم تُنشر أي مواد لهذه الدورة.",
    "material_language": "باللغة {language}",
    "certificates": "الشهادات",
    "no_certificates": "لا توجد شهادات بعد.",
    "certificates_caption": "شهاداتك ومستنداتها وحالتها",
    "col_course": "الدورة",
    "col_kind": "الشهادة",
    "col_issued": "تاريخ الإصدار",
    "col_code": "رمز التحقق",
    "col_documents": "المستندات",
    "col_status": "الحالة",
    "kind_completion": "شهادة إتمام",
    "kind_attendance": "شهادة حضور",
    "kind_trainer": "شهادة مدرّب",
    "pdf": "تنزيل ملف PDF",
    "credential_json": "تنزيل الشهادة الرقمية (JSON)",
    "linkedin": "إضافة إلى الملف الشخصي على LinkedIn",
    "verify": "صفحة التحقق",
    "valid": "سارية",
    "revoked": "أُلغيت في {date}",
    "link": "عن هذا الرابط",
    "link_expires": "رابط هذه الصفحة صالح حتى {date}. إنه رابط شخصي: لا تشاركه.",
    "request": "احصل على رابط جديد",
    "request_intro": "أدخل عنوان البريد الإلكتروني الذي سجّلت به. "
    "إذا كان مسجلًا، فسنرسل إليه رابطًا جديدًا.",
    "email": "عنوان البريد الإلكتروني",
    "send": "أرسل لي رابطًا جديدًا",
    "email_missing": "يرجى إدخال عنوان بريدك الإلكتروني.",
    "sent_title": "تحقق من بريدك الإلكتروني",
    "sent": "إذا كان هذا العنوان مسجلًا، فإن رابطًا جديدًا في طريقه إليك. قد يستغرق وصوله بضع دقائق.",
    "entry_title": "صفحة تدريباتك",
    "entry": "تعرض صفحتك دوراتك ومواد الدورات وشهاداتك. "
    "تُفتح من خلال الرابط الشخصي الذي نرسله بالبريد الإلكتروني.",
    "invalid_title": "هذا الرابط لا يعمل",
    "invalid": "الرابط غير مكتمل أو تم تغييره. اطلب رابطًا جديدًا أدناه.",
    "expired_title": "انتهت صلاحية هذا الرابط",
    "expired": "روابط هذه الصفحة صالحة لمدة محدودة. اطلب رابطًا جديدًا أدناه.",
}

TEXTS = {"en": EN, "fr": FR, "ar": AR}


# The first of our languages among the wanted ones (BCP 47, e.g. `fr-CA`), else en.
language = partial(pick_language, TEXTS)


def localised(text: dict[str, str] | None, wanted: Iterable[str]) -> tuple[str, str]:
    """(text, its language) from a localised object: the wanted languages, then en, then any."""
    text = text or {}
    for lang in [*wanted, "en"]:
        for key, value in text.items():
            if key.split("-")[0].lower() == lang:
                return value, key
    for key, value in text.items():
        return value, key
    return "", ""
