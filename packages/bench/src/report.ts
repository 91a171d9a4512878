// What a scenario hands back, and the pieces every scenario uses to say it.

/** One goal from the issue, judged on this run's figure. */
export interface Goal {
  readonly figure: string
  readonly goal: string
  readonly measured: string
  readonly pass: boolean
}

export interface Table {
  readonly caption?: string
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/** An SVG written next to docs/benchmarks.md and linked from it. */
export interface Plot {
  readonly file: string
  readonly alt: string
  readonly svg: string
}

export interface Section {
  readonly id: string
  readonly title: string
  /** What ran, in a sentence or two of markdown. */
  readonly setup: string
  readonly tables: ReadonlyArray<Table>
  readonly goals: ReadonlyArray<Goal>
  readonly notes: ReadonlyArray<string>
  readonly plots: ReadonlyArray<Plot>
}

export interface TimedSection extends Section {
  readonly seconds: number
  /** 1-minute load average when the scenario started and ended: how noisy the machine was. */
  readonly loadBefore: number
  readonly loadAfter: number
}

export const goal = (figure: string, goalText: string, measured: string, pass: boolean): Goal => ({
  figure,
  goal: goalText,
  measured,
  pass
})

export const verdict = (pass: boolean) => pass ? "PASS" : "MISS"

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ")

export const markdownTable = (table: Table): string => {
  const lines = [
    `| ${table.header.map(cell).join(" | ")} |`,
    `| ${table.header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...table.rows.map((row) => `| ${row.map(cell).join(" | ")} |`)
  ]
  return (table.caption === undefined ? "" : `${table.caption}\n\n`) + lines.join("\n")
}

/** A fixed-width table for the terminal. */
export const textTable = (table: Table): string => {
  const all = [table.header, ...table.rows]
  const widths = table.header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)))
  const line = (row: ReadonlyArray<string>) =>
    row.map((text, i) => (i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0))).join("  ")
  return [
    ...(table.caption === undefined ? [] : [table.caption]),
    line(table.header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...table.rows.map(line)
  ].join("\n")
}
