import * as Command from "@effect/cli/Command"
import { ConfigProvider, Console, Effect, FiberRef, Layer } from "effect"
import { stopsCleanly } from "../exitCode.js"
import { limitHeapGrowth } from "../heapGrowth.js"
import { listenAddress, listenReason } from "../listenFailure.js"

// Loaded on demand: the daemon (SQLite, the worker) is dead weight for the client commands' start-up.
const daemon = Effect.promise(() => import("@foreman/server"))

/**
 * The configuration provider: the environment, except that a `--log-level` given on the command
 * line wins over FOREMAN_LOG_LEVEL. @effect/cli applies that built-in option as the minimum level
 * around the command (and drops it from the arguments it parses), which the daemon's own logging
 * layer would replace; whether it was given at all is read from the process's own arguments.
 */
const configProvider = Effect.map(FiberRef.get(FiberRef.currentMinimumLogLevel), (level) =>
  process.argv.some((arg) => arg === "--log-level" || arg.startsWith("--log-level="))
    ? ConfigProvider.orElse(ConfigProvider.fromMap(new Map([["FOREMAN_LOG_LEVEL", level.label.toLowerCase()]])), () => ConfigProvider.fromEnv())
    : ConfigProvider.fromEnv())

/**
 * `foreman serve`: the daemon, configured by FOREMAN_*. Bad configuration, a database already in
 * use by another daemon or one it cannot open ends it with one line saying what to fix, and exit
 * code 1. The heap's growth is capped before the daemon is loaded (ADR-0036).
 */
export const serveCommand = Command.make("serve", {}, () =>
  limitHeapGrowth(process.execArgv).pipe(
    Effect.zipRight(stopsCleanly),
    Effect.zipRight(daemon),
    Effect.zip(configProvider),
    Effect.flatMap(([{ ForemanServerFromEnv }, provider]) =>
      Layer.launch(ForemanServerFromEnv.pipe(Layer.provide(Layer.setConfigProvider(provider))))),
    Effect.catchTags({
      ConfigError: (error) => Console.error(`foreman: invalid configuration: ${error}`),
      DatabaseLocked: (error) => Console.error(`foreman: ${error.message}`),
      DatabaseUnopenable: (error) => Console.error(`foreman: ${error.message}`),
      ServeError: (error) => {
        const address = listenAddress(error.cause)
        const where = address === undefined ? "FOREMAN_ADDR" : `${address} (FOREMAN_ADDR)`
        return Console.error(`foreman: cannot listen on ${where}: ${listenReason(error.cause)}`)
      },
      MigrationError: (error) => Console.error(`foreman: database migration failed: ${error.message}`),
      SqlError: (error) => Console.error(`foreman: database error: ${error.message} ${error.cause}`),
      // Start-up crash recovery moves jobs between states; losing that race to nobody is a bug, said plainly.
      InvalidTransition: (error) => Console.error(`foreman: crash recovery failed: ${error.message}`),
      JobNotFound: (error) => Console.error(`foreman: crash recovery failed: ${error.error}`)
    }),
    Effect.zipRight(Effect.sync(() => {
      process.exitCode = 1
    }))
  )).pipe(Command.withDescription("Run the foreman daemon in front of FOREMAN_OLLAMA_URL."))
