import { BadRequest, JobId, SubmitJob } from "@foreman/domain"
import { Effect, Either, ParseResult, Schema } from "effect"

const isJobId = Schema.is(JobId)

/**
 * The daemon's own check, made before anything is sent: an id with `/` or `?` would reach another
 * route or job, an empty one the list. ULIDs are case-insensitive, as they are to the daemon.
 */
export const checkJobId = (id: string): Effect.Effect<string, BadRequest> =>
  isJobId(id.toUpperCase())
    ? Effect.succeed(id)
    : Effect.fail(new BadRequest({ error: `"${id}" is not a job id (a 26-character ULID)` }))

/** "Expected "chat", actual "embed"": the schema's wording of a wrong value, taken apart. */
const expectation = (message: string) => {
  const [, expected, actual] = /^Expected (.+), actual (.+)$/s.exec(message) ?? []
  return expected === undefined || actual === undefined ? [] : [{ expected, actual }]
}

/** One line for the first wrong field, in the daemon's words ("model is required"), not the schema's tree. */
const firstProblem = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const path = (issues[0]?.path ?? []).join(".")
  const here = issues.filter((issue) => issue.path.join(".") === path)
  const field = path === "" ? "the job payload" : path
  if (here.some((issue) => issue._tag === "Missing")) return `${field} is required`
  // A union fails once per member: "chat", then "generate", then undefined (the field left out).
  const found = here.flatMap((issue) => expectation(issue.message))
  const expected = path === "" ? ["an object"] : found.map((e) => e.expected).filter((e) => e !== "undefined")
  return found[0] === undefined ? `${field}: ${here[0]?.message ?? "invalid"}` : `${field} must be ${expected.join(" or ")}, got ${found[0].actual}`
}

/** Refuses, nothing sent, a payload `submit` could not encode (JS callers are not type-checked). */
export const checkPayload = (payload: SubmitJob): Effect.Effect<SubmitJob, BadRequest> =>
  Either.match(Schema.encodeUnknownEither(SubmitJob)(payload), {
    onLeft: (error) => Effect.fail(new BadRequest({ error: firstProblem(error) })),
    onRight: () => Effect.succeed(payload)
  })
