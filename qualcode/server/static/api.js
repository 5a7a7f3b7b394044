// The JSON API: every write sends the session's CSRF token; errors become exceptions
// carrying the server's one-line message.
let csrf = null;

export function setCsrf(token) { csrf = token; }

async function call(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (method !== "GET") {
    opts.headers["x-csrf-token"] = csrf || "";
    opts.headers["content-type"] = "application/json";
    opts.body = JSON.stringify(body || {});
  }
  const resp = await fetch(path, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = null; }
  if (!resp.ok) {
    const err = new Error((data && data.error) || `HTTP ${resp.status}`);
    err.status = resp.status;
    throw err;
  }
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body);
export const docPath = (doc) => `/api/documents/${encodeURIComponent(doc)}`;
