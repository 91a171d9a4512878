import { Either } from "effect"

export interface ListenAddress {
  /** Undefined for every interface, IPv6 and IPv4 (Node listens on `::`, or `0.0.0.0` without IPv6), as Go's `:8080` does. */
  readonly host: string | undefined
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
  return Either.right({ host: host === "" ? undefined : host, port })
}
