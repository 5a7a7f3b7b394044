// The recording beside the transcript: an HTML5 player, a time button on every timed
// turn (play from there), "play coding" for the focused coding's time range, the turn
// being heard highlighted, and keys: space (play/pause), left/right (5 s back/forward).
// Keys never act while typing in a field, nor when the player itself has the focus.
import { clear, el } from "./dom.js";

let P = null; // the current document's player

export function clock(t) {
  const s = Math.max(0, Math.floor(t));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0"), ss = String(sec).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function ensureStyles() {
  if (document.getElementById("player-css")) return;
  document.head.append(el("link", { id: "player-css", rel: "stylesheet",
                                    href: "/static/player.css" }));
}

// Mount the player for `doc` into `box`; `root` is the transcript, `focused()` the
// focused coding (or undefined).
export function mountPlayer(box, doc, root, focused) {
  ensureStyles();
  if (P) P.observer.disconnect();
  P = null;
  clear(box);
  const media = doc.media;
  if (!media) { box.hidden = true; return null; }
  box.hidden = false;
  if (!media.url) {
    box.append(el("p", { class: "media-note", role: "note", text: media.note }));
    return null;
  }
  const player = el(media.kind === "video" ? "video" : "audio",
                    { controls: true, preload: "metadata", src: media.url });
  const now = el("span", { class: "media-now", text: "0:00" });
  const playCoding = el("button", { type: "button", class: "play-coding",
                                    text: "▶ play coding",
                                    title: "play the focused coding's time range" });
  const follow = el("input", { type: "checkbox", checked: true, class: "media-follow" });
  const note = media.note ? el("p", { class: "media-note", role: "note", text: media.note })
                          : null;
  box.append(player, el("div", { class: "media-bar" }, now, playCoding,
    el("label", {}, follow, " follow the audio"),
    el("span", { class: "muted", text: "space: play/pause, ←/→: 5 s" })), note);
  const turns = doc.turns.filter((t) => t.t0 !== undefined && t.t0 !== null);
  P = { player, root, turns, current: null, stopAt: null, follow, observer: null };

  playCoding.addEventListener("click", () => {
    const c = focused();
    if (!c) { playCoding.title = "focus a coding first (click it)"; return; }
    if (c.t0 === undefined || c.t0 === null) { playCoding.title = "this coding has no time"; return; }
    playRange(c.t0, c.t1 ?? null);
  });
  player.addEventListener("timeupdate", onTime);
  player.addEventListener("seeked", onTime);
  player.addEventListener("error", () => {
    if (!box.querySelector(".media-error")) {
      box.append(el("p", { class: "media-note media-error", role: "note",
                           text: `the recording ${media.path} cannot be played here` }));
    }
  });
  P.observer = new MutationObserver(() => decorate());
  P.observer.observe(root, { childList: true });
  decorate();
  return P;
}

export function playFrom(t) {
  if (!P) return;
  P.stopAt = null;
  P.player.currentTime = t;
  P.player.play().catch(() => {});
}

export function playRange(t0, t1) {
  if (!P) return;
  P.stopAt = t1;
  P.player.currentTime = t0;
  P.player.play().catch(() => {});
}

// A time button in each timed turn's speaker line (added again after every redraw).
function decorate() {
  if (!P) return;
  const byIdx = new Map(P.turns.map((t) => [String(t.idx), t]));
  for (const node of P.root.querySelectorAll(".turn")) {
    const turn = byIdx.get(node.dataset.idx);
    const who = node.querySelector(".speaker");
    if (!turn || !who || who.querySelector(".turn-time")) continue;
    const b = el("button", { type: "button", class: "turn-time", text: clock(turn.t0),
                             title: "play from here", dataset: { t: turn.t0 } });
    b.addEventListener("click", (ev) => { ev.stopPropagation(); playFrom(turn.t0); });
    who.prepend(b);
  }
  highlight(P.current, false);
}

function turnAt(t) {
  let found = null;
  for (let i = 0; i < P.turns.length; i++) {
    const turn = P.turns[i];
    const end = turn.t1 ?? (P.turns[i + 1] ? P.turns[i + 1].t0 : Infinity);
    if (t >= turn.t0 && t < end) found = turn;
  }
  return found;
}

function onTime() {
  if (!P) return;
  const t = P.player.currentTime;
  const now = P.player.parentElement.querySelector(".media-now");
  if (now) now.textContent = clock(t);
  if (P.stopAt !== null && t >= P.stopAt) { P.player.pause(); P.stopAt = null; }
  const turn = turnAt(t);
  const idx = turn ? turn.idx : null;
  if (idx !== P.current) { P.current = idx; highlight(idx, P.follow.checked); }
}

function highlight(idx, scroll) {
  for (const n of P.root.querySelectorAll(".turn.playing")) n.classList.remove("playing");
  if (idx === null || idx === undefined) return;
  const nodes = P.root.querySelectorAll(`.turn[data-idx="${idx}"]`);
  nodes.forEach((n) => n.classList.add("playing"));
  if (scroll && nodes[0]) nodes[0].scrollIntoView({ block: "nearest" });
}

document.addEventListener("keydown", (ev) => {
  if (!P || !P.player.isConnected || ev.ctrlKey || ev.altKey || ev.metaKey) return;
  const active = document.activeElement;
  if (active && (["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName) ||
                 active.isContentEditable || active === P.player)) return;
  if (ev.key === " ") {
    ev.preventDefault();
    if (P.player.paused) P.player.play().catch(() => {}); else P.player.pause();
  } else if (ev.key === "ArrowLeft" || ev.key === "ArrowRight") {
    ev.preventDefault();
    const d = ev.key === "ArrowLeft" ? -5 : 5;
    const end = Number.isFinite(P.player.duration) ? P.player.duration : Infinity;
    P.player.currentTime = Math.min(end, Math.max(0, P.player.currentTime + d));
  }
});
