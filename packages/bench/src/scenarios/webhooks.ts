import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import { BenchError, during } from "../BenchError.js"
import type { BenchContext } from "../config.js"
import { pollUntil } from "../poll.js"
import { goal, type Section } from "../report.js"
import { fixed, median, whole } from "../stats.js"
import { asyncRun, type AsyncRunResult } from "./asyncRun.js"

/** A webhook receiver on loopback: answers 204 at once and counts what arrived. */
class Receiver {
  events = 0
  done = 0
  lastAtWall = 0
  constructor(readonly url: string, readonly server: Http.Server) {}

  reset(): void {
    this.events = 0
    this.done = 0
    this.lastAtWall = 0
  }
}

const statePattern = /"state"\s*:\s*"([a-z]+)"/

const startReceiver: Effect.Effect<Receiver, BenchError, Scope.Scope> = Effect.acquireRelease(
  Effect.async<Receiver, BenchError>((resume) => {
    const server = Http.createServer()
    server.once("error", (error) => resume(Effect.fail(new BenchError({ message: `webhook receiver: ${error.message}` }))))
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const receiver = new Receiver(`http://127.0.0.1:${port}/hook`, server)
      server.on("request", (request: Http.IncomingMessage, response: Http.ServerResponse) => {
        const chunks: Array<Buffer> = []
        request.on("data", (chunk: Buffer) => chunks.push(chunk))
        request.once("end", () => {
          receiver.events++
          receiver.lastAtWall = Date.now()
          if (statePattern.exec(Buffer.concat(chunks).toString("utf8"))?.[1] === "done") receiver.done++
          response.writeHead(204).end()
        })
      })
      resume(Effect.succeed(receiver))
    })
  }),
  (receiver) => Effect.async<void>((resume) => {
    receiver.server.close(() => resume(Effect.void))
    receiver.server.closeAllConnections()
  })
)

interface WebhookRun extends AsyncRunResult {
  readonly events: number
  readonly eventsPerSecond: number
  /** Last job done to its last webhook received, ms. */
  readonly lagMs: number
}

/** Figure 6: the same async run with and without a webhook on every job, alternating. */
export const webhooks = (ctx: BenchContext): Effect.Effect<Section, BenchError, Scope.Scope> =>
  Effect.gen(function*() {
    const { jobs, reps, submitters } = ctx.counts.webhooks
    const receiver = yield* startReceiver
    const plain: Array<AsyncRunResult> = []
    const hooked: Array<WebhookRun> = []
    const runPlain = Effect.suspend(() => asyncRun(ctx, { jobs, submitters }))
    const runHooked = Effect.gen(function*() {
      receiver.reset()
      // Every job sends queued, loading/working and done; wait for every done event while the daemon
      // still runs (what it has not sent when it stops waits in its outbox for the next start).
      const allDone = pollUntil(Effect.sync(() => receiver.done), (done) => done >= jobs, {
        everyMs: 20,
        timeoutMs: 120_000,
        onTimeout: () => new BenchError({ message: `${receiver.done} of ${jobs} done events after 120 s` })
      }).pipe(Effect.asVoid, during("webhooks to arrive"))
      const run = yield* asyncRun(ctx, { jobs, submitters, webhookUrl: receiver.url, beforeStop: allDone })
      if (receiver.events < jobs * 3) {
        return yield* new BenchError({ message: `only ${receiver.events} webhook events for ${jobs} jobs` })
      }
      const eventsMs = receiver.lastAtWall - run.startedAtWall
      return {
        ...run,
        events: receiver.events,
        eventsPerSecond: receiver.events / (eventsMs / 1000),
        lagMs: receiver.lastAtWall - run.finishedAtWall
      } satisfies WebhookRun
    })
    for (let rep = 0; rep < reps; rep++) {
      // Which of the pair goes first alternates, so a machine getting busier or quieter over the
      // figure does not favour one side.
      if (rep % 2 === 0) {
        plain.push(yield* runPlain)
        hooked.push(yield* runHooked)
      } else {
        hooked.push(yield* runHooked)
        plain.push(yield* runPlain)
      }
    }
    const plainRate = median(plain.map((r) => r.jobsPerSecond))
    const hookedRate = median(hooked.map((r) => r.jobsPerSecond))
    const eventsPerSecond = median(hooked.map((r) => r.eventsPerSecond))
    // Judged pair by pair: the two runs of a pair share the machine's load of that minute.
    const pairRatios = hooked.map((r, i) => r.jobsPerSecond / (plain[i]?.jobsPerSecond ?? Number.NaN))
    const ratio = median(pairRatios)
    return {
      id: "6",
      title: "Webhooks: every job with a state webhook to a local receiver",
      setup: `${whole(jobs)} async jobs from ${submitters} concurrent submitters, each with a \`state_webhook_url\` ` +
        `pointing at a node:http receiver in the bench process (answers 204 at once), alternated with the same run ` +
        `without webhooks; ${reps} pair${reps === 1 ? "" : "s"}, each run on a fresh daemon, the pair's order alternating. ` +
        `The goal is judged on the median of the pairs' ratios (the two runs of a pair share the machine's load of that ` +
        `minute). Events/s counts every delivered event from the first submit to the last event received.`,
      tables: [{
        header: ["pair", "jobs/s without", "jobs/s with", "ratio", "events", "events/s", "last done → last event ms", "CPU ms/job without", "CPU ms/job with"],
        rows: [
          ...hooked.map((r, i) => [
            `#${i + 1}${i % 2 === 0 ? "" : " (with first)"}`,
            whole(plain[i]?.jobsPerSecond ?? Number.NaN),
            whole(r.jobsPerSecond),
            fixed(pairRatios[i] ?? Number.NaN, 3),
            whole(r.events),
            whole(r.eventsPerSecond),
            whole(r.lagMs),
            fixed(plain[i]?.cpuMsPerJob ?? Number.NaN, 3),
            fixed(r.cpuMsPerJob, 3)
          ]),
          ["median", whole(plainRate), whole(hookedRate), fixed(ratio, 3), "", whole(eventsPerSecond), "", fixed(median(plain.map((r) => r.cpuMsPerJob)), 3), fixed(median(hooked.map((r) => r.cpuMsPerJob)), 3)]
        ]
      }],
      goals: [
        goal(
          "6",
          "job throughput with webhooks within 20% of without (≥ 0.8×; median of the pairs' ratios)",
          `${fixed(ratio, 3)}× (medians ${whole(hookedRate)} vs ${whole(plainRate)} jobs/s = ${fixed(hookedRate / plainRate, 3)}×)`,
          ratio >= 0.8
        )
      ],
      notes: [`Webhook events/s (median): ${whole(eventsPerSecond)}; each job sends queued, working (loading first when a swap is needed) and done.`],
      plots: []
    }
  })
