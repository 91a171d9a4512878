import { Effect, Schema } from "effect"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Counts, Mode } from "./config.js"
import type { Machine } from "./document.js"
import { BenchError } from "./BenchError.js"
import type { TimedSection } from "./report.js"

// docs/benchmarks.json: every figure of the last complete run, machine-readable, so the markdown can
// be rendered again (`--render-only`, e.g. after editing findings.md) without measuring again.

const Num = Schema.Number
const Strings = Schema.Array(Schema.String)

const RunRecord = Schema.Struct({
  mode: Schema.Literal("full", "quick"),
  startedAt: Schema.String,
  seconds: Num,
  foremanBin: Schema.String,
  machine: Schema.Struct({
    cores: Num,
    cpu: Schema.String,
    memoryGB: Schema.String,
    node: Schema.String,
    os: Schema.String,
    tempFs: Schema.String,
    load: Schema.String
  }),
  counts: Schema.Struct({
    overhead: Schema.Struct({ warmup: Num, rounds: Num }),
    streaming: Schema.Struct({ tokens: Num, warmup: Num, rounds: Num }),
    throughput: Schema.Struct({ jobs: Num, submitters: Num, reps: Num }),
    swaps: Schema.Struct({ jobs: Num, loadDelayMs: Num }),
    scale: Schema.Struct({ queued: Num, nearEmpty: Num, skip: Num, window: Num, submitters: Num, settleMs: Num }),
    startup: Schema.Struct({ starts: Num, idleSettleMs: Num }),
    webhooks: Schema.Struct({ jobs: Num, submitters: Num, reps: Num })
  }),
  sections: Schema.Array(Schema.Struct({
    id: Schema.String,
    title: Schema.String,
    setup: Schema.String,
    tables: Schema.Array(Schema.Struct({
      caption: Schema.optionalWith(Schema.String, { exact: true }),
      header: Strings,
      rows: Schema.Array(Strings)
    })),
    goals: Schema.Array(Schema.Struct({ figure: Schema.String, goal: Schema.String, measured: Schema.String, pass: Schema.Boolean })),
    notes: Strings,
    plots: Schema.Array(Schema.Struct({ file: Schema.String, alt: Schema.String })),
    seconds: Num,
    loadBefore: Num,
    loadAfter: Num
  }))
})

export interface Run {
  readonly mode: Mode
  readonly counts: Counts
  readonly machine: Machine
  readonly startedAt: Date
  readonly seconds: number
  readonly foremanBin: string
  readonly sections: ReadonlyArray<TimedSection>
}

const file = (dir: string) => join(dir, "benchmarks.json")

export const writeRun = (dir: string, run: Run): void => {
  const record: typeof RunRecord.Encoded = {
    ...run,
    startedAt: run.startedAt.toISOString(),
    sections: run.sections.map((s) => ({ ...s, plots: s.plots.map((p) => ({ file: p.file, alt: p.alt })) }))
  }
  writeFileSync(file(dir), `${JSON.stringify(record, null, 2)}\n`)
}

/** The last run written to `dir`; its plots keep their files (their SVG text is not stored). */
export const readRun = (dir: string): Effect.Effect<Run, BenchError> =>
  Effect.gen(function*() {
    if (!existsSync(file(dir))) return yield* new BenchError({ message: `no ${file(dir)} to render from; run the bench first` })
    const record = yield* Schema.decodeUnknown(Schema.parseJson(RunRecord))(readFileSync(file(dir), "utf8")).pipe(
      Effect.mapError((error) => new BenchError({ message: `${file(dir)}: ${error.message}` }))
    )
    return {
      ...record,
      startedAt: new Date(record.startedAt),
      sections: record.sections.map((s) => ({ ...s, plots: s.plots.map((p) => ({ ...p, svg: "" })) }))
    }
  })
