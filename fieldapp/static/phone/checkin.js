// Check in, the collection window, location challenges and the work photo.
import { api } from "./api.js";
import { $, el, setStatus, t, toast } from "./config.js";
import { localTime, localWhen } from "./dates.js";
import { freshFix, GeoError } from "./geo.js";
import * as outbox from "./outbox.js";

const OUTSIDE_WINDOWS = "outside every check-in window";  // domain/collection.py

function describe(result) {
  if (!result) return t("failed");
  if (result.status === "rejected") return t("answer_rejected", { reason: result.reason || "" });
  if (result.status === "discarded") {
    return result.reason === OUTSIDE_WINDOWS ? t("answer_discarded_window") : t("answer_discarded_kept");
  }
  const km = ((result.distance_m || 0) / 1000).toFixed(1);
  const verdict = { inside: t("answer_inside"), outside: t("answer_outside", { km }),
    uncertain: t("answer_uncertain"), unassigned: t("answer_unassigned") }[result.fence] || t("failed");
  return result.status === "duplicate" ? `${verdict}（${t("answer_duplicate")}）` : verdict;
}

export function showAnswer(result, when) {
  const box = $("#answer");
  box.dataset.fence = (result && result.fence) || "";
  box.dataset.status = (result && result.status) || "";
  box.replaceChildren(el("span", { text: describe(result) }),
    el("span", { class: "when", text: t("answered_at", { time: localWhen(when) }) }));
}

function geoMessage(error) { return t(error instanceof GeoError ? error.key : "geo_unavailable"); }

/** Take a fresh fix and queue it as a ping (answering `challengeId` when given). */
export async function checkIn(challengeId) {
  const button = $("[data-action=check-in]");
  const fixLine = $("#fix");
  button.disabled = true;
  fixLine.textContent = t("locating");
  try {
    const fix = await freshFix();
    fixLine.textContent = t("accuracy", { m: Math.round(fix.accuracy) });
    const body = { id: crypto.randomUUID(), ...fix, crs: "wgs84", provider: "phone-page" };
    if (challengeId) body.challenge_id = String(challengeId);
    await outbox.add({ kind: "ping", id: body.id, body });
    if (await outbox.count() && !navigator.onLine) {
      const box = $("#answer");
      box.dataset.fence = "";
      box.dataset.status = "queued";
      box.replaceChildren(el("span", { text: t("queued") }));
    }
  } catch (error) {
    fixLine.textContent = geoMessage(error);
  } finally {
    button.disabled = false;
  }
}

// ---- the collection window ---------------------------------------------------------------

let windowTimer;
export async function showWindow() {
  const line = $("#window");
  clearTimeout(windowTimer);
  let state;
  try { state = await api("/me/collection"); } catch { return; }
  if (state.profile !== "minimal") {
    line.dataset.window = "track";
    line.textContent = t("window_track");
  } else if (state.window) {
    line.dataset.window = "open";
    line.textContent = t("window_open", { time: localTime(state.window.ends_at) });
  } else {
    line.dataset.window = "closed";
    const next = state.next_opens_at ? localWhen(state.next_opens_at) : "";
    line.textContent = `${t("window_closed", { time: next })} ${t("window_closed_note")}`;
  }
  const turn = state.window ? state.window.ends_at : state.next_opens_at;
  const wait = turn ? Math.max(5000, new Date(turn) - new Date(state.now) + 2000) : 600000;
  windowTimer = setTimeout(showWindow, Math.min(wait, 600000));
}

// ---- location challenges -----------------------------------------------------------------

let tick;
export async function showChallenges() {
  let answer;
  try { answer = await api("/me/challenges"); } catch { return; }
  const list = $("[data-list=challenges]");
  $("#challenges").hidden = answer.items.length === 0;
  const started = Date.now();
  list.replaceChildren(...answer.items.map((challenge) => {
    const clock = el("span", { class: "countdown", dataset: { secondsLeft: challenge.seconds_left } });
    return el("li", { dataset: { challengeId: challenge.id } },
      el("div", { class: "title" }, el("span", { text: t("challenge_due") }), clock),
      el("div", { class: "actions" }, el("button", {
        type: "button", class: "small-button strong", "data-action": "answer-challenge", text: t("answer_now"),
        onclick: async () => { await checkIn(challenge.challenge_id); toast(t("challenge_answered")); showChallenges(); },
      })));
  }));
  clearInterval(tick);
  const render = () => {
    for (const clock of list.querySelectorAll(".countdown")) {
      const left = Math.max(0, Number(clock.dataset.secondsLeft) - Math.floor((Date.now() - started) / 1000));
      clock.textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
    }
  };
  render();
  if (answer.items.length) tick = setInterval(render, 1000);
}

// ---- the work photo ----------------------------------------------------------------------

/** Queue a photo with the time it was shot (`shotAt`) and a fix taken then: `fix`, or a
 * fresh one. */
export async function queuePhoto(file, shotAt, reportId, fix = null) {
  if (!fix) {
    try { fix = await freshFix(); } catch (error) { toast(geoMessage(error)); }
  }
  const body = { id: crypto.randomUUID(), recorded_at: shotAt.toISOString(), report_id: reportId };
  if (fix) Object.assign(body, { lat: fix.lat, lon: fix.lon, accuracy: fix.accuracy });
  await outbox.add({ kind: "media", id: body.id, body, file, held: Boolean(reportId) });
  return body.id;
}

function failedChecks(media) {
  const checks = media.checks || {};
  const names = { location: t("check_location"), time: t("check_time"), reuse: t("check_reuse") };
  return Object.entries(checks).filter(([, check]) => check && check.failed).map(([name]) => names[name] || name);
}

export function photoDelivered(media, refusal) {
  const status = $("[data-photo-status]");
  if (refusal) { setStatus(status, t("send_failed", { reason: refusal.message }), "bad"); return; }
  const failed = failedChecks(media);
  status.dataset.mediaId = media.client_id;
  setStatus(status, failed.length ? t("photo_checks_failed", { checks: failed.join("、") }) : t("photo_sent"),
    failed.length ? "bad" : "good");
}

export function wireCheckIn() {
  $("[data-action=check-in]").addEventListener("click", () => checkIn());
  $("[data-input=photo]").addEventListener("change", async (event) => {
    const shotAt = new Date();
    const [file] = event.target.files;
    event.target.value = "";
    if (!file) return;
    setStatus($("[data-photo-status]"), t("locating"));
    await queuePhoto(file, shotAt);
    if (!navigator.onLine) setStatus($("[data-photo-status]"), t("queued"));
  });
}
