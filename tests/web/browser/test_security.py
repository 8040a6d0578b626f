"""Every page honours the key as the API does: another workspace's key sees nothing of this one, a
read-only key sees no upload or edit control; data is text, never markup; the CSP is strict."""

import re
import time

import pytest

from app.web.pages import STATIC
from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.data import SCRIPT, key, small_blueprint

PAGES = ["/", "/upload", "/blueprints/new", "/blueprints/{id}", "/blueprints/{id}/lanes", "/blueprints/{id}/edit"]


@pytest.fixture(scope="module")
def owned(server) -> dict:
    return small_blueprint(server)


def test_another_workspaces_key_sees_nothing_on_any_page(page, server, owned):
    stranger = key(server, workspace="beta", scopes=["read", "ingest", "admin"])
    for path in PAGES:
        sign_in(page, server.url + path.format(id=owned["blueprint"]), stranger)
        text = page.inner_text("body")
        for secret in ("Secret service", "secret-source", "Order", "Confirm", "warehouse"):
            assert secret not in text, (path, secret)
        assert "Workspace beta" in text
        if "{id}" in path:
            assert page.inner_text("#status") == "Not found in this workspace.", path
        page.evaluate("() => sessionStorage.clear()")
    assert page.errors == []


def test_a_read_only_key_sees_no_upload_or_edit_control(page, server, owned):
    reader = key(server, workspace="alpha", scopes=["read"])
    bp = owned["blueprint"]
    sign_in(page, f"{server.url}/", reader)
    assert "Secret service" in page.inner_text("#blueprints")
    for label in ("Upload a log", "New blueprint"):
        assert page.get_by_role("link", name=label).count() == 0
    sign_in(page, f"{server.url}/blueprints/{bp}", reader)
    assert page.locator("#picture g.step").count() == 4
    assert page.get_by_role("link", name="Phases and assumptions").count() == 0
    sign_in(page, f"{server.url}/blueprints/{bp}/lanes", reader)
    assert page.locator("#rules li.rule").count() == 3
    for control in ("#save", "#add-rule", ".accept", "button:has-text('Remove')"):
        assert page.locator(control).count() == 0, control
    assert page.locator("#rules input:enabled, #rules select:enabled, #default-lane:enabled").count() == 0
    sign_in(page, f"{server.url}/upload", reader)
    assert page.locator("#upload-form, #file").count() == 0
    sign_in(page, f"{server.url}/blueprints/{bp}/edit", reader)
    assert page.locator("#save, #derived, #add-phase").count() == 0
    assert page.inner_text("#status") == "This key may read the definition but not change it."
    assert page.errors == []


def test_an_activity_named_like_a_script_shows_as_text(page, server, owned):
    bp = owned["blueprint"]
    sign_in(page, f"{server.url}/blueprints/{bp}", ADMIN)
    with api(server) as client:
        step = next(s for s in client.get(f"/v1/blueprints/{bp}/feed").json()["steps"] if s["activity"] == SCRIPT)
    card = page.locator(f"#picture #{step['id']}")
    assert card.locator("title").text_content() == SCRIPT
    assert card.locator("text.name").first.text_content() == "<script>alert(1)</scr…"
    assert page.locator("#picture script, #details script").count() == 0
    card.click()
    assert page.inner_text("#details h2") == SCRIPT
    assert page.locator("#segment-pick option", has_text="channel=<b>phone</b>").count() == 1
    sign_in(page, f"{server.url}/blueprints/{bp}/lanes", ADMIN)
    page.locator("#rules .count", has_text=SCRIPT).first.wait_for()
    assert page.errors == []  # no alert dialog, no script error


def test_pages_and_their_files_send_a_strict_content_security_policy(server, owned):
    with api(server) as client:
        for path in [*PAGES, *(f"/static/{p.relative_to(STATIC)}" for p in STATIC.rglob("*") if p.is_file())]:
            r = client.get(path.format(id=owned["blueprint"]))
            assert r.status_code == 200, path
            csp = r.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "script-src 'self';" in csp and "style-src 'self';" in csp
            assert "unsafe" not in csp and r.headers["x-content-type-options"] == "nosniff"
            if path.endswith(".html") or not path.startswith("/static"):
                assert not re.search(r"<script(?![^>]*\bsrc=)", r.text), path  # no inline script
                assert not re.search(r"\sstyle=|<style", r.text), path  # no inline style
                assert not re.search(r"\son[a-z]+=", r.text), path  # no inline handler
    for script in STATIC.rglob("*.js"):
        unsafe = r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\("
        assert not re.search(unsafe, script.read_text()), script


def test_a_synced_source_shows_its_freshness(page, server, owned, tmp_path):
    from tests.web.browser.data import CSV

    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "more.csv").write_text(CSV.replace("\n1,", "\n4,").replace("\n2,", "\n5,").replace("\n3,", "\n6,"))
    source = owned["source"]
    with api(server) as client:
        r = client.put(f"/v1/sources/{source}/sync", json={
            "connector": "files", "params": {"path": str(folder), "pattern": "*.csv", "settle_s": 0},
            "schedule": {"every_s": 3600}})
        assert r.status_code in (200, 201), r.text
        run = client.post(f"/v1/sources/{source}/sync/run").json()
        for _ in range(120):
            run = client.get(f"/v1/sync/runs/{run['id']}").json()
            if run["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.5)
        assert run["status"] == "succeeded", run
    sign_in(page, f"{server.url}/blueprints/{owned['blueprint']}", ADMIN)
    text = page.inner_text("#sources")
    assert "synced" in text and "ago" in text and "next run in" in text, text
