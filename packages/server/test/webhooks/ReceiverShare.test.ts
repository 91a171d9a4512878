import { describe, expect, it } from "@effect/vitest"
import { DueEvent } from "../../src/store/WebhookOutbox.js"
import { shareSlots } from "../../src/webhooks/ReceiverShare.js"

const event = (receiver: string, eventId: string, path = "/hook") =>
  new DueEvent({ eventId, jobId: `job-${eventId}`, url: `http://${receiver}${path}`, receiver: `http://${receiver}`, attempts: 0 })
const ids = (events: ReadonlyArray<DueEvent>) => events.map((e) => e.eventId)

describe("shareSlots", () => {
  it("takes turns between receivers with as many in flight, the one read first first, oldest event first within each", () => {
    const load = new Map<string, number>()
    const chosen = shareSlots([event("b", "04"), event("a", "03"), event("a", "01"), event("b", "02"), event("a", "05")], 4, 10, load)
    expect(ids(chosen)).toEqual(["02", "01", "04", "03"])
    expect(load).toEqual(new Map([["http://a", 2], ["http://b", 2]]))
  })

  it("gives free slots to the receiver with the fewest in flight, however old the other's events", () => {
    const load = new Map([["http://busy", 5]])
    const chosen = shareSlots([event("busy", "01"), event("busy", "02"), event("idle", "09"), event("idle", "10")], 3, 10, load)
    expect(ids(chosen)).toEqual(["09", "10", "01"])
    expect(load).toEqual(new Map([["http://busy", 6], ["http://idle", 2]]))
  })

  it("stops a receiver at its slots even when slots are free and it has more due", () => {
    const load = new Map([["http://a", 2]])
    expect(ids(shareSlots([event("a", "01"), event("a", "02"), event("a", "03")], 8, 3, load))).toEqual(["01"])
    expect(load.get("http://a")).toBe(3)
    expect(shareSlots([event("a", "02")], 8, 3, load)).toEqual([])
  })

  it("counts a receiver's URLs together: per-job callback paths share one receiver's slots", () => {
    const load = new Map<string, number>()
    const chosen = shareSlots([event("a", "01", "/job/1"), event("a", "02", "/job/2"), event("a", "03", "/job/3"), event("b", "04")], 8, 2, load)
    expect(ids(chosen)).toEqual(["01", "04", "02"])
    expect(load).toEqual(new Map([["http://a", 2], ["http://b", 1]]))
  })

  it("hands out no more than the free slots", () => {
    expect(shareSlots([event("a", "01"), event("b", "02"), event("c", "03")], 0, 8, new Map())).toEqual([])
    expect(shareSlots([event("a", "01"), event("b", "02"), event("c", "03")], 2, 8, new Map())).toHaveLength(2)
  })
})
