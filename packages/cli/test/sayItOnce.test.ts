import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { createServer } from "node:net"
import { freePort } from "../../server/test/support/daemon.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { foremanCli, show } from "./support/cli.js"

/** A port something else listens on, for the length of the scope. */
const takenPort = Effect.acquireRelease(
  Effect.async<{ readonly port: number; readonly close: () => void }>((resume) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resume(Effect.succeed({ port: typeof address === "object" && address !== null ? address.port : 0, close: () => server.close() }))
    })
  }),
  ({ close }) => Effect.sync(close)
)

// Each of these named the address or the path two or three times in one line.
describe("errors that say what went wrong once", () => {
  it.live("`foreman sim` on a port in use", () =>
    Effect.gen(function*() {
      const { port } = yield* takenPort
      const run = yield* foremanCli(["sim", "--port", String(port)])
      expect(run.code, show(run)).toBe(1)
      expect(run.stderr, show(run)).toBe(`foreman sim: cannot listen on 127.0.0.1:${port}: the port is in use (another process listens there)\n`)
    }).pipe(Effect.scoped), 60_000)

  it.live("`foreman submit --messages` a file that cannot be read: exit 2, no (see --help)", () =>
    Effect.gen(function*() {
      const url = `http://127.0.0.1:${yield* freePort}`
      const dir = yield* tempDir
      const [missing, directory] = yield* Effect.all([
        foremanCli(["submit", "-m", "llama3.2:1b", "--messages", "/nonexistent/messages.json"], { url }),
        foremanCli(["submit", "-m", "llama3.2:1b", "--messages", dir], { url })
      ], { concurrency: "unbounded" })
      expect([missing.code, missing.stderr], show(missing)).toEqual([2, "foreman: cannot read /nonexistent/messages.json: no such file\n"])
      expect([directory.code, directory.stderr], show(directory)).toEqual([2, `foreman: cannot read ${dir}: it is a directory\n`])
    }).pipe(Effect.scoped), 60_000)
})
