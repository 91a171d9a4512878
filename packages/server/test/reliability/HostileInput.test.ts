import { describe, expect, it, layer } from "@effect/vitest"
import type { JobList, JobView } from "@foreman/domain"
import { OllamaSim, type SimHandle } from "@foreman/ollama-sim"
import { Context, Effect, Layer } from "effect"
import fc from "fast-check"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { Store } from "../../src/store/Store.js"
import { WebhookOutbox } from "../../src/store/WebhookOutbox.js"
import { postJson, startForeman, text } from "../support/foreman.js"
import {
  badArtifactName,
  badJobIdSegment,
  bodyLimit,
  type HostileBody,
  hostileGenerationBody,
  hostilePassthroughBody,
  type HostileRequest,
  hostileSubmitExtras,
  installedModel,
  judge,
  oddHeaders,
  summarized,
  unknownUlid
} from "./support/hostile.js"
import { until } from "./support/jobsApi.js"
import { type ForemanProcess, runningForeman } from "./support/process.js"
import { rawRequest, rawSocket } from "./support/rawHttp.js"
import { report, scaled, seed } from "./support/scale.js"

/** Runs per property: the bounded form keeps the whole file near a minute. */
const runs = (bounded: number) => scaled(bounded, bounded * 20)
const timeout = scaled(120_000, 1_800_000)

interface Target {
  readonly url: string
  readonly port: number
  readonly dbPath: string
  readonly sim: SimHandle
  readonly daemon: ForemanProcess
  /** The one job that exists: done, with its `completion` artifact. */
  readonly seeded: string
}

class HostileTarget extends Context.Tag("reliability/HostileTarget")<HostileTarget, Target>() {}

/** A real daemon (child process) in front of a real sim, with one finished job and nothing else. */
const HostileTargetLive = Layer.scoped(
  HostileTarget,
  Effect.gen(function*() {
    const sim = yield* OllamaSim.start({ models: [installedModel, "qwen3:8b"], recordLimit: 50 })
    const { url, port, dbPath, daemon } = yield* runningForeman(sim.url, { FOREMAN_MAX_BODY: `${bodyLimit / 1024}KiB` })
    const accepted = yield* postJson(`${url}/jobs`, { model: installedModel, stream: false, messages: [{ role: "user", content: "seed" }] }).pipe(
      Effect.flatMap((response) => Effect.promise(() => response.json() as Promise<{ job_id: string }>))
    )
    yield* until(
      Effect.promise(() => fetch(`${url}/jobs/${accepted.job_id}`).then((r) => r.json() as Promise<JobView>)),
      (job) => job.state === "done",
      () => "the seeded job done"
    )
    yield* sim.resetStats
    return { url, port, dbPath, sim, daemon, seeded: accepted.job_id }
  })
)

const describeRequest = (request: HostileRequest) => `${request.method} ${request.path.slice(0, 160)} (${request.why})`

/** Sends one hostile request and returns what is wrong with the outcome, if anything. */
const attack = async (target: Target, request: HostileRequest): Promise<string | undefined> => {
  const response = await rawRequest(target.port, request).catch((error: unknown) => {
    throw new Error(`no HTTP answer to ${describeRequest(request)}: ${error instanceof Error ? error.message : String(error)}`)
  })
  return judge(request, response)
}

/** Only the seeded job, still done: hostile input wrote nothing. */
const nothingWritten = async (target: Target): Promise<string | undefined> => {
  const list = await fetch(`${target.url}/jobs?limit=10`).then((r) => r.json() as Promise<JobList>)
  const only = list.jobs[0]
  return list.jobs.length === 1 && only?.id === target.seeded && only.state === "done"
    ? undefined
    : `the jobs table changed: ${JSON.stringify(list.jobs.map((j) => [j.id, j.state, j.model]))}`
}

/** fast-check over `arbitrary`: every request refused properly, nothing written, the daemon alive. */
const property = (name: string, arbitrary: fc.Arbitrary<HostileRequest>, numRuns: number) =>
  Effect.flatMap(HostileTarget, (target) =>
    Effect.tryPromise({
      try: async () => {
        const started = Date.now()
        // Once a request writes a row every later check fails too, and shrinking would blame a
        // harmless request: remember the first one that did.
        let firstWriter: string | undefined
        await fc.assert(
          fc.asyncProperty(arbitrary.map(summarized), async (request) => {
            const clean = (await nothingWritten(target)) === undefined
            const problem = await attack(target, request)
            if (problem !== undefined) throw new Error(problem)
            const written = await nothingWritten(target)
            if (written !== undefined) {
              if (clean) firstWriter ??= `${request[fc.toStringMethod]?.() ?? describeRequest(request)}`
              throw new Error(`${written}; first written by: ${firstWriter ?? "an earlier test"}`)
            }
            if (target.daemon.exitStatus() !== undefined) throw new Error(`the daemon exited: ${target.daemon.output().slice(-2000)}`)
          }),
          { numRuns, seed }
        )
        report(`hostile/${name}`, { runs: numRuns, seconds: ((Date.now() - started) / 1000).toFixed(1) })
      },
      catch: (error) => (error instanceof Error ? error : new Error(String(error)))
    }))

const withBody = (method: string, path: string) => (parts: readonly [HostileBody, Record<string, string>]): HostileRequest => ({
  method,
  path,
  headers: parts[1],
  ...parts[0]
})

// Odd spellings of a route's path: some reach the route, some reach nothing; either way a 4xx.
const pathVariants = (path: string) =>
  fc.constantFrom(path, `${path}/`, `/${path}`, path.replace(/\/([^/]*)$/, "//$1"), path.toUpperCase(), `${path};x=1`, `${path}?stream=true`, `${path}%00`, `/.${path}`, `${path}/..`)

const generationRoutes = ["/api/chat", "/api/generate", "/v1/chat/completions", "/v1/completions", "/jobs"] as const

const passthroughRoutes: ReadonlyArray<readonly [string, string]> = [
  ["POST", "/api/show"],
  ["POST", "/api/embed"],
  ["POST", "/api/embeddings"],
  ["POST", "/api/pull"],
  ["POST", "/api/push"],
  ["POST", "/api/create"],
  ["POST", "/api/copy"],
  ["DELETE", "/api/delete"],
  ["POST", "/v1/embeddings"]
]

// Methods llhttp knows, so the request reaches foreman (unknown ones are the framing test's).
const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "MKCOL", "LOCK", "COPY", "MOVE", "SEARCH", "PURGE", "REPORT"] as const

/** Every route and the methods it serves; HEAD is served wherever GET is, except on Ollama's own surface. */
const routeTable = (seeded: string): ReadonlyArray<{ readonly path: string; readonly served: ReadonlyArray<string> }> => [
  { path: "/", served: ["GET", "HEAD"] },
  { path: "/api/chat", served: ["POST"] },
  { path: "/api/generate", served: ["POST"] },
  { path: "/api/tags", served: ["GET", "HEAD"] },
  { path: "/api/ps", served: ["GET"] },
  { path: "/api/version", served: ["GET", "HEAD"] },
  { path: "/api/show", served: ["POST"] },
  { path: "/api/embed", served: ["POST"] },
  { path: "/api/embeddings", served: ["POST"] },
  { path: "/api/pull", served: ["POST"] },
  { path: "/api/push", served: ["POST"] },
  { path: "/api/create", served: ["POST"] },
  { path: "/api/copy", served: ["POST"] },
  { path: "/api/delete", served: ["DELETE"] },
  { path: "/api/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000", served: ["POST", "HEAD"] },
  { path: "/v1/chat/completions", served: ["POST"] },
  { path: "/v1/completions", served: ["POST"] },
  { path: "/v1/embeddings", served: ["POST"] },
  { path: "/v1/models", served: ["GET", "HEAD"] },
  { path: `/v1/models/${installedModel}`, served: ["GET", "HEAD"] },
  { path: "/healthz", served: ["GET", "HEAD"] },
  { path: "/openapi.json", served: ["GET", "HEAD"] },
  { path: "/metrics", served: ["GET", "HEAD"] },
  { path: "/jobs", served: ["GET", "HEAD", "POST"] },
  { path: `/jobs/${seeded}`, served: ["GET", "HEAD", "DELETE"] },
  { path: `/jobs/${seeded}/artifacts/completion`, served: ["GET", "HEAD"] },
  { path: `/jobs/${seeded}/events`, served: ["GET", "HEAD"] }
]

layer(HostileTargetLive, { excludeTestServices: true, timeout: "120 seconds" })("hostile input, property-based, over every route", (it) => {
  it.effect("generation bodies (native, /v1, POST /jobs): malformed, wrong types, unknown models, deep, huge — 4xx, nothing queued, nothing sent to the target", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      const arbitrary = fc.constantFrom(...generationRoutes).chain((route) =>
        fc.tuple(hostileGenerationBody, oddHeaders, pathVariants(route)).map(([body, headers, path]) => withBody("POST", path)([body, headers]))
      )
      yield* property("generation", arbitrary, runs(400))
      yield* property("submit-fields", fc.tuple(hostileSubmitExtras, oddHeaders).map(withBody("POST", "/jobs")), runs(100))
      const stats = yield* target.sim.stats
      for (const path of ["/api/chat", "/api/generate", "/v1/chat/completions", "/v1/completions"]) {
        expect(stats.calls[`POST ${path}`] ?? 0, path).toBe(0)
      }
    }), timeout)

  it.effect("passthrough bodies (show, embed, pull, push, create, copy, delete, /v1/embeddings): the target's 4xx comes back in shape", () =>
    property(
      "passthrough",
      fc.constantFrom(...passthroughRoutes).chain(([method, path]) => fc.tuple(hostilePassthroughBody, oddHeaders).map(withBody(method, path))),
      runs(200)
    ), timeout)

  it.effect("job ids that are not ULIDs, unknown ULIDs, traversal in artifact names, bad digests and model names: 400 or 404, never a file", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      const id = fc.oneof(badJobIdSegment, unknownUlid.filter((u) => u !== target.seeded))
      const suffix = fc.constantFrom("", "/events", "/artifacts/completion")
      const arbitrary = fc.oneof(
        fc.tuple(id, suffix, fc.constantFrom("GET", "HEAD", "DELETE"), oddHeaders).filter(([, s, m]) => m !== "DELETE" || s === "").map(
          ([segment, rest, method, headers]): HostileRequest => ({ method, path: `/jobs/${segment}${rest}`, headers, body: "", why: "bad or unknown id" })
        ),
        fc.tuple(fc.oneof(fc.constant(target.seeded), id), badArtifactName, oddHeaders).map(
          ([segment, name, headers]): HostileRequest => ({
            method: "GET",
            path: `/jobs/${segment}/artifacts/${name}`,
            headers,
            body: "",
            why: "artifact name"
          })
        )
      )
      yield* property("ids", arbitrary, runs(400))
      // The native and /v1 path parameters go to the target: a blob digest that is not one, a model
      // nobody has. The target's 4xx comes back in the family's shape.
      const param = fc.oneof(badJobIdSegment, badArtifactName).filter((p) =>
        !/^sha256[:-][0-9a-fA-F]{64}$/.test(p) && p !== installedModel
      )
      const passthroughParams = fc.tuple(
        param,
        fc.constantFrom(["POST", "/api/blobs/"], ["HEAD", "/api/blobs/"], ["GET", "/v1/models/"]),
        fc.option(hostileGenerationBody, { nil: undefined }),
        oddHeaders
      ).map(([segment, [method, prefix], body, headers]): HostileRequest => ({
        method,
        path: `${prefix}${segment}`,
        headers,
        body: method === "POST" ? body?.body ?? "" : "",
        why: "a path parameter the target refuses"
      }))
      yield* property("path-params", passthroughParams, runs(200))
      // Cancelling the finished job is refused and changes nothing.
      const again = yield* Effect.promise(() => rawRequest(target.port, { method: "DELETE", path: `/jobs/${target.seeded}` }))
      expect(again.status).toBe(409)
      expect(JSON.parse(again.body.toString())).toEqual({ _tag: "JobAlreadyTerminal", error: expect.any(String) })
    }), timeout)

  it.effect("GET /jobs with an invalid state, limit or cursor: 400 in foreman's shape", () =>
    Effect.gen(function*() {
      const badLimit = fc.oneof(
        fc.string({ maxLength: 8 }),
        fc.integer({ min: -1_000, max: 0 }).map(String),
        fc.integer({ min: 501, max: 1e9 }).map(String),
        fc.constantFrom("1.5", "NaN", "Infinity", "-0", "0x10", "", "5 0")
      ).filter((raw) => {
        const n = Number(raw)
        return !(Number.isInteger(n) && n >= 1 && n <= 500)
      })
      const badState = fc.string({ maxLength: 12 }).filter((s) => !["queued", "loading", "working", "done", "failed", "cancelled"].includes(s))
      const badCursor = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom("..%2F..", "00000000000000000000000000000")).filter((s) =>
        !/^[0-9A-HJKMNP-TV-Z]{26}$/.test(s)
      )
      const arbitrary = fc.record({
        state: fc.option(badState, { nil: undefined }),
        limit: fc.option(badLimit, { nil: undefined }),
        cursor: fc.option(badCursor, { nil: undefined }),
        model: fc.option(fc.string({ maxLength: 20 }), { nil: undefined })
      }).filter((q) => q.state !== undefined || q.limit !== undefined || q.cursor !== undefined).chain((query) =>
        oddHeaders.map((headers): HostileRequest => ({
          method: "GET",
          path: `/jobs?${Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v ?? "")}`).join("&")}`,
          headers,
          body: "",
          why: "bad list query"
        }))
      )
      yield* property("list-query", arbitrary, runs(200))
    }), timeout)

  it.effect("wrong methods on every route: 405 in the family's shape (Ollama's, OpenAI's or foreman's), or Ollama's plain 404 for methods no route knows", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      const wrong = routeTable(target.seeded).flatMap(({ path, served }) =>
        methods.filter((method) => !served.includes(method)).map((method) => ({ path, method }))
      )
      const arbitrary = fc.tuple(fc.constantFrom(...wrong), fc.option(hostileGenerationBody, { nil: undefined }), oddHeaders).map(
        ([{ method, path }, body, headers]): HostileRequest => ({
          method,
          path,
          headers,
          body: method === "TRACE" ? "" : body?.body ?? "",
          why: `wrong method${body === undefined ? "" : `, ${body.why}`}`
        })
      )
      yield* property("methods", arbitrary, runs(300))
    }), timeout)

  it.effect("broken framing and odd headers at the HTTP layer: a 4xx from the parser, the daemon lives on", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      // Rejected by the parser before any route runs, whatever the route.
      const headerLevel = [
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{bad}`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0000b\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nX-Long: ${"a".repeat(20_000)}\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/9.9\r\nHost: x\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n`,
        (_m: string, p: string) => `FOO ${p} HTTP/1.1\r\nHost: x\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost : x\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nExpect: tea\r\nContent-Length: 2\r\n\r\n{}`,
      ]
      // Broken bodies: only a route that reads its body meets them (GET / answers before the parser gets there).
      const bodyLevel = [
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"mo"\r\n`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{"model":"${installedModel}"`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n{}`,
        (m: string, p: string) => `${m} ${p} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n{"model":"${installedModel}"}`
      ]
      const corruptions = [...headerLevel, ...bodyLevel]
      const table = routeTable(target.seeded)
      const posts = table.filter((route) => route.served[0] === "POST" || route.served[0] === "DELETE")
      const arbitrary = fc.oneof(
        fc.tuple(fc.constantFrom(...table), fc.constantFrom(...headerLevel)),
        fc.tuple(fc.constantFrom(...posts), fc.constantFrom(...bodyLevel))
      ).map(([route, corrupt]) => ({
        route,
        which: corruptions.indexOf(corrupt),
        bytes: corrupt(route.served[0] ?? "GET", route.path)
      }))
      yield* Effect.tryPromise(() =>
        fc.assert(
          fc.asyncProperty(arbitrary, async ({ route, which, bytes }) => {
            const { status, raw } = await rawSocket(target.port, bytes)
            if (status < 400 || status > 499) throw new Error(`corruption ${which} on ${route.path} → ${status}: ${raw.slice(0, 200)}`)
            const problem = await nothingWritten(target)
            if (problem !== undefined) throw new Error(problem)
          }),
          { numRuns: runs(150), seed }
        )
      )
      // CONNECT is the exception: node:http hangs up without an answer when nobody handles it.
      const connect = yield* Effect.promise(() => rawSocket(target.port, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n"))
      expect(connect.raw).toBe("")
      const health = yield* Effect.promise(() => fetch(`${target.url}/healthz`))
      expect(health.status).toBe(200)
      expect(target.daemon.exitStatus()).toBeUndefined()
    }), timeout)

  // Found by the properties above and fixed; kept as plain examples so a regression names itself.
  it.effect("a `.` or `..` path parameter, or one holding a `\\`, is refused, not forwarded to the target as another route", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      for (
        const [method, path] of [
          ["GET", "/v1/models/."],
          ["GET", "/v1/models/%2e"],
          ["GET", "/v1/models/.."],
          ["GET", "/v1/models/%2E%2E"],
          ["HEAD", "/api/blobs/."],
          ["POST", "/api/blobs/.."],
          // URL parsers read `\` as `/`: this was a generation that skipped the queue.
          ["POST", "/api/blobs/..\\..\\api\\generate"],
          ["GET", "/v1/models/..\\..\\api\\version"],
          ["HEAD", "/api/blobs/.\\sha256:abc"],
          ["POST", "/api/blobs/sha256:abc\\..\\..\\chat"]
        ] as const
      ) {
        yield* target.sim.resetStats
        const response = yield* Effect.promise(() => rawRequest(target.port, { method, path, body: "" }))
        expect(judge({ method, path, why: "a dot segment as the path parameter" }, response)).toBeUndefined()
        const forwarded = (yield* target.sim.requests).filter((r) => r.path !== "/api/tags" && r.path !== "/api/ps")
        expect(forwarded.map((r) => `${r.method} ${r.path}`), `${method} ${path} reached the target`).toEqual([])
      }
    }))

  it.effect("a repeated query parameter on GET /jobs is a 400 in foreman's shape", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      for (const path of ["/jobs?limit=1&limit=2", "/jobs?state=queued&state=done", "/jobs?cursor=a&cursor=b"]) {
        const response = yield* Effect.promise(() => rawRequest(target.port, { method: "GET", path }))
        expect(judge({ method: "GET", path, why: "repeated parameter" }, response)).toBeUndefined()
      }
    }))

  it.effect("malformed percent-encoding or a path parameter over 100 characters is a 4xx in the family's shape (or Ollama's plain 404)", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      const long = "A".repeat(101)
      for (
        const [method, path] of [
          ["GET", "/jobs/%ZZ"],
          ["GET", `/jobs/${target.seeded}/artifacts/%E0%A4%A`],
          ["GET", "/api/%ZZ"],
          ["GET", "/v1/models/%ZZ"],
          ["GET", "/%ZZ"],
          // A path parameter over 100 characters (find-my-way's maxParamLength) meets the same end.
          ["GET", `/jobs/${long}`],
          ["DELETE", `/jobs/${long}`],
          ["GET", `/jobs/${target.seeded}/artifacts/${long}`],
          ["GET", `/v1/models/${long}`],
          ["POST", `/api/blobs/${long}`]
        ] as const
      ) {
        const response = yield* Effect.promise(() => rawRequest(target.port, { method, path, body: "" }))
        expect(judge({ method, path, why: "malformed percent-encoding or a long parameter" }, response)).toBeUndefined()
      }
    }))

  it.effect("after all of it: the daemon never exited, and the database file holds the seeded job and nothing else", () =>
    Effect.gen(function*() {
      const target = yield* HostileTarget
      expect(target.daemon.exitStatus(), target.daemon.output().slice(-2000)).toBeUndefined()
      expect((yield* Effect.promise(() => fetch(`${target.url}/healthz`))).status).toBe(200)
      yield* target.daemon.kill
      // Read the file itself with foreman's own store, the daemon gone.
      const counts = yield* Effect.gen(function*() {
        const store = yield* Store
        const outbox = yield* WebhookOutbox
        return { jobs: yield* store.countByState, outbox: yield* outbox.counts }
      }).pipe(
        Effect.provide(Layer.mergeAll(Store.Default, WebhookOutbox.Default).pipe(Layer.provide(ForemanConfig.fromRecord({ FOREMAN_DB_PATH: target.dbPath })))),
        Effect.scoped
      )
      expect(counts.jobs).toEqual([{ state: "done", n: 1 }])
      expect(counts.outbox).toEqual({ pending: 0, delivered: 0, dead: 0 })
    }))
})

describe("the boundary: fields foreman does not read are the target's to judge", () => {
  // A body Ollama's decoder refuses is refused before the queue (ADR-0052), and so is what the
  // model's capabilities rule out (ADR-0054); what foreman does not read, here a raw generate with a
  // system prompt, is the target's to say when the job runs.
  it.live("a body valid for foreman but not for the target is queued, fails with the target's 4xx, and the caller sees it in shape", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman({ sim: { models: [installedModel] } })
      const refused = yield* postJson(`${foreman.url}/jobs`, { model: installedModel, stream: false, messages: "not a list" })
      expect(refused.status).toBe(400)
      const body = { model: installedModel, endpoint: "generate", stream: false, prompt: "hi", raw: true, system: "be brief" }
      const sync = yield* postJson(`${foreman.url}/api/generate`, body)
      expect(sync.status).toBe(400)
      expect(JSON.parse(yield* text(sync))).toEqual({ error: "raw mode does not support template, system, or context" })
      const accepted = yield* postJson(`${foreman.url}/jobs`, body)
      expect(accepted.status).toBe(202)
      const { job_id } = yield* Effect.promise(() => accepted.json() as Promise<{ job_id: string }>)
      const job = yield* until(
        Effect.promise(() => fetch(`${foreman.url}/jobs/${job_id}`).then((r) => r.json() as Promise<JobView>)),
        (j) => j.state === "failed",
        () => "the job failed by the target"
      )
      expect(job.error_status).toBe(400)
      const rows = yield* foreman.run(Effect.flatMap(Store, (store) => store.countByState))
      expect(rows).toEqual([{ state: "failed", n: 2 }])
    }).pipe(Effect.scoped))
})
