// The monthly work record (每月工作纪实): an entry with text, photos and a fresh fix, queued
// like a check-in (the photos first, then the entry naming them); the month as the server
// keeps it.
import { api } from "./api.js";
import { $, el, label, setStatus, t } from "./config.js";
import { addMonths, localDate, monthOf } from "./dates.js";
import { queuePhoto } from "./checkin.js";
import { freshFix, GeoError } from "./geo.js";
import * as outbox from "./outbox.js";

let month = monthOf(localDate());

export async function showMonth() {
  $("[data-month-title]").textContent = month;
  const list = $("[data-list=reports]");
  let record;
  try { record = await api(`/reports/monthly?month=${month}`); } catch { return; }
  $("[data-month-summary]").textContent = t("days_with_reports", { n: record.days_with_reports });
  if (!record.reports.length) { list.replaceChildren(el("li", { class: "empty", text: t("no_reports") })); return; }
  list.replaceChildren(...record.reports.slice().reverse().map((row) => el("li", { dataset: { reportId: row.report_id } },
    el("div", { class: "title" }, el("span", { text: label("report", row.kind) }),
      el("span", { class: "badge", text: label("verdict", row.fence) })),
    el("div", { text: row.summary }),
    el("div", { class: "meta", text: [`${row.date} ${row.time}`, row.household_ref,
      row.media_count ? t("report_photos", { n: row.media_count }) : null].filter(Boolean).join(" · ") }))));
}

export function reportDelivered(report, refusal) {
  const status = $("[data-report-status]");
  if (refusal) { setStatus(status, t("send_failed", { reason: refusal.message }), "bad"); return; }
  status.dataset.reportId = report.client_id;
  setStatus(status, t("report_sent"), "good");
  showMonth();
}

export function wireRecord() {
  const form = $("#report-form");
  const photos = form.elements.photos;
  const household = $("[data-household]", form);
  const showHousehold = () => { household.hidden = form.elements.kind.value !== "household_visit"; };
  form.elements.kind.addEventListener("change", showHousehold);
  showHousehold();
  let chosen = [];
  photos.addEventListener("change", () => {
    const shotAt = new Date();
    chosen = chosen.concat([...photos.files].map((file) => ({ file, shotAt })));
    photos.value = "";
    $("[data-photo-count]", form).textContent = chosen.length ? t("report_photos", { n: chosen.length }) : "";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = $("[data-report-status]");
    const summary = form.elements.summary.value.trim();
    if (!summary) { setStatus(status, t("report_needs_text"), "bad"); return; }
    setStatus(status, t("locating"));
    let fix;
    try { fix = await freshFix(); } catch (error) {
      setStatus(status, t(error instanceof GeoError ? error.key : "geo_unavailable"), "bad");
      return;
    }
    const id = crypto.randomUUID();
    const mediaIds = [];
    // the entry's photos carry the entry's fresh fix and the times they were shot
    for (const { file, shotAt } of chosen) mediaIds.push(await queuePhoto(file, shotAt, id, fix));
    const body = { id, kind: form.elements.kind.value, occurred_at: fix.recorded_at, summary,
      lat: fix.lat, lon: fix.lon, accuracy: fix.accuracy, crs: "wgs84", media_ids: mediaIds };
    const household_ref = form.elements.household_ref.value.trim();
    if (household_ref && body.kind === "household_visit") body.household_ref = household_ref;
    form.reset();
    chosen = [];
    $("[data-photo-count]", form).textContent = "";
    showHousehold();
    setStatus(status, navigator.onLine ? t("sending") : t("queued"));
    await outbox.add({ kind: "report", id, body });
  });
  for (const button of document.querySelectorAll("[data-month]")) {
    button.addEventListener("click", () => { month = addMonths(month, Number(button.dataset.month)); showMonth(); });
  }
}
