import { Effect, Layer, Logger } from "effect"
import { ForemanConfig, type LogFormat } from "./ForemanConfig.js"

// `Logger.jsonLogger` and `Logger.logfmtLogger` only format a line; without `withConsoleLog` they
// print nothing, and a daemon set to json or logfmt was silent.
const loggers: Record<LogFormat, Logger.Logger<unknown, void>> = {
  text: Logger.defaultLogger,
  logfmt: Logger.withConsoleLog(Logger.logfmtLogger),
  json: Logger.withConsoleLog(Logger.jsonLogger),
  pretty: Logger.prettyLoggerDefault
}

/** FOREMAN_LOG_FORMAT and FOREMAN_LOG_LEVEL applied to every log line. */
export const LoggingLive = Layer.unwrapEffect(
  Effect.map(ForemanConfig, (config) =>
    Layer.merge(
      Logger.replace(Logger.defaultLogger, loggers[config.logFormat]),
      Logger.minimumLogLevel(config.logLevel)
    ))
)
