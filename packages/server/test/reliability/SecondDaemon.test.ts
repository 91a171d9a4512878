import { describe, expect, it } from "@effect/vitest"
import type { JobView } from "@foreman/domain"
import { OllamaSim } from "@foreman/ollama-sim"
import { Effect } from "effect"
import { join } from "node:path"
import { createServer } from "node:net"
import { Store } from "../../src/store/Store.js"
import { queueJob, seedDatabase } from "../store/seed.js"
import { freePort } from "../support/daemon.js"
import { postJson } from "../support/foreman.js"
import { tempDir } from "../support/tempDir.js"
import { until } from "./support/jobsApi.js"
import { awaitReady, spawnForeman } from "./support/process.js"

describe("one daemon per database", () => {
  it.live("a second daemon on the same database exits 1 with a clear message; the first carries on", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const dir = yield* tempDir
      const dbPath = join(dir, "foreman.db")
      const env = (port: number) => ({
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: sim.url,
        FOREMAN_DB_PATH: dbPath,
        FOREMAN_POLL_INTERVAL: "200ms"
      })
      const firstPort = yield* freePort
      const first = yield* spawnForeman(env(firstPort))
      const firstUrl = `http://127.0.0.1:${firstPort}`
      yield* awaitReady(firstUrl, first)

      const secondPort = yield* freePort
      const second = yield* spawnForeman(env(secondPort))
      const exit = yield* Effect.promise(() => second.exited).pipe(
        Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`the second daemon kept running:\n${second.output()}`) })
      )
      expect(exit).toEqual({ code: 1, signal: null })
      const message = second.output().trim()
      expect(message).toContain(`another foreman daemon is using the database ${dbPath}`)
      expect(message).toContain("FOREMAN_DB_PATH")
      // One line saying what to fix, not a stack trace.
      expect(message.split("\n")).toHaveLength(1)
      expect(message).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/)
      // It never listened.
      const refused = yield* Effect.promise(() => fetch(`http://127.0.0.1:${secondPort}/healthz`).then(() => false, () => true))
      expect(refused).toBe(true)

      // The first daemon did not notice: it still takes and finishes jobs.
      expect(first.exitStatus()).toBeUndefined()
      const accepted = yield* postJson(`${firstUrl}/jobs`, { model: "llama3.2:1b", stream: false, messages: [{ role: "user", content: "still mine" }] })
      expect(accepted.status).toBe(202)
      const { job_id } = yield* Effect.promise(() => accepted.json() as Promise<{ job_id: string }>)
      const job = yield* until(
        Effect.promise(() => fetch(`${firstUrl}/jobs/${job_id}`).then((r) => r.json() as Promise<JobView>)),
        (j) => j.state === "done",
        () => "the first daemon's job done"
      )
      expect(job.result).toMatchObject({ message: { content: "llama3.2:1b answers: still mine" } })

      // Once the first is gone (even by SIGKILL, which runs no cleanup), the database is free again.
      yield* first.kill
      const third = yield* spawnForeman(env(secondPort))
      yield* awaitReady(`http://127.0.0.1:${secondPort}`, third)
      const seen = yield* Effect.promise(() => fetch(`http://127.0.0.1:${secondPort}/jobs/${job_id}`).then((r) => r.json() as Promise<JobView>))
      expect(seen.state).toBe("done")
    }).pipe(Effect.scoped), 120_000)

  // The port used to be bound last: the worker had already claimed a queued job and sent it to the
  // target, and the stop then put it back, 7 s after the "cannot listen" line.
  it.live("a daemon whose port is taken exits 1 with one line before it runs any job", () =>
    Effect.gen(function*() {
      const sim = yield* OllamaSim.start()
      const dbPath = join(yield* tempDir, "foreman.db")
      const queued = yield* seedDatabase(dbPath, queueJob("async"))
      const port = yield* freePort
      const taken = createServer()
      yield* Effect.acquireRelease(
        Effect.async<void>((resume) => {
          taken.listen(port, "127.0.0.1", () => resume(Effect.void))
        }),
        () => Effect.sync(() => taken.close())
      )
      const daemon = yield* spawnForeman({ FOREMAN_ADDR: `127.0.0.1:${port}`, FOREMAN_OLLAMA_URL: sim.url, FOREMAN_DB_PATH: dbPath })
      const exit = yield* Effect.promise(() => daemon.exited).pipe(
        Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`the daemon kept running:\n${daemon.output()}`) })
      )
      expect(exit).toEqual({ code: 1, signal: null })
      const output = daemon.output().trim()
      // Said once, with the variable to change: not Node's "Error: listen EADDRINUSE: … 127.0.0.1:PORT".
      expect(output).toBe(`foreman: cannot listen on 127.0.0.1:${port} (FOREMAN_ADDR): the port is in use (another process listens there)`)
      expect((yield* sim.requests).filter((r) => r.path === "/api/chat" || r.path === "/api/generate")).toEqual([])
      const job = yield* seedDatabase(dbPath, Effect.flatMap(Store, (store) => store.get(queued.id)))
      expect(job).toMatchObject({ state: "queued", attempt: 0, startedAt: null })
    }).pipe(Effect.scoped), 120_000)
})
