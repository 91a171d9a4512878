import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Runtime from "@effect/platform/Runtime"
import { Cause, Console, Effect, Exit } from "effect"
import { type CliFailure, ExitCode, stoppedBySignal, verdict, watchSignals } from "./exitCode.js"
import { foreman } from "./foreman.js"
import { normalizeLogLevel } from "./logLevelArgs.js"
import { CommandConsole, plainWhenPiped } from "./output/PlainWhenPiped.js"

const cli = Command.run(foreman, { name: "foreman", version: "0.1.0" })

/** Says what went wrong (unless @effect/cli already did) and settles the exit status. */
const report = (failure: CliFailure) => {
  const { code, message } = verdict(failure)
  return Effect.as(message === null ? Effect.void : Console.error(`foreman: ${message}`), code)
}

// runMain interrupts the command on SIGINT and SIGTERM and would then exit 0, which tells a
// script `foreman cancel $id && …` that the cancel worked.
watchSignals()

Effect.consoleWith((terminal) =>
  cli(normalizeLogLevel(process.argv)).pipe(
    Effect.withConsole(plainWhenPiped(terminal)),
    Effect.provideService(CommandConsole, terminal)
  )
).pipe(
  Effect.as(ExitCode.ok),
  Effect.catchAll(report),
  Effect.flatMap((code) =>
    Effect.sync(() => {
      // Set, not process.exit(): stdout may still be draining into a pipe.
      if (code !== ExitCode.ok) process.exitCode = code
    })
  ),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disablePrettyLogger: true,
    // Stopped by a signal: the code a command chose (`submit --wait` says 130 after its note), else 128 + the signal.
    teardown: (exit, onExit) =>
      Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause)
        ? onExit(typeof process.exitCode === "number" ? process.exitCode : stoppedBySignal())
        : Runtime.defaultTeardown(exit, onExit)
  })
)
