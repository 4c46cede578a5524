"""People: "said Name", "Name said", "Name, Title of Org", "Title Name", "contact Name at Org".

A name is two to four capitalised words (particles such as "de" allowed) that no catalogue rule
claimed; a single word counts only next to a speech verb or as the surname of a person already named
in the item. The role is the apposition after the name (or the title words before it); the person's
organization is the first organization mentioned in the role, or the body after "contact Name at".
"""
from __future__ import annotations

import re
from functools import lru_cache

from .found import Found, Scan
from .orgs import place_list

_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĒĘĚĞĪŁŃŇŌŐŒŘŚŞŠŤŪŮŰŹŻŽ"
_CAP = rf"[{_UPPER}][\w'-]*"


@lru_cache(maxsize=4)
def _patterns(particles: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Capitalised runs (particles such as "de" allowed inside): two or more words; one or more words at
    an offset; one or more words ending at an offset."""
    particle = "(?:(?:" + "|".join(sorted(map(re.escape, particles))) + ") )*"
    run = rf"{_CAP}(?: {particle}{_CAP})"
    # The first pattern opens with the capital (the word-start check follows it, looking two characters
    # back), so the engine skips to the next capital instead of trying the pattern at every character.
    first = rf"[{_UPPER}](?<![\w'-].)[\w'-]*(?: {particle}{_CAP})+"
    return re.compile(first), re.compile(rf"{run}*"), re.compile(rf"(?<![\w'-])({run}*) $")
_ROLE = re.compile(r"[^,;:\n\"()]{1,220}?(?=[,;:\n\"()]|\.(?:\s|$)|$)")
_NEXT_WORD = re.compile(r"\s(\w+)")
_ROLE_ARTICLE = re.compile(r"^(?:'s |(?:the|a|an|The|A|An) )")
_AT_ORG = re.compile(r" (?:at|of|from|in) (?:the )?")


def find_people(scan: Scan) -> None:
    """Add person mentions (and their roles) to `scan`."""
    taken = _taken_mask(scan)
    cap_runs = _patterns(scan.catalogue.words("name_particle"))[0]
    runs = [(m.start(), m.group()) for m in cap_runs.finditer(scan.nt.norm)]
    runs += _runs_next_to_speech(scan)
    done: set[int] = set()
    for offset, run in sorted(runs, key=lambda r: (r[0], -len(r[1]))):
        for start, end, single in _names_in(scan, offset, run, taken):
            if start not in done and _is_person(scan, start, end, single):
                done.add(start)
                _add_person(scan, start, end)
    _merge_surnames(scan)
    _flag_places_in_roles(scan)


def _runs_next_to_speech(scan: Scan) -> list[tuple[int, str]]:
    """Capitalised words right after or before a speech verb: "said Azkoul", "Vitorino said"."""
    norm, out = scan.nt.norm, []
    _, run_at, run_before = _patterns(scan.catalogue.words("name_particle"))
    for cue in scan.cues:
        if scan.entry(cue).name != "speech_verb":
            continue
        after = run_at.match(norm, cue.end + 1) if norm.startswith(" ", cue.end) else None
        if after:
            out.append((after.start(), after.group()))
        before = run_before.search(norm, max(0, cue.start - 60), cue.start)
        if before:
            out.append((before.start(1), before.group(1)))
    return out


def _taken_mask(scan: Scan) -> bytearray:
    """1 for every character inside a catalogue hit or an organization mention."""
    mask = bytearray(len(scan.nt.norm) + 1)
    for span in [(h.start, h.end) for h in scan.hits] + [(f.start, f.end) for f in scan.found]:
        mask[span[0]:span[1]] = b"\x01" * (span[1] - span[0])
    return mask


def _names_in(scan: Scan, offset: int, run: str, taken: bytearray) -> list[tuple[int, int, bool]]:
    """Maximal stretches of name words in a capitalised run: (start, end, single word)."""
    out: list[tuple[int, int, bool]] = []
    current: list[tuple[int, int]] = []
    particles = scan.catalogue.words("name_particle")
    start = offset
    for word in run.split(" "):
        start, end = start, start + len(word)
        if word in particles and current:
            start = end + 1
            continue
        if not (taken[start] or taken[end - 1]) and _name_word(scan, word):
            current.append((start, end))
            if len(current) < 4:
                start = end + 1
                continue
        _close(current, out)
        current = []
        start = end + 1
    _close(current, out)
    return out


def _close(current: list[tuple[int, int]], out: list[tuple[int, int, bool]]) -> None:
    if current:
        out.append((current[0][0], current[-1][1], len(current) == 1))


def _name_word(scan: Scan, word: str) -> bool:
    bare = word[:-2] if word.endswith("'s") else word
    if len(bare) < 2 or bare.isupper() or not bare.replace("-", "").replace("'", "").isalpha():
        return False
    return bare not in scan.catalogue.not_a_name and not _title(scan, bare)


def _title(scan: Scan, word: str) -> bool:
    titles = scan.catalogue.words("person_title")
    return word in titles or word.capitalize() in titles


def _before(scan: Scan, start: int) -> str:
    words = scan.nt.norm[max(0, start - 40):start].rsplit(None, 1)
    return words[-1] if words else ""


def _after(scan: Scan, end: int) -> str:
    m = _NEXT_WORD.match(scan.nt.norm, end)
    return m.group(1) if m else ""


def _is_person(scan: Scan, start: int, end: int, single: bool) -> bool:
    lex, norm = scan.catalogue.words, scan.nt.norm
    before = _before(scan, start)
    possessive = norm.endswith("'s", 0, end)
    if before in lex("speech_verb") or (_after(scan, end) in lex("speech_verb") and not possessive):
        return True
    if single:
        return False
    if before in lex("contact_verb") or before in lex("honorific") or _title(scan, before.rstrip(".")):
        return True
    if before.endswith(",") and _role_before(scan, start)[0]:
        return True  # "filmmaker and producer, Miguel Gómez", "Vice Minister of Human Mobility, Carlos Velástegui"
    return norm.startswith(",", end) and _role_after(scan, end + 1) is not None


def _add_person(scan: Scan, start: int, end: int) -> None:
    norm = scan.nt.norm
    if norm.endswith("'s", 0, end):
        end -= 2
    name = norm[start:end]
    scan.found.append(Found(start, end, "person", name, "name"))
    role, org = (_role_after(scan, end + 1) if norm.startswith(",", end) else None) or (None, None)
    if role is None:
        role, org = _role_before(scan, start)
    if org is None and _before(scan, start) in scan.catalogue.words("contact_verb"):
        org = _org_after(scan, end)
        role = next(iter(scan.catalogue.words("contact_role")), None)
    if scan.roles.get(name, (None, None)) == (None, None):
        scan.roles[name] = (role, org)


def _role_after(scan: Scan, offset: int) -> tuple[str | None, str | None] | None:
    """The apposition from `offset` to the next comma / sentence end, if it reads like a role."""
    norm = scan.nt.norm
    while offset < len(norm) and norm[offset] == " ":
        offset += 1
    m = _ROLE.match(norm, offset)
    if not m or not any(_title(scan, w.strip(".'")) for w in m.group().split()):
        return None
    end = m.end()
    org = next((f for f in scan.found if f.kind == "organization" and offset <= f.start < end), None)
    if org is not None and org.start < end < org.end:
        end = org.end
    end = _through_place_list(scan, offset, end)
    scan.role_spans.append((offset, end))
    role = norm[offset:end].strip()
    if org is not None and org.start == offset:  # "IOM Deputy Chief of Staff"
        role = norm[org.end:end].strip()
    role = _ROLE_ARTICLE.sub("", role)
    return role or None, org.key if org is not None else None


def _role_before(scan: Scan, start: int) -> tuple[str | None, str | None]:
    """"Senator Blanca Alcalá", "IOM Niger Chief of Mission Barbara Rijks", "Vice Minister of Human Mobility,
    Carlos Velástegui": the title words before the name, and the organization just before them."""
    text = scan.nt.norm[max(0, start - 90):start]
    words = text.split()
    comma = bool(words) and words[-1].endswith(",")
    if comma:
        words[-1] = words[-1][:-1]
    kept = _title_words(scan, words, comma)
    if not kept:
        return None, None
    role = " ".join(kept)
    role_start = start - len(text) + text.rfind(role) if role in text else start
    norm = scan.nt.norm
    inside = [f for f in scan.found if f.kind == "organization" and role_start <= f.start < start]
    near = [f for f in scan.found if f.kind == "organization" and role_start - 12 <= f.end <= role_start
            and not any(c in norm[f.end:role_start] for c in ".;:\n")]
    if inside:
        return role, min(inside, key=lambda f: f.start).key
    return role, max(near, key=lambda f: f.end).key if near else None


def _title_words(scan: Scan, words: list[str], comma: bool) -> list[str]:
    """The trailing words of `words` that make a title; after a comma the title may carry a complement
    ("Vice Minister of Human Mobility")."""
    connectors = {"of", "for", "and", "de"}
    kept: list[str] = []
    i = len(words) - 1
    while i >= 0:
        word = words[i].rstrip(".")
        if _title(scan, word) or (word in connectors and kept and i > 0) or (comma and word[:1].isupper() and len(kept) < 6):
            kept.insert(0, words[i])
            i -= 1
            continue
        break
    while kept and (kept[0] in connectors or not _title(scan, kept[0].rstrip("."))):
        kept.pop(0)  # the title starts with a title word
    return kept if any(_title(scan, w.rstrip(".")) for w in kept) else []


def _org_after(scan: Scan, end: int) -> str | None:
    """"contact Jorge Gallo at IOM San José Regional Office": the organization after at/of/from."""
    m = _AT_ORG.match(scan.nt.norm, end, end + 12)
    if not m:
        return None
    offset = m.end()
    return next((f.key for f in scan.found if f.kind == "organization" and f.start == offset), None)


def _through_place_list(scan: Scan, start: int, end: int) -> int:
    """"director of IOM for North America, Central America, and the Caribbean": a role ending in a place
    runs on through the list of places."""
    last = next((h for h in reversed(scan.hits) if start <= h.start and h.end == end), None)
    if last is None or scan.entry(last).kind not in ("country", "region", "city"):
        return end
    return max(end, place_list(scan, last.start)[1])


def _merge_surnames(scan: Scan) -> None:
    """"Azkoul" after "Clarissa Azkoul" is the same person: keep one name, the fuller one."""
    full = {f.key.split()[-1]: f.key for f in scan.found if f.kind == "person" and " " in f.key}
    for i, mention in enumerate(scan.found):
        if mention.kind == "person" and " " not in mention.key and mention.key in full:
            scan.found[i] = Found(mention.start, mention.end, "person", full[mention.key], "surname")


def _flag_places_in_roles(scan: Scan) -> None:
    """Countries and places named only in a job title are flagged like those in organization names."""
    for i, mention in enumerate(scan.found):
        if mention.kind in ("country", "place") and not mention.in_org_name and \
                any(s <= mention.start and mention.end <= e for s, e in scan.role_spans):
            scan.found[i] = Found(mention.start, mention.end, mention.kind, mention.key, mention.how, True)
