/**
 * The web view's page: one self-contained HTML document (styles and script
 * inline, no external resource), served at `/`.
 *
 * The script keeps no state of its own beyond the selected execution: it
 * fetches the list and the selected execution from `/ui/api/*` when the
 * server-sent events of `/ui/events` say they changed (at most every 200 ms),
 * starts executions with the Lambda API's `Invoke` and completes callbacks
 * through its callback routes. Every
 * text that comes from a workflow is escaped before it is inserted.
 *
 * @internal
 */

const style = `
  :root { --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f9fafb; --accent: #2563eb }
  * { box-sizing: border-box }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg) }
  header { display: flex; align-items: center; gap: 12px; padding: 10px 18px; border-bottom: 1px solid var(--line); background: #0f172a; color: #f8fafc }
  header h1 { font-size: 16px; margin: 0; font-weight: 600 }
  header h1 span { font-weight: 400; color: #cbd5e1; margin-left: 6px }
  #live { margin-left: auto; font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #334155 }
  #live.on { background: #15803d } #live.off { background: #b91c1c }
  main { display: grid; grid-template-columns: minmax(300px, 26%) 1fr; min-height: calc(100vh - 45px) }
  #list { border-right: 1px solid var(--line); background: var(--panel); overflow: auto }
  #list h2, #detail h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 14px 16px 8px }
  table { border-collapse: collapse; width: 100% }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top }
  th { font-size: 12px; color: var(--muted); font-weight: 500 }
  #executions tr { cursor: pointer } #executions tr:hover { background: #eef2ff } #executions tr.selected { background: #dbeafe }
  #executions td { font-size: 13px }
  .name { font-weight: 500 } .fn { color: var(--muted); font-size: 12px }
  .status { display: inline-block; font-size: 11px; font-weight: 600; padding: 1px 7px; border-radius: 9px; background: #e5e7eb }
  .s-RUNNING, .s-STARTED { background: #dbeafe; color: #1d4ed8 } .s-SUCCEEDED { background: #dcfce7; color: #15803d }
  .s-FAILED, .s-TIMED_OUT { background: #fee2e2; color: #b91c1c } .s-STOPPED, .s-CANCELLED { background: #e5e7eb; color: #374151 }
  .s-PENDING { background: #fef3c7; color: #b45309 } .s-ABANDONED { background: #e5e7eb; color: #374151 }
  .badge { font-size: 11px; color: #b45309; margin-left: 4px }
  #detail { padding: 0 18px 40px; overflow: auto; min-width: 0 }
  .hint, .empty { color: var(--muted); margin: 16px }
  .meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; font-size: 13px; margin: 8px 0 4px }
  .meta dt { color: var(--muted) } .meta dd { margin: 0; font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere }
  #timeline { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; margin-top: 6px }
  #timeline svg { display: block }
  .pending-callback { border: 1px solid #fcd34d; background: #fffbeb; border-radius: 6px; padding: 10px 12px; margin: 8px 0 }
  .pending-callback .id { font-family: ui-monospace, monospace; font-size: 12px }
  .pending-callback textarea { width: 100%; min-height: 38px; font: 12px ui-monospace, monospace; margin: 6px 0; padding: 6px }
  .pending-callback input { font: 12px ui-monospace, monospace; padding: 4px 6px; width: 40% }
  .pending-callback code { display: block; font-size: 11px; color: var(--muted); margin-top: 6px; overflow-wrap: anywhere }
  button { font: 600 12px system-ui, sans-serif; border: 0; border-radius: 5px; padding: 6px 12px; cursor: pointer; margin-right: 6px }
  button.succeed { background: #16a34a; color: white } button.fail { background: #dc2626; color: white }
  button:disabled { opacity: .5; cursor: default }
  .message { font-size: 12px; margin-left: 6px } .message.error { color: #b91c1c } .message.ok { color: #15803d }
  td.mono, .mono { font-family: ui-monospace, monospace; font-size: 12px; overflow-wrap: anywhere }
  .why { color: #b45309 } .waiting { color: var(--muted); font-size: 12px }
  #start { margin: 0 16px 6px; padding-bottom: 10px; border-bottom: 1px solid var(--line) }
  #start h2 { margin-left: 0 }
  #start input, #start textarea { font: 12px ui-monospace, monospace; padding: 5px 6px; border: 1px solid var(--line); border-radius: 4px }
  #start input { width: calc(50% - 4px) } #start textarea { width: 100%; min-height: 38px; margin: 6px 0 }
  button.start { background: var(--accent); color: white }
`

const script = String.raw`
const $ = (id) => document.getElementById(id)
const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c])
const short = (value, n = 160) => { const s = String(value ?? ""); return s.length > n ? s.slice(0, n - 1) + "…" : s }
const duration = (ms) => {
  if (ms === undefined || ms === null) return ""
  if (ms < 1000) return Math.round(ms) + " ms"
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s"
  const s = Math.round(ms / 1000)
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s"
  return Math.floor(s / 3600) + " h " + Math.round((s % 3600) / 60) + " min"
}
const clock = (ms) => new Date(ms).toLocaleTimeString()

const state = { selected: decodeURIComponent(location.hash.slice(1)) || undefined, executions: [], callbackIds: "" }

const throttled = (f, ms) => {
  let running = false, again = false
  const run = async () => {
    if (running) { again = true; return }
    running = true
    try { await f() } catch (e) { console.error(e) }
    setTimeout(() => { running = false; if (again) { again = false; run() } }, ms)
  }
  return run
}

const renderList = () => {
  $("executions").innerHTML = state.executions.map((e) =>
    '<tr data-arn="' + esc(e.arn) + '"' + (e.arn === state.selected ? ' class="selected"' : "") + ">" +
    '<td><div class="name">' + esc(e.executionName) + '</div><div class="fn">' + esc(e.functionName) + "</div></td>" +
    '<td><span class="status s-' + esc(e.status) + '">' + esc(e.status) + "</span>" +
    (e.pendingCallbacks > 0 ? '<span class="badge">⏳ ' + e.pendingCallbacks + " callback" + (e.pendingCallbacks > 1 ? "s" : "") + "</span>" : "") +
    '</td><td class="fn">' + esc(clock(e.start)) + "<br>" + esc(duration((e.end ?? Date.now()) - e.start)) + "</td></tr>"
  ).join("")
  $("no-executions").hidden = state.executions.length > 0
}

const loadList = throttled(async () => {
  const response = await fetch("/ui/api/executions")
  state.executions = (await response.json()).executions
  renderList()
  if (state.selected === undefined && state.executions.length > 0) select(state.executions[0].arn)
}, 200)

const select = (arn) => {
  state.selected = arn
  state.callbackIds = ""
  history.replaceState(null, "", "#" + encodeURIComponent(arn))
  $("detail").innerHTML = '<h2 id="title"></h2><dl class="meta" id="meta"></dl><div id="callbacks"></div>' +
    '<h2>Timeline</h2><div id="timeline"></div><h2>Invocations</h2><table id="invocations"></table>' +
    '<h2>Operations</h2><table id="operations"></table>'
  renderList()
  loadDetail()
}

const renderCallbacks = (timeline) => {
  const ids = timeline.pendingCallbacks.map((c) => c.callbackId).join(",")
  if (ids === state.callbackIds) return
  state.callbackIds = ids
  $("callbacks").innerHTML = timeline.pendingCallbacks.length === 0 ? "" :
    "<h2>Pending callbacks</h2>" + timeline.pendingCallbacks.map((c) =>
      '<div class="pending-callback" data-callback-id="' + esc(c.callbackId) + '">' +
      "<div><strong>" + esc(c.name ?? "callback") + '</strong> · <span class="id">' + esc(c.callbackId) + "</span> · waiting since " + esc(clock(c.since)) + "</div>" +
      '<textarea aria-label="result (JSON)" data-role="result">{"approved": true}</textarea>' +
      '<div><button class="succeed" data-action="succeed">Succeed</button>' +
      '<button class="fail" data-action="fail">Fail</button>' +
      '<input data-role="error" aria-label="error message" placeholder="error message (for Fail)">' +
      '<span class="message" data-role="message"></span></div>' +
      "<code>npx effect-durable callback succeed " + esc(c.callbackId) + " '{\"approved\": true}'</code></div>"
    ).join("")
}

const renderDetail = (data) => {
  const { execution: e, timeline: t, svg } = data
  $("title").innerHTML = esc(e.executionName) + ' <span class="status s-' + esc(e.status) + '">' + esc(e.status) + "</span>"
  const meta = [["function", e.functionName], ["ARN", e.arn], ["started", new Date(e.start).toLocaleString()],
    ["duration", duration((e.end ?? Date.now()) - e.start)], ["input", short(e.input, 400)]]
  if (e.result !== undefined) meta.push(["result", short(e.result, 400)])
  if (e.error !== undefined) meta.push(["error", (e.error.ErrorType ?? "Error") + ": " + (e.error.ErrorMessage ?? "")])
  $("meta").innerHTML = meta.map(([k, v]) => "<dt>" + esc(k) + "</dt><dd>" + esc(v) + "</dd>").join("")
  renderCallbacks(t)
  $("timeline").innerHTML = svg
  $("invocations").innerHTML = "<tr><th>#</th><th>start</th><th>duration</th><th>answer</th><th>why it ended</th></tr>" +
    t.invocations.map((i) => {
      const d = i.decision
      return '<tr data-invocation="' + i.index + '"><td>' + i.index + "</td><td>+" + esc(duration(i.start - t.execution.start)) + "</td>" +
        "<td>" + (i.end === undefined ? "running…" : esc(duration(i.end - i.start))) + "</td>" +
        "<td>" + (d ? '<span class="status s-' + esc(d.status) + '">' + esc(d.status) + "</span>" : '<span class="status s-RUNNING">RUNNING</span>') + "</td>" +
        "<td>" + (d && d.reason ? '<span class="why">' + esc(d.reason) + "</span>" + (d.reported ? "" : ' <span class="waiting">(derived)</span>') : "") +
        (d && d.waitingFor.length > 0 ? '<div class="waiting">waiting for ' + d.waitingFor.map(esc).join("; ") + "</div>" : "") +
        (i.error ? '<div class="waiting">' + esc(i.error) + "</div>" : "") + "</td></tr>"
    }).join("")
  $("operations").innerHTML = "<tr><th>operation</th><th>type</th><th>status</th><th>attempts</th><th>duration</th><th>result / error</th></tr>" +
    t.operations.map((o) =>
      '<tr data-operation-id="' + esc(o.id) + '" data-status="' + esc(o.status) + '">' +
      '<td style="padding-left:' + (8 + o.depth * 16) + 'px">' + esc(o.label) + "</td>" +
      "<td>" + esc(o.type.toLowerCase()) + (o.subType ? ' <span class="fn">' + esc(o.subType) + "</span>" : "") + "</td>" +
      '<td><span class="status s-' + esc(o.status) + '">' + esc(o.status) + "</span></td>" +
      "<td>" + (o.attempts || "") + "</td><td>" + esc(duration((o.end ?? t.now) - o.start)) + "</td>" +
      '<td class="mono" title="' + esc(o.error ? (o.error.ErrorType ?? "") + ": " + (o.error.ErrorMessage ?? "") : o.result ?? "") + '">' +
      esc(short(o.error && o.status !== "SUCCEEDED" ? (o.error.ErrorType ?? "Error") + ": " + (o.error.ErrorMessage ?? "") : o.result ?? "", 100)) + "</td></tr>"
    ).join("")
}

const loadDetail = throttled(async () => {
  if (state.selected === undefined || $("timeline") === null) return
  const arn = state.selected
  const width = Math.max($("detail").clientWidth - 40, 700)
  const response = await fetch("/ui/api/execution?arn=" + encodeURIComponent(arn) + "&width=" + width)
  if (arn !== state.selected) return
  if (!response.ok) { $("detail").innerHTML = '<p class="hint">' + esc((await response.json()).message) + "</p>"; return }
  renderDetail(await response.json())
}, 200)

const callbackUrl = (id, action) => "/2025-12-01/durable-execution-callbacks/" + encodeURIComponent(id) + "/" + action

document.addEventListener("click", async (event) => {
  const row = event.target.closest("#executions tr[data-arn]")
  if (row) return select(row.dataset.arn)
  const button = event.target.closest(".pending-callback button[data-action]")
  if (!button) return
  const box = button.closest(".pending-callback")
  const id = box.dataset.callbackId
  const message = box.querySelector('[data-role="message"]')
  const say = (text, ok) => { message.textContent = text; message.className = "message " + (ok ? "ok" : "error") }
  let body
  if (button.dataset.action === "succeed") {
    body = box.querySelector('[data-role="result"]').value
    try { JSON.parse(body) } catch { return say("The result must be JSON", false) }
  } else {
    body = JSON.stringify({ ErrorType: "Rejected", ErrorMessage: box.querySelector('[data-role="error"]').value || "Rejected from the web view" })
  }
  box.querySelectorAll("button").forEach((b) => { b.disabled = true })
  const response = await fetch(callbackUrl(id, button.dataset.action), { method: "POST", headers: { "content-type": "application/json" }, body })
  if (response.ok) say(button.dataset.action === "succeed" ? "Sent: the callback succeeded" : "Sent: the callback failed", true)
  else {
    say((await response.json().catch(() => ({}))).message ?? "HTTP " + response.status, false)
    box.querySelectorAll("button").forEach((b) => { b.disabled = false })
  }
})

const loadFunctions = async () => {
  const { functions } = await (await fetch("/ui/api/functions")).json()
  $("functions").innerHTML = functions.map((f) => '<option value="' + esc(f) + '">').join("")
  if ($("start-function").value === "" && functions.length > 0) $("start-function").value = functions[0]
}

// Starts an execution with the Lambda API's own Invoke (asynchronous), then shows it.
$("start").addEventListener("submit", async (event) => {
  event.preventDefault()
  const message = $("start-message")
  const say = (text, ok) => { message.textContent = text; message.className = "message " + (ok ? "ok" : "error") }
  const fn = $("start-function").value.trim()
  const name = $("start-name").value.trim()
  const input = $("start-input").value.trim()
  if (fn === "") return say("Which function?", false)
  if (input !== "") { try { JSON.parse(input) } catch { return say("The input must be JSON", false) } }
  const headers = { "x-amz-invocation-type": "Event" }
  if (name !== "") headers["x-amz-durable-execution-name"] = name
  $("start-button").disabled = true
  try {
    const response = await fetch("/2015-03-31/functions/" + encodeURIComponent(fn) + "/invocations", { method: "POST", headers, body: input })
    if (!response.ok) return say((await response.json().catch(() => ({}))).message ?? "HTTP " + response.status, false)
    say("Started", true)
    select(response.headers.get("x-amz-durable-execution-arn"))
    loadList()
  } finally {
    $("start-button").disabled = false
  }
})

const connect = () => {
  const events = new EventSource("/ui/events")
  events.addEventListener("hello", () => { $("live").textContent = "live"; $("live").className = "on"; loadList(); loadDetail() })
  events.addEventListener("changed", (event) => {
    const { arns } = JSON.parse(event.data)
    loadList()
    if (state.selected !== undefined && arns.includes(state.selected)) loadDetail()
  })
  events.onerror = () => { $("live").textContent = "reconnecting…"; $("live").className = "off" }
}

if (state.selected !== undefined) select(state.selected)
loadFunctions()
loadList()
connect()
setInterval(() => { if (state.executions.some((e) => e.status === "RUNNING")) { renderList() } }, 1000)
`

/**
 * The whole page.
 *
 * @internal
 */
export const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>effect-durable · local durable service</title>
<style>${style}</style>
</head>
<body>
<header><h1>effect-durable<span>local durable service</span></h1><span id="live">connecting…</span></header>
<main>
<section id="list">
<form id="start"><h2>Start an execution</h2>
<input id="start-function" list="functions" placeholder="function" aria-label="function" autocomplete="off">
<input id="start-name" placeholder="name (optional)" aria-label="execution name" autocomplete="off">
<datalist id="functions"></datalist>
<textarea id="start-input" aria-label="input (JSON)" placeholder="input (JSON; empty: none)"></textarea>
<button type="submit" class="start" id="start-button">Start</button><span class="message" id="start-message"></span>
</form>
<h2>Executions</h2><table><tbody id="executions"></tbody></table>
<p class="empty" id="no-executions">No executions yet. Start one above, or with <code>npx effect-durable run &lt;module&gt; &lt;workflow&gt;</code>.</p></section>
<section id="detail"><p class="hint">Select an execution.</p></section>
</main>
<script type="module">${script}</script>
</body>
</html>
`
