import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Runtime from "@effect/platform/Runtime"
import { Cause, Console, Effect, Exit } from "effect"
import { type CliFailure, ExitCode, verdict } from "./exitCode.js"
import { foreman } from "./foreman.js"

const cli = Command.run(foreman, { name: "foreman", version: "0.1.0" })

/** Says what went wrong (unless @effect/cli already did) and settles the exit status. */
const report = (failure: CliFailure) => {
  const { code, message } = verdict(failure)
  return Effect.as(message === null ? Effect.void : Console.error(`foreman: ${message}`), code)
}

cli(process.argv).pipe(
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
    // Interrupted by a signal: `runMain` exits 0 unless a command said otherwise (`submit --wait`).
    teardown: (exit, onExit) =>
      Exit.isFailure(exit) && Cause.isInterruptedOnly(exit.cause) && typeof process.exitCode === "number"
        ? onExit(process.exitCode)
        : Runtime.defaultTeardown(exit, onExit)
  })
)
