import { Effect, Schedule } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { join } from "node:path"

const bin = join(import.meta.dirname, "..", "..", "..", "cli", "bin", "foreman.mjs")

/** A port nobody listens on right now (the daemon binds it a moment later). */
export const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

export interface Daemon {
  readonly process: ChildProcess
  readonly output: () => string
  /** SIGKILL: no shutdown, no finalizers, exactly like a crash or the OOM killer. */
  readonly kill: Effect.Effect<void>
}

/** `foreman serve` as a real child process (its own SQLite connection and lock). */
export const spawnDaemon = (env: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let output = ""
      const child = spawn(process.execPath, [bin, "serve"], {
        env: { ...process.env, FOREMAN_LOG_LEVEL: "warning", ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()))
      child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()))
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      const daemon: Daemon = {
        process: child,
        output: () => output,
        kill: Effect.promise(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
          return exited
        })
      }
      return daemon
    }),
    (daemon) => daemon.kill
  )

/** Waits until the daemon answers /healthz. */
export const awaitHealthy = (url: string) =>
  Effect.tryPromise(() => fetch(`${url}/healthz`).then((r) => r.ok ? r.json() : Promise.reject(new Error(`${r.status}`)))).pipe(
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`${url} never became healthy`) })
  )
