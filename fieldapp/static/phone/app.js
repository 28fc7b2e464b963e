// The phone page: enrolment, then the tabs. Everything a cadre sees comes from the API
// with this browser's device token; nothing of theirs is in the page itself.
import { api, ApiError, device, forgetDevice, keepDevice } from "./api.js";
import { $, setStatus, t } from "./config.js";
import { photoDelivered, showAnswer, showChallenges, showWindow, wireCheckIn } from "./checkin.js";
import { showLeaves, wireLeave } from "./leave.js";
import { showCalendar, showFindings, wireMine } from "./mine.js";
import * as outbox from "./outbox.js";
import { showReads, wirePrivacy } from "./privacy.js";
import { reportDelivered, showMonth, wireRecord } from "./record.js";

const LOADERS = {
  checkin: () => { showWindow(); showChallenges(); },
  record: showMonth,
  mine: () => { showCalendar(); showFindings(); },
  leave: showLeaves,
  privacy: showReads,
};

function go(tab) {
  for (const section of document.querySelectorAll("[data-tab]")) section.hidden = section.dataset.tab !== tab;
  for (const button of document.querySelectorAll("[data-go]")) {
    if (button.dataset.go === tab) button.setAttribute("aria-current", "page");
    else button.removeAttribute("aria-current");
  }
  window.scrollTo(0, 0);
  LOADERS[tab]();
}

function phoneLabel() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
  return `${t("phone_label")} ${platform}`.trim().slice(0, 80);
}

function showPending(n) {
  const chip = $("#pending");
  chip.dataset.pending = String(n);
  chip.textContent = t("pending", { n });
  chip.hidden = n === 0;
}

function showNetwork() {
  const chip = $("#network");
  chip.dataset.online = navigator.onLine ? "1" : "0";
  chip.textContent = t("offline");
  chip.hidden = navigator.onLine;
}

/** The registration screen; `settled` marks the page ready (not while a code redeems). */
function welcome(message = "", settled = true) {
  $("#app").hidden = true;
  $("#tabs").hidden = true;
  $("#welcome").hidden = false;
  $("#who").textContent = "";
  setStatus($("#enrol-status"), message, message ? "bad" : "");
  if (settled) document.body.dataset.ready = "1";
}

function start() {
  const registered = device();
  $("#who").textContent = registered.cadre_name;
  $("#who").dataset.cadreId = registered.cadre_id;
  $("#welcome").hidden = true;
  $("#app").hidden = false;
  $("#tabs").hidden = false;
  go("checkin");
  outbox.flush();
  document.body.dataset.ready = "1";
}

async function registered(request) {
  keepDevice(await request());
  start();
}

/** /m/enrol#<code>: redeem the one-time code; the code leaves the address bar first. */
async function enrolFromFragment() {
  let code = location.hash.slice(1);
  try { code = decodeURIComponent(code); } catch { /* not percent-encoded: as it is */ }
  history.replaceState(null, "", "/m/");
  if (!code) { welcome(); return; }
  welcome("", false);
  setStatus($("#enrol-status"), t("enrolling"));
  try {
    await registered(() => api("/enrolments/redeem", { method: "POST", json: { code, label: phoneLabel() } }));
  } catch (error) {
    const key = !(error instanceof ApiError) ? "offline" : error.status === 410 ? "enrol_gone"
      : error.status === 404 ? "enrol_unknown" : "enrol_failed";
    $("#enrol-status").dataset.refusal = key;
    welcome(t(key));
  }
}

function wireLogin() {
  const form = $("#login-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = $("[data-login-status]", form);
    setStatus(status, t("sending"));
    try {
      await registered(() => api("/auth/device", { method: "POST", json: {
        username: form.elements.username.value.trim(), password: form.elements.password.value, label: phoneLabel() } }));
      form.reset();
      setStatus(status, "");
    } catch (error) {
      const key = !(error instanceof ApiError) ? "offline" : error.status === 429 ? "login_throttled"
        : error.status === 403 ? "login_not_cadre" : "login_wrong";
      setStatus(status, t(key, { s: error.retryAfter || "" }), "bad");
    }
  });
}

function delivered(item, answer, refusal) {
  if (item.kind === "ping") {
    showAnswer(refusal ? { status: "rejected", reason: refusal.message } : answer, new Date());
    if (item.body.challenge_id) showChallenges();
  } else if (item.kind === "media" && !item.held) {
    photoDelivered(answer, refusal);
  } else if (item.kind === "report") {
    reportDelivered(answer, refusal);
  }
}

function boot() {
  outbox.on("count", showPending);
  outbox.on("delivered", delivered);
  // a refused token: register again; what waits stays until this cadre's phone is back
  window.addEventListener("device-refused", () => {
    forgetDevice();
    $("#enrol-status").dataset.refusal = "token_refused";
    welcome(t("token_refused"));
  });
  outbox.count().then(showPending);
  window.addEventListener("online", showNetwork);
  window.addEventListener("offline", showNetwork);
  showNetwork();
  for (const button of document.querySelectorAll("[data-go]")) button.addEventListener("click", () => go(button.dataset.go));
  wireLogin();
  wireCheckIn();
  wireRecord();
  wireMine();
  wireLeave();
  wirePrivacy(() => welcome(t("logged_out")));
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/m/sw.js", { scope: "/m/" }).catch(() => {});
  if (document.body.dataset.enrol === "1") enrolFromFragment();
  else if (device()) start();
  else welcome();
}

boot();
