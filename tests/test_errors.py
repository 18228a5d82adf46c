"""Error pages in the site's style, never a stack trace; rate limits answer 429 kindly."""

from __future__ import annotations

from conftest import DEFAULT_PASSWORD


def test_404_page(client, db):
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    html = resp.get_data(as_text=True)
    assert "Page not found" in html and "careerlink.css" in html


def test_404_as_json_for_api_clients(client, db):
    resp = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    assert resp.get_json() == {
        "type": "about:blank",
        "title": "Page not found",
        "status": 404,
        "detail": "We could not find that page. Check the address.",
    }


def test_500_page_hides_the_trace(app, client, db, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "main.index", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    resp = client.get("/")
    assert resp.status_code == 500
    html = resp.get_data(as_text=True)
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_405_page(client, db):
    resp = client.get("/signout")
    assert resp.status_code == 405 and "cannot be done this way" in resp.get_data(as_text=True)


def test_sign_in_is_rate_limited(app, client, db, student):
    from careerlink.extensions import limiter

    limiter.enabled = True
    try:
        codes = [
            client.post(
                "/signin", data={"email": student.email, "password": "wrong password!"}
            ).status_code
            for _ in range(21)
        ]
        assert codes[:20] == [200] * 20
        assert codes[20] == 429
        resp = client.post("/signin", data={"email": student.email, "password": DEFAULT_PASSWORD})
        assert resp.status_code == 429
        assert "Too many attempts" in resp.get_data(as_text=True)
        assert client.get("/signin").status_code == 200  # reading the page is not limited
    finally:
        limiter.reset()
        limiter.enabled = False


def test_healthz(client, db):
    assert client.get("/healthz").get_json() == {"status": "ok"}
