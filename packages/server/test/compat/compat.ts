import { Effect } from "effect"
import { Ollama } from "ollama"
import type { RunningForeman } from "../support/foreman.js"

// Shared by the compatibility suite: every test runs a real client library against foreman
// and against the sim directly, and compares what the two calls gave back.

/**
 * Fields that legitimately differ between two answers to the same call: timestamps and
 * timings. Everything else must be the same through foreman as straight from the target.
 */
export const varyingFields = [
  "created_at",
  "expires_at",
  "total_duration",
  "load_duration",
  "prompt_eval_duration",
  "eval_duration"
] as const

export type VaryingField = (typeof varyingFields)[number]

/** `value` without its timestamps and timings (one level deep: where Ollama puts them). */
export const stable = <T extends object>(value: T): Omit<T, VaryingField> => {
  const kept = Object.entries(value).filter(([key]) => !varyingFields.some((field) => field === key))
  return Object.fromEntries(kept) as Omit<T, VaryingField>
}

/** Two ollama-js clients: one through foreman, one straight to the sim behind it. */
export const ollamaClients = (foreman: RunningForeman) => ({
  viaForeman: new Ollama({ host: foreman.url }),
  direct: new Ollama({ host: foreman.sim.url })
})

/** Runs the same call through foreman, then straight at the sim (in that order, never concurrently). */
export const both = <A>(foreman: RunningForeman, call: (client: Ollama, url: string) => Promise<A>) =>
  Effect.gen(function*() {
    const { direct, viaForeman } = ollamaClients(foreman)
    const fromForeman = yield* Effect.promise(() => call(viaForeman, foreman.url))
    const fromSim = yield* Effect.promise(() => call(direct, foreman.sim.url))
    return { fromForeman, fromSim } as const
  })

/** What a rejected call threw, reduced to what a caller can branch on. */
export interface Thrown {
  readonly name: string
  readonly status: number | undefined
  readonly message: string
}

const describeThrown = (error: unknown): Thrown => {
  if (!(error instanceof Error)) return { name: typeof error, status: undefined, message: String(error) }
  const status = "status_code" in error && typeof error.status_code === "number"
    ? error.status_code
    : "statusCode" in error && typeof error.statusCode === "number"
    ? error.statusCode
    : undefined
  return { name: error.name, status, message: error.message }
}

/** The error a promise rejected with; a promise that resolves is reported as `{ name: "resolved" }`. */
export const thrown = (run: () => Promise<unknown>): Effect.Effect<Thrown> =>
  Effect.promise(() =>
    run().then(
      (value): Thrown => ({ name: "resolved", status: undefined, message: JSON.stringify(value) ?? "" }),
      describeThrown
    )
  )

/** Waits (real time) until `check` holds, up to `timeoutMs`; returns the last value seen either way. */
export const eventually = <A>(read: Effect.Effect<A>, check: (value: A) => boolean, timeoutMs = 5_000) =>
  Effect.gen(function*() {
    const deadline = Date.now() + timeoutMs
    let value = yield* read
    while (!check(value) && Date.now() < deadline) {
      yield* Effect.sleep("25 millis")
      value = yield* read
    }
    return value
  })

/** All the items of an async iterable. */
export const collect = <A>(iterable: AsyncIterable<A>): Promise<Array<A>> =>
  (async () => {
    const items: Array<A> = []
    for await (const item of iterable) items.push(item)
    return items
  })()

export const user = (content: string) => [{ role: "user", content }]

/** A request with nothing to generate: the worker's load of the model before a job. */
const isLoad = (body: string) => {
  const parsed = JSON.parse(body) as { messages?: Array<unknown>; prompt?: string }
  return parsed.messages === undefined ? parsed.prompt === undefined : parsed.messages.length === 0
}

/** The bodies of the requests the target got on `path`, oldest first, leaving out the worker's model loads. */
export const bodiesSeen = (foreman: RunningForeman, path: string) =>
  Effect.map(foreman.sim.requests, (requests) => requests.filter((r) => r.path === path && !isLoad(r.body)).map((r) => r.body))
