// My week and month (the console's calendar cells), and my findings with their appeal.
import { api, Offline } from "./api.js";
import { $, config, el, label, setStatus, t, toast } from "./config.js";
import { addDays, addMonths, localDate, monthEnd, monthOf, mondayOf, weekday } from "./dates.js";

let span = "week";
let anchor = localDate();

function range() {
  if (span === "week") { const monday = mondayOf(anchor); return [monday, addDays(monday, 6)]; }
  const month = monthOf(anchor);
  return [`${month}-01`, monthEnd(month)];
}

function half(which, status, counts) {
  const node = el("div", { class: `half s-${status}`, title: `${which}: ${label("presence", status)}` },
    el("span", { class: "what", text: which }));
  if (counts) {
    node.append(el("span", { class: "counts", dataset: { inside: counts.inside, outside: counts.outside, uncertain: counts.uncertain },
      text: `${counts.inside}/${counts.outside}${counts.uncertain ? ` ?${counts.uncertain}` : ""}` }));
  }
  return node;
}

/** The calendar as templates/console/_calendar.html draws it: a Monday-first grid, each
 * cell the day above and the night starting that evening below; a date without a record
 * is no_data and not evaluated. */
function calendar(first, last, days) {
  const byDate = new Map();
  for (const day of days) if (!byDate.has(day.date)) byDate.set(day.date, day);
  const grid = el("div", { class: "calendar", role: "grid" },
    ...[0, 1, 2, 3, 4, 5, 6].map((i) => el("div", { class: "head", text: t(`weekday_${i}`) })));
  for (let i = 0; i < weekday(first); i += 1) grid.append(el("div", { class: "blank" }));
  const today = localDate();
  for (let date = first; date <= last; date = addDays(date, 1)) {
    const record = byDate.get(date);
    const dayStatus = record ? record.day : "no_data";
    const nightStatus = record ? record.night : "no_data";
    const counts = record && record.counts ? record.counts : {};
    const cell = el("div", { class: `cell${record ? "" : " not-evaluated"}${date === today ? " today" : ""}`,
      dataset: { date, day: dayStatus, night: nightStatus } },
      el("div", { class: "date", text: date.slice(5) }),
      half(t("day"), dayStatus, counts.day), half(t("night"), nightStatus, counts.night));
    if (record && record.night_centroid && record.night_centroid.distance_m) {
      cell.dataset.distanceM = Math.round(record.night_centroid.distance_m);
      cell.title = t("slept_km", { km: (record.night_centroid.distance_m / 1000).toFixed(1) });
    }
    grid.append(cell);
  }
  return grid;
}

export async function showCalendar() {
  const [first, last] = range();
  $("[data-range-title]").textContent = span === "week" ? `${first} – ${last}` : monthOf(first);
  let presence;
  try { presence = await api(`/me/presence?from=${first}&to=${last}`); } catch { return; }
  $("#calendar").replaceChildren(calendar(first, last, presence.days));
  const period = presence.periods.find((p) => p.start <= last && p.end >= first);
  $("[data-period-summary]").textContent = period ? `${label("policy", period.policy)} · ${t("period_days", {
    present: period.present_days, required: period.required_days, nights: period.present_nights,
    required_nights: period.required_nights })}` : "";
}

function appealDeadline(finding) {
  if (!finding.confirmed_at) return null;
  return new Date(new Date(finding.confirmed_at).getTime() + config.appeal_days * 86400000);
}

async function uploadAttachment(file) {
  const id = crypto.randomUUID();
  const form = new FormData();
  form.append("id", id);
  form.append("recorded_at", new Date(Math.min(file.lastModified || Date.now(), Date.now())).toISOString());
  form.append("file", file, file.name || "photo.jpg");
  await api("/media", { method: "POST", form });
  return id;
}

function appealForm(finding) {
  const status = el("p", { class: "status", role: "status" });
  const text = el("textarea", { name: "text", rows: 4, maxlength: 4000, required: true });
  const files = el("input", { type: "file", accept: "image/*", multiple: true, name: "photos", class: "visually-hidden" });
  const form = el("form", { class: "form appeal-form", hidden: true, dataset: { appealFor: finding.id } },
    el("label", { text: t("appeal_needs_text") }, text),
    el("label", { class: "button secondary", text: t("add_photos") }, files),
    el("p", { class: "muted", dataset: { photoCount: "" } }),
    el("button", { type: "submit", class: "primary", text: t("send_appeal") }), status);
  files.addEventListener("change", () => { $("[data-photo-count]", form).textContent = files.files.length ? t("report_photos", { n: files.files.length }) : ""; });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) { setStatus(status, t("appeal_needs_text"), "bad"); return; }
    setStatus(status, t("sending"));
    try {
      const media_ids = [];
      for (const file of files.files) media_ids.push(await uploadAttachment(file));
      await api(`/flags/${finding.id}/appeal`, { method: "POST", json: { text: text.value.trim(), media_ids } });
      toast(t("appeal_sent"));
      showFindings();
    } catch (error) {
      setStatus(status, error instanceof Offline ? t("offline") : t("send_failed", { reason: error.message }), "bad");
    }
  });
  return form;
}

export async function showFindings() {
  let page;
  try { page = await api("/flags?per_page=50"); } catch { return; }
  const list = $("[data-list=findings]");
  if (!page.items.length) { list.replaceChildren(el("li", { class: "empty", text: t("no_findings") })); return; }
  list.replaceChildren(...page.items.map((finding) => {
    const item = el("li", { dataset: { findingId: finding.id, status: finding.status, kind: finding.kind } },
      el("div", { class: "title" }, el("span", { text: label("kind", finding.kind) }),
        el("span", { class: `badge ${finding.status}`, text: label("status", finding.status) })),
      el("div", { class: "summary", text: finding.summary }),
      el("div", { class: "meta", text: [finding.period_start, finding.period_end].filter(Boolean).join(" – ") }));
    const until = appealDeadline(finding);
    if (finding.status === "confirmed" && until) {
      if (until > new Date()) {
        const form = appealForm(finding);
        item.append(el("div", { class: "meta", text: t("appeal_until", { date: localDate(until) }) }),
          el("div", { class: "actions" }, el("button", { type: "button", class: "small-button strong", "data-action": "appeal",
            text: t("appeal"), onclick: (event) => { form.hidden = false; event.target.hidden = true; } })), form);
      } else {
        item.append(el("div", { class: "meta", text: t("appeal_closed") }));
      }
    }
    return item;
  }));
}

export function wireMine() {
  for (const button of document.querySelectorAll("[data-span]")) {
    button.addEventListener("click", () => {
      span = button.dataset.span;
      for (const other of document.querySelectorAll("[data-span]")) other.setAttribute("aria-pressed", String(other === button));
      showCalendar();
    });
  }
  for (const button of document.querySelectorAll("[data-shift]")) {
    button.addEventListener("click", () => {
      const step = Number(button.dataset.shift);
      anchor = span === "week" ? addDays(anchor, 7 * step) : `${addMonths(monthOf(anchor), step)}-01`;
      showCalendar();
    });
  }
}
