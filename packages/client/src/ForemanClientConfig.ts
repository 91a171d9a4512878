import { Config, ConfigError, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { parseGoDuration, withoutCredentials } from "@foreman/domain"

/** The daemon's default FOREMAN_ADDR is :8080, so a client on the same machine needs no setting. */
export const defaultUrl = "http://127.0.0.1:8080"

/**
 * Request paths are appended to the base URL as written, so a `?query` or `#fragment` would swallow
 * them. Credentials in it are refused by fetch and would be shown in error messages: the daemon's
 * token goes in FOREMAN_TOKEN instead.
 */
const parseUrl = (raw: string): Either.Either<string, string> => {
  const text = raw.trim()
  const url = URL.canParse(text) ? new URL(text) : undefined
  const shown = `got "${withoutCredentials(text)}"`
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return Either.left(`expected an http(s) URL like ${defaultUrl}, ${shown}`)
  }
  if (url.username !== "" || url.password !== "") {
    return Either.left(`must not carry a user:password@ (set FOREMAN_TOKEN for the daemon's token), ${shown}`)
  }
  if (/[?#]/.test(text)) {
    return Either.left(`must not have a ?query or #fragment (a path prefix like http://host/foreman is fine), ${shown}`)
  }
  return Either.right(text.replace(/\/+$/, ""))
}

// Empty means unset, as for every FOREMAN_* setting.
const url = Config.string("FOREMAN_URL").pipe(
  Config.withDefault(defaultUrl),
  Config.mapOrFail((raw) =>
    Either.mapLeft(parseUrl(raw.trim() === "" ? defaultUrl : raw), (message) => ConfigError.InvalidData(["FOREMAN_URL"], message))
  )
)

// An empty (or blank) FOREMAN_TOKEN means "no token", as it does for the daemon.
const token = Config.option(Config.redacted("FOREMAN_TOKEN")).pipe(
  Config.map(Option.filter((secret) => Redacted.value(secret).trim() !== ""))
)

/**
 * How long a call that the daemon answers at once may go unanswered: without a limit, a daemon that
 * takes the connection and never replies (stopped with SIGSTOP, a wedged proxy) held the caller for
 * undici's 300 s headers timeout.
 */
export const defaultRequestTimeout = Duration.seconds(30)

/** Zero means no limit, as Go's http.Client.Timeout does; a zero timeout would fail every call. */
const noLimitIfZero = (duration: Duration.Duration) => Duration.isZero(duration) ? Duration.infinity : duration

/** A Go duration, as the daemon's FOREMAN_* durations are. */
const parseRequestTimeout = (raw: string): Either.Either<Duration.Duration, string> => Either.map(parseGoDuration(raw), noLimitIfZero)

const requestTimeout = Config.string("FOREMAN_REQUEST_TIMEOUT").pipe(
  Config.withDefault(""),
  Config.mapOrFail((raw) =>
    raw.trim() === ""
      ? Either.right(defaultRequestTimeout)
      : Either.mapLeft(parseRequestTimeout(raw), (message) => ConfigError.InvalidData(["FOREMAN_REQUEST_TIMEOUT"], message))
  )
)

export interface ClientOptions {
  /** foreman's base URL, e.g. "http://127.0.0.1:8080". */
  readonly url: string
  /** FOREMAN_TOKEN of the daemon, when it has one. */
  readonly token?: string | undefined
  /** How long submit, list, get, cancel, health, ps and tags wait for their answer; default 30 s, infinite for none. */
  readonly requestTimeout?: Duration.DurationInput | undefined
}

/** Where the daemon is, how to authenticate and how long to wait: FOREMAN_URL, FOREMAN_TOKEN and FOREMAN_REQUEST_TIMEOUT, read once. */
export class ForemanClientConfig extends Effect.Service<ForemanClientConfig>()("@foreman/client/ForemanClientConfig", {
  effect: Config.all({ url, token, requestTimeout })
}) {
  /** The same settings from a plain object instead of the environment. */
  static layer(options: ClientOptions): Layer.Layer<ForemanClientConfig, ConfigError.ConfigError> {
    return Layer.effect(
      ForemanClientConfig,
      Either.match(parseUrl(options.url), {
        onLeft: (message) => Effect.fail(ConfigError.InvalidData(["url"], message)),
        onRight: (base) =>
          Effect.succeed(ForemanClientConfig.make({
            url: base,
            token: Option.map(Option.fromNullable(options.token).pipe(Option.filter((t) => t.trim() !== "")), Redacted.make),
            requestTimeout: noLimitIfZero(Duration.decode(options.requestTimeout ?? defaultRequestTimeout))
          }))
      })
    )
  }
}
