import { Predicate } from "effect"

// Node's own message repeats its code and the address ("listen EADDRINUSE: address already in use
// 127.0.0.1:8080"), which the caller has already named.
const reasons: Record<string, string> = {
  EADDRINUSE: "the port is in use (another process listens there)",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "this machine has no such address"
}

const stringProperty = (value: unknown, name: string): string | undefined =>
  Predicate.hasProperty(value, name) && typeof value[name] === "string" ? value[name] : undefined

/** `host:port`, with an IPv6 host in brackets. */
export const hostPort = (host: string, port: number | string) => `${host.includes(":") ? `[${host}]` : host}:${port}`

/** Why a listen failed, in a few words. */
export const listenReason = (cause: unknown): string =>
  reasons[stringProperty(cause, "code") ?? ""] ?? (cause instanceof Error ? cause.message : String(cause))

/** Where a failed listen tried to listen, from Node's error; undefined when it does not say. */
export const listenAddress = (cause: unknown): string | undefined => {
  const address = stringProperty(cause, "address")
  const port = Predicate.hasProperty(cause, "port") && typeof cause.port === "number" ? cause.port : undefined
  return address === undefined || port === undefined ? undefined : hostPort(address, port)
}
