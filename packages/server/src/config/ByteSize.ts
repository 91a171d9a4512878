import { Either } from "effect"

const multipliers: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3
}

/** Parses `33554432`, `32MiB`, `10mb`: a positive whole number of bytes. */
export const parseByteSize = (input: string): Either.Either<number, string> => {
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(input.trim())
  const multiplier = multipliers[(match?.[2] ?? "?").toLowerCase()]
  if (match === null || multiplier === undefined || Number(match[1]) <= 0) {
    return Either.left(`expected a size like 33554432, 32MiB or 10MB, got "${input}"`)
  }
  return Either.right(Number(match[1]) * multiplier)
}
