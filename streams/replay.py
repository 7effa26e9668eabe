"""Backlog replay: reprocess a range of a source topic with the current pipeline.

Two ways, both driven by ``wirestream replay`` (:mod:`streams.cli.replay`):

``consumer`` (the default)
    A separate consumer group (``<app_id>-replay`` unless told otherwise) reads the range and runs
    every message through :meth:`streams.pipeline.Pipeline.process` with ``replay=True`` (the worker's
    exact code path), publishing the outputs with a kafka-python producer. The live worker and its
    committed offsets are not touched. Outputs say they are replays (``replay: true`` and the header
    ``wirestream-replay: 1``) and carry the same deterministic ``event_id``s as the first run.

``rewind``
    The worker group's committed offsets (group = app id) are moved back to the start of the range, and
    the workers reprocess from there when they next start. Only allowed while the group has no active
    members; the offsets never move forward.

Interrupt safety (consumer mode): the plan, i.e. the range ``[start, end)`` of every partition, is stored
in the commit metadata of the replay group's offsets before anything is processed. Offsets are
committed only after the outputs of the messages before them are acknowledged by the broker
(``acks=all``). A run that is interrupted or killed is resumed, exactly where its last commit left it,
by ``wirestream replay --resume`` or by running the same command again. Messages whose outputs were
sent but whose commit did not happen (at most one batch) are processed and published again on
resume; their outputs are identical except ``processed_at``.

Everything here is plain functions over kafka-python clients so the pieces can be tested one at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import OffsetSpec
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from streams.cli.progress import Progress
from streams.pipeline import Outcome, Pipeline, SourceRecord, batched
from streams.settings import Settings

log = logging.getLogger("wirestream.replay")

SAMPLES = Path(__file__).parent / "samples" / "stories.jsonl"
METADATA_KEY = "wirestream-replay"
DEFAULT_BATCH = 1000
# Stories enriched together (Pipeline.process_many), as the worker does but more at a time: a replay
# has no latency to keep. One replay process measured 643-661 stories/s (1.66-1.72 CPU s per 1,000)
# in batches of 256, against 567-584 (1.80-1.82) in the worker's 32, while the progress line still
# moves several times a second.
ENRICH_BATCH = 256
# Pipeline.process CPU time / a replay's CPU time per story, measured by bench/replay.py (1.7-1.8 s per
# 1000 stories for the pipeline alone, 2.4-2.8 s for a replay with kafka-python and crc32c).
KAFKA_EFFICIENCY = 0.75
_FETCH_MAX_BYTES = 64 * 1_048_576
_PARTITION_FETCH_BYTES = 16 * 1_048_576


class ReplayError(Exception):
    """A problem the operator must fix (bad range, unknown topic, busy group...); the message says how."""


# -- the request ---------------------------------------------------------------------------------
def parse_time(value: str) -> datetime:
    """``2025-11-24T00:00Z`` or any ISO 8601 time with a timezone."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ReplayError(f"not a time: {value!r} (expected ISO 8601, e.g. 2025-11-24T00:00Z)") from None
    if parsed.tzinfo is None:
        raise ReplayError(f"give a timezone in {value!r}, e.g. 2025-11-24T00:00Z")
    return parsed


_OFFSETS_RE = re.compile(r"^\s*(\d+)\s*:\s*(\d+)\s*-\s*(\d*)\s*$")


def parse_offsets(specs: Iterable[str]) -> dict[int, tuple[int, int | None]]:
    """``["0:100-200", "1:0-"]`` -> ``{0: (100, 200), 1: (0, None)}``; ranges are half-open."""
    ranges: dict[int, tuple[int, int | None]] = {}
    for spec in specs:
        match = _OFFSETS_RE.match(spec)
        if not match:
            raise ReplayError(f"--offsets {spec!r}: expected PARTITION:FROM-TO, e.g. 0:100-200 (TO may be left "
                              "out for the current end)")
        partition, start, end = int(match[1]), int(match[2]), int(match[3]) if match[3] else None
        if partition in ranges:
            raise ReplayError(f"--offsets names partition {partition} twice")
        if end is not None and start > end:
            raise ReplayError(f"--offsets {spec.strip()}: from ({start}) is after to ({end})")
        ranges[partition] = (start, end)
    return ranges


def parse_partitions(value: str) -> tuple[int, ...]:
    """``"0,2"`` or ``"0-3"`` or ``"0,2-3"`` -> sorted partition numbers."""
    found: set[int] = set()
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        low, dash, high = part.partition("-")
        try:
            found.update(range(int(low), int(high) + 1) if dash else [int(low)])
        except ValueError:
            raise ReplayError(f"--partitions {value!r}: expected numbers such as 0,2 or 0-3") from None
    if not found:
        raise ReplayError(f"--partitions {value!r} names no partition")
    return tuple(sorted(found))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(ms: int | None) -> str:
    if ms is None or ms < 0:
        return "?"
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class ReplayRequest:
    """What the operator asked for: one of a time range, per-partition offsets, or everything."""

    topic: str
    start_time: datetime | None = None
    end_time: datetime | None = None
    offsets: tuple[tuple[int, int, int | None], ...] = ()  # (partition, start, end or None)
    everything: bool = False
    partitions: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        kinds = sum([self.start_time is not None or self.end_time is not None, bool(self.offsets), self.everything])
        if kinds != 1:
            raise ReplayError("give exactly one range: --from/--to, --offsets or --all")
        if self.offsets and self.partitions is not None:
            raise ReplayError("--offsets already names its partitions; leave out --partitions")
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            raise ReplayError(f"--from {self.start_time.isoformat()} is not before --to {self.end_time.isoformat()}")

    @classmethod
    def build(cls, topic: str, *, start: str | None = None, end: str | None = None, offsets: Iterable[str] = (),
              everything: bool = False, partitions: str | None = None) -> "ReplayRequest":
        ranges = parse_offsets(offsets)
        return cls(topic=topic, start_time=parse_time(start) if start else None,
                   end_time=parse_time(end) if end else None,
                   offsets=tuple((p, s, e) for p, (s, e) in sorted(ranges.items())), everything=everything,
                   partitions=parse_partitions(partitions) if partitions else None)

    def fingerprint(self) -> str:
        """Identifies the request (not its resolved offsets), so re-running the same command resumes."""
        doc = {"topic": self.topic, "all": self.everything, "offsets": [list(o) for o in self.offsets],
               "from": _ms(self.start_time) if self.start_time else None,
               "to": _ms(self.end_time) if self.end_time else None, "partitions": self.partitions}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:12]

    def describe(self) -> str:
        if self.everything:
            what = "everything"
        elif self.offsets:
            what = "offsets " + " ".join(f"{p}:{s}-{'' if e is None else e}" for p, s, e in self.offsets)
        else:
            low = self.start_time.isoformat() if self.start_time else "the beginning"
            high = self.end_time.isoformat() if self.end_time else "now"
            what = f"{low} .. {high}"
        parts = f" partitions {','.join(map(str, self.partitions))}" if self.partitions else ""
        return f"{self.topic}{parts}, {what}"


# -- the commit metadata that makes a replay resumable -------------------------------------------
def encode_metadata(fingerprint: str, start: int, end: int) -> str:
    return json.dumps({METADATA_KEY: 1, "req": fingerprint, "start": start, "end": end}, separators=(",", ":"))


def decode_metadata(text: str | None) -> dict | None:
    """The stored range of a partition, or None when the commit is not one of ours."""
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get(METADATA_KEY) != 1:
        return None
    if not all(isinstance(doc.get(k), int) for k in ("start", "end")) or not isinstance(doc.get("req"), str):
        return None
    return doc


# -- the broker, as far as planning needs it ----------------------------------------------------
class BrokerView:
    """Offsets, timestamps, committed offsets and group members, through kafka-python."""

    def __init__(self, bootstrap_servers: str, *, isolation_level: str = "read_uncommitted") -> None:
        self.bootstrap_servers = bootstrap_servers
        self.consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers, group_id=None, enable_auto_commit=False,
                                      allow_auto_create_topics=False, isolation_level=isolation_level,
                                      client_id="wirestream-replay-plan", request_timeout_ms=30000)
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="wirestream-replay-admin",
                                      request_timeout_ms=30000)

    def close(self) -> None:
        self.consumer.close(autocommit=False)
        self.admin.close()

    def __enter__(self) -> "BrokerView":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def partitions(self, topic: str) -> list[int] | None:
        if topic not in self.consumer.topics():
            return None
        return sorted(self.consumer.partitions_for_topic(topic) or ())

    def beginning(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return self.consumer.beginning_offsets(tps)

    def end(self, tps: list[TopicPartition]) -> dict[TopicPartition, int]:
        return self.consumer.end_offsets(tps)

    def offsets_for_times(self, times: dict[TopicPartition, int]) -> dict[TopicPartition, tuple[int, int] | None]:
        found = self.consumer.offsets_for_times(dict(times))
        return {tp: (value.offset, value.timestamp) if value is not None else None for tp, value in found.items()}

    def max_timestamps(self, tps: list[TopicPartition]) -> dict[TopicPartition, int | None]:
        try:
            found = self.admin.list_partition_offsets({tp: OffsetSpec.MAX_TIMESTAMP for tp in tps})
        except KafkaError:
            return {tp: None for tp in tps}
        return {tp: (found[tp].timestamp if tp in found and found[tp].offset >= 0 else None) for tp in tps}

    def committed(self, group: str, topic: str) -> dict[int, OffsetAndMetadata]:
        offsets = self.admin.list_group_offsets({group: None}).get(group, {})
        return {tp.partition: oam for tp, oam in offsets.items() if tp.topic == topic and oam.offset >= 0}

    def group(self, group: str) -> tuple[str, list[dict]]:
        """(state, members) of a consumer group; ("Dead", []) when it does not exist."""
        described = self.admin.describe_groups([group]).get(group) or {}
        return described.get("group_state") or "Dead", list(described.get("members") or [])

    def alter_offsets(self, group: str, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        results = self.admin.alter_group_offsets(group, offsets)
        failed = {tp.partition: error.__name__ for tp, error in results.items() if error.__name__ != "NoError"}
        if failed:
            raise ReplayError(f"the broker refused to set the offsets of group {group!r}: {failed} (is the group "
                              "active? stop its members and retry)")


def describe_members(members: list[dict]) -> str:
    return "; ".join(f"client id {m.get('client_id')!r} on host {str(m.get('client_host', '?')).lstrip('/')} "
                     f"(member {m.get('member_id')})" for m in members)


def describe_available(view: BrokerView, topic: str, partitions: list[int]) -> str:
    """What a topic still holds per partition: offsets and the timestamps at both ends."""
    tps = [TopicPartition(topic, p) for p in partitions]
    begin, end = view.beginning(tps), view.end(tps)
    first = view.offsets_for_times({tp: 0 for tp in tps if end[tp] > begin[tp]})
    last = view.max_timestamps([tp for tp in tps if end[tp] > begin[tp]])
    lines = []
    for tp in tps:
        if end[tp] <= begin[tp]:
            lines.append(f"  partition {tp.partition}: empty (next offset {end[tp]})")
        else:
            first_ts = first.get(tp)[1] if first.get(tp) else None
            lines.append(f"  partition {tp.partition}: offsets {begin[tp]} -> {end[tp]} "
                         f"({end[tp] - begin[tp]} messages), {_iso(first_ts)} .. {_iso(last.get(tp))}")
    return "\n".join(lines)


# -- the plan ------------------------------------------------------------------------------------
@dataclass
class PartitionPlan:
    partition: int
    start: int  # first offset of the range
    end: int  # one past the last offset of the range (Kafka's "end offset")
    position: int  # where processing (re)starts: start, or the committed offset of an interrupted run
    fingerprint: str
    resumed: bool = False
    # rewind mode: the worker group's committed offset before the rewind (None: never committed)
    group_offset: int | None = None

    @property
    def count(self) -> int:
        return self.end - self.start

    @property
    def remaining(self) -> int:
        return max(0, self.end - max(self.position, self.start))

    @property
    def metadata(self) -> str:
        return encode_metadata(self.fingerprint, self.start, self.end)


@dataclass
class ReplayPlan:
    topic: str
    group: str
    mode: str
    description: str
    partitions: list[PartitionPlan]
    notes: list[str] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)  # active members of the group involved

    @property
    def total(self) -> int:
        return sum(p.count for p in self.partitions)

    @property
    def remaining(self) -> int:
        return sum(p.remaining for p in self.partitions)

    @property
    def resumed(self) -> bool:
        return any(p.resumed for p in self.partitions)

    # rewind mode: what the worker will process again
    def rewinds(self) -> list[PartitionPlan]:
        return [p for p in self.partitions if p.group_offset is not None and p.group_offset > p.start]


def _resolve(view: BrokerView, request: ReplayRequest, partitions: list[int],
             begin: dict[TopicPartition, int], end: dict[TopicPartition, int]) -> dict[int, tuple[int, int]]:
    """Request -> {partition: (start, end)} with every bad range turned into a clear error."""
    topic = request.topic
    tps = {p: TopicPartition(topic, p) for p in partitions}
    if request.offsets:
        ranges = {}
        for p, low, high in request.offsets:
            tp = tps[p]
            high = end[tp] if high is None else high
            if low < begin[tp]:
                raise ReplayError(f"partition {p}: offset {low} is no longer available; the earliest offset still "
                                  f"held is {begin[tp]} (older messages were deleted by retention). Available:\n"
                                  + describe_available(view, topic, [p]))
            if high > end[tp]:
                raise ReplayError(f"partition {p}: offset {high} is past the end of the partition (its next offset "
                                  f"is {end[tp]}). Available:\n" + describe_available(view, topic, [p]))
            if low > high:
                raise ReplayError(f"partition {p}: from ({low}) is after to ({high})")
            ranges[p] = (low, high)
        return ranges
    if request.everything:
        return {p: (begin[tps[p]], end[tps[p]]) for p in partitions}

    ranges = {}
    low_ms = _ms(request.start_time) if request.start_time else None
    high_ms = _ms(request.end_time) if request.end_time else None
    lows = view.offsets_for_times({tps[p]: low_ms for p in partitions}) if low_ms is not None else {}
    highs = view.offsets_for_times({tps[p]: high_ms for p in partitions}) if high_ms is not None else {}
    earliest = view.offsets_for_times({tps[p]: 0 for p in partitions if end[tps[p]] > begin[tps[p]]})
    lost = []
    for p in partitions:
        tp = tps[p]
        low = begin[tp] if low_ms is None else (lows[tp][0] if lows.get(tp) else end[tp])
        high = end[tp] if high_ms is None else (highs[tp][0] if highs.get(tp) else end[tp])
        ranges[p] = (low, max(low, high))
        first = earliest.get(tp)
        # Retention has deleted the start of the partition (the log no longer starts at 0) and what is
        # left starts after --from: part of the range is gone, which the operator must know.
        if low_ms is not None and begin[tp] > 0 and first is not None and first[1] > low_ms:
            lost.append((p, first))
    if lost:
        where = ", ".join(f"partition {p} starts at offset {o} ({_iso(ts)})" for p, (o, ts) in lost)
        newest = max(ts for _, (_, ts) in lost)
        raise ReplayError(
            f"--from {_iso(low_ms)} is before the earliest record still available: {where}; older messages were "
            f"deleted by retention and cannot be replayed. Replay from {_iso(newest)} or later "
            f"(e.g. --from {_iso(newest)}) to accept the gap. Available:\n"
            + describe_available(view, topic, partitions))
    return ranges


def compute_plan(view: BrokerView, request: ReplayRequest | None, *, group: str, topic: str,
                 mode: str = "consumer", restart: bool = False) -> ReplayPlan:
    """Resolve a request into per-partition offset ranges, picking up an interrupted run of it.

    ``request=None`` means ``--resume``: the ranges come from the replay group's commit metadata.
    In rewind mode ``group`` is the worker group and the plan records its committed offsets.
    """
    topic = request.topic if request else topic
    existing = view.partitions(topic)
    if existing is None:
        raise ReplayError(f"topic {topic!r} does not exist on {view.bootstrap_servers}")
    if not existing:
        raise ReplayError(f"topic {topic!r} has no partitions")
    if request and request.offsets:
        selected = [p for p, _, _ in request.offsets]
    elif request and request.partitions:
        selected = list(request.partitions)
    else:
        selected = existing
    unknown = sorted(set(selected) - set(existing))
    if unknown:
        raise ReplayError(f"partition(s) {', '.join(map(str, unknown))} do not exist: topic {topic!r} has "
                          f"partitions {existing[0]}-{existing[-1]}")
    _, members = view.group(group)
    committed = view.committed(group, topic)

    if mode == "rewind":
        if request is None:
            raise ReplayError("--resume is for --mode consumer; a rewind is done in one step")
        tps = [TopicPartition(topic, p) for p in selected]
        ranges = _resolve(view, request, selected, view.beginning(tps), view.end(tps))
        plans = [PartitionPlan(p, s, e, s, request.fingerprint(),
                               group_offset=committed[p].offset if p in committed else None)
                 for p, (s, e) in sorted(ranges.items())]
        plan = ReplayPlan(topic, group, mode, request.describe(), plans, members=members)
        if plan.total == 0:
            raise ReplayError(f"no messages in the range ({request.describe()}). Available:\n"
                              + describe_available(view, topic, selected))
        return plan

    stored = {p: (oam, decode_metadata(oam.metadata)) for p, oam in committed.items()}
    if request is None:
        plans = [PartitionPlan(p, meta["start"], meta["end"], min(max(oam.offset, meta["start"]), meta["end"]),
                               meta["req"], resumed=True)
                 for p, (oam, meta) in sorted(stored.items()) if meta is not None and p in existing]
        if not plans:
            raise ReplayError(f"nothing to resume: group {group!r} has no replay recorded on topic {topic!r}")
        return ReplayPlan(topic, group, mode, f"{topic}, resumed from group {group}", plans, members=members)

    fingerprint = request.fingerprint()
    matching = {p: (oam, meta) for p, (oam, meta) in stored.items()
                if p in selected and meta is not None and meta["req"] == fingerprint}
    if matching and not restart:
        # Same request as an earlier run: keep that run's resolved range (a new --to/--all would now
        # reach further) and carry on from its last commit.
        plans = [PartitionPlan(p, meta["start"], meta["end"], min(max(oam.offset, meta["start"]), meta["end"]),
                               fingerprint, resumed=True) for p, (oam, meta) in sorted(matching.items())]
        missing = [p for p in selected if p not in matching]
        plan = ReplayPlan(topic, group, mode, request.describe(), plans, members=members)
        if missing:
            plan.notes.append(f"partitions {missing} had no recorded progress for this replay; planned afresh")
            tps = [TopicPartition(topic, p) for p in missing]
            for p, (s, e) in sorted(_resolve(view, request, missing, view.beginning(tps), view.end(tps)).items()):
                plan.partitions.append(PartitionPlan(p, s, e, s, fingerprint))
            plan.partitions.sort(key=lambda pp: pp.partition)
        return plan

    tps = [TopicPartition(topic, p) for p in selected]
    begin, end = view.beginning(tps), view.end(tps)
    ranges = _resolve(view, request, selected, begin, end)
    plans = [PartitionPlan(p, s, e, s, fingerprint) for p, (s, e) in sorted(ranges.items())]
    plan = ReplayPlan(topic, group, mode, request.describe(), plans, members=members)
    if plan.total == 0:
        raise ReplayError(f"no messages in the range ({request.describe()}). Available:\n"
                          + describe_available(view, topic, selected))
    return plan


# -- storing the plan / rewinding ----------------------------------------------------------------
def _adopt(view: BrokerView, plan: ReplayPlan, fresh: list[PartitionPlan]) -> bool:
    """True (and the plan switched to it) when the same replay was recorded meanwhile by another process."""
    committed = view.committed(plan.group, plan.topic)
    found = {}
    for p in fresh:
        oam = committed.get(p.partition)
        meta = decode_metadata(oam.metadata) if oam is not None else None
        if meta is None or meta["req"] != p.fingerprint:
            return False
        found[p.partition] = (oam, meta)
    for p in fresh:
        oam, meta = found[p.partition]
        p.start, p.end, p.resumed = meta["start"], meta["end"], True
        p.position = min(max(oam.offset, p.start), p.end)
    return True


def store_plan(view: BrokerView, plan: ReplayPlan, *, wait_seconds: float = 0.0, adopt: bool = True) -> int:
    """Commit ``start`` with the range as metadata for every partition not yet recorded.

    Written through the admin API before the replay consumer joins, which the broker only accepts while
    the replay group has no active members. When several processes start the same replay together, the
    first one records it and the others adopt that record (``adopt``; not with ``--restart``). A member
    left by a killed run blocks the group until its session times out: wait up to ``wait_seconds``.
    Returns the number of partitions written.
    """
    fresh = [p for p in plan.partitions if not p.resumed]
    if not fresh:
        return 0
    deadline = time.monotonic() + wait_seconds
    while True:
        if adopt and _adopt(view, plan, fresh):
            return 0
        _, members = view.group(plan.group)
        if not members:
            break
        if time.monotonic() >= deadline:
            raise ReplayError(
                f"replay group {plan.group!r} has {len(members)} active member(s): {describe_members(members)}. "
                "Another replay is running in it (or one was killed less than a session timeout ago). Wait for it, "
                "resume it with the same command, or use another --group.")
        time.sleep(1.0)
    offsets = {TopicPartition(plan.topic, p.partition): OffsetAndMetadata(p.start, p.metadata, -1) for p in fresh}
    try:
        view.alter_offsets(plan.group, offsets)
    except ReplayError:
        if adopt and _adopt(view, plan, fresh):  # lost a race with another process of the same replay
            return 0
        raise
    return len(fresh)


@dataclass
class RewindResult:
    changed: dict[int, tuple[int | None, int]]  # partition -> (old committed offset, new)
    untouched: dict[int, str]  # partition -> why it was left alone


def rewind(view: BrokerView, plan: ReplayPlan, *, dry_run: bool = False) -> RewindResult:
    """Move the worker group's committed offsets back to the start of the range.

    Refused while the group has active members: the broker would reject the commit, and a running worker
    would overwrite it anyway. Offsets only ever move backwards: a partition the group has not
    committed, or not yet processed up to the range, is left alone, since moving it would skip messages.
    """
    changed: dict[int, tuple[int | None, int]] = {}
    untouched: dict[int, str] = {}
    offsets = {}
    committed = view.committed(plan.group, plan.topic)
    for p in plan.partitions:
        current = committed.get(p.partition)
        if current is None:
            untouched[p.partition] = "the group has no committed offset here: the worker will start from its reset " \
                                     "position and process the range anyway"
        elif current.offset <= p.start:
            untouched[p.partition] = f"the group is at offset {current.offset}, not past the range start {p.start}: " \
                                     "the worker has not processed the range yet"
        else:
            changed[p.partition] = (current.offset, p.start)
            offsets[TopicPartition(plan.topic, p.partition)] = OffsetAndMetadata(p.start, current.metadata or "", -1)
    if dry_run or not offsets:
        return RewindResult(changed, untouched)
    _, members = view.group(plan.group)
    if members:
        raise ReplayError(
            f"cannot rewind group {plan.group!r}: it has {len(members)} active member(s): {describe_members(members)}."
            f" Stop those workers first (the broker refuses offset changes while a group is active), or replay "
            f"with --mode consumer, which leaves the live workers alone.")
    view.alter_offsets(plan.group, offsets)
    return RewindResult(changed, untouched)


# -- measuring the rate for the dry-run estimate -------------------------------------------------
def sample_messages(settings: Settings, plan: ReplayPlan, limit: int = 40, timeout: float = 5.0) -> list[SourceRecord]:
    """Up to ``limit`` messages from the start of the remaining range, spread over its partitions."""
    todo = [p for p in plan.partitions if p.remaining > 0]
    if not todo:
        return []
    per_partition = max(1, limit // len(todo))
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
                             allow_auto_create_topics=False, client_id="wirestream-replay-sample",
                             max_partition_fetch_bytes=_PARTITION_FETCH_BYTES, fetch_max_bytes=_FETCH_MAX_BYTES)
    found: list[SourceRecord] = []
    try:
        wanted = {TopicPartition(plan.topic, p.partition): (max(p.position, p.start),
                                                           min(p.end, max(p.position, p.start) + per_partition))
                  for p in todo}
        consumer.assign(list(wanted))
        for tp, (low, _) in wanted.items():
            consumer.seek(tp, low)
        counts: Counter = Counter()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(counts[tp] < high - low for tp, (low, high) in wanted.items()):
            for tp, records in consumer.poll(timeout_ms=200).items():
                low, high = wanted[tp]
                for record in records:
                    if record.offset < high and counts[tp] < high - low:
                        found.append(_source(record))
                        counts[tp] += 1
    finally:
        consumer.close(autocommit=False)
    return found


def measure_rate(pipeline: Pipeline, records: list[SourceRecord], *, minimum: int = 5) -> tuple[float, str]:
    """Stories per second through the pipeline, timed on ``records`` (or the bundled samples), enriched
    together as the replay consumer does."""
    origin = f"{len(records)} messages from the range"
    if len(records) < minimum:
        lines = [line for line in SAMPLES.read_bytes().splitlines() if line.strip()]
        records = [SourceRecord(value=line) for line in lines] * 4
        origin = f"the bundled samples ({len(lines)} stories x 4)"
    pipeline.process(records[0], replay=True)  # warm-up: lazy loading is not per-message cost
    started = time.perf_counter()
    pipeline.process_many(records, replay=True)
    elapsed = time.perf_counter() - started
    return (len(records) / elapsed if elapsed > 0 else float("inf")), origin


# -- the supersession rule -----------------------------------------------------------------------
def version_changelog(settings: Settings) -> str:
    from streams.app import VERSION_TABLE  # the worker's table name, kept in one place

    return f"{settings.app_id}-{VERSION_TABLE}-changelog"


def load_versions(settings: Settings, timeout: float = 60.0) -> dict[str, int]:
    """The worker's table: highest version processed per article id, read from its changelog topic.

    A replayed story older than what the live worker has already published is skipped (counted as
    superseded), exactly as the worker skips it, so a replay never puts an older version of an article
    over a newer one downstream.
    """
    topic = version_changelog(settings)
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
                             allow_auto_create_topics=False, client_id="wirestream-replay-versions",
                             fetch_max_bytes=_FETCH_MAX_BYTES, max_poll_records=10_000)
    versions: dict[str, int] = {}
    try:
        if topic not in consumer.topics():
            return versions
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        end = consumer.end_offsets(tps)
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise ReplayError(f"could not read the worker's version table ({topic}) within {timeout:.0f} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    key = _decode_table_key(record.key)
                    if key is None:
                        continue
                    if record.value is None:
                        versions.pop(key, None)
                        continue
                    try:
                        versions[key] = int(json.loads(record.value))
                    except (ValueError, TypeError):
                        continue
    finally:
        consumer.close(autocommit=False)
    return versions


def _decode_table_key(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


# -- the replay loop -----------------------------------------------------------------------------
@dataclass
class ReplaySummary:
    processed: int = 0
    enriched: int = 0
    dead_lettered: Counter = field(default_factory=Counter)
    superseded: int = 0
    skipped: int = 0  # offsets in the range without a record (transaction markers, compaction)
    outputs: int = 0
    elapsed: float = 0.0  # wall time, joining the group included
    busy: float = 0.0  # from the first message processed to the end
    interrupted: bool = False
    commit_failures: int = 0
    unfinished: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.processed / self.busy if self.busy > 0 else 0.0

    def render(self) -> str:
        letters = sum(self.dead_lettered.values())
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.dead_lettered.items()))
        lines = [
            (f"replayed {self.processed:,} messages in {self.elapsed:.1f} s ({self.rate:,.0f}/s once started), "
             f"{self.outputs:,} output records published with replay=1"),
            f"  enriched       {self.enriched:,}",
            f"  dead-lettered  {letters:,}" + (f" ({reasons})" if reasons else ""),
            (f"  superseded     {self.superseded:,} (a newer version was already processed by the workers or "
             "earlier in the range; not published)"),
            (f"  skipped        {self.skipped:,} (offsets in the range without a record: transaction markers, "
             "compaction)"),
        ]
        if self.commit_failures:
            lines.append(f"  {self.commit_failures} commit(s) failed after a rebalance: those messages will be "
                         "processed again by the new owner (identical outputs)")
        return "\n".join(lines)


def _source(record) -> SourceRecord:  # noqa: ANN001 - kafka.consumer.fetcher.ConsumerRecord
    arrived = datetime.fromtimestamp(record.timestamp / 1000, timezone.utc) if record.timestamp >= 0 else None
    return SourceRecord(value=record.value, key=record.key, topic=record.topic, partition=record.partition,
                        offset=record.offset, timestamp=arrived)


def make_replay_producer(settings: Settings):  # noqa: ANN201 - KafkaProducer
    from streams.cli.ingest import make_producer

    # acks=all and idempotence (kafka-python's default): a flushed batch is on the broker in order.
    # Every batch ends with a flush, so a long linger costs nothing and saves kafka-python's sender thread
    # (which competes with the pipeline for the GIL) most of its wake-ups.
    return make_producer(settings, client_id="wirestream-replay", linger_ms=500, batch_size=1_048_576)


def warm_up(producer, topics: list[str]) -> None:  # noqa: ANN001 - KafkaProducer
    """Fetch metadata for every output topic now, in one request, not one blocking fetch per first send."""
    sender = getattr(producer, "_sender", None)
    if sender is not None and hasattr(sender, "add_topic"):
        for topic in topics:
            sender.add_topic(topic)
    for topic in topics:
        producer.partitions_for(topic)


def make_replay_consumer(settings: Settings, group: str, batch_size: int) -> KafkaConsumer:
    isolation = "read_committed" if settings.processing_guarantee == "exactly_once" else "read_uncommitted"
    session_ms = int(settings.session_timeout_seconds * 1000)
    return KafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, group_id=group, client_id="wirestream-replay",
        enable_auto_commit=False, auto_offset_reset="earliest", allow_auto_create_topics=False,
        isolation_level=isolation, max_poll_records=batch_size, fetch_max_bytes=_FETCH_MAX_BYTES,
        max_partition_fetch_bytes=_PARTITION_FETCH_BYTES, session_timeout_ms=session_ms,
        heartbeat_interval_ms=max(1000, min(3000, session_ms // 3)), max_poll_interval_ms=900_000)


def _poll_batch(consumer: KafkaConsumer, max_records: int, wait: float) -> Iterator:
    """Up to ``max_records`` records, waiting up to ``wait`` s for the first and a little for the rest."""
    taken = 0
    got = consumer.poll(timeout_ms=int(wait * 1000), max_records=max_records)
    fill_until = time.monotonic() + 0.25
    while got:
        for tp, records in got.items():
            taken += len(records)
            yield tp, records
        if taken >= max_records or time.monotonic() > fill_until:
            return
        got = consumer.poll(timeout_ms=50, max_records=max_records - taken)


class Replayer:
    """The consumer-mode replay loop: poll a batch, process, publish, flush, then commit."""

    def __init__(self, settings: Settings, plan: ReplayPlan, pipeline: Pipeline, *, batch_size: int = DEFAULT_BATCH,
                 max_rate: float | None = None, versions: dict[str, int] | None = None, progress: bool = False,
                 join_timeout: float = 120.0) -> None:
        self.settings = settings
        self.plan = plan
        self.pipeline = pipeline
        self.max_rate = max_rate
        self.batch_size = batch_size if not max_rate else max(1, min(batch_size, int(max_rate / 4) or 1))
        self.versions = dict(versions or {})
        self.show_progress = progress
        self.progress = None  # the progress line starts with the first message, so joining does not skew the rate
        self.join_timeout = join_timeout
        self.ranges = {p.partition: p for p in plan.partitions}
        self.summary = ReplaySummary()
        self.committed: dict[TopicPartition, int] = {}  # owned partitions -> offset committed so far
        self.finished: set[int] = set()
        self._processed_in: Counter = Counter()  # per partition since assignment, for the skipped count
        self._base: dict[TopicPartition, int] = {}

    # -- one message -------------------------------------------------------------------------
    def _publish(self, outcome: Outcome, producer, futures: list) -> None:  # noqa: ANN001
        """Hand one message's outputs to the producer; counted once all are handed over."""
        article = outcome.article
        if article is not None and self.versions.get(article.article_id, 0) > article.version:
            self.summary.superseded += 1  # the worker's rule: an older version never overwrites a newer one
            return
        for output in outcome.records:
            futures.append(producer.send(output.topic, key=output.key, value=output.value,
                                         headers=list(output.headers)))
        self.summary.outputs += len(outcome.records)
        if article is not None:
            self.versions[article.article_id] = article.version
            self.summary.enriched += 1
        else:
            self.summary.dead_lettered[outcome.dead_letter.error_class.value] += 1

    # -- assignment ----------------------------------------------------------------------------
    def _sync_assignment(self, consumer: KafkaConsumer) -> None:
        assigned = consumer.assignment() or set()
        for tp in list(self.committed):
            if tp not in assigned:  # revoked: everything processed was committed before the poll
                self._account(tp)
                del self.committed[tp]
        for tp in assigned:
            if tp in self.committed:
                continue
            plan = self.ranges.get(tp.partition)
            if plan is None:
                consumer.pause(tp)  # not part of this replay
                self.committed[tp] = -1
                continue
            position = consumer.committed(tp)
            position = plan.start if position is None else min(max(position, plan.start), plan.end)
            self.committed[tp] = self._base[tp] = position
            self._processed_in[tp] = 0
            if position >= plan.end:
                self.finished.add(tp.partition)
                consumer.pause(tp)
            else:
                self.finished.discard(tp.partition)
                consumer.resume(tp)

    def _account(self, tp: TopicPartition) -> None:
        if tp in self._base and self.committed.get(tp, -1) >= 0:
            self.summary.skipped += max(0, self.committed[tp] - self._base[tp] - self._processed_in[tp])
            self._base.pop(tp)

    def _commit(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        try:
            consumer.commit({tp: OffsetAndMetadata(offset, self.ranges[tp.partition].metadata, -1)
                             for tp, offset in offsets.items()})
        except (CommitFailedError, RebalanceInProgressError) as exc:
            # A rebalance started while the batch was processed. Its outputs are out; whoever owns these
            # partitions next starts from the last commit and publishes them again (identical outputs).
            self.summary.commit_failures += 1
            self.finished.difference_update(tp.partition for tp in offsets)  # re-checked after the rebalance
            log.warning("commit failed (%s); the next owner of these partitions replays the batch again", exc)
            return
        self.committed.update(offsets)

    def _owned_done(self) -> bool:
        owned = [tp for tp, pos in self.committed.items() if pos >= 0]
        return bool(self.committed) and all(tp.partition in self.finished for tp in owned)

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> ReplaySummary:
        started = time.monotonic()
        consumer = make_replay_consumer(self.settings, self.plan.group, self.batch_size)
        producer = make_replay_producer(self.settings)
        pending: dict[TopicPartition, int] = {}
        futures: list = []
        first_at = None
        try:
            warm_up(producer, [t for t in self.pipeline.layout.all() if t != self.pipeline.layout.raw])
            consumer.subscribe([self.plan.topic])
            joined_by = time.monotonic() + self.join_timeout
            while True:
                batch = list(_poll_batch(consumer, self.batch_size, wait=0.5))
                self._sync_assignment(consumer)
                if not self.committed and time.monotonic() > joined_by:
                    raise ReplayError(f"no partitions assigned in group {self.plan.group!r} after "
                                      f"{self.join_timeout:.0f} s; is the broker reachable?")
                for tp, records in batch:
                    plan = self.ranges.get(tp.partition)
                    if plan is None or self.committed.get(tp, -1) < 0 or tp.partition in self.finished:
                        continue
                    # Offsets ascend within a partition's records: the ones in range and not yet handled
                    # (fetched again after a rebalance within the batch) are one run.
                    handled = pending.get(tp, self.committed[tp])
                    chosen = [record for record in records if handled <= record.offset < plan.end]
                    if chosen and first_at is None:
                        first_at = time.monotonic()
                        if self.show_progress:
                            self.progress = Progress(f"replay {self.plan.topic}", total=self.plan.remaining)
                    for run in batched(chosen, ENRICH_BATCH):
                        outcomes = self.pipeline.process_many([_source(record) for record in run], replay=True)
                        for record, outcome in zip(run, outcomes):
                            self._publish(outcome, producer, futures)
                            pending[tp] = record.offset + 1
                            self._processed_in[tp] += 1
                            self.summary.processed += 1
                            if self.progress is not None:
                                self.progress.update()
                # Partitions whose position passed the range end (gaps at the end count too).
                for tp, committed in list(self.committed.items()):
                    plan = self.ranges.get(tp.partition)
                    if plan is None or committed < 0 or tp.partition in self.finished:
                        continue
                    if consumer.position(tp) >= plan.end:
                        pending[tp] = plan.end
                        self.finished.add(tp.partition)
                        consumer.pause(tp)
                if pending:
                    self._flush(producer, futures)
                    self._commit(consumer, pending)
                    pending, futures = {}, []
                if self._owned_done():
                    break
                self._throttle(first_at)
        except KeyboardInterrupt:
            # Ctrl-C: keep what is complete. Messages whose outputs were all handed to the producer are
            # flushed and committed; the one being processed, if any, is replayed on resume.
            self.summary.interrupted = True
            try:
                self._flush(producer, futures)
                self._commit(consumer, pending)
            except (KafkaError, ReplayError) as exc:
                log.warning("could not commit on interrupt (%s): the last batch will be replayed on resume", exc)
        finally:
            for tp in list(self.committed):
                self._account(tp)
            self.summary.unfinished = sorted(p for p in self.ranges if p not in self.finished)
            self.summary.elapsed = time.monotonic() - started
            self.summary.busy = time.monotonic() - first_at if first_at is not None else 0.0
            if self.progress is not None:
                self.progress.close()
            producer.close(timeout=30)
            consumer.close(autocommit=False)
        return self.summary

    @staticmethod
    def _flush(producer, futures: list) -> None:  # noqa: ANN001
        producer.flush()
        for future in futures:
            if future.failed():
                raise ReplayError(f"publishing a replayed output failed: {future.exception}; nothing was "
                                  "committed for this batch, so a resume replays it")

    def _throttle(self, started: float | None) -> None:
        if not self.max_rate or started is None:
            return
        ahead = self.summary.processed / self.max_rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)


def group_progress(view: BrokerView, plan: ReplayPlan) -> dict[int, int]:
    """partition -> offset committed by the replay group (for the end-of-run check with several processes)."""
    committed = view.committed(plan.group, plan.topic)
    return {p.partition: committed[p.partition].offset if p.partition in committed else p.start
            for p in plan.partitions}


def render_plan(plan: ReplayPlan, *, rate: float | None = None, rate_origin: str | None = None,
                pipeline_version: str | None = None) -> str:
    lines = [f"replay plan: {plan.description}"]
    if plan.mode == "rewind":
        lines.append(f"mode rewind: worker group {plan.group!r} is moved back to the start of the range; the "
                     "workers reprocess from there up to the present")
    else:
        lines.append(f"mode consumer: replay group {plan.group!r}, outputs stamped replay=1"
                     + (f", pipeline {pipeline_version}" if pipeline_version else "")
                     + ("; continuing the recorded run of this replay" if plan.resumed else ""))
    lines.append("  (offsets: from = first offset of the range, to = one past its last, as Kafka counts)")
    for p in plan.partitions:
        line = f"  partition {p.partition}: offsets {p.start} -> {p.end}, {p.count} messages"
        if plan.mode == "rewind":
            if p.group_offset is None:
                line += "; worker group has no committed offset (left alone)"
            elif p.group_offset <= p.start:
                line += f"; worker group at {p.group_offset}, not past the range (left alone)"
            else:
                line += f"; worker group {p.group_offset} -> {p.start}: {p.group_offset - p.start} to reprocess"
                if p.group_offset > p.end:
                    line += f" (including {p.group_offset - p.end} after the range end)"
        else:
            line += f", {p.remaining} to do" + (" (done)" if p.remaining == 0 else "")
        lines.append(line)
    if plan.mode == "rewind":
        again = sum(p.group_offset - p.start for p in plan.rewinds())
        lines.append(f"  total: {plan.total} messages in range, {again} to be reprocessed by the worker")
        if plan.members:
            lines.append(f"  the worker group has {len(plan.members)} active member(s): "
                         f"{describe_members(plan.members)}; a rewind is refused until they stop")
    else:
        lines.append(f"  total: {plan.total} messages, {plan.remaining} to do")
        if plan.members:
            lines.append(f"  the replay group has {len(plan.members)} active member(s): "
                         f"{describe_members(plan.members)}")
    if rate:
        todo = plan.remaining if plan.mode == "consumer" else sum(p.group_offset - p.start for p in plan.rewinds())
        lines.append(f"  measured rate: {rate:,.0f} stories/s (Pipeline.process timed on {rate_origin})")
        expected = rate * KAFKA_EFFICIENCY
        lines.append(f"  estimated time: {_duration(todo / expected)} for {todo} messages at ~{expected:,.0f} "
                     f"stories/s (Kafka I/O adds about {1 / KAFKA_EFFICIENCY - 1:.0%} to the pipeline's CPU time, "
                     "bench/replay.py)")
    lines.extend(f"  note: {note}" for note in plan.notes)
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = round(max(0.0, seconds))
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


def write_summary(stream: TextIO, summary: ReplaySummary) -> None:
    stream.write(summary.render() + "\n")
    stream.flush()
