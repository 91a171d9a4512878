import { Context, Duration, Effect, Fiber, Layer, Option, Schedule } from "effect"
import type * as Http from "node:http"
import { Worker } from "../jobs/Worker.js"

/** The node:http server the platform serves foreman on, for the drain to close. */
export class NodeServer extends Context.Tag("foreman/NodeServer")<NodeServer, Http.Server>() {}

/** How long requests still open at a stop get to finish before their connections are cut. */
export const drainGrace = Duration.seconds(5)
const drainTick = Duration.millis(50)

/**
 * What a stop (SIGTERM, Ctrl-C) does to the HTTP side, before the platform closes the server
 * (ADR-0042). Left to the platform, `server.close()` waited for every open connection, and a sync
 * caller waiting for a queued job, or an SSE follower, never ends by itself: the daemon hung until
 * its supervisor killed it. So, in order:
 * 1. stop taking connections;
 * 2. stop the worker: the running job goes back to the queue (async) or is cancelled (sync), and
 *    queued sync jobs are cancelled, so their callers get a 503 in their family's shape; event
 *    streams end (JobEventStream);
 * 3. close connections as they fall idle, and cut any still open after `drainGrace`.
 */
export const ServerDrainLive = Layer.scopedDiscard(
  Effect.gen(function*() {
    const server = yield* NodeServer
    const worker = yield* Worker
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        if (!(yield* Effect.sync(() => server.listening))) return
        const closed = Effect.async<void>((resume) => {
          server.close(() => resume(Effect.void))
        })
        const closing = yield* Effect.fork(closed)
        yield* worker.stop
        // Answered keep-alive connections stay open until their idle timeout unless closed. No race
        // or timeout here: a finalizer is uninterruptible, so a loser could never be stopped.
        const closedYet = Effect.map(Fiber.poll(closing), Option.isSome)
        const ticks = Math.ceil(Duration.toMillis(drainGrace) / Duration.toMillis(drainTick))
        yield* Effect.sync(() => server.closeIdleConnections()).pipe(
          Effect.zipRight(closedYet),
          Effect.repeat({ schedule: Schedule.spaced(drainTick), until: (closed) => closed, times: ticks })
        )
        if (!(yield* closedYet)) {
          yield* Effect.logWarning("connections still open after the stop's grace period; closing them")
          yield* Effect.sync(() => server.closeAllConnections())
        }
        yield* Fiber.join(closing)
      }).pipe(Effect.withSpan("ServerDrain.drain"))
    )
  })
)
