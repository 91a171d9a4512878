import { Effect, Schedule } from "effect"
import type { SimHandle } from "../src/index.js"

// Real HTTP against a started sim, wrapped in Effect so tests stay scoped.

export const send = (sim: SimHandle, path: string, init?: RequestInit) =>
  Effect.tryPromise(() => fetch(`${sim.url}${path}`, init))

export const post = (sim: SimHandle, path: string, body: unknown, init?: RequestInit) =>
  send(sim, path, {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
    headers: { "content-type": "application/json" },
    ...init
  })

export const text = (response: Response) => Effect.promise(() => response.text())

/** The body, or the error that cut it short. */
export const body = (response: Response) => Effect.tryPromise(() => response.text())

export const json = (response: Response) => Effect.map(text(response), (body): unknown => JSON.parse(body))

export const lines = (body: string): ReadonlyArray<unknown> =>
  body.split("\n").filter((line) => line !== "").map((line): unknown => JSON.parse(line))

/** The value at `key` of a decoded JSON object (undefined for anything else). */
export const field = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined

/** The elements of a decoded JSON array (none for anything else). */
export const items = (value: unknown): ReadonlyArray<unknown> => (Array.isArray(value) ? value : [])

/** The keys of a decoded JSON object, in wire order. */
export const keys = (value: unknown): ReadonlyArray<string> =>
  typeof value === "object" && value !== null ? Object.keys(value) : []

/** The error a failed fetch carries, e.g. ECONNREFUSED. */
export const errorCode = (error: unknown): string => {
  const cause = field(field(error, "error"), "cause") ?? field(error, "cause")
  return String(field(cause, "code") ?? field(cause, "message") ?? error)
}

/** Retries `check` until it holds (up to ~2s): the sim counts asynchronously. */
export const eventually = <A>(effect: Effect.Effect<A>, check: (a: A) => boolean) =>
  effect.pipe(
    Effect.filterOrFail(check, () => "not yet"),
    Effect.retry({ schedule: Schedule.spaced("20 millis"), times: 100 }),
    Effect.orElse(() => effect)
  )
