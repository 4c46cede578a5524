"""Validation findings and the report a steward reads (text, JSON, CSV, HTML, Turtle).

The summary counts every finding; the caps (`max_results`, `max_per_shape`)
only shorten the detail list, so a capped report still says how many there
were.
"""
from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import rdflib

SEVERITIES = ("Info", "Warning", "Violation")
FORMATS = ("text", "json", "csv", "html", "ttl")


def severity_rank(name: str) -> int:
    return SEVERITIES.index(name) if name in SEVERITIES else len(SEVERITIES)


@dataclass(frozen=True)
class Finding:
    rule_id: str | None     # dcterms:identifier of the shape or SPARQL constraint, e.g. "EVT-020"
    shape: str
    path: str | None
    severity: str           # Info | Warning | Violation
    focus_node: str
    value: str | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    findings: list[Finding]
    targets: dict[str, int]                 # rule id of a node shape -> focus nodes it targeted
    fail_on: str = "Violation"
    max_results: int | None = None
    max_per_shape: int | None = None
    results_graph: rdflib.Graph | None = field(default=None, repr=False)

    @property
    def conforms(self) -> bool:
        """No finding at all (the SHACL meaning)."""
        return not self.findings

    @property
    def failed(self) -> bool:
        """A finding at or above the `fail_on` severity (what an exit code should follow)."""
        limit = severity_rank(self.fail_on)
        return any(severity_rank(f.severity) >= limit for f in self.findings)

    def details(self) -> list[Finding]:
        """The findings after the caps, most severe first."""
        ordered = sorted(self.findings, key=lambda f: (-severity_rank(f.severity), f.rule_id or "", f.focus_node))
        per_shape: Counter = Counter()
        out = []
        for finding in ordered:
            if self.max_results is not None and len(out) >= self.max_results:
                break
            key = finding.rule_id or finding.shape
            if self.max_per_shape is not None and per_shape[key] >= self.max_per_shape:
                continue
            per_shape[key] += 1
            out.append(finding)
        return out

    def summary(self) -> list[dict[str, Any]]:
        """One row per (rule id, shape, path, severity) with a count and a sample."""
        groups: dict[tuple, dict[str, Any]] = {}
        for f in self.findings:
            key = (f.rule_id or "", f.shape, f.path or "", f.severity)
            row = groups.get(key)
            if row is None:
                row = groups[key] = {"rule_id": f.rule_id, "shape": f.shape, "path": f.path, "severity": f.severity,
                                     "count": 0, "sample_focus_node": f.focus_node, "sample_value": f.value,
                                     "message": f.message}
            row["count"] += 1
        return sorted(groups.values(), key=lambda r: (-severity_rank(r["severity"]), r["rule_id"] or "", r["shape"]))

    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.findings)
        return {s: found.get(s, 0) for s in reversed(SEVERITIES)}

    def render(self, fmt: str = "text") -> str:
        if fmt not in FORMATS:
            raise ValueError(f"unknown report format {fmt!r} (one of {', '.join(FORMATS)})")
        return getattr(self, f"_render_{fmt}")()

    def _render_text(self) -> str:
        counts = ", ".join(f"{n} {s.lower()}{'s' if n != 1 else ''}" for s, n in self.counts().items())
        lines = [f"{'FAILS' if self.failed else 'CONFORMS'} (fail on {self.fail_on}): {counts}", "", "Summary:"]
        for row in self.summary():
            lines.append(f"  {row['rule_id'] or '-':8} {row['severity']:9} {row['count']:6}  {row['shape']}"
                         f" path={row['path'] or '-'}  e.g. {row['sample_focus_node']}"
                         f" value={row['sample_value'] or '-'}  {row['message']}")
        if not self.findings:
            lines.append("  (no findings)")
        lines += ["", "Focus nodes per shape:"]
        lines += [f"  {rule:10} {n:6}{'  (matched nothing)' if n == 0 else ''}" for rule, n in self.targets.items()]
        details = self.details()
        lines += ["", f"Details ({len(details)} of {len(self.findings)}):"]
        for f in details:
            lines.append(f"  [{f.severity}] {f.rule_id or '-'} {f.focus_node} path={f.path or '-'}"
                         f" value={f.value or '-'}: {f.message}")
        return "\n".join(lines) + "\n"

    def _render_json(self) -> str:
        data = {"conforms": self.conforms, "failed": self.failed, "fail_on": self.fail_on, "counts": self.counts(),
                "summary": self.summary(), "targets": self.targets, "total": len(self.findings),
                "results": [f.to_json() for f in self.details()]}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def _render_csv(self) -> str:
        out = io.StringIO()
        names = list(Finding.__dataclass_fields__)
        writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for f in self.details():
            writer.writerow(f.to_json())
        return out.getvalue()

    def _render_html(self) -> str:
        e = html.escape
        rows = "".join(f"<tr><td>{e(r['rule_id'] or '')}</td><td>{e(r['severity'])}</td><td>{r['count']}</td>"
                       f"<td>{e(r['shape'])}</td><td>{e(r['path'] or '')}</td><td>{e(r['sample_focus_node'])}</td>"
                       f"<td>{e(r['sample_value'] or '')}</td><td>{e(r['message'])}</td></tr>" for r in self.summary())
        targets = "".join(f"<tr><td>{e(k)}</td><td>{v}</td></tr>" for k, v in self.targets.items())
        details = "".join(f"<tr><td>{e(f.severity)}</td><td>{e(f.rule_id or '')}</td><td>{e(f.focus_node)}</td>"
                          f"<td>{e(f.path or '')}</td><td>{e(f.value or '')}</td><td>{e(f.message)}</td></tr>"
                          for f in self.details())
        status = "fails" if self.failed else "conforms"
        return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>SHACL validation report</title></head><body>"
                f"<h1>SHACL validation report: {status}</h1><p>{e(json.dumps(self.counts()))}</p>"
                "<h2>Summary</h2><table border=\"1\"><tr><th>rule</th><th>severity</th><th>count</th><th>shape</th>"
                f"<th>path</th><th>sample focus node</th><th>sample value</th><th>message</th></tr>{rows}</table>"
                f"<h2>Focus nodes per shape</h2><table border=\"1\"><tr><th>shape</th><th>nodes</th></tr>{targets}</table>"
                "<h2>Details</h2><table border=\"1\"><tr><th>severity</th><th>rule</th><th>focus node</th><th>path</th>"
                f"<th>value</th><th>message</th></tr>{details}</table></body></html>\n")

    def _render_ttl(self) -> str:
        graph = self.results_graph if self.results_graph is not None else rdflib.Graph()
        return graph.serialize(format="turtle")
