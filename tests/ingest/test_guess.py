"""The mapping the upload screen offers first, from column names alone."""

from app.ingest.guess import guess_mapping


def test_standard_and_common_column_names_are_recognised():
    assert guess_mapping(["case:concept:name", "concept:name", "time:timestamp", "org:resource", "org:group"]) == {
        "case_id": "case:concept:name", "activity": "concept:name", "timestamp": "time:timestamp",
        "resource": "org:resource", "role": "org:group"}
    assert guess_mapping(["Case ID", "Activity", "Resource", "Complete Timestamp", "workgroup"]) == {
        "case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp", "resource": "Resource"}
    assert guess_mapping(["order_id", "EVENT", "Start Time", "End-Time", "agent", "team"]) == {
        "case_id": "order_id", "activity": "EVENT", "timestamp": "End-Time", "start_timestamp": "Start Time",
        "resource": "agent", "role": "team"}


def test_a_column_goes_to_one_field_and_unknown_names_to_none():
    assert guess_mapping(["start", "x"]) == {"start_timestamp": "start"}
    assert guess_mapping(["time"]) == {"timestamp": "time"}
    assert guess_mapping([]) == {}
