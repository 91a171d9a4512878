import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import type { AbortableAsyncIterator, ChatResponse, GenerateResponse, Ollama } from "ollama"
import { startForeman } from "../support/foreman.js"
import { both, collect, eventually, ollamaClients, stable, type Thrown, thrown, user } from "./compat.js"

// The npm `ollama` client (ollama-js) against foreman and against the sim behind it.

const defaultNames = ["llama3.2:1b", "qwen3:8b", "gemma3:4b", "nomic-embed-text:latest"]
const embedModel = "nomic-embed-text:latest"

/** A call's rejection (or "resolved"), as a promise for `both`. */
const thrownBy = (run: () => Promise<unknown>): Promise<Thrown> => Effect.runPromise(thrown(run))

/** What a caller branches on: the error's class and HTTP status, not its wording. */
const errorClass = (error: Thrown) => ({ name: error.name, status: error.status })

describe("ollama-js: model information", () => {
  it.live("version, list, show and ps answer what the target answers", () =>
    Effect.gen(function*() {
      // A poll interval of an hour: what foreman knows, it learned from its first poll or a refresh.
      const foreman = yield* startForeman({ env: { FOREMAN_POLL_INTERVAL: "1h" } })
      const { viaForeman } = ollamaClients(foreman)

      const version = yield* both(foreman, (client) => client.version())
      expect(version.fromForeman).toEqual(version.fromSim)
      expect(version.fromForeman).toEqual({ version: "0.12.6" })

      const list = yield* both(foreman, (client) => client.list())
      expect(list.fromForeman).toEqual(list.fromSim)
      expect(list.fromForeman.models.map((model) => model.name)).toEqual(defaultNames)
      expect(list.fromForeman.models[0]).toMatchObject({
        name: "llama3.2:1b",
        model: "llama3.2:1b",
        size: 1321098329,
        details: { family: "llama", parameter_size: "1.2B", quantization_level: "Q8_0" }
      })

      for (const model of ["llama3.2:1b", embedModel]) {
        const show = yield* both(foreman, (client) => client.show({ model }))
        expect(show.fromForeman).toEqual(show.fromSim)
        expect(show.fromForeman.modelfile).toContain(`# FROM ${model}`)
      }
      const shown = yield* both(foreman, (client) => client.show({ model: "qwen3:8b" }))
      expect(shown.fromForeman.capabilities).toEqual(["completion", "tools", "thinking"])

      const idle = yield* both(foreman, (client) => client.ps())
      expect(idle.fromForeman).toEqual(idle.fromSim)
      expect(idle.fromForeman.models).toEqual([])

      // A generation through foreman loads the model; foreman's /api/ps shows it without waiting for a poll.
      yield* Effect.promise(() => viaForeman.chat({ model: "qwen3:8b", messages: user("load it"), stream: false }))
      const ps = yield* both(foreman, (client) => client.ps())
      expect(ps.fromForeman.models.map(stable)).toEqual(ps.fromSim.models.map(stable))
      expect(ps.fromForeman.models.map((model) => model.name)).toEqual(["qwen3:8b"])
      expect(ps.fromForeman.models[0]?.expires_at).toEqual(expect.any(String))
    }).pipe(Effect.scoped))
})

describe("passthrough headers", () => {
  // What a client sees of a body it does not get (HEAD) or that is empty must be the target's own.
  it.live("HEAD and empty answers carry the target's type and length, none made up", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const headersOf = (base: string, path: string, init: RequestInit) =>
        Effect.promise(async () => {
          const response = await fetch(`${base}${path}`, init)
          await response.arrayBuffer()
          return { status: response.status, type: response.headers.get("content-type"), length: response.headers.get("content-length") }
        })
      const calls: ReadonlyArray<readonly [string, RequestInit]> = [
        ["/api/version", { method: "HEAD" }],
        ["/api/copy", { method: "POST", body: JSON.stringify({ source: "llama3.2:1b", destination: "copied:1b" }) }]
      ]
      for (const [path, init] of calls) {
        const viaForeman = yield* headersOf(foreman.url, path, init)
        const direct = yield* headersOf(foreman.sim.url, path, init)
        expect(viaForeman, path).toEqual(direct)
      }
      expect(yield* headersOf(foreman.url, "/api/version", { method: "HEAD" })).toEqual({ status: 200, type: "application/json; charset=utf-8", length: "20" })
    }).pipe(Effect.scoped))
})

describe("ollama-js: generations through the queue", () => {
  it.live("chat, streamed and not, is the target's answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const request = {
        model: "llama3.2:1b",
        messages: [{ role: "system", content: "be brief" }, ...user("what is foreman?")]
      }
      const expected = "llama3.2:1b answers: what is foreman?"

      const whole = yield* both(foreman, (client) => client.chat({ ...request, stream: false }))
      expect(stable(whole.fromForeman)).toEqual(stable(whole.fromSim))
      expect(whole.fromForeman).toMatchObject({
        model: "llama3.2:1b",
        message: { role: "assistant", content: expected },
        done: true,
        done_reason: "stop",
        prompt_eval_count: 5,
        eval_count: 5
      })
      // The fields left out of the comparison are there; they only carry times.
      expect(whole.fromForeman.total_duration).toBeGreaterThan(0)
      expect(whole.fromForeman.created_at).toEqual(expect.any(String))

      const streamed = yield* both(foreman, async (client) => collect(await client.chat({ ...request, stream: true })))
      expect(streamed.fromForeman.map(stable)).toEqual(streamed.fromSim.map(stable))
      expect(streamed.fromForeman.map((part) => part.message.content)).toEqual([
        "llama3.2:1b",
        " answers:",
        " what",
        " is",
        " foreman?",
        ""
      ])
      expect(streamed.fromForeman.at(-1)).toMatchObject({ done: true, done_reason: "stop", eval_count: 5 })
    }).pipe(Effect.scoped))

  it.live("generate, streamed and not, is the target's answer", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const request = { model: "gemma3:4b", prompt: "why is the sky blue?", system: "answer like a poet" }
      const expected = "gemma3:4b answers: why is the sky blue?"

      const whole = yield* both(foreman, (client) => client.generate({ ...request, stream: false }))
      expect(stable(whole.fromForeman)).toEqual(stable(whole.fromSim))
      expect(whole.fromForeman).toMatchObject({ model: "gemma3:4b", response: expected, done: true, done_reason: "stop" })
      expect(whole.fromForeman.context.length).toBe(whole.fromForeman.prompt_eval_count + whole.fromForeman.eval_count)
      expect(whole.fromForeman.total_duration).toBeGreaterThan(0)

      const streamed = yield* both(foreman, async (client) => collect(await client.generate({ ...request, stream: true })))
      expect(streamed.fromForeman.map(stable)).toEqual(streamed.fromSim.map(stable))
      expect(streamed.fromForeman.map((part) => part.response ?? "").join("")).toBe(expected)
      expect(streamed.fromForeman.length).toBeGreaterThan(2)
      expect(streamed.fromForeman.at(-1)).toMatchObject({ done: true, done_reason: "stop", response: "" })

      const stats = yield* foreman.sim.stats
      expect(stats.maxConcurrentGenerations).toBe(1)
    }).pipe(Effect.scoped))
})

describe("ollama-js: embeddings", () => {
  it.live("embed and the older embeddings give the target's vectors", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()

      const batch = yield* both(foreman, (client) => client.embed({ model: embedModel, input: ["alpha", "beta gamma"] }))
      expect(stable(batch.fromForeman)).toEqual(stable(batch.fromSim))
      expect(batch.fromForeman.model).toBe(embedModel)
      expect(batch.fromForeman.embeddings.map((vector) => vector.length)).toEqual([8, 8])
      expect(batch.fromForeman.embeddings[0]).not.toEqual(batch.fromForeman.embeddings[1])

      const truncated = yield* both(foreman, (client) => client.embed({ model: embedModel, input: "alpha", dimensions: 4 }))
      expect(stable(truncated.fromForeman)).toEqual(stable(truncated.fromSim))
      expect(truncated.fromForeman.embeddings.map((vector) => vector.length)).toEqual([4])

      const legacy = yield* both(foreman, (client) => client.embeddings({ model: embedModel, prompt: "alpha" }))
      expect(legacy.fromForeman).toEqual(legacy.fromSim)
      expect(legacy.fromForeman.embedding).toEqual(batch.fromForeman.embeddings[0])

      // Embeddings skip the queue: no generation ran for them.
      expect((yield* foreman.sim.stats).generations).toBe(0)
    }).pipe(Effect.scoped))
})

describe("ollama-js: pull and delete", () => {
  it.live("pull and delete pass through, and foreman's list follows at once", () =>
    Effect.gen(function*() {
      // A poll interval of an hour: only the refresh foreman does after pull/delete can update its list.
      const foreman = yield* startForeman({ env: { FOREMAN_POLL_INTERVAL: "1h" } })
      const { direct, viaForeman } = ollamaClients(foreman)
      const lists = Effect.promise(() => Promise.all([viaForeman.list(), direct.list()]))
      const names = (list: { readonly models: ReadonlyArray<{ readonly name: string }> }) => list.models.map((m) => m.name)

      // Streamed pull through foreman, then the same pull straight at the sim: the same progress.
      const pulledF = yield* Effect.promise(async () => collect(await viaForeman.pull({ model: "mistral:7b", stream: true })))
      const [afterPullF, afterPullD] = yield* lists
      expect(names(afterPullF)).toContain("mistral:7b")
      expect(afterPullF).toEqual(afterPullD)
      const pulledD = yield* Effect.promise(async () => collect(await direct.pull({ model: "mistral:7b", stream: true })))
      expect(pulledF).toEqual(pulledD)
      expect(pulledF[0]).toEqual({ status: "pulling manifest" })
      expect(pulledF.at(-1)).toEqual({ status: "success" })
      expect(pulledF.map((p) => p.status)).toContain("verifying sha256 digest")
      expect(pulledF.filter((p) => p.completed !== undefined && p.completed === p.total).length).toBe(2)

      // Pull without streaming: one answer.
      const quiet = yield* both(foreman, (client) => client.pull({ model: "phi4:14b", stream: false }))
      expect(quiet.fromForeman).toEqual(quiet.fromSim)
      expect(quiet.fromForeman).toEqual({ status: "success" })
      const [afterQuietF] = yield* lists
      expect(names(afterQuietF)).toContain("phi4:14b")

      // Delete through foreman: gone from foreman's list straight away.
      const deletedF = yield* Effect.promise(() => viaForeman.delete({ model: "gemma3:4b" }))
      const [afterDeleteF, afterDeleteD] = yield* lists
      expect(names(afterDeleteF)).not.toContain("gemma3:4b")
      expect(afterDeleteF).toEqual(afterDeleteD)
      const deletedD = yield* Effect.promise(() => direct.delete({ model: "qwen3:8b" }))
      expect(deletedF).toEqual(deletedD)
      expect(deletedF).toEqual({ status: "success" })

      // Deleting what is not there is the target's 404, whoever is asked.
      const again = yield* both(foreman, (client) => thrownBy(() => client.delete({ model: "gemma3:4b" })))
      expect(errorClass(again.fromForeman)).toEqual(errorClass(again.fromSim))
      expect(errorClass(again.fromForeman)).toEqual({ name: "ResponseError", status: 404 })

      // And foreman no longer accepts generations for the deleted model.
      const chat = yield* thrown(() => viaForeman.chat({ model: "gemma3:4b", messages: user("hi"), stream: false }))
      expect(errorClass(chat)).toEqual({ name: "ResponseError", status: 404 })
    }).pipe(Effect.scoped))
})

describe("ollama-js: errors and aborts", () => {
  it.live("an unknown model is a ResponseError with status 404, through foreman as from the target", () =>
    Effect.gen(function*() {
      const foreman = yield* startForeman()
      const model = "ghost:1b"
      const calls: ReadonlyArray<readonly [string, (client: Ollama) => Promise<unknown>]> = [
        ["chat", (client) => client.chat({ model, messages: user("hi"), stream: false })],
        ["chat, streamed", async (client) => collect(await client.chat({ model, messages: user("hi"), stream: true }))],
        ["generate", (client) => client.generate({ model, prompt: "hi", stream: false })],
        ["generate, streamed", async (client) => collect(await client.generate({ model, prompt: "hi", stream: true }))],
        ["show", (client) => client.show({ model })],
        ["embed", (client) => client.embed({ model, input: "hi" })],
        ["embeddings", (client) => client.embeddings({ model, prompt: "hi" })]
      ]
      for (const [what, call] of calls) {
        const { fromForeman, fromSim } = yield* both(foreman, (client) => thrownBy(() => call(client)))
        expect({ what, ...errorClass(fromForeman) }).toEqual({ what, ...errorClass(fromSim) })
        expect({ what, ...errorClass(fromForeman) }).toEqual({ what, name: "ResponseError", status: 404 })
      }

      // foreman's own wording for generations (by design; the target words it differently).
      const chat = yield* thrown(() => ollamaClients(foreman).viaForeman.chat({ model, messages: user("hi"), stream: false }))
      expect(chat.message).toBe(`model 'ghost:1b' not found`)

      // foreman rejected its own generations before the target saw them: only the direct calls got there.
      const stats = yield* foreman.sim.stats
      expect(stats.calls["POST /api/chat"]).toBe(2)
      expect(stats.calls["POST /api/generate"]).toBe(2)
      expect(stats.generations).toBe(0)
    }).pipe(Effect.scoped))

  it.live("abort mid-stream: an AbortError for the client, the target's generation cut, the next chat served at once", () =>
    Effect.gen(function*() {
      const tokens = 200
      const tokenDelayMs = 20
      const foreman = yield* startForeman({ sim: { tokens, tokenDelayMs } })
      const { direct, viaForeman } = ollamaClients(foreman)
      const request = { model: "llama3.2:1b", messages: user("tell me a long story") }
      const abortedCount = (n: number) =>
        eventually(foreman.sim.stats, (stats) => stats.aborted >= n && stats.activeGenerations === 0).pipe(
          Effect.map((stats) => ({ aborted: stats.aborted, active: stats.activeGenerations }))
        )

      /** Reads `before` chunks of a chat, then aborts with `client.abort()` and reads on. */
      const chatThenAbort = (client: Ollama, before: number) =>
        Effect.gen(function*() {
          const seen: Array<string> = []
          const error = yield* thrown(async () => {
            for await (const part of await client.chat({ ...request, stream: true })) {
              seen.push(part.message.content)
              if (seen.length === before) client.abort()
            }
          })
          return { seen, error }
        })

      const fromSim = yield* chatThenAbort(direct, 3)
      expect(fromSim.error.name).toBe("AbortError")
      expect(yield* abortedCount(1)).toEqual({ aborted: 1, active: 0 })

      const fromForeman = yield* chatThenAbort(viaForeman, 3)
      expect(fromForeman.error.name).toBe(fromSim.error.name)
      expect(fromForeman.seen.slice(0, 3)).toEqual(fromSim.seen.slice(0, 3))
      expect(fromForeman.seen.length).toBeLessThan(tokens)
      // foreman cancels the job and cuts its request to the target.
      expect(yield* abortedCount(2)).toEqual({ aborted: 2, active: 0 })

      // The same through the stream's own handle (AbortableAsyncIterator.abort), on generate.
      let generated = 0
      const generateError = yield* thrown(async () => {
        const stream: AbortableAsyncIterator<GenerateResponse> = await viaForeman.generate({
          model: "llama3.2:1b",
          prompt: "and another one",
          stream: true
        })
        for await (const _part of stream) {
          generated += 1
          if (generated === 2) stream.abort()
        }
      })
      expect(generateError.name).toBe("AbortError")
      expect(generated).toBeLessThan(tokens)
      expect(yield* abortedCount(3)).toEqual({ aborted: 3, active: 0 })

      // Nothing left running in foreman's single worker: the next chat starts at once and runs to the end.
      const started = Date.now()
      let firstChunkAfterMs: number | undefined
      const parts: Array<ChatResponse> = []
      yield* Effect.promise(async () => {
        for await (const part of await viaForeman.chat({ ...request, messages: user("still there?"), stream: true })) {
          firstChunkAfterMs ??= Date.now() - started
          parts.push(part)
        }
      })
      expect(firstChunkAfterMs).toBeLessThan(1_500)
      expect(parts.length).toBe(tokens + 1)
      expect(parts.at(-1)).toMatchObject({ done: true, done_reason: "stop" })
      const stats = yield* foreman.sim.stats
      expect(stats.maxConcurrentGenerations).toBe(1)
      expect(stats.aborted).toBe(3)
    }).pipe(Effect.scoped))
})
