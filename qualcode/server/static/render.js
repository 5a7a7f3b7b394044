// The transcript: speaker turns split into segments at coding boundaries. Each segment
// carries its UTF-16 start (data-s) so a DOM selection maps back to document
// positions; the server converts those to the store's code points.
import { el, rgba } from "./dom.js";

const ALPHA = { accepted: 0.32, suggested: 0.16 };

function segmentStyle(node, covering, codes) {
  const colors = covering.map((c) => rgba((codes[c.code] || {}).color,
                                          ALPHA[c.status] || 0.3));
  if (colors.length === 1) node.style.backgroundColor = colors[0];
  else {
    const step = 100 / colors.length;
    const bands = colors.map((c, i) => `${c} ${i * step}% ${(i + 1) * step}%`);
    node.style.backgroundImage = `linear-gradient(to bottom, ${bands.join(", ")})`;
  }
  const pending = covering.find((c) => c.status === "suggested");
  if (pending) {
    node.classList.add("pending");
    node.style.textDecorationColor = (codes[pending.code] || {}).color || "#666";
  }
}

export function describe(c, codes) {
  const code = codes[c.code];
  const who = c.origin === "auto" ? `suggestion (${c.status})` : `${c.coder}`;
  return `${code ? code.name : c.code} - ${who}`;
}

// Render one turn's text [s, e) with the codings overlapping it into `box`; record
// each coding's first and last segment in `ends` (for the margin stripes).
function renderText(box, text, s, e, codings, codes, ends, extra) {
  const here = codings.filter((c) => c.s16 < e && c.e16 > s);
  const cuts = new Set([s, e]);
  for (const c of here) { cuts.add(Math.max(s, c.s16)); cuts.add(Math.min(e, c.e16)); }
  for (const d of extra) if (d.s16 < e && d.e16 > s) {
    cuts.add(Math.max(s, d.s16)); cuts.add(Math.min(e, d.e16));
  }
  const points = [...cuts].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i], b = points[i + 1];
    const seg = el("span", { class: "seg", dataset: { s: a, e: b } });
    seg.textContent = text.slice(a, b);
    const covering = here.filter((c) => c.s16 < b && c.e16 > a);
    if (covering.length) {
      seg.classList.add("coded");
      segmentStyle(seg, covering, codes);
      seg.title = covering.map((c) => describe(c, codes)).join("\n");
      seg.dataset.codings = covering.map((c) => c.id).join(",");
      for (const c of covering) {
        const rec = ends.get(c.id) || { first: seg, last: seg };
        rec.last = seg;
        ends.set(c.id, rec);
      }
    }
    if (extra.some((d) => d.s16 < b && d.e16 > a)) seg.classList.add("disagree");
    box.append(seg);
  }
}

function turnNode(doc, turn, codings, codes, ends, extra) {
  const box = el("div", { class: "text" });
  renderText(box, doc.text, turn.s16, turn.e16, codings, codes, ends, extra);
  return el("div", { class: `turn ${turn.role}`, dataset: { idx: turn.idx } },
    el("div", { class: "speaker", text: turn.speaker || "" }), box);
}

// The whole transcript, one column (codings) or two (compare: left, right codings).
export function renderTranscript(root, doc, columns, codes, extra = []) {
  const frag = document.createDocumentFragment();
  const ends = columns.map(() => new Map());
  for (const turn of doc.turns) {
    const row = el("div", { class: "row" });
    columns.forEach((codings, i) => {
      row.append(turnNode(doc, turn, codings, codes, ends[i], extra));
    });
    frag.append(row);
  }
  root.replaceChildren(frag);
  root.classList.toggle("compare", columns.length > 1);
  return ends;
}

// NVivo-like coding stripes: one bar per coding in the margin, one lane per code and
// coder (so two coders' codings of one code never hide each other).
export function renderStripes(margin, root, codings, ends, codes, order) {
  const base = root.getBoundingClientRect().top;
  const rank = Object.fromEntries(order.map((id, i) => [id, i]));
  const keys = [...new Set(codings.map((c) => `${c.code}|${c.coder}`))].sort((x, y) => {
    const [a, p] = x.split("|"), [b, q] = y.split("|");
    return (rank[a] ?? 1e9) - (rank[b] ?? 1e9) || p.localeCompare(q);
  });
  const lanes = Object.fromEntries(keys.map((k, i) => [k, i]));
  const frag = document.createDocumentFragment();
  for (const c of codings) {
    const rec = ends.get(c.id);
    if (!rec) continue;
    const top = rec.first.getBoundingClientRect().top - base;
    const bottom = rec.last.getBoundingClientRect().bottom - base;
    const bar = el("div", { class: `stripe ${c.status}`, title: describe(c, codes),
                            dataset: { id: c.id } });
    bar.style.top = `${top}px`;
    bar.style.height = `${Math.max(4, bottom - top)}px`;
    bar.style.left = `${lanes[`${c.code}|${c.coder}`] * 6}px`;
    bar.style.backgroundColor = (codes[c.code] || {}).color || "#999";
    frag.append(bar);
  }
  margin.style.width = `${Math.max(1, keys.length) * 6 + 4}px`;
  margin.style.height = `${root.scrollHeight}px`;
  margin.replaceChildren(frag);
}

// A DOM point (node, offset) inside the transcript -> UTF-16 position in the text.
export function pointOffset(root, node, offset, atEnd) {
  if (node.nodeType === Node.TEXT_NODE) {
    const seg = node.parentElement.closest(".seg");
    if (seg && root.contains(seg)) return Number(seg.dataset.s) + offset;
    node = node.parentElement;
    offset = 0;
  }
  const segs = root.querySelectorAll(".seg");
  const probe = offset < node.childNodes.length ? node.childNodes[offset] : null;
  for (const seg of segs) {
    const pos = probe ? probe.compareDocumentPosition(seg)
                      : node.compareDocumentPosition(seg);
    const after = probe ? (pos & Node.DOCUMENT_POSITION_FOLLOWING ||
                           pos & Node.DOCUMENT_POSITION_CONTAINED_BY || seg === probe)
                        : (pos & Node.DOCUMENT_POSITION_FOLLOWING &&
                           !(pos & Node.DOCUMENT_POSITION_CONTAINED_BY));
    if (after) return Number(seg.dataset.s);
  }
  return segs.length ? Number(segs[segs.length - 1].dataset.e) : null;
}

export function selectionOffsets(root) {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer)) return null;
  const s16 = pointOffset(root, range.startContainer, range.startOffset, false);
  const e16 = pointOffset(root, range.endContainer, range.endOffset, true);
  if (s16 === null || e16 === null || e16 <= s16) return null;
  return { s16, e16, text: range.toString() };
}
