"""The template environment: plain-dict globals and CareerLink's own gettext callables.

`web/templating.py` replaces two pieces of Jinja for speed (see its docstrings); these tests
hold them to what Jinja's own pieces do.
"""

from __future__ import annotations

from flask import render_template_string

from careerlink.i18n import speaking


def test_each_template_gets_its_globals_as_a_plain_dict(app):
    template = app.jinja_env.from_string("{{ site }}")
    assert type(template.globals) is dict
    assert template.globals["url_for"] is app.jinja_env.globals["url_for"]


def test_a_global_set_after_a_template_was_loaded_reaches_its_next_load(app):
    with app.test_request_context():
        app.jinja_env.globals["careerlink_test_value"] = "first"
        template = app.jinja_env.get_template("careerlink/_pagination.html")
        assert template.globals["careerlink_test_value"] == "first"
        app.jinja_env.globals["careerlink_test_value"] = "second"
        again = app.jinja_env.get_template("careerlink/_pagination.html")
        assert again is not template
        assert again.globals["careerlink_test_value"] == "second"
        del app.jinja_env.globals["careerlink_test_value"]
        assert (
            "careerlink_test_value"
            not in app.jinja_env.get_template("careerlink/_pagination.html").globals
        )


def test_gettext_formats_always_as_jinja_s_newstyle_does(app):
    with app.test_request_context():
        assert render_template_string("{{ _('100%% sure') }}") == "100% sure"
        assert render_template_string("{{ _('plain') }}") == "plain"
        assert (
            render_template_string("{{ _('Hello %(name)s,', name=name) }}", name="<b>Ann</b>")
            == "Hello &lt;b&gt;Ann&lt;/b&gt;,"
        )
        assert (
            render_template_string("{{ ngettext('%(num)d day', '%(num)d days', 3) }}") == "3 days"
        )
        assert (
            render_template_string(
                "{% trans count=1 %}{{ count }} day{% pluralize %}{{ count }} days{% endtrans %}"
            )
            == "1 day"
        )


def test_gettext_returns_safe_markup_only_where_autoescaping_is_on(app):
    with app.test_request_context():
        html = app.jinja_env.from_string(
            "{% autoescape true %}{{ _('a & b')|e }}{% endautoescape %}"
        )
        text = app.jinja_env.from_string(
            "{% autoescape false %}{{ _('Hello %(name)s,', name=name) }}{% endautoescape %}"
        )
        # Marked safe, the translated text is not escaped again; formatted outside autoescape,
        # a variable is written as it is.
        assert html.render() == "a & b"
        assert text.render(name="<b>") == "Hello <b>,"


def test_the_contexts_and_plurals_are_translated(app):
    with app.test_request_context(), speaking("fr"):
        # "To" of a class-year range: not the outbox's "Destinataire" (#15).
        range_to = render_template_string("{{ pgettext('the last class year of a range', 'To') }}")
        days = render_template_string("{{ ngettext('%(num)d day', '%(num)d days', 2) }}")
    assert range_to == "À"
    assert days == "2 jours"


def test_a_lazy_string_is_shown_without_being_compared(app):
    """`finalize` compares only str values with the stored deleted name (comparing a lazy
    string would translate it on every output)."""
    from careerlink.accounts.privacy import DELETED_LABEL

    calls = []

    class Watched:
        def __eq__(self, other):
            calls.append(other)
            return False

        def __str__(self):
            return "watched"

    with app.test_request_context():
        out = render_template_string(
            "{{ value }} {{ label }}", value=Watched(), label=DELETED_LABEL
        )
    assert out == "watched Deleted account"
    assert calls == []


# --- the site's frame, kept rendered (site_part) ------------------------------------------------


def _nav(html: str) -> str:
    return html.split('<ul class="nav-list">')[1].split("</ul>")[0]


def _signout_token(html: str) -> str:
    form = html.split('action="/signout"')[1]
    return form.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_each_kind_of_visitor_sees_its_own_header(app, make_user):
    from support.auth import sign_in_session

    from careerlink.permissions import Role

    student, staff = app.test_client(), app.test_client()
    sign_in_session(student, make_user(Role.STUDENT))
    sign_in_session(staff, make_user(Role.STAFF))
    for _ in range(2):  # rendered, then kept
        assert 'href="/staff/">Staff</a>' not in _nav(student.get("/").get_data(as_text=True))
        assert 'href="/staff/">Staff</a>' in _nav(staff.get("/").get_data(as_text=True))
    anonymous = _nav(app.test_client().get("/").get_data(as_text=True))
    assert 'href="/signin">Sign in</a>' in anonymous
    assert "Sign out" not in anonymous


def test_each_visitor_signs_out_with_their_own_token(app, make_user):
    from support.auth import sign_in_session

    from careerlink.permissions import Role

    first, second = app.test_client(), app.test_client()
    sign_in_session(first, make_user(Role.STUDENT))
    sign_in_session(second, make_user(Role.STUDENT))
    tokens = [_signout_token(c.get("/account").get_data(as_text=True)) for c in (first, second)]
    assert tokens[0] != tokens[1]
    # Each token is that visitor's: it signs them out.
    response = first.post("/signout", data={"csrf_token": tokens[0]})
    assert response.status_code == 302
    assert first.get("/account").status_code == 302  # signed out: sent to sign in
    assert second.get("/account").status_code == 200


def test_the_header_speaks_the_page_s_language_under_its_prefix(app, make_user):
    from support.auth import sign_in_session

    from careerlink.permissions import Role

    client = app.test_client()
    sign_in_session(client, make_user(Role.STUDENT))
    english = _nav(client.get("/").get_data(as_text=True))
    french = _nav(client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True))
    prefixed = _nav(client.get("/", base_url="http://localhost/careers").get_data(as_text=True))
    assert 'href="/account">Account</a>' in english
    assert 'href="/account">Compte</a>' in french
    assert 'href="/careers/account">Account</a>' in prefixed
