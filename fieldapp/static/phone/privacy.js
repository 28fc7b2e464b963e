// Who looked at my data (the access log of reads by others), my data as a zip, and
// forgetting this phone's registration.
import { api, forgetDevice, Offline } from "./api.js";
import { $, el, label, setStatus, t } from "./config.js";
import { localWhen } from "./dates.js";
import * as outbox from "./outbox.js";

export async function showReads() {
  let page;
  try { page = await api("/access-log?per_page=50"); } catch { return; }
  const list = $("[data-list=reads]");
  if (!page.items.length) { list.replaceChildren(el("li", { class: "empty", text: t("no_reads") })); return; }
  list.replaceChildren(...page.items.map((read) => el("li", {
    dataset: { readId: read.id, resource: read.resource, viewer: read.viewer ? read.viewer.username : "" } },
  el("div", { class: "title" }, el("span", { text: read.viewer
    ? `${read.viewer.username} · ${label("role", read.viewer.role)}` : t("operator") }),
  el("span", { class: "meta", text: localWhen(read.at) })),
  el("div", { class: "meta", text: t(`read_${read.resource}`) }))));
}

async function exportMyData() {
  const status = $("[data-export-status]");
  setStatus(status, t("exporting"));
  try {
    const response = await api("/me/export", { raw: true });
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = (disposition.match(/filename="?([^";]+)"?/) || [])[1] || "my-data.zip";
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    setStatus(status, t("export_ready", { name }), "good");
  } catch (error) {
    setStatus(status, error instanceof Offline ? t("offline") : t("export_failed"), "bad");
  }
}

export function wirePrivacy(onLoggedOut) {
  $("[data-action=export]").addEventListener("click", exportMyData);
  $("[data-action=log-out]").addEventListener("click", async () => {
    if (!window.confirm(t("confirm_logout"))) return;
    forgetDevice();
    await outbox.clear();
    onLoggedOut();
  });
}
