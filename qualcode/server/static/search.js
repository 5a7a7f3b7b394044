// The search box of a document: the server finds the hits (`qualcode search`, the
// codebook's matcher on lemmas, or exact words, or a regex), the page highlights them
// with the CSS Custom Highlight API (no change to the transcript's DOM) and jumps
// between them (Enter / Shift+Enter, or the arrows).
import { docPath, get } from "./api.js";
import { el } from "./dom.js";

const H = { doc: null, query: "", mode: "lemma", hits: [], at: -1, timer: null, seq: 0 };

export function mountSearch(box, docId, onError) {
  H.doc = docId; H.hits = []; H.at = -1;
  const input = el("input", { type: "search", id: "text-search", value: H.query,
                              placeholder: "search the text (lemmas)", "aria-label": "search the text" });
  const mode = el("select", { id: "text-search-mode", "aria-label": "how to match" },
    ["lemma", "exact", "regex"].map((m) => {
      const o = el("option", { value: m, text: m }); o.selected = m === H.mode; return o;
    }));
  const count = el("span", { id: "text-search-count", class: "muted", "aria-live": "polite" });
  const prev = el("button", { id: "text-search-prev", text: "↑", title: "previous hit (Shift+Enter)" });
  const next = el("button", { id: "text-search-next", text: "↓", title: "next hit (Enter)" });
  box.replaceChildren(input, mode, prev, next, count);
  const run = async () => {
    H.query = input.value; H.mode = mode.value;
    const seq = ++H.seq;
    if (!H.query.trim()) { H.hits = []; H.at = -1; paintHits(); return; }
    try {
      const q = `?q=${encodeURIComponent(H.query)}&mode=${encodeURIComponent(H.mode)}`;
      const res = await get(`${docPath(H.doc)}/search${q}`);
      if (seq !== H.seq) return;  // a newer query is on its way
      H.hits = res.hits; H.at = H.hits.length ? 0 : -1;
      paintHits(); jump(0);
    } catch (e) {
      if (seq !== H.seq) return;
      H.hits = []; H.at = -1; paintHits(e.message); onError(e.message);
    }
  };
  input.addEventListener("input", () => { clearTimeout(H.timer); H.timer = setTimeout(run, 150); });
  mode.addEventListener("change", run);
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      ev.preventDefault();
      if (input.value !== H.query) { clearTimeout(H.timer); run(); } else jump(ev.shiftKey ? -1 : 1);
    }
    if (ev.key === "Escape") { input.value = ""; run(); input.blur(); }
  });
  prev.addEventListener("click", () => jump(-1));
  next.addEventListener("click", () => jump(1));
  if (H.query.trim()) run();
}

function rangeOf(root, s16, e16) {
  // segments carry their UTF-16 start and end (render.js); a hit may span several
  const segs = [...root.querySelectorAll(".seg")];
  let start = null, end = null;
  for (const seg of segs) {
    const a = Number(seg.dataset.s), b = Number(seg.dataset.e);
    const node = seg.firstChild;
    if (!node) continue;
    if (start === null && s16 >= a && s16 < b) start = [node, s16 - a];
    if (start !== null && e16 > a && e16 <= b) { end = [node, e16 - a]; break; }
  }
  if (!start || !end) return null;
  const r = document.createRange();
  r.setStart(...start); r.setEnd(...end);
  return r;
}

// Draw the hits again (after every render of the transcript).
export function paintHits(error = null) {
  const root = document.getElementById("transcript");
  const count = document.getElementById("text-search-count");
  if (!root) return;
  const ranges = H.hits.map((h) => rangeOf(root, h.s16, h.e16)).filter(Boolean);
  if (window.CSS && CSS.highlights) {
    CSS.highlights.set("search-hit", new Highlight(...ranges));
    const cur = H.at >= 0 ? rangeOf(root, H.hits[H.at].s16, H.hits[H.at].e16) : null;
    CSS.highlights.set("search-current", cur ? new Highlight(cur) : new Highlight());
  }
  root.dataset.hits = String(H.hits.length);
  if (count) {
    count.textContent = error ? "" : !H.query.trim() ? "" : H.hits.length
      ? `${H.at + 1} of ${H.hits.length}` : `no match for “${H.query}”`;
  }
}

function jump(step) {
  if (!H.hits.length) return;
  H.at = (H.at + step + H.hits.length) % H.hits.length;
  paintHits();
  const root = document.getElementById("transcript");
  const r = rangeOf(root, H.hits[H.at].s16, H.hits[H.at].e16);
  if (r) {
    r.startContainer.parentElement.scrollIntoView({ block: "center" });
    root.dataset.current = String(H.hits[H.at].s16);
  }
}
