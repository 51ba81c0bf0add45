/**
 * Draws a {@link Timeline.Timeline} as a standalone SVG document: the same
 * picture in the web view and in the file `history --timeline out.svg` writes.
 *
 * - time runs left to right; idle stretches (a wait of a day between two
 *   invocations of 100 ms) are compressed logarithmically and labelled with
 *   their real length, so invocations stay readable next to long waits;
 * - each invocation is a shaded band across every row, numbered at the top;
 *   its end carries the termination decision (PENDING and its reason,
 *   SUCCEEDED, FAILED, ABANDONED), written in the row under the operations;
 * - each operation is a row, indented under its parent context: step attempts
 *   as solid bars (red when they failed), retry delays as dashed lines, waits as
 *   hatched bars up to their scheduled end, callbacks and invokes as bars that
 *   stay open (dashed) until completed, contexts as thin brackets;
 * - every mark has a tooltip (`<title>`) with the details.
 *
 * Pure: a string out of a model, no I/O.
 *
 * @example
 * ```ts
 * import { Timeline, TimelineSvg } from "@effect-durable/local"
 *
 * const svg = TimelineSvg.render(Timeline.fromHistory(events))
 * fs.writeFileSync("timeline.svg", svg)
 * ```
 *
 * @since 0.1.0
 */
import * as Timeline from "./Timeline.ts"

/**
 * Options of {@link render}.
 *
 * @category models
 * @since 0.1.0
 */
export interface Options {
  /** Total width in pixels. Defaults to 1200. */
  readonly width?: number | undefined
  /** Title line; defaults to the execution's name and status. */
  readonly title?: string | undefined
}

const rightPad = 24
const rowHeight = 22
const barHeight = 12
const top = 86

/** Escapes text for XML content and attributes. */
const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/**
 * A human duration: `850 ms`, `3.2 s`, `4 min 10 s`, `2 h 5 min`, `3 d 4 h`.
 *
 * @category formatting
 * @since 0.1.0
 */
export const formatDuration = (ms: number): string => {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`
  const s = Math.round(ms / 1000)
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 === 0 ? "" : ` ${s % 60} s`}`
  const m = Math.round(s / 60)
  if (m < 24 * 60) return `${Math.floor(m / 60)} h${m % 60 === 0 ? "" : ` ${m % 60} min`}`
  const h = Math.round(m / 60)
  return `${Math.floor(h / 24)} d${h % 24 === 0 ? "" : ` ${h % 24} h`}`
}

/**
 * The time scale: piecewise linear between the timeline's moments, with every
 * gap longer than `knee` compressed logarithmically.
 *
 * @category scale
 * @since 0.1.0
 */
export interface Scale {
  readonly x: (t: number) => number
  /** Gaps drawn shorter than they are: [start, end] in ms. */
  readonly compressed: ReadonlyArray<readonly [number, number]>
}

/**
 * Builds the scale that maps the timeline's moments onto `[x0, x1]` pixels.
 *
 * @category scale
 * @since 0.1.0
 */
export const scale = (timeline: Timeline.Timeline, x0: number, x1: number): Scale => {
  const moments = new Set<number>([timeline.execution.start, timeline.now])
  const clip = (t: number | undefined) => {
    if (t !== undefined) moments.add(Math.min(Math.max(t, timeline.execution.start), timeline.now))
  }
  for (const inv of timeline.invocations) {
    clip(inv.start)
    clip(inv.end)
  }
  for (const op of timeline.operations) {
    for (const s of op.segments) {
      clip(s.start)
      clip(s.end)
      clip(s.expectedEnd)
    }
  }
  if (timeline.execution.end !== undefined) clip(timeline.execution.end)
  const times = [...moments].sort((a, b) => a - b)
  const longest = timeline.invocations.reduce(
    (max, inv) => Math.max(max, (inv.end ?? timeline.now) - inv.start),
    0
  )
  const knee = Math.min(Math.max(longest, 200), 5000)
  const units = (d: number) => d <= knee ? d : knee + knee * Math.log2(d / knee)
  const cumulative: Array<number> = [0]
  const compressed: Array<readonly [number, number]> = []
  for (let i = 1; i < times.length; i++) {
    const d = times[i]! - times[i - 1]!
    cumulative.push(cumulative[i - 1]! + units(d))
    if (d > knee * 2) compressed.push([times[i - 1]!, times[i]!])
  }
  const total = cumulative.at(-1)! || 1
  const width = x1 - x0
  const x = (t: number): number => {
    if (times.length < 2) return x0
    if (t <= times[0]!) return x0
    if (t >= times.at(-1)!) return x1
    let lo = 0
    let hi = times.length - 1
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1
      if (times[mid]! <= t) lo = mid
      else hi = mid
    }
    const span = times[hi]! - times[lo]!
    const within = span === 0 ? 0 : (units(t - times[lo]!) / units(span)) * (cumulative[hi]! - cumulative[lo]!)
    return x0 + ((cumulative[lo]! + within) / total) * width
  }
  return { x, compressed }
}

const statusGlyph: Record<Timeline.OperationStatus, string> = {
  STARTED: "…",
  PENDING: "↻",
  SUCCEEDED: "✓",
  FAILED: "✗",
  CANCELLED: "⊘",
  TIMED_OUT: "⏱",
  STOPPED: "■"
}

const decisionClass = (status: Timeline.Decision["status"]): string =>
  status === "PENDING" ? "pending" : status === "SUCCEEDED" ? "ok" : status === "FAILED" ? "bad" : "gone"

const describeSegment = (op: Timeline.Operation, s: Timeline.Segment, origin: number): string => {
  const rel = (t: number) => `+${formatDuration(t - origin)}`
  const span = s.end === undefined ? `from ${rel(s.start)}, still open` : `${rel(s.start)} → ${rel(s.end)} (${
    formatDuration(s.end - s.start)
  })`
  const head = s.kind === "attempt" ? `attempt ${s.attempt ?? "?"}` : s.kind
  const outcome = s.outcome === undefined ? "" : `, ${s.outcome}`
  const expected = s.expectedEnd === undefined ? "" : `, due ${rel(s.expectedEnd)}`
  const error = s.error === undefined ? "" : `\n${s.error.ErrorType ?? "Error"}: ${s.error.ErrorMessage ?? ""}`
  return `${op.label} (${op.type}${op.subType === undefined ? "" : ` ${op.subType}`})\n${head}: ${span}${outcome}${expected}${error}`
}

const rules: ReadonlyArray<readonly [string, string]> = [
  [".title", "font: 600 14px system-ui, sans-serif; fill: #111827"],
  [".sub", "font: 12px system-ui, sans-serif; fill: #4b5563"],
  [".tick", "font: 10px ui-monospace, monospace; fill: #6b7280"],
  [".label", "font: 12px system-ui, sans-serif; fill: #111827"],
  [".glyph", "font: 12px system-ui, sans-serif; fill: #374151"],
  [".band", "fill: #dbeafe; fill-opacity: 0.55; stroke: #93c5fd; stroke-width: 1"],
  [".band.running", "fill: #bfdbfe; stroke: #3b82f6; stroke-dasharray: 4 2"],
  [".band-label", "font: 600 11px system-ui, sans-serif; fill: #1d4ed8"],
  [".row", "fill: #f9fafb"],
  [".attempt", "fill: #3b82f6"],
  [".attempt.failed", "fill: #ef4444"],
  [".attempt.open", "fill: #93c5fd"],
  [".retry-delay", "stroke: #f59e0b; stroke-width: 2; stroke-dasharray: 4 3"],
  [".wait", "fill: url(#edt-hatch); stroke: #6b7280"],
  [".wait.open", "stroke-dasharray: 3 2"],
  [".callback", "fill: #f59e0b"],
  [".callback.open", "fill: #fde68a; stroke: #d97706; stroke-dasharray: 4 2"],
  [".callback.failed, .callback.timed-out", "fill: #ef4444"],
  [".invoke", "fill: #14b8a6"],
  [".invoke.open", "fill: #99f6e4; stroke: #0d9488; stroke-dasharray: 4 2"],
  [".invoke.failed, .invoke.timed-out, .invoke.stopped", "fill: #ef4444"],
  [".context", "fill: #a78bfa"],
  [".context.failed", "fill: #ef4444"],
  [".context.open", "fill: #ddd6fe"],
  [".cancelled", "fill-opacity: 0.35"],
  [".expected", "stroke: #9ca3af; stroke-dasharray: 2 2"],
  [".decision", "stroke-width: 2"],
  [".decision.pending", "stroke: #d97706"],
  [".decision.ok", "stroke: #16a34a"],
  [".decision.bad", "stroke: #dc2626"],
  [".decision.gone", "stroke: #6b7280; stroke-dasharray: 3 2"],
  [".decision-label", "font: 11px system-ui, sans-serif"],
  [".decision-label.pending", "fill: #b45309"],
  [".decision-label.ok", "fill: #15803d"],
  [".decision-label.bad", "fill: #b91c1c"],
  [".decision-label.gone", "fill: #4b5563"],
  [".gap", "font: 10px system-ui, sans-serif; fill: #9ca3af"],
  [".now", "stroke: #111827; stroke-dasharray: 2 3"]
]

/** Scoped to the SVG's own class, so that it styles nothing else when the SVG is inlined in a page. */
const style = rules.map(([selector, declarations]) =>
  `${selector.split(", ").map((s) => `svg.effect-durable-timeline ${s}`).join(", ")} { ${declarations} }`
).join("\n")

/**
 * Renders the timeline as a standalone SVG document.
 *
 * @example
 * ```ts
 * const svg = TimelineSvg.render(timeline, { width: 1000 })
 * svg.startsWith("<svg") // true
 * ```
 *
 * @category rendering
 * @since 0.1.0
 */
export const render = (timeline: Timeline.Timeline, options: Options = {}): string => {
  // the label column fits the longest label (about 6.6 px a character), within bounds
  const labelWidth = Math.round(Math.min(Math.max(
    ...timeline.operations.map((op) => 12 + op.depth * 14 + `${op.label} · ${Timeline.kind(op)}`.length * 6.6 + 28),
    200
  ), 400))
  const width = Math.max(options.width ?? 1200, labelWidth + 200)
  const x0 = labelWidth + 8
  const x1 = width - rightPad
  const { compressed, x } = scale(timeline, x0, x1)
  const rows = Math.max(timeline.operations.length, 1)
  const rowsBottom = top + rows * rowHeight
  const decisionsTop = rowsBottom + 8
  const height = decisionsTop + 56
  const origin = timeline.execution.start
  const rel = (t: number) => `+${formatDuration(t - origin)}`
  const out: Array<string> = []
  const push = (s: string) => out.push(s)

  push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" class="effect-durable-timeline">`
  )
  push(`<style>${style}</style>`)
  push(
    `<defs><pattern id="edt-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#e5e7eb"/><line x1="0" y1="0" x2="0" y2="6" stroke="#9ca3af" stroke-width="2"/></pattern></defs>`
  )
  push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)

  // Title
  const execution = timeline.execution
  const duration = (execution.end ?? timeline.now) - execution.start
  const title = options.title ?? `${execution.name ?? execution.arn ?? "execution"} · ${execution.status}`
  push(`<text class="title" x="12" y="22">${esc(title)}</text>`)
  push(
    `<text class="sub" x="12" y="40">${
      esc(
        `${new Date(execution.start).toISOString()} · ${formatDuration(duration)}${
          execution.end === undefined ? " so far" : ""
        } · ${timeline.invocations.length} invocation${timeline.invocations.length === 1 ? "" : "s"} · ${timeline.operations.length} operation${
          timeline.operations.length === 1 ? "" : "s"
        }`
      )
    }</text>`
  )

  // Row backgrounds and labels
  timeline.operations.forEach((op, i) => {
    const y = top + i * rowHeight
    if (i % 2 === 0) push(`<rect class="row" x="0" y="${y}" width="${width}" height="${rowHeight}"/>`)
    const indent = 12 + op.depth * 14
    const name = `${op.label} · ${Timeline.kind(op)}`
    const clipped = name.length * 6.6 > labelWidth - indent - 24 ?
      `${name.slice(0, Math.max(4, Math.floor((labelWidth - indent - 24) / 6.6) - 1))}…` :
      name
    push(
      `<text class="label" x="${indent}" y="${y + 15}" data-operation-id="${esc(op.id)}"><title>${
        esc(`${op.label}\n${op.type}${op.subType === undefined ? "" : ` (${op.subType})`} · ${op.status}${
          op.attempts > 0 ? ` · ${op.attempts} attempt${op.attempts === 1 ? "" : "s"}` : ""
        }\nid ${op.id}`)
      }</title>${esc(clipped)}</text>`
    )
    push(`<text class="glyph" x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${statusGlyph[op.status]}</text>`)
  })
  if (timeline.operations.length === 0) {
    push(`<text class="sub" x="12" y="${top + 15}">no operations yet</text>`)
  }

  // Invocation bands
  for (const inv of timeline.invocations) {
    const bx = x(inv.start)
    const bw = Math.max(x(inv.end ?? timeline.now) - bx, 2)
    push(
      `<rect class="band${inv.end === undefined ? " running" : ""}" x="${bx.toFixed(1)}" y="${top - 20}" width="${
        bw.toFixed(1)
      }" height="${rowsBottom - top + 20}"><title>${
        esc(`invocation #${inv.index}${inv.requestId === undefined ? "" : ` (${inv.requestId})`}\n${rel(inv.start)} → ${
          inv.end === undefined ? "running" : `${rel(inv.end)} (${formatDuration(inv.end - inv.start)})`
        }${inv.error === undefined ? "" : `\n${inv.error}`}`)
      }</title></rect>`
    )
    push(`<text class="band-label" x="${(bx + 3).toFixed(1)}" y="${top - 6}">#${inv.index}</text>`)
  }

  // Axis ticks: the start of each invocation, the end, and the compressed gaps
  push(`<text class="tick" x="${x0}" y="${top - 26}">+0</text>`)
  let lastTick = x0
  for (const inv of timeline.invocations) {
    const tx = x(inv.start)
    if (tx - lastTick < 48) continue
    push(`<text class="tick" x="${tx.toFixed(1)}" y="${top - 26}">${esc(rel(inv.start))}</text>`)
    lastTick = tx
  }
  for (const [a, b] of compressed) {
    const mid = (x(a) + x(b)) / 2
    push(`<text class="gap" x="${mid.toFixed(1)}" y="${rowsBottom + 2 + 0}" text-anchor="middle" dy="-2">≈ ${esc(formatDuration(b - a))}</text>`)
  }

  // Operation bars
  timeline.operations.forEach((op, i) => {
    const y = top + i * rowHeight + (rowHeight - barHeight) / 2
    for (const s of op.segments) {
      const sx = x(s.start)
      const end = s.end ?? timeline.now
      const sw = Math.max(x(end) - sx, 3)
      const open = s.end === undefined
      const classes = [s.kind, open ? "open" : "", s.outcome ?? ""].filter((c) => c !== "").join(" ")
      const tip = `<title>${esc(describeSegment(op, s, origin))}</title>`
      if (s.kind === "retry-delay") {
        const until = s.end ?? Math.min(timeline.now, s.expectedEnd ?? timeline.now)
        push(
          `<line class="${classes}" x1="${sx.toFixed(1)}" y1="${y + barHeight / 2}" x2="${
            Math.max(x(until), sx + 3).toFixed(1)
          }" y2="${y + barHeight / 2}">${tip}</line>`
        )
        if (open && s.expectedEnd !== undefined && s.expectedEnd > timeline.now) {
          push(`<line class="expected" x1="${x(timeline.now).toFixed(1)}" y1="${y + barHeight / 2}" x2="${x(s.expectedEnd).toFixed(1)}" y2="${y + barHeight / 2}"/>`)
        }
        continue
      }
      const h = s.kind === "context" ? 6 : barHeight
      const dy = s.kind === "context" ? (barHeight - 6) / 2 : 0
      push(
        `<rect class="${classes}" x="${sx.toFixed(1)}" y="${(y + dy).toFixed(1)}" width="${sw.toFixed(1)}" height="${h}" rx="2">${tip}</rect>`
      )
      if (open && s.expectedEnd !== undefined && s.expectedEnd > timeline.now) {
        push(
          `<rect class="expected" fill="none" x="${x(timeline.now).toFixed(1)}" y="${y}" width="${
            Math.max(x(s.expectedEnd) - x(timeline.now), 1).toFixed(1)
          }" height="${barHeight}"/>`
        )
      }
    }
  })

  // Termination decisions
  timeline.invocations.forEach((inv, i) => {
    if (inv.decision === undefined) return
    const d = inv.decision
    const dx = x(d.at)
    const cls = decisionClass(d.status)
    push(`<line class="decision ${cls}" x1="${dx.toFixed(1)}" y1="${top - 20}" x2="${dx.toFixed(1)}" y2="${decisionsTop + 4}"/>`)
    const text = d.reason === undefined ? d.status : `${d.status} · ${d.reason}`
    const anchor = dx > x1 - 140 ? "end" : "start"
    push(
      `<text class="decision-label ${cls}" x="${(dx + (anchor === "end" ? -3 : 3)).toFixed(1)}" y="${
        decisionsTop + 16 + (i % 2) * 16
      }" text-anchor="${anchor}" data-invocation="${inv.index}"><title>${
        esc(`invocation #${inv.index} ends at ${rel(d.at)}: ${d.status}${
          d.reason === undefined ? "" : `\nreason: ${d.reason}${d.reported ? "" : " (derived from what waits)"}`
        }${d.waitingFor.length === 0 ? "" : `\nwaiting for:\n  ${d.waitingFor.join("\n  ")}`}`)
      }</title>#${inv.index} ${esc(text)}</text>`
    )
  })

  // Now
  if (execution.end === undefined) {
    const nx = x(timeline.now)
    push(`<line class="now" x1="${nx.toFixed(1)}" y1="${top - 20}" x2="${nx.toFixed(1)}" y2="${rowsBottom}"><title>now</title></line>`)
  }
  push(`</svg>`)
  return out.join("\n")
}
