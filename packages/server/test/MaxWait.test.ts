import { describe, expect, it } from "@effect/vitest"
import type { JobList } from "@foreman/domain"
import { Effect, Schedule } from "effect"
import { asBacklog } from "./support/backlog.js"
import { postJson, startForeman } from "./support/foreman.js"

// A1 runs first (the oldest, nothing resident); B1 then waits behind A2..A4 under pure drain-by-model.
const scenario = (env: Record<string, string>) =>
  Effect.gen(function*() {
    const foreman = yield* startForeman({ sim: { models: ["a:1b", "b:1b"], tokens: 25, tokenDelayMs: 10 }, env })
    // One backlog, submitted while the target is away; it then waits longer than the bound.
    yield* asBacklog(
      foreman,
      Effect.forEach([["a:1b", "A1"], ["b:1b", "B1"], ["a:1b", "A2"], ["a:1b", "A3"], ["a:1b", "A4"]] as const, ([model, name]) =>
        postJson(`${foreman.url}/jobs`, { model, stream: false, messages: [{ role: "user", content: name }] }))
    )
    yield* Effect.promise(() => fetch(`${foreman.url}/jobs`).then((r) => r.json() as Promise<JobList>)).pipe(
      Effect.filterOrFail((list) => list.jobs.length === 5 && list.jobs.every((j) => j.state === "done")),
      Effect.retry(Schedule.spaced("50 millis")),
      Effect.timeout("30 seconds")
    )
    const order = (yield* foreman.sim.requests)
      .filter((r) => r.path === "/api/chat")
      .map((r) => (JSON.parse(r.body) as { messages: Array<{ content: string }> }).messages[0]?.content)
      // The worker's model loads have no messages.
      .filter((content) => content !== undefined)
    return { order, swaps: (yield* foreman.sim.stats).swaps }
  }).pipe(Effect.scoped)

describe("FOREMAN_MAX_WAIT, the starvation bound", () => {
  it.live("off (the default): pure drain-by-model, the B job waits for every A job", () =>
    Effect.gen(function*() {
      const { order, swaps } = yield* scenario({})
      expect(order).toEqual(["A1", "A2", "A3", "A4", "B1"])
      expect(swaps).toBe(2)
    }))

  it.live("on: once the oldest job has waited past the bound it goes next, at the cost of a swap", () =>
    Effect.gen(function*() {
      const { order, swaps } = yield* scenario({ FOREMAN_MAX_WAIT: "100ms" })
      expect(order).toEqual(["A1", "B1", "A2", "A3", "A4"])
      expect(swaps).toBe(3)
    }))
})
