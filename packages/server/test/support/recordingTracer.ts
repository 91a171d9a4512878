import { Effect, Tracer } from "effect"

/**
 * The tracer the daemon would have had, keeping every span it opens so a test can read their names,
 * kinds and attributes afterwards. Spans are still made by the native tracer.
 */
export const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = native.span(name, parent, context, links, startTime, kind, options)
      spans.push(span)
      return span
    },
    context: (f, fiber) => native.context(f, fiber)
  })
  return { spans, tracer } as const
})
