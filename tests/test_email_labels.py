"""Staff read what each email is in words, in their language; its raw name only as code."""

from __future__ import annotations

from conftest import sign_in_session

from careerlink.mail.events import EMAIL_LABELS
from careerlink.staff.admin import email_preview


def test_every_email_template_has_a_label_and_every_label_a_template():
    assert sorted(EMAIL_LABELS) == sorted(t.name for t in email_preview.templates())


def test_the_outbox_names_the_email_in_the_readers_language(
    client, db, make_request, staff, outbox
):
    req = make_request(state="relayed")
    row = outbox("request_relayed")[0]
    assert row.audience == "alumnus"
    sign_in_session(client, staff)
    french = {"Accept-Language": "fr"}
    page = client.get("/staff/outbox", headers=french).get_data(as_text=True)
    assert "<td>Demande transmise, au diplômé</td>" in page
    assert "request_relayed" not in page
    # The email is in its recipient's language (English here): the page says so.
    assert f'<td lang="en">{row.subject}</td>' in page
    page = client.get(f"/staff/outbox/{row.id}", headers=french).get_data(as_text=True)
    assert (
        "<dd>Demande transmise, au diplômé (<code>request_relayed_to_alumnus</code>)</dd>" in page
    )
    assert f'<span lang="en">{row.subject}</span>' in page
    assert '<pre class="email-text" lang="en">' in page
    assert req.alumnus.email in page
