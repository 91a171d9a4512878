import * as ValidationError from "@effect/cli/ValidationError"
import type { ClientFailure, JobCancelled, JobFailed } from "@foreman/client"
import type { BadRequest, JobAlreadyTerminal, JobNotFound, ModelNotFound, PayloadTooLarge } from "@foreman/domain"
import { ConfigError, Effect } from "effect"
import type { NoAnswer, UnreadableInput, UsageError } from "./CliErrors.js"

/** What the exit status means, so scripts can tell "the job failed" from "you typed it wrong". */
export const ExitCode = {
  /** Done, shown, cancelled as asked. */
  ok: 0,
  /** The job failed or was cancelled, or the daemon refused the request. */
  refused: 1,
  /** The command line or the client's settings were wrong (unknown flag, missing prompt, bad job id, bad FOREMAN_URL). */
  usage: 2,
  /** Nothing answered at FOREMAN_URL. */
  unreachable: 3,
  /** Ctrl-C stopped the command (for `submit --wait`, the waiting; the job goes on): the shell's 128 + SIGINT. */
  interrupted: 130,
  /** SIGTERM stopped the command: 128 + SIGTERM. */
  terminated: 143
} as const

/** Every way a command can fail; the compiler checks each one has an exit code below. */
export type CliFailure =
  | ValidationError.ValidationError
  | ConfigError.ConfigError
  | UsageError
  | UnreadableInput
  | NoAnswer
  | ClientFailure
  | BadRequest
  | ModelNotFound
  | PayloadTooLarge
  | JobNotFound
  | JobAlreadyTerminal
  | JobFailed
  | JobCancelled

export interface Verdict {
  readonly code: number
  /** Said on stderr; none when @effect/cli has already printed its own message. */
  readonly message: string | null
}

const refused = (message: string): Verdict => ({ code: ExitCode.refused, message })

export const verdict = (failure: CliFailure): Verdict => {
  if (ValidationError.isValidationError(failure)) return { code: ExitCode.usage, message: null }
  if (ConfigError.isConfigError(failure)) return { code: ExitCode.usage, message: `invalid configuration: ${failure}` }
  switch (failure._tag) {
    case "UsageError":
      return { code: ExitCode.usage, message: `${failure.message} (see --help)` }
    case "UnreadableInput":
      return { code: ExitCode.usage, message: failure.message }
    case "DaemonUnreachable":
      return {
        code: ExitCode.unreachable,
        message: `${failure.message}\nIs \`foreman serve\` running? Set FOREMAN_URL to where it listens.`
      }
    case "Unauthorized":
      return refused(`unauthorized: ${failure.error}`)
    case "DaemonError":
      return refused(`the daemon answered unexpectedly: ${failure.message}`)
    case "BadRequest":
    case "ModelNotFound":
    case "PayloadTooLarge":
    case "JobNotFound":
    case "JobAlreadyTerminal":
      return refused(failure.error)
    case "JobFailed":
    case "JobCancelled":
    case "NoAnswer":
      return refused(failure.message)
  }
}

/**
 * For `serve` and `sim`: a daemon stopped by a signal has done what it was asked, so it exits 0
 * where a client command stopped that way exits 128 + the signal (main.ts).
 */
export const stopsCleanly = Effect.sync(() => {
  process.exitCode = ExitCode.ok
})

// runMain interrupts the command on SIGINT and SIGTERM; which one it was decides the exit code.
let stoppedBy: number | undefined

/** Remembers the signal that stops the command (installed once, by main.ts). */
export const watchSignals = () => {
  process.once("SIGINT", () => (stoppedBy ??= ExitCode.interrupted))
  process.once("SIGTERM", () => (stoppedBy ??= ExitCode.terminated))
}

/** The shell's 128 + the signal that stopped the command: 130 for Ctrl-C, 143 for SIGTERM. */
export const stoppedBySignal = (): number => stoppedBy ?? ExitCode.interrupted
