"""`parse_brief(prompt) -> Brief`: read a scene brief of any length into typed requests.

The reading is a scan over tokens: room and zone phrases, object nouns from the shared category
vocabulary (longest phrase first, the English head rule for compounds), the count and adjectives
before each noun, and the relation phrase after it ("on each side", "at one end", "facing the
fireplace"). Mentions of one object are merged ("a sofa ... the sofa"), colon lists replace
their header ("eight chairs: four ... on each side, two ... at one end"), and whatever is left
unused is reported in `unread`. Bounded: at most `MAX_BRIEF_CHARS` are read, in linear time.
"""

from __future__ import annotations

import re

from agentscene.brief.mentions import (
    Mention,
    effective_count,
    mention_phrase,
    merge_target,
    previous_anchor,
)
from agentscene.brief.model import MAX_COUNT, Brief, BriefObject, Relation, Zone
from agentscene.brief.scan import (
    PUNCT,
    count_before,
    find_objects,
    find_rooms,
    is_negated,
    looks_english,
    match_lead,
    match_relation,
    singular,
    style_words,
    tokens,
)
from agentscene.brief.size import find_size
from agentscene.brief.words import (
    ADDITIVE,
    ANCHOR_ALIASES,
    BREAKS,
    COLOUR_WORDS,
    DEFINITE,
    EMPTY_WORDS,
    GENERIC_ROOM_WORDS,
    GROUPS,
    LARGE_WORDS,
    MATERIAL_WORDS,
    NARROW_WORDS,
    NEGATIONS,
    NOOK_PHRASES,
    NOOK_ROOM,
    NUMBERS,
    ONLY_WORDS,
    OPEN_PLAN_WORDS,
    ROOM_ALIASES,
    ROOM_FROM_OBJECT,
    SEATS,
    SMALL_WORDS,
    STOPWORDS,
    STYLE_WORDS,
    VAGUE,
)
from agentscene.categories import category_info
from agentscene.limits import DEFAULT_LIMITS

#: the longest prompt read (Limits.brief_chars); the rest is reported in `warnings`
MAX_BRIEF_CHARS = DEFAULT_LIMITS.brief_chars
#: the most objects one brief may ask for in all (a guard against counts multiplied by repetition)
MAX_TOTAL_OBJECTS = 80

_SENTENCE = frozenset({".", ";", "!", "?", "(", ")"})
_PUNCT = PUNCT
_ROOM_PRIORITY = ("living_room", "dining_room", "kitchen", "bedroom", "office", "study_room", "kids_room",
                  "entertainment_room", "gym", "bathroom")
#: pieces that stand in a group around an anchor (chairs at a table, lamps either side of a sofa)
_GROUPED = SEATS | {"nightstand", "side_table", "floor_lamp", "table_lamp", "armchair", "speaker", "plant", "sofa",
                    "ottoman", "bench", "wall_lamp", "painting"}
#: words that describe the room itself when they come just before its name
_ROOM_WORDS = SMALL_WORDS | LARGE_WORDS | NARROW_WORDS | EMPTY_WORDS | {"square", "l-shaped"}
_MATERIALS = frozenset(MATERIAL_WORDS) | frozenset(COLOUR_WORDS)
_STYLES = frozenset(STYLE_WORDS)
#: nouns whose category depends on the room ("chairs" in a dining room are dining chairs)
_GENERIC_NOUNS = frozenset({"table", "chair", "seat", "stool", "light"})
_TABLE_LIKE = frozenset({"dining_table", "table", "kitchen_island", "desk", "counter", "pool_table"})
_WALL_ITEMS = ("painting", "mirror", "clock", "whiteboard", "wall_lamp", "projector_screen")


class BriefError(ValueError):
    """A prompt that cannot be a brief at all (empty or whitespace only)."""


def parse_brief(prompt: str) -> Brief:
    """Read a prompt into a `Brief`. Raises `BriefError` only for an empty prompt; any other text
    gives a Brief (with warnings when it could not be read)."""
    if not isinstance(prompt, str):
        raise BriefError(f"the prompt must be text, got {type(prompt).__name__}")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in prompt).strip()
    if not cleaned:
        raise BriefError("the prompt is empty: describe the room, e.g. 'a cozy bedroom with two nightstands'")
    warnings: list[str] = []
    if len(cleaned) > MAX_BRIEF_CHARS:
        warnings.append(f"the prompt has {len(cleaned)} characters; only the first {MAX_BRIEF_CHARS} were read")
        cleaned = cleaned[:MAX_BRIEF_CHARS]
    raw = tokens(cleaned)
    sing = [singular(w) for w in raw]
    used = [False] * len(raw)

    def use(lo: int, hi: int) -> None:
        for k in range(max(0, lo), min(len(raw), hi)):
            used[k] = True

    sentence_of: list[int] = []
    s = 0
    for w in raw:
        sentence_of.append(s)
        if w in _SENTENCE:
            s += 1

    size, size_idx, size_warnings = find_size(raw)
    warnings += size_warnings
    for k in size_idx:
        used[k] = True

    # -- objects and rooms ------------------------------------------------------------------------
    spans = find_objects(sing, size_idx)
    rooms = find_rooms(raw, sing, [(a, b) for a, b, _ in spans])
    real_rooms = [r for r in rooms if not r[4]] or rooms
    room_words: set[int] = set()
    for lo, hi, *_ in real_rooms:
        room_words.update(range(lo, hi))
        use(lo, hi)
    if room_words:
        spans = [sp for sp in spans if not room_words.intersection(range(sp[0], sp[1]))]
        spans = find_objects(sing, size_idx | room_words)

    mentions: list[Mention] = []
    prev_end = 0
    for start, end, cat in spans:
        count, kind, np_start, definite, additive = count_before(raw, start, prev_end)
        m = Mention(start=start, end=end, category=cat, np_start=np_start, sentence=sentence_of[start],
                     definite=definite and count is None, additive=additive, noun=" ".join(sing[start:end]))
        m.plural = raw[end - 1] != sing[end - 1] or raw[end - 1] in ("drapes", "blinds", "dumbbells")
        m.negated = is_negated(raw, np_start, prev_end)
        if count is None:
            if m.plural:
                m.count, m.kind = 2, "plural"
            else:
                m.count, m.kind = 1, "exact"
            if kind == "plural":
                m.count, m.kind = 2, "plural"
        else:
            m.count, m.kind = count, kind
            m.definite = definite
        if m.count <= 0:
            m.negated = True
            m.count = 1
        if m.count > MAX_COUNT:
            warnings.append(f"{m.count} {cat.replace('_', ' ')}s is more than one room holds; read as {MAX_COUNT}")
            m.count = MAX_COUNT
        m.attributes = [w for w in raw[np_start:start] if w not in NUMBERS and w not in VAGUE and w not in BREAKS
                        and w not in ADDITIVE and w not in GROUPS and w not in DEFINITE and not w[0].isdigit()
                        and w not in NEGATIONS and w not in _PUNCT and w not in ("least", "fewer", "minimum")]
        use(np_start, end)
        mentions.append(m)
        prev_end = end

    # -- zones ------------------------------------------------------------------------------------
    text = " ".join(raw)
    open_plan = any(" " + w + " " in " " + text + " " for w in OPEN_PLAN_WORDS)
    kinds: list[tuple[str, str, int]] = []  # kind, phrase, position
    for lo, hi, kind, _nook, _ in real_rooms:
        if kind not in [k for k, _, _ in kinds]:
            kinds.append((kind, " ".join(raw[lo:hi]), lo))
    room_kinds = [k for k in kinds if k[0] not in NOOK_PHRASES]
    nook_kinds = [k for k in kinds if k[0] in NOOK_PHRASES]
    room_named = bool(kinds)
    if room_kinds:
        first = room_kinds[0]
        lead_generic = any(w in GENERIC_ROOM_WORDS for w in raw[: first[2]]) and first[2] > 0 and raw[first[2] - 1] in (
            "a", "an", "and", "with", "plus", "the")
        if len(room_kinds) > 1 and (open_plan or lead_generic):
            room_type = min((k[0] for k in room_kinds), key=_ROOM_PRIORITY.index)
        else:
            room_type = first[0]
    elif nook_kinds:
        room_type = NOOK_ROOM[nook_kinds[0][0]]
    else:
        room_type = next((ROOM_FROM_OBJECT[m.category] for m in mentions if not m.negated and m.category in ROOM_FROM_OBJECT),
                         "living_room")
    zones: tuple[Zone, ...] = ()
    if len(kinds) > 1:
        ordered = sorted(kinds, key=lambda k: (k[0] != room_type, k[2]))
        zones = tuple(Zone(kind=k, phrase=p) for k, p, _ in ordered)
    zone_kinds = [z.kind for z in zones]
    if zones:
        prev: Mention | None = None
        for m in mentions:
            before = [r for r in real_rooms if r[1] <= m.start and sentence_of[r[0]] == m.sentence]
            home = ROOM_FROM_OBJECT.get(m.category)
            gap = raw[prev.end : m.np_start] if prev is not None else []
            if home in zone_kinds:
                m.zone = home
            elif prev is not None and gap and gap[-1] == "with" and prev.zone is not None and \
                    not any(r[0] >= prev.end for r in before):
                m.zone = prev.zone  # "a double bed with two nightstands": the companion goes with its host
            elif before:
                m.zone = before[-1][2]
            else:
                m.zone = room_type
            prev = m

    # -- relations, placements and groups ---------------------------------------------------------
    for idx, m in enumerate(mentions):
        nxt = mentions[idx + 1] if idx + 1 < len(mentions) else None
        tail_end = nxt.np_start if nxt is not None else len(raw)
        lead = match_lead(raw, nxt.np_start, m.end) if nxt is not None else None
        if lead is not None:
            at, kind, placement = lead
            tail_end = at
            host = idx
            if "," in raw[m.end : at]:  # "a sofa faces the fireplace, flanked by two armchairs": the sofa is flanked
                host = next((k for k in range(idx + 1) if mentions[k].sentence == m.sentence
                             and mentions[k].category not in SEATS and ":" not in raw[mentions[k].end : at]), idx)
            nxt.relations.append((kind, host))
            nxt.anchor = host
            if placement:
                nxt.placement = placement
            use(at, nxt.np_start)
        # "a table with six chairs": a seat right after "with" joins its table
        if nxt is not None and nxt.category in SEATS and m.category in _TABLE_LIKE and lead is None:
            gap = raw[m.end : nxt.np_start]
            if gap and gap[-1] in ("with", "and", ",") and len(gap) <= 4 and all(w not in _SENTENCE for w in gap):
                nxt.anchor = idx

        # "two islands, each with three stools", "nightstands flank the bed, each with a lamp"
        if nxt is not None and raw[max(m.end, nxt.np_start - 2) : nxt.np_start] == ["each", "with"] and nxt.kind == "exact":
            plural = next((mentions[k] for k in range(idx, -1, -1) if mentions[k].sentence == m.sentence
                           and mentions[k].count > 1), None)
            if plural is not None:
                nxt.count = min(MAX_COUNT * 2, nxt.count * plural.count)
        i = m.end
        while i < tail_end:
            w = raw[i]
            if w in _SENTENCE:
                break
            if w == ":" and m.count >= 2:
                m.header_of_list = True
                use(i, i + 1)
                i += 1
                continue
            rel = match_relation(raw, i)
            if rel is None:
                if w in _MATERIALS:
                    m.attributes.append(w)
                    used[i] = True
                i += 1
                continue
            key, kind, placement, mult = rel
            count_word = raw[i - 1] if i - 1 >= m.end else None
            use(i, i + len(key))
            after = i + len(key)
            target: int | None = None
            if kind not in ("in_corner", "against_wall", "on_wall", "by_window", "under_window"):
                if nxt is not None and after <= nxt.np_start and all(
                        t in DEFINITE or t in ("a", "an", "of", "its") for t in raw[after : nxt.np_start]):
                    target = idx + 1
                elif after < len(raw) and raw[after] in ("it", "them", "this", "that"):
                    target = idx - 1 if idx > 0 else None  # "a reading chair with a floor lamp beside it"
                    used[after] = True
                elif raw[after : after + 2] in (["the", "group"], ["the", "whole"], ["the", "seating"], ["the", "arrangement"]):
                    target = previous_anchor(mentions, idx)
                elif kind in ("at_sides", "at_ends", "either_side", "around", "at"):
                    target = previous_anchor(mentions, idx)
            if kind in ("at", "on", "beside", "above", "under", "in_front_of", "facing", "at_foot") and target is None:
                i = after
                continue
            if kind in ("at_sides", "at_ends", "around", "at") and m.category not in _GROUPED and \
                    (target is None or target != idx + 1):
                i = after  # "a fridge at the far end": the room's end, not a table's head
                continue
            if kind == "above" and category_info(m.category).support == "floor":
                kind = "beside"  # "an arc floor lamp over the sofa" stands beside it
            distributive = count_word is not None and (count_word in NUMBERS or count_word.isdigit())
            if placement and distributive and kind in ("at_sides", "at_ends"):
                # "eight chairs, three on each side and one at each end": a sub-group of this mention
                used[i - 1] = True
                n = (int(count_word[:3]) if count_word.isdigit() else NUMBERS[count_word]) * mult
                m.relations.append((f"split:{placement}", n))
            else:
                m.relations.append((kind, target))
            split = placement and distributive and kind in ("at_sides", "at_ends")
            if placement and not split and m.category in _GROUPED:
                if m.placement is None:
                    m.placement = placement
                if mult > 1 and i == m.end and m.kind in ("exact", "at_least"):
                    m.count = min(MAX_COUNT * 2, m.count * mult)
                if kind == "either_side" and m.count == 1:
                    m.count = 2
            if target is not None and (m.anchor is None) and kind in ("around", "at", "at_sides", "at_ends", "either_side"):
                m.anchor = target
            if target is not None and target == idx + 1:
                use(after, nxt.np_start)
            i = after

    if zones:  # a piece grouped with an anchor, or placed relative to another, stands in that one's zone
        for m in mentions:
            if ROOM_FROM_OBJECT.get(m.category) in zone_kinds:
                continue
            other = m.anchor if m.anchor is not None else next(
                (t for kd, t in m.relations if isinstance(t, int) and not kd.startswith("split") and kd != "facing"), None)
            if other is not None and 0 <= other < len(mentions):
                m.zone = mentions[other].zone or m.zone

    # colon lists: "eight chairs: four ... on each side, two ... at one end" replace their header
    for idx, m in enumerate(mentions):
        if not m.header_of_list:
            continue
        items = [k for k in range(idx + 1, len(mentions)) if mentions[k].sentence == m.sentence]
        family = [k for k in items if mentions[k].category == m.category
                  or (m.category in SEATS and mentions[k].category in SEATS)]
        if not family:
            continue
        total = sum(effective_count(mentions[k]) for k in family)
        if total != m.count:
            warnings.append(f"the brief says {m.count} {m.category.replace('_', ' ')}s but lists {total}; "
                            f"placing the {total} listed")
        m.dropped = True
        for k in family:
            mentions[k].list_parent = idx
            if mentions[k].anchor is None or mentions[k].anchor == idx:
                mentions[k].anchor = m.anchor
            mentions[k].relations = [(kd, (m.anchor if t == idx else t) if not kd.startswith("split") else t)
                                     for kd, t in mentions[k].relations]
            if mentions[k].zone is None:
                mentions[k].zone = m.zone

    # -- aliases: generic nouns by anchor, then by zone --------------------------------------------
    for m in mentions:
        generic = m.noun == m.category  # "table", "chair": what they are depends on where they stand
        if generic and m.category == "table" and any(
                x.anchor is not None and mentions[x.anchor] is m and x.category in SEATS for x in mentions):
            m.category = "dining_table"
        if m.category == "table" and any(a in ("bistro", "cafe", "dining", "breakfast", "kitchen", "dinner") for a in m.attributes):
            m.category = "dining_table"
        if generic and m.definite and m.category == "table":  # "the table": the one table named before it
            named = {x.category for x in mentions[: mentions.index(m)] if x.category in _TABLE_LIKE - {"table"}}
            if len(named) == 1:
                m.category = named.pop()
    for m in mentions:
        if m.anchor is not None:
            host = mentions[m.anchor].category
            m.category = ANCHOR_ALIASES.get(host, {}).get(m.category, m.category)
    for m in mentions:
        if m.noun in _GENERIC_NOUNS:
            zone = m.zone or room_type
            m.category = ROOM_ALIASES.get(zone, {}).get(m.category, m.category)

    # -- exclusions -----------------------------------------------------------------------------------
    excluded: list[str] = []
    prev_neg: Mention | None = None
    for m in mentions:
        if not m.negated and prev_neg is not None:
            between = raw[prev_neg.end : m.np_start]
            if between and all(w in (",", "or", "nor", "any", "a", "an", "and") for w in between) and \
                    not (between[-1] in ("a", "an") and "and" in between):
                m.negated = True
        prev_neg = m if m.negated else None
        if m.negated:
            for cat in (m.category, ROOM_ALIASES.get(room_type, {}).get(m.category, m.category)):
                if cat not in excluded:
                    excluded.append(cat)
            for k in range(max(0, m.np_start - 3), m.np_start):
                if raw[k] in NEGATIONS or raw[k] == "any":
                    used[k] = True
    if re.search(r"\b(nothing|no art|no decor|no decoration|bare) (on|for) the walls?\b", text) or "bare walls" in text:
        excluded += [c for c in _WALL_ITEMS if c not in excluded]
        for k, w in enumerate(raw):
            if w in ("nothing", "bare") and k + 1 < len(raw):
                used[k] = True

    # -- merge mentions into objects ------------------------------------------------------------------
    objects: list[BriefObject] = []
    nouns: list[str] = []  # the noun each object was named with: "sideboard" and "hutch" are two cabinets
    entry_of: dict[int, int] = {}
    entries_of: dict[int, list[int]] = {}
    for idx, m in enumerate(mentions):
        if m.negated or m.dropped:
            continue
        subgroups = [(kd.split(":", 1)[1], n) for kd, n in m.relations if kd.startswith("split:")]
        if subgroups:
            sub_total = sum(n for _, n in subgroups)
            rest = m.count - sub_total if m.kind == "exact" and not m.plural and m.list_parent is None else 0
            parts = [(p, n) for p, n in subgroups] + ([(m.placement, rest)] if rest > 0 else [])
        else:
            parts = [(m.placement, m.count)]
        merged_into = None if (m.additive or subgroups) else merge_target(objects, nouns, m, entry_of)
        if merged_into is not None:
            entry_of[idx] = merged_into
            entries_of[idx] = [merged_into]
            old = objects[merged_into]
            count = old.count if m.definite else max(old.count, m.count)
            kind = old.count_kind if old.explicit_count else m.kind
            attrs = tuple(dict.fromkeys((*old.attributes, *m.attributes)))
            objects[merged_into] = old.model_copy(update={
                "count": count, "count_kind": kind, "attributes": attrs, "placement": old.placement or m.placement,
                "phrase": mention_phrase(m, raw) if len(attrs) > len(old.attributes) else old.phrase})
            continue
        entry_of[idx] = len(objects)
        entries_of[idx] = []
        for placement, n in parts:
            entries_of[idx].append(len(objects))
            nouns.append(m.noun)
            objects.append(BriefObject(
                category=m.category, count=max(1, min(n, MAX_COUNT * 2)), count_kind=m.kind,  # type: ignore[arg-type]
                phrase=mention_phrase(m, raw), attributes=tuple(dict.fromkeys(m.attributes)), zone=m.zone,
                placement=placement,  # type: ignore[arg-type]
            ))
    # anchors and relations in object indices
    relations: list[Relation] = []

    seen_relations: set[tuple[int, str, int | None]] = set()

    def relate(subject: int, kind: str, target: int | None) -> None:
        if target == subject or (subject, kind, target) in seen_relations:
            return
        seen_relations.add((subject, kind, target))
        relations.append(Relation(subject=subject, kind=kind, target=target,  # type: ignore[arg-type]
                                  subject_category=objects[subject].category,
                                  target_category=objects[target].category if target is not None else None))

    for idx, m in enumerate(mentions):
        if idx not in entry_of:
            continue
        anchor = entry_of.get(m.anchor) if m.anchor is not None else None
        for k in entries_of[idx]:
            if anchor is not None and objects[k].anchor is None and k != anchor:
                objects[k] = objects[k].model_copy(update={"anchor": anchor})
            placement = objects[k].placement
            if anchor is not None and placement in ("sides", "ends"):
                relate(k, "at_sides" if placement == "sides" else "at_ends", anchor)
        for kd, t in m.relations:
            if kd.startswith("split:"):
                continue
            target = entry_of.get(t) if t is not None else None
            if t is not None and target is None:
                continue
            relate(entry_of[idx], kd, target)

    objects, capped = _cap_total(objects)
    if capped:
        warnings.append(capped)

    # -- room words: size, shape, empty, only, style -----------------------------------------------
    room_positions = sorted({lo for lo, *_ in real_rooms} | {k for k, w in enumerate(raw) if w in GENERIC_ROOM_WORDS})
    lead_words: set[str] = set()
    for pos in room_positions:
        window = raw[max(0, pos - 4) : pos]
        if any(w in NUMBERS and w not in ("a", "an") for w in window[-1:]):
            continue
        lead_words.update(window)
        for k in range(max(0, pos - 4), pos):
            if raw[k] in _ROOM_WORDS:
                used[k] = True
    for k in range(len(raw) - 3):
        if raw[k] in ("room", "space") and raw[k + 1] in ("is", "feels") and raw[k + 2] in _ROOM_WORDS:
            lead_words.add(raw[k + 2])
    size_word = "small" if SMALL_WORDS & lead_words else "large" if (LARGE_WORDS & lead_words or open_plan) else None
    if "l-shaped" in lead_words or re.search(r"\bl[- ]shaped? (room|living|bed|kitchen|office|space|layout|floor|plan)", text):
        shape = "l_shaped"
    elif NARROW_WORDS & lead_words:
        shape = "narrow"
    elif "square" in lead_words:
        shape = "square"
    else:
        shape = "rectangle"
    positive = [o for o in objects]
    empty = bool(EMPTY_WORDS & lead_words)
    only = bool(ONLY_WORDS.intersection(raw)) or "nothing else" in text or "apart from" in text or "except for" in text
    styles = style_words(text)
    raw_set = set(raw)
    attributed = {a for o in objects for a in o.attributes}
    materials = [w for w in (*MATERIAL_WORDS, *COLOUR_WORDS) if w in raw_set and w not in attributed]
    for k, w in enumerate(raw):
        if w in _STYLES or w in _MATERIALS or w in ONLY_WORDS or w in NUMBERS:
            used[k] = True

    # -- what was not read ---------------------------------------------------------------------------
    unread = _unread(raw, used)
    readable = looks_english(raw)
    if not raw:
        readable = False
    if not readable or (not room_named and not positive and not empty):
        shown = "living room" if room_type == "living_room" else room_type.replace("_", " ")
        if not readable:
            warnings.append("the prompt does not look like an English room brief (another language, or no words the "
                            f"planner knows); it was read as {'an' if shown[0] in 'aeiou' else 'a'} {shown}"
                            + (f" with what it could match ({', '.join(o.category for o in positive)})" if positive else "")
                            + ". Write the brief in English for a better reading")
        else:
            warnings.append(f"no room type or furniture was recognised; using a default {shown}")
    return Brief(
        prompt=prompt, room_type=room_type, room_type_named=room_named, zones=zones, size=size,
        size_word=size_word, shape=shape, objects=tuple(objects), relations=tuple(relations), excluded=tuple(excluded),
        empty=empty, only_named=(only or empty) and bool(positive), styles=tuple(styles), materials=tuple(materials),
        unread=tuple(unread), warnings=tuple(dict.fromkeys(warnings)), readable=readable,
    )


def _cap_total(objects: list[BriefObject]) -> tuple[list[BriefObject], str | None]:
    total = sum(o.count for o in objects)
    if total <= MAX_TOTAL_OBJECTS:
        return objects, None
    scale = MAX_TOTAL_OBJECTS / total
    out = [o.model_copy(update={"count": max(1, int(o.count * scale))}) for o in objects]
    return out, f"the brief asks for {total} objects; counts were scaled down to about {MAX_TOTAL_OBJECTS}"


def _unread(raw: list[str], used: list[bool]) -> list[str]:
    phrases: list[str] = []
    cur: list[str] = []
    for w, u in zip(raw, used, strict=True):
        skip = (u or w in STOPWORDS or w in _PUNCT or w in NEGATIONS or w in BREAKS or w in SMALL_WORDS
                or w in LARGE_WORDS or w in NARROW_WORDS or w in EMPTY_WORDS or w in GENERIC_ROOM_WORDS
                or w.endswith("ly") or w.endswith("ing") or w.endswith("ed") or not w[0].isalpha() or len(w) < 3
                or w in DEFINITE or w in ADDITIVE or w in VAGUE or w in GROUPS or w == "x")
        if skip:
            if cur:
                phrases.append(" ".join(cur))
                cur = []
            continue
        cur.append(w)
        if len(cur) >= 4:
            phrases.append(" ".join(cur))
            cur = []
    if cur:
        phrases.append(" ".join(cur))
    return list(dict.fromkeys(phrases))[:20]
