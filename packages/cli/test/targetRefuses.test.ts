import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { join } from "node:path"
import { freePort } from "../../server/test/support/daemon.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { awaitAnswer, foremanCli, foremanProcess, show } from "./support/cli.js"

// A target that answers with an error status was described as one that does not answer at all:
// "no Ollama answered", "target unreachable", "the target does not answer".
describe("a target that answers, but with an error status", () => {
  it.live("is told apart from one that does not answer: at start-up, in the worker's log and in `foreman health`", () =>
    Effect.gen(function*() {
      const [simPort, port] = [yield* freePort, yield* freePort]
      const sim = yield* foremanProcess(["sim", "--port", String(simPort)])
      yield* awaitAnswer(`http://127.0.0.1:${simPort}/api/version`)
      // A wrong path prefix: the sim answers 404 page not found under it.
      const target = `http://127.0.0.1:${simPort}/nope`
      const daemon = yield* foremanProcess(["serve"], {
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: target,
        FOREMAN_DB_PATH: join(yield* tempDir, "foreman.db")
      })
      const url = `http://127.0.0.1:${port}`
      yield* awaitAnswer(`${url}/healthz`)
      const health = yield* foremanCli(["health"], { url })
      const context = `${show(health)}\n--- daemon ---\n${daemon.output()}\n--- sim ---\n${sim.output()}`
      expect(health.code, context).toBe(0)
      expect(health.stdout, context).toMatch(/^STATUS +degraded \(the target cannot be used, see ERROR; jobs wait\)$/m)
      expect(health.stdout, context).toMatch(/^ERROR +target answered 404: 404 page not found$/m)

      // The worker says why it holds the queue as it first finds the target unusable, maybe after the health check.
      const holding = "holding the queue until it"
      yield* Effect.sync(daemon.output).pipe(
        Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (output) => output.includes(holding) }),
        Effect.timeout("10 seconds"),
        Effect.ignore
      )
      const log = daemon.output()
      expect(log, context).toContain(
        `the target at ${target} answers but cannot be used: HTTP 404 (is FOREMAN_OLLAMA_URL's path right? It is the URL Ollama's /api/tags is under)`
      )
      expect(log, context).toContain("target cannot be used (unreachable, or answering with errors); holding the queue until it can")
      expect(log, context).not.toMatch(/no Ollama answered|target unreachable;/)
    }).pipe(Effect.scoped), 120_000)
})
