import { parseGoDuration, parseLogLevel, withoutCredentials } from "@foreman/domain"
import { Config, ConfigError, ConfigProvider, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { defaultOrigins, parseOrigins } from "./AllowedOrigins.js"
import { parseByteSize } from "./ByteSize.js"
import { type ListenAddress, parseListenAddress } from "./ListenAddress.js"
import { secretProblem } from "../webhooks/WebhookSignature.js"

// An empty variable is an unset one, as for the optional settings and the secrets: `FOREMAN_ADDR=`
// (a compose file's `${FOREMAN_ADDR:-}`) means the default, not a refusal to start.
const parsed = <A>(name: string, fallback: string, parse: (s: string) => Either.Either<A, string>) =>
  Config.string(name).pipe(
    Config.withDefault(fallback),
    Config.mapOrFail((raw) =>
      Either.mapLeft(parse(raw.trim() === "" ? fallback : raw), (message) => ConfigError.InvalidData([name], message))
    )
  )

const optionalParsed = <A>(name: string, parse: (s: string) => Either.Either<A, string>) =>
  Config.option(Config.string(name)).pipe(
    Config.mapOrFail((raw) =>
      Option.match(Option.filter(raw, (s) => s.trim() !== ""), {
        onNone: () => Either.right(Option.none<A>()),
        onSome: (s) => Either.mapLeft(Either.map(parse(s), Option.some), (m) => ConfigError.InvalidData([name], m))
      })
    )
  )

const optionalSecret = (name: string) =>
  Config.option(Config.redacted(name)).pipe(
    Config.map(Option.filter((secret) => Redacted.value(secret).trim() !== ""))
  )

const parseUrl = (raw: string): Either.Either<string, string> => {
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return Either.left(`expected an http(s) URL like http://127.0.0.1:11434, got "${raw}"`)
  }
  // Request paths are appended to the URL as written: after a ?query or #fragment they would be
  // part of it, and every request would go to the target's path instead.
  if (/[?#]/.test(raw)) {
    return Either.left(`must not have a ?query or #fragment (a path prefix like http://host/ollama is fine), got "${withoutCredentials(raw)}"`)
  }
  return Either.right(raw.replace(/\/+$/, ""))
}

/** A Go duration above zero; `why` says what a zero would do. */
const positiveDuration = (why = "") => (raw: string): Either.Either<Duration.Duration, string> =>
  Either.filterOrLeft(parseGoDuration(raw), Duration.greaterThan(Duration.zero), () => `must be more than 0${why}, got "${raw}"`)

/** keep_alive goes to Ollama verbatim: a number of seconds (`-1` pins forever) or a duration string. */
const parseKeepAlive = (raw: string): Either.Either<string | number, string> => {
  const text = raw.trim()
  if (/^-?\d+$/.test(text)) return Either.right(Number(text))
  const magnitude = text.startsWith("-") ? text.slice(1) : text
  return Either.map(parseGoDuration(magnitude), () => text)
}

const positiveInt = (raw: string): Either.Either<number, string> =>
  /^\d+$/.test(raw.trim()) && Number(raw) >= 1
    ? Either.right(Number(raw))
    : Either.left(`expected a whole number of at least 1, got "${raw}"`)

const logFormats = ["text", "json", "logfmt", "pretty"] as const
export type LogFormat = (typeof logFormats)[number]

const parseLogFormat = (raw: string): Either.Either<LogFormat, string> => {
  const found = logFormats.find((format) => format === raw.trim().toLowerCase())
  return found !== undefined ? Either.right(found) : Either.left(`expected one of ${logFormats.join(", ")}, got "${raw}"`)
}

const sqliteSynchronousLevels = ["off", "normal", "full", "extra"] as const
/** SQLite's `PRAGMA synchronous` level: how often commits are fsynced (ADR-0017). */
export type SqliteSynchronous = (typeof sqliteSynchronousLevels)[number]

export const parseSqliteSynchronous = (raw: string): Either.Either<SqliteSynchronous, string> => {
  const found = sqliteSynchronousLevels.find((level) => level === raw.trim().toLowerCase())
  return found !== undefined
    ? Either.right(found)
    : Either.left(`expected one of ${sqliteSynchronousLevels.join(", ")}, got "${raw}"`)
}

const nonEmpty = (raw: string): Either.Either<string, string> =>
  raw.trim() !== "" ? Either.right(raw.trim()) : Either.left("must not be empty")

/** Every FOREMAN_* setting, read and validated once at start-up. */
export class ForemanConfig extends Effect.Service<ForemanConfig>()("foreman/ForemanConfig", {
  effect: Effect.gen(function*() {
    const values = yield* Config.all({
      addr: parsed<ListenAddress>("FOREMAN_ADDR", ":8080", parseListenAddress),
      ollamaUrl: parsed("FOREMAN_OLLAMA_URL", "http://127.0.0.1:11434", parseUrl),
      ollamaToken: optionalSecret("FOREMAN_OLLAMA_TOKEN"),
      token: optionalSecret("FOREMAN_TOKEN"),
      dbPath: parsed("FOREMAN_DB_PATH", "foreman.db", nonEmpty),
      sqliteSynchronous: parsed("FOREMAN_SQLITE_SYNCHRONOUS", "normal", parseSqliteSynchronous),
      pollInterval: parsed("FOREMAN_POLL_INTERVAL", "30s", parseGoDuration),
      keepAlive: optionalParsed("FOREMAN_KEEP_ALIVE", parseKeepAlive),
      embedModel: optionalParsed("FOREMAN_EMBED_MODEL", nonEmpty),
      maxAttempts: parsed("FOREMAN_MAX_ATTEMPTS", "3", positiveInt),
      // A zero TTL would delete every job as it finishes.
      jobTtl: parsed("FOREMAN_JOB_TTL", "24h", positiveDuration()),
      webhookSecret: optionalSecret("FOREMAN_WEBHOOK_SECRET").pipe(
        Config.mapOrFail((secret) =>
          Option.match(Option.flatMapNullable(secret, secretProblem), {
            onNone: () => Either.right(secret),
            onSome: (problem) => Either.left(ConfigError.InvalidData(["FOREMAN_WEBHOOK_SECRET"], problem))
          })
        )
      ),
      maxBody: parsed("FOREMAN_MAX_BODY", "32MiB", parseByteSize),
      // Under Node fetch's 300 s wait for headers; over most model loads, whose errors then keep
      // their own status (ADR-0050).
      streamHeadersAfter: parsed("FOREMAN_STREAM_HEADERS_AFTER", "30s", parseGoDuration),
      // Zero would make every queued job overdue (strict FIFO, a swap per model change); someone
      // writing 0 almost surely meant "off", which is leaving it unset.
      maxWait: optionalParsed(
        "FOREMAN_MAX_WAIT",
        positiveDuration(" (leave it unset for pure drain-by-model; 0 would run every job first-in-first-out)")
      ),
      extraOrigins: parsed("FOREMAN_ORIGINS", "", parseOrigins),
      logFormat: parsed("FOREMAN_LOG_FORMAT", "text", parseLogFormat),
      logLevel: parsed("FOREMAN_LOG_LEVEL", "info", parseLogLevel)
    })
    if (Duration.toMillis(values.pollInterval) < 10) {
      return yield* Effect.fail(ConfigError.InvalidData(["FOREMAN_POLL_INTERVAL"], "must be at least 10ms"))
    }
    // FOREMAN_OLLAMA_URL as /healthz and the logs show it: never its `user:password@`.
    return {
      ...values,
      ollamaUrlShown: withoutCredentials(values.ollamaUrl),
      origins: [...values.extraOrigins, ...defaultOrigins]
    }
  })
}) {
  /** The config read from a plain record instead of the environment (tests, embedding programs). */
  static fromRecord(values: Readonly<Record<string, string>>): Layer.Layer<ForemanConfig, ConfigError.ConfigError> {
    return ForemanConfig.Default.pipe(
      Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(values)))))
    )
  }
}
