/**
 * A URL as the client may show it: without any `user:password@`. Works on text that is not a valid
 * URL too (an error message must not leak a password the parser refused), by cutting everything
 * from `://` to the last `@` of the authority, as the WHATWG parser splits it.
 */
export const withoutCredentials = (raw: string): string => raw.replace(/^([^:/?#]+:\/\/)[^/?#\\]*@/, "$1")
