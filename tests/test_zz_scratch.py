import re
import pytest
from support.auth import sign_in_session
pytestmark = pytest.mark.usefixtures("default_industries")

def text(html):
    html = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    t = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", t)

def test_show(client, make_mentor, staff):
    p = make_mentor(offers=("introduction","shadowing"), shadowing_location="Lyon", shadowing_description="Une journée")
    print("\nDIR:", text(client.get("/mentors", headers={"Accept-Language": "fr"}).get_data(as_text=True))[:3000])
    print("\nDETAIL:", text(client.get(f"/mentors/{p.id}", headers={"Accept-Language": "fr"}).get_data(as_text=True))[:3000])
    sign_in_session(client, p.user)
    print("\nEDIT:", text(client.get(f"/mentors/{p.id}/edit", headers={"Accept-Language": "fr"}).get_data(as_text=True))[:4000])
