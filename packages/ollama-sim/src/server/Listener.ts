import { Effect, Ref } from "effect"
import * as Http from "node:http"
import { SimConfig } from "../SimOptions.js"
import { SimListenError } from "./SimListenError.js"

export type RequestHandler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

// node:http is used directly because faults need what @effect/platform's server
// can't do: stop listening, drop every connection, and listen again on the same port.

const listen = (server: Http.Server, host: string, port: number) =>
  Effect.async<number, SimListenError>((resume) => {
    const onError = (cause: Error) => {
      server.off("listening", onListening)
      resume(Effect.fail(new SimListenError({ host, port, cause })))
    }
    const onListening = () => {
      server.off("error", onError)
      const address = server.address()
      resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : port))
    }
    server.once("error", onError)
    server.once("listening", onListening)
    // listen() throws at once on arguments it refuses (a port past 65535) instead of emitting "error".
    try {
      server.listen(port, host)
    } catch (cause) {
      onError(cause instanceof Error ? cause : new Error(String(cause)))
    }
    return Effect.sync(() => {
      server.off("error", onError)
      server.off("listening", onListening)
    })
  })

// Drops in-flight connections too: a target that goes away takes its streams with it.
const stop = (server: Http.Server) =>
  Effect.async<void>((resume) => {
    if (!server.listening) {
      server.closeAllConnections()
      return resume(Effect.void)
    }
    server.close(() => resume(Effect.void))
    server.closeAllConnections()
  })

/** The sim's listening socket: opened, closed (refused) and reopened on the same port. */
export class Listener extends Effect.Service<Listener>()("@foreman/ollama-sim/Listener", {
  scoped: Effect.gen(function*() {
    const { host, port: configuredPort } = yield* SimConfig
    const server = yield* Effect.acquireRelease(Effect.sync(() => Http.createServer()), stop)
    const state = yield* Ref.make({ listening: false, port: configuredPort })
    const lock = yield* Effect.makeSemaphore(1)

    const open: Effect.Effect<void, SimListenError> = lock.withPermits(1)(
      Effect.gen(function*() {
        const current = yield* Ref.get(state)
        if (current.listening) return
        const port = yield* listen(server, host, current.port)
        yield* Ref.set(state, { listening: true, port })
      })
    )

    const close: Effect.Effect<void> = lock.withPermits(1)(
      Effect.zipRight(stop(server), Ref.update(state, (s) => ({ ...s, listening: false })))
    )

    return {
      open,
      close,
      attach: (handler: RequestHandler) => Effect.sync(() => server.on("request", handler)).pipe(Effect.asVoid),
      host,
      port: Effect.map(Ref.get(state), (s) => s.port)
    } as const
  })
}) {}
