"""Generate a deterministic corpus of bulletin pages in the layouts the reader must handle.

The corpus feeds the build-throughput benchmarks and exercises the reader on pages it
has never seen: articles with ``Date Publish:`` lines, a navigation-chrome page with one
article, dated listings and undated listings, in English and Spanish, with CRLF line
endings, byte-order marks, no-break spaces and curly quotes on some pages.

Same seed and same catalogue -> byte-identical files. Names come from the entity
catalogue (countries, organizations); sentences, people and vocabulary from the data
files in ``benchmarks/templates/``. Besides the pages, the output folder gets
``manifest.json`` (counts per layout and variant) and ``expected.jsonl`` (title, date
and layout of every item, in reading order) so that a reader can be checked against it.

    python benchmarks/generate.py --items 10000 --seed 1 --out /tmp/corpus
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TEMPLATES = HERE / "templates"

# Items per page (inclusive range) and relative frequency of each layout.
LAYOUT_ITEMS = {"article": (2, 6), "chrome-article": (1, 1), "listing-dated": (10, 20), "listing-undated": (6, 16)}
LAYOUT_WEIGHTS = {"article": 3, "chrome-article": 1, "listing-dated": 4, "listing-undated": 2}
# Page-level variation rates.
P_SPANISH, P_CRLF, P_BOM, P_NBSP_LINE = 0.2, 0.15, 0.1, 0.1
P_WHITE_BLANK, P_TRAILING_SPACE = 0.05, 0.05   # blank lines holding spaces, lines ending in spaces
TITLE_MAX_WORDS, TITLE_MAX_CHARS = 20, 200
FIRST_DAY, DAYS_SPAN = date(2015, 1, 1), 365 * 10
NBSP, BOM = "\u00a0", b"\xef\xbb\xbf"
OUTPUT_GLOBS = ("*.txt", "manifest.json", "expected.jsonl")


@dataclass(frozen=True)
class Catalogue:
    """Names the generator draws on, with the files they came from."""

    countries: tuple[str, ...]
    organizations: tuple[tuple[str, str, str], ...]   # (name, acronym, Spanish acronym); "" if none
    sources: dict[str, str] = field(default_factory=dict)  # role -> "file name sha256"


def _read_tsv(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _column(row: dict[str, str], names: tuple[str, ...]) -> str:
    for name in names:
        if row.get(name):
            return row[name].strip()
    return ""


def _first(row: dict[str, str], column: str) -> str:
    """First of the ``|``-separated values of a column (a leading ``!`` is a matcher flag, not text)."""
    return (row.get(column) or "").split("|")[0].strip().lstrip("!")


def _short_name(name: str) -> str:
    """``Bolivia, Plurinational State of`` -> ``Bolivia``: the form a news text uses."""
    return name.split(", ")[0].split(" (")[0].strip()


def _rows(path: Path, kind: str) -> list[dict[str, str]]:
    rows = _read_tsv(path)
    return [r for r in rows if r.get("kind", kind) in (kind, "")]


def _source(path: Path) -> str:
    return f"{path.name} sha256:{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}"


def load_catalogue(catalogue_dir: Path, shared_dir: Path) -> Catalogue:
    """Countries and organizations from the project catalogue, else from the shared reference data."""
    names = ("name", "label", "name_en", "canonical_name")
    country_file = catalogue_dir / "countries.tsv"
    if not country_file.exists():
        country_file = shared_dir / "data" / "countries_wikidata.tsv"
    org_file = catalogue_dir / "organizations.tsv"
    if not org_file.exists():
        org_file = shared_dir / "gold" / "wikidata_links.tsv"
    for path in (country_file, org_file):
        if not path.exists():
            raise FileNotFoundError(f"catalogue file not found: {path} (pass --catalogue or --shared)")
    countries = dict.fromkeys(_short_name(_column(r, names)) for r in _rows(country_file, "country"))
    orgs = dict.fromkeys((_column(r, names), _first(r, "acronym"), _first(r, "acronyms_es"))
                         for r in _rows(org_file, "organization"))
    countries.pop("", None)
    orgs = {k: None for k in orgs if k[0]}
    if not countries or not orgs:
        raise ValueError(f"no names read from {country_file} / {org_file} (expected a name or label column)")
    return Catalogue(tuple(countries), tuple(orgs),
                     {"countries": _source(country_file), "organizations": _source(org_file)})


def load_templates(folder: Path = TEMPLATES) -> dict[str, dict]:
    """Per-language sentence templates plus the shared name lists."""
    langs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))}
    for stem in ("given_names", "surnames"):
        words = [w for w in (folder / f"{stem}.txt").read_text(encoding="utf-8").splitlines()
                 if w and not w.startswith("#")]
        for data in langs.values():
            data[stem] = words
    return langs


class _Slots(dict):
    """Template slots filled on first use, so one template pays only for what it names."""

    def __init__(self, filler: "_Filler") -> None:
        super().__init__()
        self.filler = filler

    def __missing__(self, key: str) -> str:
        if key == "email":  # the address of the person the sentence names
            value = self.filler.email(self["person"])
        else:
            value = self.filler.slot(key.rstrip("0123456789"))
        self[key] = value
        return value


class _Filler:
    """Fills templates for one item of one language, dated around its publication day."""

    def __init__(self, rng: random.Random, lang: dict, cat: Catalogue, published: date) -> None:
        self.rng, self.lang, self.cat, self.published = rng, lang, cat, published
        self.event_day = published - timedelta(days=rng.randrange(0, 25))

    def fill(self, template: str) -> str:
        return template.format_map(_Slots(self))

    def pick(self, key: str) -> str:
        return self.rng.choice(self.lang[key])

    # Slots drawn straight from a template list: slot name -> list key.
    LISTS = {"role": "roles", "topic": "topics", "course_topic": "course_topics", "languages": "languages",
             "audience": "audiences", "quote": "quotes", "quote_title": "quote_titles", "claim": "claims",
             "on": "on", "range": "range", "dash": "dash", "today": "today"}
    # Slots computed from the item: slot name -> function of the filler.
    COMPUTED = {
        "country": lambda f: f.rng.choice(f.cat.countries),
        "org": lambda f: f.org_entry()[0],
        "org_short": lambda f: (lambda name, acr: acr or name)(*f.org_entry()),
        "org_def": lambda f: (lambda name, acr: f"{name} ({acr})" if acr else name)(*f.org_entry()),
        "person": lambda f: " ".join([f.rng.choice(f.lang["given_names"]),
                                      *f.rng.sample(f.lang["surnames"], 2 if f.rng.random() < 0.3 else 1)]),
        "a_event": lambda f: f.rng.choice(f.lang["events"])[0],
        "Event": lambda f: f.rng.choice(f.lang["events"])[1],
        "initiative": lambda f: f.pick("initiatives").format(initiative_name=f.pick("initiative_names"),
                                                             crime=f.pick("crimes")),
        "month": lambda f: f.month_name(f.published),
        "day": lambda f: str(f.published.day),
        "number": lambda f: str(f.rng.choice((12, 25, 48, 60, 120, 200, 350, 1300, 2500))),
        "weeks": lambda f: str(f.rng.randint(3, 12)),
        "year": lambda f: str(f.published.year - f.rng.randint(0, 4)),
        "four": lambda f: f"{f.rng.randrange(10000):04d}",
    }

    def slot(self, name: str) -> str:
        if name in self.COMPUTED:
            return self.COMPUTED[name](self)
        text = self.pick(self.LISTS[name])
        if name in ("on", "range", "dash", "today"):  # event dates, written the way the language writes them
            first, pub = min(self.event_day.day, 24), self.published
            text = text.format(month=self.month_name(self.event_day), day=self.event_day.day, d1=first,
                               d2=first + self.rng.randint(1, 4), dd=f"{pub.day:02d}", mm=f"{pub.month:02d}")
        return text

    def org_entry(self) -> tuple[str, str]:
        """(name, acronym) with the acronym the page's language uses (OIM for IOM in Spanish)."""
        name, acronym, acronym_es = self.rng.choice(self.cat.organizations)
        return name, (acronym_es or acronym) if self.lang.get("acronyms") == "es" else acronym

    def email(self, person: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", person).encode("ascii", "ignore").decode()
        parts = ascii_name.lower().split()
        return f"{parts[0][0]}{parts[1]}@iom.int"

    def month_name(self, day: date) -> str:
        return self.lang["months"][day.month - 1]

    def date_text(self, key: str) -> str:
        day = self.published
        return self.pick(key).format(day=day.day, dd=f"{day.day:02d}", mm=f"{day.month:02d}",
                                     month=self.month_name(day), year=day.year)

    def title(self) -> str:
        """A headline short enough to read as one (headlines never run to a paragraph)."""
        best = ""
        for _ in range(8):
            text = self.fill(self.pick("titles"))
            if len(text.split()) <= TITLE_MAX_WORDS and len(text) <= TITLE_MAX_CHARS:
                return text
            best = text if not best or len(text) < len(best) else best
        return best

    def paragraphs(self, count: int) -> list[str]:
        """An opening paragraph reporting an event, then paragraphs of other kinds."""
        rng, kinds = self.rng, self.lang["paragraphs"]
        opening = self.fill(self.pick("dateline")) + self.fill(rng.choice(kinds["event"]))
        out = [opening]
        for _ in range(count - 1):
            kind = rng.choice(("course", "initiative", "people", "filler", "filler"))
            out.append(" ".join(self.fill(rng.choice(kinds[kind])) for _ in range(rng.randint(1, 2))))
        return out


@dataclass
class _Page:
    lines: list[str] = field(default_factory=list)
    items: list[tuple[str, str | None]] = field(default_factory=list)   # (title, ISO date or None)


def _clean(text: str) -> str:
    return " ".join(text.replace(NBSP, " ").split())


class PageMaker:
    """Builds pages one at a time from one seeded random stream."""

    def __init__(self, seed: int, cat: Catalogue, templates: dict[str, dict]) -> None:
        self.rng = random.Random(seed)
        self.cat, self.templates = cat, templates
        self.day = FIRST_DAY + timedelta(days=self.rng.randrange(DAYS_SPAN))

    def filler(self, lang: dict) -> _Filler:
        """A filler for the next item; publication days run backwards like a news feed."""
        if self.rng.random() < 0.4:
            self.day -= timedelta(days=self.rng.randint(1, 9))
        if self.day < FIRST_DAY:
            self.day = FIRST_DAY + timedelta(days=DAYS_SPAN)
        return _Filler(self.rng, lang, self.cat, self.day)

    def nbsp(self, line: str) -> str:
        """Put a no-break space where a scraped page would have one."""
        if self.rng.random() >= P_NBSP_LINE or " " not in line:
            return line
        spaces = [i for i, c in enumerate(line) if c == " "]
        i = self.rng.choice(spaces)
        return line[:i] + NBSP + line[i + 1:]

    def article(self, page: _Page, lang: dict, count: int) -> None:
        for _ in range(count):
            f = self.filler(lang)
            title, marker = f.title(), lang["date_marker"]
            dated = self.rng.random() < 0.75
            when = f.date_text("article_dates") if dated else ""
            page.lines += [self.nbsp(title), ""]
            if dated and self.rng.random() < 0.2:
                page.lines += [f"{marker} {when}"]
            else:
                page.lines += [marker + self.rng.choice((" ", NBSP, ""))] + ([when] if dated else [])
            page.lines += [""] + self._body(f, self.rng.randint(3, 6), blank=True, contact=0.6) + [""]
            page.items.append((title, f.published.isoformat() if dated else None))

    def chrome(self, page: _Page, lang: dict, count: int) -> None:
        for block in lang["chrome"]:
            if self.rng.random() < 0.85:
                teaser = self.rng.choice(lang["teasers"])
                page.lines += [line.format(teaser=teaser) for line in block]
        for _ in range(count):
            f = self.filler(lang)
            title = f.title()
            page.lines += [title] + self._body(f, self.rng.randint(4, 8), blank=False, contact=0.9)
            page.items.append((title, None))

    def listing_dated(self, page: _Page, lang: dict, count: int) -> None:
        for _ in range(count):
            f = self.filler(lang)
            title = f.title()
            page.lines += [f.date_text("listing_date"), "", self.nbsp(title), ""]
            page.lines += self._body(f, self.rng.randint(1, 2), blank=True, contact=0.1)
            page.lines += [""] * self.rng.randint(1, 2)
            page.items.append((title, f.published.isoformat()))

    def listing_undated(self, page: _Page, lang: dict, count: int) -> None:
        for _ in range(count):
            f = self.filler(lang)
            title = f.title()
            page.lines += [self.nbsp(title), ""] + self._body(f, self.rng.randint(1, 2), blank=True, contact=0.0)
            page.lines += [""] * self.rng.randint(1, 2)
            page.items.append((title, None))

    def _body(self, f: _Filler, paragraphs: int, blank: bool, contact: float) -> list[str]:
        paras = [self.nbsp(p) for p in f.paragraphs(paragraphs)]
        if self.rng.random() < contact:
            paras.append(f.fill(f.pick("contact")))
        if not blank:
            return paras
        return [line for p in paras for line in (p, "")][:-1]


def _choose_layout(rng: random.Random, page_no: int) -> str:
    """The first pages cycle through every layout, so even a tiny corpus has them all."""
    layouts = list(LAYOUT_WEIGHTS)
    if page_no < len(layouts):
        return layouts[page_no]
    return rng.choices(layouts, weights=list(LAYOUT_WEIGHTS.values()))[0]


def _scrape_noise(rng: random.Random, lines: list[str]) -> list[str]:
    """Blank lines that hold spaces and lines with trailing spaces, as scraped text has."""
    noisy = []
    for line in lines:
        roll = rng.random()
        if not line and roll < P_WHITE_BLANK:
            line = rng.choice((" ", NBSP, "  \t"))
        elif line and roll < P_TRAILING_SPACE:
            line += rng.choice((" ", NBSP))
        noisy.append(line)
    return noisy


def _encode(lines: list[str], crlf: bool, bom: bool) -> bytes:
    text = "\n".join(lines).rstrip("\n") + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return (BOM if bom else b"") + text.encode("utf-8")


def _clear(out: Path) -> None:
    """Remove a previous corpus (only the kinds of file this script writes)."""
    for pattern in OUTPUT_GLOBS:
        for old in out.glob(pattern):
            old.unlink()


def _new_manifest(seed: int, catalogue: Catalogue) -> dict:
    return {"seed": seed, "items": 0, "pages": 0, "items_per_layout": dict.fromkeys(LAYOUT_WEIGHTS, 0),
            "pages_per_layout": dict.fromkeys(LAYOUT_WEIGHTS, 0), "variants": {"es": 0, "crlf": 0, "bom": 0},
            "catalogue": catalogue.sources, "expected": "expected.jsonl"}


def _make_page(maker: PageMaker, manifest: dict, remaining: int) -> tuple[str, _Page, dict[str, bool]]:
    rng = maker.rng
    layout = _choose_layout(rng, manifest["pages"])
    low, high = LAYOUT_ITEMS[layout]
    count = min(rng.randint(low, high), remaining)
    if count == 1 and layout == "listing-undated":  # one undated block is an article, not a listing
        layout = "chrome-article"
    variants = {"es": rng.random() < P_SPANISH, "crlf": rng.random() < P_CRLF, "bom": rng.random() < P_BOM}
    builders = {"article": maker.article, "chrome-article": maker.chrome,
                "listing-dated": maker.listing_dated, "listing-undated": maker.listing_undated}
    page = _Page()
    builders[layout](page, maker.templates["es" if variants["es"] else "en"], count)
    page.lines = _scrape_noise(rng, page.lines)
    return layout, page, variants


def generate(items: int, seed: int, out: Path, catalogue: Catalogue, templates: dict[str, dict]) -> dict:
    """Write `items` items as pages into `out`; return the manifest (also written there)."""
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    maker = PageMaker(seed, catalogue, templates)
    manifest = _new_manifest(seed, catalogue)
    with (out / "expected.jsonl").open("w", encoding="utf-8", newline="\n") as expected:
        while manifest["items"] < items:
            layout, page, variants = _make_page(maker, manifest, items - manifest["items"])
            name = f"{manifest['pages']:06d}_{maker.rng.getrandbits(64):016x}.txt"
            (out / name).write_bytes(_encode(page.lines, variants["crlf"], variants["bom"]))
            for index, (title, published) in enumerate(page.items, start=1):
                row = {"source": name, "index": index, "layout": layout, "title": _clean(title), "date": published}
                expected.write(json.dumps(row, ensure_ascii=False) + "\n")
            manifest["pages"] += 1
            manifest["items"] += len(page.items)
            manifest["items_per_layout"][layout] += len(page.items)
            manifest["pages_per_layout"][layout] += 1
            for key, on in variants.items():
                manifest["variants"][key] += on
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000, help="number of items to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, help="output folder (default benchmarks/out/corpus-ITEMS-sSEED)")
    parser.add_argument("--catalogue", type=Path, default=REPO / "mappings",
                        help="folder with countries.tsv / organizations.tsv (default: the repo's mappings/)")
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared",
                        help="shared reference data, used where the catalogue lacks a file (default ../shared)")
    args = parser.parse_args(argv)
    if args.items < 1:
        parser.error("--items must be at least 1")
    out = args.out or HERE / "out" / f"corpus-{args.items}-s{args.seed}"
    try:
        catalogue = load_catalogue(args.catalogue, args.shared)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    manifest = generate(args.items, args.seed, out, catalogue, load_templates())
    seconds = time.perf_counter() - start
    print(f"{manifest['items']} items in {manifest['pages']} pages -> {out} "
          f"({seconds:.2f} s, {manifest['items'] / seconds:,.0f} items/s)")
    print("items per layout: " + ", ".join(f"{k} {v}" for k, v in manifest["items_per_layout"].items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
