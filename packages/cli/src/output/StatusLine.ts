import type { JobProgress } from "@foreman/client"
import { Clock, Effect, Option, Ref, Schedule } from "effect"
import { duration } from "./format.js"

const spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

const describe = (progress: JobProgress) => progress.attempt > 1 ? `${progress.state} (attempt ${progress.attempt})` : progress.state

const write = (text: string) => Effect.sync(() => void process.stderr.write(text))

/**
 * The live state of a job being waited on, on stderr so stdout stays the answer alone. On a
 * terminal it is one line redrawn in place (state and a ticking elapsed time); elsewhere (CI logs,
 * pipes) it is one plain line per state change, since carriage returns would only garble a log.
 */
export const statusLine = (id: string) =>
  Effect.gen(function*() {
    const tty = process.stderr.isTTY === true
    const started = yield* Clock.currentTimeMillis
    const elapsed = Effect.map(Clock.currentTimeMillis, (now) => duration(now - started))
    const current = yield* Ref.make(Option.none<JobProgress>())
    const frame = yield* Ref.make(0)

    const redraw = Effect.gen(function*() {
      const progress = yield* Ref.get(current)
      const tick = yield* Ref.getAndUpdate(frame, (n) => (n + 1) % spinner.length)
      const state = Option.match(progress, { onNone: () => "submitted", onSome: describe })
      yield* write(`\r\x1b[2K${spinner[tick]} ${id} ${state} ${yield* elapsed}`)
    })

    if (tty) {
      yield* Effect.forkScoped(Effect.repeat(redraw, Schedule.spaced("100 millis")))
      // Leave the final state behind as an ordinary line once the wait is over.
      yield* Effect.addFinalizer(() =>
        Effect.gen(function*() {
          const state = Option.match(yield* Ref.get(current), { onNone: () => "stopped waiting", onSome: describe })
          yield* write(`\r\x1b[2K${id} ${state} ${yield* elapsed}\n`)
        })
      )
    }

    const update = (progress: JobProgress) =>
      Effect.zipRight(
        Ref.set(current, Option.some(progress)),
        tty ? redraw : Effect.flatMap(elapsed, (time) => write(`${id} ${describe(progress)} ${time}\n`))
      )

    return { update } as const
  })
