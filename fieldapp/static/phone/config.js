// The page's settings and words, rendered by the server into #phone-config.
export const config = JSON.parse(document.getElementById("phone-config").textContent);

/** The reader's words for `key`, with %(name)s filled from `values`. */
export function t(key, values = {}) {
  const text = config.texts[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

/** The reader's word for a stored code, as on the console (fieldapp/i18n.py). */
export function label(group, code) {
  return (config.labels[group] || {})[code] ?? code ?? "";
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function $(selector, root = document) { return root.querySelector(selector); }

let toastTimer;
export function toast(text) {
  const box = $("#toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

export function setStatus(node, text, tone = "") {
  node.textContent = text;
  node.className = `status ${tone}`;
}
