import { Duration, Effect, Option, Schema, Stream, SubscriptionRef } from "effect"
import { ForemanConfig } from "../config/ForemanConfig.js"
import { OllamaClient } from "../ollama/OllamaClient.js"
import { isUntrustedCertificate } from "../transport/NodeHttpRequest.js"
import { normalizeModel } from "./ModelName.js"

const ModelList = Schema.Struct({
  models: Schema.Array(Schema.Struct({ name: Schema.String, model: Schema.optional(Schema.String) }))
})
const decodeModelList = Schema.decodeUnknownOption(Schema.parseJson(ModelList))

export interface InventoryState {
  /** The target's last /api/tags answer, byte for byte. */
  readonly tagsBody: string
  /** The target's last /api/ps answer, byte for byte. */
  readonly psBody: string
  readonly installed: ReadonlyArray<string>
  readonly resident: ReadonlyArray<string>
  readonly lastPoll: Option.Option<Date>
  readonly degraded: boolean
  readonly lastError: Option.Option<string>
  /** The HTTP status the target refused the last poll with; none when it answered, or did not answer at all. */
  readonly refusedWith: Option.Option<number>
}

const initial: InventoryState = {
  tagsBody: `{"models":[]}`,
  psBody: `{"models":[]}`,
  installed: [],
  resident: [],
  lastPoll: Option.none(),
  degraded: true,
  lastError: Option.some("the target has not been polled yet"),
  refusedWith: Option.none()
}

const names = (body: string): ReadonlyArray<string> =>
  Option.match(decodeModelList(body), {
    onNone: () => [],
    onSome: (list) => list.models.flatMap((m) => m.model !== undefined && m.model !== m.name ? [m.name, m.model] : [m.name])
  })

/** What to check when the target answers /api/tags or /api/ps with an error status. */
const refusalHint = (status: number) =>
  status === 401 || status === 403
    ? "is FOREMAN_OLLAMA_TOKEN, or the user:password in FOREMAN_OLLAMA_URL, right?"
    : status === 404 || status === 405
    ? "is FOREMAN_OLLAMA_URL's path right? It is the URL Ollama's /api/tags is under"
    : "is FOREMAN_OLLAMA_URL an Ollama server, and is it well?"

// While degraded, look again sooner than the poll interval so recovery shows within a second or two.
const recheckWhileDegraded = Duration.seconds(1)

/** The target's installed and resident models, kept by a poller; never fails, goes degraded instead. */
export class Inventory extends Effect.Service<Inventory>()("foreman/Inventory", {
  scoped: Effect.gen(function*() {
    const config = yield* ForemanConfig
    const target = config.ollamaUrlShown
    const ollama = yield* OllamaClient
    const state = yield* SubscriptionRef.make(initial)

    const poll = Effect.all([
      ollama.text({ method: "GET", path: "/api/tags", timeout: ollama.probeTimeout }),
      ollama.text({ method: "GET", path: "/api/ps", timeout: ollama.probeTimeout })
    ], { concurrency: 2 })

    const logFlip = (before: InventoryState, after: InventoryState) =>
      before.degraded === after.degraded || Option.isNone(before.lastPoll)
        ? Effect.void
        : after.degraded
        ? Effect.logWarning(
          `${Option.isSome(after.refusedWith) ? "target cannot be used" : "target unreachable"}; degraded, keeping the last-known model list`
        ).pipe(
          Effect.annotateLogs({ target, error: Option.getOrElse(after.lastError, () => "") })
        )
        : Effect.logInfo("target is back; no longer degraded").pipe(Effect.annotateLogs("target", target))

    // Polls finished so far: a request that missed the list reuses any poll that finished after it arrived.
    let pollsFinished = 0

    const pollAndRecord: Effect.Effect<InventoryState> = poll.pipe(
      Effect.match({
        onFailure: (error) => (s: InventoryState): InventoryState => ({
          ...s,
          degraded: true,
          lastError: Option.some(error.message),
          refusedWith: error._tag === "UpstreamHttpError" ? Option.some(error.status) : Option.none()
        }),
        onSuccess: ([tags, ps]) => (): InventoryState => ({
          tagsBody: tags.text,
          psBody: ps.text,
          installed: names(tags.text),
          resident: names(ps.text),
          lastPoll: Option.some(new Date()),
          degraded: false,
          lastError: Option.none(),
          refusedWith: Option.none()
        })
      }),
      Effect.flatMap((update) =>
        SubscriptionRef.modify(state, (before): [readonly [InventoryState, InventoryState], InventoryState] => {
          const after = update(before)
          return [[before, after], after]
        })
      ),
      Effect.tap(([before, after]) => logFlip(before, after)),
      Effect.map(([, after]) => after)
    )

    const refresh: Effect.Effect<InventoryState> = pollAndRecord.pipe(
      Effect.ensuring(Effect.sync(() => {
        pollsFinished++
      })),
      Effect.withSpan("Inventory.refresh")
    )

    // Requests that miss the list (a mistyped model, or foreman started while the target sleeps)
    // take turns, and one that finds a poll finished since it arrived uses that poll's answer: a
    // burst shares the poll in flight instead of asking the target once each (and, with a target
    // that does not answer, waiting out one probe timeout each).
    const missGate = yield* Effect.makeSemaphore(1)
    const refreshAfterMiss = Effect.suspend(() => {
      const finishedBefore = pollsFinished
      return missGate.withPermits(1)(Effect.suspend(() => pollsFinished > finishedBefore ? SubscriptionRef.get(state) : refresh))
    })

    // Normalised once per poll, not once per name on every request.
    const normalisedSets = new WeakMap<ReadonlyArray<string>, ReadonlySet<string>>()
    const listed = (names: ReadonlyArray<string>, model: string) => {
      let set = normalisedSets.get(names)
      if (set === undefined) {
        set = new Set(names.map(normalizeModel))
        normalisedSets.set(names, set)
      }
      return set.has(normalizeModel(model))
    }
    const isInstalled = (s: InventoryState, model: string) => listed(s.installed, model)

    /**
     * True when the target has the model; on a miss, polls once more before saying no. With no
     * successful poll yet (foreman started while the target sleeps) nothing is known, so say yes
     * and let the job wait for the target rather than reject it blind.
     */
    const ensureInstalled = Effect.fn("Inventory.ensureInstalled")(function*(model: string) {
      // No model has a blank name, whatever the target lists or whether it answers.
      if (model.trim() === "") return false
      if (isInstalled(yield* SubscriptionRef.get(state), model)) return true
      const after = yield* refreshAfterMiss
      return isInstalled(after, model) || Option.isNone(after.lastPoll)
    })

    /** Whether the last poll's /api/ps listed the model. */
    const isResident = (model: string) => Effect.map(SubscriptionRef.get(state), (s) => listed(s.resident, model))

    // A refresh made elsewhere (the worker's, after a failed dispatch) may find the target gone in
    // the middle of a long poll interval: the 1 s rechecks start then, not when the interval ends
    // (it was up to 30 s, and recovery waited on the worker's own backoff, 4–8 s apart by then).
    const untilDegraded = state.changes.pipe(Stream.filter((s) => s.degraded), Stream.runHead)
    const loop = Effect.gen(function*() {
      const s = yield* refresh
      yield* s.degraded
        ? Effect.sleep(Duration.min(recheckWhileDegraded, config.pollInterval))
        : Effect.raceFirst(Effect.sleep(config.pollInterval), Effect.asVoid(untilDegraded))
    }).pipe(Effect.forever)

    const first = yield* refresh
    if (first.degraded) {
      const error = Option.getOrElse(first.lastError, () => "")
      yield* Effect.logWarning(
        Option.match(first.refusedWith, {
          onSome: (status) =>
            `the target at ${target} answers but cannot be used: HTTP ${status} (${refusalHint(status)}); ` +
            `foreman runs degraded and keeps every job until it can use it.`,
          onNone: () =>
            isUntrustedCertificate(error)
              ? `Ollama at ${target} answered with a certificate Node does not trust; foreman runs degraded and keeps every job until it can use it. ` +
                `Start foreman with NODE_EXTRA_CA_CERTS=/path/to/ca.pem naming the CA that signed it.`
              : `no Ollama answered at ${target}; foreman runs degraded and keeps every job until it does. ` +
                `Point FOREMAN_OLLAMA_URL at your Ollama server, or start a simulated one with \`foreman sim\` (\`npx -y pnpm@10 foreman sim\` in a checkout).`
        })
      ).pipe(Effect.annotateLogs("error", error))
    }
    yield* Effect.forkScoped(loop)

    return {
      get: SubscriptionRef.get(state),
      changes: state.changes,
      refresh,
      ensureInstalled,
      isInstalled,
      isResident,
      /** A refresh that callers arriving together share: one poll, not one each. */
      refreshShared: Effect.asVoid(refreshAfterMiss)
    } as const
  })
}) {}
