"""Email correctness: headers encoded at whole words, and calendar files typed as RFC 6047 says.

Messages are read back the way a mail client reads them: the standard library's parser with
the default policy (which decodes RFC 2047 encoded words), and icalendar for the .ics file.
"""

from __future__ import annotations

import email
import email.policy
import email.utils

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from careerlink.mail import headers
from careerlink.mail.worker import send_due
from careerlink.permissions import Role


def parse_header(name: str, value: str):
    """A header as a client reads it, from the value the transport writes."""
    raw = f"{name}: {value}".replace("\n", "\r\n") + "\r\n\r\nbody\r\n"
    return email.message_from_bytes(raw.encode("ascii"), policy=email.policy.default)[name]


# Words as people write them: plain, accented, other scripts, punctuation, lookalikes of
# encoded words.
WORD = st.one_of(
    st.text(
        alphabet=st.sampled_from("abcdefghijXYZ0123456789-'.,:;!?()&@/=_"),
        min_size=1,
        max_size=12,
    ),
    st.text(alphabet=st.sampled_from("aeéèêëàçñÑøÅßœ’–日本語🙂"), min_size=1, max_size=12),
    st.sampled_from(["José", "Ñúñez", "=?utf-8?q?x?=", "?=", "=?", "Zoë", "l’Université"]),
)


# French typography: a word, a no-break space, a mark ("relation\u00a0:", "vous\u202f?").
FRENCH_WORD = st.builds(
    "".join,
    st.tuples(
        st.text(alphabet=st.sampled_from("aeéèàçœ"), min_size=1, max_size=8),
        st.sampled_from(["\u00a0:", "\u202f;", "\u202f?", "\u202f!"]),
    ),
)


@settings(max_examples=300, deadline=None, derandomize=True)  # the same examples each run
@given(st.lists(st.one_of(WORD, FRENCH_WORD), min_size=1, max_size=20))
def test_any_subject_decodes_to_its_exact_text_in_short_lines(words):
    subject = " ".join(words)
    value = headers.unstructured("Subject", subject)
    assert value.isascii()
    assert str(parse_header("Subject", value)) == subject
    lines = f"Subject: {value}".split("\n")
    assert all(len(line) <= headers.MAX_LINE for line in lines)
    # A line is only ever broken between two words of the text, never inside one.
    assert all(line.startswith(" ") and not line.startswith("  ") for line in lines[1:])


def test_a_french_subject_keeps_its_no_break_spaces():
    subject = "Entretien d’information du 6 décembre 2026\u00a0: Stella avec Alma\u202f?"
    value = headers.unstructured("Subject", subject)
    assert str(parse_header("Subject", value)) == subject


@pytest.mark.parametrize(
    "name",
    [
        "CareerLink",
        "Career Office",
        "Service carrières",
        "Service carrières de l’Université Lumière",
        "Élodie Bérénice Françoise Hélène",
        "Université Lumière (Lyon 2)",
        "O'Brien, Careers",
        "Zoë Ångström-Ñúñez",
        "大学 キャリアセンター",
    ],
)
def test_display_names_decode_to_their_exact_text(name):
    value = headers.addresses("From", [email.utils.formataddr((name, "careers@example.edu"))])
    [address] = parse_header("From", value).addresses
    assert (address.display_name, address.addr_spec) == (name, "careers@example.edu")
    assert all(len(line) <= headers.MAX_LINE for line in f"From: {value}".split("\n"))


@settings(max_examples=300, deadline=None, derandomize=True)  # the same examples each run
@given(st.lists(WORD, min_size=1, max_size=4))
def test_any_display_name_decodes_to_its_exact_text(words):
    name = " ".join(words)
    # Up to 39 bytes of accented text stay one encoded word (see headers._encoded_words); a
    # name that is itself an encoded word is read as one, by us as by everyone.
    assume(len(name.encode()) <= 39 and "=?" not in name)
    value = headers.addresses("From", [email.utils.formataddr((name, "careers@example.edu"))])
    [address] = parse_header("From", value).addresses
    assert (address.display_name, address.addr_spec) == (name, "careers@example.edu")


def test_a_sender_written_in_plain_unicode_keeps_its_name():
    """MAIL_DEFAULT_SENDER as people write it in the environment."""
    value = headers.addresses("From", ["Service carrières <careers@example.edu>"])
    assert value == "Service =?utf-8?q?carri=C3=A8res?= <careers@example.edu>"
    [address] = parse_header("From", value).addresses
    assert address.display_name == "Service carrières"


def test_several_recipients_fold_between_addresses():
    recipients = [f"person{i}@students.example.edu" for i in range(6)]
    value = headers.addresses("To", recipients)
    assert [a.addr_spec for a in parse_header("To", value).addresses] == recipients
    assert all(len(line) <= headers.MAX_LINE for line in f"To: {value}".split("\n"))


# --- the calendar attachment (RFC 6047) ---------------------------------------------------------


@pytest.fixture
def jose_day(make_user, make_mentor, make_request):
    """A shadowing day between José Cohen and Zoë Ångström, scheduled (invitation queued)."""
    student = make_user(Role.STUDENT, email="jose@students.example.edu", name="José Cohen")
    alumna = make_user(Role.ALUMNUS, email="zoe@alumni.example.org", name="Zoë Ångström")
    mentor = make_mentor(user=alumna)
    return make_request(student=student, mentor=mentor, kind="shadowing", state="scheduled")


def delivered_calendar(smtp_server, event: str):
    """(the MIME part, the parsed calendar) of the .ics in the delivered email of this event."""
    [msg] = [m for m in smtp_server.messages if m["X-CareerLink-Event"] == event]
    [part] = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part, Calendar.from_ical(part.get_content())


def test_invitation_and_cancellation_are_typed_with_method_and_charset(db, smtp_server, jose_day):
    from careerlink.connections import services

    assert send_due().failed == 0
    part, cal = delivered_calendar(smtp_server, "shadowing_scheduled_to_both")
    assert part.get_params()[1:] == [("charset", "utf-8"), ("method", "REQUEST")]
    assert part.get_filename() == "shadowing-day.ics"
    text = part.get_content()  # decoded with the declared charset, as a client does
    assert "José Cohen" in text and "Zoë Ångström" in text
    assert cal["METHOD"] == "REQUEST"
    [event] = cal.walk("VEVENT")
    names = sorted(str(a.params["CN"]) for a in event["ATTENDEE"])
    assert names == ["José Cohen", "Zoë Ångström"]
    assert str(event["UID"]) == f"careerlink-request-{jose_day.id}@careerlink.test"
    assert str(event["ORGANIZER"]) == "mailto:careers@example.edu"

    from careerlink.database import transaction

    with transaction():
        services.cancel_request(jose_day, jose_day.student, reason="Je suis malade.")
    assert send_due().failed == 0
    part, cal = delivered_calendar(smtp_server, "shadowing_cancelled_to_both")
    assert part.get_params()[1:] == [("charset", "utf-8"), ("method", "CANCEL")]
    assert cal["METHOD"] == "CANCEL"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"careerlink-request-{jose_day.id}@careerlink.test"


def test_a_calendar_queued_with_a_bare_type_is_sent_with_method_and_charset(db, smtp_server):
    """Rows queued before the fix say only text/calendar: the transport completes the type."""
    from careerlink.accounts.models import User
    from careerlink.mail import enqueue
    from careerlink.mail.services import Attachment

    ics = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nSUMMARY:José\r\nEND:VCALENDAR\r\n".encode()
    enqueue(
        "password_changed",
        "user",
        "old@example.edu",
        {"user": User(display_name="Old Row")},
        attachments=[Attachment("old.ics", "text/calendar", ics)],
    )
    db.session.commit()
    assert send_due().sent == 1
    [msg] = smtp_server.messages
    [part] = list(msg.iter_attachments())
    assert part.get_params()[1:] == [("charset", "utf-8"), ("method", "CANCEL")]
    assert "SUMMARY:José" in part.get_content()


@pytest.mark.parametrize(
    "base_url,sender,uid_domain,organizer",
    [
        # The public host names the UID; a sender at localhost moves to that domain.
        (
            "https://careers.example.edu",
            "CareerLink <careers@localhost>",
            "careers.example.edu",
            "careers@careers.example.edu",
        ),
        # An address is no domain: the sender's domain is used.
        (
            "http://127.0.0.1:5000",
            "Career Office <careers@example.edu>",
            "example.edu",
            "careers@example.edu",
        ),
        ("http://localhost:5000", "careers@example.edu", "example.edu", "careers@example.edu"),
        # Nothing public anywhere (a developer's machine): a reserved name, never localhost.
        (
            "http://127.0.0.1:5000",
            "CareerLink <careers@localhost>",
            "careerlink.invalid",
            "careers@careerlink.invalid",
        ),
    ],
)
def test_uid_and_organizer_never_name_localhost(
    app, db, monkeypatch, base_url, sender, uid_domain, organizer
):
    from careerlink.connections import ics

    monkeypatch.setitem(app.config, "CAREERLINK_BASE_URL", base_url)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", sender)
    assert ics.event_uid(7) == f"careerlink-request-7@{uid_domain}"
    assert ics.organizer_address()[1] == organizer
