import { Effect, Schedule } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { freePort } from "../../support/daemon.js"
import { tempDir } from "../../support/tempDir.js"
import { daemonBundle } from "./bundle.js"

export interface Memory {
  /** Resident set size now, MiB. */
  readonly rssMiB: number
  /** Peak resident set size of the process so far (VmHWM), MiB. */
  readonly peakMiB: number
}

/** VmRSS and VmHWM from /proc (Linux). */
export const memoryOf = (pid: number): Memory => {
  const path = `/proc/${pid}/status`
  if (!existsSync(path)) return { rssMiB: Number.NaN, peakMiB: Number.NaN }
  const status = readFileSync(path, "utf8")
  const mib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
    return match?.[1] === undefined ? Number.NaN : Number(match[1]) / 1024
  }
  return { rssMiB: mib("VmRSS"), peakMiB: mib("VmHWM") }
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface ForemanProcess {
  readonly process: ChildProcess
  readonly pid: number
  /** Everything the daemon wrote to stdout and stderr so far. */
  readonly output: () => string
  /** None while it runs. */
  readonly exitStatus: () => Exit | undefined
  /** Resolves when the process has exited, whoever ended it. */
  readonly exited: Promise<Exit>
  /** SIGKILL: no shutdown, no finalizers — a crash or the OOM killer. Waits for the exit. */
  readonly kill: Effect.Effect<Exit>
  /** SIGTERM: what systemd, Docker or Ctrl-C ask of a daemon. Waits for the exit. */
  readonly stop: Effect.Effect<Exit>
  readonly memory: () => Memory
}

/**
 * `foreman serve` (the bundled CLI, see bundle.ts) as a child process with its own SQLite
 * connection and lock. Killed when the scope closes if still running.
 */
export const spawnForeman = (env: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.flatMap(daemonBundle, (bin) =>
      Effect.sync(() => {
        let output = ""
        let status: Exit | undefined
        const child = spawn(process.execPath, [bin, "serve"], {
          env: { ...process.env, FOREMAN_LOG_LEVEL: "warning", ...env },
          stdio: ["ignore", "pipe", "pipe"]
        })
        child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
        child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
        const exited = new Promise<Exit>((resolve) =>
          child.once("exit", (code, signal) => {
            status = { code, signal }
            resolve(status)
          })
        )
        const daemon: ForemanProcess = {
          process: child,
          pid: child.pid ?? -1,
          output: () => output,
          exitStatus: () => status,
          exited,
          kill: Effect.promise(() => {
            if (status === undefined) child.kill("SIGKILL")
            return exited
          }),
          stop: Effect.promise(() => {
            if (status === undefined) child.kill("SIGTERM")
            return exited
          }),
          memory: () => memoryOf(child.pid ?? -1)
        }
        return daemon
      })),
    (daemon) => daemon.kill
  )

/** Waits until `url` answers /healthz, failing early (with the output) if the daemon exits first. */
export const awaitReady = (url: string, daemon: ForemanProcess, within: `${number} seconds` = "60 seconds") =>
  Effect.tryPromise(async () => {
    const exit = daemon.exitStatus()
    if (exit !== undefined) return { exit }
    const response = await fetch(`${url}/healthz`)
    if (!response.ok) throw new Error(`healthz ${response.status}`)
    return { exit: undefined }
  }).pipe(
    Effect.retry(Schedule.spaced("50 millis")),
    Effect.timeoutFail({ duration: within, onTimeout: () => new Error(`${url} never became healthy:\n${daemon.output()}`) }),
    Effect.flatMap(({ exit }) =>
      exit === undefined
        ? Effect.void
        : Effect.fail(new Error(`the daemon exited (${JSON.stringify(exit)}) before answering:\n${daemon.output()}`))
    ),
    Effect.orDie
  )

/**
 * Where a daemon in front of `ollamaUrl` will live: a free loopback port and a fresh temp dir for
 * its database. The same `env` starts it again on the same port and database (a restart).
 */
export const foremanPlace = (ollamaUrl: string, env: Readonly<Record<string, string>> = {}) =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const port = yield* freePort
    const dbPath = join(dir, "foreman.db")
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      dbPath,
      env: {
        FOREMAN_ADDR: `127.0.0.1:${port}`,
        FOREMAN_OLLAMA_URL: ollamaUrl,
        FOREMAN_DB_PATH: dbPath,
        FOREMAN_POLL_INTERVAL: "200ms",
        ...env
      }
    } as const
  })

/** A daemon at `place`, answering /healthz. */
export const startForemanAt = (place: { readonly url: string; readonly env: Readonly<Record<string, string>> }) =>
  spawnForeman(place.env).pipe(Effect.tap((daemon) => awaitReady(place.url, daemon)))

/**
 * A daemon in front of `ollamaUrl` on a free loopback port, its database in a fresh temp dir,
 * answering /healthz. `env` adds to (or overrides) the defaults.
 */
export const runningForeman = (ollamaUrl: string, env: Readonly<Record<string, string>> = {}) =>
  Effect.gen(function*() {
    const place = yield* foremanPlace(ollamaUrl, env)
    const daemon = yield* startForemanAt(place)
    return { url: place.url, port: place.port, dbPath: place.dbPath, daemon } as const
  })
