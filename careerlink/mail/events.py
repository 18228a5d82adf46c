"""What each email is, in words: the label staff read in the outbox and the email previews."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# One label per email template (<event>_to_<audience>); a test holds every template to one.
# Lazy: read in the reader's language.
EMAIL_LABELS = {
    "alumni_invitation_to_alumnus": _l("Invitation to join, to an imported alumnus"),
    "alumni_reminder_to_alumnus": _l("Reminder of the invitation, to an imported alumnus"),
    "alumnus_paused_to_alumnus": _l("Profile paused after unanswered requests, to the alumnus"),
    "alumnus_paused_to_staff": _l("An alumnus was paused, to the career office"),
    "confirm_identity_link_to_user": _l("Confirming a campus sign-in link, to the person"),
    "feedback_requested_to_alumnus": _l("Feedback asked for, to the alumnus"),
    "feedback_requested_to_student": _l("Feedback asked for, to the student"),
    "identity_linked_to_user": _l("A campus sign-in was linked, to the person"),
    "interview_cancelled_to_both": _l("Informational interview cancelled, to both"),
    "interview_link_changed_to_both": _l("Interview video link changed, to both"),
    "interview_other_time_asked_to_alumnus": _l("Another interview time asked for, to the alumnus"),
    "interview_scheduled_to_both": _l("Informational interview scheduled, to both"),
    "interview_time_expired_to_alumnus": _l("Proposed interview time lapsed, to the alumnus"),
    "interview_time_expired_to_student": _l("Proposed interview time lapsed, to the student"),
    "interview_time_proposed_to_student": _l("Another interview time proposed, to the student"),
    "introduction_to_both": _l("Introduction, to the student and the alumnus"),
    "opening_approved_to_alumnus": _l("Opening approved, to the alumnus who posted it"),
    "opening_rejected_to_alumnus": _l("Opening not published, to the alumnus who posted it"),
    "opening_withdrawn_to_alumnus": _l("Opening withdrawn, to the alumnus who posted it"),
    "openings_digest_to_student": _l("Weekly openings digest, to the student"),
    "password_changed_to_user": _l("Password changed, to the person"),
    "profile_approved_to_alumnus": _l("Mentor profile approved, to the alumnus"),
    "profile_confirm_to_alumnus": _l("Asking whether the profile is current, to the alumnus"),
    "profile_rejected_to_alumnus": _l("Mentor profile not approved, to the alumnus"),
    "profile_unlisted_to_alumnus": _l("Mentor profile taken out of the directory, to the alumnus"),
    "referral_accepted_to_student": _l("Referral accepted, to the student"),
    "referral_passed_on_to_student": _l("Résumé passed on to the employer, to the student"),
    "request_closed_alumnus_left_to_student": _l(
        "Request closed because the alumnus left, to the student"
    ),
    "request_declined_by_alumnus_to_student": _l("Request declined by the alumnus, to the student"),
    "request_declined_by_staff_to_student": _l(
        "Request declined by the career office, to the student"
    ),
    "request_expired_to_student": _l("Request expired without an answer, to the student"),
    "request_needs_info_to_student": _l("More detail asked for, to the student"),
    "request_relayed_to_alumnus": _l("Request passed on, to the alumnus"),
    "request_relayed_to_student": _l("Request approved and passed on, to the student"),
    "request_reminder_to_alumnus": _l("Reminder of a request waiting, to the alumnus"),
    "request_withdrawn_to_alumnus": _l("Request withdrawn by the student, to the alumnus"),
    "reset_password_to_user": _l("Password reset link, to the person"),
    "resume_reviewed_to_student": _l("Résumé reviewed, to the student"),
    "shadowing_cancelled_to_both": _l("Shadowing day cancelled, to both"),
    "shadowing_scheduled_to_both": _l("Shadowing day scheduled, to both"),
    "signup_existing_to_user": _l("Sign-up with an address already registered, to the person"),
    "verify_email_to_user": _l("Email address verification link, to the person"),
}


def email_label(event: str, audience: str) -> str:
    """The label of the email `<event>_to_<audience>`, in the current language (else its name)."""
    name = f"{event}_to_{audience}"
    label = EMAIL_LABELS.get(name)
    return str(label) if label is not None else name
