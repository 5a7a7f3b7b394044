// The codebook panel: rename, merge, move, split, retire/restore codes and undo the last
// codebook change (POST /api/codebook/...), and the queue of a split code's codings
// waiting to be sorted into its parts. Each change is the library's (the YAML edited in
// place, every coding carried in one transaction); an error is the server's one line.
// The panel owns the codebook in the app's state: after a change (here or by anyone,
// seen by the app's polling) it reloads it, then the app redraws the palette and the
// transcript.
import { get, post } from "./api.js";
import { clear, el } from "./dom.js";

export function codebookPanel(ctx) {
  // ctx: { state, say, act, redraw(), refreshDocument() }
  const S = ctx.state;
  let box = null;
  let info = { retired: [], queues: [], last: null };
  let chosen = null;       // the code the actions apply to
  let expanded = false;    // whether the actions are shown
  let sorting = null;      // the split code whose queue is open
  let waiting = null;      // its queue: { id, name, parts, codings }

  const style = el("link", { rel: "stylesheet", href: "/static/codebook.css" });
  document.head.append(style);

  function setCodebook(book) {
    S.codebook = book;
    // retired codes stay nameable (their codings are still shown), never in the palette
    const retired = info.retired.map((c) => ({ description: "", include: "", exclude: "",
                                               examples: [], rules: {}, depth: 0, ...c }));
    S.codes = Object.fromEntries([...retired, ...book.codes].map((c) => [c.id, c]));
    S.order = book.codes.map((c) => c.id);
  }

  // Reload the codebook and the panel's state; redraw when the codebook changed.
  async function refresh(force = false) {
    const [book, panel] = await Promise.all([get("/api/codebook"), get("/api/codebook/panel")]);
    const changed = force || JSON.stringify(book) !== JSON.stringify(S.codebook) ||
      JSON.stringify(panel.retired) !== JSON.stringify(info.retired);
    const shown = JSON.stringify([info, waiting]);
    info = panel;
    if (changed) setCodebook(book);
    if (sorting && !info.queues.some((q) => q.id === sorting)) { sorting = null; waiting = null; }
    if (sorting) waiting = await get(`/api/codebook/queue/${encodeURIComponent(sorting)}`);
    // redraw only what moved: a colleague's coding must not wipe what is being typed here
    if (changed || !box || !box.firstChild || JSON.stringify([info, waiting]) !== shown) draw();
    if (changed && S.doc) ctx.redraw();
    return changed;
  }

  async function change(path, body, after) {
    const done = await ctx.act(() => post(`/api/codebook/${path}`, body));
    if (!done) return null;
    if (after) after(done);
    ctx.say(done.message);
    await refresh(true);
    if (S.doc) await ctx.refreshDocument();
    return done;
  }

  function mount(node) {
    box = node;
    draw();
    ctx.act(() => refresh());
  }

  // --- drawing ------------------------------------------------------------------------
  const label = (c) => `${"\u2014 ".repeat(c.depth)}${c.name} (${c.id})`;

  function codeSelect(id, codes, value, extra = []) {
    const select = el("select", { id }, extra, codes.map((c) => {
      const o = el("option", { value: c.id, text: label(c) });
      o.selected = c.id === value;
      return o;
    }));
    return select;
  }

  function draw() {
    if (!box || !box.isConnected || !S.codebook) return;
    // a click opens <details> at once but its "toggle" event comes later: a redraw in
    // between must keep what the user just opened
    const shown = box.querySelector("#cb-actions");
    if (shown) expanded = shown.open;
    clear(box);
    box.append(drawQueues());
    const details = el("details", { id: "cb-actions" });
    details.open = expanded;
    details.addEventListener("toggle", () => { expanded = details.open; });
    details.append(el("summary", { text: "Change the codebook" }));
    const codes = S.codebook.codes;
    if (!codes.some((c) => c.id === chosen)) chosen = codes.length ? codes[0].id : null;
    if (chosen) details.append(drawActions(codes));
    details.append(...[drawRetired(), drawUndo()].filter(Boolean));
    box.append(details);
  }

  function row(title, ...children) {
    return el("div", { class: "cb-row" }, el("h4", { text: title }), ...children);
  }

  function drawActions(codes) {
    const code = codes.find((c) => c.id === chosen);
    const others = codes.filter((c) => c.id !== chosen);
    const pick = codeSelect("cb-code", codes, chosen);
    pick.addEventListener("change", () => { chosen = pick.value; draw(); });

    const newId = el("input", { id: "cb-new-id", value: code.id, "aria-label": "new id",
                                autocomplete: "off" });
    const newName = el("input", { id: "cb-new-name", value: code.name, "aria-label": "new name",
                                  autocomplete: "off" });
    const rename = el("button", { id: "cb-rename", text: "Rename" });
    rename.addEventListener("click", () => {
      const to = newId.value.trim() || code.id;
      const name = newName.value.trim();
      change("rename", { code: code.id, new: to, name: name && name !== code.name ? name : null },
             () => { chosen = to; });
    });

    const mergeWith = codeSelect("cb-merge-with", others, null);
    mergeWith.multiple = true;
    mergeWith.size = Math.min(5, Math.max(2, others.length));
    mergeWith.setAttribute("aria-label", "codes to merge with it");
    const into = el("input", { id: "cb-merge-into", value: code.id, list: "cb-ids",
                               "aria-label": "merge into (a code's id, or a new id)",
                               autocomplete: "off" });
    const ids = el("datalist", { id: "cb-ids" }, codes.map((c) => el("option", { value: c.id })));
    const mergeName = el("input", { id: "cb-merge-name", placeholder: "name (optional)",
                                    "aria-label": "name of the merged code", autocomplete: "off" });
    const merge = el("button", { id: "cb-merge", text: "Merge" });
    merge.addEventListener("click", () => {
      const picked = [...mergeWith.selectedOptions].map((o) => o.value);
      const target = into.value.trim();
      change("merge", { codes: [code.id, ...picked], into: target,
                        name: mergeName.value.trim() || null }, () => { chosen = target; });
    });

    const parent = (S.codebook.codes.find((c) => c.id === code.parent) || {}).id || "";
    const under = codeSelect("cb-move-under", others, parent,
                             [el("option", { value: "", text: "(top level)" })]);
    if (!parent) under.value = "";
    under.setAttribute("aria-label", "move under");
    const move = el("button", { id: "cb-move", text: "Move" });
    move.addEventListener("click", () => {
      change("move", under.value ? { code: code.id, under: under.value }
                                 : { code: code.id, top: true });
    });

    const parts = el("input", { id: "cb-split-into", placeholder: "new ids: x, y",
                                "aria-label": "split into", autocomplete: "off" });
    const split = el("button", { id: "cb-split", text: "Split" });
    split.addEventListener("click", () => {
      change("split", { code: code.id, into: parts.value.split(",") },
             () => { sorting = code.id; });
    });

    const retire = el("button", { id: "cb-retire", text: "Retire" });
    retire.addEventListener("click", () => change("retire", { code: code.id }));

    return el("div", { class: "cb-actions" },
      el("label", { class: "cb-pick" }, "Code ", pick),
      row("Rename", el("div", { class: "cb-line" }, newId, newName, rename)),
      row("Merge", el("div", { class: "cb-line" }, mergeWith),
          el("div", { class: "cb-line" }, "into ", into, ids, mergeName, merge)),
      row("Move", el("div", { class: "cb-line" }, "under ", under, move)),
      row("Split", el("div", { class: "cb-line" }, parts, split)),
      row("Retire", el("p", { class: "muted", text: "Kept with its codings, out of counts, " +
                                                    "suggestions and the palette." }), retire));
  }

  function drawRetired() {
    if (!info.retired.length) return null;
    return row("Retired codes", el("ul", { id: "cb-retired" }, info.retired.map((c) => {
      const item = el("li", { dataset: { code: c.id } }, `${c.name} (${c.id}) `);
      if (c.retired) {
        const restore = el("button", { class: "cb-restore", text: "Restore" });
        restore.addEventListener("click", () => change("retire", { code: c.id, restore: true }));
        item.append(restore);
      } else item.append(el("span", { class: "muted", text: "(retired with its parent)" }));
      return item;
    })));
  }

  function drawUndo() {
    const last = info.last;
    const undo = el("button", { id: "cb-undo", disabled: !last,
                                text: last ? `Undo: ${last.summary}` : "Nothing to undo" });
    if (last) undo.title = `${last.change} by ${last.coder} at ${last.at}`;
    undo.addEventListener("click", () => change("undo", {}));
    return row("Undo the last codebook change", undo);
  }

  // --- the split queue -------------------------------------------------------------------
  function drawQueues() {
    const wrap = el("div", { id: "cb-queues" });
    if (!info.queues.length) return wrap;
    wrap.append(el("h3", { text: "To sort after a split" }));
    for (const q of info.queues) {
      const open = el("button", { class: "cb-open-queue", dataset: { code: q.id },
                                  text: `${q.name}: ${q.waiting} waiting` });
      open.addEventListener("click", () => ctx.act(async () => {
        sorting = sorting === q.id ? null : q.id;
        waiting = null;
        draw();
        await refresh();
      }));
      wrap.append(el("div", { class: "cb-queue-head" }, open));
      if (sorting === q.id && waiting) wrap.append(drawQueue(waiting));
    }
    return wrap;
  }

  function drawQueue(queue) {
    return el("ol", { id: "cb-queue", dataset: { code: queue.id } }, queue.codings.map((c) => {
      const buttons = el("div", { class: "buttons" }, queue.parts.map((p) => {
        const b = el("button", { class: "cb-assign", dataset: { code: p.id }, text: p.name });
        if (p.color) b.style.borderLeft = `4px solid ${p.color}`;
        b.addEventListener("click", () => change("assign", { ids: [c.id], code: p.id }));
        return b;
      }));
      const who = c.origin === "auto" ? `suggestion (${c.status})` : `${c.coder} (${c.status})`;
      return el("li", { class: "cb-waiting", dataset: { id: c.id } },
        el("blockquote", { text: c.text }),
        el("p", { class: "muted" }, `${c.document}${c.speaker ? ` · ${c.speaker}` : ""} · ${who}`),
        buttons);
    }));
  }

  return { mount, refresh };
}
