"""Organization rules: catalogue hits, named offices, acronym definitions, head-noun phrases.

An item often names a body the catalogue does not know: it defines it ("Full Name (ACR)"), names an
office of a known organization ("IOM San José Regional Office", "ILO Office for Central America"), or
uses a capitalised phrase built on an organization head noun ("Inter-Institutional Technical
Committee"). Each rule resolves against the catalogue first, so the same body gets one canonical name.
"""
from __future__ import annotations

import re

from .catalogue import fold
from .found import Found, OrgInfo, Scan, Token

_ACRONYM_DEF = re.compile(r"\(\s*([A-Z][A-Za-z0-9/&.-]*[A-Za-z0-9](?: [A-Z]{2,})?)([^()\n]{0,40})\)")
_HEAD_AFTER = re.compile(r" ([A-Z]\w+)\b(?! of\b| for\b)")     # "ECOWAS| Commission"
_ORGAN_AFTER = re.compile(r" ([A-Z]\w+)\b")                    # "(OECS)| Commission"
_PLACE_JOINERS = (", and the ", ", and ", " and the ", " and ", ", ")


def catalogue_orgs(scan: Scan) -> None:
    """Organization hits of the catalogue pass become mentions."""
    for hit in scan.hits:
        entry = scan.entry(hit)
        if entry.kind == "organization":
            key = scan.org(OrgInfo.of(entry))
            scan.found.append(Found(hit.start, hit.end, "organization", key, hit.form.how))


def offices(scan: Scan) -> None:
    """"IOM San José Regional Office", "IOM Regional Office in Buenos Aires", "ILO Office for <places>"."""
    for i, mention in enumerate(list(scan.found)):
        if mention.kind != "organization" or mention.how != "acronym":
            continue
        parent = scan.orgs[mention.key]
        span = _office_after(scan, mention.end, parent) or _head_after(scan, mention.end, parent)
        if span is None:
            continue
        end, info = span
        scan.found[i] = Found(mention.start, end, "organization", scan.org(info), "office")


def _office_after(scan: Scan, offset: int, parent: OrgInfo) -> tuple[int, OrgInfo] | None:
    norm, cat = scan.nt.norm, scan.catalogue
    seat = _place_at(scan, offset + 1) if norm.startswith(" ", offset) else None
    if seat is not None:  # "IOM San José Regional Office"
        m = cat.office_after_seat.match(norm, seat[1])
        if m:
            return m.end(), _office(scan, parent, m.group(1), "", [seat[2]])
    m = cat.office_for.match(norm, offset)
    if not m:
        return None
    places, end = place_list(scan, m.end())
    if not places:
        return None
    return end, _office(scan, parent, m.group(1), m.group(2), places)


def _head_after(scan: Scan, offset: int, parent: OrgInfo) -> tuple[int, OrgInfo] | None:
    """"ECOWAS Commission", "OECS Secretariat": an acronym followed by a head noun names its organ."""
    m = _HEAD_AFTER.match(scan.nt.norm, offset, offset + 40)
    if not m or m.group(1) not in scan.catalogue.words("org_head") or m.group(1) == "Office":
        return None
    name = f"{parent.acronym or parent.name} {m.group(1)}"
    entry = scan.catalogue.lookup("organization", name)
    return m.end(), OrgInfo.of(entry) if entry else OrgInfo(name, None, "sub_unit", parent.name)


def _office(scan: Scan, parent: OrgInfo, office: str, prep: str, places: list[str]) -> OrgInfo:
    """The catalogue's office of `parent` seated in / named for `places`, else a new sub-unit."""
    cat = scan.catalogue
    label = parent.acronym or parent.name
    name = f"{label} {office} {prep} {_join(places)}".replace("  ", " ")
    entry = cat.lookup("organization", name)
    if entry is None and (prep == "in" or not prep) and len(places) == 1:
        index = cat.by_seat.get((parent.name, fold(places[0])))
        entry = cat.entries[index] if index is not None else None
        if entry is not None and "Regional" not in office and "Regional" in entry.name:
            entry = None
    if entry is not None:
        return OrgInfo.of(entry)
    return OrgInfo(name, None, "sub_unit", parent.name)


def _join(places: list[str]) -> str:
    return places[0] if len(places) == 1 else ", ".join(places[:-1]) + " and " + places[-1]


def _place_at(scan: Scan, offset: int) -> tuple[int, int, str] | None:
    """(start, end, canonical surface) of a place or country hit starting at `offset`."""
    for hit in scan.hits:
        if hit.start == offset and scan.entry(hit).kind in ("city", "region", "country"):
            return hit.start, hit.end, scan.nt.norm[hit.start:hit.end]
        if hit.start > offset:
            break
    return None


def place_list(scan: Scan, offset: int) -> tuple[list[str], int]:
    """Places and countries joined by commas / "and" from `offset`: their surfaces and the end offset."""
    places: list[str] = []
    end = offset
    norm = scan.nt.norm
    while True:
        place = _place_at(scan, offset)
        if place is None:
            return places, end
        places.append(place[2])
        end = offset = place[1]
        joiner = next((j for j in _PLACE_JOINERS if norm.startswith(j, offset)), None)
        if joiner is None or _place_at(scan, offset + len(joiner)) is None:
            return places, end
        offset += len(joiner)


# --- acronym definitions ---------------------------------------------------------------------

def acronym_definitions(scan: Scan) -> None:
    """"Full Name (ACR)": the full name and the acronym name one body (known or learned)."""
    gloss = scan.catalogue.words("acronym_gloss")
    for m in _ACRONYM_DEF.finditer(scan.nt.norm):
        acronym, tail = m.group(1), m.group(2)
        if sum(c.isupper() for c in acronym) < 2 or any(w.strip(",.") not in gloss for w in tail.split()):
            continue
        phrase = _phrase_before(scan, m.start())
        info = _defined_org(scan, acronym, phrase)
        if info is None:
            continue
        key = scan.org(info)
        scan.orgs[key].acronym = scan.orgs[key].acronym or acronym
        _add_unless_covered(scan, Found(m.start(1), m.start(1) + len(acronym), "organization", key, "acronym"))
        if phrase is not None:
            _add_unless_covered(scan, Found(phrase[0], phrase[1], "organization", key, "defined"))
        _acronym_sub_unit(scan, m.end(), acronym, scan.orgs[key], phrase[0] if phrase else m.start())


def _defined_org(scan: Scan, acronym: str, phrase: tuple[int, int] | None) -> OrgInfo | None:
    cat = scan.catalogue
    known = cat.by_acronym.get(acronym)
    if known is not None:
        return OrgInfo.of(cat.entries[known])
    if phrase is None:
        return None
    inside = [f for f in scan.found if f.kind == "organization" and f.start <= phrase[0] and f.end >= phrase[1]]
    if inside:
        return scan.orgs[inside[0].key]
    if scan.covered(*phrase):
        return None
    name = scan.nt.norm[phrase[0]:phrase[1]]
    entry = cat.lookup("organization", name)
    if entry is not None:
        return OrgInfo.of(entry)
    heads = cat.words("org_head")
    if not any(word in heads for word in name.split()):
        return None  # "Labor Market Information Systems (LMIS)" names no body
    owner = next((f for f in scan.found if f.kind == "organization" and f.end == phrase[0] - 3
                  and scan.nt.norm.startswith("'s ", f.end)), None)
    parent = scan.orgs[owner.key].name if owner is not None else None
    return OrgInfo(name, acronym, "sub_unit" if parent else _head_type(scan, name), parent)


def _acronym_sub_unit(scan: Scan, offset: int, acronym: str, parent: OrgInfo, start: int) -> None:
    """"Organisation of Eastern Caribbean States (OECS) Commission" also names the OECS Commission."""
    m = _ORGAN_AFTER.match(scan.nt.norm, offset, offset + 40)
    if not m or m.group(1) not in scan.catalogue.words("org_head"):
        return
    name = f"{acronym} {m.group(1)}"
    entry = scan.catalogue.lookup("organization", name)
    info = OrgInfo.of(entry) if entry else OrgInfo(name, None, "sub_unit", parent.name)
    scan.found.append(Found(start, m.end(), "organization", scan.org(info), "defined"))


def _add_unless_covered(scan: Scan, mention: Found) -> None:
    if not any(f.kind == "organization" and f.start <= mention.start and f.end >= mention.end for f in scan.found):
        scan.found.append(mention)


def _phrase_before(scan: Scan, offset: int) -> tuple[int, int] | None:
    """The capitalised name ending just before "(" at `offset`, trimmed to its last organization phrase."""
    connectors = scan.catalogue.words("connector")
    run = _name_run_before(scan, offset, connectors)
    owned = [k for k, t in enumerate(run[:-1]) if t.text.endswith("'s")]
    if owned:  # "IOM's Global Migration Data Analysis Centre": the name starts after the owner
        run = run[owned[-1] + 1:]
    while run and (run[0].text in connectors or run[0].text == ","):
        run = run[1:]
    while run and (run[-1].text in connectors or run[-1].text == ","):
        run = run[:-1]
    if not run:
        return None
    heads = scan.catalogue.words("org_head")
    starts = [0] + [k + 1 for k, t in enumerate(run) if t.text.lower() == "the" and k + 1 < len(run)]
    for k in reversed(starts):  # the shortest trailing phrase that has a head noun
        if any(t.bare in heads for t in run[k:]):
            return run[k].start, run[-1].end if not run[-1].text.endswith("'s") else run[-1].end - 2
    return run[0].start, run[-1].end if not run[-1].text.endswith("'s") else run[-1].end - 2


def _name_run_before(scan: Scan, offset: int, connectors: frozenset[str]) -> list[Token]:
    """Capitalised words, connectors and inner commas ending at `offset`, walking left word by word."""
    norm = scan.nt.norm
    line_start = norm.rfind("\n", 0, offset) + 1
    end = offset
    while end > line_start and norm[end - 1] == " ":
        end -= 1
    run: list[Token] = []
    while end > line_start and len(run) < 30:
        start = norm.rfind(" ", line_start, end) + 1 or line_start
        word = norm[start:end]
        comma = word.endswith(",")
        core = word[:-1] if comma else word
        if comma and not (core[:1].isupper() and run and run[0].capitalized):
            break  # a comma continues a name only between capitalised words
        if not core or not (core[:1].isupper() or core in connectors):
            break
        if comma:
            run.insert(0, Token(end - 1, end, ","))
        run.insert(0, Token(start, start + len(core), core))
        end = start - 1
    return run


def _head_type(scan: Scan, name: str) -> str | None:
    types = scan.catalogue.org_head_types
    return next((types[w] for w in name.split() if w in types), None)


# --- head-noun phrases -----------------------------------------------------------------------

def head_phrases(scan: Scan) -> None:
    """Capitalised phrases built on an organization head noun, outside every other mention."""
    for m in scan.catalogue.head_regex.finditer(scan.nt.norm):
        if scan.covered(m.start(), m.end()):
            continue
        tokens = scan.window_tokens(m.start(), 160, 240)
        span = _head_phrase(scan, tokens, Scan.index_at(tokens, m.start())) or _owned_government(scan, m)
        if span is not None and not _title_only(scan, span):
            start, end, name = span
            info = _resolve_phrase(scan, name, start)
            scan.found.append(Found(start, end, "organization", scan.org(info), "head"))


def _owned_government(scan: Scan, m: re.Match[str]) -> tuple[int, int, str] | None:
    """"Panama's Government": a lone national head noun owned by a country ("Government of Panama")."""
    if m.group() not in scan.catalogue.words("national_head") or _possessive_country(scan, m.start()) is None:
        return None
    return m.start(), m.end(), m.group()


def _title_only(scan: Scan, span: tuple[int, int, str]) -> bool:
    """In a title-case headline every word is capitalised ("IOM Opens New Office in Lima"): a phrase found
    only there is not trusted."""
    norm = scan.nt.norm
    title_end = norm.find("\n")
    return 0 <= span[0] < title_end and title_end >= 0 and span[2] not in norm[title_end:]


def _head_phrase(scan: Scan, tokens: list[Token], k: int) -> tuple[int, int, str] | None:
    lex = scan.catalogue.words
    stops, blockers, connectors = lex("modifier_stop"), lex("org_blocker"), lex("connector")
    first = k
    while first > 0:
        prev = tokens[first - 1]
        if not prev.capitalized or prev.text in stops or prev.bare in blockers or prev.text.endswith("'s") \
                or scan.covered(prev.start, prev.end) or _sentence_start(tokens, first - 1):
            break
        first -= 1
    last = _complement_end(scan, tokens, k)
    if last == first:
        return None
    start, end = tokens[first].start, tokens[last].end
    if tokens[last].text.endswith("'s"):
        end -= 2
    return start, end, scan.nt.norm[start:end]


def _complement_end(scan: Scan, tokens: list[Token], k: int) -> int:
    """Last token of the head's complement: "of Public Security", "for Migration and Peace Studies"."""
    lex = scan.catalogue.words
    connectors, blockers, heads = lex("connector"), lex("org_blocker"), lex("org_head")
    last, j, n = k, k + 1, len(tokens)
    while j < n:
        r = j
        if tokens[j].text == "," and _comma_list(tokens, j):
            r = j + 1
        elif tokens[j].text == "and" and j + 1 < n and (tokens[j + 1].text == "the" or tokens[j + 1].bare in heads):
            break  # "... and the Secretariat of ...": a second body
        while r < n and tokens[r].text in connectors:
            r += 1
        if r == j or r >= n or not _content(scan, tokens[r], blockers):
            break
        while r + 1 < n and _content(scan, tokens[r + 1], blockers):
            r += 1
        last, j = r, r + 1
    return last


def _content(scan: Scan, token: Token, blockers: frozenset[str]) -> bool:
    return token.capitalized and token.bare not in blockers and not scan.covered(token.start, token.end)


def _comma_list(tokens: list[Token], j: int) -> bool:
    """", Justice and Decentralization": a comma inside a name continues only into "... and Cap"."""
    n = j + 1
    while n < len(tokens) and tokens[n].capitalized:
        n += 1
    return n > j + 1 and n + 1 < len(tokens) and tokens[n].text == "and" and tokens[n + 1].capitalized


def _sentence_start(tokens: list[Token], k: int) -> bool:
    return k == 0 or tokens[k - 1].text in (".", "\n", "!", "?", ":", '"')


def _resolve_phrase(scan: Scan, name: str, start: int) -> OrgInfo:
    """Catalogue entry of the phrase (also "<Country>'s Ministry of X" = "Ministry of X of <Country>")."""
    cat = scan.catalogue
    owner = _possessive_country(scan, start)
    demonym = _leading_demonym(scan, start, name)
    if demonym is not None:  # "Nigerien Ministry of Interior" = "Ministry of Interior of Niger"
        owner, name = demonym
    names = [f"{name} of {owner}", name] if owner else [name]
    for candidate in names:
        entry = cat.lookup("organization", candidate)
        if entry is not None:
            return OrgInfo.of(entry)
    for candidate in names:  # the body the item already named ("National Migration Institute (INM)")
        if candidate.casefold() in scan.orgs:
            return scan.orgs[candidate.casefold()]
    return OrgInfo(names[0], None, _head_type(scan, name))


def _leading_demonym(scan: Scan, start: int, name: str) -> tuple[str, str] | None:
    """(country, rest of the name) when the phrase opens with a demonym hit."""
    for hit in scan.hits:
        if hit.start == start and hit.form.how == "demonym":
            rest = name[hit.end - start:].strip()
            national = rest.split(" ", 1)[0] in scan.catalogue.words("national_head")
            return (scan.entry(hit).name, rest) if rest and national else None
        if hit.start > start:
            break
    return None


def _possessive_country(scan: Scan, start: int) -> str | None:
    """"Panama's Ministry of ...": the country whose hit ends right before "'s "."""
    if not scan.nt.norm.startswith("'s ", start - 3):
        return None
    for hit in scan.hits:
        if hit.end == start - 3 and scan.entry(hit).kind == "country":
            return scan.entry(hit).name
    return None


def learned_acronyms(scan: Scan) -> None:
    """Later uses of an acronym the item defined ("... (SGJD)" then "SGJD") name the same body."""
    learned = {info.acronym: key for key, info in scan.orgs.items()
               if info.acronym and scan.catalogue.by_acronym.get(info.acronym) is None}
    if not learned:
        return
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(learned, key=len, reverse=True))) + r")(?![\w-])")
    for m in pattern.finditer(scan.nt.norm):
        if not scan.covered(m.start(), m.end(), ("organization",)):
            scan.found.append(Found(m.start(), m.end(), "organization", learned[m.group(1)], "acronym"))
