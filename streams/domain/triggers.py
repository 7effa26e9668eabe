"""Where a sentence says that something happened: PLOVER triggers.

Two curated layers, both data (``data/events/``):
  * ``triggers.json``: literal phrases ("held talks with", "imposed sanctions on", "denied");
  * ``frames.json``: a verb followed within a few words by an object that makes it an event
    ("fired ... ballistic missile", "sent ... tents", "imposed ... tariff").
Where matches overlap, the longest wins. Governing verbs then combine with the act they govern:
"denied threatening" is REJECT, "threatened to impose sanctions" THREATEN, "urged ... to withdraw"
REQUEST, "agreed to suspend curbs" CONCEDE.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from streams.domain.matching import build_automaton, first_match
from streams.domain.scan import SentenceScan, StoryScanner

# "agreed to suspend curbs" is the concession itself; "agreed to a ceasefire" stays an agreement.
_MATERIAL_COMMITMENTS = {"CONCEDE", "AID"}
# "would take corresponding action if ...", "could apply its law against U.S. goods if ...": a
# conditional act is a threat whatever the act.
_CONDITIONAL_THREAT = re.compile(
    r"\b(?:would|could|will|might)\s+(?:not\s+)?\"?[a-z]+\b(?=[^;]{0,200}?\b(?:if|unless)\b)")
_GAP_BREAK = re.compile(r"[;]|\.\s|\b(?:and|but|while|which|who|whom|whose|that|after|before|because|as|if|unless)\b")
_COMBINE_GAP_BREAK = re.compile(r"[;,]|\.\s")


@dataclass(frozen=True)
class Trigger:
    event_type: str
    mode: str | None
    cameo: str | None
    voice: str = "active"  # active | passive | noun
    needs_actor: bool = False


Hit = tuple[int, int, Trigger]
_THREAT = Trigger("THREATEN", None, "13")
_CONDITION = re.compile(r"\b(?:if|unless)\b")


def _read(name: str) -> dict:
    return json.loads(resources.files("streams").joinpath(f"data/events/{name}.json").read_text(encoding="utf-8"))


@dataclass
class _Frame:
    trigger: Trigger
    objects: object | None  # automaton over object forms, or None for verb-only frames
    max_gap: int


class TriggerLexicon:
    def __init__(self, phrases, verbs, frames: list[_Frame]) -> None:  # noqa: ANN001 - automata
        self.phrases = phrases
        self.verbs = verbs
        self.frames = frames
        self._scanner = StoryScanner(phrases=phrases, verbs=verbs)  # for a sentence given as text

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls) -> "TriggerLexicon":
        data = _read("triggers")
        phrases: dict[str, Trigger] = {}
        for block in data["types"]:
            roots = block.get("cameo_roots") or [block["cameo_root"]]
            for trig in block["triggers"]:
                cameo = trig.get("cameo") or block["cameo_root"]
                # A trigger's specific code may sit under another CAMEO root; the root reported
                # is always one the PLOVER type maps to.
                if not any(cameo.startswith(root) for root in roots):
                    cameo = block["cameo_root"]
                spec = Trigger(block["type"], trig.get("mode"), cameo, trig.get("voice", "active"),
                               bool(trig.get("needs_actor", False)))
                for form in trig["forms"]:
                    phrases.setdefault(form.lower().strip(), spec)
        frames: list[_Frame] = []
        verbs: dict[str, list[int]] = {}
        for number, row in enumerate(_read("frames")["frames"]):
            spec = Trigger(row["type"], row.get("mode"), row.get("cameo"))
            objects = build_automaton({o.lower(): o for o in row["objects"]}) if row["objects"] else None
            frames.append(_Frame(spec, objects, row["max_gap"]))
            for verb in row["verbs"]:
                verbs.setdefault(verb.lower(), []).append(number)
        return cls(build_automaton(phrases), build_automaton(verbs), frames)

    def _frame_hits(self, lowered: str, verbs: list) -> list[Hit]:  # noqa: ANN001 - (start, end, frames)
        hits: list[Hit] = []
        frames = self.frames
        longest: dict[int, int] = {}  # a verb match's start -> the end of the longest one there
        for start, end, _ in verbs:
            longest[start] = max(end, longest.get(start, end))
        for start, end, numbers in verbs:
            if end < longest[start]:
                continue  # "called off" is a verb of its own, not "called"
            objects_at: dict[int, tuple[int, int]] = {}  # a hit's end -> (its object's start, its index)
            windows: dict[int, str] = {}  # max_gap -> where the object may be: frames of a verb share gaps
            for number in numbers:
                frame = frames[number]
                if frame.objects is None:
                    hits.append((start, end, frame.trigger))
                    continue
                window = windows.get(frame.max_gap)
                if window is None:
                    reach = frame.max_gap + 3  # words to the object at most
                    window = lowered[end:end + 12 * (frame.max_gap + 2)]
                    limit = len(" ".join(window.split(maxsplit=reach)[:reach])) + 1
                    window = windows[frame.max_gap] = window[:limit]
                # The first object, unless a clause or a sentence ends before it.
                found = first_match(frame.objects, window)
                if found is None or _GAP_BREAK.search(window[:found[0]]):
                    continue
                hit = (start, end + found[1], frame.trigger)
                seen = objects_at.get(hit[1])
                if seen is None:
                    objects_at[hit[1]] = (found[0], len(hits))
                    hits.append(hit)
                elif found[0] < seen[0]:
                    # Two frames end on the same word: the longer object says more ("began joint
                    # exercises" is cooperation, not a show of force).
                    objects_at[hit[1]] = (found[0], seen[1])
                    hits[seen[1]] = hit
        return hits

    def find(self, sentence: "str | SentenceScan") -> list[Hit]:
        """Triggers in a sentence: its text, or its scan from :class:`StoryScanner`."""
        scan = self._scanner.scan_one(sentence) if isinstance(sentence, str) else sentence
        sentence, lowered, phrases, verbs = scan.text, scan.lowered, scan.phrases, scan.verbs
        condition = _CONDITION.search(lowered) if "if" in lowered or "unless" in lowered else None
        if not phrases and not verbs and not condition:
            return []
        candidates = [*phrases, *self._frame_hits(lowered, verbs)]
        if condition:
            # What happens "if Taiwan were attacked" has not happened.
            candidates = [h for h in candidates if h[0] < condition.start()]
            threat = _CONDITIONAL_THREAT.search(lowered)
            if threat and threat.start() < condition.start():
                # The conditional threat replaces whatever acts it names.
                candidates = [h for h in candidates if h[0] < threat.start()]
                candidates.append((threat.start(), threat.end(), _THREAT))
        candidates.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        chosen: list[Hit] = []
        for hit in candidates:
            if chosen and hit[0] < chosen[-1][1]:
                continue
            chosen.append(hit)
        return combine(sentence, chosen)


def govern(outer: Trigger, inner: Trigger) -> Trigger | None:
    """The event a governing verb and the act it governs make together, or None if unrelated."""
    if outer.event_type in ("REJECT", "THREATEN", "REQUEST"):
        return outer  # "denied threatening Estonia", "threatened to impose sanctions", "urged X to withdraw"
    if outer.event_type == "AGREE":
        return inner if inner.event_type in _MATERIAL_COMMITMENTS else outer
    return None


def combine(sentence: str, hits: list[Hit]) -> list[Hit]:
    result: list[Hit] = []
    for start, end, spec in hits:
        if result:
            p_start, p_end, previous = result[-1]
            gap = sentence[p_end:start]
            # A request, denial or threat governs the act it names anywhere in its clause.
            reach = 80 if previous.event_type in ("REQUEST", "REJECT", "THREATEN") else 40
            if len(gap) <= reach and not _COMBINE_GAP_BREAK.search(gap):
                combined = govern(previous, spec)
                if combined is not None:
                    result[-1] = (p_start, end, combined)
                    continue
        result.append((start, end, spec))
    return result
