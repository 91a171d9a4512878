import type { JobApi, JobEndpoint } from "@foreman/domain"

/**
 * The Go types Ollama decodes a generation's body into (api.ChatRequest, api.GenerateRequest,
 * openai.ChatCompletionRequest, openai.CompletionRequest), as far as encoding/json refuses a body
 * for them. Ollama answers such a body 400 before it schedules anything; foreman checks it before
 * queueing, so a malformed request neither waits its turn nor makes the worker load its model.
 * Only fields Go would refuse are described; `format`, `options` values and the like take anything.
 */
export type GoType =
  | { readonly kind: "string" | "bool" | "number" | "any" }
  | { readonly kind: "int" }
  /** []byte, e.g. api.ImageData: a base64 string. */
  | { readonly kind: "bytes" }
  | { readonly kind: "slice"; readonly name: string; readonly of: GoType }
  | { readonly kind: "map"; readonly name: string }
  | { readonly kind: "struct"; readonly name: string; readonly fields: Readonly<Record<string, GoType>> }
  /** A type with its own UnmarshalJSON: its own check and message. */
  | { readonly kind: "custom"; readonly check: (value: unknown) => string | undefined }

const text: GoType = { kind: "string" }
const bool: GoType = { kind: "bool" }
const int: GoType = { kind: "int" }
const float: GoType = { kind: "number" }
const anything: GoType = { kind: "any" }
const bytes: GoType = { kind: "bytes" }
const objectMap: GoType = { kind: "map", name: "map[string]interface {}" }
type GoStruct = Extract<GoType, { readonly kind: "struct" }>
const slice = (name: string, of: GoType): GoType => ({ kind: "slice", name, of })
const struct = (name: string, fields: Record<string, GoType>): GoStruct => ({ kind: "struct", name, fields })

const thinkValues = ["high", "medium", "low", "max"]

/** api.ThinkValue's own UnmarshalJSON, with its messages. */
const think: GoType = {
  kind: "custom",
  check: (value) =>
    typeof value === "boolean"
      ? undefined
      : typeof value === "string"
      ? thinkValues.includes(value)
        ? undefined
        : `invalid think value: ${JSON.stringify(value)} (must be "high", "medium", "low", "max", true, or false)`
      : `think must be a boolean or string ("high", "medium", "low", "max", true, or false)`
}

const tool = struct("api.Tool", {
  type: text,
  items: anything,
  function: struct("api.ToolFunction", { name: text, description: text, parameters: anything })
})
const tools = slice("api.Tools", tool)

const nativeMessage = struct("api.Message", {
  role: text,
  content: text,
  thinking: text,
  images: slice("[]api.ImageData", bytes),
  tool_calls: slice("[]api.ToolCall", struct("api.ToolCall", {
    id: text,
    function: struct("api.ToolCallFunction", { index: int, name: text, arguments: objectMap })
  })),
  tool_name: text,
  tool_call_id: text
})

const nativeCommon = {
  model: text,
  stream: bool,
  format: anything,
  keep_alive: anything, // api.Duration: checked by KeepAlive.ts with Ollama's own messages
  options: objectMap,
  think,
  truncate: bool,
  shift: bool,
  _debug_render_only: bool,
  logprobs: bool,
  top_logprobs: int
}

const chatRequest = struct("ChatRequest", { ...nativeCommon, messages: slice("[]api.Message", nativeMessage), tools })

const generateRequest = struct("GenerateRequest", {
  ...nativeCommon,
  prompt: text,
  suffix: text,
  system: text,
  template: text,
  context: slice("[]int", int),
  raw: bool,
  images: slice("[]api.ImageData", bytes)
})

const streamOptions = struct("openai.StreamOptions", { include_usage: bool })

const chatCompletionRequest = struct("ChatCompletionRequest", {
  model: text,
  messages: slice("[]openai.Message", struct("openai.Message", {
    role: text,
    content: anything,
    reasoning: text,
    tool_calls: slice("[]openai.ToolCall", struct("openai.ToolCall", {
      id: text,
      index: int,
      type: text,
      function: struct("struct { Name string \"json:\\\"name\\\"\"; Arguments string \"json:\\\"arguments\\\"\" }", {
        name: text,
        arguments: text
      })
    })),
    name: text,
    tool_call_id: text
  })),
  stream: bool,
  stream_options: streamOptions,
  max_tokens: int,
  seed: int,
  stop: anything,
  temperature: float,
  frequency_penalty: float,
  presence_penalty: float,
  top_p: float,
  response_format: struct("openai.ResponseFormat", { type: text, json_schema: struct("openai.JsonSchema", { schema: anything }) }),
  tools,
  reasoning: struct("openai.Reasoning", { effort: text }),
  reasoning_effort: text,
  logprobs: bool,
  top_logprobs: int,
  _debug_render_only: bool
})

const completionRequest = struct("CompletionRequest", {
  model: text,
  prompt: text,
  frequency_penalty: float,
  max_tokens: int,
  presence_penalty: float,
  seed: int,
  stop: anything,
  stream: bool,
  stream_options: streamOptions,
  temperature: float,
  top_p: float,
  suffix: text,
  logprobs: int,
  _debug_render_only: bool
})

/** The request type Ollama decodes a body of this family and endpoint into. */
export const requestType = (api: JobApi, endpoint: JobEndpoint): GoStruct =>
  api === "native"
    ? endpoint === "chat" ? chatRequest : generateRequest
    : endpoint === "chat"
    ? chatCompletionRequest
    : completionRequest

/** How encoding/json names a JSON value's kind in its errors. */
const jsonKind = (value: unknown): string =>
  Array.isArray(value) ? "array" : value === null ? "null" : typeof value === "object" ? "object" : typeof value === "boolean" ? "bool" : typeof value

const typeName = (type: GoType): string => {
  switch (type.kind) {
    case "number":
      return "float64"
    case "bytes":
      return "[]uint8"
    case "slice":
    case "map":
    case "struct":
      return type.name
    case "custom":
    case "any":
      return "interface {}"
    default:
      return type.kind
  }
}

const base64Alphabet = /[A-Za-z0-9+/]/
// An image is megabytes: one regular expression says whether it decodes; only a failure is walked.
const wellFormedBase64 = /^(?:[A-Za-z0-9+/\r\n]*)(?:=[\r\n]*){0,2}$/

/**
 * Where base64.StdEncoding.Decode gives up on `text`, or undefined when it decodes: the first
 * byte outside the alphabet, or for a bad length or padding the byte where the last quantum
 * starts. Go skips `\r` and `\n`.
 */
export const base64Problem = (text: string): number | undefined => {
  if (wellFormedBase64.test(text) && (text.length - (text.match(/[\r\n]/g)?.length ?? 0)) % 4 === 0) return undefined
  let count = 0
  let padding = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? ""
    if (char === "\r" || char === "\n") continue
    if (char === "=") padding++
    else if (padding > 0 || !base64Alphabet.test(char)) return i
    count++
  }
  if (count % 4 !== 0 || padding > 2) return Math.max(0, text.length - (count % 4 === 0 ? 4 : count % 4))
  return undefined
}

/**
 * Why Go's decoder refuses `value` for `type`, in encoding/json's words, or undefined. `null` is
 * always fine (it leaves the field as it was). Keys match fields in any case, as in Go.
 */
export const goDecodeProblem = (type: GoType, value: unknown, where: string, path: string): string | undefined => {
  if (value === null) return undefined
  const refuse = (shown = jsonKind(value)) =>
    `json: cannot unmarshal ${shown} into Go struct field ${where}.${path} of type ${typeName(type)}`
  switch (type.kind) {
    case "any":
      return undefined
    case "string":
      return typeof value === "string" ? undefined : refuse()
    case "bool":
      return typeof value === "boolean" ? undefined : refuse()
    case "number":
      return typeof value === "number" ? undefined : refuse()
    case "int":
      return typeof value !== "number" ? refuse() : Number.isSafeInteger(value) ? undefined : refuse(`number ${value}`)
    case "bytes": {
      if (typeof value !== "string") return Array.isArray(value) ? undefined : refuse()
      const at = base64Problem(value)
      return at === undefined ? undefined : `illegal base64 data at input byte ${at}`
    }
    case "custom":
      return type.check(value)
    case "map":
      return typeof value === "object" && !Array.isArray(value) ? undefined : refuse()
    case "slice": {
      if (!Array.isArray(value)) return refuse()
      for (const element of value) {
        const problem = goDecodeProblem(type.of, element, where, path)
        if (problem !== undefined) return problem
      }
      return undefined
    }
    case "struct": {
      if (typeof value !== "object" || Array.isArray(value)) return refuse()
      for (const [key, field] of Object.entries(value)) {
        const name = key in type.fields ? key : Object.keys(type.fields).find((candidate) => candidate === key.toLowerCase())
        const fieldType = name === undefined ? undefined : type.fields[name]
        if (name === undefined || fieldType === undefined) continue
        const problem = goDecodeProblem(fieldType, field, where, path === "" ? name : `${path}.${name}`)
        if (problem !== undefined) return problem
      }
      return undefined
    }
  }
}

/** Why Ollama's decoder refuses this generation's body, or undefined. */
export const requestTypeProblem = (
  body: Readonly<Record<string, unknown>>,
  api: JobApi,
  endpoint: JobEndpoint
): string | undefined => {
  const type = requestType(api, endpoint)
  return goDecodeProblem(type, body, type.name, "")
}
