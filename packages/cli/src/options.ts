import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import { JobId } from "@foreman/domain"

/** `--json`: a machine-readable document on stdout instead of human output. */
export const jsonOption = Options.boolean("json").pipe(Options.withDescription("Print JSON for scripts instead of human output."))

// ULIDs are case-insensitive, and the daemon upper-cases an id before checking it: accept exactly what it does.
const upperCased = (id: string) => id.toUpperCase()

/** A job id argument, checked to be a ULID before anything is sent (a typo is a usage error). */
export const jobIdArg = Args.text({ name: "id" }).pipe(
  Args.map(upperCased),
  Args.withSchema(JobId),
  Args.withDescription("The job's id (a 26-character ULID, as `foreman submit` printed it).")
)

/** A job id option, checked like `jobIdArg`. */
export const jobIdOption = (name: string) =>
  Options.text(name).pipe(Options.map(upperCased), Options.withSchema(JobId), Options.withPseudoName("ID"))
