// The workspace: sign-in or coder choice, document list, transcript with codings,
// codebook sidebar, suggestions, memos, undo, and polling for others' changes.
import { docPath, get, post, setCsrf } from "./api.js";
import { clear, el } from "./dom.js";
import { renderStripes, renderTranscript, selectionOffsets } from "./render.js";
import { mountSearch, paintHits } from "./search.js";
import { codebookPanel } from "./codebook.js";
import { mountPlayer } from "./player.js";

const S = {
  session: null, codebook: null, codes: {}, order: [], list: null, doc: null,
  hidden: new Set(), showRejected: false, compare: null, disagreements: [],
  focus: null, selection: null, filter: "", version: null, stamp: "", ends: null,
  memos: null, memoCode: null,
};
const $ = (id) => document.getElementById(id);
const panel = codebookPanel({ state: S, say, act, redraw: codebookChanged,
                              refreshDocument: () => refreshDocument() });

function say(text, error = false) {
  const box = $("message");
  box.textContent = text;
  box.className = error ? "error" : "ok";
}

async function act(fn) {
  try { return await fn(); } catch (e) { say(e.message, true); return null; }
}

// --- start ----------------------------------------------------------------------
async function start() {
  S.session = await get("/api/session");
  setCsrf(S.session.csrf);
  $("project").textContent = S.session.project;
  document.addEventListener("click", (ev) => {
    const a = ev.target.closest("[data-nav]");
    if (a) { ev.preventDefault(); navigate(a.dataset.nav); }
  });
  window.addEventListener("popstate", route);
  document.addEventListener("keydown", onKey);
  document.addEventListener("selectionchange", onSelection);
  if (!S.session.coder) return whoAreYou();
  await boot();
}

async function boot() {
  $("who").textContent = `coding as ${S.session.coder}`;
  S.codebook = await get("/api/codebook");
  S.codes = Object.fromEntries(S.codebook.codes.map((c) => [c.id, c]));
  S.order = S.codebook.codes.map((c) => c.id);
  S.version = (await get("/api/changes")).version;
  await route();
  setInterval(poll, 2000);
}

function whoAreYou() {
  const view = clear($("view"));
  if (S.session.auth_required) {
    const input = el("input", { id: "token", type: "password", autocomplete: "off",
                                placeholder: "your sign-in token" });
    const form = el("form", { class: "card", id: "signin" },
      el("h2", { text: "Sign in" }),
      el("p", { text: "This workspace is reachable from the network: sign in with the token you were given." }),
      input, el("button", { type: "submit", text: "Sign in" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      act(async () => { S.session = await post("/api/login", { token: input.value });
                        setCsrf(S.session.csrf); await boot(); });
    });
    view.append(form);
    return;
  }
  const input = el("input", { id: "coder-name", placeholder: "your name, e.g. amina",
                              autocomplete: "off" });
  const form = el("form", { class: "card", id: "choose-coder" },
    el("h2", { text: "Who is coding?" }),
    el("p", { text: "Everything you code, decide or write is saved under this name." }),
    input, el("button", { type: "submit", text: "Start coding" }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    act(async () => { S.session = await post("/api/session", { coder: input.value });
                      setCsrf(S.session.csrf); await boot(); });
  });
  view.append(form);
  input.focus();
}

function navigate(path) { history.pushState(null, "", path); route(); }

async function route() {
  const m = location.pathname.match(/^\/d\/(.+)$/);
  S.focus = null; S.selection = null; S.compare = null; S.disagreements = [];
  if (m) await openDocument(decodeURIComponent(m[1]));
  else await showList();
}

// --- polling: a cheap marker of the newest event; refetch when it moves ------------
async function poll() {
  let v;
  try { v = (await get("/api/changes")).version; } catch (e) { $("sync").textContent = "offline"; return; }
  $("sync").textContent = "";
  if (v === S.version) return;
  if (S.doc && selectionOffsets($("transcript"))) return;  // do not disturb a selection
  S.version = v;
  if (S.doc) await act(() => panel.refresh());  // a codebook change by anyone
  if (S.doc) await refreshDocument(); else if (S.list) await showList();
}

// --- document list ----------------------------------------------------------------
async function showList() {
  S.doc = null;
  $("crumb").textContent = "";
  S.list = await get("/api/documents");
  const view = clear($("view"));
  const filters = {};
  const table = el("table", { id: "documents" });
  const bar = el("div", { class: "filters" });
  const search = el("input", { type: "search", placeholder: "filter documents",
                               id: "doc-search" });
  bar.append(search);
  for (const attr of S.list.attributes) {
    const values = [...new Set(S.list.documents.map((d) => d[attr]).filter((v) => v != null))];
    if (values.length < 2 || values.length > 20) continue;
    const select = el("select", { "aria-label": attr, dataset: { attr } },
      el("option", { value: "", text: `${attr}: all` }),
      values.sort().map((v) => el("option", { value: String(v), text: String(v) })));
    select.addEventListener("change", () => { filters[attr] = select.value; draw(); });
    bar.append(select);
  }
  search.addEventListener("input", draw);
  const head = ["document", "case", "language", "words",
                ...S.list.attributes.filter((a) => !["date"].includes(a)).slice(0, 5)];
  function draw() {
    const q = search.value.toLowerCase();
    const rows = S.list.documents.filter((d) =>
      Object.entries(filters).every(([k, v]) => !v || String(d[k]) === v) &&
      (!q || JSON.stringify(Object.values(d)).toLowerCase().includes(q)));
    table.replaceChildren(
      el("thead", {}, el("tr", {}, head.map((h) => el("th", { text: h })),
        el("th", { text: "suggestions reviewed" }),
        S.list.coders.map((c) => el("th", { text: c })))),
      el("tbody", {}, rows.map((d) => {
        const p = d.progress;
        const total = p.suggested + p.decided;
        const meter = el("meter", { min: 0, max: Math.max(1, total), value: p.decided });
        return el("tr", {},
          el("td", {}, el("a", { href: `/d/${encodeURIComponent(d.document)}`,
                                 dataset: { nav: `/d/${encodeURIComponent(d.document)}` },
                                 text: d.document })),
          head.slice(1).map((h) => el("td", { text: d[h] ?? "" })),
          el("td", {}, meter, ` ${p.decided}/${total}`),
          S.list.coders.map((c) => el("td", { class: "num", text: p.coders[c] || "" })));
      })));
  }
  draw();
  view.append(el("h1", { text: "Documents" }), bar, table);
}

// --- one document ---------------------------------------------------------------------
async function openDocument(id) {
  S.list = null;
  S.doc = await act(() => get(docPath(id)));
  if (!S.doc) return;
  S.stamp = stampOf(S.doc);
  $("crumb").textContent = `› ${id}`;
  const view = clear($("view"));
  view.append(el("div", { id: "workspace" },
    el("section", { id: "reader" },
      el("div", { id: "player" }),
      el("div", { id: "search-bar" }),
      el("div", { id: "toolbar" }),
      el("div", { id: "page" }, el("div", { id: "transcript", lang: S.doc.attributes.language }),
         el("div", { id: "margin", "aria-hidden": "true" }))),
    el("aside", { id: "sidebar" },
      el("div", { id: "selection-box" }),
      el("div", { id: "focus-box" }),
      el("input", { type: "search", id: "code-search", placeholder: "search codes ( / )" }),
      el("ol", { id: "codes" }),
      el("div", { id: "code-detail" }),
      el("div", { id: "codebook-panel" }),
      el("div", { id: "disagreements" }),
      el("div", { id: "doc-memos" }))));
  $("code-search").addEventListener("input", () => { S.filter = $("code-search").value; drawCodes(); });
  $("code-search").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") { ev.preventDefault(); const first = visibleCodes()[0]; if (first) applyCode(first.id); }
    if (ev.key === "Escape") { ev.target.blur(); }
  });
  $("transcript").addEventListener("click", onTranscriptClick);
  window.addEventListener("resize", () => drawStripes());
  mountSearch($("search-bar"), id, (m) => say(m, true));
  drawToolbar(); drawCodes(); draw();
  mountPlayer($("player"), S.doc, $("transcript"), focused);
  S.memoCode = null; await loadMemos();
  panel.mount($("codebook-panel"));
}

function stampOf(doc) { return JSON.stringify([doc.codings, doc.memos, doc.text.length]); }

async function refreshDocument() {
  const fresh = await act(() => get(docPath(S.doc.id)));
  if (!fresh) return;
  await loadMemos();
  const stamp = stampOf(fresh);
  if (stamp === S.stamp) return;
  S.doc = fresh; S.stamp = stamp;
  if (S.focus && !S.doc.codings.some((c) => c.id === S.focus)) S.focus = null;
  if (S.compare) await loadDisagreements();
  drawToolbar(); draw();
}

function coders() {
  const names = new Set(S.doc.codings.filter((c) => c.origin !== "auto").map((c) => c.coder));
  names.add(S.session.coder);
  return [...names].sort();
}

function visible(who = null) {
  return S.doc.codings.filter((c) => {
    if (c.status === "rejected" && !S.showRejected) return false;
    if (who) return c.origin !== "auto" && c.coder === who && c.status === "accepted";
    const key = c.origin === "auto" ? "auto" : c.coder;
    return !S.hidden.has(key);
  });
}

function drawToolbar() {
  const bar = clear($("toolbar"));
  const toggle = (key, label) => {
    const box = el("input", { type: "checkbox", dataset: { coder: key } });
    box.checked = !S.hidden.has(key);
    box.addEventListener("change", () => { box.checked ? S.hidden.delete(key) : S.hidden.add(key); draw(); });
    return el("label", { class: "toggle" }, box, label);
  };
  bar.append(el("span", { class: "muted", text: "show: " }));
  for (const c of coders()) bar.append(toggle(c, c === S.session.coder ? `${c} (you)` : c));
  bar.append(toggle("auto", "suggestions"));
  const rej = el("input", { type: "checkbox" });
  rej.checked = S.showRejected;
  rej.addEventListener("change", () => { S.showRejected = rej.checked; draw(); });
  bar.append(el("label", { class: "toggle" }, rej, "rejected"));
  const names = coders();
  const pick = (id, value) => el("select", { id }, names.map((n) => {
    const o = el("option", { value: n, text: n }); o.selected = n === value; return o;
  }));
  const a = pick("compare-a", S.compare ? S.compare[0] : names[0]);
  const b = pick("compare-b", S.compare ? S.compare[1] : names[1] || names[0]);
  const btn = el("button", { id: "compare-btn", text: S.compare ? "single view" : "compare" });
  btn.addEventListener("click", () => act(async () => {
    S.compare = S.compare ? null : [a.value, b.value];
    if (S.compare) await loadDisagreements(); else S.disagreements = [];
    drawToolbar(); draw();
  }));
  bar.append(el("span", { class: "compare" }, a, " vs ", b, btn));
}

async function loadDisagreements() {
  const [a, b] = S.compare;
  if (a === b) throw new Error("pick two different coders to compare");
  const q = `?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`;
  S.disagreements = (await get(`${docPath(S.doc.id)}/disagreements${q}`)).disagreements;
}

function draw() {
  const root = $("transcript");
  if (S.compare) {
    S.ends = null;
    renderTranscript(root, S.doc, S.compare.map((c) => visible(c)), S.codes, S.disagreements);
    clear($("margin"));
  } else {
    S.ends = renderTranscript(root, S.doc, [visible()], S.codes)[0];
    drawStripes();
  }
  root.querySelectorAll(".seg.coded").forEach((seg) => {
    if (S.focus && seg.dataset.codings.split(",").includes(String(S.focus))) seg.classList.add("focused");
  });
  drawFocus(); drawSelection(); drawDisagreements(); paintHits();
}

function drawStripes() {
  if (!S.ends || !$("margin")) return;
  renderStripes($("margin"), $("transcript"), visible(), S.ends, S.codes, S.order);
}

// --- codebook sidebar -------------------------------------------------------------
function visibleCodes() {
  const q = S.filter.trim().toLowerCase();
  return S.codebook.codes.filter((c) => !q || c.id.includes(q) || c.name.toLowerCase().includes(q) ||
    c.description.toLowerCase().includes(q));
}

function drawCodes() {
  const list = clear($("codes"));
  visibleCodes().forEach((c, i) => {
    const swatch = el("span", { class: "swatch" });
    swatch.style.backgroundColor = c.color;
    const item = el("li", { class: "code", dataset: { code: c.id }, tabindex: 0 },
      el("kbd", { text: i < 9 ? String(i + 1) : "" }), swatch,
      el("span", { class: `name depth${c.depth}`, text: c.name }));
    item.addEventListener("mouseenter", () => drawCodeDetail(c));
    item.addEventListener("focus", () => drawCodeDetail(c));
    item.addEventListener("click", () => { drawCodeDetail(c); applyCode(c.id); });
    list.append(item);
  });
}

function drawCodeDetail(c) {
  const box = clear($("code-detail"));
  const part = (label, text) => text ? [el("h4", { text: label }), el("p", { text })] : [];
  const show = el("button", { text: "Memos on this code", class: "memo-code" });
  show.addEventListener("click", (ev) => { ev.stopPropagation(); S.memoCode = c.id; loadMemos(); });
  box.append(el("div", {}, el("h3", { text: `${c.name} (${c.id})` }), show,
    part("Definition", c.description), part("Include", c.include), part("Exclude", c.exclude),
    c.examples.length ? [el("h4", { text: "Examples" }),
                         el("ul", {}, c.examples.map((x) => el("li", { text: x })))] : []));
}

// After a codebook change (codebook.js reloaded S.codebook): palette and transcript.
function codebookChanged() {
  if (!S.doc) return;
  clear($("code-detail"));
  drawCodes(); draw();
}

// --- selecting and coding ---------------------------------------------------------------
function onSelection() {
  const root = $("transcript");
  if (!root) return;
  const sel = selectionOffsets(root);
  if (sel) { S.selection = sel; drawSelection(); }
}

function drawSelection() {
  const box = $("selection-box");
  if (!box) return;
  clear(box);
  if (!S.selection) {
    box.append(el("p", { class: "muted", text: "Select a passage, then press 1-9 or click a code." }));
    return;
  }
  const text = S.selection.text.length > 120 ? `${S.selection.text.slice(0, 120)}…` : S.selection.text;
  box.append(el("p", { class: "selected" }, el("strong", { text: "Selected: " }), `“${text}”`));
}

async function applyCode(code) {
  if (!S.selection) { say("select a passage in the transcript first", true); return; }
  const sel = S.selection;
  const made = await act(() => post(`${docPath(S.doc.id)}/codings`, { code, s16: sel.s16, e16: sel.e16 }));
  if (!made) return;
  S.doc.codings.push(made);
  S.doc.codings.sort((x, y) => x.s16 - y.s16 || x.id - y.id);
  S.stamp = stampOf(S.doc);
  S.selection = null; S.focus = made.id;
  window.getSelection().removeAllRanges();
  say(`coded #${made.id} as ${S.codes[code].name}`);
  draw();
}

// --- focused coding: suggestions and own codings ------------------------------------------
function onTranscriptClick(ev) {
  const seg = ev.target.closest(".seg.coded");
  if (!seg || !window.getSelection().isCollapsed) return;
  const ids = seg.dataset.codings.split(",").map(Number);
  const at = ids.indexOf(S.focus);
  S.focus = ids[(at + 1) % ids.length];
  draw();
}

function focused() { return S.doc && S.doc.codings.find((c) => c.id === S.focus); }

function drawFocus() {
  const box = clear($("focus-box"));
  const c = focused();
  if (!c) return;
  if (c.code !== S.memoCode && S.codes[c.code]) { S.memoCode = c.code; loadMemos(); }
  const code = S.codes[c.code] || { name: c.code, rules: {} };
  const rule = c.rule ? `rule ${c.rule}: ${code.rules[c.rule] || "(no longer in the codebook)"}` : null;
  const quote = S.doc.text.slice(c.s16, c.e16);
  box.append(el("div", {}, el("h3", { text: `#${c.id} ${code.name}` }),
    el("p", { class: "meta", text: `${c.origin === "auto" ? "suggestion" : c.origin} by ${c.coder} - ${c.status}` }),
    rule ? el("p", { class: "rule", text: rule }) : null,
    el("blockquote", { text: quote.length > 300 ? `${quote.slice(0, 300)}…` : quote })));
  const buttons = el("div", { class: "buttons" });
  const button = (label, key, fn) => {
    const b = el("button", { text: `${label} (${key})`, dataset: { action: label.toLowerCase() } });
    b.addEventListener("click", fn);
    buttons.append(b);
  };
  if (c.origin === "auto") {
    button("Accept", "a", () => decide("accept"));
    button("Reject", "r", () => decide("reject"));
    button("Widen", "w", () => decide("widen"));
    button("Narrow", "n", () => decide("narrow"));
  } else if (c.coder === S.session.coder && c.origin === "manual") {
    button("Remove", "x", removeFocused);
  }
  box.append(buttons);
  box.append(memoBlock("coding", String(c.id)));
}

async function decide(action) {
  const c = focused();
  if (!c || c.origin !== "auto") { say("focus a suggestion first: click it, or press j", true); return; }
  const done = await act(() => post(`${docPath(S.doc.id)}/codings/${c.id}/decide`, { action }));
  if (!done) return;
  Object.assign(c, done);
  S.stamp = stampOf(S.doc);
  say(`${action}: #${c.id} is ${done.status}`);
  if (action === "accept" || action === "reject") nextSuggestion(1, false);
  draw();
}

async function removeFocused() {
  const c = focused();
  if (!c || c.origin !== "manual" || c.coder !== S.session.coder) { say("focus one of your own codings first", true); return; }
  const done = await act(() => post(`${docPath(S.doc.id)}/codings/${c.id}/remove`, {}));
  if (!done) return;
  S.doc.codings = S.doc.codings.filter((x) => x.id !== c.id);
  S.stamp = stampOf(S.doc); S.focus = null;
  say(`removed #${c.id}`);
  draw();
}

async function undo() {
  const done = await act(() => post("/api/undo", {}));
  if (!done) return;
  say(`undone: ${done.undone}`);
  if (S.doc) await refreshDocument();
}

function nextSuggestion(dir, redraw = true) {
  const pending = visible().filter((c) => c.status === "suggested").sort((x, y) => x.s16 - y.s16);
  if (!pending.length) { say("no suggestions left in this document"); S.focus = null; if (redraw) draw(); return; }
  const cur = focused();
  const pos = cur ? cur.s16 : (dir > 0 ? -1 : Infinity);
  const next = dir > 0 ? pending.find((c) => c.s16 > pos || (c.s16 === pos && c.id > cur.id)) || pending[0]
                       : [...pending].reverse().find((c) => c.s16 < pos) || pending[pending.length - 1];
  S.focus = next.id;
  if (redraw) draw();
  const seg = document.querySelector(".seg.focused");
  if (seg) seg.scrollIntoView({ block: "center" });
}

// --- memos ------------------------------------------------------------------------
function memoBlock(on, target) {
  const mine = S.doc.memos.filter((m) => m.on === on && m.target === target);
  const area = el("textarea", { class: "memo-text", rows: 2, placeholder: `memo on this ${on}` });
  const btn = el("button", { text: "Add memo", class: "memo-add" });
  btn.addEventListener("click", () => act(async () => {
    const m = await post("/api/memos", { on, target, text: area.value });
    S.doc.memos.push(m); S.stamp = stampOf(S.doc);
    say(`memo #${m.id} saved`);
    draw(); S.memos = null; loadMemos();
  }));
  return el("div", { class: "memos" },
    el("ul", {}, mine.map((m) => el("li", {}, el("strong", { text: `${m.coder}: ` }), m.memo))),
    area, btn);
}

// The memo panel: every memo of the open document (on it or its codings), about the chosen
// code (on it, its sub-codes or their codings), and the project journal; write, edit and
// link in place. Drawn when the memos change, never while a memo is being typed.
async function loadMemos() {
  if (!S.doc) return;
  const q = new URLSearchParams({ document: S.doc.id });
  if (S.memoCode) q.set("code", S.memoCode);
  const got = await act(() => get(`/api/memos?${q}`));
  if (!got) return;
  const box = $("doc-memos");
  const typing = box && box.contains(document.activeElement) &&
    ["TEXTAREA", "INPUT"].includes(document.activeElement.tagName) && document.activeElement.value;
  if (typing && JSON.stringify(got) === JSON.stringify(S.memos)) return;
  S.memos = got;
  if (!typing) drawMemoPanel();
}

function memoItem(m) {
  const edited = m.edited_at ? ` · edited by ${m.edited_by} (${m.earlier} earlier kept)` : "";
  const body = el("p", { class: "memo-body", text: m.memo });
  const li = el("li", { class: "memo", dataset: { memo: m.id } }, body,
    el("p", { class: "memo-meta", text: `#${m.id} · ${m.coder} · ${(m.at || "").slice(0, 10)}${edited}` }),
    m.links.length ? el("p", { class: "memo-links", text: `links to ${m.links.join(", ")}` }) : null,
    m.about ? el("p", { class: "memo-meta", text: m.about }) : null);
  const tools = el("div", { class: "memo-tools" });
  if (m.coder === S.session.coder) {
    const edit = el("button", { text: "Edit", class: "memo-edit" });
    edit.addEventListener("click", () => {
      const area = el("textarea", { class: "memo-edit-text", rows: 3 });
      area.value = m.memo;
      const save = el("button", { text: "Save", class: "memo-save" });
      save.addEventListener("click", () => act(async () => {
        await post(`/api/memos/${m.id}/edit`, { text: area.value });
        say(`memo #${m.id} edited (the earlier text is kept)`);
        S.memos = null; await loadMemos();
      }));
      body.replaceWith(el("div", {}, area, save));
      area.focus();
    });
    tools.append(edit);
  }
  const to = el("input", { class: "memo-link-to", placeholder: "memo id or coding:ID", size: 14 });
  if (S.focus) to.value = `coding:${S.focus}`;
  const link = el("button", { text: "Link", class: "memo-link" });
  link.addEventListener("click", () => act(async () => {
    await post(`/api/memos/${m.id}/link`, { to: to.value.split(/[ ,]+/).filter(Boolean) });
    say(`memo #${m.id} linked to ${to.value}`);
    S.memos = null; await loadMemos();
  }));
  tools.append(to, link);
  li.append(tools);
  return li;
}

function memoWriter(on, target, label) {
  const area = el("textarea", { class: "memo-text", rows: 2, placeholder: label });
  const btn = el("button", { text: on === "project" ? "Add to journal" : "Add memo", class: "memo-add" });
  btn.addEventListener("click", () => act(async () => {
    const m = await post("/api/memos", { on, target, text: area.value });
    say(`memo #${m.id} saved`);
    if (on === "document") { S.doc.memos.push(m); S.stamp = stampOf(S.doc); }
    area.value = ""; S.memos = null; await loadMemos();
  }));
  return el("div", { class: "memo-writer" }, area, btn);
}

function drawMemoPanel() {
  const box = clear($("doc-memos"));
  if (!S.memos) return;
  const part = (key, title, items, writer) => el("section", { class: "memo-part", dataset: { memos: key } },
    el("h4", { text: title }),
    items.length ? el("ul", {}, items.map(memoItem)) : el("p", { class: "muted", text: "no memos yet" }),
    writer);
  const code = S.memoCode && S.codes[S.memoCode];
  box.append(el("h3", { text: "Memos" }),
    part("document", `This document (${S.doc.id})`, S.memos.document,
         memoWriter("document", S.doc.id, "memo on this document")),
    code ? part("code", `Code: ${code.name}`, S.memos.code,
                memoWriter("code", code.id, `memo on ${code.name}`))
         : el("p", { class: "muted", text: "choose a code (Memos on this code) to see its memos" }),
    part("journal", "Project journal", S.memos.journal,
         memoWriter("project", "", "journal entry")));
}

function drawDisagreements() {
  const box = clear($("disagreements"));
  if (!S.compare) return;
  box.append(el("h3", { text: `Disagreements: ${S.disagreements.length}` }));
  box.append(el("ol", {}, S.disagreements.map((d) => {
    const code = S.codes[d.code] || { name: d.code };
    const item = el("li", { class: "disagreement" },
      `${code.name}: only ${d.coders.join(", ")} - `,
      el("q", { text: S.doc.text.slice(d.s16, Math.min(d.e16, d.s16 + 80)) }));
    item.addEventListener("click", () => {
      const seg = [...document.querySelectorAll(".seg.disagree")].find((s) => Number(s.dataset.s) >= d.s16);
      if (seg) seg.scrollIntoView({ block: "center" });
    });
    return item;
  })));
}

// --- keys -----------------------------------------------------------------------------
function onKey(ev) {
  if (!S.doc || ev.altKey || ev.metaKey) return;
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (ev.ctrlKey) {
    if (ev.key === "z" && !typing) { ev.preventDefault(); undo(); }
    return;
  }
  if (typing) return;
  const k = ev.key;
  if (/^[1-9]$/.test(k)) {
    const code = visibleCodes()[Number(k) - 1];
    if (code) { ev.preventDefault(); applyCode(code.id); }
  } else if (k === "/") { ev.preventDefault(); $("code-search").focus(); }
  else if (k === "a") decide("accept");
  else if (k === "r") decide("reject");
  else if (k === "w") decide("widen");
  else if (k === "n") decide("narrow");
  else if (k === "x" || k === "Delete") removeFocused();
  else if (k === "u") undo();
  else if (k === "j") nextSuggestion(1);
  else if (k === "k") nextSuggestion(-1);
  else if (k === "m") { const t = document.querySelector("#focus-box .memo-text"); if (t) { ev.preventDefault(); t.focus(); } }
  else if (k === "Escape") { S.focus = null; S.selection = null; draw(); }
}

start().catch((e) => say(e.message, true));
