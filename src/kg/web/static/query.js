// Query page: editor, examples, results table, downloads and permalink. No external code.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("kg-config").textContent);
  const editor = document.getElementById("query");
  const status = document.getElementById("status");
  const results = document.getElementById("results");
  const downloads = document.getElementById("downloads");
  const permalink = document.getElementById("permalink");
  const examples = Object.fromEntries(config.examples.map((e) => [e.name, e]));
  const DEFAULT = config.prologue + "\nSELECT ?s ?p ?o WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n";

  editor.value = config.initial || DEFAULT;

  function isGraphQuery(text) {
    const stripped = text.replace(/#[^\n]*/g, " ").replace(/<[^>\s]*>/g, " ");
    const m = stripped.match(/\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i);
    return !!m && /^(CONSTRUCT|DESCRIBE)$/i.test(m[1]);
  }

  function queryUrl(format) {
    const params = new URLSearchParams({ query: editor.value });
    if (format) params.set("format", format);
    return config.endpoint + "?" + params.toString();
  }

  function updateLinks() {
    const params = new URLSearchParams({ query: editor.value });
    permalink.href = window.location.pathname + "?" + params.toString();
    const graph = isGraphQuery(editor.value);
    downloads.querySelector(".results-formats").hidden = graph;
    downloads.querySelector(".graph-formats").hidden = !graph;
    downloads.querySelectorAll("a[data-format]").forEach((a) => { a.href = queryUrl(a.dataset.format); });
  }

  function link(iri) {
    const local = config.base + "id/";
    if (!iri.startsWith(local) && !/^https?:\/\//i.test(iri)) {
      const span = document.createElement("span");  // no javascript: or other scheme links
      span.textContent = iri;
      return span;
    }
    const a = document.createElement("a");
    a.href = iri.startsWith(local) ? config.pagePrefix + iri.slice(local.length) : iri;
    a.textContent = iri;
    return a;
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") td.appendChild(link(term.value));
    else if (term.type === "bnode") td.textContent = "_:" + term.value;
    else {
      td.textContent = term.value;
      const tag = term["xml:lang"] ? "@" + term["xml:lang"] : "";
      if (tag) { const s = document.createElement("span"); s.className = "lang"; s.textContent = " " + tag; td.appendChild(s); }
    }
    return td;
  }

  function table(data) {
    const t = document.createElement("table");
    t.className = "results-table";
    const head = t.createTHead().insertRow();
    data.head.vars.forEach((v) => { const th = document.createElement("th"); th.textContent = "?" + v; head.appendChild(th); });
    const body = t.createTBody();
    data.results.bindings.forEach((row) => {
      const tr = body.insertRow();
      data.head.vars.forEach((v) => tr.appendChild(cell(row[v])));
    });
    return t;
  }

  function showText(text, cls) {
    const pre = document.createElement("pre");
    pre.className = cls || "";
    pre.textContent = text;
    results.replaceChildren(pre);
  }

  async function run() {
    const text = editor.value;
    const graph = isGraphQuery(text);
    updateLinks();
    history.replaceState(null, "", permalink.href);
    status.textContent = "Running…";
    const started = performance.now();
    try {
      const response = await fetch(config.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: graph ? "text/turtle" : "application/sparql-results+json" },
        body: new URLSearchParams({ query: text }),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const body = await response.text();
      if (!response.ok) { status.textContent = "Error " + response.status; showText(body, "error"); return; }
      downloads.hidden = false;
      if (graph) { showText(body, "turtle"); status.textContent = "Done in " + seconds + " s"; return; }
      const data = JSON.parse(body);
      if ("boolean" in data) { showText(String(data.boolean), "boolean"); status.textContent = "Done in " + seconds + " s"; return; }
      results.replaceChildren(table(data));
      status.textContent = data.results.bindings.length + " row(s) in " + seconds + " s";
    } catch (err) {
      status.textContent = "Request failed";
      showText(String(err), "error");
    }
  }

  document.getElementById("run").addEventListener("click", run);
  document.getElementById("add-prefixes").addEventListener("click", () => {
    editor.value = config.prologue + editor.value; updateLinks();
  });
  editor.addEventListener("input", updateLinks);
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
    if (e.key === "Tab") {
      e.preventDefault();
      const s = editor.selectionStart;
      editor.setRangeText("  ", s, editor.selectionEnd, "end");
    }
  });
  document.querySelectorAll(".load-example, .run-example").forEach((button) => {
    button.addEventListener("click", () => {
      editor.value = examples[button.dataset.name].query;
      updateLinks();
      if (button.classList.contains("run-example")) run();
    });
  });
  updateLinks();
  if (config.initial) run();
})();
