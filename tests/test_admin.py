"""Administration: industries (add, rename, merge, retire) and people (roles, access)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from careerlink.accounts.models import User, UserSession
from careerlink.audit import AuditAction, AuditEntry
from careerlink.database import transaction
from careerlink.errors import DomainError, InvalidTransition, NotAllowed
from careerlink.extensions import db as _db
from careerlink.mentors import search
from careerlink.mentors.models import Industry, MentorProfile
from careerlink.permissions import Role
from careerlink.staff.admin import services


def industry(slug: str) -> Industry | None:
    _db.session.expire_all()
    return _db.session.scalar(select(Industry).where(Industry.slug == slug))


def audited(action: AuditAction) -> list[tuple]:
    _db.session.expire_all()
    rows = _db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action.value).order_by(AuditEntry.id)
    )
    return [(e.actor_id, e.object_id, e.detail) for e in rows]


def slugs_of(profile: MentorProfile) -> list[str]:
    _db.session.expire_all()
    profile = _db.session.get(MentorProfile, profile.id)
    return sorted(i.slug for i in profile.industries)


def directory_ids(args: dict) -> list[int]:
    """Ids of the profiles the directory finds for these query arguments."""
    _db.session.expire_all()
    criteria, _notices = search.parse_criteria(args)
    return sorted(p.id for p in search.search_mentors(criteria).items)


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/industries", "/admin/people"])
def test_staff_who_are_not_admins_are_refused(client, sign_in, staff, path):
    sign_in(staff)
    assert client.get(path).status_code == 403


def test_services_refuse_non_admins(db, staff):
    with pytest.raises(NotAllowed), transaction():
        services.add_industry(staff, "Space")


# --- industries ---------------------------------------------------------------------------------


def test_add_an_industry_through_the_page(client, sign_in, admin):
    sign_in(admin)
    resp = client.post("/admin/industries/add", data={"name": "  Space   and aerospace "})
    assert resp.status_code == 302
    added = industry("space-and-aerospace")
    assert (added.name, added.active) == ("Space and aerospace", True)
    assert audited(AuditAction.INDUSTRY_ADDED) == [(admin.id, str(added.id), added.name)]


def test_adding_a_name_that_exists_is_refused_beside_the_field(client, sign_in, admin, db):
    with transaction():
        _db.session.add(Industry(slug="veterinary", name="Veterinary and animal care"))
    sign_in(admin)
    resp = client.post("/admin/industries/add", data={"name": "VETERINARY and animal care"})
    assert resp.status_code == 422
    assert "There is already an industry called “VETERINARY and animal care”." in resp.get_data(
        as_text=True
    )
    assert audited(AuditAction.INDUSTRY_ADDED) == []


def test_rename_keeps_the_slug_and_the_directory_finds_the_new_name(
    client, sign_in, admin, make_mentor
):
    mentor = make_mentor(industry="veterinary")
    vet = industry("veterinary")
    sign_in(admin)
    resp = client.post(f"/admin/industries/{vet.id}/rename", data={"name": "Zoological medicine"})
    assert resp.status_code == 302
    assert industry("veterinary").name == "Zoological medicine"
    assert directory_ids({"q": "zoological"}) == [mentor.id]
    assert audited(AuditAction.INDUSTRY_RENAMED) == [
        (admin.id, str(vet.id), "Veterinary and animal care → Zoological medicine")
    ]


def test_retire_and_bring_back(client, sign_in, admin, make_mentor):
    mentor = make_mentor(industry="veterinary")
    vet = industry("veterinary")
    sign_in(admin)
    client.post(f"/admin/industries/{vet.id}/active", data={"active": "0"})
    assert industry("veterinary").active is False
    assert slugs_of(mentor) == ["veterinary"]  # the profile keeps it
    page = client.post(
        f"/admin/industries/{vet.id}/active", data={"active": "0"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "“Veterinary and animal care” is already retired." in page
    client.post(f"/admin/industries/{vet.id}/active", data={"active": "1"})
    assert industry("veterinary").active is True
    assert [d for _, _, d in audited(AuditAction.INDUSTRY_RETIRED)] == [vet.name]
    assert [d for _, _, d in audited(AuditAction.INDUSTRY_REACTIVATED)] == [vet.name]


def test_merge_moves_profiles_once_and_deletes_the_source(
    client, sign_in, admin, make_mentor, make_request
):
    only_vet = make_mentor(industry="veterinary")
    both = make_mentor(industry=["veterinary", "healthcare"])
    req = make_request(mentor=only_vet, state="relayed")
    vet, health = industry("veterinary"), industry("healthcare")
    sign_in(admin)
    resp = client.post(
        "/admin/industries/merge", data={"source": str(vet.id), "target": str(health.id)}
    )
    assert resp.status_code == 302
    assert industry("veterinary") is None
    assert slugs_of(only_vet) == ["healthcare"]
    assert slugs_of(both) == ["healthcare"]
    # The directory's industry filter finds both under the merged industry.
    assert directory_ids({"industry": ["healthcare"]}) == sorted([only_vet.id, both.id])
    # The request still belongs to its alumnus, now counted under healthcare.
    kept = _db.session.get(type(req), req.id)
    assert (kept.alumnus_id, kept.state) == (only_vet.user_id, "relayed")
    # The industry stored on the request follows the merge (the source's row is gone).
    assert kept.industry_id == health.id
    assert audited(AuditAction.INDUSTRY_MERGED) == [
        (
            admin.id,
            str(health.id),
            "Veterinary and animal care (veterinary) → Healthcare and medicine: 2 profiles",
        )
    ]


def test_merging_an_industry_into_itself_changes_nothing(client, sign_in, admin, make_mentor):
    mentor = make_mentor(industry="veterinary")
    vet = industry("veterinary")
    sign_in(admin)
    resp = client.post(
        "/admin/industries/merge", data={"source": str(vet.id), "target": str(vet.id)}
    )
    assert resp.status_code == 422
    assert "Choose two different industries to merge." in resp.get_data(as_text=True)
    assert slugs_of(mentor) == ["veterinary"]
    assert audited(AuditAction.INDUSTRY_MERGED) == []


def test_merging_into_a_retired_industry_is_refused(db, admin, make_mentor):
    make_mentor(industry=["veterinary", "healthcare"])
    vet, health = industry("veterinary"), industry("healthcare")
    with transaction():
        services.set_industry_active(admin, health, False)
    with pytest.raises(DomainError, match="is retired; bring it back"), transaction():
        services.merge_industries(admin, vet, health)
    assert industry("veterinary") is not None


def test_merge_with_unknown_ids_is_a_clear_message(client, sign_in, admin):
    sign_in(admin)
    resp = client.post("/admin/industries/merge", data={"source": "999999", "target": "x"})
    assert resp.status_code == 422
    assert "Choose both industries from the lists." in resp.get_data(as_text=True)


# --- people -------------------------------------------------------------------------------------


def test_search_by_name_or_address_and_role(client, sign_in, admin, make_user):
    make_user(Role.STUDENT, name="Percy Pupil", email="percy@students.example.edu")
    make_user(Role.ALUMNUS, name="Alma Percival", email="alma@alumni.example.org")
    make_user(Role.STUDENT, name="Other Person", email="o@students.example.edu")
    sign_in(admin)
    page = client.get("/admin/people?q=perc").get_data(as_text=True)
    assert "<caption>2 people</caption>" in page
    page = client.get("/admin/people?q=perc&role=alumnus").get_data(as_text=True)
    assert "<caption>1 person</caption>" in page
    assert "Alma Percival" in page
    page = client.get("/admin/people?q=100%25").get_data(as_text=True)
    assert "Nobody matches." in page


def test_unknown_role_filter_is_a_400(client, sign_in, admin):
    sign_in(admin)
    resp = client.get("/admin/people?role=overlord")
    assert resp.status_code == 400
    assert "Choose a role from the list." in resp.get_data(as_text=True)


def test_person_page_shows_how_they_sign_in(client, sign_in, admin, student):
    sign_in(student)  # one live session
    sign_in(admin)
    page = client.get(f"/admin/people/{student.id}").get_data(as_text=True)
    assert "<dt>Signs in with</dt><dd>a password</dd>" in page
    assert "<dt>Signed-in browsers</dt><dd>1</dd>" in page


def test_grant_and_revoke_staff(client, sign_in, admin, student):
    sign_in(admin)
    client.post(f"/admin/people/{student.id}/roles/grant", data={"role": "staff"})
    _db.session.expire_all()
    assert _db.session.get(User, student.id).roles == {Role.STUDENT, Role.STAFF}
    client.post(f"/admin/people/{student.id}/roles/revoke", data={"role": "staff"})
    _db.session.expire_all()
    assert _db.session.get(User, student.id).roles == {Role.STUDENT}
    assert audited(AuditAction.ROLE_GRANTED) == [
        (admin.id, str(student.id), "staff; by an administrator")
    ]
    assert audited(AuditAction.ROLE_REVOKED) == [
        (admin.id, str(student.id), "staff; by an administrator")
    ]


def test_only_staff_and_admin_roles_are_managed_here(db, admin, student):
    with pytest.raises(DomainError, match="Choose staff or admin."), transaction():
        services.grant_role(admin, student, "alumnus")


def test_revoking_the_last_admin_is_refused(client, sign_in, admin):
    sign_in(admin)
    page = client.post(
        f"/admin/people/{admin.id}/roles/revoke", data={"role": "admin"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "Ada Admin is the last administrator; make someone else an administrator first." in page
    _db.session.expire_all()
    assert _db.session.get(User, admin.id).has_role(Role.ADMIN)
    assert audited(AuditAction.ROLE_REVOKED) == []


def test_a_second_admin_can_be_revoked(db, admin, make_user):
    other = make_user(Role.ADMIN, name="Other Admin")
    with transaction():
        services.revoke_role(admin, other, "admin")
    assert not other.has_role(Role.ADMIN)


def test_deactivate_signs_out_everywhere_and_reactivate(client, sign_in, admin, student):
    sign_in(student)
    sign_in(admin)
    client.post(f"/admin/people/{student.id}/active", data={"active": "0"})
    _db.session.expire_all()
    assert _db.session.get(User, student.id).active is False
    live = _db.session.scalars(
        select(UserSession).where(UserSession.user_id == student.id, UserSession.ended_at.is_(None))
    ).all()
    assert live == []
    client.post(f"/admin/people/{student.id}/active", data={"active": "1"})
    _db.session.expire_all()
    assert _db.session.get(User, student.id).active is True
    assert audited(AuditAction.ACCOUNT_DEACTIVATED) == [
        (admin.id, str(student.id), "1 sessions ended")
    ]
    assert [o for _, o, _ in audited(AuditAction.ACCOUNT_REACTIVATED)] == [str(student.id)]


def test_an_admin_cannot_deactivate_themselves(db, admin):
    with pytest.raises(DomainError, match="You cannot deactivate your own account."), transaction():
        services.set_person_active(admin, admin, False)


def test_deactivating_twice_is_a_clear_refusal(db, admin, student):
    with transaction():
        services.set_person_active(admin, student, False)
    with pytest.raises(InvalidTransition, match="is already deactivated."), transaction():
        services.set_person_active(admin, student, False)


@pytest.mark.parametrize("path", ["/admin/people/999999", "/admin/people/0"])
def test_unknown_person_is_404(client, sign_in, admin, path):
    sign_in(admin)
    assert client.get(path).status_code == 404


# --- email previews -----------------------------------------------------------------------------


def test_every_email_template_is_previewed(client, sign_in, admin):
    from careerlink.staff.admin.email_preview import EMAIL_DIR

    names = sorted(p.stem for p in EMAIL_DIR.glob("*_to_*.txt"))
    sign_in(admin)
    page = client.get("/admin/emails").get_data(as_text=True)
    assert f"<caption>{len(names)} emails</caption>" in page
    for name in names:
        resp = client.get(f"/admin/emails/{name}")
        assert resp.status_code == 200, name
        assert client.get(f"/admin/emails/{name}/html").status_code == 200, name


def test_a_preview_shows_the_sample_request_and_writes_nothing(client, sign_in, admin):
    from careerlink.mail.models import OutboxMessage

    sign_in(admin)
    page = client.get("/admin/emails/request_relayed_to_alumnus").get_data(as_text=True)
    assert (
        "<dt>Subject</dt><dd>Stella Student asks you for an introduction (via the career "
        "office)</dd>" in page
    )
    html = client.get("/admin/emails/request_relayed_to_alumnus/html")
    assert html.headers["Content-Security-Policy"].startswith("sandbox;")
    assert _db.session.scalar(select(OutboxMessage.id)) is None
    assert _db.session.scalar(select(User.id).where(User.email.like("%example.org"))) is None


@pytest.mark.parametrize("name", ["nope", "..%2F..%2Fbase", "_layout"])
def test_unknown_email_template_is_404(client, sign_in, admin, name):
    sign_in(admin)
    assert client.get(f"/admin/emails/{name}").status_code == 404


@pytest.mark.parametrize("value", [str(2**63), "-1", "0"])
def test_merge_with_ids_out_of_range_is_a_clear_message(client, sign_in, admin, value):
    sign_in(admin)
    resp = client.post("/admin/industries/merge", data={"source": value, "target": value})
    assert resp.status_code == 422
    assert "Choose both industries from the lists." in resp.get_data(as_text=True)


# --- industry names in other languages ----------------------------------------------------------


def directory_state() -> tuple[int, int]:
    """The directory's (data version, structure): what its caches are keyed by."""
    from careerlink.mentors.directory_index import DirectoryState

    _db.session.expire_all()
    row = _db.session.get(DirectoryState, 1)
    return row.version, row.structure


def test_admin_gives_an_industry_its_french_name(client, sign_in, admin, make_mentor):
    make_mentor(industry="veterinary")
    vet = industry("veterinary")
    before = directory_state()
    sign_in(admin)
    resp = client.post(
        f"/admin/industries/{vet.id}/translations", data={"name_fr": "  Soins   vétérinaires "}
    )
    assert resp.status_code == 302
    assert industry("veterinary").translations == {"fr": "Soins vétérinaires"}
    assert audited(AuditAction.INDUSTRY_TRANSLATED) == [
        (admin.id, str(vet.id), "Veterinary and animal care: fr: Soins vétérinaires")
    ]
    # Like a rename, the change moves the directory's caches on (both counters grow).
    after = directory_state()
    assert (after[0] > before[0], after[1] > before[1]) == (True, True)
    # The French name is what French readers see; English readers keep the English one.
    french = client.get("/admin/industries", headers={"Accept-Language": "fr"})
    assert 'value="Soins vétérinaires"' in french.get_data(as_text=True)
    assert "<td>Veterinary and animal care</td>" in french.get_data(as_text=True)


def test_an_empty_translation_removes_it_and_an_unchanged_one_is_refused(db, admin):
    with transaction():
        _db.session.add(Industry(slug="veterinary", name="Veterinary and animal care"))
    vet = industry("veterinary")
    with transaction():
        services.translate_industry(admin, vet, {"fr": "Santé animale"})
    with pytest.raises(DomainError, match="Those are already its names."), transaction():
        services.translate_industry(admin, industry("veterinary"), {"fr": " Santé  animale "})
    with transaction():
        services.translate_industry(admin, industry("veterinary"), {"fr": "   "})
    assert industry("veterinary").translations is None
    assert [d for _, _, d in audited(AuditAction.INDUSTRY_TRANSLATED)] == [
        "Veterinary and animal care: fr: Santé animale",
        "Veterinary and animal care: fr: removed",
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"fr": "x" * 121}, "Keep the name under 120 characters."),
        ({"en": "Vets"}, "en is not a language this site offers."),
        ({"de": "Tiermedizin"}, "de is not a language this site offers."),
    ],
)
def test_translations_are_bounded_to_the_offered_languages(db, admin, names, message):
    with transaction():
        _db.session.add(Industry(slug="veterinary", name="Veterinary and animal care"))
    with pytest.raises(DomainError) as refused, transaction():
        services.translate_industry(admin, industry("veterinary"), names)
    assert refused.value.message == message
    assert industry("veterinary").translations is None


def test_only_admins_translate_industries(client, sign_in, staff, db):
    with transaction():
        _db.session.add(Industry(slug="veterinary", name="Veterinary and animal care"))
    vet = industry("veterinary")
    with pytest.raises(NotAllowed), transaction():
        services.translate_industry(staff, vet, {"fr": "Santé animale"})
    sign_in(staff)
    resp = client.post(f"/admin/industries/{vet.id}/translations", data={"name_fr": "Santé"})
    assert resp.status_code == 403
    assert industry("veterinary").translations is None


def test_a_too_long_translation_is_flashed_not_a_server_error(client, sign_in, admin, db):
    with transaction():
        _db.session.add(Industry(slug="veterinary", name="Veterinary and animal care"))
    vet = industry("veterinary")
    sign_in(admin)
    resp = client.post(
        f"/admin/industries/{vet.id}/translations",
        data={"name_fr": "x" * 5000},
        follow_redirects=True,
    )
    assert resp.status_code == 200
    assert "Keep the name under 120 characters." in resp.get_data(as_text=True)
    assert industry("veterinary").translations is None
