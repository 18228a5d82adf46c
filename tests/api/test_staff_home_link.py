from careerlink.permissions import Role


def test_staff_home_links_admins_to_the_api_page(client, db, make_user, sign_in):
    """Admins reach the API page from the staff home; staff who are not admins do not see it."""
    sign_in(make_user(Role.ADMIN, Role.STAFF))
    assert 'href="/staff/api">Manage the API</a>' in client.get("/staff/").get_data(as_text=True)


def test_staff_home_hides_the_api_link_from_staff(client, db, staff, sign_in):
    """Staff without the admin role see no link to a page they may not open."""
    sign_in(staff)
    assert "Manage the API" not in client.get("/staff/").get_data(as_text=True)
