import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option } from "effect"
import { joinWithin } from "../../src/http/joinWithin.js"

describe("joinWithin: a fiber's result within a time, or none", () => {
  it.live("the result when the fiber ends first, at once when it has already ended", () =>
    Effect.gen(function*() {
      const done = yield* Effect.fork(Effect.succeed("early"))
      yield* Fiber.await(done)
      expect(yield* joinWithin(done, 1_000)).toEqual(Option.some("early"))
      const later = yield* Effect.fork(Effect.as(Effect.sleep("20 millis"), "soon"))
      expect(yield* joinWithin(later, 5_000)).toEqual(Option.some("soon"))
    }))

  it.live("none when the time passes first, and the fiber goes on: its result is still there to join", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<string>()
      const waiting = yield* Effect.fork(Deferred.await(gate))
      expect(yield* joinWithin(waiting, 30)).toEqual(Option.none())
      yield* Deferred.succeed(gate, "late")
      expect(yield* Fiber.join(waiting)).toBe("late")
    }))

  // setTimeout runs a callback due past 2^31 - 1 ms after 1 ms: FOREMAN_STREAM_HEADERS_AFTER=720h
  // would have sent every streamed answer's headers at once.
  it.live("a time too long for a timer is waited out, not cut to a millisecond", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<string>()
      const waiting = yield* Effect.fork(Deferred.await(gate))
      const joined = yield* Effect.fork(joinWithin(waiting, 720 * 3_600_000))
      yield* Effect.sleep("50 millis")
      expect(joined.unsafePoll()).toBeNull()
      yield* Deferred.succeed(gate, "in time")
      expect(yield* Fiber.join(joined)).toEqual(Option.some("in time"))
    }))

  it.live("a wait interrupted leaves the fiber alone", () =>
    Effect.gen(function*() {
      const gate = yield* Deferred.make<string>()
      const waiting = yield* Effect.fork(Deferred.await(gate))
      const joined = yield* Effect.fork(joinWithin(waiting, 60_000))
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(joined)
      yield* Deferred.succeed(gate, "still")
      expect(yield* Fiber.join(waiting)).toBe("still")
    }))
})
