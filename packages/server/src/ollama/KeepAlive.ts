import { parseGoDurationNanos } from "@foreman/domain"
import { Either } from "effect"

// A request's keep_alive as Ollama decodes it (api.Duration.UnmarshalJSON): a number is seconds, a
// string is a Go duration (time.ParseDuration), anything else is refused. Ollama refuses a bad one
// before it schedules anything, so foreman must too, or the worker would swap models first.

const goTypeName = (value: unknown): string =>
  typeof value === "boolean" ? "bool" : Array.isArray(value) ? "[]interface {}" : "map[string]interface {}"

/** Why Ollama would refuse this keep_alive (its 400 text), or undefined when it decodes. */
export const keepAliveProblem = (value: unknown): string | undefined =>
  value === undefined || value === null || typeof value === "number"
    ? undefined
    : typeof value === "string"
    ? Either.match(parseGoDurationNanos(value), { onLeft: (problem) => problem, onRight: () => undefined })
    : `Unsupported type: '${goTypeName(value)}'`

/**
 * A keep_alive that unloads at once: a number of seconds truncated to zero nanoseconds, or a
 * duration of zero ("0", "0s", "-0s"); negatives pin forever instead.
 */
export const isZeroKeepAlive = (value: unknown): boolean =>
  typeof value === "number"
    ? value >= 0 && value * 1e9 < 1
    : typeof value === "string" && Either.getOrElse(Either.map(parseGoDurationNanos(value), (nanos) => nanos === 0), () => false)
