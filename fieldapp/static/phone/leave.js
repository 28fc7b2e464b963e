// Leave requests (请销假) from the phone, and cancelling one before it starts.
import { api, Offline } from "./api.js";
import { $, el, label, setStatus, t, toast } from "./config.js";
import { addDays, localDate } from "./dates.js";

export async function showLeaves() {
  let page;
  try { page = await api("/leaves?per_page=50"); } catch { return; }
  const list = $("[data-list=leaves]");
  if (!page.items.length) { list.replaceChildren(el("li", { class: "empty", text: t("no_leaves") })); return; }
  const today = localDate();
  list.replaceChildren(...page.items.map((leave) => {
    const item = el("li", { dataset: { leaveId: leave.id, status: leave.status } },
      el("div", { class: "title" }, el("span", { text: label("leave", leave.kind) }),
        el("span", { class: `badge ${leave.status}`, text: label("leave", leave.status) })),
      el("div", { class: "dates", text: leave.starts_on === leave.ends_on ? leave.starts_on : `${leave.starts_on} – ${leave.ends_on}` }),
      el("div", { class: "meta", text: leave.reason }));
    if (leave.decision_note) item.append(el("div", { class: "meta", text: leave.decision_note }));
    if (["pending", "approved"].includes(leave.status) && leave.starts_on > today) {
      item.append(el("div", { class: "actions" }, el("button", { type: "button", class: "small-button", "data-action": "cancel-leave",
        text: t("cancel_leave"), onclick: async () => {
          try { await api(`/leaves/${leave.id}/cancel`, { method: "POST" }); toast(t("leave_cancelled")); }
          catch (error) { toast(error instanceof Offline ? t("offline") : t("send_failed", { reason: error.message })); }
          showLeaves();
        } })));
    }
    return item;
  }));
}

export function wireLeave() {
  const form = $("#leave-form");
  const tomorrow = addDays(localDate(), 1);
  form.elements.starts_on.value = tomorrow;
  form.elements.ends_on.value = tomorrow;
  form.elements.starts_on.addEventListener("change", () => {
    if (form.elements.ends_on.value < form.elements.starts_on.value) form.elements.ends_on.value = form.elements.starts_on.value;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = $("[data-leave-status]");
    const body = Object.fromEntries(["kind", "starts_on", "ends_on", "reason"].map((name) => [name, form.elements[name].value.trim()]));
    setStatus(status, t("sending"));
    try {
      const leave = await api("/leaves", { method: "POST", json: body });
      status.dataset.leaveId = leave.id;
      setStatus(status, t("leave_sent"), "good");
      form.elements.reason.value = "";
      showLeaves();
    } catch (error) {
      setStatus(status, error instanceof Offline ? t("offline") : t("send_failed", { reason: error.message }), "bad");
    }
  });
}
