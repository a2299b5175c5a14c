// The demo's Slack look-alike: draws the channel from the stand-in's state (real Block Kit JSON)
// and sends what the visitor does back to it, which delivers it to the bot as Slack would.
"use strict";

const $ = (sel) => document.querySelector(sel);
const state = { data: null, version: null, user: "U0AGENT", thread: null, fetchedAt: 0, home: false };
const EMOJI = {
  warning: "⚠️", mailbox_with_no_mail: "📭", alarm_clock: "⏰", zzz: "💤", camera: "📷", frame_with_picture: "🖼️", white_check_mark: "✅", red_circle: "🔴", hourglass_flowing_sand: "⏳", paperclip: "📎",
  rotating_light: "🚨", information_source: "ℹ️", exclamation: "❗", outbox_tray: "📤", incoming_envelope: "📨",
  package: "📦", truck: "🚚", bell: "🔔", eyes: "👀", email: "✉️", hand: "✋", x: "❌", arrows_counterclockwise: "🔄",
  large_green_circle: "🟢", large_yellow_circle: "🟡", large_orange_circle: "🟠", fire: "🔥", memo: "📝",
  clock3: "🕒", raising_hand: "🙋", scales: "⚖️", pager: "📟", page_facing_up: "📄", label: "🏷️", grey_question: "❔",
  leftwards_arrow_with_hook: "↩️", no_entry_sign: "🚫", no_entry: "⛔", globe_with_meridians: "🌐",
};

function esc(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function userName(id) {
  if (state.data && id === state.data.bot.id) return state.data.bot.name;
  const u = state.data && state.data.users.find((x) => x.id === id);
  return u ? u.name : id;
}

function formatDate(seconds) {
  const d = new Date(seconds * 1000);
  return d.toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

// Slack's control sequences: <@U…>, <!here>, <!subteam^S…|@name>, <!date^…|…>, <#C…|name>, <url|text>.
function token(inner) {
  const [target, label] = inner.split("|", 2);
  if (target.startsWith("@")) return `<span class="mention">@${esc(userName(target.slice(1)))}</span>`;
  if (target === "!here" || target === "!channel" || target === "!everyone")
    return `<span class="mention broadcast">@${target.slice(1)}</span>`;
  if (target.startsWith("!subteam^")) return `<span class="mention">${esc(label || "@group")}</span>`;
  if (target.startsWith("!date^")) {
    const seconds = Number(target.split("^")[1]);
    return Number.isFinite(seconds) ? esc(formatDate(seconds)) : esc(label || "");
  }
  if (target.startsWith("#")) return `<span class="mention">#${esc(label || target.slice(1))}</span>`;
  if (/^https?:\/\//.test(target)) return `<a href="${esc(target)}" target="_blank" rel="noopener noreferrer">${esc(label || target)}</a>`;
  return esc(label || target);
}

function decode(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function mrkdwn(source) {
  const tokens = [];
  let text = String(source || "").replace(/<([^<>\n]+)>/g, (_, inner) => `\u0000${tokens.push(token(inner)) - 1}\u0000`);
  text = esc(decode(text));
  const blocks = [];
  text = text.replace(/```([\s\S]*?)```/g, (_, code) => `\u0001${blocks.push(`<pre>${code}</pre>`) - 1}\u0001`);
  text = text
    .replace(/`([^`\n]+)`/g, "<code>$1</code>")
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=[\s).,:;!?]|$)/g, "$1<b>$2</b>")
    .replace(/(^|[\s(])_([^_\n]+)_(?=[\s).,:;!?]|$)/g, "$1<i>$2</i>")
    .replace(/(^|[\s(])~([^~\n]+)~(?=[\s).,:;!?]|$)/g, "$1<s>$2</s>")
    .replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
  const lines = text.split("\n");
  let html = "";
  let quote = [];
  const flush = () => { if (quote.length) { html += `<blockquote>${quote.join("<br>")}</blockquote>`; quote = []; } };
  lines.forEach((line, i) => {
    if (line.startsWith("&gt;")) { quote.push(line.replace(/^&gt; ?/, "")); return; }
    flush();
    html += line + (i < lines.length - 1 ? "<br>" : "");
  });
  flush();
  return html
    .replace(/\u0001(\d+)\u0001/g, (_, i) => blocks[Number(i)])
    .replace(/\u0000(\d+)\u0000/g, (_, i) => tokens[Number(i)]);
}

function textObject(obj) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? mrkdwn(obj.text) : esc(obj.text).replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] || m).replace(/\n/g, "<br>");
}

// ---- Block Kit ----

function element(el, ctx) {
  const confirm = el.confirm ? ` data-confirm="${esc(`${el.confirm.title.text}\n\n${el.confirm.text.text}`)}"` : "";
  const data = `data-action-id="${esc(el.action_id || "")}" data-ts="${esc(ctx.ts || "")}"${confirm}`;
  if (el.type === "button") {
    const style = el.style === "primary" ? "primary" : el.style === "danger" ? "danger" : "";
    const url = el.url ? ` data-url="${esc(el.url)}"` : "";
    return `<button type="button" class="block-button ${style}" ${data} data-value="${esc(el.value || "")}"${url}>${textObject(el.text)}</button>`;
  }
  if (el.type === "static_select" || el.type === "overflow") {
    const options = (el.options || []).concat(...(el.option_groups || []).map((g) => g.options || []));
    const placeholder = el.type === "overflow" ? "⋯" : el.placeholder ? el.placeholder.text : "Choose…";
    return `<select class="block-select" ${data}><option value="">${esc(placeholder)}</option>${options
      .map((o) => `<option value="${esc(o.value)}">${esc(o.text.text)}</option>`).join("")}</select>`;
  }
  if (el.type === "image") return `<img src="${esc(el.image_url)}" alt="${esc(el.alt_text || "")}" width="20" height="20">`;
  if (el.type === "mrkdwn" || el.type === "plain_text") return `<span>${textObject(el)}</span>`;
  return `<span class="block-unsupported">[${esc(el.type)}]</span>`;
}

function inputElement(block) {
  const el = block.element || {};
  const id = `in-${esc(block.block_id)}-${esc(el.action_id)}`;
  const attrs = `id="${id}" data-block-id="${esc(block.block_id)}" data-action-id="${esc(el.action_id)}" data-type="${esc(el.type)}"`;
  let control;
  if (el.type === "plain_text_input") {
    const value = esc(el.initial_value || "");
    const ph = el.placeholder ? ` placeholder="${esc(el.placeholder.text)}"` : "";
    control = el.multiline ? `<textarea rows="8" ${attrs}${ph}>${value}</textarea>` : `<input ${attrs}${ph} value="${value}">`;
  } else if (el.type === "static_select") {
    const initial = el.initial_option ? el.initial_option.value : "";
    control = `<select ${attrs}>${(el.options || []).map((o) =>
      `<option value="${esc(o.value)}"${o.value === initial ? " selected" : ""}>${esc(o.text.text)}</option>`).join("")}</select>`;
  } else {
    control = `<span class="block-unsupported">[${esc(el.type)}]</span>`;
  }
  const hint = block.hint ? `<div class="hint">${textObject(block.hint)}</div>` : "";
  return `<div class="input-block"><label for="${id}">${textObject(block.label)}</label>${control}${hint}</div>`;
}

function renderBlocks(blocks, ctx) {
  return (blocks || []).map((b) => {
    switch (b.type) {
      case "header": return `<div class="block block-header">${textObject(b.text)}</div>`;
      case "section": {
        const text = b.text ? `<div>${textObject(b.text)}</div>` : "";
        const fields = b.fields ? `<div class="block-fields">${b.fields.map((f) => `<div>${textObject(f)}</div>`).join("")}</div>` : "";
        const acc = b.accessory ? element(b.accessory, ctx) : "";
        return `<div class="block block-section"><div>${text}${fields}</div>${acc}</div>`;
      }
      case "context": return `<div class="block block-context">${(b.elements || []).map((e) => element(e, ctx)).join("")}</div>`;
      case "actions": return `<div class="block block-actions">${(b.elements || []).map((e) => element(e, ctx)).join("")}</div>`;
      case "divider": return `<hr class="block block-divider">`;
      case "image": return `<div class="block"><img src="${esc(b.image_url)}" alt="${esc(b.alt_text || "")}" style="max-width:360px"></div>`;
      case "input": return inputElement(b);
      default: return `<div class="block block-unsupported">[unsupported block ${esc(b.type)}]</div>`;
    }
  }).join("");
}

function messageHtml(m, opts = {}) {
  const isBot = Boolean(m.bot_id);
  const who = isBot ? "inbox-bot" : userName(m.user);
  const body = m.blocks && m.blocks.length ? renderBlocks(m.blocks, { ts: m.ts }) : `<div class="block">${mrkdwn(m.text)}</div>`;
  const files = (m.files || []).map((f) => (String(f.mimetype || "").startsWith("image/")
    ? `<a href="${esc(f.url_private)}" target="_blank" rel="noopener"><img class="file-image" src="${esc(f.url_private)}" alt="${esc(f.alt_txt || f.title || f.name)}" title="${esc(f.title || f.name)}"></a>`
    : `<div class="file">📄 ${esc(f.title || f.name)}</div>`)).join("");
  const replies = !opts.inThread && m.reply_count
    ? `<button class="replies-link" data-thread="${esc(m.ts)}">${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}</button>` : "";
  const edited = m.edited ? ` <span class="edited">(edited)</span>` : "";
  const eph = opts.ephemeral ? `<div class="only-you">Only visible to you</div>` : "";
  return `<div class="msg${opts.ephemeral ? " ephemeral" : ""}" data-ts="${esc(m.ts)}" data-who="${esc(who)}">
    <div class="avatar${isBot ? " bot" : ""}">${esc(who.slice(0, 1).toUpperCase())}</div>
    <div><div class="who">${esc(who)}${isBot ? '<span class="app">APP</span>' : ""}<span class="when">${esc(formatDate(Number(m.ts)))}</span>${edited}</div>
    ${body}${files}${eph}${replies}</div></div>`;
}

// ---- drawing ----

function draw() {
  const d = state.data;
  if (!d) return;
  const switcher = $("#user-switcher");
  if (!switcher.options.length) {
    switcher.innerHTML = d.users.map((u) => `<option value="${esc(u.id)}">${esc(u.name)}</option>`).join("");
    switcher.value = state.user;
  }
  const me = d.users.find((u) => u.id === state.user);
  $("#user-title").textContent = me ? me.title : "";

  $("#home-tab").classList.toggle("active", state.home);
  $("#channel-name").classList.toggle("active", !state.home);
  if (state.home) {
    $("#messages").innerHTML = d.home
      ? `<div style="padding:8px 16px">${renderBlocks(d.home.blocks, { ts: "" })}</div>`
      : `<p class="muted" style="padding:16px">Opening the Home tab…</p>`;
    drawModal(d.view);
    drawMails(d.mails || []);
    return;
  }
  const top = d.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const eph = d.ephemerals.filter((e) => !e.thread_ts);
  const list = $("#messages");
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 40;
  list.innerHTML = top.map((m) => messageHtml(m)).join("") + eph.map((e) => messageHtml({ ...e, bot_id: "B" }, { ephemeral: true })).join("");
  if (atBottom) list.scrollTop = list.scrollHeight;

  if (state.thread) {
    const parent = d.messages.find((m) => m.ts === state.thread);
    const replies = d.messages.filter((m) => m.thread_ts === state.thread && m.ts !== state.thread);
    const threadEph = d.ephemerals.filter((e) => e.thread_ts === state.thread);
    $("#thread").hidden = false;
    $("#thread-messages").innerHTML = (parent ? messageHtml(parent, { inThread: true }) : "") +
      `<div class="muted" style="padding:0 16px">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>` +
      replies.map((m) => messageHtml(m, { inThread: true })).join("") +
      threadEph.map((e) => messageHtml({ ...e, bot_id: "B" }, { inThread: true, ephemeral: true })).join("");
  } else {
    $("#thread").hidden = true;
  }
  drawModal(d.view);
  drawMails(d.mails || []);
}

let mailsKey = null;
function drawMails(mails) {
  const key = JSON.stringify(mails.map((m) => m.received));
  if (key === mailsKey) return;
  mailsKey = key;
  if (!mails.length) return;
  $("#mails").innerHTML = mails.map((m) => `<div class="mail">
    <div class="subject">${esc(m.subject)}</div>
    <div class="muted">to ${esc(m.to)} · from ${esc(m.from)}</div>
    ${m.attachments.length ? `<div class="muted">📎 ${m.attachments.map((a) => esc(a.filename)).join(", ")}</div>` : ""}
    <pre>${esc(m.text)}</pre></div>`).join("");
}

let modalKey = null;
function drawModal(view) {
  const modal = $("#modal");
  if (!view) { modal.hidden = true; modalKey = null; return; }
  const key = `${view.id}:${view.hash}`;
  if (key === modalKey && !modal.hidden) return; // keep what the visitor typed
  modalKey = key;
  modal.hidden = false;
  modal.dataset.viewId = view.id;
  $("#modal-title").textContent = view.title.text;
  $("#modal-submit").textContent = view.submit ? view.submit.text : "Submit";
  $("#modal-submit").hidden = !view.submit;
  $("#modal-close").textContent = view.close ? view.close.text : "Cancel";
  $("#modal-blocks").innerHTML = renderBlocks(view.blocks, { ts: "" });
}

function tickClock() {
  const d = state.data;
  if (!d) return;
  const now = new Date(Date.parse(d.now) + (Date.now() - state.fetchedAt) * d.speed);
  const speed = d.speed !== 1 ? ` (${d.speed}× speed)` : "";
  $("#clock").textContent = now.toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" }) + speed;
}

async function poll() {
  for (;;) {
    try {
      const since = state.version === null ? "" : `&since=${state.version}`;
      const response = await fetch(`/demo/state?user=${encodeURIComponent(state.user)}${since}`);
      const data = await response.json();
      state.data = data;
      state.version = data.version;
      state.fetchedAt = Date.now();
      draw();
    } catch (e) {
      toast("Lost the connection to the demo server; retrying…");
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function refresh() {
  const response = await fetch(`/demo/state?user=${encodeURIComponent(state.user)}`);
  state.data = await response.json();
  state.version = state.data.version;
  state.fetchedAt = Date.now();
  draw();
}

// ---- doing ----

let toastTimer = null;
function toast(text) {
  const t = $("#toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
}

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ user: state.user, channel: state.data && state.data.channel.id, ...body }) });
  let data = {};
  try { data = await response.json(); } catch (e) { data = { ok: false, error: `${response.status} ${response.statusText}` }; }
  if (!data.ok) toast(data.error || "That did not work");
  return data;
}

document.addEventListener("click", async (ev) => {
  const button = ev.target.closest(".block-button");
  if (button) {
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    if (button.dataset.url) openLink(button.dataset.url);
    button.disabled = true;
    try {
      await post("/demo/click", { ts: button.dataset.ts, action_id: button.dataset.actionId, value: button.dataset.value });
    } finally { button.disabled = false; }
    return;
  }
  const replies = ev.target.closest(".replies-link");
  if (replies) { state.thread = replies.dataset.thread; draw(); }
});

function openLink(url) {
  // The demo stays on this machine: links to the outside world are shown, not opened.
  if (/^https?:\/\/(127\.0\.0\.1|localhost)(:|\/)/.test(url)) window.open(url, "_blank", "noopener");
  else toast(`Slack would open ${url} (the demo stays offline)`);
}

document.addEventListener("change", async (ev) => {
  const select = ev.target.closest(".block-select");
  if (select && select.value) {
    if (select.dataset.confirm && !window.confirm(select.dataset.confirm)) { select.value = ""; return; }
    await post("/demo/click", { ts: select.dataset.ts, action_id: select.dataset.actionId, selected: select.value });
    select.value = "";
  }
});

$("#thread-close").addEventListener("click", () => { state.thread = null; draw(); });
$("#home-tab").addEventListener("click", async () => { state.home = true; state.thread = null; draw(); await post("/demo/home", {}); });
$("#channel-name").addEventListener("click", () => { state.home = false; draw(); });
$("#user-switcher").addEventListener("change", async (ev) => {
  state.user = ev.target.value;
  if (state.home) await post("/demo/home", {});
  refresh();
});

$("#composer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("#composer-input");
  const line = input.value.trim();
  if (!line) return;
  if (line.startsWith("/")) {
    const result = await post("/demo/command", { line });
    if (result.ok) {
      const text = result.ack && result.ack.payload && result.ack.payload.text;
      if (text) toast(text);
    } else {
      toast(`${line.split(" ")[0]} failed: ${result.error}`);
    }
  } else {
    await post("/demo/say", { text: line });
  }
  input.value = "";
});

$("#thread-composer").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("#thread-input");
  const text = input.value.trim();
  if (!text || !state.thread) return;
  await post("/demo/say", { text, thread_ts: state.thread });
  input.value = "";
});

$("#buyer-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const body = Object.fromEntries(form.entries());
  const status = $("#buyer-status");
  status.textContent = "Sending…";
  const result = await post("/demo/buyer", body);
  status.textContent = result.ok ? "Sent. Amazon relays it to the seller's mailbox; the card follows in a moment." : `Not sent: ${result.error}`;
});

function modalValues() {
  const values = {};
  document.querySelectorAll("#modal-blocks [data-block-id]").forEach((el) => {
    const entry = { type: el.dataset.type };
    if (el.dataset.type === "static_select") {
      const option = el.options[el.selectedIndex];
      entry.selected_option = option ? { text: { type: "plain_text", text: option.text }, value: option.value } : null;
    } else {
      entry.value = el.value;
    }
    (values[el.dataset.blockId] = values[el.dataset.blockId] || {})[el.dataset.actionId] = entry;
  });
  return values;
}

$("#modal-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const submit = $("#modal-submit");
  submit.disabled = true;
  try {
    const result = await post("/demo/submit", { values: modalValues() });
    const payload = result.ok && result.ack && result.ack.payload;
    if (payload && payload.response_action === "errors") {
      document.querySelectorAll("#modal-blocks .error").forEach((e) => e.remove());
      Object.entries(payload.errors || {}).forEach(([blockId, message]) => {
        const input = document.querySelector(`#modal-blocks [data-block-id="${CSS.escape(blockId)}"]`);
        if (!input) { toast(message); return; }
        const div = document.createElement("div");
        div.className = "error";
        div.textContent = message;
        input.closest(".input-block").appendChild(div);
      });
    }
  } finally { submit.disabled = false; }
});

async function closeModal() { await post("/demo/close", {}); }
$("#modal-close").addEventListener("click", closeModal);
$("#modal-x").addEventListener("click", closeModal);

setInterval(tickClock, 500);
poll();
