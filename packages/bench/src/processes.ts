import { Duration, Effect, Schedule, Schema, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { performance } from "node:perf_hooks"
import { attempt, BenchError, during } from "./BenchError.js"
import { HttpTarget } from "./http.js"
import { pollUntil } from "./poll.js"
import { sourceDigest } from "../../cli/bin/sourceDigest.mjs"

export const benchDir = join(import.meta.dirname, "..")
export const repoRoot = join(benchDir, "..", "..")
export const defaultForemanBin = join(repoRoot, "packages", "cli", "bin", "foreman.mjs")

/**
 * `path` (a checkout's bin/foreman.mjs), absolute, once it is known to run a built bundle: the bin
 * falls back to tsx when the bundle is stale (ADR-0021), which would measure the TypeScript loader.
 */
export const builtForeman = (path: string): Effect.Effect<string, BenchError> =>
  Effect.suspend(() => {
    const bin = resolve(path)
    if (!existsSync(bin)) return Effect.fail(new BenchError({ message: `no foreman entry point at ${bin}` }))
    const digestFile = join(dirname(bin), "..", "dist", "foreman.sources")
    const built = existsSync(digestFile) && readFileSync(digestFile, "utf8") === sourceDigest(join(dirname(bin), ".."))
    return built
      ? Effect.succeed(bin)
      : Effect.fail(new BenchError({ message: `${bin} would run its sources through tsx: build first (\`pnpm build\` in that checkout)` }))
  })

// Children still alive when the bench dies anyway (a crash past the finalizers) are killed on exit.
const live = new Set<ChildProcess>()
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL")
})

/** A port nobody listens on right now. */
export const freePort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** A fresh directory under the OS temp dir, removed with the scope. */
export const tempDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "foreman-bench-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

export interface Memory {
  /** Resident set size now, in MB (10^6 bytes). */
  readonly rssMB: number
  /** Peak resident set size so far (VmHWM), in MB. */
  readonly peakMB: number
}

/** VmRSS and VmHWM from /proc (Linux); NaN elsewhere. */
export const memoryOf = (pid: number): Memory => {
  const path = `/proc/${pid}/status`
  if (!existsSync(path)) return { rssMB: Number.NaN, peakMB: Number.NaN }
  const status = readFileSync(path, "utf8")
  const kib = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)
    return match?.[1] === undefined ? Number.NaN : (Number(match[1]) * 1024) / 1e6
  }
  return { rssMB: kib("VmRSS"), peakMB: kib("VmHWM") }
}

/** RSS samples over a quiet stretch: (seconds since sampling began, MB), one a second, the first at 0. */
export type RssCurve = ReadonlyArray<readonly [number, number]>

/**
 * Samples `memory` once a second for `forMs`. V8 gives the heap it grew back only once its memory
 * reducer sees the allocation rate drop, 10–40 s into a quiet stretch on these machines, so RSS a
 * few seconds after a burst is a transient, not what an idle daemon holds.
 */
export const sampleRss = (memory: () => Memory, forMs: number): Effect.Effect<RssCurve> =>
  Effect.suspend(() => {
    const samples: Array<readonly [number, number]> = []
    const start = performance.now()
    return Effect.sync(() => samples.push([(performance.now() - start) / 1000, memory().rssMB])).pipe(
      Effect.repeat(Schedule.spaced(Duration.seconds(1)).pipe(Schedule.whileOutput(() => performance.now() - start < forMs))),
      Effect.as(samples)
    )
  })

/** The sample at or just after `seconds`; the last one when the curve is shorter. */
export const rssAt = (curve: RssCurve, seconds: number): number =>
  (curve.find(([at]) => at >= seconds - 0.05) ?? curve[curve.length - 1] ?? [0, Number.NaN])[1]

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
export const cpuMsOf = (pid: number): number => {
  const path = `/proc/${pid}/stat`
  if (!existsSync(path)) return Number.NaN
  // Fields after the command name (which may contain spaces) start at ") ".
  const stat = readFileSync(path, "utf8")
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name; clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10
}

export interface Child {
  readonly process: ChildProcess
  readonly pid: number
  readonly label: string
  /** Everything the child wrote to stdout and stderr so far (capped). */
  readonly output: () => string
  readonly exited: () => boolean
  readonly memory: () => Memory
  /** CPU time used so far, ms. */
  readonly cpuMs: () => number
}

const outputCap = 64 * 1024

/**
 * A node child process, SIGTERM'd (then SIGKILL'd after 5 s) when the scope closes. stdout and
 * stderr are kept (the last 64 KiB) for error messages.
 */
export const spawnNode = (
  label: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string>>,
  stdin = false
): Effect.Effect<Child, BenchError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () =>
        spawn(process.execPath, [...args], {
          cwd: benchDir,
          env: { ...process.env, ...env },
          stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"]
        }),
      catch: (cause) => new BenchError({ message: `cannot start ${label}: ${String(cause)}` })
    }).pipe(Effect.flatMap((child) => {
      const pid = child.pid
      if (pid === undefined) return Effect.fail(new BenchError({ message: `cannot start ${label}: Error: no pid` }))
      let output = ""
      const keep = (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-outputCap)
      }
      live.add(child)
      child.stdout?.on("data", keep)
      child.stderr?.on("data", keep)
      child.once("exit", () => live.delete(child))
      return Effect.succeed({ child, handle: {
        process: child,
        pid,
        label,
        output: () => output,
        exited: () => child.exitCode !== null || child.signalCode !== null,
        memory: () => memoryOf(pid),
        cpuMs: () => cpuMsOf(pid)
      } satisfies Child })
    })),
    ({ child }) => stop(child)
  ).pipe(Effect.map(({ handle }) => handle))

const stop = (child: ChildProcess): Effect.Effect<void> =>
  Effect.promise(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    child.kill("SIGTERM")
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
    await exited
    clearTimeout(timer)
  })

/** Polls `probe` every `everyMs` until it holds, the child dies, or `timeoutMs` passes; gives the time it took. */
export const waitUntil = (
  what: string,
  child: Child | undefined,
  probe: () => Promise<boolean>,
  options: { readonly everyMs: number; readonly timeoutMs: number }
): Effect.Effect<number, BenchError> =>
  Effect.suspend(() => {
    const start = performance.now()
    const step = Effect.suspend(() =>
      child?.exited() === true
        ? Effect.fail(new BenchError({ message: `${child.label} exited:\n${child.output().slice(-4000)}` }))
        : Effect.orElseSucceed(Effect.tryPromise(probe), () => false)
    )
    return pollUntil(step, (ready) => ready, {
      ...options,
      onTimeout: () =>
        new BenchError({
          message: `not within ${options.timeoutMs} ms${child === undefined ? "" : `; ${child.label} said:\n${child.output().slice(-4000)}`}`
        })
    }).pipe(Effect.map(() => performance.now() - start), during(what))
  })

// ---------------------------------------------------------------------------------------------
// The simulated Ollama, the bare proxy, and foreman itself, each in its own process.

export interface SimProcessOptions {
  readonly models?: ReadonlyArray<string>
  readonly tokens?: number
  readonly tokenDelayMs?: number
  readonly loadDelayMs?: number
  /** Listen on this port; default a free one. */
  readonly port?: number
}

export interface SimProcess {
  readonly url: string
  readonly port: number
  /** The target goes away: the listener closes (connections refused, open ones dropped) until `restore`. */
  readonly refuse: Effect.Effect<void, BenchError>
  /** The target comes back on the same port. */
  readonly restore: Effect.Effect<void, BenchError>
}

/** The process that hosts the run's sims (`src/simMain.ts`), each started and stopped on demand. */
export interface SimHost {
  readonly child: Child
  /** A sim, stopped when the scope closes. */
  readonly start: (options?: SimProcessOptions) => Effect.Effect<SimProcess, BenchError, Scope.Scope>
}

const HostReply = Schema.Struct({
  id: Schema.Number,
  url: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String),
  done: Schema.optional(Schema.Boolean)
})
type HostReply = typeof HostReply.Type
const decodeHostReply = Schema.decodeUnknownOption(Schema.parseJson(HostReply))

export const startSimHost: Effect.Effect<SimHost, BenchError, Scope.Scope> = Effect.gen(function*() {
  const child = yield* spawnNode("ollama-sim host", ["--import", "tsx", join(benchDir, "src", "simMain.ts")], {}, true)
  const pending = new Map<number, { readonly resolve: (reply: HostReply) => void; readonly reject: (error: Error) => void }>()
  child.process.once("exit", () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the sim host exited:\n${child.output().slice(-4000)}`))
    pending.clear()
  })
  let buffered = ""
  child.process.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString()
    let at = buffered.indexOf("\n")
    while (at >= 0) {
      const line = buffered.slice(0, at)
      buffered = buffered.slice(at + 1)
      at = buffered.indexOf("\n")
      const decoded = decodeHostReply(line)
      if (decoded._tag === "Some") {
        pending.get(decoded.value.id)?.resolve(decoded.value)
        pending.delete(decoded.value.id)
      }
    }
  })
  let nextId = 0
  const ask = (command: Record<string, unknown> & { readonly id: number }, timeoutMs: number) =>
    attempt("the sim host", () =>
      new Promise<HostReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(command.id)
          reject(new Error(`no answer to ${JSON.stringify(command)} within ${timeoutMs} ms:\n${child.output().slice(-4000)}`))
        }, timeoutMs)
        pending.set(command.id, {
          resolve: (reply) => {
            clearTimeout(timer)
            resolve(reply)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          }
        })
        child.process.stdin?.write(`${JSON.stringify(command)}\n`)
      }))
  const start = (options: SimProcessOptions = {}): Effect.Effect<SimProcess, BenchError, Scope.Scope> =>
    Effect.gen(function*() {
      const port = options.port ?? (yield* freePort)
      const id = nextId++
      const reply = yield* Effect.acquireRelease(
        ask({ op: "start", id, options: { ...options, port } }, 120_000),
        (reply) => reply.url === undefined ? Effect.void : Effect.ignore(ask({ op: "stop", id }, 10_000))
      )
      if (reply.url === undefined) return yield* new BenchError({ message: `the sim did not start: ${reply.error ?? "?"}` })
      const control = (op: "refuse" | "restore") =>
        Effect.flatMap(ask({ op, id }, 30_000), (answer) =>
          answer.error === undefined ? Effect.void : Effect.fail(new BenchError({ message: `sim ${op}: ${answer.error}` })))
      return { url: reply.url, port, refuse: control("refuse"), restore: control("restore") }
    })
  // The first start also waits for the host to have loaded.
  return { child, start }
})

/** `src/proxyMain.ts` in its own node process: node:http piping to `target`. */
export const startBareProxy = (target: string): Effect.Effect<Child & { readonly url: string }, BenchError, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* freePort
    const url = `http://127.0.0.1:${port}`
    const child = yield* spawnNode("bare proxy", ["--import", "tsx", join(benchDir, "src", "proxyMain.ts")], {
      BENCH_PROXY_TARGET: target,
      BENCH_PROXY_PORT: String(port)
    })
    yield* withTarget(url, 1, (probe) =>
      waitUntil("the bare proxy to listen", child, async () => (await probe.send("GET", "/api/version")).status === 200, {
        everyMs: 20,
        timeoutMs: 60_000
      }))
    return { ...child, url, port }
  })

export interface ForemanProcess extends Child {
  readonly url: string
  readonly dbPath: string
  /** Spawn to the first 200 from /healthz, in ms. */
  readonly startMs: number
}

export interface ForemanOptions {
  readonly bin: string
  /** Extra node flags for the daemon (e.g. --cpu-prof --cpu-prof-dir=DIR). */
  readonly nodeArgs?: ReadonlyArray<string>
  readonly ollamaUrl: string
  readonly env?: Readonly<Record<string, string>>
}

const healthy = (target: HttpTarget) => async () => (await target.send("GET", "/healthz")).status === 200

/**
 * `node packages/cli/bin/foreman.mjs serve` as a real daemon: its own SQLite file in a temp dir,
 * HTTP on a free loopback port, logging at warn. Ready means /healthz answers 200.
 */
export const startForeman = (options: ForemanOptions): Effect.Effect<ForemanProcess, BenchError, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = yield* tempDir
    const port = yield* freePort
    const url = `http://127.0.0.1:${port}`
    const dbPath = join(dir, "foreman.db")
    const spawned = performance.now()
    const child = yield* spawnNode("foreman", [...(options.nodeArgs ?? []), options.bin, "serve"], {
      FOREMAN_ADDR: `127.0.0.1:${port}`,
      FOREMAN_OLLAMA_URL: options.ollamaUrl,
      FOREMAN_DB_PATH: dbPath,
      FOREMAN_LOG_LEVEL: "warn",
      ...options.env
    })
    yield* withTarget(url, 1, (probe) =>
      waitUntil("foreman to answer /healthz", child, healthy(probe), { everyMs: 5, timeoutMs: 120_000 }))
    return { ...child, url, dbPath, startMs: performance.now() - spawned }
  })

/** An HttpTarget for `url` (loopback only) while `use` runs, closed after. */
export const withTarget = <A, E, R>(
  url: string,
  sockets: number,
  use: (target: HttpTarget) => Effect.Effect<A, E, R>
): Effect.Effect<A, E | BenchError, R> =>
  Effect.acquireUseRelease(HttpTarget.make(url, sockets), use, (target) => Effect.sync(() => target.close()))

