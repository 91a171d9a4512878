import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { createServer } from "node:net"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { NodeServerLive } from "../../src/http/HttpLive.js"
import { NodeServer } from "../../src/http/ServerDrain.js"

/** The server NodeServerLive binds for FOREMAN_ADDR, and its port. */
const bound = (addr: string) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(NodeServerLive.pipe(Layer.provide(ForemanConfig.fromRecord({ FOREMAN_ADDR: addr }))))
    const address = (yield* Effect.provide(NodeServer, context)).address()
    return typeof address === "object" && address !== null ? { hostname: address.address, port: address.port } : { hostname: "", port: 0 }
  })

const statusAt = (url: string) => Effect.promise(() => fetch(url).then((r) => r.status, (e: unknown) => String(e)))

describe("NodeServerLive", () => {
  // The daemon binds its port before it builds the rest (so a port in use stops it before the
  // worker runs a job); a request in between must be answered, not left hanging.
  it.live("answers 503 with Retry-After while the app is not yet served", () =>
    Effect.gen(function*() {
      const { port } = yield* bound("127.0.0.1:0")
      const response = yield* Effect.promise(() => fetch(`http://127.0.0.1:${port}/api/tags`))
      expect(response.status).toBe(503)
      expect(response.headers.get("retry-after")).toBe("1")
      expect(yield* Effect.promise(() => response.json())).toEqual({ error: "foreman is starting; try again in a moment" })
    }).pipe(Effect.scoped))

  // Go's `:8080` listens on IPv6 and IPv4; `0.0.0.0` left `http://[::1]:8080` unanswered.
  it.live("`:port` listens on every interface: IPv4, and IPv6 wherever the machine has it", () =>
    Effect.gen(function*() {
      const { hostname, port } = yield* bound(":0")
      expect(yield* statusAt(`http://127.0.0.1:${port}/`)).toBe(503)
      // Node binds `::` (dual-stack) when the machine has IPv6, and falls back to 0.0.0.0 without.
      const hasIpv6 = yield* Effect.async<boolean>((resume) => {
        const probe = createServer().once("error", () => resume(Effect.succeed(false)))
        probe.listen(0, "::1", () => probe.close(() => resume(Effect.succeed(true))))
      })
      expect(hostname).toBe(hasIpv6 ? "::" : "0.0.0.0")
      if (hasIpv6) expect(yield* statusAt(`http://[::1]:${port}/`)).toBe(503)
    }).pipe(Effect.scoped))
})
