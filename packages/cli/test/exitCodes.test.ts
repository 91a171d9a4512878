import { describe, expect, it } from "@effect/vitest"
import { ForemanClient } from "@foreman/client"
import type { JobList, JobView } from "@foreman/domain"
import { Effect, Fiber, Schedule } from "effect"
import { spawn } from "node:child_process"
import { writeFile } from "node:fs/promises"
import { createServer, type Server } from "node:http"
import { join } from "node:path"
import { freePort } from "../../server/test/support/daemon.js"
import { startForeman } from "../../server/test/support/foreman.js"
import { silentServer } from "../../server/test/support/silentServer.js"
import { tempDir } from "../../server/test/support/tempDir.js"
import { foremanBin, foremanCli, parsed, show } from "./support/cli.js"

const missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

const listJobs = (url: string): Effect.Effect<JobList> =>
  Effect.flatMap(ForemanClient, (client) => client.list()).pipe(Effect.provide(ForemanClient.layer({ url })), Effect.orDie)

/** Waits until the daemon runs some job, and returns it. */
const runningJob = (url: string) =>
  listJobs(url).pipe(
    Effect.map((list) => list.jobs.find((job) => job.state === "working")),
    Effect.filterOrFail((job) => job !== undefined),
    Effect.retry(Schedule.spaced("100 millis")),
    Effect.timeout("60 seconds"),
    Effect.orDie
  )

describe("exit codes", () => {
  it.live("1: the job failed or was cancelled, or the daemon said no", () =>
    Effect.gen(function*() {
      // A slow target, so a job is still running when a cancel arrives from another process.
      const foreman = yield* startForeman({ sim: { tokens: 20_000, tokenDelayMs: 5 } })
      const cli = (...args: ReadonlyArray<string>) => foremanCli(args, { url: foreman.url })

      yield* foreman.sim.failNext(2, 500, "CUDA out of memory")
      const [failed, failedJson] = yield* Effect.all([
        cli("submit", "-m", "llama3.2:1b", "-p", "doomed", "--wait"),
        cli("submit", "-m", "llama3.2:1b", "-p", "doomed too", "--wait", "--json")
      ], { concurrency: "unbounded" })
      expect(failed.code, show(failed)).toBe(1)
      expect(failed.stdout).toBe("")
      expect(failed.stderr).toContain("CUDA out of memory")
      expect(failedJson.code, show(failedJson)).toBe(1)
      expect(parsed<JobView>(failedJson)).toMatchObject({ state: "failed", error_status: 500 })
      const failedId = parsed<JobView>(failedJson).id

      // A waiting `submit --wait` whose job is cancelled by `foreman cancel` from another process.
      const waiting = yield* Effect.fork(cli("submit", "-m", "llama3.2:1b", "-p", "cancel me", "--wait"))
      const running = yield* runningJob(foreman.url)
      const cancelled = yield* cli("cancel", running.id)
      expect(cancelled.code, show(cancelled)).toBe(0)
      expect(cancelled.stdout).toBe(`${running.id} cancelled\n`)
      const waited = yield* Fiber.join(waiting)
      expect(waited.code, show(waited)).toBe(1)
      expect(waited.stderr).toContain("cancelled")

      const [again, ghost, notFound, jobFailed, jobCancelled, noAnswer, lowerCased] = yield* Effect.all([
        cli("cancel", running.id),
        cli("submit", "-m", "ghost:1b", "-p", "who?"),
        cli("job", missing),
        cli("job", failedId),
        cli("job", running.id, "--json"),
        cli("job", running.id, "--result"),
        // ULIDs are case-insensitive: a lower-cased copy names the same job.
        cli("job", running.id.toLowerCase(), "--json")
      ], { concurrency: "unbounded" })
      expect(parsed<JobView>(lowerCased).id).toBe(running.id)
      expect(again.code, show(again)).toBe(1)
      expect(again.stderr).toContain("already cancelled")
      expect(ghost.code, show(ghost)).toBe(1)
      expect(ghost.stderr).toContain(`model 'ghost:1b' not found`)
      expect(notFound.code, show(notFound)).toBe(1)
      expect(notFound.stderr).toContain("not found")
      // `job` still shows a failed job, then says so in its status.
      expect(jobFailed.code, show(jobFailed)).toBe(1)
      expect(jobFailed.stdout).toMatch(/STATE\s+failed/)
      expect(jobFailed.stdout).toContain("CUDA out of memory")
      expect(jobCancelled.code, show(jobCancelled)).toBe(1)
      expect(parsed<JobView>(jobCancelled).state).toBe("cancelled")
      expect(noAnswer.code, show(noAnswer)).toBe(1)
      expect(noAnswer.stdout).toBe("")
    }).pipe(Effect.scoped), 240_000)

  it.live("1 without FOREMAN_TOKEN when the daemon has one; health needs none", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ env: { FOREMAN_TOKEN: "hunter2" } })
      const [refused, allowed, health] = yield* Effect.all([
        foremanCli(["jobs"], { url: foreman.url }),
        foremanCli(["jobs", "--json"], { url: foreman.url, env: { FOREMAN_TOKEN: "hunter2" } }),
        foremanCli(["health"], { url: foreman.url })
      ], { concurrency: "unbounded" })
      expect(refused.code, show(refused)).toBe(1)
      expect(refused.stderr).toContain("FOREMAN_TOKEN")
      expect(allowed.code, show(allowed)).toBe(0)
      expect(parsed<JobList>(allowed).jobs).toEqual([])
      expect(health.code, show(health)).toBe(0)
    }).pipe(Effect.scoped), 180_000)

  it.live("2: usage errors, before anything is sent", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) => foremanCli(args, { url: foreman.url, env })
      const runs = yield* Effect.all([
        cli(["submit", "-p", "no model"]),
        cli(["submit", "-m", "llama3.2:1b"]),
        cli(["submit", "-m", "llama3.2:1b", "-p", "a", "--messages", "m.json"]),
        cli(["submit", "-m", "llama3.2:1b", "--messages", "/nonexistent/messages.json"]),
        cli(["submit", "-m", "llama3.2:1b", "-p", "a", "--webhook", "not a url"]),
        cli(["jobs", "--state", "sleeping"]),
        cli(["jobs", "--limit", "0"]),
        cli(["job"]),
        cli(["frobnicate"]),
        cli(["jobs"], { FOREMAN_URL: "localhost:8080" })
      ], { concurrency: "unbounded" })
      // A malformed --cursor is a malformed job id, told in the same words; sent, the daemon's 400 would be exit 1.
      const [badId, badCursor] = yield* Effect.all([
        cli(["job", "not-a-ulid"]),
        cli(["jobs", "--cursor", "not-a-ulid"])
      ], { concurrency: "unbounded" })
      // A messages file that is not messages: one line saying where it goes wrong, not a schema's tree of types.
      const dir = yield* tempDir
      const files = { notJson: "[{", noMessages: `{"oops":1}`, noRole: `[{"role":"user","content":"hi"},{"content":"no role"}]` }
      for (const [name, body] of Object.entries(files)) yield* Effect.promise(() => writeFile(join(dir, `${name}.json`), body))
      const badFiles = yield* Effect.all(
        Object.keys(files).map((name) => cli(["submit", "-m", "llama3.2:1b", "--messages", join(dir, `${name}.json`)])),
        { concurrency: "unbounded" }
      )
      for (const run of [...runs, badId, badCursor, ...badFiles]) {
        expect(run.code, show(run)).toBe(2)
        expect(run.stderr, show(run)).not.toBe("")
      }
      expect(badCursor.stderr).toBe(badId.stderr)
      expect(badFiles.map((run) => run.stderr.trim().split("\n")[0]?.replace(/^.*messages: /, ""))).toEqual([
        expect.stringMatching(/^it is not JSON \(/),
        `expected an array of messages, or an object with a "messages" array (see --help)`,
        `message 2 must be an object with a string "role" and a string or null "content" (see --help)`
      ])
      for (const run of badFiles) expect(run.stderr.trim().split("\n"), show(run)).toHaveLength(1)
      const list = yield* listJobs(foreman.url)
      expect(list.jobs).toEqual([])
    }).pipe(Effect.scoped), 180_000)

  it.live("3: nothing listens at FOREMAN_URL", () =>
    Effect.gen(function*() {
      const url = `http://127.0.0.1:${yield* freePort}`
      const runs = yield* Effect.all([
        foremanCli(["jobs"], { url }),
        foremanCli(["health", "--json"], { url }),
        foremanCli(["submit", "-m", "llama3.2:1b", "-p", "hello?", "--wait"], { url })
      ], { concurrency: "unbounded" })
      for (const run of runs) {
        expect(run.code, show(run)).toBe(3)
        expect(run.stdout).toBe("")
        expect(run.stderr).toContain(`cannot reach foreman at ${url}`)
      }
    }), 180_000)

  // It waited out undici's 300 s headers timeout, then said "Headers Timeout Error".
  // The 30 s default is the client's (ForemanClient.test.ts); here the setting that shortens it.
  it.live("3: a daemon that takes the connection and never answers, after FOREMAN_REQUEST_TIMEOUT", () =>
    Effect.gen(function*() {
      const silent = yield* silentServer
      const run = yield* foremanCli(["health"], { url: silent.url, env: { FOREMAN_REQUEST_TIMEOUT: "2s" } }).pipe(
        Effect.timeoutFail({ duration: "25 seconds", onTimeout: () => new Error("`foreman health` still waits after 25 s") })
      )
      expect(run.code, show(run)).toBe(3)
      expect(run.stderr.split("\n")[0], show(run)).toBe(`foreman: cannot reach foreman at ${silent.url}: no answer within 2s`)
    }).pipe(Effect.scoped), 90_000)

  it.live("2: sim flags out of range, before it listens", () =>
    Effect.gen(function*() {
      const runs = yield* Effect.all([
        foremanCli(["sim", "--port", "70000"]),
        foremanCli(["sim", "--port", "0", "--tokens", "0"]),
        foremanCli(["sim", "--port", "0", "--load-delay", "-5"]),
        foremanCli(["sim", "--port", "0", "--token-delay", "-1"])
      ], { concurrency: "unbounded" })
      const said = ["--port must be between 0 and 65535", "--tokens must be at least 1", "--load-delay must be at least 0", "--token-delay must be at least 0"]
      for (const [i, run] of runs.entries()) {
        expect(run.code, show(run)).toBe(2)
        expect(run.stdout + run.stderr, show(run)).toContain(said[i])
        expect(run.stdout + run.stderr, show(run)).not.toContain("listening")
      }
    }), 90_000)

  it.live("2: a FOREMAN_REQUEST_TIMEOUT that is not a duration", () =>
    Effect.gen(function*() {
      const silent = yield* silentServer
      const run = yield* foremanCli(["health"], { url: silent.url, env: { FOREMAN_REQUEST_TIMEOUT: "30" } })
      expect(run.code, show(run)).toBe(2)
      expect(run.stderr.trim(), show(run)).toContain("FOREMAN_REQUEST_TIMEOUT")
      expect(run.stderr.trim(), show(run)).toContain(`expected a duration like 500ms, 30s or 24h, got "30"`)
      expect(run.stderr.trim().split("\n"), show(run)).toHaveLength(1)
    }).pipe(Effect.scoped), 90_000)

  // runMain stops a command on SIGINT or SIGTERM and exited 0: `foreman cancel $id && …` read an
  // interrupted cancel as done. A daemon (serve, sim) stopped that way has done what it was asked.
  it.live("130 or 143: a command stopped by Ctrl-C or SIGTERM while it waits on the daemon; 0 for a daemon stopped so", () =>
    Effect.gen(function*() {
      // A daemon that takes requests and never answers them.
      const seen = yield* Effect.acquireRelease(
        Effect.async<{ readonly url: string; readonly requests: () => number; readonly server: Server }>((resume) => {
          let requests = 0
          const server = createServer(() => void requests++)
          server.listen(0, "127.0.0.1", () => {
            const address = server.address()
            const port = typeof address === "object" && address !== null ? address.port : 0
            resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, requests: () => requests, server }))
          })
        }),
        ({ server }) => Effect.sync(() => server.closeAllConnections()).pipe(Effect.zipRight(Effect.async<void>((resume) => void server.close(() => resume(Effect.void)))))
      )
      /** Runs the CLI and sends it `signal` once `ready` (given what it printed so far) says so. */
      const stopped = (args: ReadonlyArray<string>, signal: NodeJS.Signals, ready: (output: string) => boolean) =>
        Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
          const child = spawn(process.execPath, [foremanBin, ...args], { env: { ...process.env, FOREMAN_URL: seen.url } })
          let stdout = ""
          let stderr = ""
          child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
          child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
          const timer = setInterval(() => {
            if (ready(stdout + stderr)) {
              clearInterval(timer)
              child.kill(signal)
            }
          }, 50)
          child.once("close", (code) => {
            clearInterval(timer)
            resume(Effect.succeed({ code, stdout, stderr }))
          })
          return Effect.sync(() => void child.kill("SIGKILL"))
        })
      const waitingOn = (before: number) => () => seen.requests() > before
      const cancel = yield* stopped(["cancel", missing], "SIGINT", waitingOn(0))
      expect([cancel.code, cancel.stdout], show(cancel)).toEqual([130, ""])
      const jobs = yield* stopped(["jobs"], "SIGTERM", waitingOn(1))
      expect([jobs.code, jobs.stdout], show(jobs)).toEqual([143, ""])
      // `submit` still reading its prompt from a stdin that stays open.
      const since = Date.now()
      const reading = yield* stopped(["submit", "-m", "llama3.2:1b"], "SIGINT", () => Date.now() - since > 2000)
      expect(reading.code, show(reading)).toBe(130)
      const sim = yield* stopped(["sim", "--port", "0"], "SIGTERM", (output) => output.includes("ollama-sim listening"))
      expect(sim.code, show(sim)).toBe(0)
    }).pipe(Effect.scoped), 60_000)
})
