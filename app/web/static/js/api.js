// The public API, called with the key the person gave. The key lives in sessionStorage only: never
// in a cookie, never in a URL; it is gone when the browser session ends.

const KEY = "blueprint-miner.key";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  get errors() {
    return this.problem.errors || [];
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function keepKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

function headers(extra, key) {
  return {...extra, Authorization: `Bearer ${key || storedKey() || ""}`};
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return {detail: `${response.status} ${response.statusText}`};
  }
}

/** A call to the API: resolves to the JSON body (or the Response for raw), rejects with ApiError. */
export async function api(path, {method = "GET", json, body, key, raw = false} = {}) {
  const init = {method, headers: headers(json === undefined ? {} : {"Content-Type": "application/json"}, key)};
  if (json !== undefined) init.body = JSON.stringify(json);
  else if (body !== undefined) init.body = body;
  const response = await fetch(path, init);
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

/** A query string from an object (arrays repeat the name; empty values are left out). */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined && item !== "") search.append(name, item);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** Download what an API path answers (the key goes in the header, so a plain link cannot). */
export async function download(path, filename) {
  const response = await api(path, {raw: true});
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Upload a file with progress (fetch has no upload progress): resolves to {status, body}. */
export function uploadWithProgress(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", path);
    request.setRequestHeader("Authorization", `Bearer ${storedKey() || ""}`);
    request.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress(e.loaded, e.total));
    request.addEventListener("load", () => {
      let parsed = {};
      try { parsed = JSON.parse(request.responseText); } catch { parsed = {detail: request.statusText}; }
      if (request.status >= 400) reject(new ApiError(request.status, parsed));
      else resolve({status: request.status, body: parsed});
    });
    request.addEventListener("error", () => reject(new ApiError(0, {detail: "the upload failed (network)"})));
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}
