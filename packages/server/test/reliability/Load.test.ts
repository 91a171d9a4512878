import { describe, expect, it } from "@effect/vitest"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect, Fiber } from "effect"
import { health, until } from "./support/jobsApi.js"
import { runningForeman } from "./support/process.js"
import { percentile, report, scaled, testTimeout } from "./support/scale.js"

const callers = 1_000
const waves = scaled(1, 10)
/**
 * Soak: the daemon's V8 heap is capped, so memory that grows wave over wave (a leak) ends in an
 * out-of-memory crash instead of a slowly rising figure nobody can judge.
 */
const heapCapMiB = scaled<number | undefined>(undefined, 128)
const model = "llama3.2:1b"
/** The daemon's peak RSS must stay under this with 1,000 callers held open (measured ≈ see docs/reliability.md). */
const peakBoundMiB = 400

interface Outcome {
  readonly i: number
  readonly status: number
  readonly jobId: string | null
  readonly answer: string
  readonly problems: ReadonlyArray<string>
  readonly finishedAt: number
}

/** One sync caller: streaming callers read NDJSON to the done line, the others one JSON body. */
const call = async (url: string, wave: number, i: number): Promise<Outcome> => {
  const stream = i % 2 === 0
  const content = `load-${wave}-${i}`
  const response = await fetch(`${url}/api/chat`, {
    method: "POST",
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content }] })
  })
  const text = await response.text()
  const problems: Array<string> = []
  let answer = ""
  if (stream) {
    const lines = text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line) as { message?: { content: string }; done?: boolean; error?: string })
    if (lines.at(-1)?.done !== true) problems.push("the stream did not end with a done line")
    for (const line of lines) {
      if (line.error !== undefined) problems.push(`error line: ${line.error}`)
      answer += line.message?.content ?? ""
    }
  } else {
    const body = JSON.parse(text) as { message?: { content: string }; done?: boolean; error?: string }
    if (body.done !== true) problems.push(`not a done answer: ${text.slice(0, 200)}`)
    answer = body.message?.content ?? ""
  }
  return { i, status: response.status, jobId: response.headers.get("x-foreman-job-id"), answer, problems, finishedAt: Date.now() }
}

describe("load: 1,000 sync chats held open at once", () => {
  it.live(
    `${callers} concurrent /api/chat (half streaming) × ${waves} wave(s): each caller its own answer, one generation at a time, memory bounded`,
    () =>
      Effect.gen(function*() {
        const sim = yield* OllamaSim.start({ models: [model], recordLimit: 0 })
        const { url, daemon } = yield* runningForeman(
          sim.url,
          heapCapMiB === undefined ? {} : { NODE_OPTIONS: `--max-old-space-size=${heapCapMiB}` }
        )
        const baseline = daemon.memory()
        const perWave: Array<{ held: number; peak: number; drainSeconds: number; firstAnswerSeconds: number; p50: number; p99: number }> = []

        for (let wave = 0; wave < waves; wave++) {
          // Hold the target back until every caller is in: then all 1,000 are provably open at once.
          yield* sim.refuse()
          yield* until(health(url), (h) => h.degraded, () => "degraded while the target refuses")
          const pending = Array.from({ length: callers }, (_, i) => call(url, wave, i))
          const finished = { count: 0 }
          for (const p of pending) void p.then(() => (finished.count += 1), () => (finished.count += 1))
          yield* until(health(url), (h) => h.queued === callers, () => `${callers} jobs queued at once`, "120 seconds", "200 millis")
          expect(finished.count).toBe(0)
          const held = daemon.memory().rssMiB

          yield* sim.resetStats
          let sampledPeak = held
          const sampler = yield* Effect.fork(
            Effect.sync(() => (sampledPeak = Math.max(sampledPeak, daemon.memory().rssMiB))).pipe(
              Effect.zipRight(Effect.sleep("100 millis")),
              Effect.forever
            )
          )
          yield* Effect.orDie(sim.restore)
          const restored = Date.now()
          const outcomes = yield* Effect.promise(() => Promise.all(pending))
          const drained = Date.now()
          yield* Fiber.interrupt(sampler)

          // Every caller got its own answer, whole, under its own job.
          for (const outcome of outcomes) {
            expect(outcome.status, `caller ${outcome.i}`).toBe(200)
            expect(outcome.problems, `caller ${outcome.i}`).toEqual([])
            expect(outcome.answer, `caller ${outcome.i}`).toBe(`${model} answers: load-${wave}-${outcome.i}`)
          }
          expect(new Set(outcomes.map((o) => o.jobId)).size).toBe(callers)
          expect(outcomes.every((o) => o.jobId !== null)).toBe(true)

          // The target saw exactly one generation per caller, never two at once.
          const stats = yield* sim.stats
          expect(stats.maxConcurrentGenerations).toBe(1)
          // One chat per caller, and the worker's one load of the model before the first.
          expect(stats.calls["POST /api/chat"]).toBe(callers + 1)
          expect(stats.swaps).toBe(1)
          expect((yield* health(url).pipe(Effect.orDie)).queued).toBe(0)

          const latencies = outcomes.map((o) => o.finishedAt - restored)
          // From the first answer to the last: the queue's own pace, without the wait for the
          // worker's next probe of the target (up to 10 s after it comes back).
          const firstAnswer = Math.min(...outcomes.map((o) => o.finishedAt))
          perWave.push({
            held,
            peak: Math.max(sampledPeak, daemon.memory().rssMiB),
            drainSeconds: (drained - firstAnswer) / 1000,
            firstAnswerSeconds: (firstAnswer - restored) / 1000,
            p50: percentile(latencies, 50),
            p99: percentile(latencies, 99)
          })
        }

        const peak = daemon.memory().peakMiB
        // Alive after every wave (under the heap cap in soak mode).
        expect(daemon.exitStatus(), daemon.output().slice(-2000)).toBeUndefined()
        expect(peak).toBeLessThan(peakBoundMiB)

        const last = perWave.at(-1)
        report("load", {
          callers,
          waves,
          heap_cap_mib: heapCapMiB ?? "none",
          baseline_rss_mib: baseline.rssMiB.toFixed(0),
          held_rss_mib: last?.held.toFixed(0) ?? "",
          peak_rss_mib: peak.toFixed(0),
          per_wave_peak_mib: perWave.map((w) => w.peak.toFixed(0)).join("/"),
          first_answer_after_restore_s: last?.firstAnswerSeconds.toFixed(1) ?? "",
          drain_first_to_last_s: last?.drainSeconds.toFixed(1) ?? "",
          throughput_per_s: last === undefined ? "" : (callers / last.drainSeconds).toFixed(0),
          answer_p50_ms: last?.p50 ?? "",
          answer_p99_ms: last?.p99 ?? ""
        })
      }).pipe(Effect.scoped),
    testTimeout(200_000, 900_000)
  )
})
