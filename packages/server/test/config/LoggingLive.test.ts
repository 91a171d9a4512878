import { describe, expect, it } from "@effect/vitest"
import { Console, Effect, Layer } from "effect"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { LoggingLive } from "../../src/config/LoggingLive.js"

/** The lines one log call prints under a FOREMAN_LOG_FORMAT and FOREMAN_LOG_LEVEL, via the Console. */
const printed = (env: Record<string, string>, log: Effect.Effect<void>) =>
  Console.consoleWith((console) => {
    const lines: Array<string> = []
    const capture = (...args: ReadonlyArray<unknown>) => {
      lines.push(args.map(String).join(" "))
    }
    const capturing: Console.Console = { ...console, unsafe: { ...console.unsafe, log: capture, info: capture, error: capture } }
    return log.pipe(
      Effect.annotateLogs({ job_id: "01JOB", model: "llama3.2:1b" }),
      Effect.provide(LoggingLive.pipe(Layer.provide(ForemanConfig.fromRecord(env)))),
      Effect.withConsole(capturing),
      Effect.as(lines)
    )
  })

// One test per format: a logger layer provided in a fiber stays in that fiber's loggers.
describe("LoggingLive", () => {
  it.effect("json: one JSON object per line, with the message and its annotations", () =>
    Effect.gen(function*() {
      const lines = yield* printed({ FOREMAN_LOG_FORMAT: "json" }, Effect.logInfo("job started"))
      expect(lines).toHaveLength(1)
      expect(JSON.parse(lines[0] ?? "null")).toMatchObject({
        message: "job started",
        logLevel: "INFO",
        annotations: { job_id: "01JOB", model: "llama3.2:1b" }
      })
    }))

  for (const format of ["logfmt", "text"]) {
    it.effect(`${format}: key=value pairs with the message and its annotations`, () =>
      Effect.gen(function*() {
        const lines = yield* printed({ FOREMAN_LOG_FORMAT: format }, Effect.logInfo("job started"))
        expect(lines).toHaveLength(1)
        expect(lines[0]).toMatch(/level=INFO .*message="job started".*job_id=01JOB/)
      }))
  }

  it.effect("pretty: the message", () =>
    Effect.gen(function*() {
      expect((yield* printed({ FOREMAN_LOG_FORMAT: "pretty" }, Effect.logInfo("job started"))).join("\n")).toContain("job started")
    }))

  it.effect("nothing below FOREMAN_LOG_LEVEL", () =>
    Effect.gen(function*() {
      expect(yield* printed({ FOREMAN_LOG_FORMAT: "json", FOREMAN_LOG_LEVEL: "warn" }, Effect.logInfo("quiet"))).toEqual([])
    }))
})
