import { Chunk, Clock, Context, Data, Duration, Effect, FiberSet, Metric, Option, PubSub, Queue, Schedule } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { JobEvents } from "../jobs/JobEvents.js"
import { ForemanMetrics } from "../metrics/ForemanMetrics.js"
import { type DueEvent, type OutboxEvent, WebhookOutbox } from "../store/WebhookOutbox.js"
import { describeNetworkError, makeAgents, RequestTimedOut, sendRequest } from "../transport/NodeHttpRequest.js"
import { shareSlots } from "./ReceiverShare.js"
import { signatureHeaders, webhookIdHeaders } from "./WebhookSignature.js"

// Retry policy: 1s, 2s, 4s … doubling, each wait capped at 5 minutes, 10 retries. That is 11 attempts
// over about 13.5 minutes (1+2+…+256 s, then 300 s), long enough to ride out a receiver's restart or
// deploy. The attempt count lives on the outbox row, so the schedule resumes where it was after a restart.
export const webhookBackoffBase = Duration.seconds(1)
export const webhookBackoffCap = Duration.minutes(5)
export const webhookMaxRetries = 10
export const webhookMaxAttempts = webhookMaxRetries + 1
/** Per attempt, connect to last response byte: a hanging receiver costs one slot for this long. */
export const webhookAttemptTimeout = Duration.seconds(10)
/**
 * Deliveries in flight at once, each for a different job. A job's next event waits one scan after
 * the last, so this over the scan's cycle caps events/s: 16 kept ≈540/s and fell seconds behind a
 * burst of 270 jobs/s; 64 kept pace (ADR-0038).
 */
export const webhookConcurrency = 64
/**
 * Deliveries in flight to one receiver (a URL's origin) at most: a receiver that hangs holds 48
 * slots for the attempt timeout and the other 16 stay free for everyone else; one busy healthy
 * receiver still keeps pace with a burst (ADR-0048, ADR-0049).
 */
export const webhookReceiverSlots = 48
/** Receivers one read of the outbox takes; a scan reads on while it has found too few to fill its slots. */
export const webhookReceiversPerRead = 256
/**
 * Reads one scan makes at most, 1,024 receivers: with 10,000 receivers in backoff, reading them
 * all held the event loop for 80–250 ms a scan. The next scan goes on where this one stopped.
 */
export const webhookReadsPerScan = 4
/**
 * A scan waits this long after it is rung, so the wakes of a busy moment (state changes, finished
 * deliveries) share one read of the outbox and one write of what was delivered: at 5 / 10 / 20 ms,
 * 2,705 / 2,625 / 2,483 runtime operations per job with a webhook under load (ADR-0025).
 */
export const webhookScanDelay = Duration.millis(20)
/** Scan for due retries and for rows left over from a previous run this often. */
export const webhookPollInterval = Duration.seconds(1)

/** Waits between failed attempts: exponential, capped (union takes the shorter wait), bounded in count. */
export const webhookRetrySchedule = (
  base: Duration.DurationInput = webhookBackoffBase,
  cap: Duration.DurationInput = webhookBackoffCap,
  retries: number = webhookMaxRetries
): Schedule.Schedule<unknown> =>
  Schedule.exponential(base).pipe(Schedule.union(Schedule.spaced(cap)), Schedule.intersect(Schedule.recurs(retries)))

/**
 * The wait after `failedAttempts` failed attempts, or None once the schedule is spent. The count
 * comes from the outbox row, so the schedule is replayed (no clock, no sleeping) rather than kept
 * in memory. `Schedule.run` also emits the output of the step that says "done", so the schedule is
 * run one step further: the nth wait is real only if the run got past step n.
 */
export const retryDelay = (schedule: Schedule.Schedule<unknown>, failedAttempts: number) =>
  Schedule.run(Schedule.delays(schedule), 0, Array.from({ length: failedAttempts + 1 }, () => undefined)).pipe(
    Effect.map((delays) =>
      failedAttempts >= 1 && Chunk.size(delays) > failedAttempts ? Chunk.get(delays, failedAttempts - 1) : Option.none()
    )
  )

export interface WebhookPolicyValues {
  readonly retrySchedule: Schedule.Schedule<unknown>
  readonly attemptTimeout: Duration.DurationInput
  readonly concurrency: number
  /** Of `concurrency`, how many one receiver may hold. */
  readonly receiverSlots: number
  /** Receivers one read of the outbox takes (default `webhookReceiversPerRead`). */
  readonly receiversPerRead?: number
  readonly pollInterval: Duration.DurationInput
}

/**
 * Tunables of delivery, read when the dispatcher starts. The defaults are the constants above;
 * provide the reference (e.g. `Layer.succeed(WebhookPolicy, …)`) for faster retries in tests.
 */
export class WebhookPolicy extends Context.Reference<WebhookPolicy>()("foreman/WebhookPolicy", {
  defaultValue: (): WebhookPolicyValues => ({
    retrySchedule: webhookRetrySchedule(),
    attemptTimeout: webhookAttemptTimeout,
    concurrency: webhookConcurrency,
    receiverSlots: webhookReceiverSlots,
    pollInterval: webhookPollInterval
  })
}) {}

/** Why one attempt failed. `reason` goes to the outbox row and the logs: it never includes the secret. */
export class WebhookDeliveryError extends Data.TaggedError("WebhookDeliveryError")<{
  readonly reason: string
  /** Retrying cannot help (e.g. the URL does not parse): give up at once. */
  readonly permanent: boolean
}> {
  override get message() {
    return this.reason
  }
}

// Our own words only: the request (which carries the signatures) is never stringified.
const unreachable = (error: unknown): WebhookDeliveryError =>
  error instanceof Error && "code" in error && (error.code === "ERR_INVALID_URL" || error.code === "ERR_INVALID_PROTOCOL")
    ? new WebhookDeliveryError({ reason: "the webhook URL is not a valid http(s) URL", permanent: true })
    : new WebhookDeliveryError({ reason: `receiver unreachable: ${describeNetworkError(error)}`, permanent: false })

const ignoreChunk = (_bytes: Uint8Array): void => {}

const rejected = (status: number) =>
  new WebhookDeliveryError({
    reason: status >= 300 && status < 400
      ? `receiver answered ${status} (redirects are not followed)`
      : `receiver answered ${status}`,
    permanent: false
  })

/**
 * Drains the webhook outbox: at-least-once, in order per job, concurrently across jobs. Outcomes
 * are recorded only on the outbox row; nothing here can fail, slow or change a job.
 */
export class WebhookDispatcher extends Effect.Service<WebhookDispatcher>()("foreman/WebhookDispatcher", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const outbox = yield* WebhookOutbox
    const events = yield* JobEvents
    // Pools of their own, nothing shared with the target's connections. Keep-alive saves a TCP
    // set-up and tear-down per event; a timed-out or failed attempt destroys its socket, so a hanging
    // receiver's connection is never reused, and a stale idle one is retried on a fresh socket.
    const agents = yield* makeAgents({ keepAlive: true })
    const policy = yield* WebhookPolicy
    // No wait is longer than the cap, so a retry further off than that was scheduled by a clock
    // that has since stepped back (NTP, a restored VM): it is due now instead.
    const startedAt = yield* Clock.currentTimeMillis
    yield* outbox.retryFarOffNow(startedAt, startedAt + Duration.toMillis(webhookBackoffCap)).pipe(
      Effect.catchAllCause((cause) => Effect.logWarning("could not bring far-off webhook retries forward", cause))
    )
    const attemptTimeoutMs = Duration.toMillis(policy.attemptTimeout)
    const timedOut = new WebhookDeliveryError({
      reason: `receiver did not answer within ${Duration.format(policy.attemptTimeout)}`,
      permanent: false
    })
    const onError = (error: unknown) => error instanceof RequestTimedOut ? timedOut : unreachable(error)

    // Delivered events not yet marked so in the outbox: the next scan writes them in one statement
    // before it reads what is due, and skips any still here, so none is handed out again. Marked at
    // shutdown too (after the deliveries in flight stop); lost only with the process, and then sent
    // again (at least once).
    const deliveredIds = new Set<string>()
    const markDelivered = Effect.suspend(() => {
      if (deliveredIds.size === 0) return Effect.void
      const ids = [...deliveredIds]
      deliveredIds.clear()
      return outbox.delivered(ids).pipe(Effect.tapErrorCause(() => Effect.sync(() => ids.forEach((id) => deliveredIds.add(id)))))
    })
    yield* Effect.addFinalizer(() => Effect.ignoreLogged(markDelivered))

    // A ring while a scan is already due is dropped before it reaches the queue: most rings of a
    // busy moment land in the scan delay. Cleared as the scan starts, so a later ring scans again.
    const doorbell = yield* Queue.sliding<void>(1)
    let rung = false
    const wake = Effect.suspend(() => {
      if (rung) return Effect.void
      rung = true
      return Queue.offer(doorbell, undefined)
    })
    const deliveries = yield* FiberSet.make()
    // Jobs with an attempt in flight: their head event is still pending, so `due` returns it again.
    const inFlight = new Set<string>()

    /** One POST of the stored body; succeeds only on a 2xx within the timeout. Traced by `deliver`. */
    const attempt = Effect.fnUntraced(function*(event: OutboxEvent) {
      const timestamp = Math.floor((yield* Clock.currentTimeMillis) / 1000)
      const headers = Option.match(config.webhookSecret, {
        onNone: () => webhookIdHeaders(event.eventId, timestamp),
        onSome: (secret) => signatureHeaders(secret, event.eventId, timestamp, event.payload)
      })
      // The deadline runs from sending to the answer's last byte. The answer is read to its end so
      // the socket goes back to the pool; the deadline destroys it instead.
      const request = {
        method: "POST",
        url: event.url,
        headers: { "user-agent": "foreman-webhooks", "content-type": "application/json", ...headers },
        body: event.payload,
        timeoutMillis: attemptTimeoutMs
      }
      const response = yield* sendRequest(agents, request, onError)
      yield* response.forEachChunk(ignoreChunk)
      const status = response.status
      if (status < 200 || status >= 300) return yield* rejected(status)
    })

    /** Schedules the next attempt, or gives up when the policy is spent or retrying cannot help. */
    const recordFailure = (event: OutboxEvent, attempts: number, error: WebhookDeliveryError) =>
      Effect.gen(function*() {
        const delay = error.permanent ? Option.none() : yield* retryDelay(policy.retrySchedule, attempts)
        if (Option.isNone(delay)) {
          yield* outbox.giveUp(event.eventId, attempts, error.reason)
          yield* Effect.logWarning("webhook given up; the job's next event goes ahead").pipe(
            Effect.annotateLogs({ attempts, error: error.reason })
          )
          return
        }
        const now = yield* Clock.currentTimeMillis
        yield* outbox.retryLater(event.eventId, attempts, now + Duration.toMillis(delay.value), error.reason)
        yield* Effect.logWarning("webhook delivery failed; will retry").pipe(
          Effect.annotateLogs({ attempts, retry_in: Duration.format(delay.value), error: error.reason })
        )
      })

    // Only failures log, so only they pay for the annotations.
    const logAnnotations = (event: OutboxEvent) => ({ event_id: event.eventId, job_id: event.jobId })

    /** An attempt and its bookkeeping; never fails (a failure to record is logged and retried next scan). */
    const deliver = Effect.fn("WebhookDispatcher.deliver")(function*(event: OutboxEvent) {
      const attempts = event.attempts + 1
      yield* attempt(event).pipe(
        Effect.matchEffect({
          onSuccess: () => Effect.zipRight(Metric.increment(ForemanMetrics.webhookDeliveries), Effect.sync(() => deliveredIds.add(event.eventId))),
          onFailure: (error) =>
            Effect.zipRight(Metric.increment(ForemanMetrics.webhookFailures), recordFailure(event, attempts, error)).pipe(
              Effect.annotateLogs(logAnnotations(event))
            )
        }),
        Effect.catchAllCause((cause) => Effect.logWarning("could not record a webhook outcome", cause).pipe(Effect.annotateLogs(logAnnotations(event))))
      )
    })

    // Deliveries in flight per receiver (origin), for the share of free slots each gets.
    const receiverLoad = new Map<string, number>()
    const receiverSlots = Math.min(policy.receiverSlots, policy.concurrency)
    const receiversPerRead = Math.max(1, policy.receiversPerRead ?? webhookReceiversPerRead)
    // The receivers are read in turn: a scan starts after the last one served by the scan before
    // ("" from the first), so with more receivers than free slots each gets its turn.
    let nextReceiver = ""

    /**
     * Due events, receiver by receiver from `nextReceiver` on, going round to the first, until
     * as many receivers that can take a delivery have been found as slots are free, or all are read,
     * or `webhookReadsPerScan` reads are done (then the next scan goes on from there, so a scan's
     * cost stays bounded however many receivers wait out a backoff). Receivers with nothing due
     * (all in backoff, or their jobs in flight) are read past.
     */
    const readDue = (free: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        // Jobs in flight are left out by the read, so a receiver needs no more rows than it can take.
        const bounds = { receivers: receiversPerRead, perReceiver: Math.min(free, receiverSlots), exceptJobs: [...inFlight] }
        const order: Array<string> = []
        const read = new Set<string>()
        const candidates: Array<DueEvent> = []
        let ready = 0
        let after = nextReceiver
        let wrapped = after === ""
        for (let reads = 1;; reads++) {
          const due = yield* outbox.due(now, { ...bounds, after })
          const fresh = new Set(due.receivers.filter((receiver) => !read.has(receiver)))
          for (const receiver of fresh) {
            read.add(receiver)
            order.push(receiver)
          }
          const usable = due.events.filter((event) => fresh.has(event.receiver) && !deliveredIds.has(event.eventId))
          candidates.push(...usable)
          ready += new Set(usable.filter((event) => (receiverLoad.get(event.receiver) ?? 0) < receiverSlots).map((e) => e.receiver)).size
          // Enough found, or back at receivers this scan has read: stop.
          if (ready >= free || fresh.size < due.receivers.length) break
          const last = due.receivers[due.receivers.length - 1]
          if (last !== undefined && due.receivers.length === receiversPerRead) {
            if (reads >= webhookReadsPerScan) return { candidates, order, resumeAfter: last } as const
            after = last
          } else if (wrapped) break
          else {
            after = ""
            wrapped = true
          }
          // better-sqlite3 is synchronous: let the HTTP side have a turn between reads.
          yield* Effect.yieldNow()
        }
        return { candidates, order, resumeAfter: undefined } as const
      })

    const release = (event: DueEvent) =>
      Effect.sync(() => {
        inFlight.delete(event.jobId)
        const load = (receiverLoad.get(event.receiver) ?? 1) - 1
        if (load > 0) receiverLoad.set(event.receiver, load)
        else receiverLoad.delete(event.receiver)
      })

    /** Starts deliveries for due jobs that have none in flight, shared among receivers, up to the concurrency limit. */
    const scan = Effect.gen(function*() {
      yield* markDelivered
      const free = policy.concurrency - inFlight.size
      if (free <= 0) return
      const { candidates, order, resumeAfter } = yield* readDue(free)
      const chosen = shareSlots(candidates, free, receiverSlots, receiverLoad)
      for (const event of chosen) inFlight.add(event.jobId)
      // Bodies only for the events chosen; one gone meanwhile frees its slot at once.
      const events = yield* outbox.withPayloads(chosen).pipe(Effect.onError(() => Effect.forEach(chosen, release)))
      const served = new Set(chosen.map((event) => event.receiver))
      nextReceiver = resumeAfter ?? [...order].reverse().find((receiver) => served.has(receiver)) ?? ""
      const loaded = new Set(events.map((event) => event.eventId))
      yield* Effect.forEach(chosen.filter((event) => !loaded.has(event.eventId)), release)
      yield* Effect.forEach(events, (event) => {
        // Free the job's slot before ringing, so the scan that follows sees its next event.
        const done = Effect.zipRight(release(event), wake)
        return FiberSet.run(deliveries, deliver(event).pipe(Effect.ensuring(done)))
      }, { discard: true })
    })

    // Scans whenever rung: by a state change with a webhook, a finished delivery, or the poll.
    const loop = Queue.take(doorbell).pipe(
      Effect.zipRight(Effect.sleep(webhookScanDelay)),
      Effect.zipRight(Effect.sync(() => {
        rung = false
      })),
      Effect.zipRight(scan),
      Effect.catchAllCause((cause) => Effect.logWarning("webhook scan failed; trying again at the next poll", cause)),
      Effect.forever
    )

    const changes = yield* PubSub.subscribe(events.changes)
    const onStateChange = Queue.take(changes).pipe(
      Effect.flatMap((change) => change.job.webhookUrl === null ? Effect.void : wake),
      Effect.forever
    )

    yield* Effect.forkScoped(loop)
    yield* Effect.forkScoped(onStateChange)
    // Runs at once (rows left over from a previous run go out at start-up), then every poll interval
    // to pick up retries whose backoff has passed.
    yield* Effect.forkScoped(Effect.repeat(wake, Schedule.spaced(policy.pollInterval)))

    return {
      /** Asks for a scan now (e.g. after writing outbox rows outside the usual state changes). */
      wake,
      /** Outbox rows by status: pending, delivered, dead. */
      counts: outbox.counts,
      /** Deliveries under way right now. */
      inFlight: Effect.sync(() => inFlight.size)
    } as const
  })
}) {}
