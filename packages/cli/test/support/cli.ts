import { expect } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { spawn } from "node:child_process"
import { join } from "node:path"

/** The CLI entry point, as a user runs it. */
export const foremanBin = join(import.meta.dirname, "..", "..", "bin", "foreman.mjs")
const bin = foremanBin

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** FOREMAN_URL of the daemon to talk to. */
  readonly url?: string
  readonly env?: Readonly<Record<string, string>>
  /** Piped to the process; without it stdin is closed (read as empty, never a TTY). */
  readonly stdin?: string
  /** Run as this user (the test must be root to switch). */
  readonly user?: { readonly uid: number; readonly gid: number }
}

// The CLI must not pick up a FOREMAN_* of whoever runs the tests.
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("FOREMAN_")))

/** `<file> <args>` as a real process: its exit code, stdout and stderr once it has exited. */
const run = (file: string, args: ReadonlyArray<string>, env: NodeJS.ProcessEnv, stdin: string, user: CliOptions["user"] = undefined) =>
  Effect.async<CliRun>((resume) => {
    const child = spawn(file, [...args], { env, stdio: ["pipe", "pipe", "pipe"], ...user })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    // A child may exit before reading its stdin (a quick `sh -c`): the write's EPIPE is no failure of the run.
    child.stdin.on("error", () => {})
    child.stdin.end(stdin)
    return Effect.sync(() => void child.kill("SIGKILL"))
  })

/** `node <args>` as a real process: its exit code, stdout and stderr once it has exited. */
export const nodeRun = (args: ReadonlyArray<string>, env: NodeJS.ProcessEnv = cleanEnv(), stdin = "", user: CliOptions["user"] = undefined) =>
  run(process.execPath, args, env, stdin, user)

/** `foreman <args>` as a real process: its exit code, stdout and stderr once it has exited. */
export const foremanCli = (args: ReadonlyArray<string>, options: CliOptions = {}) =>
  nodeRun(
    [bin, ...args],
    { ...cleanEnv(), ...(options.url === undefined ? {} : { FOREMAN_URL: options.url }), ...options.env },
    options.stdin ?? "",
    options.user
  )

/** A command line run by a POSIX shell (`/bin/sh -c`), where `foreman` is this CLI: what a user pasting it gets. */
export const foremanShell = (commandLine: string, options: CliOptions = {}) =>
  run(
    "/bin/sh",
    ["-c", `foreman() { "$TEST_NODE" "$TEST_FOREMAN_BIN" "$@"; }\n${commandLine}`],
    {
      ...cleanEnv(),
      TEST_NODE: process.execPath,
      TEST_FOREMAN_BIN: bin,
      ...(options.url === undefined ? {} : { FOREMAN_URL: options.url }),
      ...options.env
    },
    options.stdin ?? ""
  )

/** Everything a run said, for assertion messages. */
export const show = (run: CliRun) => `exit ${run.code}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`

/** What a `--json` run printed: exactly one JSON document on stdout. */
export const parsed = <A>(run: CliRun): A => {
  expect(run.stdout.trimStart().slice(0, 1), show(run)).toMatch(/[[{]/)
  const value: A = JSON.parse(run.stdout)
  return value
}

/** A long-running `foreman <args>` (sim, serve), killed when the scope closes. */
export const foremanProcess = (args: ReadonlyArray<string>, env: Readonly<Record<string, string>> = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let output = ""
      const child = spawn(process.execPath, [bin, ...args], { env: { ...cleanEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] })
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      return { child, exited, output: () => output }
    }),
    ({ child, exited }) =>
      Effect.promise(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
        return exited
      })
  )

/** Waits until `url` answers 200. */
export const awaitAnswer = (url: string) =>
  Effect.tryPromise(() => fetch(url).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${r.status}`))))).pipe(
    Effect.retry(Schedule.spaced("200 millis")),
    Effect.timeoutFail({ duration: "90 seconds", onTimeout: () => new Error(`${url} never answered`) })
  )
