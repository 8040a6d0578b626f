// What every page shares: the sign-in (once per browser session), the workspace badge, controls
// shown only to keys with their scope, and messages.

import {api, ApiError, forgetKey, keepKey, storedKey} from "./api.js";
import {byId, h, put} from "./dom.js";

let current = null;

/** The signed-in key's /v1/me answer. */
export function me() {
  return current;
}

/** Whether the key may use `scope` (admin implies every scope). */
export function can(scope) {
  return Boolean(current && current.can[scope]);
}

/** Say something in the page's status line (errors in red, read out by screen readers). */
export function say(text, kind = "info") {
  const line = byId("status");
  if (!line) return;
  line.className = `status ${kind}`;
  put(line, text || "");
}

/** Run `work` from `button` one at a time: a double click or a second Enter while a save or an upload
 *  is in flight does not send it twice. The button is marked aria-disabled, not disabled: disabling
 *  the focused button would drop the focus to the page's top. An error is said. */
export async function once(button, work) {
  if (!button || button.getAttribute("aria-disabled") === "true") return;
  button.setAttribute("aria-disabled", "true");
  try {
    await work();
  } catch (error) {
    say(describe(error), "error");
  } finally {
    button.removeAttribute("aria-disabled");
  }
}

/** A problem from the API, in words: its detail and its first row errors. */
export function describe(error) {
  if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
  if (error.status === 401) return "The API key was not accepted; sign in again.";
  if (error.status === 404) return "Not found in this workspace.";
  return error.message;
}

function removeUnauthorised() {
  for (const node of document.querySelectorAll("[data-needs]")) {
    if (!can(node.dataset.needs)) node.remove();
  }
}

function showWho(answer) {
  const who = byId("who");
  const scopes = answer.scopes.join(", ");
  put(who, h("span", {class: "workspace", title: `key ${answer.key.prefix}… (${answer.key.name || "unnamed"})`},
    `Workspace ${answer.workspace.name} · ${scopes}`),
  h("button", {type: "button", class: "link", onclick: signOut}, "Sign out"));
}

function signOut() {
  forgetKey();
  window.location.assign("/");
}

async function run(answer, init) {
  current = answer;
  showWho(answer);
  removeUnauthorised();
  byId("signin").hidden = true;
  byId("page").hidden = false;
  try {
    await init(answer);
  } catch (error) {
    say(describe(error), "error");
    document.body.dataset.ready = "error";
    throw error;
  }
}

function askForKey(init) {
  const form = byId("signin-form");
  byId("signin").hidden = false;
  byId("page").hidden = true;
  byId("key").focus();
  let signing = false;  // a second Enter while /v1/me answers would start the page twice (every control wired twice)
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (signing) return;
    signing = true;
    const key = byId("key").value.trim();
    const problem = byId("signin-problem");
    put(problem, "");
    let answer;
    try {
      answer = await api("/v1/me", {key});
    } catch (error) {
      signing = false;
      return put(problem, error.status === 401 ? "That key was not accepted." : describe(error));
    }
    keepKey(key);
    byId("key").value = "";
    // Signed in for good: later submits of the hidden form are ignored. run() says its own error.
    await run(answer, init).catch(() => {});
  });
}

/** Start a page: sign in if needed, then `init(me)`. */
export async function start(init) {
  if (storedKey()) {
    try {
      return await run(await api("/v1/me"), init);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) {
        document.body.dataset.ready = "error";
        return say(describe(error), "error");
      }
      forgetKey();
    }
  }
  askForKey(init);
}

/** The numeric id in the page's path (/blueprints/12/lanes: 12). */
export function pathId() {
  const found = window.location.pathname.match(/\/blueprints\/(\d+)/);
  return found ? Number(found[1]) : null;
}
