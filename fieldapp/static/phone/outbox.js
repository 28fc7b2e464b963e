// Check-ins, photos and work-record entries wait here (IndexedDB) until the server has
// answered them, in the order they were made, and are sent again with the same ids after
// a failure: the server stores an id once, and answers a resend `duplicate`, which counts
// as delivered. Sent when made, when the network returns, and on a backoff timer.
import { api, ApiError, device, Offline } from "./api.js";

const DB_NAME = "fieldapp-phone";
const STORE = "outbox";
const BACKOFF_S = [2, 5, 15, 30, 60, 120, 300];

let database;
function open() {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "seq", autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function run(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request && request.result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

const listeners = { delivered: [], count: [] };
export function on(event, listener) { listeners[event].push(listener); }
function emit(event, ...args) { for (const listener of listeners[event]) listener(...args); }

export async function count() { return run("readonly", (store) => store.count()); }
async function first() {
  return run("readonly", (store) => store.openCursor()).then((cursor) => cursor && cursor.value);
}
async function remove(seq) { await run("readwrite", (store) => store.delete(seq)); }
export async function clear() { await run("readwrite", (store) => store.clear()); emit("count", 0); }

/** Keep `item` ({kind: "ping"|"media"|"report", id, body, file?}), made by the cadre this
 * phone is registered for, and try to send it. */
export async function add(item) {
  const made = { ...item, cadre_id: device().cadre_id, made_at: new Date().toISOString() };
  await run("readwrite", (store) => store.add(made));
  emit("count", await count());
  return flush();
}

async function deliver(item) {
  if (item.kind === "ping") {
    const answer = await api("/pings", { method: "POST", json: item.body });
    return answer.results[0];
  }
  if (item.kind === "media") {
    const form = new FormData();
    for (const [key, value] of Object.entries(item.body)) {
      if (value !== undefined && value !== null) form.append(key, String(value));
    }
    form.append("file", item.file, item.file.name || "photo.jpg");
    return api("/media", { method: "POST", form });
  }
  return api("/reports", { method: "POST", json: item.body });
}

let flushing = null;
let timer = null;
let failures = 0;

/** Send what waits, oldest first; resolves when the queue is empty or sending stopped. */
export function flush() {
  flushing ??= drain().finally(() => { flushing = null; });
  return flushing;
}

async function drain() {
  clearTimeout(timer);
  for (;;) {
    const item = await first();
    if (!item) break;
    if (!navigator.onLine) return;  // the online event sends it
    const registered = device();
    if (!registered) return;
    if (item.cadre_id !== registered.cadre_id) {  // another cadre's: never sent as this one's
      await remove(item.seq);
      emit("count", await count());
      continue;
    }
    let answer = null;
    let refusal = null;
    try {
      answer = await deliver(item);
    } catch (error) {
      if (error instanceof Offline || (error instanceof ApiError && error.transient)) {
        retryLater(error.retryAfter);
        return;
      }
      if (error instanceof ApiError && error.status === 401) return;  // kept: register again
      refusal = error;  // refused for good (a 4xx): sending again would not change it
    }
    failures = 0;
    await remove(item.seq);
    emit("count", await count());
    emit("delivered", item, answer, refusal);
  }
}

function retryLater(retryAfter) {
  const delay = retryAfter || BACKOFF_S[Math.min(failures, BACKOFF_S.length - 1)];
  failures += 1;
  clearTimeout(timer);
  timer = setTimeout(flush, delay * 1000);
}

window.addEventListener("online", () => { failures = 0; flush(); });
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") flush(); });
