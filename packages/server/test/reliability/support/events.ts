import { isTerminal, type JobEvent, type JobState } from "@foreman/domain"
import type { ReceivedEvent } from "../../support/webhookReceiver.js"

/** Every move the state machine allows (ADR-0004, ADR-0008): a webhook for anything else is a lie. */
const legal: Readonly<Record<JobState, ReadonlyArray<JobState>>> = {
  queued: ["loading", "working", "cancelled"],
  loading: ["working", "queued", "failed", "cancelled"],
  working: ["done", "failed", "queued", "cancelled"],
  done: [],
  failed: [],
  cancelled: []
}

export interface ChainReport {
  /** Distinct events (by event_id) per job, oldest first. */
  readonly byJob: ReadonlyMap<string, ReadonlyArray<JobEvent>>
  /** What is wrong, one line per problem; empty when every chain is whole and legal. */
  readonly problems: ReadonlyArray<string>
  readonly deliveries: number
  readonly distinct: number
  /** Running jobs sent back to the queue (crash recovery, or the target going away). */
  readonly requeues: number
}

/**
 * Checks what a webhook receiver got, job by job: duplicates carry identical bytes; the distinct
 * events (ordered by their ULID event ids) start at `queued`, link up (each `previous_state` is the
 * state before it, so no transition is missing), move only along legal edges, count attempts up by
 * one per dispatch (a requeue keeps or refunds it), and end in a terminal state that nothing follows.
 */
export const checkChains = (received: ReadonlyArray<ReceivedEvent>, expectedJobs: ReadonlySet<string>): ChainReport => {
  const problems: Array<string> = []
  const bodies = new Map<string, string>()
  for (const { body, event } of received) {
    const seen = bodies.get(event.event_id)
    if (seen !== undefined && seen !== body) problems.push(`event ${event.event_id} was delivered with two different bodies`)
    bodies.set(event.event_id, body)
    if (!expectedJobs.has(event.job_id)) problems.push(`event ${event.event_id} is for unknown job ${event.job_id}`)
  }
  const distinct = new Map<string, JobEvent>()
  for (const { event } of received) distinct.set(event.event_id, event)
  const byJob = new Map<string, Array<JobEvent>>()
  for (const event of [...distinct.values()].sort((a, b) => a.event_id.localeCompare(b.event_id))) {
    const list = byJob.get(event.job_id) ?? []
    list.push(event)
    byJob.set(event.job_id, list)
  }
  let requeues = 0
  for (const id of expectedJobs) {
    const events = byJob.get(id) ?? []
    const where = `job ${id} [${events.map((e) => e.state).join(" → ")}]`
    const first = events[0]
    if (first === undefined) {
      problems.push(`job ${id}: no event delivered`)
      continue
    }
    if (first.state !== "queued" || first.previous_state !== null || first.attempt !== 0) problems.push(`${where}: does not start with queued, attempt 0`)
    for (const [i, event] of events.entries()) {
      const before = events[i - 1]
      if (event.previous_state !== null && !legal[event.previous_state].includes(event.state)) {
        problems.push(`${where}: ${event.previous_state} → ${event.state} is not a legal transition`)
      }
      if (before === undefined) continue
      if (event.previous_state !== before.state) problems.push(`${where}: event ${i} follows ${before.state} but says previous_state=${event.previous_state}`)
      if (isTerminal(before.state)) problems.push(`${where}: an event after the terminal ${before.state}`)
      const claim = before.state === "queued" && (event.state === "loading" || event.state === "working")
      const requeue = event.state === "queued" && (before.state === "loading" || before.state === "working")
      // A dispatch counts one attempt; a requeue keeps it (crash) or gives it back (target away).
      const attemptOk = claim
        ? event.attempt === before.attempt + 1
        : requeue
        ? event.attempt === before.attempt || event.attempt === before.attempt - 1
        : event.attempt === before.attempt
      if (!attemptOk) problems.push(`${where}: attempt ${before.attempt} → ${event.attempt} on ${before.state} → ${event.state}`)
      if (requeue) requeues += 1
    }
    const last = events.at(-1)
    if (last === undefined || !isTerminal(last.state)) problems.push(`${where}: no terminal event delivered`)
  }
  return { byJob, problems, deliveries: received.length, distinct: distinct.size, requeues }
}
