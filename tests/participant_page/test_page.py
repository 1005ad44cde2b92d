"""The page over real HTTP: what it shows, whom it shows, and what it refuses."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
from cohort_enrolment.participant.links import Signer

from tests.harness import eventually, publish_event
from tests.participant_page.conftest import Served
from tests.participant_page.scenario import (
    AMINA,
    EMAILS,
    EMM_FR,
    FATIMA,
    GUIDE_AR,
    HANDBOOK_EN,
    HANDBOOK_FR,
    LINK,
    MOUSSA,
    REINT_EN,
    enrolment_events,
    play,
)

pytestmark = pytest.mark.integration


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_a_link_goes_just_before_every_confirmation_and_with_every_certificate(
    js, served: Served
):
    events = await play(js)
    for n, event in enumerate(events):
        if event["type"] == "enrolment.confirmed.v1":
            link = events[n - 1]
            assert link["type"] == LINK
            assert link["subject"] == event["data"]["participant_id"]
            assert link["data"]["participant_id"] == event["data"]["participant_id"]
            assert link["causationid"] == event["causationid"]  # the same cause
            assert link["data"]["link"].startswith(f"{served.base_url}/me?token=")
            # A confirmation's link lasts until after the session (s-3 ends 2023-11-10).
            assert link["data"]["expires_at"] > "2024"
    companions = [e for e in events if e["type"] == LINK]
    certificate_links = [e for e in companions if e["data"]["participant_id"] == FATIMA][-2:]
    assert all(e["causationid"] for e in companions)  # companions, not re-requests
    assert len({e["causationid"] for e in certificate_links}) == 2
    page = await served.http.get(certificate_links[-1]["data"]["link"])
    assert page.status_code == 200 and "Fatima Said Ali" in page.text


async def test_the_page_shows_the_participants_sessions_materials_and_certificates(
    js, served: Served
):
    await play(js)
    res = await served.http.get(served.link(FATIMA))
    assert res.status_code == 200
    html = res.text
    assert '<html lang="fr" dir="ltr">' in html
    assert "Fatima Said Ali" in html and "Vos formations" in html
    assert html.count('<article class="session"') == 3
    for status in ("completed", "waitlisted", "confirmed"):
        assert f'data-status="{status}"' in html
    assert "Sur liste d&#39;attente, position 2" in html
    assert EMM_FR in html
    assert f'<bdi lang="en">{REINT_EN}</bdi>' in html  # no French title: marked English
    for url in (HANDBOOK_FR, HANDBOOK_EN, GUIDE_AR):
        assert f'href="{url}"' in html
    assert "Retaj Hotel, Moroni" in html and "Indian/Comoro (UTC+03:00)" in html
    assert "Africa/Dakar (UTC+00:00)" in html
    assert 'href="https://certs.example.org/credentials/iom:cert-0002.pdf"' in html
    assert 'href="https://certs.example.org/verify/CODE-0002"' in html
    assert 'data-certificate="iom:cert-0001" data-revoked="true"' in html
    assert 'data-certificate="iom:cert-0002" data-revoked="false"' in html
    assert "iom:cert-0001.pdf" not in html  # a revoked certificate's PDF is not offered
    # The signed credential for wallets, and LinkedIn's form filled from the certificate.
    assert 'class="credential" href="https://certs.example.org/credentials/iom:cert-0002"' in html
    assert "Télécharger l&#39;attestation numérique (JSON)" in html
    linkedin = re.search(r'class="linkedin" href="([^"]+)"', html)
    assert linkedin is not None
    url = urlsplit(unescape(linkedin.group(1)))
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    fields = dict(parse_qsl(url.query))
    assert fields["startTask"] == "CERTIFICATION_NAME" and fields["name"] == EMM_FR
    assert fields["organizationName"] == "IOM" and fields["certId"] == "CODE-0002"
    assert fields["certUrl"] == "https://certs.example.org/verify/CODE-0002"
    assert fields["issueYear"].isdigit() and 1 <= int(fields["issueMonth"]) <= 12
    assert html.count('class="linkedin"') == 1  # not for the revoked one
    for header, value in {
        "cache-control": "no-store",
        "referrer-policy": "no-referrer",
        "x-robots-tag": "noindex, nofollow",
    }.items():
        assert res.headers[header] == value
    assert "default-src 'none'" in res.headers["content-security-policy"]
    css = await served.http.get("/me/page.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_another_participants_data_is_never_shown(js, served: Served):
    await play(js)
    fatima = (await served.http.get(served.link(FATIMA))).text
    amina = (await served.http.get(served.link(AMINA))).text
    moussa = (await served.http.get(served.link(MOUSSA))).text
    assert '<html lang="ar" dir="rtl">' in amina
    assert "Amina Haddad" in amina and "Amina" not in fatima + moussa
    assert "Fatima" not in amina + moussa and "Moussa" not in fatima + amina
    assert "iom:cert-" not in amina + moussa  # Fatima's certificates stay on her page
    assert amina.count('<article class="session"') == 3
    for status in ("confirmed", "cancelled", "rejected"):
        assert f'data-status="{status}"' in amina
    assert 'data-status="waitlisted"' in moussa and "position 1" in moussa
    # A link is for one participant: the id inside it cannot be swapped.
    a, b = token_of(served.link(FATIMA)).split("."), token_of(served.link(AMINA)).split(".")
    swapped = ".".join([a[0], b[1], a[2], a[3]])
    res = await served.http.get("/me", params={"token": swapped})
    assert res.status_code == 403 and "Amina" not in res.text and "Fatima" not in res.text


async def test_tampered_expired_and_unknown_links_get_a_page_that_tells_what_to_do(
    js, served: Served
):
    await play(js)
    good = token_of(served.link(FATIMA))
    head, mac = good.rsplit(".", 1)
    flipped = head + "." + ("A" if mac[0] != "A" else "B") + mac[1:]
    later = head.rsplit(".", 1)[0] + "." + str(int(head.rsplit(".", 1)[1]) + 86400) + "." + mac
    wrong_key = Signer("another-secret").token(FATIMA, served_expiry(good))
    refused = {
        "flipped signature": flipped,
        "expiry pushed back": later,
        "another key": wrong_key,
        "garbage": "not-a-token",
        "empty": "",
    }
    bodies = set()
    for why, token in refused.items():
        res = await served.http.get("/me", params={"token": token})
        assert res.status_code == 403, why
        assert 'action="/me/link"' in res.text and "Fatima" not in res.text, why
        bodies.add(res.text)
    # A genuine link of someone never registered: the very same answer, byte for byte.
    unknown = await served.http.get(served.link("iom:p-nobody"))
    assert unknown.status_code == 403
    assert bodies == {unknown.text}
    expired = await served.http.get(served.link(FATIMA, expires_in=timedelta(seconds=-1)))
    assert expired.status_code == 410
    assert "expired" in expired.text and 'action="/me/link"' in expired.text
    assert "Fatima" not in expired.text
    # The visitor's language is taken from the browser when no participant is known.
    fr = await served.http.get(
        "/me", params={"token": flipped}, headers={"accept-language": "fr-FR,fr;q=0.9"}
    )
    assert '<html lang="fr"' in fr.text and "Demandez un nouveau lien" in fr.text


def served_expiry(token: str):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(token.split(".")[2]), UTC)


async def test_a_new_link_is_emailed_on_request_and_the_answer_never_tells(js, served: Served):
    await play(js)
    before = len(await enrolment_events(js))
    known = await served.http.post("/me/link", data={"email": EMAILS[FATIMA].upper(), "lang": "fr"})
    unknown = await served.http.post(
        "/me/link", data={"email": "nobody@nowhere.example", "lang": "fr"}
    )
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert "Si cette adresse est enregistrée, un nouveau lien est en route." in known.text
    assert "token" not in known.text

    async def requested():
        events = (await enrolment_events(js))[before:]
        return events or None

    [event] = await eventually(requested)
    assert event["type"] == LINK and event["subject"] == FATIMA
    assert event["source"] == "cohort/enrolment" and event["agency"] == "iom"
    assert "causationid" not in event  # asked for by the person: to e-mail on its own
    page = await served.http.get(event["data"]["link"])
    assert page.status_code == 200 and "Fatima Said Ali" in page.text
    # Asked again at once: the same answer, and no second e-mail.
    again = await served.http.post("/me/link", data={"email": EMAILS[FATIMA], "lang": "fr"})
    assert again.text == known.text
    await asyncio.sleep(1.0)
    assert len((await enrolment_events(js))[before:]) == 1
    # No address: say so, and send nothing.
    empty = await served.http.post("/me/link", data={"email": ""})
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.text
    assert json.dumps(event)  # the event is plain JSON for the notification service


async def test_bidi_controls_in_a_name_title_or_venue_cannot_reorder_the_page(js, served: Served):
    from tests.enrolment import builders as b
    from tests.participant_page.scenario import course, person, session

    rlo, pdf, lri, pdi = "\u202e", "\u202c", "\u2066", "\u2069"
    for event in (
        course("iom:c-bidi", {"en": f"Course {rlo}delbmarcs{pdf} <b>"}, []),
        session(
            "iom:s-bidi",
            "iom:c-bidi",
            start="2030-06-05",
            end="2030-06-09",
            venue=f"Hall {lri}A{pdi}",
            city="Moroni",
            languages=["en"],
        ),
        person("iom:p-bidi", f"Mal{rlo}lory", f"O'Brien <{pdf}>", "en"),
        b.request("iom:e-bidi", "iom:p-bidi", "iom:s-bidi"),
    ):
        await publish_event(js, event)

    async def page() -> str | None:
        res = await served.http.get(served.link("iom:p-bidi"))
        return res.text if res.status_code == 200 and "iom:s-bidi" in res.text else None

    html = await eventually(page)
    assert not any(c in html for c in (rlo, pdf, lri, pdi))
    assert '<p class="who"><bdi>Mallory O&#39;Brien &lt;&gt;</bdi></p>' in html
    assert "<bdi>Course delbmarcs &lt;b&gt;</bdi>" in html
    assert '<dd class="venue"><bdi>Hall A, Moroni</bdi></dd>' in html
