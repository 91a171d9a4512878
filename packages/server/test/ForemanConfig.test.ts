import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Either, Option, Redacted } from "effect"
import { ForemanConfig } from "../src/config/ForemanConfig.js"
import { parseGoDuration } from "@foreman/domain"
import { parseListenAddress } from "../src/config/ListenAddress.js"

const load = (values: Record<string, string>) =>
  Effect.provide(ForemanConfig, ForemanConfig.fromRecord(values)).pipe(Effect.either)

describe("ForemanConfig", () => {
  it.effect("has the documented defaults", () =>
    Effect.gen(function*() {
      const config = yield* Effect.flatMap(load({}), Either.match({ onLeft: Effect.die, onRight: Effect.succeed }))
      expect(config.addr).toEqual({ host: undefined, port: 8080 })
      expect(config.ollamaUrl).toBe("http://127.0.0.1:11434")
      expect(config.dbPath).toBe("foreman.db")
      expect(Duration.toMillis(config.pollInterval)).toBe(30_000)
      expect(Duration.toMillis(config.jobTtl)).toBe(24 * 3_600_000)
      expect(config.maxAttempts).toBe(3)
      expect(config.maxBody).toBe(32 * 1024 * 1024)
      expect(Option.isNone(config.token)).toBe(true)
      expect(Option.isNone(config.keepAlive)).toBe(true)
      expect(Option.isNone(config.maxWait)).toBe(true)
      expect(config.sqliteSynchronous).toBe("normal")
    }))

  it.effect("an empty setting is an unset one: every FOREMAN_* set to \"\" gives the defaults", () =>
    Effect.gen(function*() {
      const names = [
        "FOREMAN_ADDR", "FOREMAN_OLLAMA_URL", "FOREMAN_OLLAMA_TOKEN", "FOREMAN_TOKEN", "FOREMAN_DB_PATH",
        "FOREMAN_SQLITE_SYNCHRONOUS", "FOREMAN_POLL_INTERVAL", "FOREMAN_KEEP_ALIVE", "FOREMAN_EMBED_MODEL",
        "FOREMAN_MAX_ATTEMPTS", "FOREMAN_JOB_TTL", "FOREMAN_WEBHOOK_SECRET", "FOREMAN_MAX_BODY",
        "FOREMAN_STREAM_HEADERS_AFTER", "FOREMAN_MAX_WAIT", "FOREMAN_ORIGINS", "FOREMAN_LOG_FORMAT", "FOREMAN_LOG_LEVEL"
      ]
      const defaults = Either.getOrThrow(yield* load({}))
      for (const blank of ["", "  "]) {
        const config = Either.getOrThrow(yield* load(Object.fromEntries(names.map((name) => [name, blank]))))
        expect(config).toEqual(defaults)
      }
    }))

  it.effect("reads FOREMAN_SQLITE_SYNCHRONOUS as one of off, normal, full, extra, in any case", () =>
    Effect.gen(function*() {
      for (const [raw, level] of [["off", "off"], ["NORMAL", "normal"], [" full ", "full"], ["Extra", "extra"]] as const) {
        const config = Either.getOrThrow(yield* load({ FOREMAN_SQLITE_SYNCHRONOUS: raw }))
        expect(config.sqliteSynchronous).toBe(level)
      }
    }))

  it.effect("reads Go-style values and secrets", () =>
    Effect.gen(function*() {
      const result = yield* load({
        FOREMAN_ADDR: "127.0.0.1:9999",
        FOREMAN_POLL_INTERVAL: "1m30s",
        FOREMAN_KEEP_ALIVE: "-1",
        FOREMAN_TOKEN: "s3cret",
        FOREMAN_MAX_BODY: "1MiB",
        FOREMAN_OLLAMA_URL: "http://gpu.local:11434/"
      })
      const config = Either.getOrThrow(result)
      expect(config.addr).toEqual({ host: "127.0.0.1", port: 9999 })
      expect(Duration.toMillis(config.pollInterval)).toBe(90_000)
      expect(config.keepAlive).toEqual(Option.some(-1))
      expect(Option.map(config.token, Redacted.value)).toEqual(Option.some("s3cret"))
      expect(String(config.token)).not.toContain("s3cret")
      expect(config.maxBody).toBe(1024 * 1024)
      expect(config.ollamaUrl).toBe("http://gpu.local:11434")
    }))

  for (const [name, value] of [
    ["FOREMAN_POLL_INTERVAL", "soon"],
    ["FOREMAN_ADDR", "8080"],
    ["FOREMAN_MAX_ATTEMPTS", "0"],
    ["FOREMAN_OLLAMA_URL", "ftp://x"],
    ["FOREMAN_MAX_BODY", "lots"],
    ["FOREMAN_LOG_LEVEL", "loud"],
    ["FOREMAN_KEEP_ALIVE", "forever"],
    ["FOREMAN_SQLITE_SYNCHRONOUS", "sometimes"],
    ["FOREMAN_ORIGINS", "app.example.com"],
    ["FOREMAN_JOB_TTL", "0s"],
    ["FOREMAN_JOB_TTL", "0"],
    ["FOREMAN_MAX_WAIT", "0"],
    ["FOREMAN_MAX_WAIT", "0s"],
    ["FOREMAN_STREAM_HEADERS_AFTER", "soon"],
    ["FOREMAN_OLLAMA_URL", "http://gpu.local:11434/?key=1"],
    ["FOREMAN_OLLAMA_URL", "http://gpu.local:11434/ollama#x"]
  ] as const) {
    it.effect(`rejects a bad ${name} (${value}) with a message naming it`, () =>
      Effect.gen(function*() {
        const result = yield* load({ [name]: value })
        expect(Either.isLeft(result)).toBe(true)
        const message = String(Either.getLeft(result).pipe(Option.getOrThrow))
        expect(message).toContain(name)
        expect(message).toContain(value)
      }))
  }
})

describe("FOREMAN_JOB_TTL and FOREMAN_OLLAMA_URL", () => {
  it.effect("a zero TTL stops start-up saying it must be more than 0; any positive one is taken", () =>
    Effect.gen(function*() {
      const message = String(Either.getLeft(yield* load({ FOREMAN_JOB_TTL: "0h" })).pipe(Option.getOrThrow))
      expect(message).toContain("FOREMAN_JOB_TTL")
      expect(message).toContain("must be more than 0")
      const config = Either.getOrThrow(yield* load({ FOREMAN_JOB_TTL: "1ms" }))
      expect(Duration.toMillis(config.jobTtl)).toBe(1)
    }))

  it.effect("a path prefix is kept (requests go to it plus /api/…), a ?query or #fragment is refused", () =>
    Effect.gen(function*() {
      const config = Either.getOrThrow(yield* load({ FOREMAN_OLLAMA_URL: "https://gpu.local/ollama/" }))
      expect(config.ollamaUrl).toBe("https://gpu.local/ollama")
      const message = String(Either.getLeft(yield* load({ FOREMAN_OLLAMA_URL: "http://gpu.local:11434?" })).pipe(Option.getOrThrow))
      expect(message).toContain("FOREMAN_OLLAMA_URL")
      expect(message).toContain("?query or #fragment")
    }))

  it.effect("a refused URL is echoed without its user:password", () =>
    Effect.gen(function*() {
      const message = String(Either.getLeft(yield* load({ FOREMAN_OLLAMA_URL: "http://me:pw-secret@gpu.local:11434/?x=1" })).pipe(Option.getOrThrow))
      expect(message).toContain("gpu.local:11434")
      expect(message).not.toContain("pw-secret")
    }))
})

describe("FOREMAN_WEBHOOK_SECRET", () => {
  // Not in the loop above: the message must name the variable but never echo the secret.
  it.effect("a whsec_ value that is not base64 stops start-up, naming the variable, not the value", () =>
    Effect.gen(function*() {
      const result = yield* load({ FOREMAN_WEBHOOK_SECRET: "whsec_not-base64!" })
      const message = String(Either.getLeft(result).pipe(Option.getOrThrow))
      expect(message).toContain("FOREMAN_WEBHOOK_SECRET")
      expect(message).toContain("base64")
      expect(message).not.toContain("not-base64!")
      expect(Either.isRight(yield* load({ FOREMAN_WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }))).toBe(true)
    }))
})

describe("Go durations and listen addresses", () => {
  it("parses what Go's time.ParseDuration parses", () => {
    expect(Either.map(parseGoDuration("500ms"), Duration.toMillis)).toEqual(Either.right(500))
    expect(Either.map(parseGoDuration("24h"), Duration.toMillis)).toEqual(Either.right(86_400_000))
    expect(Either.map(parseGoDuration("1h30m"), Duration.toMillis)).toEqual(Either.right(5_400_000))
    expect(Either.map(parseGoDuration("0"), Duration.toMillis)).toEqual(Either.right(0))
    expect(Either.isLeft(parseGoDuration("30"))).toBe(true)
    expect(Either.isLeft(parseGoDuration("5 minutes"))).toBe(true)
  })

  it("parses :port, host:port and [v6]:port", () => {
    expect(parseListenAddress(":8080")).toEqual(Either.right({ host: undefined, port: 8080 }))
    expect(parseListenAddress("[::1]:80")).toEqual(Either.right({ host: "::1", port: 80 }))
    expect(Either.isLeft(parseListenAddress("localhost"))).toBe(true)
    expect(Either.isLeft(parseListenAddress(":99999"))).toBe(true)
  })
})
