import { describe, expect, it } from "@effect/vitest"
import { decodeTime, encodeTime } from "ulid"
import { monotonicUlid } from "../../src/ids/MonotonicUlid.js"

describe("monotonicUlid", () => {
  // A restart after the clock stepped back: the newest stored id is an hour ahead of now.
  it("mints after the newest stored id while the clock is behind it, then from the clock again", () => {
    const now = Date.now()
    const floor = `${encodeTime(now + 3_600_000, 10)}7ZZZZZZZZZZZZZZX`
    const next = monotonicUlid(floor.toLowerCase())
    const ids = [next(now), next(now + 1), next(now + 2)]
    expect(ids[0]).toBe(`${floor.slice(0, 10)}7ZZZZZZZZZZZZZZY`)
    expect([...ids].sort()).toEqual(ids)
    expect(ids.every((id) => id > floor)).toBe(true)
    // The carry runs on into the next character, as ulid's own monotonic factory does.
    expect(ids[2]).toBe(`${floor.slice(0, 10)}8000000000000000`)
    // Once the clock has passed the floor, ids carry the clock's time again.
    const later = next(now + 3_600_001)
    expect(decodeTime(later)).toBe(now + 3_600_001)
    expect(later > (ids[2] ?? "")).toBe(true)
  })

  it("without a floor, or with one in the past, follows the clock", () => {
    const now = Date.now()
    expect(decodeTime(monotonicUlid()(now))).toBe(now)
    expect(decodeTime(monotonicUlid(`${encodeTime(now - 60_000, 10)}0000000000000000`)(now))).toBe(now)
  })
})
