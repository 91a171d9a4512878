import { Either } from "effect"

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/** Accepts Go's listen syntax: `:8080` (all interfaces), `127.0.0.1:8080`, `[::1]:8080`. */
export const parseListenAddress = (input: string): Either.Either<ListenAddress, string> => {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(input.trim())
  const port = Number(match?.[3])
  if (match === null || !Number.isInteger(port) || port > 65535) {
    return Either.left(`expected host:port or :port (like :8080 or 127.0.0.1:8080), got "${input}"`)
  }
  const host = match[1] ?? match[2] ?? ""
  return Either.right({ host: host === "" ? "0.0.0.0" : host, port })
}
