import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { freePort } from "../../server/test/support/daemon.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { awaitAnswer, foremanProcess } from "./support/cli.js"

/** What `foreman serve <flags>` logged by the time it answered, its target away. */
const logOfServe = (flags: ReadonlyArray<string>, env: Readonly<Record<string, string>>) =>
  Effect.gen(function*() {
    const port = yield* freePort
    const daemon = yield* foremanProcess(["serve", ...flags], {
      FOREMAN_ADDR: `127.0.0.1:${port}`,
      FOREMAN_OLLAMA_URL: `http://127.0.0.1:${yield* freePort}`,
      FOREMAN_DB_PATH: join(yield* tempDir, "foreman.db"),
      ...env
    })
    // A refused command line ends the process at once: say so rather than wait out awaitAnswer.
    const exited = Effect.promise(() => daemon.exited).pipe(
      Effect.flatMap(() => Effect.fail(new Error(`serve ${flags.join(" ")} exited:\n${daemon.output()}`)))
    )
    yield* Effect.raceFirst(awaitAnswer(`http://127.0.0.1:${port}/healthz`), exited)
    return daemon.output()
  }).pipe(Effect.scoped)

// `--log-level` is @effect/cli's built-in option, shown in every command's help; the daemon's own
// logging layer used to replace it with FOREMAN_LOG_LEVEL, so it did nothing for `serve`.
describe("foreman serve --log-level", () => {
  it.live("wins over FOREMAN_LOG_LEVEL, either way", () =>
    Effect.gen(function*() {
      const quieter = yield* logOfServe(["--log-level", "warning"], { FOREMAN_LOG_LEVEL: "debug" })
      expect(quieter).toContain("level=WARN")
      expect(quieter).not.toMatch(/level=(DEBUG|INFO)/)
      const louder = yield* logOfServe(["--log-level", "debug"], { FOREMAN_LOG_LEVEL: "error" })
      expect(louder).toMatch(/level=DEBUG .*Running migration/)
      // Info too, though it is also the level when no option is given.
      const info = yield* logOfServe(["--log-level", "info"], { FOREMAN_LOG_LEVEL: "debug" })
      expect(info).toMatch(/level=INFO .*Listening on/)
      expect(info).not.toContain("level=DEBUG")
      // Without the option, FOREMAN_LOG_LEVEL decides.
      const byEnv = yield* logOfServe([], { FOREMAN_LOG_LEVEL: "error" })
      expect(byEnv).not.toMatch(/level=(DEBUG|INFO|WARN)/)
    }), 120_000)

  // @effect/cli knows only `warning`, `error` and `none`, and refused the shorter names as an unknown argument.
  it.live("takes the names FOREMAN_LOG_LEVEL takes: warn, err, off, in either form and any case", () =>
    Effect.gen(function*() {
      for (const flags of [["--log-level", "warn"], ["--log-level=warn"], ["--log-level", "WARN"]]) {
        const warn = yield* logOfServe(flags, { FOREMAN_LOG_LEVEL: "debug" })
        expect(warn, flags.join(" ")).toContain("level=WARN")
        expect(warn, flags.join(" ")).not.toMatch(/level=(DEBUG|INFO)/)
      }
      const err = yield* logOfServe(["--log-level", "err"], { FOREMAN_LOG_LEVEL: "debug" })
      expect(err).not.toMatch(/level=(DEBUG|INFO|WARN)/)
      expect(yield* logOfServe(["--log-level", "off"], { FOREMAN_LOG_LEVEL: "debug" })).toBe("")
    }), 120_000)
})
