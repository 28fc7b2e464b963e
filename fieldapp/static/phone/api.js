// The JSON API with this browser's device token (`Authorization: Device <token>`), kept
// in localStorage: {device_id, token, cadre_id, cadre_name}.
const DEVICE_KEY = "fieldapp.phone.device";

export function device() {
  try { return JSON.parse(localStorage.getItem(DEVICE_KEY)); } catch { return null; }
}
export function keepDevice(registered) { localStorage.setItem(DEVICE_KEY, JSON.stringify(registered)); }
export function forgetDevice() { localStorage.removeItem(DEVICE_KEY); }

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter ? Number(retryAfter) : null;
  }
  /** Worth sending again later with the same id: the server was busy or down. */
  get transient() { return this.status >= 500 || this.status === 429 || this.status === 408; }
}

/** A network failure (no answer at all): the request may be retried with the same id. */
export class Offline extends Error {}

/** `path` under /api/v1; `json` or `form` as the body; `raw` returns the Response. A 401
 * while registered (the device was revoked, or its login changed) is announced as the
 * window's `device-refused` event. */
export async function api(path, { method = "GET", json, form, raw = false } = {}) {
  const headers = { Accept: "application/json" };
  const registered = device();
  if (registered) headers.Authorization = `Device ${registered.token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { method, headers, body, cache: "no-store" });
  } catch {
    throw new Offline();
  }
  if (raw && response.ok) return response;
  const data = await response.json().catch(() => null);
  if (response.status === 401 && registered) window.dispatchEvent(new Event("device-refused"));
  if (!response.ok) throw new ApiError(response.status, data, response.headers.get("Retry-After"));
  return data;
}
