/**
 * /openapi.json without the platform's `HttpApiDecodeError`. `HttpApi.make` documents it as a 400
 * of every endpoint, but foreman never answers it: ids, filters and bodies are read as plain text
 * and refused by the handlers as `BadRequest`. A 400 left with no other answer is dropped (on
 * /healthz and /metrics, which read nothing), and so are the schemas only it used.
 */
const decodeError = "#/components/schemas/HttpApiDecodeError"
const onlyDecodeErrorSchemas = ["HttpApiDecodeError", "Issue", "PropertyKey"]

type Json = Record<string, unknown>
const isJson = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value)

const withoutDecodeError = (response: Json): Json | undefined => {
  const content = isJson(response.content) ? response.content : {}
  const media = isJson(content["application/json"]) ? content["application/json"] : {}
  const schema = isJson(media.schema) ? media.schema : {}
  if (schema.$ref === decodeError) return undefined
  if (!Array.isArray(schema.anyOf)) return response
  const rest = schema.anyOf.filter((alternative: unknown) => !(isJson(alternative) && alternative.$ref === decodeError))
  const kept = rest.length === 1 ? rest[0] : { ...schema, anyOf: rest }
  return {
    ...response,
    description: "The request is malformed: BadRequest, with what is wrong in `error`",
    content: { ...content, "application/json": { ...media, schema: kept } }
  }
}

export const withoutDecodeErrors = (spec: Json): Json => {
  const paths = isJson(spec.paths) ? spec.paths : {}
  const cleaned = Object.fromEntries(Object.entries(paths).map(([path, operations]) => [
    path,
    isJson(operations)
      ? Object.fromEntries(Object.entries(operations).map(([method, operation]) => {
        if (!isJson(operation) || !isJson(operation.responses) || !isJson(operation.responses["400"])) return [method, operation]
        const { "400": badRequest, ...others } = operation.responses
        const kept = withoutDecodeError(badRequest)
        return [method, { ...operation, responses: kept === undefined ? others : { ...others, "400": kept } }]
      }))
      : operations
  ]))
  const components = isJson(spec.components) ? spec.components : {}
  const schemas = isJson(components.schemas) ? components.schemas : {}
  return {
    ...spec,
    paths: cleaned,
    components: {
      ...components,
      schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => !onlyDecodeErrorSchemas.includes(name)))
    }
  }
}
