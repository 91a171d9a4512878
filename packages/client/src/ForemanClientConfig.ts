import { Config, ConfigError, Effect, Either, Layer, Option, Redacted } from "effect"

/** The daemon's default FOREMAN_ADDR is :8080, so a client on the same machine needs no setting. */
export const defaultUrl = "http://127.0.0.1:8080"

const parseUrl = (raw: string): Either.Either<string, string> => {
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  return url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
    ? Either.right(raw.trim().replace(/\/+$/, ""))
    : Either.left(`expected an http(s) URL like ${defaultUrl}, got "${raw}"`)
}

const url = Config.string("FOREMAN_URL").pipe(
  Config.withDefault(defaultUrl),
  Config.mapOrFail((raw) => Either.mapLeft(parseUrl(raw), (message) => ConfigError.InvalidData(["FOREMAN_URL"], message)))
)

// An empty FOREMAN_TOKEN means "no token", as it does for the daemon.
const token = Config.option(Config.redacted("FOREMAN_TOKEN")).pipe(
  Config.map(Option.filter((secret) => Redacted.value(secret) !== ""))
)

export interface ClientOptions {
  /** foreman's base URL, e.g. "http://127.0.0.1:8080". */
  readonly url: string
  /** FOREMAN_TOKEN of the daemon, when it has one. */
  readonly token?: string | undefined
}

/** Where the daemon is and how to authenticate: FOREMAN_URL and FOREMAN_TOKEN, read once. */
export class ForemanClientConfig extends Effect.Service<ForemanClientConfig>()("@foreman/client/ForemanClientConfig", {
  effect: Config.all({ url, token })
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
            token: Option.map(Option.fromNullable(options.token).pipe(Option.filter((t) => t !== "")), Redacted.make)
          }))
      })
    )
  }
}
