/**
 * A small scatter plot as a standalone SVG: labelled points in a few series,
 * a linear x axis and a logarithmic y axis (costs that differ by orders of
 * magnitude stay readable).
 */

/** One point. */
export interface Point {
  readonly label: string
  readonly x: number
  readonly y: number
}

/** What to draw. */
export interface Scatter {
  readonly title: string
  readonly x: string
  readonly y: string
  readonly series: ReadonlyArray<{ readonly name: string; readonly points: ReadonlyArray<Point> }>
}

const width = 760
const height = 480
const margin = { left: 90, right: 200, top: 50, bottom: 60 }
const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

/** Ticks at 1, 2 and 5 times the powers of ten within [lo, hi]. */
const logTicks = (lo: number, hi: number): ReadonlyArray<number> => {
  const ticks: Array<number> = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e
      if (t >= lo && t <= hi) ticks.push(t)
    }
  }
  return ticks
}

/** Renders the plot. */
export const scatter = (plot: Scatter): string => {
  const points = plot.series.flatMap((s) => s.points)
  const xMax = Math.max(...points.map((p) => p.x)) * 1.1
  const yLo = Math.min(...points.map((p) => p.y)) / 1.5
  const yHi = Math.max(...points.map((p) => p.y)) * 1.5
  const innerW = width - margin.left - margin.right
  const innerH = height - margin.top - margin.bottom
  const sx = (x: number) => margin.left + (x / xMax) * innerW
  const sy = (y: number) => margin.top + innerH - ((Math.log10(y) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * innerH
  const out: Array<string> = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${escape(plot.title)}</text>`
  )
  // Axes and grid.
  const xStep = xMax > 40 ? 10 : 5
  for (let x = 0; x <= xMax; x += xStep) {
    out.push(
      `<line x1="${sx(x)}" y1="${margin.top}" x2="${sx(x)}" y2="${margin.top + innerH}" stroke="#eee"/>`,
      `<text x="${sx(x)}" y="${margin.top + innerH + 18}" text-anchor="middle">${x}</text>`
    )
  }
  for (const y of logTicks(yLo, yHi)) {
    out.push(
      `<line x1="${margin.left}" y1="${sy(y)}" x2="${margin.left + innerW}" y2="${sy(y)}" stroke="#eee"/>`,
      `<text x="${margin.left - 8}" y="${sy(y) + 4}" text-anchor="end">${y}</text>`
    )
  }
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${innerW}" height="${innerH}" fill="none" stroke="#333"/>`,
    `<text x="${margin.left + innerW / 2}" y="${height - 18}" text-anchor="middle">${escape(plot.x)}</text>`,
    `<text transform="translate(22 ${margin.top + innerH / 2}) rotate(-90)" text-anchor="middle">${escape(plot.y)}</text>`
  )
  // Points, labelled.
  plot.series.forEach((series, i) => {
    const color = colors[i % colors.length]!
    for (const p of series.points) {
      const [x, y] = [sx(p.x), sy(p.y)]
      out.push(
        i === 0
          ? `<circle cx="${x}" cy="${y}" r="5" fill="${color}"/>`
          : `<rect x="${x - 5}" y="${y - 5}" width="10" height="10" fill="${color}"/>`,
        `<text x="${x + 8}" y="${y + (i === 0 ? -6 : 14)}" fill="${color}">${escape(p.label)}</text>`
      )
    }
    // Legend.
    const ly = margin.top + 10 + i * 20
    const lx = margin.left + innerW + 16
    out.push(
      i === 0
        ? `<circle cx="${lx}" cy="${ly}" r="5" fill="${color}"/>`
        : `<rect x="${lx - 5}" y="${ly - 5}" width="10" height="10" fill="${color}"/>`,
      `<text x="${lx + 10}" y="${ly + 4}">${escape(series.name)}</text>`
    )
  })
  out.push("</svg>")
  return out.join("\n") + "\n"
}
