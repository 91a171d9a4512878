import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { connect, createServer } from "node:net"
import { ForemanConfig } from "../../src/config/ForemanConfig.js"
import { ListenPreflightLive, NodeServerLive } from "../../src/http/HttpLive.js"
import { NodeServer } from "../../src/http/ServerDrain.js"

const config = (addr: string) => ForemanConfig.fromRecord({ FOREMAN_ADDR: addr })

/** The address node:http bound for FOREMAN_ADDR. */
const bound = (addr: string) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(NodeServerLive.pipe(Layer.provide(config(addr))))
    const address = (yield* Effect.provide(NodeServer, context)).address()
    return typeof address === "object" && address !== null ? address : { address: "", port: 0 }
  })

const listenOn = (port: number, host: string) =>
  Effect.async<boolean>((resume) => {
    const server = createServer().once("error", () => resume(Effect.succeed(false)))
    server.listen(port, host, () => server.close(() => resume(Effect.succeed(true))))
  })

const connects = (port: number, host: string) =>
  Effect.async<boolean>((resume) => {
    const socket = connect(port, host)
    socket.once("connect", () => {
      socket.destroy()
      resume(Effect.succeed(true))
    })
    socket.once("error", () => resume(Effect.succeed(false)))
  })

describe("HttpLive", () => {
  it.effect("the listen preflight fails as the listen would when the port is taken, and leaves a free port free", () =>
    Effect.gen(function*() {
      const taken = createServer()
      const port = yield* Effect.async<number>((resume) => {
        taken.listen(0, "127.0.0.1", () => {
          const address = taken.address()
          resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
        })
      })
      const refused = yield* Effect.either(Layer.build(ListenPreflightLive.pipe(Layer.provide(config(`127.0.0.1:${port}`)))).pipe(Effect.scoped))
      yield* Effect.async<void>((resume) => {
        taken.close(() => resume(Effect.void))
      })
      const error = Either.isLeft(refused) && refused.left._tag === "ServeError" ? String(refused.left.cause) : "no ServeError"
      expect(error).toMatch(/EADDRINUSE/)
      yield* Layer.build(ListenPreflightLive.pipe(Layer.provide(config(`127.0.0.1:${port}`)))).pipe(Effect.scoped)
      expect(yield* listenOn(port, "127.0.0.1")).toBe(true)
    }))

  // Go's `:8080` listens on IPv6 and IPv4; `0.0.0.0` left `http://[::1]:8080` unanswered.
  it.live("`:port` listens on every interface: IPv4, and IPv6 wherever the machine has it", () =>
    Effect.gen(function*() {
      const hasIpv6 = yield* listenOn(0, "::1")
      const { address, port } = yield* bound(":0")
      // Node binds `::` (dual-stack) when the machine has IPv6, and falls back to 0.0.0.0 without.
      expect(address).toBe(hasIpv6 ? "::" : "0.0.0.0")
      expect(yield* connects(port, "127.0.0.1")).toBe(true)
      if (hasIpv6) expect(yield* connects(port, "::1")).toBe(true)
    }).pipe(Effect.scoped))
})
