// Local dates and times in the installation's zone (FIELDAPP_TIMEZONE), whatever the
// phone's own zone.
import { config } from "./config.js";

const dayFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: config.zone, year: "numeric", month: "2-digit", day: "2-digit" });
const timeFormat = new Intl.DateTimeFormat("en-GB", {
  timeZone: config.zone, hour: "2-digit", minute: "2-digit", hour12: false });

/** "2026-12-02": the local date of an instant. */
export function localDate(moment = new Date()) { return dayFormat.format(new Date(moment)); }

/** "09:30": the local time of an instant. */
export function localTime(moment) { return timeFormat.format(new Date(moment)); }

/** "2026-12-02 09:30", or only the time when the instant is today. */
export function localWhen(moment) {
  const day = localDate(moment);
  return day === localDate() ? localTime(moment) : `${day} ${localTime(moment)}`;
}

// Calendar arithmetic on "YYYY-MM-DD" strings (no time zone involved).
function parse(iso) { const [y, m, d] = iso.split("-").map(Number); return new Date(Date.UTC(y, m - 1, d)); }
function format(date) { return date.toISOString().slice(0, 10); }
export function addDays(iso, days) { const d = parse(iso); d.setUTCDate(d.getUTCDate() + days); return format(d); }
export function weekday(iso) { return (parse(iso).getUTCDay() + 6) % 7; } // Monday 0
export function mondayOf(iso) { return addDays(iso, -weekday(iso)); }
export function monthOf(iso) { return iso.slice(0, 7); }
export function addMonths(month, n) {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return format(d).slice(0, 7);
}
export function monthEnd(month) { return addDays(`${addMonths(month, 1)}-01`, -1); }
