"""Every sync configuration the README shows is one the API accepts, as written."""

import json
import re

from app.sync.connectors import validate
from app.sync.schemas import SyncConfigIn
from tests.conftest import ROOT


def examples() -> list[dict]:
    text = (ROOT / "README.md").read_text()
    section = text.split("### Scheduled sync jobs", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"\n((?:    .*\n)+)", section)
    return [json.loads(" ".join(line.strip() for line in block.splitlines())) for block in blocks
            if block.strip().startswith('{"connector"')]


def test_the_readmes_sync_examples_validate():
    found = examples()
    assert {(e["connector"], e["params"].get("preset")) for e in found} == {
        ("sql", None), ("files", None), ("http_json", "zendesk_ticket_events"), ("http_json", "jira_changelog"),
        ("http_json", "salesforce_case_history"), ("http_json", "servicenow_audit")}
    for example in found:
        config = SyncConfigIn(**example)
        validate(config.connector, config.params, config.credentials or {})
