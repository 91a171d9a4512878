// Go marshals time.Time as RFC 3339 with trailing fractional zeros dropped.
export const goTime = (epochMs: number): string => new Date(epochMs).toISOString().replace(/\.?0+Z$/, "Z")
