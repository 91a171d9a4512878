import { randomBytes } from "node:crypto"
import { encodeTime, monotonicFactory, type ULIDFactory } from "ulid"

const poolSize = 4096

/**
 * A monotonic ULID factory whose randomness comes from a pooled `randomBytes`: ulid's default PRNG
 * asks the OS for 1 byte per character (16 calls per id), which showed up at 3–7 % of the daemon's
 * CPU (two ids per job and one per state change). Each byte still comes from the CSPRNG.
 */
export const monotonicUlid = (): ULIDFactory => {
  let pool = randomBytes(poolSize)
  let next = 0
  return monotonicFactory(() => {
    if (next === poolSize) {
      pool = randomBytes(poolSize)
      next = 0
    }
    // 256 is a multiple of ulid's 32 characters, so every character stays equally likely.
    return (pool[next++] ?? 0) / 256
  })
}

/**
 * The time prefix that every ULID minted before `millis` sorts below. Clamped, since encodeTime
 * throws for anything but an integer in 0…2^48-1.
 */
export const ulidTimePrefix = (millis: number): string => {
  const ceiling = Math.ceil(millis)
  return encodeTime(Number.isNaN(ceiling) ? 0 : Math.min(2 ** 48 - 1, Math.max(0, ceiling)), 10)
}
