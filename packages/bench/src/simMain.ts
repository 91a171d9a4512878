// The simulated Ollamas, in a process of their own so their CPU never shares an event loop with the
// measuring client or with foreman. One process hosts every sim of a run (only one is busy at a
// time) so a sim starts in milliseconds, and on demand: the scale and swap figures start theirs
// on a port foreman already points at.
//
// Protocol: JSON lines. stdin: {"op":"start","id":N,"options":{…}} | {"op":"stop"|"refuse"|"restore","id":N}.
// stdout: {"id":N,"url":"http://127.0.0.1:P"} | {"id":N,"done":true} | {"id":N,"error":"…"}.
// "refuse" closes the sim's listener (connections refused, open ones dropped) until "restore": the
// target going away and coming back, driven from outside without a timer.
// Sims record nothing (recordLimit 0): a benchmark sends far more requests than anyone inspects.
// The process exits when stdin closes, so it never outlives the bench.
import { NodeRuntime } from "@effect/platform-node"
import { OllamaSim, type SimHandle } from "@foreman/ollama-sim"
import { Effect, Exit, Schema, Scope, Stream } from "effect"
import { createInterface } from "node:readline"

const SimOptions = Schema.Struct({
  port: Schema.Number,
  models: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  tokens: Schema.optionalWith(Schema.Number, { exact: true }),
  tokenDelayMs: Schema.optionalWith(Schema.Number, { exact: true }),
  loadDelayMs: Schema.optionalWith(Schema.Number, { exact: true })
})

const Command = Schema.Union(
  Schema.Struct({ op: Schema.Literal("start"), id: Schema.Number, options: SimOptions }),
  Schema.Struct({ op: Schema.Literal("stop", "refuse", "restore"), id: Schema.Number })
)
const decodeCommand = Schema.decodeUnknown(Schema.parseJson(Command))

const reply = (message: Record<string, unknown>) => Effect.sync(() => process.stdout.write(`${JSON.stringify(message)}\n`))

const program = Effect.gen(function*() {
  const sims = new Map<number, { readonly scope: Scope.CloseableScope; readonly sim: SimHandle }>()
  const handle = (line: string) =>
    decodeCommand(line).pipe(
      Effect.flatMap((command) => {
        const running = sims.get(command.id)
        switch (command.op) {
          case "stop":
            sims.delete(command.id)
            return Effect.zipRight(running === undefined ? Effect.void : Scope.close(running.scope, Exit.void), reply({ id: command.id, done: true }))
          case "refuse":
            return Effect.zipRight(running === undefined ? Effect.void : running.sim.refuse(), reply({ id: command.id, done: true }))
          case "restore":
            return (running === undefined ? Effect.void : running.sim.restore).pipe(
              Effect.zipRight(reply({ id: command.id, done: true })),
              Effect.catchAll((error) => reply({ id: command.id, error: error.message }))
            )
        }
        return Effect.gen(function*() {
          const scope = yield* Scope.make()
          const sim = yield* OllamaSim.start({ ...command.options, host: "127.0.0.1", recordLimit: 0 }).pipe(
            Scope.extend(scope),
            Effect.tapError(() => Scope.close(scope, Exit.void))
          )
          sims.set(command.id, { scope, sim })
          yield* reply({ id: command.id, url: sim.url })
        }).pipe(Effect.catchAll((error) => reply({ id: command.id, error: error.message })))
      }),
      Effect.catchAll((error) => reply({ id: -1, error: `bad command: ${error.message}` }))
    )
  const lines = Stream.fromAsyncIterable(createInterface({ input: process.stdin }), (cause) => cause)
  yield* Stream.runForEach(lines, handle).pipe(Effect.orDie)
  // stdin closed: the bench is gone or done.
  yield* Effect.forEach([...sims.values()], ({ scope }) => Scope.close(scope, Exit.void), { discard: true })
})

NodeRuntime.runMain(program, { disablePrettyLogger: true })
