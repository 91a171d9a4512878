import { randomBytes } from "node:crypto"
import { encodeTime, incrementBase32, monotonicFactory, type ULIDFactory } from "ulid"

const poolSize = 4096

/**
 * A monotonic ULID factory (after `floor`, when given) whose randomness comes from a pooled
 * `randomBytes`: ulid's default PRNG asks the OS for 1 byte per character (16 calls per id), which
 * showed up at 3–7 % of the daemon's CPU (two ids per job and one per state change). Each byte
 * still comes from the CSPRNG.
 */
export const monotonicUlid = (floor?: string): ULIDFactory => {
  let pool = randomBytes(poolSize)
  let next = 0
  const mint = monotonicFactory(() => {
    if (next === poolSize) {
      pool = randomBytes(poolSize)
      next = 0
    }
    // 256 is a multiple of ulid's 32 characters, so every character stays equally likely.
    return (pool[next++] ?? 0) / 256
  })
  if (floor === undefined) return mint
  // Ids order jobs in the queue and events per job across restarts, so every id minted here must
  // sort after `floor`, the newest one stored, even when the clock is now behind it (stepped back
  // by NTP or a restored VM): until it catches up, ids go on from there as within one millisecond.
  let last = floor.toUpperCase()
  return (seedTime?: number) => {
    const id = mint(seedTime)
    last = id > last ? id : `${last.slice(0, 10)}${incrementBase32(last.slice(10))}`
    return last
  }
}

/**
 * The time prefix that every ULID minted before `millis` sorts below. Clamped, since encodeTime
 * throws for anything but an integer in 0…2^48-1.
 */
export const ulidTimePrefix = (millis: number): string => {
  const ceiling = Math.ceil(millis)
  return encodeTime(Number.isNaN(ceiling) ? 0 : Math.min(2 ** 48 - 1, Math.max(0, ceiling)), 10)
}
