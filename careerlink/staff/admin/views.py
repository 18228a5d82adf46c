"""Administration pages (admins only): industries, people, programme settings, email previews."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from careerlink import programme
from careerlink.accounts.forms import ConfirmForm
from careerlink.accounts.models import User
from careerlink.accounts.signin import signed_in_user
from careerlink.errors import DomainError
from careerlink.extensions import db
from careerlink.pagination import paginate
from careerlink.permissions import Role, role_required
from careerlink.staff.admin import email_preview, services
from careerlink.staff.admin.forms import (
    ActiveForm,
    IndustryNameForm,
    IndustryTranslationsForm,
    MergeForm,
    RoleForm,
)
from careerlink.staff.admin.services import NAME_MAX
from careerlink.web.actions import found, perform, show_error

bp = Blueprint("admin", __name__)

PAGE_SIZE = 50


def _me() -> User:
    return signed_in_user()


def _flag(form) -> bool | None:
    """The form's yes/no `active` value, or None when it is neither."""
    return {"1": True, "0": False}.get(form.active.data or "")


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """What an administrator can manage."""
    return render_template("careerlink/admin/index.html")


def _industries_page(add_form=None, merge_form=None, status=200):
    rows = services.industry_rows()
    merge_form = merge_form or MergeForm(formdata=None)
    merge_form.source.choices = [(r.industry.id, r.industry.label) for r in rows]
    merge_form.target.choices = [
        (r.industry.id, r.industry.label) for r in rows if r.industry.active
    ]
    return render_template(
        "careerlink/admin/industries.html",
        rows=rows,
        add_form=add_form or IndustryNameForm(formdata=None),
        merge_form=merge_form,
        rename_form=IndustryNameForm(formdata=None),
        active_form=ActiveForm(formdata=None),
        languages=services.translatable_languages(),
    ), status


@bp.route("/industries")
@role_required(Role.ADMIN)
def industries():
    """Every industry with its profiles: add, rename, merge, retire."""
    return _industries_page()


@bp.route("/industries/add", methods=["POST"])
@role_required(Role.ADMIN)
def add_industry():
    """Add an industry."""
    form = IndustryNameForm()
    if form.validate_on_submit():
        done = perform(
            lambda: services.add_industry(_me(), form.name.data),
            _("“%(name)s” is added.", name=" ".join((form.name.data or "").split())),
            form=form,
        )
        if done:
            return redirect(url_for("admin.industries"))
    return _industries_page(add_form=form, status=422)


def _industry(industry_id: int):
    return found(services.get_industry(industry_id))


@bp.route("/industries/<int:industry_id>/rename", methods=["POST"])
@role_required(Role.ADMIN)
def rename_industry(industry_id: int):
    """Rename an industry (its address name stays)."""
    industry = _industry(industry_id)
    form = IndustryNameForm()
    if form.validate_on_submit():
        perform(
            lambda: services.rename_industry(_me(), industry, form.name.data),
            _("The industry is renamed."),
        )
    else:
        flash(_("Write the new name (up to %(num)d characters).", num=NAME_MAX), "error")
    return redirect(url_for("admin.industries"))


@bp.route("/industries/<int:industry_id>/translations", methods=["POST"])
@role_required(Role.ADMIN)
def translate_industry(industry_id: int):
    """Store an industry's name in the other offered languages (an empty one is removed)."""
    industry = _industry(industry_id)
    form = IndustryTranslationsForm()
    if form.validate_on_submit():
        # Only the offered languages' fields are read; any other field is ignored.
        names = {
            code: request.form.get(f"name_{code}", "")[: NAME_MAX * 4]
            for code in services.translatable_languages()
            if f"name_{code}" in request.form
        }
        perform(
            lambda: services.translate_industry(_me(), industry, names),
            _("The names of “%(name)s” in other languages are saved.", name=industry.label),
        )
    return redirect(url_for("admin.industries"))


@bp.route("/industries/<int:industry_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def set_industry_active(industry_id: int):
    """Retire an industry, or bring it back."""
    industry = _industry(industry_id)
    form = ActiveForm()
    active = _flag(form)
    if form.validate_on_submit() and active is not None:
        perform(
            lambda: services.set_industry_active(_me(), industry, active),
            _("“%(name)s” is back in use.", name=industry.label)
            if active
            else _("“%(name)s” is retired.", name=industry.label),
        )
    return redirect(url_for("admin.industries"))


@bp.route("/industries/merge", methods=["POST"])
@role_required(Role.ADMIN)
def merge_industries():
    """Merge one industry into another; the first disappears."""
    form = MergeForm()
    if form.validate_on_submit():
        source = services.get_industry(form.source.data or 0)
        target = services.get_industry(form.target.data or 0)
        if source is None or target is None:
            flash(_("Choose both industries from the lists."), "error")
        else:
            done = perform(
                lambda: services.merge_industries(_me(), source, target),
                _(
                    "“%(source)s” is merged into “%(target)s”.",
                    source=source.label,
                    target=target.label,
                ),
                form=form,
            )
            if done:
                return redirect(url_for("admin.industries"))
    else:
        flash(_("Choose both industries from the lists."), "error")
    return _industries_page(merge_form=form, status=422)


@bp.route("/people")
@role_required(Role.ADMIN)
def people():
    """Search people by name or address, and by role."""
    text, role = request.args.get("q", "")[:200], request.args.get("role", "")[:20]
    try:
        stmt = services.people_query(text, role)
    except DomainError as err:
        show_error(None, err)
        return render_template(
            "careerlink/admin/people.html", pagination=None, q=text, role=role, roles=list(Role)
        ), 400
    pagination = paginate(stmt, request.args.get("page"), PAGE_SIZE)
    return render_template(
        "careerlink/admin/people.html", pagination=pagination, q=text, role=role, roles=list(Role)
    )


def _person(user_id: int) -> User:
    return found(db.session.get(User, user_id))


@bp.route("/people/<int:user_id>")
@role_required(Role.ADMIN)
def person(user_id: int):
    """One person: roles, how they sign in, and access."""
    user = _person(user_id)
    return render_template(
        "careerlink/admin/person.html",
        person=user,
        methods=services.sign_in_methods(user),
        role_form=RoleForm(formdata=None),
        active_form=ActiveForm(formdata=None),
        admin_roles=services.ADMIN_ROLES,
    )


@bp.route("/people/<int:user_id>/roles/grant", methods=["POST"])
@role_required(Role.ADMIN)
def grant_role(user_id: int):
    """Give the staff or admin role."""
    user = _person(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        perform(
            lambda: services.grant_role(_me(), user, form.role.data),
            _("%(name)s is now admin.", name=user.display_name)
            if form.role.data == Role.ADMIN.value
            else _("%(name)s is now staff.", name=user.display_name),
        )
    return redirect(url_for("admin.person", user_id=user_id))


@bp.route("/people/<int:user_id>/roles/revoke", methods=["POST"])
@role_required(Role.ADMIN)
def revoke_role(user_id: int):
    """Take the staff or admin role away."""
    user = _person(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        perform(
            lambda: services.revoke_role(_me(), user, form.role.data),
            _("%(name)s is no longer admin.", name=user.display_name)
            if form.role.data == Role.ADMIN.value
            else _("%(name)s is no longer staff.", name=user.display_name),
        )
    return redirect(url_for("admin.person", user_id=user_id))


@bp.route("/people/<int:user_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def set_person_active(user_id: int):
    """Deactivate an account (signed out everywhere) or reactivate it."""
    user = _person(user_id)
    form = ActiveForm()
    active = _flag(form)
    if form.validate_on_submit() and active is not None:
        perform(
            lambda: services.set_person_active(_me(), user, active),
            _("%(name)s is reactivated.", name=user.display_name)
            if active
            else _("%(name)s is deactivated.", name=user.display_name),
        )
    return redirect(url_for("admin.person", user_id=user_id))


def _settings_page(errors=None, given=None, status=200):
    return render_template(
        "careerlink/admin/settings.html",
        states=services.setting_states(),
        errors=errors or {},
        given=given or {},
        form=ConfirmForm(formdata=None),
    ), status


@bp.route("/settings")
@role_required(Role.ADMIN)
def settings():
    """The programme settings: the value in force of each, and whether it is the default."""
    return _settings_page()


@bp.route("/settings", methods=["POST"])
@role_required(Role.ADMIN)
def update_settings():
    """Store the changed settings (all or none: one wrong value changes nothing)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.settings"))
    given = {name: request.form[name] for name in programme.SETTINGS if name in request.form}
    done = perform(lambda: services.update_settings(_me(), given))
    if done:
        changed = done.value
        flash(
            _(
                "Saved: %(names)s.",
                names=", ".join(str(programme.SETTINGS[n].label) for n in changed),
            )
            if changed
            else _("Nothing changed."),
            "success" if changed else "info",
        )
        return redirect(url_for("admin.settings"))
    errors = {done.error.field: done.error.message} if done.error.field else {}
    return _settings_page(errors=errors, given=given, status=422)


@bp.route("/emails")
@role_required(Role.ADMIN)
def emails():
    """Every email the application sends, each with its subject rendered from sample data."""
    rows = [(t, email_preview.render(t)[0]) for t in email_preview.templates()]
    return render_template("careerlink/admin/emails.html", rows=rows)


@bp.route("/emails/<name>")
@role_required(Role.ADMIN)
def email(name: str):
    """One email's subject and text part, rendered with sample data."""
    template = email_preview.find(name)
    subject, text, _html = email_preview.render(template)
    return render_template(
        "careerlink/admin/email.html", template=template, subject=subject, text=text
    )


# The preview's HTML is the email's own document: its inline styles may apply, nothing else.
EMAIL_PREVIEW_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"


@bp.route("/emails/<name>/html")
@role_required(Role.ADMIN)
def email_html(name: str):
    """One email's HTML part as the recipient's mail program would show it."""
    _subject, _text, html = email_preview.render(email_preview.find(name))
    return (
        html,
        200,
        {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": EMAIL_PREVIEW_CSP,
        },
    )
