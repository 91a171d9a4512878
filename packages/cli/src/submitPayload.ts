import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import type { SubmitJob } from "@foreman/domain"
import { Effect, Either, Option, Schema } from "effect"
import { text } from "node:stream/consumers"
import { UnreadableInput, UsageError } from "./CliErrors.js"

export interface SubmitFlags {
  readonly model: string
  readonly prompt: Option.Option<string>
  /** A JSON file of chat messages; "-" reads them from stdin. */
  readonly messages: Option.Option<string>
  readonly system: Option.Option<string>
  readonly generate: boolean
  readonly webhook: Option.Option<string>
}

// Only role is required: Ollama reads a missing or null content as "", as in an assistant turn that
// holds only tool calls. Images, tool calls and the like travel as given.
const Message = Schema.Struct(
  { role: Schema.String, content: Schema.optional(Schema.NullOr(Schema.String)) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)
const MessagesFile = Schema.parseJson(Schema.Union(Schema.Array(Message), Schema.Struct({ messages: Schema.Array(Message) })))
const decodeMessages = Schema.decodeUnknownEither(MessagesFile)
const decodeMessage = Schema.decodeUnknownEither(Message)

const readStdin = Effect.tryPromise({
  try: () => text(process.stdin),
  catch: (cause) => new UnreadableInput({ source: "stdin", reason: cause instanceof Error ? cause.message : String(cause) })
})

/** Why a file cannot be read, in a few words: the platform's message names the path twice more. */
const readProblem = (error: PlatformError): string =>
  error._tag === "SystemError" && error.reason === "NotFound"
    ? "no such file"
    : error._tag === "SystemError" && error.reason === "PermissionDenied"
    ? "permission denied"
    : /EISDIR/.test(error.description ?? "")
    ? "it is a directory"
    : error.description ?? error.message

const readSource = (path: string) =>
  path === "-"
    ? readStdin
    : Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(path)).pipe(
      Effect.mapError((error) => new UnreadableInput({ source: path, reason: readProblem(error) }))
    )

/** What is wrong with a messages file, in one line (the schema's own report is a tree of types). */
const messagesProblem = (raw: string): string => {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch (error) {
    return `it is not JSON (${error instanceof Error ? error.message : String(error)})`
  }
  const list = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null && "messages" in parsed ? parsed.messages : undefined
  if (!Array.isArray(list)) return `expected an array of messages, or an object with a "messages" array`
  const index = list.findIndex((m) => !Either.isRight(decodeMessage(m)))
  return index === -1
    ? "its messages cannot be read"
    : `message ${index + 1} must be an object with a string "role" and a string or null "content"`
}

const readMessages = (path: string) =>
  Effect.flatMap(readSource(path), (raw) =>
    Either.match(decodeMessages(raw), {
      onLeft: () =>
        Effect.fail(
          new UsageError({
            message: `${path === "-" ? "stdin" : path} is not a JSON array of {"role","content"} messages: ${messagesProblem(raw)}`
          })
        ),
      onRight: (parsed) => Effect.succeed("messages" in parsed ? parsed.messages : parsed)
    }))

/** No --prompt and no --messages: the prompt is whatever is piped in, never an interactive read. */
const promptFromStdin = Effect.gen(function*() {
  if (process.stdin.isTTY === true) {
    return yield* new UsageError({ message: "give --prompt, --messages FILE, or pipe the prompt on stdin" })
  }
  const piped = (yield* readStdin).trim()
  if (piped === "") return yield* new UsageError({ message: "stdin was empty: give --prompt, --messages FILE, or pipe a prompt" })
  return piped
})

const checkWebhook = (url: string) =>
  URL.canParse(url) && ["http:", "https:"].includes(new URL(url).protocol)
    ? Effect.succeed(url)
    : Effect.fail(new UsageError({ message: `--webhook must be an absolute http(s) URL, got "${url}"` }))

/** Turns the flags into the POST /jobs body: a native chat (or generate) request, not streamed. */
export const submitPayload = Effect.fn("submitPayload")(function*(flags: SubmitFlags) {
  if (Option.isSome(flags.prompt) && Option.isSome(flags.messages)) {
    return yield* new UsageError({ message: "give either --prompt or --messages, not both" })
  }
  if (flags.generate && Option.isSome(flags.messages)) {
    return yield* new UsageError({ message: "--messages is for chat; a --generate job takes a --prompt" })
  }
  const webhook = Option.isSome(flags.webhook) ? { state_webhook_url: yield* checkWebhook(flags.webhook.value) } : {}
  const common = { model: flags.model, stream: false, ...webhook }
  if (flags.generate) {
    const prompt = Option.isSome(flags.prompt) ? flags.prompt.value : yield* promptFromStdin
    const system = Option.match(flags.system, { onNone: () => ({}), onSome: (system) => ({ system }) })
    const payload: SubmitJob = { ...common, endpoint: "generate", prompt, ...system }
    return payload
  }
  const conversation = Option.isSome(flags.messages)
    ? yield* readMessages(flags.messages.value)
    : [{ role: "user", content: Option.isSome(flags.prompt) ? flags.prompt.value : yield* promptFromStdin }]
  const system = Option.match(flags.system, { onNone: () => [], onSome: (content) => [{ role: "system", content }] })
  const payload: SubmitJob = { ...common, messages: [...system, ...conversation] }
  return payload
})
