import { Either } from "effect"
import { badRequest, type OllamaError } from "./OllamaError.js"
import { goKind, isJsonObject, type JsonObject } from "./RequestBody.js"

// Typed reads of request fields, failing with encoding/json's wording so a
// malformed request gets the 400 body Ollama would send. null reads as absent.

type Read<A> = Either.Either<A | undefined, OllamaError>

const mismatch = (value: unknown, where: string, goType: string) =>
  Either.left(badRequest(`json: cannot unmarshal ${goKind(value)} into Go struct field ${where} of type ${goType}`))

export const stringField = (body: JsonObject, where: string, field: string): Read<string> => {
  const value = body[field]
  if (value === undefined || value === null) return Either.right(undefined)
  return typeof value === "string" ? Either.right(value) : mismatch(value, `${where}.${field}`, "string")
}

export const boolField = (body: JsonObject, where: string, field: string): Read<boolean> => {
  const value = body[field]
  if (value === undefined || value === null) return Either.right(undefined)
  return typeof value === "boolean" ? Either.right(value) : mismatch(value, `${where}.${field}`, "bool")
}

export const arrayField = (
  body: JsonObject,
  where: string,
  field: string,
  goType: string
): Read<ReadonlyArray<unknown>> => {
  const value = body[field]
  if (value === undefined || value === null) return Either.right(undefined)
  return Array.isArray(value) ? Either.right(value) : mismatch(value, `${where}.${field}`, goType)
}

export const objectField = (body: JsonObject, where: string, field: string, goType: string): Read<JsonObject> => {
  const value = body[field]
  if (value === undefined || value === null) return Either.right(undefined)
  return isJsonObject(value) ? Either.right(value) : mismatch(value, `${where}.${field}`, goType)
}

/** A number into a Go int or float field; a fraction into an int names the number, as Go does. */
export const numberField = (
  body: JsonObject,
  where: string,
  field: string,
  goType: "int" | "float32" | "float64"
): Read<number> => {
  const value = body[field]
  if (value === undefined || value === null) return Either.right(undefined)
  if (typeof value !== "number") return mismatch(value, `${where}.${field}`, goType)
  return goType === "int" && !Number.isInteger(value)
    ? Either.left(
      badRequest(`json: cannot unmarshal number ${value} into Go struct field ${where}.${field} of type ${goType}`)
    )
    : Either.right(value)
}
