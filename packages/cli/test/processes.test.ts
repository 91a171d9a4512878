import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { freePort } from "../../server/test/support/daemon.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { awaitAnswer, foremanCli, foremanProcess, show } from "./support/cli.js"

const commands = ["serve", "sim", "submit", "jobs", "job", "cancel", "ps", "tags", "health"] as const

describe("the foreman binary", () => {
  it.live("--help works on every command", () =>
    Effect.gen(function*() {
      const runs = yield* Effect.all(
        [foremanCli(["--help"]), ...commands.map((command) => foremanCli([command, "--help"]))],
        { concurrency: "unbounded" }
      )
      for (const [i, run] of runs.entries()) {
        expect(run.code, show(run)).toBe(0)
        expect(run.stdout, show(run)).toContain("USAGE")
        expect(run.stdout).toContain(i === 0 ? "$ foreman" : `$ ${commands[i - 1]}`)
      }
      expect(runs[0]?.stdout).toContain("3 daemon unreachable")
    }), 180_000)

  it.live("serve and sim as processes, driven by the client commands", () =>
    Effect.gen(function*() {
      const [simPort, port] = [yield* freePort, yield* freePort]
      const dir = yield* tempDir
      const sim = yield* foremanProcess(["sim", "--port", String(simPort)])
      const daemon = yield* foremanProcess(["serve"], {
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: `http://127.0.0.1:${simPort}`,
        FOREMAN_DB_PATH: join(dir, "foreman.db"),
        FOREMAN_POLL_INTERVAL: "200ms",
        FOREMAN_LOG_LEVEL: "warning"
      })
      const url = `http://127.0.0.1:${port}`
      yield* Effect.all([awaitAnswer(`http://127.0.0.1:${simPort}/api/version`), awaitAnswer(`${url}/healthz`)], { concurrency: 2 })
      const answer = yield* foremanCli(["submit", "-m", "qwen3:8b", "-p", "over real processes", "--wait"], { url })
      expect(answer.code, `${show(answer)}\n--- sim ---\n${sim.output()}\n--- daemon ---\n${daemon.output()}`).toBe(0)
      expect(answer.stdout).toBe("qwen3:8b answers: over real processes\n")
    }).pipe(Effect.scoped), 180_000)
})
