import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { JobId } from "@foreman/domain"
import { Duration, Effect, Schedule, Schema } from "effect"
import { join } from "node:path"
import { encodeTime } from "ulid"
import { Jobs } from "../src/jobs/Jobs.js"
import { Store } from "../src/store/Store.js"
import { seedDatabase } from "./store/seed.js"
import { startForeman } from "./support/foreman.js"
import { tempDir } from "./support/tempDir.js"
import { startReceiver } from "./support/webhookReceiver.js"

const model = "llama3.2:1b"
const hour = 3_600_000
const payload = JSON.stringify({ model, stream: false, messages: [{ role: "user", content: "hi" }] })

// What a daemon whose clock ran an hour ahead left behind, restarted after NTP set it right: a
// queued job with an id an hour ahead, its `queued` webhook failed once and due again in an hour
// by that clock.
describe("a restart with the clock behind the newest stored ids", () => {
  it.live("keeps queue order and each job's webhook order, and retries what the old clock put far off", () =>
    Effect.gen(function*() {
      const receiver = yield* startReceiver()
      const dbPath = join(yield* tempDir, "foreman.db")
      const ahead = Date.now() + hour
      const early = Schema.decodeSync(JobId)(`${encodeTime(ahead, 10)}0000000000000000`)
      const aheadEvent = `${encodeTime(ahead, 10)}0000000000000001`
      yield* seedDatabase(dbPath, Effect.gen(function*() {
        const store = yield* Store
        const sql = yield* SqlClient.SqlClient
        yield* store.insert({ id: early, mode: "async", endpoint: "chat", model, payload, webhookUrl: receiver.url })
        yield* sql`UPDATE webhook_outbox SET event_id = ${aheadEvent}, payload = json_set(payload, '$.event_id', ${aheadEvent}), attempts = 1, next_attempt_at = ${ahead + 1000} WHERE job_id = ${early}`
        yield* sql`UPDATE jobs SET event_id = ${aheadEvent} WHERE id = ${early}`
      }))

      const foreman = yield* startForeman({ env: { FOREMAN_DB_PATH: dbPath } })
      const later = yield* foreman.run(Effect.flatMap(Jobs, (jobs) =>
        Effect.flatMap(jobs.newId, (id) => jobs.submit({ id, mode: "async", endpoint: "chat", model, payload, webhookUrl: receiver.url }))
      )).pipe(Effect.orDie)
      // A job submitted now sorts after the one queued "an hour from now", and so runs after it.
      expect(later.id > early).toBe(true)
      const delivered = (id: string) => receiver.received.filter((r) => r.event.job_id === id).map((r) => r.event)
      yield* Effect.sync(() => delivered(early).some((e) => e.state === "done") && delivered(later.id).some((e) => e.state === "done")).pipe(
        Effect.repeat({ schedule: Schedule.spaced("50 millis"), until: (done) => done }),
        Effect.timeoutFail({ duration: Duration.seconds(20), onTimeout: () => new Error("webhooks not delivered within 20 s") })
      )
      const [first, second] = yield* foreman.run(Effect.flatMap(Store, (store) => Effect.all([store.get(early), store.get(later.id)]))).pipe(Effect.orDie)
      expect((first?.startedAt ?? Infinity) <= (second?.startedAt ?? 0)).toBe(true)
      // The old `queued` event went first (at once, not in an hour), the job's new events after it.
      const events = delivered(early)
      expect(events.map((e) => e.state)).toEqual(["queued", "loading", "working", "done"])
      expect(events[0]?.event_id).toBe(aheadEvent)
      expect(events.every((e, i) => i === 0 || e.event_id > (events[i - 1]?.event_id ?? ""))).toBe(true)
    }).pipe(Effect.scoped))
})
