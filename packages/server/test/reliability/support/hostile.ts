import fc from "fast-check"
import type { RawResponse } from "./rawHttp.js"

/**
 * Arbitraries of hostile requests, and the judge of what foreman answers them. Every request here
 * is one a correct foreman must refuse: nothing valid is generated (no known model with a valid
 * body, no existing job id, no artifact that exists), so any 2xx, any 5xx, a hang, a dropped
 * connection or a row in the database is a finding.
 */

export const installedModel = "llama3.2:1b"
/** FOREMAN_MAX_BODY of the daemon under attack. */
export const bodyLimit = 256 * 1024

export interface HostileBody {
  readonly body: string | Buffer
  /** Send with Transfer-Encoding: chunked in pieces of this size (no Content-Length). */
  readonly chunkSize?: number
  readonly why: string
}

export interface HostileRequest extends HostileBody {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** How fast-check prints it in a counterexample (a 1 MiB body would drown the report). */
  readonly [fc.toStringMethod]?: () => string
}

/** The request, printed by fast-check as method, path, headers and why — never the whole body. */
export const summarized = (request: HostileRequest): HostileRequest => ({
  ...request,
  [fc.toStringMethod]: () => {
    const size = typeof request.body === "string" ? Buffer.byteLength(request.body) : request.body.byteLength
    const head = request.body.toString().slice(0, 120)
    return `${request.method} ${request.path.slice(0, 200)} headers=${JSON.stringify(request.headers)} body(${size} B${request.chunkSize === undefined ? "" : ", chunked"})=${JSON.stringify(head)} — ${request.why}`
  }
})

const parsesAsObject = (text: string) => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value)
  } catch {
    return false
  }
}

const withWhy = (why: string) => (body: string | Buffer): HostileBody => ({ body, why })

/** Bytes that are not a JSON object at all. */
const malformedJson: fc.Arbitrary<HostileBody> = fc.oneof(
  fc.string({ maxLength: 200 }).filter((s) => !parsesAsObject(s)).map(withWhy("malformed JSON")),
  fc.string({ unit: "binary", maxLength: 200 }).filter((s) => !parsesAsObject(s)).map(withWhy("malformed JSON (unicode)")),
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "{\"model\":",
    "{'model':'llama3.2:1b'}",
    "{\"model\":\"llama3.2:1b\",}",
    "{\"model\":\"llama3.2:1b\"",
    "{model:\"llama3.2:1b\"}",
    "NaN",
    "undefined",
    "{\"model\":\"llama3.2:1b\"}{\"model\":\"llama3.2:1b\"}",
    "\u0000{\"model\":\"llama3.2:1b\"}"
  ).map(withWhy("malformed JSON (classic)")),
  // Not UTF-8 at all: a 0xFF byte can never start JSON.
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.concat([Buffer.from([0xff]), Buffer.from(bytes)])).map(withWhy("invalid UTF-8")),
  // Valid JSON, in UTF-16: every other byte a NUL.
  fc.constant(Buffer.from(`{"model":"${installedModel}","stream":false}`, "utf16le")).map(withWhy("UTF-16 JSON"))
)

/** Valid JSON that is not an object. */
const nonObjectJson: fc.Arbitrary<HostileBody> = fc.jsonValue({ maxDepth: 3 })
  .filter((value) => typeof value !== "object" || value === null || Array.isArray(value))
  .map((value) => JSON.stringify(value))
  .map(withWhy("JSON that is not an object"))

/** Anything but a non-empty string. */
const notAString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(""),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
)

/** Anything but a boolean or null (null means "default" to Ollama and to foreman). */
const notABoolean: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 10 }),
  fc.constantFrom("true", "false", 0, 1),
  fc.array(fc.boolean(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.boolean(), { maxKeys: 2 })
)

// Keys whose string values some route would honour: never let a random extra key make a request valid.
const meaningful = new Set([
  "model", "name", "stream", "source", "destination", "from", "files", "adapters", "template", "system",
  "parameters", "quantize", "insecure", "input", "prompt", "messages", "endpoint", "state_webhook_url",
  "keep_alive", "__proto__", "constructor", "prototype"
])

const extraFields = fc.dictionary(
  fc.string({ maxLength: 12 }).filter((key) => !meaningful.has(key)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 }
)

const json = (value: unknown) => JSON.stringify(value)

/** A JSON object whose `model` (the one field every route reads) has the wrong type. */
const wrongModelType: fc.Arbitrary<HostileBody> = fc.tuple(extraFields, notAString).map(([extra, model]) => ({
  body: json({ ...extra, model, messages: [{ role: "user", content: "hi" }], prompt: "hi" }),
  why: `model is ${json(model)}`
}))

const missingModel: fc.Arbitrary<HostileBody> = extraFields.map((extra) => ({
  body: json({ ...extra, messages: [{ role: "user", content: "hi" }] }),
  why: "no model"
}))

/** The installed model, but `stream` is not a boolean. */
const wrongStreamType: fc.Arbitrary<HostileBody> = notABoolean.map((stream) => ({
  body: json({ model: installedModel, stream, messages: [{ role: "user", content: "hi" }], prompt: "hi" }),
  why: `stream is ${json(stream)}`
}))

const unknownModel: fc.Arbitrary<HostileBody> = fc.stringMatching(/^[a-z0-9]{1,12}$/).map((name) => ({
  body: json({ model: `ghost-${name}:1b`, stream: false, messages: [{ role: "user", content: "hi" }], prompt: "hi" }),
  why: "a model the target does not have"
}))

/** Prototype keys and duplicate keys: what naive parsers get wrong. */
const trickyObjects: fc.Arbitrary<HostileBody> = fc.constantFrom(
  `{"__proto__":{"model":"${installedModel}"}}`,
  `{"constructor":{"prototype":{"model":"${installedModel}"}}}`,
  `{"model":"${installedModel}","model":5}`,
  `{"model":"${installedModel}","model":null}`,
  `{"model":"${installedModel}","stream":"true"}`,
  // Keys match in any case, as Go's decoder reads them (`{"Model":"…"}` is a valid request): this is a model of 5.
  `{"Model":5}`,
  `{"model":"${installedModel}","MODEL":null}`,
  `{"model ":"${installedModel}"}`,
  `{"model":["${installedModel}"]}`,
  `{"model":{"toString":"${installedModel}"}}`
).map(withWhy("prototype or duplicate keys"))

/** Nesting deep enough to blow a recursive parser's stack, in a place that makes the body invalid. */
const deeplyNested: fc.Arbitrary<HostileBody> = fc.tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.nat(3)).map(([depth, where]) => {
  const arrays = "[".repeat(depth) + "]".repeat(depth)
  const objects = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)
  const body = where === 0
    ? `{"model":${arrays}}`
    : where === 1
    ? arrays
    : where === 2
    ? `{"model":"${installedModel}","stream":${objects}}`
    : `{"model":"${installedModel}","messages":${"[".repeat(depth)}`
  return { body, why: `nested ${depth} deep (${["model", "top level", "stream", "unterminated"][where]})` }
})

/** A perfectly valid chat over FOREMAN_MAX_BODY: only its size is wrong. */
const tooLarge: fc.Arbitrary<HostileBody> = fc.tuple(
  fc.integer({ min: bodyLimit + 1, max: bodyLimit * 4 }),
  fc.option(fc.integer({ min: 1_024, max: 64 * 1_024 }), { nil: undefined })
).map(([size, chunkSize]) => {
  const head = `{"model":"${installedModel}","stream":false,"messages":[{"role":"user","content":"`
  const tail = `"}]}`
  const body = head + "x".repeat(Math.max(0, size - head.length - tail.length)) + tail
  return chunkSize === undefined
    ? { body, why: `${body.length} bytes, declared` }
    : { body, chunkSize, why: `${body.length} bytes, chunked` }
})

/** Bodies every generation route (native, /v1, POST /jobs) must refuse. */
export const hostileGenerationBody: fc.Arbitrary<HostileBody> = fc.oneof(
  { arbitrary: malformedJson, weight: 4 },
  { arbitrary: nonObjectJson, weight: 2 },
  { arbitrary: wrongModelType, weight: 3 },
  { arbitrary: missingModel, weight: 1 },
  { arbitrary: wrongStreamType, weight: 2 },
  { arbitrary: unknownModel, weight: 1 },
  { arbitrary: trickyObjects, weight: 1 },
  { arbitrary: deeplyNested, weight: 1 },
  { arbitrary: tooLarge, weight: 1 }
)

/**
 * URLs that are not absolute http(s) URLs with a host. (Careful: the URL standard strips leading
 * and trailing control characters and spaces, so "\u0000http://example.com" IS a valid URL.)
 */
export const badWebhookUrl: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "", "hook", "/hook", "//example.com/hook", "ftp://example.com/hook", "file:///etc/passwd",
    "javascript:alert(1)", "data:text/plain,hi", "ws://example.com/hook", "gopher://example.com",
    "http://", "https://", "http:// example.com", "http://exa mple.com/", "http://[::1/hook",
    "http://%zz/", "mailto:ops@example.com", "http://example.com:99999/hook", "https://[::1]:0x50/"
  ),
  fc.stringMatching(/^[a-z]{2,8}$/).filter((scheme) => scheme !== "http" && scheme !== "https").map((scheme) => `${scheme}://example.com/hook`),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.constant("http://example.com/hook"), { minLength: 1, maxLength: 2 }),
  fc.constant({ url: "http://example.com/hook" })
)

/** POST /jobs bodies whose model is fine but whose foreman-only fields are not. */
export const hostileSubmitExtras: fc.Arbitrary<HostileBody> = fc.oneof(
  badWebhookUrl.map((url) => ({
    body: json({ model: installedModel, stream: false, messages: [{ role: "user", content: "hi" }], state_webhook_url: url }),
    why: `state_webhook_url ${json(url)}`
  })),
  fc.oneof(
    fc.string({ maxLength: 12 }).filter((e) => e !== "chat" && e !== "generate"),
    fc.constantFrom("Chat", "GENERATE", "embed", "embeddings", " chat", "chat\u0000"),
    fc.integer(),
    fc.boolean(),
    fc.array(fc.constant("chat"), { minLength: 1, maxLength: 2 })
  ).map((endpoint) => ({
    body: json({ model: installedModel, endpoint, messages: [{ role: "user", content: "hi" }] }),
    why: `endpoint ${json(endpoint)}`
  }))
)

/** Bodies the passthrough routes forward: the target must refuse them, and foreman must say so. */
export const hostilePassthroughBody: fc.Arbitrary<HostileBody> = fc.oneof(
  { arbitrary: malformedJson, weight: 3 },
  { arbitrary: nonObjectJson, weight: 2 },
  { arbitrary: wrongModelType, weight: 3 },
  { arbitrary: tooLarge, weight: 1 }
)

/** Header sets that are odd but legal on the wire; they decorate requests that are hostile anyway. */
export const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  "content-type": fc.constantFrom(
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=xyz",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-16",
    "a/b/c",
    "",
    "application/x-ndjson"
  ),
  accept: fc.constantFrom("*/*", "text/event-stream", "application/xml", "image/png", ";;;"),
  "content-encoding": fc.constantFrom("identity", "gzip", "br", "deflate", "bogus"),
  "user-agent": fc.string({ maxLength: 2_000 }).map((s) => s.replace(/[^\x20-\x7e]/g, "x")),
  "x-forwarded-for": fc.constantFrom("127.0.0.1", "10.0.0.1, 203.0.113.7", "::1", "garbage"),
  authorization: fc.constantFrom("Bearer nope", "Basic Zm9vOmJhcg==", "Bearer", "", "Bearer \t "),
  cookie: fc.constantFrom("a=b", "session=" + "z".repeat(512)),
  // Not "close": with it, an early answer (a 404 before the body is read) may legally end the
  // connection while a large body is still being written, which node:http reports as EPIPE.
  connection: fc.constantFrom("keep-alive", "upgrade", "Keep-Alive, TE"),
  "x-foreman-job-id": fc.constantFrom("01ARZ3NDEKTSV4RRFFQ69G5FAV", "../../etc/passwd")
}, { requiredKeys: [] })

/** encodeURIComponent, for strings it can encode (lone surrogates it cannot are dropped by the filter). */
const encodable = (s: string) => {
  try {
    encodeURIComponent(s)
    return true
  } catch {
    return false
  }
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
export const isUlid = (s: string) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(s)

/** A well-formed ULID that no job has (the caller filters out the ids it created). */
export const unknownUlid: fc.Arbitrary<string> = fc.array(fc.constantFrom(...crockford), { minLength: 25, maxLength: 25 })
  .map((chars) => `0${chars.join("")}`)

/** Job ids that are not ULIDs, already encoded for a path segment. */
export const badJobIdSegment: fc.Arbitrary<string> = fc.oneof(
  // At most 100 characters once decoded: longer path parameters are a known bug, tested on its own.
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((s) => !isUlid(s) && encodable(s)).map(encodeURIComponent),
  fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !isUlid(s)).map(encodeURIComponent),
  // Nearly a ULID: one character out of the alphabet, or a length off by one.
  fc.tuple(unknownUlid, fc.nat(25), fc.constantFrom("I", "L", "O", "U", "i", "l", "o", "u", "a", "-", "_", "%20", "%00", "%2F")).map(
    ([ulid, at, bad]) => ulid.slice(0, at) + bad + ulid.slice(at + 1)
  ),
  unknownUlid.map((ulid) => ulid.slice(1)),
  unknownUlid.map((ulid) => `${ulid}0`),
  unknownUlid.map((ulid) => ulid.toLowerCase()),
  fc.constantFrom("..", ".", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%00", "null", "undefined", "-1", "0", "%20"),
  fc.integer({ min: 27, max: 100 }).map((n) => "A".repeat(n))
)

/** Artifact names that exist on no job: traversal, encodings, near-misses of "completion". */
export const badArtifactName: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fpackage.json",
    "..",
    "...",
    "completion%00",
    "completion%2F..%2Fcompletion",
    "COMPLETION",
    "completion%20",
    "%63ompletion%2Fx",
    "result",
    "..%5c..%5cwindows%5cwin.ini"
  ),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }).filter((s) => s !== "completion" && encodable(s)).map(encodeURIComponent)
)

export type Family = "native" | "openai" | "foreman"

/** Which family a path belongs to. */
export const familyOf = (path: string): Family => {
  // Judge the answer by the route the request reaches: the router collapses duplicate slashes and
  // ignores case, but does not resolve `..` (so `/jobs/..` is job "..", not `/`).
  const pathname = (path.split("?")[0] ?? "").replace(/\/{2,}/g, "/").toLowerCase()
  return pathname === "/" || pathname === "/api" || pathname.startsWith("/api/")
    ? "native"
    : pathname === "/v1" || pathname.startsWith("/v1/")
    ? "openai"
    : "foreman"
}

const shapeOf = (family: Family, body: unknown): boolean => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false
  const keys = Object.keys(body).sort().join(",")
  if (family === "native") return keys === "error" && "error" in body && typeof body.error === "string"
  if (family === "foreman") {
    return keys === "_tag,error" && "_tag" in body && typeof body._tag === "string" && "error" in body && typeof body.error === "string"
  }
  return keys === "error" && "error" in body && typeof body.error === "object" && body.error !== null &&
    "message" in body.error && typeof body.error.message === "string"
}

const describeRequest = (request: Pick<HostileRequest, "method" | "path" | "why">) =>
  `${request.method} ${request.path.slice(0, 160)}${request.path.length > 160 ? "…" : ""} (${request.why})`

/**
 * What foreman must answer a hostile request with: a 4xx, in the error shape of the path's route
 * family — or Ollama's plain `404 page not found` for a path no route serves. A HEAD answer has no
 * body to judge. Returns the problem, or undefined when the answer is right.
 */
export const judge = (request: Pick<HostileRequest, "method" | "path" | "why">, response: RawResponse): string | undefined => {
  const text = response.body.toString("utf8")
  const what = `${describeRequest(request)} → ${response.status} ${text.slice(0, 300)}`
  if (response.status < 400 || response.status > 499) return `not a 4xx: ${what}`
  if (request.method === "HEAD") return undefined
  if (response.status === 404 && text === "404 page not found") return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return `not JSON: ${what}`
  }
  const family = familyOf(request.path)
  return shapeOf(family, parsed) ? undefined : `not in the ${family} error shape: ${what}`
}
