"""Replay planning without Kafka: parsing, the resumable metadata, and plan resolution on a fake broker."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
from kafka.structs import OffsetAndMetadata

from streams.replay import (
    PartitionPlan,
    ReplayError,
    ReplayRequest,
    ReplaySummary,
    compute_plan,
    decode_metadata,
    encode_metadata,
    parse_offsets,
    parse_partitions,
    parse_time,
    render_plan,
)

T0 = datetime(2025, 11, 24, tzinfo=timezone.utc)
HOUR = 3_600_000


def test_parse_offsets_ranges_are_half_open_and_checked():
    assert parse_offsets(["0:100-200", " 1 : 0 - 50 ", "2:7-"]) == {0: (100, 200), 1: (0, 50), 2: (7, None)}
    for bad, words in [("0:100", "expected PARTITION:FROM-TO"), ("x:1-2", "expected"), ("0:5-1", "after to")]:
        with pytest.raises(ReplayError, match=words):
            parse_offsets([bad])
    with pytest.raises(ReplayError, match="twice"):
        parse_offsets(["0:1-2", "0:3-4"])


def test_parse_partitions_and_times():
    assert parse_partitions("0,2") == (0, 2)
    assert parse_partitions("3, 0-1") == (0, 1, 3)
    with pytest.raises(ReplayError):
        parse_partitions("a,b")
    assert parse_time("2025-11-24T00:00Z") == T0
    assert parse_time("2025-11-24T01:00+01:00") == T0
    with pytest.raises(ReplayError, match="timezone"):
        parse_time("2025-11-24T00:00")
    with pytest.raises(ReplayError, match="not a time"):
        parse_time("monday")


def test_request_needs_exactly_one_range_and_a_sane_order():
    with pytest.raises(ReplayError, match="exactly one range"):
        ReplayRequest.build("t")
    with pytest.raises(ReplayError, match="exactly one range"):
        ReplayRequest.build("t", everything=True, offsets=["0:1-2"])
    with pytest.raises(ReplayError, match="names its partitions"):
        ReplayRequest.build("t", offsets=["0:1-2"], partitions="0")
    with pytest.raises(ReplayError, match="is not before --to"):
        ReplayRequest.build("t", start="2025-11-25T00:00Z", end="2025-11-24T00:00Z")


def test_fingerprint_identifies_the_command_not_its_resolution():
    a = ReplayRequest.build("t", start="2025-11-24T00:00Z", end="2025-11-25T00:00Z")
    same = ReplayRequest.build("t", start="2025-11-24T01:00+01:00", end="2025-11-25T00:00Z")
    assert a.fingerprint() == same.fingerprint()
    others = [ReplayRequest.build("t", start="2025-11-24T00:00Z"), ReplayRequest.build("u", everything=True),
              ReplayRequest.build("t", everything=True), ReplayRequest.build("t", everything=True, partitions="0")]
    assert len({a.fingerprint(), *(o.fingerprint() for o in others)}) == 5


def test_metadata_round_trip_and_foreign_commits():
    text = encode_metadata("abc123", 10, 20)
    assert len(text) < 200  # far below the broker's offset.metadata.max.bytes (4096)
    assert decode_metadata(text) == {"wirestream-replay": 1, "req": "abc123", "start": 10, "end": 20}
    for foreign in (None, "", "faust", '{"start": 1}', "[1, 2]"):
        assert decode_metadata(foreign) is None


class FakeView:
    """Two partitions, ten records each, one per hour from T0; partition 1's log starts at offset 4."""

    bootstrap_servers = "fake:9092"

    def __init__(self, committed: dict[int, OffsetAndMetadata] | None = None, members: list | None = None):
        self._committed = committed or {}
        self._members = members or []
        self.begin = {0: 0, 1: 4}

    def partitions(self, topic):  # noqa: ANN001, ANN201
        return [0, 1] if topic == "t" else None

    def beginning(self, tps):  # noqa: ANN001, ANN201
        return {tp: self.begin[tp.partition] for tp in tps}

    def end(self, tps):  # noqa: ANN001, ANN201
        return {tp: 10 for tp in tps}

    def offsets_for_times(self, times):  # noqa: ANN001, ANN201
        found = {}
        for tp, ms in times.items():
            offset = max(self.begin[tp.partition], -(-(ms - int(T0.timestamp() * 1000)) // HOUR))
            found[tp] = (offset, int(T0.timestamp() * 1000) + offset * HOUR) if offset < 10 else None
        return found

    def max_timestamps(self, tps):  # noqa: ANN001, ANN201
        return {tp: int(T0.timestamp() * 1000) + 9 * HOUR for tp in tps}

    def committed(self, group, topic):  # noqa: ANN001, ANN201
        return dict(self._committed)

    def group(self, group):  # noqa: ANN001, ANN201
        return ("Stable" if self._members else "Empty"), list(self._members)


def _at(hours: int) -> str:
    return f"2025-11-24T{hours:02d}:00Z"


def test_time_range_resolves_per_partition_with_the_timestamp_index():
    request = ReplayRequest.build("t", start=_at(5), end=_at(8))
    plan = compute_plan(FakeView(), request, group="g", topic="t")
    assert [(p.partition, p.start, p.end, p.position, p.resumed) for p in plan.partitions] == [
        (0, 5, 8, 5, False), (1, 5, 8, 5, False)]
    assert plan.total == 6 and plan.remaining == 6
    text = render_plan(plan, rate=100.0, rate_origin="a sample")
    assert "partition 0: offsets 5 -> 8, 3 messages, 3 to do" in text and "total: 6 messages, 6 to do" in text
    assert "estimated time: 0:00 for 6 messages" in text


def test_retention_gap_and_empty_ranges_are_errors():
    with pytest.raises(ReplayError, match=r"partition 1 starts at offset 4 \(2025-11-24T04:00:00Z\)"):
        compute_plan(FakeView(), ReplayRequest.build("t", start=_at(2)), group="g", topic="t")
    with pytest.raises(ReplayError, match="no longer available; the earliest offset still held is 4"):
        compute_plan(FakeView(), ReplayRequest.build("t", offsets=["1:2-6"]), group="g", topic="t")
    with pytest.raises(ReplayError, match="no messages in the range"):
        compute_plan(FakeView(), ReplayRequest.build("t", start=_at(12)), group="g", topic="t")
    with pytest.raises(ReplayError, match=r"partition\(s\) 4 do not exist"):
        compute_plan(FakeView(), ReplayRequest.build("t", everything=True, partitions="0,4"), group="g", topic="t")
    with pytest.raises(ReplayError, match="does not exist"):
        compute_plan(FakeView(), ReplayRequest.build("u", everything=True), group="g", topic="u")


def test_same_command_resumes_from_the_commit_with_the_stored_end():
    request = ReplayRequest.build("t", everything=True, partitions="0")
    stored = {0: OffsetAndMetadata(7, encode_metadata(request.fingerprint(), 0, 9), -1)}  # end was 9 back then
    plan = compute_plan(FakeView(stored), request, group="g", topic="t")
    [part] = plan.partitions
    assert (part.start, part.end, part.position, part.resumed, part.remaining) == (0, 9, 7, True, 2)
    fresh = compute_plan(FakeView(stored), request, group="g", topic="t", restart=True)
    assert (fresh.partitions[0].end, fresh.partitions[0].position, fresh.partitions[0].resumed) == (10, 0, False)
    other = compute_plan(FakeView(stored), ReplayRequest.build("t", offsets=["0:1-3"]), group="g", topic="t")
    assert not other.resumed


def test_resume_without_a_range_uses_whatever_the_group_recorded():
    stored = {0: OffsetAndMetadata(3, encode_metadata("x", 2, 6), -1), 1: OffsetAndMetadata(10, "not ours", -1)}
    plan = compute_plan(FakeView(stored), None, group="g", topic="t")
    assert [(p.partition, p.start, p.end, p.position) for p in plan.partitions] == [(0, 2, 6, 3)]
    with pytest.raises(ReplayError, match="nothing to resume"):
        compute_plan(FakeView(), None, group="g", topic="t")


def test_rewind_plan_records_the_worker_group_offsets():
    committed = {0: OffsetAndMetadata(10, "", -1)}
    members = [{"client_id": "faust-0.15.3", "client_host": "/10.0.0.7", "member_id": "m-1"}]
    plan = compute_plan(FakeView(committed, members), ReplayRequest.build("t", start=_at(6)), group="w",
                        topic="t", mode="rewind")
    assert [(p.partition, p.start, p.group_offset) for p in plan.partitions] == [(0, 6, 10), (1, 6, None)]
    text = render_plan(plan)
    assert "worker group 10 -> 6: 4 to reprocess" in text and "worker group has no committed offset" in text
    assert "client id 'faust-0.15.3' on host 10.0.0.7 (member m-1)" in text


def test_partition_plan_and_summary_arithmetic():
    part = PartitionPlan(0, start=10, end=20, position=15, fingerprint="f")
    assert (part.count, part.remaining) == (10, 5)
    summary = ReplaySummary(processed=12, enriched=9, dead_lettered=Counter(bad_date=2, empty_body=1), superseded=0,
                            skipped=1, outputs=40, elapsed=3.0, busy=2.0)
    text = summary.render()
    assert "replayed 12 messages in 3.0 s (6/s once started)" in text
    assert "dead-lettered  3 (bad_date 2, empty_body 1)" in text and "skipped        1" in text


def test_help_lists_both_modes():
    from click.testing import CliRunner

    from streams.cli.main import cli

    result = CliRunner().invoke(cli, ["replay", "--help"])
    assert result.exit_code == 0 and "rewind" in result.output and "--resume" in result.output
