import { Effect, FiberHandle, Option, Ref } from "effect"
import { OllamaError } from "../wire/OllamaError.js"
import { Listener } from "./Listener.js"
import type { SimListenError } from "./SimListenError.js"

/** What the next chat/generate calls answer instead of generating. */
export interface InjectedFailure {
  readonly status: number
  readonly message: string
}

interface FaultState {
  readonly resetting: boolean
  readonly failures: number
  readonly failure: InjectedFailure
  readonly midStreamFailures: number
  readonly midStreamMessage: string
}

const healthy: FaultState = {
  resetting: false,
  failures: 0,
  failure: { status: 500, message: "simulated failure" },
  midStreamFailures: 0,
  midStreamMessage: "simulated failure"
}

/** Fault injection: refused connections, reset connections, failing generations. */
export class Faults extends Effect.Service<Faults>()("@foreman/ollama-sim/Faults", {
  scoped: Effect.gen(function*() {
    const listener = yield* Listener
    const state = yield* Ref.make(healthy)
    // At most one pending timed recovery; a new fault replaces it.
    const timer = yield* FiberHandle.make<void, never>()

    // A timed recovery keeps trying if someone else took the port meanwhile.
    const reopen = Effect.eventually(
      listener.open.pipe(
        Effect.tapError((error) => Effect.zipRight(Effect.logWarning(`${error.message}; retrying`), Effect.sleep(50)))
      )
    )
    const recover = Effect.zipRight(Ref.update(state, (s) => ({ ...s, resetting: false })), reopen)
    const recoverAfter = (ms: number | undefined): Effect.Effect<void> =>
      ms === undefined ? Effect.void : FiberHandle.run(timer, Effect.zipRight(Effect.sleep(ms), recover)).pipe(Effect.asVoid)

    /** Stop listening (connections are refused, open ones dropped) for `ms`, or until `restore`. */
    const refuse = (ms?: number): Effect.Effect<void> =>
      FiberHandle.clear(timer).pipe(Effect.zipRight(listener.close), Effect.zipRight(recoverAfter(ms)))

    /** Accept connections then reset them (ECONNRESET) for `ms`, or until `restore`. */
    const reset = (ms?: number): Effect.Effect<void> =>
      FiberHandle.clear(timer).pipe(
        Effect.zipRight(Ref.update(state, (s) => ({ ...s, resetting: true }))),
        Effect.zipRight(recoverAfter(ms))
      )

    /** Clears every fault and listens again on the same port. */
    const restore: Effect.Effect<void, SimListenError> = FiberHandle.clear(timer).pipe(
      Effect.zipRight(Ref.set(state, healthy)),
      Effect.zipRight(listener.open)
    )

    const failNext = (n: number, status = 500, message = "simulated failure"): Effect.Effect<void> =>
      Ref.update(state, (s) => ({ ...s, failures: Math.max(0, Math.floor(n)), failure: { status, message } }))

    /**
     * The next `n` streamed native generations answer 200, send part of the answer, then an
     * `{"error": message}` line and end, as Ollama does when a runner fails mid-generation.
     */
    const failMidStreamNext = (n: number, message = "simulated failure"): Effect.Effect<void> =>
      Ref.update(state, (s) => ({ ...s, midStreamFailures: Math.max(0, Math.floor(n)), midStreamMessage: message }))

    /** Consumes one pending mid-stream failure: its message. */
    const takeMidStreamFailure: Effect.Effect<Option.Option<string>> = Ref.modify(state, (s) =>
      s.midStreamFailures > 0
        ? [Option.some(s.midStreamMessage), { ...s, midStreamFailures: s.midStreamFailures - 1 }]
        : [Option.none(), s])

    /** Consumes one injected failure, if any is pending. */
    const takeFailure: Effect.Effect<Option.Option<InjectedFailure>> = Ref.modify(state, (s) =>
      s.failures > 0
        ? [Option.some(s.failure), { ...s, failures: s.failures - 1 }]
        : [Option.none(), s])

    return {
      refuse,
      reset,
      restore,
      failNext,
      takeFailure,
      failMidStreamNext,
      takeMidStreamFailure,
      resetting: Effect.map(Ref.get(state), (s) => s.resetting)
    } as const
  })
}) {}

/** Fails with the next injected failure, if one is pending (chat and generate call this first; /v1 once decoded). */
export const failIfInjected: Effect.Effect<void, OllamaError, Faults> = Effect.flatMap(
  Faults,
  (faults) =>
    Effect.flatMap(faults.takeFailure, (failure) =>
      Option.match(failure, {
        onNone: () => Effect.void,
        onSome: ({ message, status }) => Effect.fail(new OllamaError({ status, message }))
      }))
)
