import { quantileOfSorted, sorted } from "./stats.js"

// Hand-written SVG charts from the measured data: no plotting library, so the picture is exactly
// the numbers in the tables and the file diffs cleanly between runs.

export interface Series {
  readonly name: string
  readonly color: string
  readonly values: ReadonlyArray<number>
}

export interface CdfPanel {
  readonly title: string
  readonly xLabel: string
  readonly series: ReadonlyArray<Series>
  /** Cut the x axis at this quantile of the slowest series so one outlier does not flatten the rest. */
  readonly clipQuantile?: number
}

const escape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("\"", "&quot;")

/** Round tick steps (1, 2, 5 × 10^k) covering [0, max] with about `count` ticks. */
const ticks = (max: number, count: number): ReadonlyArray<number> => {
  if (!(max > 0)) return [0]
  const raw = max / count
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw
  const out: Array<number> = []
  for (let value = 0; value <= max + step * 1e-9; value += step) out.push(Number(value.toPrecision(12)))
  return out
}

const label = (value: number) => (Math.abs(value) >= 10 ? value.toFixed(0) : Number(value.toPrecision(3)).toString())

const width = 760
const panelHeight = 300
const margin = { left: 60, right: 20, top: 34, bottom: 48 }

const panel = (spec: CdfPanel, offsetY: number): string => {
  const prepared = spec.series.map((s) => ({ ...s, ascending: sorted(s.values) }))
  const clip = spec.clipQuantile ?? 0.995
  const xMaxRaw = Math.max(...prepared.map((s) => quantileOfSorted(s.ascending, clip)))
  const xTicks = ticks(xMaxRaw * 1.05, 8)
  const xMax = xTicks[xTicks.length - 1] ?? xMaxRaw
  const plotW = width - margin.left - margin.right
  const plotH = panelHeight - margin.top - margin.bottom
  const x = (value: number) => margin.left + (Math.min(value, xMax) / xMax) * plotW
  const y = (fraction: number) => offsetY + margin.top + (1 - fraction) * plotH
  const parts: Array<string> = []
  parts.push(`<text x="${margin.left}" y="${offsetY + 20}" class="title">${escape(spec.title)}</text>`)
  for (const tick of xTicks) {
    parts.push(`<line x1="${x(tick)}" y1="${y(0)}" x2="${x(tick)}" y2="${y(1)}" class="grid"/>`)
    parts.push(`<text x="${x(tick)}" y="${y(0) + 16}" class="tick" text-anchor="middle">${label(tick)}</text>`)
  }
  for (const fraction of [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1]) {
    parts.push(`<line x1="${x(0)}" y1="${y(fraction)}" x2="${x(xMax)}" y2="${y(fraction)}" class="grid"/>`)
    parts.push(`<text x="${margin.left - 6}" y="${y(fraction) + 4}" class="tick" text-anchor="end">${fraction === 0.99 ? "p99" : fraction === 0.9 ? "p90" : fraction === 0.5 ? "p50" : fraction.toString()}</text>`)
  }
  parts.push(`<rect x="${margin.left}" y="${offsetY + margin.top}" width="${plotW}" height="${plotH}" class="frame"/>`)
  parts.push(`<text x="${margin.left + plotW / 2}" y="${y(0) + 36}" class="axis" text-anchor="middle">${escape(spec.xLabel)}</text>`)
  prepared.forEach((s, index) => {
    const n = s.ascending.length
    // One point per sample up to 400, else every k-th order statistic (and the last).
    const stride = Math.max(1, Math.ceil(n / 400))
    const points: Array<string> = []
    for (let i = 0; i < n; i += stride) points.push(`${x(s.ascending[i] ?? 0).toFixed(1)},${y((i + 1) / n).toFixed(1)}`)
    if (n > 0) points.push(`${x(s.ascending[n - 1] ?? 0).toFixed(1)},${y(1).toFixed(1)}`)
    parts.push(`<polyline points="${points.join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"/>`)
    const p50 = quantileOfSorted(s.ascending, 0.5)
    const legendY = y(0.45) + index * 18
    parts.push(`<line x1="${x(xMax) - 230}" y1="${legendY - 4}" x2="${x(xMax) - 210}" y2="${legendY - 4}" stroke="${s.color}" stroke-width="3"/>`)
    parts.push(`<text x="${x(xMax) - 204}" y="${legendY}" class="legend">${escape(`${s.name} (p50 ${label(p50)})`)}</text>`)
  })
  return parts.join("\n")
}

/** Cumulative distributions, one panel under another. */
export const cdfChart = (panels: ReadonlyArray<CdfPanel>): string => {
  const height = panelHeight * panels.length
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<style>.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#444}.axis{font-size:12px;fill:#222}.legend{font-size:12px}.grid{stroke:#e4e4e4;stroke-width:1}.frame{fill:none;stroke:#999}</style>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...panels.map((spec, i) => panel(spec, i * panelHeight)),
    `</svg>`,
    ""
  ].join("\n")
}

export interface Line {
  readonly name: string
  readonly color: string
  /** (x, y) points, x ascending. */
  readonly points: ReadonlyArray<readonly [number, number]>
}

/** A plain x/y line chart (e.g. jobs finished over time). */
export const lineChart = (spec: { readonly title: string; readonly xLabel: string; readonly yLabel: string; readonly lines: ReadonlyArray<Line> }): string => {
  const all = spec.lines.flatMap((line) => line.points)
  const xTicks = ticks(Math.max(...all.map(([px]) => px)) * 1.02, 8)
  const yTicks = ticks(Math.max(...all.map(([, py]) => py)) * 1.05, 6)
  const xMax = xTicks[xTicks.length - 1] ?? 1
  const yMax = yTicks[yTicks.length - 1] ?? 1
  const plotW = width - margin.left - margin.right
  const plotH = panelHeight - margin.top - margin.bottom
  const x = (value: number) => margin.left + (value / xMax) * plotW
  const y = (value: number) => margin.top + (1 - value / yMax) * plotH
  const parts: Array<string> = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${panelHeight}" viewBox="0 0 ${width} ${panelHeight}" font-family="system-ui, sans-serif">`,
    `<style>.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#444}.axis{font-size:12px;fill:#222}.legend{font-size:12px}.grid{stroke:#e4e4e4;stroke-width:1}.frame{fill:none;stroke:#999}</style>`,
    `<rect width="${width}" height="${panelHeight}" fill="#fff"/>`,
    `<text x="${margin.left}" y="20" class="title">${escape(spec.title)}</text>`
  ]
  for (const tick of xTicks) {
    parts.push(`<line x1="${x(tick)}" y1="${y(0)}" x2="${x(tick)}" y2="${y(yMax)}" class="grid"/>`)
    parts.push(`<text x="${x(tick)}" y="${y(0) + 16}" class="tick" text-anchor="middle">${label(tick)}</text>`)
  }
  for (const tick of yTicks) {
    parts.push(`<line x1="${x(0)}" y1="${y(tick)}" x2="${x(xMax)}" y2="${y(tick)}" class="grid"/>`)
    parts.push(`<text x="${margin.left - 6}" y="${y(tick) + 4}" class="tick" text-anchor="end">${label(tick)}</text>`)
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" class="frame"/>`)
  parts.push(`<text x="${margin.left + plotW / 2}" y="${y(0) + 36}" class="axis" text-anchor="middle">${escape(spec.xLabel)}</text>`)
  parts.push(`<text x="14" y="${margin.top + plotH / 2}" class="axis" text-anchor="middle" transform="rotate(-90 14 ${margin.top + plotH / 2})">${escape(spec.yLabel)}</text>`)
  spec.lines.forEach((line, index) => {
    const points = line.points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ")
    parts.push(`<polyline points="${points}" fill="none" stroke="${line.color}" stroke-width="2"/>`)
    const legendY = margin.top + 18 + index * 18
    parts.push(`<line x1="${margin.left + 12}" y1="${legendY - 4}" x2="${margin.left + 32}" y2="${legendY - 4}" stroke="${line.color}" stroke-width="3"/>`)
    parts.push(`<text x="${margin.left + 38}" y="${legendY}" class="legend">${escape(line.name)}</text>`)
  })
  parts.push(`</svg>`, "")
  return parts.join("\n")
}

export const palette = { direct: "#2b7bb9", proxy: "#8c8c8c", foreman: "#d9480f", other: "#2f9e44" } as const
