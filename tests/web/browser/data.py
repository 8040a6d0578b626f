"""Small data sets made through the API for the browser tests, and keys of other scopes and workspaces."""

from app.auth import service as auth
from app.db import transaction
from tests.web.browser.conftest import api

SCRIPT = "<script>alert(1)</script>"
# Three cases: a customer orders, an agent confirms, the warehouse ships; one activity is named like
# a script, and an attribute value too.
CSV = ("case,activity,time,role,channel\n"
       "1,Order,2024-01-05 10:00:00,customer,web\n1,Confirm,2024-01-05 11:00:00,agent,\n"
       "1,Ship,2024-01-06 10:00:00,warehouse,\n"
       "2,Order,2024-02-05 10:00:00,customer,<b>phone</b>\n2,Confirm,2024-02-05 10:30:00,agent,\n"
       f"2,{SCRIPT},2024-02-06 09:00:00,agent,\n2,Ship,2024-02-07 10:00:00,warehouse,\n"
       "3,Order,2024-03-05 10:00:00,customer,web\n3,Confirm,2024-03-05 12:00:00,agent,\n"
       "3,Ship,2024-03-06 10:00:00,warehouse,\n")
LANES = {"rules": [{"lane": "customer", "match": {"role": "customer"}},
                   {"lane": "frontstage", "match": {"role": "agent"}, "evidence": "confirmation email"},
                   {"lane": "backstage", "match": {"role": "warehouse"}}]}


def small_blueprint(server, name: str = "Secret service") -> dict:
    """A source 'secret-source' with the CSV above and a blueprint over it, in workspace alpha."""
    with api(server) as client:
        source = client.post("/v1/sources", json={"name": "secret-source", "system": "crm", "mapping": {
            "case_id": "case", "activity": "activity", "timestamp": "time", "role": "role"}}).json()
        r = client.post(f"/v1/sources/{source['id']}/uploads", files={"file": ("log.csv", CSV.encode())})
        assert r.status_code == 201, r.text
        bp = client.post("/v1/blueprints", json={"name": name, "sources": [source["id"]], "lanes": LANES}).json()
    return {"source": source["id"], "blueprint": bp["id"]}


def key(server, *, workspace: str, scopes: list[str]) -> str:
    with transaction(server.app.state.session_factory) as session:
        return auth.create_key(session, workspace=workspace, scopes=scopes)
